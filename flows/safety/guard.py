"""The crisis guard: the first thing every typed message meets, in every state.

Tier 1 (intent, plan, means, overdose): a pre-rendered reply with the crisis
lines goes out first and unpaced, then a priority request reaches on-call peers
and admins, and escalates if nobody accepts. Tier 2 (passive ideation, self-harm,
hopelessness): a gentle, direct question; yes or silence takes the tier-1 path.
Tier 3 (acute distress): an offer of a peer and the lines. In a peer chat the
message is still relayed and the volunteer is alerted privately.

Only time, tier, rule ids and detector version are stored — never the text.
"""

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import ClassVar

from flows.core import audit, notice_keys
from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.flow import Answer, Flow, NoData
from flows.core.language import N_, SOURCE_LANGUAGE, _, ngettext, speaking
from flows.core.mood import VERY_LOW_MOOD
from flows.core.safe_text import said
from flows.core.values import COMMAND_TOKEN, Choice, Reply, command_choice
from flows.peer import (
    admin_accounts,
    find_handoff,
    member_in_chat,
    notify,
    open_request,
    repage,
    take_over_choice,
)
from flows.safety.crisis import DETECTOR_VERSION, Assessment, assess, semantic
from flows.safety.crisis.semantic import SemanticScorer
from flows.safety.plan import plan_offer, plan_reminder
from storage import Account, Handoff, HandoffStatus, Priority, SafetySource

log = logging.getLogger(__name__)

# Every text here goes through `said` (flows/core/safe_text.py), not `_`: translating must
# never add a way for a crisis reply or a page to fail.

# Nudges and surveys pause this long after a tier-1 or tier-2 event, and a
# gentle follow-up comes then.
HOLD = timedelta(hours=24)


def _resources(ctx: Context, *, overdose: bool = False) -> str:
    return ctx.config.crisis.lines_text(overdose=overdose)


def _with_lines(words: str, lines: str) -> str:
    """`words`, then the crisis lines below them. The lines are never a placeholder of a
    translated text: a translation that lost it must not lose them."""
    return f"{words}\n{lines}"


async def _record(ctx: Context, assessment: Assessment, source: SafetySource) -> None:
    member_id = ctx.member.id if ctx.member is not None else None
    await ctx.tx.safety.record_event(
        member_id,
        tier=assessment.tier,
        rule_ids=assessment.rule_ids,
        detector_version=DETECTOR_VERSION,
        source=source,
        now=ctx.now,
        message_ref=ctx.input.message_ref if source is not SafetySource.SILENCE else None,
    )
    log.warning(
        "safety_event member=%s tier=%d rules=%s source=%s",
        member_id,
        assessment.tier,
        ",".join(assessment.rule_ids),
        source,
    )


async def _hold(ctx: Context) -> None:
    member = ctx.require_member()
    await ctx.tx.members.hold_after_safety_event(
        member.id, quiet_until=ctx.now + HOLD, followup_at=ctx.now + HOLD
    )


async def _already_acted_on(ctx: Context, assessment: Assessment) -> bool:
    """Whether this edited message already had a safety event at least as serious."""
    if ctx.member is None or ctx.input.message_ref is None:
        return False
    before = await ctx.tx.safety.most_severe_for_message(ctx.member.id, ctx.input.message_ref)
    return before is not None and before <= assessment.tier


# Below this many words the semantic layer is not asked: one-word check-in answers ("3",
# "good") are most of what members type. Two words are scored ("cant breathe", "end it"):
# held out, no two-word hard negative reached `ASK`.
SEMANTIC_MIN_WORDS = 2
# A score this high, with a recent sign of risk (a tier-2 or tier-3 message or a very low
# check-in in the last hour), also asks the direct question: context makes it less ambiguous.
CONTEXT_ASK = semantic.CONTEXT_ASK
CONTEXT_WINDOW = timedelta(hours=1)
# The semantic score is waited for at most this long; past it, the lexicon alone decides.
SEMANTIC_WAIT_SECONDS = 2.0


