"""Talk to a peer: the request, the notices to on-call volunteers, the atomic claim,
and escalation when nobody answers.

A request is a `handoff` row. Every on-call volunteer with room gets a notice
(pseudonym, topic, latest mood, wait — never an account) with an Accept button;
the notices are recorded so that, once one volunteer's claim wins in storage,
everyone else's copy is edited to say it was taken.
"""

import logging
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from functools import partial
from typing import ClassVar, TypedDict

from flows.core import notice_keys
from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.config import FlowConfig
from flows.core.context import Context
from flows.core.engine import Engine
from flows.core.flow import Answer, Chosen, Flow
from flows.core.language import N_, _, ngettext, speaking
from flows.core.local_time import day_label, local_today, when
from flows.core.matching import match_choice
from flows.core.mood import is_low_mood
from flows.core.sweep import BATCH
from flows.core.values import (
    COMMAND_TOKEN,
    Choice,
    Outcome,
    RelayedFrom,
    Reply,
    command_choice,
)
from flows.peer.relay_policy import (
    RELAYED_MEDIA,
    carried_between,
    contact_kinds,
    media_note,
    not_kept_text,
)
from flows.peer.without_sign_up import CONSENT_COMMAND, ask_consent, consented_to_chat
from storage import (
    Account,
    EndReason,
    Handoff,
    HandoffStatus,
    Member,
    Priority,
    Transaction,
    Volunteer,
)

log = logging.getLogger(__name__)

PRIORITY_LABELS = {
    Priority.CRISIS: N_("🔴 URGENT — crisis flagged"),
    # Not "low mood": everyone on call sees this label, and check-ins are the member's.
    Priority.LOW_MOOD: N_("🟠 Priority"),
    Priority.ORDINARY: N_("🟢 Request"),
}
# Their labels are marked for the catalogs; `topics()` gives them in the language spoken.
TOPICS = (
    Choice("talk", N_("Just to talk"), "💬"),
    Choice("cravings", N_("Cravings or staying well"), "🌊"),
    Choice("low", N_("Feeling low"), "🌧"),
    Choice("alone", N_("Feeling alone"), "🫂"),
    Choice("skip", N_("Skip")),
)
TOPICS_DONE = "done"


def topics() -> tuple[Choice, ...]:
    """The topics a member may choose from, in the language being spoken."""
    return tuple(Choice(t.value, _(t.label), t.emoji) for t in TOPICS)


def volunteer_topic_choices(chosen: list[str]) -> list[Choice]:
    """The topics a volunteer can take, ticked where chosen, then Done (a multi-select
    asked in place, at set-up and in /profile)."""
    choices = [
        Choice(t.value, ("✓ " if t.value in chosen else "") + _(t.label))
        for t in TOPICS
        if t.value != "skip"
    ]
    return [*choices, Choice(TOPICS_DONE, _("Done"))]


def toggle_topic(chosen: list[str], value: str) -> None:
    """Tick an unticked topic, untick a ticked one."""
    if value in chosen:
        chosen.remove(value)
    else:
        chosen.append(value)


# A topic the member wrote in their own words, and agreed to show the peer who accepts:
# the words themselves are kept apart (`tx.handoffs.keep_words`), never in the page.
OWN_WORDS = "own"
# Marked for the catalogs: shown as `_(TOPIC_LABELS[topic])`.
TOPIC_LABELS = {choice.value: choice.label for choice in TOPICS} | {
    "crisis": N_("Crisis support"),
    OWN_WORDS: N_("In own words"),
}
# The longest topic kept in someone's own words; a message typed while waiting is kept
# up to a message's length, and only so many of them.
MAX_TOPIC_CHARS = 500
MAX_WAITING_CHARS = 2000
MAX_WAITING_MESSAGES = 10
# After this many escalation rounds with nobody answering, stop re-alerting.
MAX_CRISIS_ESCALATIONS = 3


async def admin_accounts_of(tx: Transaction, config: FlowConfig) -> list[Account]:
    """Everyone who should hear about escalations: ADMINS and admins granted in chat."""
    accounts: list[Account] = []
    for key in sorted(config.admins):
        channel, _sep, external_id = key.partition(":")
        accounts.append(Account(channel, external_id))
    for member_id in await tx.members.granted_admins():
        accounts.extend(await tx.members.accounts_of(member_id))
    return list(dict.fromkeys(accounts))


async def admin_accounts(ctx: Context) -> list[Account]:
    return await admin_accounts_of(ctx.tx, ctx.config)


async def volunteer_accounts(ctx: Context, volunteer_id: int) -> list[Account]:
    return await ctx.tx.members.accounts_of(volunteer_id)


def _speaking_to_row(ctx: Context, member: Member | None) -> AbstractContextManager[None]:
    """`member`'s language; the deployment's for someone without a row (an admin in
    ADMINS who never wrote, say), never the language of the person this step is for."""
    if member is None:
        return speaking(ctx.config.default_language)
    return ctx.speaking_to(member)


