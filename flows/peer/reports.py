"""`/report` from either side of a peer chat, and what admins can do about it.

A report asks why (a few reasons, then optional words of the reporter's own) and asks to
confirm before anything is sent. It goes to the admins who are not a side of the chat:
an admin answering the member, or a member who is an admin, never gets a report about
their own chat. When there is no such admin, the reporter is told so, and the report
waits (`passed_on_at` empty) until the sweep finds an admin outside the chat.

The buttons under a report act on the side reported, never on the one who reported: the
member's report offers to suspend their volunteer (or take the chat over), the
volunteer's offers to bar the member. `/bar` and `/suspend` ask to confirm.
"""

import logging
from datetime import datetime, timedelta
from typing import ClassVar, TypedDict

from flows.core import audit, notice_keys
from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.config import FlowConfig
from flows.core.context import Context
from flows.core.engine import Engine
from flows.core.flow import Answer, Chosen, Flow
from flows.core.language import N_, _, speaking
from flows.core.outgoing import commit_replies
from flows.core.parsing import parse_id
from flows.core.sweep import BATCH
from flows.core.values import COMMAND_TOKEN, Choice, Outcome, Reply, command_choice
from flows.peer.relay import chat_was_flagged, end_chat
from flows.peer.requests import admin_accounts_of
from flows.peer.shifts import accounts_by_language
from flows.peer.stepping_in import take_over_choice
from storage import (
    Account,
    ChatSide,
    EndReason,
    Handoff,
    HandoffStatus,
    ReportReason,
    Transaction,
)

log = logging.getLogger(__name__)

# A chat can still be reported this long after it ended.
REPORT_WINDOW = timedelta(days=2)
# A member's own latest request can be reported once it became a chat.
CHAT_STATUSES = frozenset({HandoffStatus.ACTIVE, HandoffStatus.ENDED})
WORDS_MAX = 500
REASONS = (
    Choice(ReportReason.UNSAFE, N_("They made me feel unsafe"), "😟"),
    Choice(ReportReason.ABUSE, N_("Abusive, hateful or sexual messages"), "🛑"),
    Choice(ReportReason.CONTACT, N_("Asked for contact details or to meet"), "📵"),
    Choice(ReportReason.OTHER, N_("Something else"), "💬"),
)
# Each reason's English source: `_` gives it in the language being spoken.
REASON_LABELS = {ReportReason(c.value): c.label for c in REASONS}
# A chat's status as a report names it.
STATUS_LABELS = {
    HandoffStatus.WAITING: N_("waiting"),
    HandoffStatus.ACTIVE: N_("active"),
    HandoffStatus.ENDED: N_("ended"),
    HandoffStatus.CANCELLED: N_("cancelled"),
}
CONFIRM = "confirm"


def _reasons() -> list[Choice]:
    return [Choice(c.value, _(c.label), c.emoji) for c in REASONS]


async def _reported_chat(ctx: Context) -> tuple[Handoff, ChatSide] | None:
    if ctx.member is None:
        return None
    own = await ctx.tx.handoffs.latest_for_member(ctx.member.id)
    if own is not None and own.status in CHAT_STATUSES and _recent(ctx, own):
        return own, ChatSide.MEMBER
    volunteer = await ctx.volunteer()
    if volunteer is not None:
        chats = await ctx.tx.handoffs.active_for_volunteer(volunteer.member_id)
        current = next((h for h in chats if h.id == volunteer.current_handoff), None)
        chosen = current or (chats[0] if chats else None)
        if chosen is None:
            chosen = await ctx.tx.handoffs.latest_for_volunteer(volunteer.member_id)
        if chosen is not None and _recent(ctx, chosen):
            return chosen, ChatSide.VOLUNTEER
    return None


def _recent(ctx: Context, handoff: Handoff) -> bool:
    return handoff.ended_at is None or ctx.now - handoff.ended_at <= REPORT_WINDOW


def _end_hint(handoff: Handoff) -> str:
    if handoff.status is not HandoffStatus.ACTIVE:
        return ""
    return " " + _("/end stops the chat now if you want.")