class CrisisScreen:
    """The guard's reading of a message: the deterministic lexicon first, and, only where
    it found nothing, the semantic layer (`flows/safety/crisis/semantic.py`), which asks the
    direct question at `ASK` and pages as for tier 1 only at `PAGE`, a bar no held-out hard
    negative reached. Words the lexicon matched and cleared ("I don't want to die, I want to
    live") are not scored: embeddings barely see negation. Until the model has loaded (or if
    it cannot), the lexicon serves alone.
    """

    _REMEMBERED = 64

    def __init__(self, scorer: SemanticScorer | None = None) -> None:
        self.scorer = scorer
        # The last few scores, in memory only, so the guard does not score a message twice.
        self._scores: dict[str, float | None] = {}

    async def semantic_score(self, text: str) -> float | None:
        if self.scorer is None or not self.scorer.ready or len(text.split()) < SEMANTIC_MIN_WORDS:
            return None
        if text in self._scores:
            return self._scores[text]
        try:
            score = await asyncio.wait_for(self.scorer.score(text), SEMANTIC_WAIT_SECONDS)
        except TimeoutError:
            log.warning("semantic_timeout")
            score = None
        if len(self._scores) >= self._REMEMBERED:
            self._scores.pop(next(iter(self._scores)))
        self._scores[text] = score
        return score

    async def alarmed(self, text: str) -> bool:
        """Whether the guard must read these words first (in a transaction of its own)."""
        found = assess(text)
        if found.tier > 0:
            return True  # the lexicon never waits for the model
        if found.cleared:
            return False
        score = await self.semantic_score(text)
        return score is not None and score >= CONTEXT_ASK

    async def guard(self, ctx: Context) -> bool:
        assessment = assess(ctx.input.text)
        if assessment.cleared:
            return False
        if assessment.tier == 0:
            score = await self.semantic_score(ctx.input.text)
            if score is None or not await _semantic_asks(ctx, score):
                return False
            # Ask when unsure; page only when the meaning is as close as danger gets.
            tier = 1 if score >= semantic.PAGE else 2
            assessment = Assessment(tier, (semantic.rule_id(score),))
        return await guard(ctx, assessment)


async def _semantic_asks(ctx: Context, score: float) -> bool:
    if score >= semantic.ASK:
        return True
    if score < CONTEXT_ASK or ctx.member is None:
        return False
    since = ctx.now - CONTEXT_WINDOW
    if await ctx.tx.safety.count_since(ctx.member.id, since, tier=3):
        return True
    moods = await ctx.tx.checkins.recent_moods(ctx.member.id, limit=1)
    return bool(moods) and moods[0].mood == VERY_LOW_MOOD and moods[0].updated_at >= since


def alarmed(text: str) -> bool:
    """Whether the lexicon alone finds something in these words."""
    return assess(text).tier > 0


async def guard(ctx: Context, assessment: Assessment | None = None) -> bool:
    """Assess typed text; True when the guard answered instead of the flow."""
    assessment = assessment or assess(ctx.input.text)
    if assessment.tier == 0:
        return False
    if ctx.input.edited and await _already_acted_on(ctx, assessment):
        return False  # an edit of words already answered (a typo fixed): relayed, not re-raised
    chat = await member_in_chat(ctx)
    if chat is not None:
        return await _guard_in_chat(ctx, assessment, chat)
    volunteer = await ctx.volunteer()
    if volunteer is not None and volunteer.active_chats:
        # Volunteers are people in recovery too: their words are assessed like anyone's,
        # and only the route differs (privately to them, and to the admins).
        # An admin answering as a coordinator has no display name of their own.
        name = volunteer.display_name if volunteer.is_peer else None
        await _guard_volunteer(ctx, assessment, name)
        return False  # the message still reaches the member they are talking with
    if assessment.tier == 1 and not assessment.third_party:
        await ctx.ensure_member()
        await _record(ctx, assessment, SafetySource.CHAT)
        await crisis_response(ctx, assessment)
        return True
    if assessment.third_party:
        await _record_if_member(ctx, assessment)
        worried = said(
            N_(
                "It sounds like you're worried about someone, and that's a lot to carry. If "
                "they might be in danger right now, call {emergency}. These lines can also "
                "help you support them:"
            ),
            emergency=ctx.config.crisis.emergency_number,
        )
        talk = said(N_("If you'd like to talk it through with a peer: /talk"))
        ctx.say(f"{worried}\n{_resources(ctx, overdose=assessment.overdose)}\n\n{talk}")
        if ctx.input.command is not None:
            return False  # the command they typed still runs ("/talk my friend …")
        ctx.remind_open_question()
        return True
    if assessment.tier == 2:
        await ctx.ensure_member()
        await _record(ctx, assessment, SafetySource.CHAT)
        await _hold(ctx)
        await _ask_safety_question(ctx)
        return True
    # Tier 3: an offer, and the flow still gets the message if it was an answer.
    await _record_if_member(ctx, assessment)
    waiting = ctx.member is not None and await ctx.tx.handoffs.open_for_member(ctx.member.id)
    if waiting or ctx.input.command == "talk":
        # Already asking for a peer: no offer of one. Words typed while waiting go on to
        # be kept for the peer who accepts.
        hard = said(
            N_(
                "That sounds really hard. 💛 If things get worse before a peer is with you, "
                "these lines are open any time:"
            )
        )
        ctx.say(_with_lines(hard, ctx.config.crisis.short_text()))
        return False
    hard = said(
        N_(
            "That sounds really hard. 💛 If you'd like to talk to a peer with lived "
            "experience, send /talk. And if things get worse, these lines are open any time:"
        )
    )
    ctx.say(_with_lines(hard, ctx.config.crisis.short_text()))
    if ctx.input.command is not None:
        return False  # the command they typed still runs
    return ctx.state is None or ctx.state.question is None