async def speaking_to_account(ctx: Context, account: Account) -> AbstractContextManager[None]:
    """For a message to `account`: made in the language of the person behind it."""
    if account == ctx.account:
        return ctx.speaking_to(ctx.member)
    return _speaking_to_row(ctx, await ctx.tx.members.find_by_account(account))


async def speaking_to_id(ctx: Context, member_id: int) -> AbstractContextManager[None]:
    """For a message to the member `member_id` (a volunteer, the other side of a chat)."""
    if ctx.member is not None and ctx.member.id == member_id:
        return ctx.speaking_to(ctx.member)
    return _speaking_to_row(ctx, await ctx.tx.members.get(member_id))


def _minutes(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes == 0:
        return _("just now")
    return ngettext("{count} min", "{count} min", minutes).format(count=minutes)


def notice_text(ctx: Context, handoff: Handoff) -> str:
    """The page about a request, in the language being spoken (its reader's)."""
    lines = [
        _("{priority}: {alias} would like to talk.").format(
            priority=_(PRIORITY_LABELS[handoff.priority]), alias=handoff.member_alias
        )
    ]
    if handoff.topic == OWN_WORDS:
        # Their words go to the one peer who accepts, never to everyone paged.
        lines.append(_("Topic: in their own words — you'll see them when you accept"))
    elif handoff.topic and handoff.topic in TOPIC_LABELS:
        lines.append(_("Topic: {topic}").format(topic=_(TOPIC_LABELS[handoff.topic])))
    lines.append(_("Waiting: {wait}").format(wait=_minutes(ctx.now - handoff.requested_at)))
    if handoff.priority is Priority.CRISIS:
        lines.append(
            _("They have been shown the crisis lines. Please accept only if you can start now.")
        )
    return "\n".join(lines)


def accept_button(handoff: Handoff) -> Choice:
    return command_choice(f"accept {handoff.ref}", _("Accept"), "🤝")


# What leads a notice sent again or late (the notice itself follows on the same line).
WAITING_LEAD = N_("Waiting for a peer — ")
STILL_WAITING_LEAD = N_("Still waiting — ")
NOBODY_YET_LEAD = N_("Nobody has accepted yet — ")
UNANSWERED_LEAD = N_("⚠️ STILL UNANSWERED — ")


async def send_notices(
    ctx: Context, handoff: Handoff, targets: list[Account], *, lead: str = ""
) -> None:
    """The page to each of `targets`, each in their own language; `lead` is one of the
    marked leads above (or none)."""
    for account in targets:
        with await speaking_to_account(ctx, account):
            text = f"{_(lead) if lead else ''}{notice_text(ctx, handoff)}"
            button = accept_button(handoff)
        ctx.send_to(
            account,
            Reply(
                text,
                (button,),
                token=COMMAND_TOKEN,
                notice=notice_keys.request(handoff.id),
                urgent=handoff.priority is Priority.CRISIS,
            ),
        )


async def repage(ctx: Context, handoff: Handoff, *, again: int) -> int:
    """More alarming words while a crisis request waits: everyone it reached gets their
    notice updated in place ("flagged again"), not another page each time."""
    key = notice_keys.request(handoff.id)
    recipients = [a for a in await ctx.tx.notices.recipients(key) if a != ctx.account]
    for account in recipients:
        with await speaking_to_account(ctx, account):
            flagged = ngettext(
                "⚠️ Flagged again: {count} more message(s).",
                "⚠️ Flagged again: {count} more message(s).",
                again,
            ).format(count=again)
            text = f"{notice_text(ctx, handoff)}\n{flagged}"
            button = accept_button(handoff)
        ctx.send_to(account, Reply(text, (button,), token=COMMAND_TOKEN, replaces_notice=key))
    log.info("handoff_repaged handoff=%s people=%d", handoff.id, len(recipients))
    return len(recipients)


async def volunteers_to_notify(ctx: Context, handoff: Handoff) -> list[Volunteer]:
    """On-call volunteers with room; the member's chosen peer alone, if they are free."""
    free = [
        v for v in await ctx.tx.volunteers.on_call_with_room() if v.member_id != handoff.member_id
    ]
    member = await ctx.tx.members.get(handoff.member_id) if handoff.member_id else None
    if (
        member is not None
        and member.same_volunteer
        and handoff.escalations == 0
        and handoff.priority is not Priority.CRISIS
    ):
        preferred = [v for v in free if v.member_id == member.last_volunteer_id]
        if preferred:
            return preferred
    return free


async def notify(
    ctx: Context, handoff: Handoff, *, include_admins: bool = False, lead: str = ""
) -> int:
    """Send the request to on-call volunteers (and admins); returns how many people."""
    targets: list[Account] = []
    for volunteer in await volunteers_to_notify(ctx, handoff):
        targets.extend(await volunteer_accounts(ctx, volunteer.member_id))
    if include_admins:
        targets.extend(a for a in await admin_accounts(ctx) if a not in targets)
    targets = [a for a in targets if a != ctx.account]
    await send_notices(ctx, handoff, targets, lead=lead)
    log.info("handoff_notified handoff=%s people=%d", handoff.id, len(targets))
    return len(targets)


def member_alias(ctx: Context) -> str:
    member = ctx.require_member()
    # Someone in crisis before choosing a name: nothing that identifies them, not even our
    # row id. A name-like label reads right wherever a name goes ("You're now talking with
    # Guest 418", "Guest 418 has ended the chat"); a random number tells two apart.
    return member.pseudonym or f"Guest {ctx.rng.randint(100, 999)}"


async def latest_mood_line(ctx: Context, member_id: int) -> str | None:
    moods = await ctx.tx.checkins.recent_moods(member_id, limit=1)
    if not moods:
        return None
    return _("Latest mood: {mood}/5 ({day})").format(
        mood=moods[0].mood, day=day_label(moods[0].local_date)
    )


async def open_request(
    ctx: Context,
    *,
    priority: Priority,
    topic: str | None,
    hold: bool = False,
    share_mood: bool = False,
    words: str | None = None,
) -> Handoff:
    """Create the member's request (or raise the priority of the open one); `words` are
    their topic in their own words, to show the peer who accepts (they agreed to it)."""
    member = await ctx.ensure_member()
    minutes = (
        ctx.config.crisis_escalate_minutes
        if priority is Priority.CRISIS
        else ctx.config.handoff_escalate_minutes
    )
    escalate_at = ctx.now + timedelta(minutes=minutes)
    existing = await ctx.tx.handoffs.open_for_member(member.id)
    if existing is not None:
        if existing.status is HandoffStatus.WAITING and priority < existing.priority:
            await ctx.tx.handoffs.raise_priority(existing.id, priority, escalate_at)
        if words:
            await ctx.tx.handoffs.keep_words(existing.id, words, topic=True)
        found = await ctx.tx.handoffs.get(existing.id)
        assert found is not None
        return found
    handoff_id = await ctx.tx.handoffs.request(
        member.id,
        alias=member_alias(ctx),
        priority=priority,
        topic=topic,
        now=ctx.now,
        escalate_at=None if hold else escalate_at,
        share_mood=share_mood,
    )
    if hold:
        await ctx.tx.handoffs.hold_for_shift(handoff_id)
    if words:
        await ctx.tx.handoffs.keep_words(handoff_id, words, topic=True)
    log.info("handoff_requested handoff=%s member=%s priority=%d", handoff_id, member.id, priority)
    handoff = await ctx.tx.handoffs.get(handoff_id)
    assert handoff is not None
    return handoff


async def notify_waiting_to(ctx: Context, volunteer: Volunteer) -> int:
    """A volunteer just came on call: show them the requests already waiting."""
    accounts = await volunteer_accounts(ctx, volunteer.member_id)
    waiting = [h for h in await ctx.tx.handoffs.waiting() if h.member_id != volunteer.member_id]
    for handoff in waiting[: volunteer.capacity * 3]:
        await send_notices(ctx, handoff, accounts, lead=WAITING_LEAD)
    return len(waiting)


# -- the member's side ---------------------------------------------------------
NOBODY_ON_CALL = N_(
    "No peer volunteer is on call right now, I'm sorry. I can leave your request so the "
    "next person who comes on shift sees it and picks it up — would you like that?"
)


async def _low_mood_today(ctx: Context) -> bool:
    """A low mood check-in today puts the request ahead of ordinary ones."""
    member = ctx.require_member()
    moods = await ctx.tx.checkins.recent_moods(member.id, limit=1)
    today = local_today(member.timezone, ctx.now)
    return bool(moods) and moods[0].local_date == today and is_low_mood(moods[0].mood)


SHARE_MOOD = (Choice("yes", N_("Yes, share it")), Choice("no", N_("No, keep it to myself")))
SHARE_WORDS = (Choice("yes", N_("Yes, show them")), Choice("no", N_("No, keep it to myself")))
TOPIC_QUESTION = N_(
    "Is there something you'd like to talk about? Choose one, or tell me in a few words of "
    "your own. (optional)"
)


def _translated(choices: tuple[Choice, ...]) -> list[Choice]:
    return [Choice(c.value, _(c.label), c.emoji) for c in choices]


class TalkRequestData(TypedDict, total=False):
    topic: str | None
    words: str  # their topic in their own words, until they say whether to show it
    share_mood: bool
    priority: int  # kept while they decide whether to wait for the next shift


class TalkRequest(Flow[TalkRequestData]):
    """`/talk` (or `/talk <what about>`): an optional topic, a button or their own words
    (shown to the peer who accepts only if they agree), then the request goes to whoever
    is on call."""

    name = "talk"
    title = N_("request to talk")
    timeout: ClassVar[timedelta] = timedelta(hours=1)

    async def begin(self, ctx: Context) -> None:
        said = ctx.input.text.strip() if ctx.input.command == self.name else ""
        if said:
            # `/talk feeling alone`: what they'd like to talk about, typed with the command.
            chosen = match_choice(said, topics(), numbers=False)
            if chosen is not None:
                await self._topic_chosen(ctx, chosen)
            else:
                await self._take_words(ctx, said)
            return
        member = ctx.member
        intro = (
            _(
                "I'll find a peer volunteer for you — someone with lived experience of "
                "recovery. They'll only see your chosen name, never your account."
            )
            if member is not None and member.pseudonym
            else _(
                "I'll find a peer volunteer for you — someone with lived experience of "
                "recovery. They'll only see a guest name (you haven't chosen one), never "
                "your account."
            )
        )
        ctx.ask(
            self.on_topic,
            f"{intro}\n\n{_(TOPIC_QUESTION)}",
            topics(),
            columns=2,
            free_text=True,
        )

    async def on_topic(self, ctx: Context, answer: Answer) -> None:
        if answer.choice is not None:
            await self._topic_chosen(ctx, answer.choice)
            return
        await self._take_words(ctx, answer.text)

    async def _topic_chosen(self, ctx: Context, choice: Choice) -> None:
        self.data(ctx)["topic"] = None if choice.value == "skip" else choice.value
        await self._ask_share_mood(ctx)

    async def _take_words(self, ctx: Context, words: str) -> None:
        """Their own words for the topic: kept only if they agree to show them."""
        kinds = contact_kinds(ctx, words)
        if kinds:
            # Nothing of it is kept: the question again, with why.
            self.data(ctx).pop("words", None)
            text = f"{not_kept_text(kinds)}\n\n{_(TOPIC_QUESTION)}"
            ctx.ask(self.on_topic, text, topics(), columns=2, free_text=True)
            return
        self.data(ctx)["words"] = words[:MAX_TOPIC_CHARS]
        ctx.ask(
            self.on_share_words,
            _(
                "Thank you for telling me. Would you like the peer who accepts to read what "
                "you wrote? Only that one person would see it, once they've accepted — the "
                "request that goes out to the peers on call doesn't include it."
            ),
            _translated(SHARE_WORDS),
        )

    async def on_share_words(self, ctx: Context, answer: Chosen) -> None:
        data = self.data(ctx)
        if answer.choice.value == "yes":
            data["topic"] = OWN_WORDS
        else:
            # Not shown to anyone, so not kept either.
            data.pop("words", None)
            data["topic"] = None
        await self._ask_share_mood(ctx)

    async def _ask_share_mood(self, ctx: Context) -> None:
        mood = await latest_mood_line(ctx, ctx.require_member().id)
        if mood is None:
            await self._send_request(ctx)
            return
        ctx.ask(
            self.on_share,
            _(
                "Would you like the peer who accepts to see your latest mood check-in? Only "
                "that one person would see it."
            )
            + f"\n{mood}",
            _translated(SHARE_MOOD),
        )

    async def on_share(self, ctx: Context, answer: Chosen) -> None:
        self.data(ctx)["share_mood"] = answer.choice.value == "yes"
        await self._send_request(ctx)

    async def _send_request(self, ctx: Context) -> None:
        data = self.data(ctx)
        topic = data.get("topic")
        words = data.get("words") if topic == OWN_WORDS else None
        share_mood = bool(data.get("share_mood", False))
        priority = Priority.LOW_MOOD if await _low_mood_today(ctx) else Priority.ORDINARY
        if await ctx.tx.volunteers.on_call_count() == 0:
            data["priority"] = priority
            ctx.ask(
                self.on_hold,
                _(NOBODY_ON_CALL),
                [Choice("leave", _("Yes, leave my request")), Choice("no", _("No, not now"))],
            )
            return
        ctx.finish()
        handoff = await open_request(
            ctx, priority=priority, topic=topic, share_mood=share_mood, words=words
        )
        notified = await notify(ctx, handoff)
        if notified == 0:
            ctx.say(
                _(
                    "Everyone on call is with someone right now. Your request is first in line "
                    "for whoever is free next. /cancel stops waiting."
                )
            )
            return
        ctx.say(
            _(
                "I've let the peers on call know. I'll tell you here as soon as someone "
                "accepts — usually within a few minutes. Anything you write meanwhile, I'll "
                "pass on to them (words about being in danger I answer at once instead, and "
                "they are never kept). /cancel stops waiting."
            )
        )

    async def on_hold(self, ctx: Context, answer: Chosen) -> None:
        data = self.data(ctx)
        topic = data.get("topic")
        words = data.get("words") if topic == OWN_WORDS else None
        priority = Priority(int(data.get("priority", Priority.ORDINARY)))
        share_mood = bool(data.get("share_mood", False))
        ctx.finish()
        if answer.choice.value == "no":
            ctx.say(
                _(
                    "Okay. You can ask again any time with /talk. If things get hard before "
                    "then, these lines are open:\n{lines}"
                ).format(lines=ctx.config.crisis.short_text())
            )
            return
        handoff = await open_request(
            ctx, priority=priority, topic=topic, hold=True, share_mood=share_mood, words=words
        )
        await notify(ctx, handoff, include_admins=False)
        ctx.say(
            _(
                "Done — your request is saved for the next shift, and I'll tell you here when "
                "a peer accepts. /cancel withdraws it. If things get hard before then:\n"
                "{lines}"
            ).format(lines=ctx.config.crisis.short_text())
        )


async def talk(ctx: Context) -> None:
    if not await may_request(ctx):
        return
    if ctx.member is None or not ctx.member.is_onboarded:
        # No need to sign up first: one line of consent for the chat alone.
        ask_consent(ctx)
        return
    await ctx.start_flow("talk")


async def talk_consent(ctx: Context) -> None:
    """The answer to the consent of someone not signed up; yes opens the talk flow."""
    # A bar outlives deletion, so the row made on consent may carry one: asked again.
    if await consented_to_chat(ctx) and await may_request(ctx):
        await ctx.start_flow("talk")


async def may_request(ctx: Context) -> bool:
    """Whether this person may ask for a peer now; if not, they are told why."""
    member = ctx.member
    if member is None:
        return True
    if member.peer_barred:
        ctx.say(
            _(
                "Peer chats aren't available to you at the moment — please speak with the "
                "organisers. If you need someone now, these lines are open:\n{lines}"
            ).format(lines=ctx.config.crisis.short_text())
        )
        return False
    handoff = await ctx.tx.handoffs.open_for_member(member.id)
    if handoff is not None and handoff.status is HandoffStatus.ACTIVE:
        ctx.say(_("You're already talking with a peer — just type here. /end finishes the chat."))
        return False
    if handoff is not None:
        if ctx.input.command == "talk" and ctx.input.text.strip():
            await keep_while_waiting(ctx, handoff)  # `/talk <words>`: for the peer too
            return False
        ctx.say(
            _(
                "You're already in the queue for a peer. I'll tell you when someone accepts. "
                "/cancel stops waiting."
            )
        )
        return False
    return True


async def keep_while_waiting(ctx: Context, handoff: Handoff) -> None:
    """Words typed while the request waits: kept for the peer who accepts, and passed on
    to them then (`accept`); gone with the request if nobody does."""
    if ctx.input.media is not None:
        ctx.say(
            _(
                "You're in line for a peer — I'll tell you here as soon as someone accepts. I "
                "can only keep words for them until then; once you're talking, you can send "
                "that again. /cancel stops waiting."
            )
        )
        return
    kinds = contact_kinds(ctx, ctx.input.text)
    if kinds:
        ctx.say(
            _("You're in line for a peer. {why} /cancel stops waiting.").format(
                why=not_kept_text(kinds)
            )
        )
        log.info("waiting_words_refused handoff=%s kinds=%s", handoff.id, ",".join(kinds))
        return
    kept = await ctx.tx.handoffs.kept_messages(handoff.id)
    if kept >= MAX_WAITING_MESSAGES:
        ctx.say(
            _(
                "You're in line for a peer. I've kept your first messages for them — please "
                "tell them the rest once they're here. /cancel stops waiting."
            )
        )
        return
    # An edit of `/talk <words>` would read as the command too: only a plain message's
    # edits follow it.
    ref = ctx.input.message_ref if ctx.input.command is None else None
    await ctx.tx.handoffs.keep_words(
        handoff.id, ctx.input.text[:MAX_WAITING_CHARS], message_ref=ref
    )
    if kept:
        ctx.say(_("You're in line for a peer — I'll pass this on too. 💛"))
        return
    ctx.say(
        _(
            "You're in line for a peer — I'll pass this on to whoever accepts, the moment "
            "they do. It's kept only for them until then. /cancel stops waiting (and deletes "
            "it)."
        )
    )


async def cancel_waiting(ctx: Context, *, confirmed: bool = False) -> bool:
    """Withdraw a waiting request; True if there was one.

    A crisis request is withdrawn only when the member says so to a question that names
    it (a bare /cancel meant for something else must not take a person away from them),
    and they see the lines when it is.
    """
    if ctx.member is None:
        return False
    handoff = await ctx.tx.handoffs.open_for_member(ctx.member.id)
    if handoff is None or handoff.status is not HandoffStatus.WAITING:
        return False
    crisis = handoff.priority is Priority.CRISIS
    if crisis and not confirmed:
        ctx.say(
            _(
                "You're waiting for a person because of what you told me earlier, and that "
                "request is still open — someone will be here as soon as they can. Do you "
                "want to withdraw it?"
            ),
            commands=[
                command_choice("waiting withdraw", _("Yes, withdraw it"), "✖️"),
                command_choice("waiting keep", _("No, keep waiting"), "⏳"),
            ],
        )
        return True
    await ctx.tx.handoffs.close(
        handoff.id, status=HandoffStatus.CANCELLED, reason=EndReason.MEMBER, now=ctx.now
    )
    await withdraw_notices(ctx, handoff, WITHDRAWN_BY_MEMBER)
    if crisis:
        ctx.say(
            _(
                "Okay, I've withdrawn your request. If things get hard again, these lines are "
                "open day and night:\n{lines}\n\n/talk any time you'd like a person."
            ).format(lines=ctx.config.crisis.short_text())
        )
        return True
    ctx.say(_("Okay, I've withdrawn your request. /talk whenever you'd like to try again."))
    return True


# What the notices of a request that is no longer open say (after the member's alias).
WITHDRAWN_BY_MEMBER = N_("No longer needed — the member withdrew the request.")
TAKEN = N_("taken by another peer. Thank you!")
WITHDRAWN = N_("no longer needed — the request was withdrawn.")


def debrief_choices() -> tuple[Choice, ...]:
    """How a volunteer is after a chat: asked when it ends, or when an admin takes it
    over; in the language being spoken (the volunteer's)."""
    return (
        command_choice("debrief ok", _("I'm okay"), "🙂"),
        command_choice("debrief heavy", _("That was heavy"), "🌧"),
        command_choice("debrief talk", _("I'd like to talk to an admin"), "🙋"),
    )


async def point_at_next_chat(ctx: Context, volunteer_id: int) -> None:
    """A volunteer's chat is over for them: their typed messages go to the next one held."""
    rest = await ctx.tx.handoffs.active_for_volunteer(volunteer_id)
    await ctx.tx.volunteers.set_current_handoff(volunteer_id, rest[0].id if rest else None)


async def withdraw_notices(ctx: Context, handoff: Handoff, text: str) -> None:
    """Every notice of the request says it is no longer open: `text`, one of the marked
    texts above, in each reader's language."""
    key = notice_keys.request(handoff.id)
    for account in await ctx.tx.notices.recipients(key):
        if account != ctx.account:
            with await speaking_to_account(ctx, account):
                said = _(text)
            ctx.send_to(account, Reply(f"{handoff.member_alias}: {said}", replaces_notice=key))


async def waiting_choice(ctx: Context) -> None:
    """`/waiting keep|cancel|withdraw`: the buttons shown when it is taking longer, and
    the confirmed withdrawal of a crisis request."""
    choice = ctx.input.text.strip().lower()
    if choice in ("cancel", "withdraw"):
        if not await cancel_waiting(ctx, confirmed=choice == "withdraw"):
            ctx.say(_("There's no request waiting. /talk to ask for a peer."))
        ctx.answered = _("Withdraw") if choice == "withdraw" else _("Cancel")
        return
    ctx.answered = _("Keep waiting")
    ctx.say(_("Okay — you're still in line, and I'll tell you here the moment a peer accepts."))


# -- the volunteer's side -------------------------------------------------------
NOT_OFFERED = N_(
    "That request isn't open to you — it may have been taken or withdrawn. "
    "Thank you for checking. 💛"
)


async def find_handoff(ctx: Context, ref: str) -> Handoff | None:
    """The request or chat a shown reference (its Accept, /switch or /end button) stands
    for."""
    ref = ref.strip().lower()
    return await ctx.tx.handoffs.by_ref(ref) if ref else None


async def accept(ctx: Context) -> None:
    """`/accept <ref>` (the Accept button): the first claim wins, atomically.

    Only someone the request was offered to (its notice reached them: on call, with room,
    matched by the routing) may take it, and everyone else gets the same answer whatever
    the reason, so typed references reveal nothing about other people's requests.
    """
    handoff = await find_handoff(ctx, ctx.input.text)
    offered = handoff is not None and ctx.account in await ctx.tx.notices.recipients(
        notice_keys.request(handoff.id)
    )
    volunteer = await ctx.volunteer() if offered else None
    if offered and volunteer is None and ctx.is_admin:
        volunteer = await admin_as_volunteer(ctx)
    if handoff is None or volunteer is None or not volunteer.is_active:
        log.info("accept_refused member=%s", ctx.member.id if ctx.member else None)
        ctx.say(_(NOT_OFFERED))
        return
    if handoff.status is HandoffStatus.CANCELLED:
        ctx.answered = _("Withdrawn")
        ctx.say(_("This request was withdrawn — no one needs to pick it up. Thank you. 💛"))
        return
    if handoff.status is not HandoffStatus.WAITING or handoff.member_id is None:
        ctx.answered = _("Taken")
        ctx.say(_("Thank you for jumping in! Another peer has already taken this one. 💛"))
        return
    if not volunteer.on_call and not ctx.is_admin:
        ctx.say(_("You're off call now. /oncall first, then Accept again."))
        return
    if volunteer.active_chats >= volunteer.capacity and not ctx.is_admin:
        ctx.say(
            ngettext(
                "You're already holding {count} chat(s), your limit. /end one first, or "
                "leave this for someone else.",
                "You're already holding {count} chat(s), your limit. /end one first, or "
                "leave this for someone else.",
                volunteer.active_chats,
            ).format(count=volunteer.active_chats)
        )
        return
    if handoff.member_id == volunteer.member_id:
        ctx.say(_("That's your own request — another peer will pick it up."))
        return
    if not await ctx.tx.handoffs.claim(handoff.id, volunteer.member_id, ctx.now):
        ctx.answered = _("Taken")
        ctx.say(_("Thank you for jumping in! Another peer got there a moment before you. 💛"))
        return
    log.info("handoff_accepted handoff=%s volunteer=%s", handoff.id, volunteer.member_id)
    ctx.answered = _("Accepted — you're connected")
    await ctx.tx.volunteers.set_current_handoff(volunteer.member_id, handoff.id)
    await withdraw_notices(ctx, handoff, TAKEN)
    # What they wrote for the peer who accepts: now this one person's, and no longer kept.
    words = await ctx.tx.handoffs.take_words(handoff.id)
    # Shown to this one person only, and only because the member chose to share it.
    mood = await latest_mood_line(ctx, handoff.member_id) if handoff.share_mood else None
    member_accounts = await ctx.tx.members.accounts_of(handoff.member_id)
    ctx.say(_accepted_text(ctx, handoff, words.topic, mood, member_accounts))
    with await speaking_to_id(ctx, handoff.member_id):
        joined = _joined_text(volunteer, words.messages, words.topic)
        # How the member knows their peer, should what they wrote not reach them.
        peer = _(COORDINATOR_NAME) if volunteer.coordinator else volunteer.display_name
    # Taken from storage just now, they go on in memory only, like every relayed message;
    # should they not reach the peer, the member is told and asked to send them again.
    wrote = RelayedFrom(member_accounts[0], peer) if member_accounts else None
    for number, message in enumerate(words.messages, start=1):
        # Each under the chat's notice, so a reply to it answers this member.
        if len(words.messages) > 1:
            lead = _("💬 {alias}, while waiting ({number}/{total})").format(
                alias=handoff.member_alias, number=number, total=len(words.messages)
            )
        else:
            lead = _("💬 {alias}, while waiting").format(alias=handoff.member_alias)
        passed = Reply(
            f"{lead}: {message}",
            notice=notice_keys.relay(handoff.id),
            transient_text=True,
            relayed_from=wrote,
        )
        ctx.send_to(ctx.account, passed)
    for account in member_accounts:
        ctx.send_to(account, Reply(joined))


def _accepted_text(
    ctx: Context,
    handoff: Handoff,
    words: str | None,
    mood: str | None,
    member_accounts: list[Account],
) -> str:
    """What the volunteer who accepted is told, in their language."""
    wait_minutes = max(0, int((ctx.now - handoff.requested_at).total_seconds() // 60))
    topic = "" if handoff.topic == OWN_WORDS else TOPIC_LABELS.get(handoff.topic or "", "")
    alias = handoff.member_alias
    if topic and wait_minutes == 0:
        head = _("You're now talking with {alias} (topic: {topic}). They waited just now.")
    elif topic:
        head = ngettext(
            "You're now talking with {alias} (topic: {topic}). They waited {count} min.",
            "You're now talking with {alias} (topic: {topic}). They waited {count} min.",
            wait_minutes,
        )
    elif wait_minutes == 0:
        head = _("You're now talking with {alias}. They waited just now.")
    else:
        head = ngettext(
            "You're now talking with {alias}. They waited {count} min.",
            "You're now talking with {alias}. They waited {count} min.",
            wait_minutes,
        )
    lines = [head.format(alias=alias, topic=_(topic) if topic else "", count=wait_minutes)]
    if words:
        lines.append(
            _("What they'd like to talk about, in their own words: “{words}”").format(words=words)
        )
    if mood:
        lines.append(_("They chose to share their check-in — {mood}").format(mood=mood))
    through = _(
        "Everything you type here is passed on to them, and theirs to you, under your chosen "
        "names only: neither of you sees the other's account."
    ) + media_note(_carried_both_ways(ctx, member_accounts))
    commands = _(
        "/end finishes the chat · /switch if you hold several · /report if something is wrong"
    )
    text = "\n".join(lines) + f"\n\n{through}\n{commands}"
    if handoff.priority is Priority.CRISIS:
        text += "\n\n" + _(
            "This request was flagged by the crisis guard. Listen first, ask directly about "
            "safety, share the crisis lines, and use /handover if you need an admin."
        )
    return text


def _joined_text(volunteer: Volunteer, messages: tuple[str, ...], topic: str | None) -> str:
    """What the member is told when their peer has come, in their language. An admin
    answering is a coordinator, and is not claimed to be a peer."""
    if volunteer.coordinator:
        who = _(
            "{coordinator} has joined and is here now. 💛 They can't see your account, only "
            "your chosen name."
        ).format(coordinator=_(COORDINATOR_NAME))
    else:
        who = _(
            "{name}, a peer volunteer with lived experience, is here now. 💛 They can't see "
            "your account, only your chosen name."
        ).format(name=volunteer.display_name)
    if messages:
        passed_on = _("I've passed on what you wrote while you waited.") + " "
    elif topic:
        passed_on = _("I've shown them what you'd like to talk about.") + " "
    else:
        passed_on = ""
    return f"{who}\n\n{passed_on}" + _(
        "Just type here and I'll pass it on. /end finishes the chat."
    )


def _carried_both_ways(ctx: Context, member_accounts: list[Account]) -> frozenset[str]:
    """The media a chat between this volunteer and the member carries in both directions."""
    channels = ctx.engine.channels
    mine = channels.of(ctx.account)
    kinds = frozenset(RELAYED_MEDIA)
    for account in member_accounts:
        theirs = channels.of(account)
        kinds &= carried_between(mine, theirs) & carried_between(theirs, mine)
    return kinds if member_accounts else frozenset()


# How members see an admin who answers them (also the start of a sentence: "… has
# ended the chat"). Peers can't choose it: flows/core/names.py keeps "Hearthside".
# Stored as the coordinator row's display name in English; shown as `_(COORDINATOR_NAME)`.
COORDINATOR_NAME = N_("A Hearthside coordinator")


async def admin_as_volunteer(ctx: Context) -> Volunteer | None:
    """The row an admin answers a member through: their own peer profile if they
    volunteer too, otherwise a coordinator's, which is no listed volunteer."""
    member = await ctx.ensure_member()
    await ctx.tx.volunteers.add_coordinator(
        member.id, display_name=COORDINATOR_NAME, capacity=5, now=ctx.now
    )
    return await ctx.tx.volunteers.get(member.id)


# -- escalation (the scheduler sweep) ---------------------------------------------
COMMUNITY_DAYS = 7


async def _community_options(ctx: Context) -> str:
    """The next community events, in the member's zone, when there are any."""
    member = ctx.require_member()
    soon = await ctx.tx.events.upcoming(ctx.now, ctx.now + timedelta(days=COMMUNITY_DAYS), limit=2)
    if not soon:
        return ""
    lines = [
        _("• {when} · {title}").format(
            when=when(event.starts_at, member.timezone), title=event.title
        )
        for event in soon
    ]
    return "\n\n" + "\n".join(
        [
            _("People from the community are also meeting soon:"),
            *lines,
            _("/events shows them all."),
        ]
    )


async def escalate(ctx: Context, handoff: Handoff) -> None:
    """Nobody accepted in time: re-notify, then alert admins and tell the member honestly."""
    if handoff.priority is Priority.CRISIS:
        await _escalate_crisis(ctx, handoff)
        return
    if handoff.escalations == 0:
        await notify(ctx, handoff, lead=STILL_WAITING_LEAD)
        await ctx.tx.handoffs.record_escalation(
            handoff.id, ctx.now + timedelta(minutes=ctx.config.handoff_escalate_minutes)
        )
        return
    await notify(ctx, handoff, include_admins=True, lead=NOBODY_YET_LEAD)
    await ctx.tx.handoffs.record_escalation(handoff.id, None)
    ctx.say(
        _(
            "It's taking longer than usual to find a free peer — I'm sorry. I've let the team "
            "know too. You can keep waiting, or stop for now. If things feel hard, these lines "
            "are open right now:\n{lines}"
        ).format(lines=ctx.config.crisis.short_text())
        + await _community_options(ctx),
        commands=[
            command_choice("waiting keep", _("Keep waiting"), "⏳"),
            command_choice("waiting cancel", _("Stop waiting"), "✖️"),
        ],
    )


async def _escalate_crisis(ctx: Context, handoff: Handoff) -> None:
    last = handoff.escalations + 1 >= MAX_CRISIS_ESCALATIONS
    await notify(ctx, handoff, include_admins=True, lead=UNANSWERED_LEAD)
    next_at = None if last else ctx.now + timedelta(minutes=ctx.config.crisis_escalate_minutes)
    await ctx.tx.handoffs.record_escalation(handoff.id, next_at)
    log.warning("crisis_unanswered handoff=%s round=%d", handoff.id, handoff.escalations + 1)
    ctx.say_urgent(
        _(
            "I'm still trying to reach a person for you, and nobody has been able to pick up "
            "yet — I'm sorry, I know that's hard. Please don't wait for us: these lines are "
            "open right now, 24/7:\n{lines}\n\n"
            "I'll keep trying, and I'll tell you here as soon as someone is free."
        ).format(lines=ctx.config.crisis.short_text())
    )


async def escalate_overdue(engine: Engine, now: datetime) -> tuple[int, list[Outcome]]:
    """The sweep's part: every request nobody accepted in time, most urgent first."""
    async with engine.db.single_statement() as tx:
        overdue = await tx.handoffs.due_for_escalation(now, limit=BATCH)
    outcomes = [
        await engine.run_for_member(handoff.member_id, partial(escalate, handoff=handoff))
        for handoff in overdue
        if handoff.member_id is not None
    ]
    return len(outcomes), outcomes


REQUEST_COMMANDS = (
    # Anyone: a person who only wants to talk needn't sign up first.
    Command("talk", N_("talk to a peer volunteer"), talk, audience=Audience.ANYONE),
    Command(CONSENT_COMMAND, "", talk_consent, audience=Audience.ANYONE, hidden=True),
    Command(
        "accept", N_("accept a request to talk"), accept, audience=Audience.ANYONE, hidden=True
    ),
    # "person": someone the crisis guard met before sign-up answers these too.
    Command(
        "waiting",
        N_("keep waiting or stop"),
        waiting_choice,
        audience=Audience.PERSON,
        hidden=True,
    ),
)
