"""Peer-chat hygiene: a chat nobody has written in for PEER_CHAT_IDLE_HOURS is wrapped up.

A chat is idle while no message is relayed either way (`tx.handoffs.record_relayed`); it
counts from the last one, or from the moment a peer accepted. Some time before the end
(`warning_lead`) both sides are told, kindly, that it will close unless one of them
writes; the sweep then closes it as `/end` does, with the member's feedback question and
the volunteer's debrief. Nothing of it happens inside the member's quiet hours, and the
close always comes at least the warning's lead after the warning, even after a stop.

Where the safety check flagged risk in the chat it is not ended quietly: the warning asks
the volunteer whether to hand it to an admin, the admins are told with a button to take it
over, and when it closes the member is shown the crisis lines again (`end_chat` does that
for any flagged chat) and the admins are told it has closed.

Every decision is the database's: the warning is a compare-and-set on the chat's row
(`warn_idle`, only while it is still quiet since the same moment), the close is
`end_chat`'s own (`handoffs.close` only from active), each chat in its own transaction,
so a sweep repeated after a crash or a restart tells nobody twice.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from flows.core.context import Context
from flows.core.engine import Engine
from flows.core.language import _, ngettext
from flows.core.quiet_hours import quiet_hours_of
from flows.core.sweep import BATCH, Action
from flows.core.values import COMMAND_TOKEN, Choice, Outcome, Reply, command_choice
from flows.peer.relay import chat_was_flagged, end_chat, peer_name, shown_name
from flows.peer.requests import admin_accounts, speaking_to_account, speaking_to_id
from flows.peer.stepping_in import take_over_choice
from storage import EndReason, Handoff, HandoffStatus, IdleChat, Volunteer

log = logging.getLogger(__name__)

# The warning comes this long before the end (half the idle time for a very short one).
WARNING_LEAD = timedelta(hours=1)


def idle_after(hours: int) -> timedelta | None:
    """How long a chat may go quiet before it is wrapped up; None: never (0)."""
    return timedelta(hours=hours) if hours > 0 else None


def warning_lead(idle: timedelta) -> timedelta:
    return min(WARNING_LEAD, idle / 2)


def _hours(delta: timedelta) -> int:
    return max(1, round(delta.total_seconds() / 3600))


def _span(hours: int) -> str:
    return ngettext("an hour", "{count} hours", hours).format(count=hours)


def _closes(lead: int | None) -> str:
    """When the chat closes unless someone writes, as a sentence of its own."""
    if lead is None:
        return _("It will close soon unless someone writes in it.")
    return _("It will close in about {span} unless someone writes in it.").format(span=_span(lead))


async def wrap_up_idle_chats(engine: Engine, now: datetime) -> tuple[int, list[Outcome]]:
    """The sweep's part: warn the sides of chats going quiet, and close those quiet for
    PEER_CHAT_IDLE_HOURS after a warning; returns how many were closed."""
    idle = idle_after(engine.config.peer_chat_idle_hours)
    if idle is None:
        return 0, []
    lead = warning_lead(idle)
    async with engine.db.single_statement() as tx:
        chats = await tx.handoffs.idle_chats(now - idle + lead, limit=BATCH)
    outcomes: list[Outcome] = []
    closed = 0
    for chat in chats:
        handoff = chat.handoff
        if handoff.member_id is None:
            continue  # a chat with nobody is closed by the member's deletion
        if chat.warned_at is None:
            outcomes.append(await engine.run_for_member(handoff.member_id, _warn(chat)))
        elif now >= max(chat.quiet_from + idle, chat.warned_at + lead):
            outcome = await engine.run_for_member(handoff.member_id, _close(chat))
            closed += bool(outcome.deliveries)
            outcomes.append(outcome)
    return closed, outcomes


def _quiet_now(ctx: Context) -> bool:
    """Inside the member's quiet hours: the chat waits till morning (it is only quiet)."""
    quiet = quiet_hours_of(ctx.config.quiet_hours)
    member = ctx.require_member()
    return quiet is not None and quiet.contains(ctx.now, member.timezone)