async def _guard_in_chat(ctx: Context, assessment: Assessment, chat: Handoff) -> bool:
    """A member in a peer chat: one state at a time, told truthfully.

    Serious words set aside any question open beside the chat (a check-in typed mid-chat),
    so they are relayed to the peer who is with them, and the next words are too; distress
    that answers an open question stays with that question and is not announced.
    """
    if ctx.state is not None and ctx.state.question is not None:
        if assessment.tier == 3:
            await _record(ctx, assessment, SafetySource.CHAT)
            return False  # the answer to their question, not a chat message
        await ctx.set_aside_for_safety()
    await _record(ctx, assessment, SafetySource.RELAY)
    await _alert_volunteer(ctx, assessment, chat, chat.volunteer_id)
    if assessment.tier == 1 and not assessment.third_party:
        plan = await plan_reminder(ctx)  # the member's own plan, to them alone
        ctx.say_urgent(_tier1_text(ctx, assessment, peer_coming=False, in_chat=True, plan=plan))
        await _hold(ctx)
        await _tell_admins_of_chat(ctx, chat)
    return False  # the message is still relayed


async def _language_of(ctx: Context, account: Account) -> str:
    """The language `account`'s person reads (the deployment's, if that cannot be told)."""
    try:
        member = await ctx.tx.members.find_by_account(account)
    except Exception:  # a page goes out in some language whatever broke
        log.exception("page_language_unknown")
        member = None
    return ctx.language_of(member) if member is not None else ctx.config.default_language


async def _page_once(
    ctx: Context,
    accounts: list[Account],
    key: str,
    text: Callable[[bool], str],
    *,
    buttons: Callable[[], tuple[Choice, ...]] = tuple,
) -> None:
    """Page each person once under `key`, urgent and protected, in their own language
    (`text(again)` is made for each); whoever was paged under it already gets that
    message updated in place (`text(True)`) instead of another one."""
    paged = set(await ctx.tx.notices.recipients(key))
    for account in accounts:
        if account == ctx.account:
            continue
        # The Reply too is made inside: it carries the language its channel renders in.
        with speaking(await _language_of(ctx, account)):
            again = account in paged
            words, choices = text(again), buttons()
            token = COMMAND_TOKEN if choices else None
            if again:
                reply = Reply(words, choices, token=token, replaces_notice=key)
            else:
                reply = Reply(
                    words, choices, token=token, urgent=True, notice=key, protect_content=True
                )
        ctx.send_to(account, reply)


def _flagged_again(text: str, again: bool) -> str:
    return said(N_("{text} (Flagged again.)"), text=text) if again else text


async def _tell_admins_of_chat(ctx: Context, chat: Handoff) -> None:
    """Admins hear of serious risk in a chat too (once per chat, updated after)."""
    volunteer = await ctx.tx.volunteers.get(chat.volunteer_id) if chat.volunteer_id else None

    def text(again: bool) -> str:
        if volunteer is not None:
            words = said(
                N_(
                    "🔴 URGENT — crisis flagged in a peer chat: {alias} is talking with "
                    "{volunteer}, who has been alerted and asked to stay with them. They have "
                    "been shown the crisis lines."
                ),
                alias=chat.member_alias,
                volunteer=volunteer.display_name,
            )
        else:
            words = said(
                N_(
                    "🔴 URGENT — crisis flagged in a peer chat: {alias} is talking with a "
                    "volunteer, who has been alerted and asked to stay with them. They have "
                    "been shown the crisis lines."
                ),
                alias=chat.member_alias,
            )
        return _flagged_again(words, again)

    admins = await admin_accounts(ctx)
    await _page_once(ctx, admins, notice_keys.chat_safety(chat.id), text)