async def _already_reported(ctx: Context, handoff: Handoff, side: ChatSide) -> bool:
    if not await ctx.tx.safety.reported(handoff.id, by=side):
        return False
    # The admins have it already (or will): telling them again would only bury it.
    ctx.say(_("Thank you — you've reported this chat already.") + _end_hint(handoff))
    return True


async def report(ctx: Context) -> None:
    """`/report`: the chat in hand (or just ended) is reported, once the reporter confirms."""
    found = await _reported_chat(ctx)
    if found is None:
        ctx.say(
            _("/report is for flagging a peer chat to the admins, and you have no recent chat.")
        )
        return
    handoff, side = found
    if await _already_reported(ctx, handoff, side):
        return
    await ctx.start_flow(ReportFlow.name)
    ReportFlow.data(ctx).update(ReportData(handoff=handoff.id, side=side))
    other = handoff.member_alias if side is ChatSide.VOLUNTEER else await _peer_name(ctx, handoff)
    ReportFlow.ask_reason(ctx, other)


async def _peer_name(ctx: Context, handoff: Handoff) -> str:
    volunteer = await ctx.tx.volunteers.get(handoff.volunteer_id) if handoff.volunteer_id else None
    return volunteer.display_name if volunteer is not None else _("your peer")


class ReportData(TypedDict, total=False):
    handoff: int
    side: str  # ChatSide of the reporter
    reason: str  # ReportReason
    words: str | None


class ReportFlow(Flow[ReportData]):
    """Why, optional words, then confirm: nothing is sent or kept before "Send"."""

    name = "report"
    title = N_("report")
    timeout: ClassVar[timedelta] = timedelta(hours=1)

    async def begin(self, ctx: Context) -> None:
        """Asked by `report`, which knows the chat (`ask_reason`)."""

    @classmethod
    def ask_reason(cls, ctx: Context, other: str) -> None:
        ctx.ask(
            cls.on_reason,
            _(
                "I'm sorry something went wrong in your chat with {other}. What happened? Only "
                "admins who aren't part of the chat will see your report, and never the chat "
                "itself. /cancel if you'd rather not."
            ).format(other=other),
            _reasons(),
        )

    async def on_reason(self, ctx: Context, answer: Chosen) -> None:
        self.data(ctx)["reason"] = answer.choice.value
        ctx.ask(
            self.on_words,
            _("Would you like to add a few words for the admins? Type them, or Skip."),
            [Choice("skip", _("Skip"))],
            free_text=True,
        )

    async def on_words(self, ctx: Context, answer: Answer) -> None:
        words = answer.text.strip()[:WORDS_MAX] if answer.choice is None else ""
        self.data(ctx)["words"] = words or None
        reason = _(REASON_LABELS[ReportReason(self.data(ctx)["reason"])])
        question = _("Send this report to the admins?\nReason: {reason}").format(reason=reason)
        if words:
            question += "\n" + _("Your words: “{words}”").format(words=words)
        ctx.ask(
            self.on_confirm,
            question,
            [Choice("send", _("Send the report"), "🚩"), Choice("no", _("Don't send"))],
        )

    async def on_confirm(self, ctx: Context, answer: Chosen) -> None:
        data = self.data(ctx)
        ctx.finish()
        handoff = await ctx.tx.handoffs.get(int(data["handoff"]))
        if answer.choice.value != "send" or handoff is None:
            ctx.say(_("Okay — nothing was sent, and nothing of it kept. /report any time."))
            return
        side = ChatSide(data["side"])
        if await _already_reported(ctx, handoff, side):
            return
        await _send_report(
            ctx, handoff, side, ReportReason(data["reason"]), data.get("words") or None
        )