def _warn(chat: IdleChat) -> Action:
    async def action(ctx: Context) -> None:
        handoff = chat.handoff
        if _quiet_now(ctx):
            return
        if not await ctx.tx.handoffs.warn_idle(handoff.id, chat.quiet_from, ctx.now):
            return  # written in since, ended, or warned already
        idle = idle_after(ctx.config.peer_chat_idle_hours)
        assert idle is not None
        lead = _hours(warning_lead(idle)) if warning_lead(idle) >= timedelta(hours=1) else None
        peer = await peer_name(ctx, handoff)
        quiet_for = _hours(ctx.now - chat.quiet_from)
        ctx.say(
            _(
                "It's been quiet in your chat with {peer} for about {span}. If you'd like to "
                "keep talking, just send a message. {closes} /end closes it now. Either way is "
                "okay. 💛"
            ).format(peer=peer, span=_span(quiet_for), closes=_closes(lead))
        )
        flagged = await chat_was_flagged(ctx, handoff)
        await _warn_volunteer(ctx, handoff, quiet_for, lead, flagged=flagged)
        if flagged:

            def quiet(peer: str) -> tuple[str, tuple[Choice, ...]]:
                text = _(
                    "⚠️ A peer chat in which the safety check flagged risk has gone quiet: "
                    "{alias} with {peer} (chat {ref}), nothing written for about {span}. "
                    "{closes} They'll be shown the crisis lines again as it closes. You can "
                    "take it over to check in with them."
                ).format(
                    alias=handoff.member_alias,
                    peer=peer,
                    ref=handoff.ref,
                    span=_span(quiet_for),
                    closes=_closes(lead),
                )
                return text, (take_over_choice(handoff),)

            await _tell_admins(ctx, handoff, quiet)
        log.info("peer_chat_idle_warned handoff=%s flagged=%s", handoff.id, flagged)

    return action


async def _warn_volunteer(
    ctx: Context, handoff: Handoff, quiet_for: int, lead: int | None, *, flagged: bool
) -> None:
    if handoff.volunteer_id is None:
        return
    buttons: tuple[Choice, ...]
    with await speaking_to_id(ctx, handoff.volunteer_id):
        alias, span, closes = handoff.member_alias, _span(quiet_for), _closes(lead)
        if flagged:
            text = _(
                "It's been quiet in your chat with {alias} for about {span}, and the safety "
                "check flagged risk in it earlier. {closes} They'll be shown the crisis lines "
                "again as it closes. If you're not sure they're safe to leave, you can hand "
                "the chat to an admin."
            ).format(alias=alias, span=span, closes=closes)
            buttons = (
                command_choice(f"handover {handoff.ref}", _("Hand to an admin"), "🙋"),
                command_choice(f"end {handoff.ref} confirm", _("End the chat now"), "👋"),
            )
        else:
            text = _(
                "It's been quiet in your chat with {alias} for about {span}. {closes} You'll "
                "both be thanked, and they'll be asked how it went."
            ).format(alias=alias, span=span, closes=closes)
            buttons = (command_choice(f"end {handoff.ref}", _("End the chat now"), "👋"),)
    for account in await ctx.tx.members.accounts_of(handoff.volunteer_id):
        ctx.send_to(account, Reply(text, buttons, token=COMMAND_TOKEN))


def _close(chat: IdleChat) -> Action:
    async def action(ctx: Context) -> None:
        handoff = await ctx.tx.handoffs.get(chat.handoff.id)
        if handoff is None or handoff.status is not HandoffStatus.ACTIVE:
            return
        if _quiet_now(ctx):
            return
        flagged = await chat_was_flagged(ctx, handoff)
        # Read before it ends: the chat's volunteer, as each admin's words name them.
        volunteer = (
            await ctx.tx.volunteers.get(handoff.volunteer_id) if handoff.volunteer_id else None
        )
        await end_chat(ctx, handoff, by=EndReason.IDLE)
        if flagged:

            def closed(peer: str) -> tuple[str, tuple[Choice, ...]]:
                return _(
                    "⚠️ The quiet peer chat in which the safety check flagged risk has now been "
                    "closed: {alias} with {peer} (chat {ref}). They have been shown the crisis "
                    "lines again. Please consider checking in with them."
                ).format(alias=handoff.member_alias, peer=peer, ref=handoff.ref), ()

            await _tell_admins(ctx, handoff, closed, volunteer=volunteer)
        log.info("peer_chat_idle_closed handoff=%s flagged=%s", handoff.id, flagged)

    return action


async def _tell_admins(
    ctx: Context,
    handoff: Handoff,
    make: Callable[[str], tuple[str, tuple[Choice, ...]]],
    *,
    volunteer: Volunteer | None = None,
) -> None:
    """`make(peer)` is the text and buttons, made once for each admin in their language
    (`peer`: the chat's volunteer, as named in it)."""
    volunteer_id = handoff.volunteer_id
    sides = (
        set(await ctx.tx.members.accounts_of(volunteer_id)) if volunteer_id is not None else set()
    )
    for account in await admin_accounts(ctx):
        if account == ctx.account or account in sides:
            continue  # a side of the chat has been told as a side
        with await speaking_to_account(ctx, account):
            peer = shown_name(volunteer) if volunteer else await peer_name(ctx, handoff)
            text, buttons = make(peer)
        token = COMMAND_TOKEN if buttons else None
        ctx.send_to(account, Reply(text, buttons, token=token, protect_content=True))