async def _guard_volunteer(ctx: Context, assessment: Assessment, name: str | None) -> None:
    """A volunteer's own words, in the middle of a chat: support for them, not the member.
    `name` is theirs, or None for an admin answering as a coordinator."""
    await _record(ctx, assessment, SafetySource.VOLUNTEER)
    if assessment.third_party:
        return  # about the member they are with: that side has its own alert
    if assessment.tier == 1:
        ctx.say_urgent(
            said(N_("This is just for you — the person you're talking with doesn't see it."))
            + "\n\n"
            + _tier1_text(ctx, assessment, peer_coming=False, plan=await plan_reminder(ctx))
            + "\n\n"
            + said(
                N_(
                    "I've asked an admin to check in with you. You can step away from the "
                    "chat any time: /handover"
                )
            )
        )
        await _hold(ctx)
        # One page a day per volunteer, updated in place if more words are flagged.
        key = notice_keys.volunteer_safety(ctx.require_member().id, ctx.now.date())

        def text(again: bool) -> str:
            if name is None:
                words = said(
                    N_(
                        "🙋 URGENT: the safety check flagged serious risk in words a "
                        "coordinator wrote while holding a peer chat — their own, or a question "
                        "they asked. Please check in with a coordinator now."
                    )
                )
            else:
                words = said(
                    N_(
                        "🙋 URGENT: the safety check flagged serious risk in words {name} wrote "
                        "while holding a peer chat — their own, or a question they asked. "
                        "Please check in with {name} now."
                    ),
                    name=name,
                )
            return _flagged_again(words, again)

        admins = await admin_accounts(ctx)
        await _page_once(ctx, admins, key, text)
    elif assessment.tier == 2:
        heavy = said(
            N_(
                "Just for you — the person you're talking with doesn't see this: that "
                "sounded heavy. Look after yourself too; /handover passes the chat to an "
                "admin, and these lines are open any time:"
            )
        )
        ctx.say(_with_lines(heavy, ctx.config.crisis.short_text()))


async def guard_fallback(ctx: Context) -> None:
    """The guard failed on alarming words: the crisis lines and a page, from the least.

    Runs in a fresh transaction with nothing but the safety record, the outbox and the
    admin list, so whatever broke the guard (opening the request, say) cannot stop it.
    """
    assessment = assess(ctx.input.text)
    if ctx.member is not None:
        await _record(ctx, assessment, SafetySource.FALLBACK)
    ctx.finish()
    ctx.say_urgent(_tier1_text(ctx, assessment, peer_coming=False))
    if assessment.tier != 1 or assessment.third_party:
        return
    alias = ctx.member.pseudonym if ctx.member is not None else None
    for account in await admin_accounts(ctx):
        if account != ctx.account:
            with speaking(await _language_of(ctx, account)):
                if alias:
                    text = said(
                        N_(
                            "🔴 URGENT — crisis flagged: {alias} needs a person now. They have "
                            "been shown the crisis lines, but Hearthside could not open their "
                            "request to talk (logged as guard_failed). Please check /volunteers "
                            "and the logs, and reach them if you can."
                        ),
                        alias=alias,
                    )
                else:
                    text = said(
                        N_(
                            "🔴 URGENT — crisis flagged: a person (no name yet) needs a person "
                            "now. They have been shown the crisis lines, but Hearthside could "
                            "not open their request to talk (logged as guard_failed). Please "
                            "check /volunteers and the logs, and reach them if you can."
                        )
                    )
                reply = Reply(text, urgent=True, protect_content=True)
            ctx.send_to(account, reply)


async def _record_if_member(ctx: Context, assessment: Assessment) -> None:
    if ctx.member is not None:
        await _record(ctx, assessment, SafetySource.CHAT)