async def _send_report(
    ctx: Context, handoff: Handoff, side: ChatSide, reason: ReportReason, words: str | None
) -> None:
    admins = await admins_outside(ctx.tx, ctx.config, handoff)
    await ctx.tx.safety.record_report(
        handoff.id,
        reported_by=side,
        reason=reason,
        words=words,
        now=ctx.now,
        passed_on=bool(admins),
    )
    log.info("peer_report handoff=%s by=%s admins=%d", handoff.id, side, len(admins))
    if not admins:
        # Honest about it: the only admins are in this chat, so nobody else can see it yet.
        ctx.say(
            _(
                "Thank you for telling us. Right now every admin here is part of this chat, so "
                "there's nobody else to pass your report to yet. I've kept it, and it goes to "
                "the first admin who isn't part of the chat. If you feel unsafe, /end stops the "
                "chat, and these lines are open:"
            )
            + f"\n{ctx.config.crisis.short_text()}"
        )
        return
    # Each admin reads the report in their own language.
    for language, readers in (await accounts_by_language(ctx.tx, ctx.config, admins)).items():
        with speaking(language):
            reply = await report_reply(ctx.tx, handoff, side, reason, words)
        for account in readers:
            ctx.send_to(account, reply)
    ctx.say(
        _(
            "Thank you for telling us — the admins have your report, without anything from "
            "the chat itself."
        )
        + _end_hint(handoff)
    )


async def admins_outside(tx: Transaction, config: FlowConfig, handoff: Handoff) -> list[Account]:
    """The admins who are neither side of the chat: those a report about it goes to."""
    sides: set[Account] = set()
    for person in (handoff.member_id, handoff.volunteer_id):
        if person is not None:
            sides.update(await tx.members.accounts_of(person))
    # Each account is one person's, so an admin in the chat is a side from every account.
    return [a for a in await admin_accounts_of(tx, config) if a not in sides]


async def report_reply(
    tx: Transaction,
    handoff: Handoff,
    side: ChatSide,
    reason: ReportReason | None,
    words: str | None,
) -> Reply:
    """The report as admins see it, with buttons that act on the side reported: made in
    the language being spoken (the admin's it goes to)."""
    volunteer = await tx.volunteers.get(handoff.volunteer_id) if handoff.volunteer_id else None
    peer = volunteer.display_name if volunteer is not None else _("a volunteer")
    heading = (
        _("🚩 Report from the member of peer chat #{id} between {member} and {peer} ({status}).")
        if side is ChatSide.MEMBER
        else _(
            "🚩 Report from the volunteer of peer chat #{id} between {member} and {peer} "
            "({status})."
        )
    )
    status = STATUS_LABELS.get(handoff.status)
    lines = [
        heading.format(
            id=handoff.id,
            member=handoff.member_alias,
            peer=peer,
            status=_(status) if status else handoff.status,
        )
    ]
    if reason is not None:
        lines.append(_("Reason: {reason}").format(reason=_(REASON_LABELS[reason])))
    if words:
        lines.append(_("In their words: “{words}”").format(words=words))
    buttons = []
    if side is ChatSide.VOLUNTEER and handoff.member_id is not None:
        buttons.append(
            command_choice(
                f"bar {handoff.id}",
                _("Bar {name} from peer chats").format(name=handoff.member_alias),
            )
        )
    if side is ChatSide.MEMBER and volunteer is not None:
        if handoff.status is HandoffStatus.ACTIVE:
            buttons.append(take_over_choice(handoff))
        if volunteer.is_peer and volunteer.is_active:
            buttons.append(
                command_choice(
                    f"suspend {volunteer.member_id}",
                    _("Suspend {name}").format(name=volunteer.display_name),
                )
            )
        elif volunteer.coordinator:
            lines.append(_("They were talking with an admin, answering as a coordinator."))
    return Reply(
        "\n".join(lines),
        tuple(buttons),
        token=COMMAND_TOKEN if buttons else None,
        notice=notice_keys.report(handoff.id),
        protect_content=True,
    )


async def pass_on_waiting_reports(engine: Engine, now: datetime) -> tuple[int, list[Outcome]]:
    """The sweep's part: reports kept because every admin was a side of the chat go to an
    admin outside it once there is one (a new admin, or a chat now over)."""
    async with engine.db.transaction() as tx:
        replies: list[tuple[Account, Reply]] = []
        passed = 0
        for waiting in await tx.safety.waiting_reports(limit=BATCH):
            handoff = await tx.handoffs.get(waiting.handoff_id)
            if handoff is None:
                continue
            admins = await admins_outside(tx, engine.config, handoff)
            if not admins:
                continue
            for language, readers in (
                await accounts_by_language(tx, engine.config, admins)
            ).items():
                with speaking(language):
                    reply = await report_reply(
                        tx, handoff, waiting.reported_by, waiting.reason, waiting.words
                    )
                replies += [(account, reply) for account in readers]
            await tx.safety.report_passed_on(waiting.id, now)
            log.info("peer_report_passed_on handoff=%s admins=%d", handoff.id, len(admins))
            passed += 1
        committed = await commit_replies(tx, replies, now, engine.held)
    return passed, [Outcome(deliveries=committed.deliveries)] if replies else []