def _tier1_text(
    ctx: Context,
    assessment: Assessment,
    *,
    peer_coming: bool,
    in_chat: bool = False,
    plan: str | None = None,
) -> str:
    resources = _resources(ctx, overdose=assessment.overdose)
    emergency = ctx.config.crisis.emergency_number
    if assessment.overdose:
        opening = said(
            N_(
                "If you or someone with you may have taken too much, call {emergency} now — "
                "please don't wait."
            ),
            emergency=emergency,
        )
    else:
        opening = said(
            N_("I'm really glad you told me. You matter, and you don't have to face this alone.")
        )
    lines = [
        opening,
        said(
            N_(
                "I'm an automated assistant, so I can't help the way a person can — but people "
                "are there for you right now:"
            )
        ),
        resources,
    ]
    if plan:  # their own safety plan first; after the emergency number for an overdose
        lines.insert(1 if assessment.overdose else 0, plan)
    if in_chat:
        lines.append(said(N_("Your peer is here with you too, and I've let them know.")))
    elif peer_coming:
        lines.append(
            said(N_("I'm letting an on-call peer know now, so a person can talk with you here."))
        )
    lines.append(
        said(
            N_(
                "Hearthside can't send emergency help itself. "
                "If you're in danger, call {emergency}."
            ),
            emergency=emergency,
        )
    )
    return "\n\n".join(lines)


async def crisis_response(ctx: Context, assessment: Assessment | None) -> None:
    """The tier-1 path: the lines first and unpaced, then a priority human route."""
    member = await ctx.ensure_member()
    peers_on_call = await ctx.tx.volunteers.on_call_count() > 0
    default = Assessment(1, ())
    plan = await plan_reminder(ctx)
    ctx.say_urgent(_tier1_text(ctx, assessment or default, peer_coming=peers_on_call, plan=plan))
    # Set aside whatever was open (sign-up, a check-in, the safety question): the member's
    # next words must not answer an old question, and must reach the peer once one accepts.
    await ctx.set_aside_for_safety()
    await ctx.tx.members.set_safety_check_due(member.id, None)
    await _hold(ctx)
    before = await ctx.tx.handoffs.open_for_member(member.id)
    handoff = await open_request(ctx, priority=Priority.CRISIS, topic="crisis")
    waiting = handoff.status is HandoffStatus.WAITING
    if waiting and before is not None and before.priority is Priority.CRISIS:
        # Already paged for this request: update those pages, don't send more.
        events = await ctx.tx.safety.count_since(member.id, handoff.requested_at, tier=1)
        await repage(ctx, handoff, again=max(1, events - 1))
    elif waiting:
        await notify(ctx, handoff, include_admins=True)
    elif handoff.volunteer_id is not None:
        await _alert_volunteer(ctx, assessment or default, handoff, handoff.volunteer_id)


async def _alert_volunteer(
    ctx: Context, assessment: Assessment, handoff: Handoff, volunteer_id: int | None
) -> None:
    if volunteer_id is None:
        return
    tier = assessment.tier
    count = 1
    if handoff.member_id is not None and handoff.accepted_at is not None:
        count = await ctx.tx.safety.count_since(handoff.member_id, handoff.accepted_at, tier=3)

    def alert(again: bool) -> str:
        return "\n".join([_alert_opening(tier, count if again else None), _alert_advice()])

    # One alert per chat, updated in place when more messages are flagged: the volunteer is
    # reading the chat already, and a flood of alerts helps nobody.
    await _page_once(
        ctx,
        await ctx.tx.members.accounts_of(volunteer_id),
        notice_keys.chat_alert(handoff.id),
        alert,
        buttons=lambda: (
            command_choice(f"handover {handoff.ref}", said(N_("Hand to an admin")), "🙋"),
        ),
    )


def _alert_opening(tier: int, flagged: int | None) -> str:
    """The alert's first line: what was flagged, and (updated) how often in this chat."""
    try:
        return _alert_opening_words(tier, flagged)
    except Exception:  # a broken catalog must never stop the alert: in English, then
        log.exception("translation_failed")
        with speaking(SOURCE_LANGUAGE):
            return _alert_opening_words(tier, flagged)


def _alert_opening_words(tier: int, flagged: int | None) -> str:
    if flagged is None:
        if tier == 1:
            return _(
                "⚠️ Private to you: the safety check flagged serious risk in their last message."
            )
        if tier == 2:
            return _(
                "⚠️ Private to you: the safety check flagged possible risk in their last message."
            )
        return _("⚠️ Private to you: the safety check flagged distress in their last message.")
    if tier == 1:
        text = ngettext(
            "⚠️ Private to you: the safety check flagged serious risk in their last message "
            "(flagged {count} times in this chat).",
            "⚠️ Private to you: the safety check flagged serious risk in their last message "
            "(flagged {count} times in this chat).",
            flagged,
        )
    elif tier == 2:
        text = ngettext(
            "⚠️ Private to you: the safety check flagged possible risk in their last message "
            "(flagged {count} times in this chat).",
            "⚠️ Private to you: the safety check flagged possible risk in their last message "
            "(flagged {count} times in this chat).",
            flagged,
        )
    else:
        text = ngettext(
            "⚠️ Private to you: the safety check flagged distress in their last message "
            "(flagged {count} times in this chat).",
            "⚠️ Private to you: the safety check flagged distress in their last message "
            "(flagged {count} times in this chat).",
            flagged,
        )
    return text.format(count=flagged)


def _alert_advice() -> str:
    return said(
        N_(
            "• Stay with them; listen, and ask directly whether they are thinking of ending "
            "their life.\n"
            "• Share the crisis lines; encourage them to call emergency services if they are "
            "in danger.\n"
            "• You don't have to handle this alone — hand it to an admin any time."
        )
    )


async def _ask_safety_question(ctx: Context) -> None:
    member = ctx.require_member()
    await ctx.tx.members.set_safety_check_due(
        member.id, ctx.now + timedelta(minutes=ctx.config.crisis_escalate_minutes)
    )
    plan = await plan_reminder(ctx)
    thanks = said(
        N_(
            "Thank you for telling me. I'm an automated assistant, and I want to make sure "
            "you're safe. These lines are open right now, any time:"
        )
    )
    question = _with_lines(thanks, _resources(ctx))
    ctx.say(f"{plan}\n\n{question}" if plan else question)
    await ctx.set_aside_for_safety()  # whatever was open; safety comes first
    await ctx.start_flow("safety_check")


# Typed answers to the direct question that are clearly no; anything else is not.
_CLEAR_NO = frozenset(
    {
        "no", "nope", "nah", "no im not", "im not", "not at all", "no not at all",
        "no im safe", "im safe", "i am safe", "no i am not", "i am not", "never", "no never",
        "no thanks", "no thank you", "no im ok", "no im okay", "no im fine", "👎", "❌",
        # Spanish. Never "no estoy …": with its comma gone, "no, estoy a salvo" ("no, I'm
        # safe") reads as "no estoy a salvo" ("I'm not safe"), so neither is a clear no.
        "nunca", "no nunca", "para nada", "no para nada", "en absoluto", "no gracias",
        "estoy a salvo",
    }
)  # fmt: skip
_YES = frozenset(
    {
        "yes", "yeah", "yep", "yea", "ya", "yes i am", "i am", "👍", "y",
        "sí", "si", "sí estoy", "si estoy", "claro",
    }
)  # fmt: skip


def _typed_answer(text: str) -> str:
    """'no', 'yes' or 'unclear' for words typed in answer to the direct question."""
    kept = "".join(c for c in text.casefold() if c.isalnum() or c in " 👎❌👍")  # "I'm" → "im"
    words = " ".join(kept.split())
    if words in _CLEAR_NO:
        return "no"
    return "yes" if words in _YES else "unclear"


class SafetyCheck(Flow[NoData]):
    """Tier 2: the direct question. Yes (or silence, via the sweep) → the tier-1 path."""

    name = "safety_check"
    title = N_("question")
    timeout: ClassVar[timedelta] = timedelta(hours=12)

    async def begin(self, ctx: Context) -> None:
        ctx.ask(
            self.on_ask,
            said(N_("Are you thinking about ending your life?")),
            [
                Choice("yes", said(N_("Yes"))),
                Choice("no", said(N_("No"))),
                Choice("unsure", said(N_("I'm not sure"))),
            ],
            # Any words answer it: "idk", "maybe", "yeah" are answers, not wrong input.
            free_text=True,
        )

    async def on_ask(self, ctx: Context, answer: Answer) -> None:
        member = ctx.require_member()
        await ctx.tx.members.set_safety_check_due(member.id, None)
        value = answer.choice.value if answer.choice is not None else _typed_answer(answer.text)
        if value != "no":
            # Anything but a clear no takes the tier-1 path at once: a caring question
            # asked again costs little, a missed yes can cost a life.
            await ctx.tx.safety.record_event(
                member.id,
                tier=1,
                rule_ids=(f"confirm.{value}",),
                detector_version=DETECTOR_VERSION,
                source=SafetySource.CONFIRMED,
                now=ctx.now,
            )
            ctx.finish()
            await crisis_response(ctx, None)
            return
        ctx.finish()
        offer = await plan_offer(ctx)  # a safety plan, if they have none yet
        thanks = said(
            N_(
                "Thank you for answering — I'm glad. It still sounds like a heavy time, and you "
                "don't have to carry it alone. A peer volunteer can talk with you: /talk\n\n"
                "And if that changes, the lines above are there day and night. I'll check in "
                "with you tomorrow. 💛"
            )
        )
        ctx.say(f"{thanks}\n\n{offer}" if offer else thanks)