# -- what admins can do ---------------------------------------------------------------
def _say_protected(ctx: Context, text: str, *, commands: tuple[Choice, ...] = ()) -> None:
    """Reply to the admin with what names a member: not to be forwarded or saved onwards."""
    token = COMMAND_TOKEN if commands else None
    ctx.send_to(ctx.account, Reply(text, commands, token=token, protect_content=True))


async def bar(ctx: Context) -> None:
    """`/bar <chat>` (admin): no more peer chats for that chat's member, once confirmed."""
    arg, _space, confirm = ctx.input.text.strip().partition(" ")
    handoff_id = parse_id(arg)
    handoff = await ctx.tx.handoffs.get(handoff_id) if handoff_id else None
    if handoff is None or handoff.member_id is None:
        ctx.say(_("I couldn't find that chat's member."))
        return
    alias = handoff.member_alias
    active = handoff.status is HandoffStatus.ACTIVE
    if confirm.strip().lower() != CONFIRM:
        if active and await chat_was_flagged(ctx, handoff):
            text = _(
                "⚠️ The safety check flagged risk in this chat from {name}. Barring ends "
                "the chat now (they'll be shown the crisis lines). Bar anyway, or leave the "
                "chat with its volunteer for now?"
            ).format(name=alias)
            label = _("Yes, bar {name} now").format(name=alias)
        else:
            text = (
                _(
                    "Bar {name} from peer chats? They won't be able to ask for a peer until an "
                    "admin lets them again (/unbar {id}); their chat ends now, and they're told "
                    "kindly."
                )
                if active
                else _(
                    "Bar {name} from peer chats? They won't be able to ask for a peer until an "
                    "admin lets them again (/unbar {id})."
                )
            ).format(name=alias, id=handoff.id)
            label = _("Yes, bar {name}").format(name=alias)
        _say_protected(
            ctx, text, commands=(command_choice(f"bar {handoff.id} {CONFIRM}", label, "⛔"),)
        )
        return
    await ctx.tx.members.set_peer_barred(handoff.member_id, True)
    log.info("member_barred member=%s", handoff.member_id)
    audit.admin_action(ctx, "peer.bar", handoff.id)
    if active:
        await end_chat(ctx, handoff, by=EndReason.BARRED)
    ctx.answered = _("Barred {name}").format(name=alias)
    _say_protected(
        ctx,
        _("{name} can no longer request peer chats. /unbar {id} undoes it.").format(
            name=alias, id=handoff.id
        ),
    )


async def unbar(ctx: Context) -> None:
    arg = ctx.input.text.strip()
    handoff_id = parse_id(arg)
    handoff = await ctx.tx.handoffs.get(handoff_id) if handoff_id else None
    if handoff is None or handoff.member_id is None:
        ctx.say(_("I couldn't find that chat's member."))
        return
    member = await ctx.tx.members.get(handoff.member_id)
    if member is not None and not member.peer_barred:
        _say_protected(
            ctx,
            _("{name} isn't barred: they can request peer chats.").format(
                name=handoff.member_alias
            ),
        )
        return
    await ctx.tx.members.set_peer_barred(handoff.member_id, False)
    audit.admin_action(ctx, "peer.unbar", handoff.id)
    _say_protected(
        ctx, _("{name} can request peer chats again.").format(name=handoff.member_alias)
    )


REPORT_COMMANDS = (
    Command("report", N_("flag a peer chat to the admins"), report, audience=Audience.ANYONE),
    Command(
        "bar",
        N_("bar a member from peer chats"),
        bar,
        audience=Audience.ADMIN,
        hidden=True,
        audits=("peer.bar",),
    ),
    Command(
        "unbar",
        N_("let a member request peer chats again"),
        unbar,
        audience=Audience.ADMIN,
        hidden=True,
        audits=("peer.unbar",),
    ),
)