async def escalate_silence(ctx: Context) -> None:
    """The tier-2 question went unanswered: take the tier-1 path, honestly."""
    member = ctx.require_member()
    if member.safety_check_due_at is None or member.safety_check_due_at > ctx.now:
        return
    await ctx.tx.safety.record_event(
        member.id,
        tier=1,
        rule_ids=("silence.after_check",),
        detector_version=DETECTOR_VERSION,
        source=SafetySource.SILENCE,
        now=ctx.now,
    )
    ctx.say_urgent(said(N_("I haven't heard back from you, so I'm asking a person to reach out.")))
    await crisis_response(ctx, None)


async def follow_up(ctx: Context) -> None:
    """A day after a safety event: a gentle check-in."""
    member = ctx.require_member()
    await ctx.tx.members.clear_followup(member.id)
    if ctx.state is not None:
        return
    hello = said(
        N_(
            "Hi — I wanted to check in after yesterday. How are you doing today? 💛\n"
            "/checkin to tell me, /talk to reach a peer. The lines are always open:"
        )
    )
    ctx.say(_with_lines(hello, ctx.config.crisis.short_text()))


async def handover(ctx: Context) -> None:
    """`/handover <chat>`: a volunteer asks an admin to step in.

    Typed bare (as the crisis note on accepting says), it means the chat in hand:
    the only one, or the one the volunteer's messages go to.
    """
    volunteer = await ctx.volunteer()
    arg = ctx.input.text.strip()
    handoff = await find_handoff(ctx, arg)
    if not arg and volunteer is not None:
        chats = await ctx.tx.handoffs.active_for_volunteer(volunteer.member_id)
        current = [h for h in chats if h.id == volunteer.current_handoff]
        handoff = chats[0] if len(chats) == 1 else next(iter(current), None)
    if volunteer is None or handoff is None or handoff.volunteer_id != volunteer.member_id:
        ctx.say(said(N_("I couldn't find that chat of yours.")))
        return
    admins = [a for a in await admin_accounts(ctx) if a != ctx.account]
    for account in admins:
        with speaking(await _language_of(ctx, account)):
            text = said(
                N_(
                    "🙋 URGENT: {volunteer} asks an admin to step in on their chat with {alias}. "
                    "Take it over to talk with {alias} yourself, as a coordinator, through the "
                    "bot."
                ),
                volunteer=volunteer.display_name,
                alias=handoff.member_alias,
            )
            take_over = take_over_choice(handoff)
            reply = Reply(
                text,
                (take_over,),
                token=COMMAND_TOKEN,
                notice=notice_keys.handover(handoff.id),
                urgent=True,
                protect_content=True,
            )
        ctx.send_to(account, reply)
    audit.admin_action(ctx, "chat.handover", handoff.id)
    ctx.answered = said(N_("Admins alerted"))
    if admins:
        ctx.say(
            said(
                N_(
                    "I've alerted the admins. Stay with them if you can; you're doing the "
                    "right thing."
                )
            )
        )
    else:
        ctx.say(
            said(
                N_(
                    "I've alerted the admins — but none are configured, so please use the "
                    "crisis lines. Stay with them if you can; you're doing the right thing."
                )
            )
        )


GUARD_COMMANDS = (
    Command(
        "handover",
        N_("hand a chat to an admin"),
        handover,
        audience=Audience.VOLUNTEER,
        hidden=True,
        audits=("chat.handover",),
    ),
)
