"""Joining: what Hearthside is and is not, consent, a chosen name, time zone, prompt time."""

import logging
from datetime import timedelta
from typing import ClassVar, Protocol, TypedDict

from flows.checkins import reschedule
from flows.community import refresh_nudge_schedule
from flows.core.channels import ChannelInfo
from flows.core.context import Context
from flows.core.flow import Answer, ChoiceStep, Chosen, Flow, TextStep
from flows.core.language import N_, SHIPPED, _, current_language
from flows.core.local_time import read_zone_answer, timezone_choices, zone_confirmation
from flows.core.names import clean_name, name_problem
from flows.core.parsing import parse_time_of_day, timezone_label
from flows.core.values import Choice
from flows.members.lifecycle import leave_sign_up

log = logging.getLogger(__name__)

NO_PROMPT = "none"

_ADJECTIVES = (
    "Quiet", "Steady", "Bright", "Gentle", "Brave", "Calm", "Kind", "Hopeful",
    "Patient", "Warm", "Clear", "Bold", "Easy", "Sunny", "Still", "True",
)  # fmt: skip
_NOUNS = (
    "Heron", "Oak", "River", "Lantern", "Harbor", "Meadow", "Sparrow", "Cedar",
    "Willow", "Pebble", "Comet", "Fern", "Otter", "Maple", "Beacon", "Finch",
)  # fmt: skip

PROMPT_TIMES = ("09:00", "13:00", "18:00", "20:00")


def welcome_text(crisis_resources: str) -> str:
    return _(
        "Hi, and welcome to Hearthside 🌱\n\n"
        "I'm an automated companion for your recovery community: short daily check-ins "
        "on how you're doing, a weekly question about connection, and your own trends "
        "whenever you want them.\n\n"
        "I'm not an emergency service and I can't send help. I will never contact "
        "emergency services on my own. If you are in danger or thinking about "
        "harming yourself, please reach out now:\n"
        "{crisis_lines}"
    ).format(crisis_lines=crisis_resources)


_CONSENT_KEPT = N_(
    "Before we start, here is what I keep, and why:\n"
    "• your check-in answers (mood, optional topics and notes, connection questions), "
    "so you can see your own trends;\n"
    "• the name you choose here, your time zone and reminder time, so I can remind you."
)
_CONSENT_NOBODY_ELSE = N_(
    "Nobody else reads your check-ins (when you ask for a peer, you choose whether they "
    "see your latest mood)."
)
_CONSENT_RIGHTS = N_(
    "You can pause reminders (/pause), get a copy of your data (/export) or delete "
    "everything (/delete) at any time.\n"
    "If an admin ever bars you from peer chats, a coded form of your account is kept after "
    "/delete, so the bar still applies if you come back."
)
_CONSENT_QUESTION = N_("Is it okay for me to store your check-ins?")


def consent_text(channel: ChannelInfo) -> str:
    """What is kept and why; the channel says what it shows me and how private it is."""
    # The channel's notes are its own texts, marked where the channel is described.
    privacy = " ".join(
        _(part)
        for part in (channel.identity_note, _CONSENT_NOBODY_ELSE, channel.encryption_note)
        if part
    )
    return f"{_(_CONSENT_KEPT)}\n\n{privacy}\n{_(_CONSENT_RIGHTS)}\n\n{_(_CONSENT_QUESTION)}"


DECLINED_TEXT = N_(
    "That's completely okay — I haven't stored anything about you.\n\n"
    "The support lines are always here if you need them:\n{resources}\n\n"
    "If you change your mind, send /start. /help shows what I can do."
)
# A consent answer that is another language: sign-up starts again in it.
LANGUAGE_CHOICE = "language-"


def consent_choices() -> list[Choice]:
    """Yes and No, then each other language Hearthside speaks, named in that language."""
    return [
        Choice("yes", _("Yes, that's okay")),
        Choice("no", _("No thanks")),
        *(
            Choice(f"{LANGUAGE_CHOICE}{code}", name, "🌐")
            for code, name in SHIPPED.items()
            if code != current_language()
        ),
    ]


def suggest_pseudonym(ctx: Context) -> str:
    return f"{ctx.rng.choice(_ADJECTIVES)} {ctx.rng.choice(_NOUNS)}"


def prompt_time_choices() -> list[Choice]:
    return [
        *(Choice(hhmm, hhmm) for hhmm in PROMPT_TIMES),
        Choice(NO_PROMPT, _("No daily reminder")),
    ]


TIMEZONE_QUESTION = N_(
    "Which time zone are you in? Choose one, or type a city (e.g. Berlin), a time zone "
    "(e.g. Europe/Berlin) or an offset (e.g. UTC+2)."
)
PROMPT_TIME_QUESTION = N_(
    "When would you like your daily check-in reminder? Choose a time, type your own "
    "(e.g. 7:30pm or 19:30), or choose no reminder."
)
PROMPT_TIME_HINT = N_("I didn't catch a time there. Try something like 8:00, 19:30 or 7pm.")


async def apply_timezone(ctx: Context, answer: Answer, *, step: TextStep) -> str | None:
    """Save a chosen or typed time zone; returns it, or None after asking again (at `step`,
    which of several places was meant)."""
    zone = read_zone_answer(ctx, answer, step=step)
    if zone is None:
        return None
    member = ctx.require_member()
    await ctx.tx.members.set_timezone(member.id, zone)
    await reschedule(ctx.tx, await ctx.reload_member(), ctx.now)
    return zone


async def apply_prompt_time(ctx: Context, answer: Answer) -> bool:
    """Save a chosen or typed reminder time (or none); False after asking again."""
    if answer.choice is not None:
        hhmm = None if answer.choice.value == NO_PROMPT else answer.choice.value
    else:
        hhmm = parse_time_of_day(answer.text)
        if hhmm is None:
            ctx.reask(_(PROMPT_TIME_HINT))
            return False
    member = ctx.require_member()
    await ctx.tx.members.set_prompt_time(member.id, hhmm)
    # A new time means a fresh weekly rhythm too.
    await ctx.tx.members.schedule_connect(member.id, None)
    await reschedule(ctx.tx, await ctx.reload_member(), ctx.now)
    await ctx.reload_member()
    return True


class PseudonymData(TypedDict, total=False):
    suggestion: str  # the name offered, until one is chosen


class ChoosesAName(Protocol):
    """A flow that asks for a chosen name (sign-up, /settings) at its `pseudonym` step."""

    async def on_pseudonym(self, ctx: Context, answer: Answer) -> None: ...

    def data(self, ctx: Context) -> PseudonymData: ...


def ask_pseudonym(ctx: Context, flow: ChoosesAName, *, lead: str = "") -> None:
    """Ask for a chosen name; `lead`, a sentence said first ("Thank you.")."""
    suggestion = suggest_pseudonym(ctx)
    flow.data(ctx)["suggestion"] = suggestion
    question = _(
        "What name would you like to go by here? Peers only ever see this name, "
        "never your account. Type your own, or use “{suggestion}”."
    ).format(suggestion=suggestion)
    ctx.ask(
        flow.on_pseudonym,
        f"{lead} {question}" if lead else question,
        [
            Choice("suggested", _("Use {suggestion}").format(suggestion=suggestion)),
            Choice("another", _("Suggest another")),
        ],
        free_text=True,
    )


async def apply_pseudonym(ctx: Context, flow: ChoosesAName, answer: Answer) -> str | None:
    """Save a chosen name; None if the member asked for another or must try again."""
    if answer.choice is not None and answer.choice.value == "another":
        ask_pseudonym(ctx, flow)
        return None
    if answer.choice is not None:
        name = str(flow.data(ctx)["suggestion"])
    else:
        if (problem := name_problem(answer.text)) is not None:
            ctx.reask(problem)
            return None
        name = clean_name(answer.text)
    await ctx.tx.members.rename(ctx.require_member().id, name)
    await ctx.reload_member()
    return name


def schedule_summary(prompt_time: str | None, timezone: str) -> str:
    if prompt_time is None:
        return _(
            "I won't send daily reminders — check in whenever you like with /checkin, "
            "and tell me about connection with /connect."
        )
    return _(
        "I'll check in with you every day at {time} ({zone} time), "
        "and once a week I'll ask a few questions about connection."
    ).format(time=prompt_time, zone=timezone_label(timezone))


class Onboarding(Flow[PseudonymData]):
    name = "onboarding"
    title = N_("sign-up")
    timeout: ClassVar[timedelta] = timedelta(days=7)

    async def begin(self, ctx: Context) -> None:
        if ctx.member is None:
            ctx.member = await ctx.tx.members.create_for_account(
                ctx.account,
                timezone=ctx.config.default_timezone,
                now=ctx.now,
                language=ctx.app_language(),
            )
        self._welcome(ctx)

    def _welcome(self, ctx: Context) -> None:
        ctx.say(welcome_text(ctx.config.crisis.short_text()))
        ctx.ask(
            self.on_consent,
            consent_text(ctx.engine.channels.of(ctx.account)),
            consent_choices(),
        )

    def settled_steps(self) -> tuple[ChoiceStep, ...]:
        return (self.on_first_checkin,)

    async def cancelled(self, ctx: Context) -> str:
        # Only once sign-up is done (/cancel drops an unfinished one): it is all saved.
        return _(
            "Okay. You're all set up, and what you chose is saved. /checkin whenever you're ready."
        )

    async def on_consent(self, ctx: Context, answer: Chosen) -> None:
        if answer.choice.value.startswith(LANGUAGE_CHOICE):
            # Sign-up in another language: from the welcome again, in that language.
            language = answer.choice.value.removeprefix(LANGUAGE_CHOICE)
            member = ctx.require_member()
            await ctx.tx.members.set_language(member.id, language)
            log.info("language_changed member=%s language=%s", member.id, language)
            await ctx.reload_member()
            ctx.speak_own_language()
            self._welcome(ctx)
            return
        if answer.choice.value == "no":
            await leave_sign_up(ctx)
            ctx.say(_(DECLINED_TEXT).format(resources=ctx.config.crisis.short_text()))
            return
        await ctx.tx.members.record_consent(
            ctx.require_member().id, version=ctx.config.consent_version, now=ctx.now
        )
        ask_pseudonym(ctx, self, lead=_("Thank you."))

    async def on_pseudonym(self, ctx: Context, answer: Answer) -> None:
        name = await apply_pseudonym(ctx, self, answer)
        if name is None:
            return
        ctx.ask(
            self.on_timezone,
            _("Nice to meet you, {name}.").format(name=name) + " " + _(TIMEZONE_QUESTION),
            timezone_choices(ctx.config.default_timezone),
            columns=2,
            free_text=True,
        )

    async def on_timezone(self, ctx: Context, answer: Answer) -> None:
        zone = await apply_timezone(ctx, answer, step=self.on_timezone)
        if zone is None:
            return
        ctx.ask(
            self.on_prompt_time,
            f"{zone_confirmation(zone, ctx.now)}\n\n{_(PROMPT_TIME_QUESTION)}",
            prompt_time_choices(),
            columns=2,
            free_text=True,
            numbered=False,  # "4" is 04:00, not the fourth option
        )

    async def on_prompt_time(self, ctx: Context, answer: Answer) -> None:
        if not await apply_prompt_time(ctx, answer):
            return
        member = ctx.require_member()
        await ctx.tx.members.complete_onboarding(member.id, now=ctx.now)
        # The isolation rule's clock starts (flows/community/isolation.py).
        await refresh_nudge_schedule(ctx.tx, member.id, now=ctx.now, config=ctx.config)
        member = await ctx.reload_member()
        ctx.ask(
            self.on_first_checkin,
            _("You're all set, {name}!").format(name=member.pseudonym)
            + f" {schedule_summary(member.prompt_time, member.timezone)}\n\n"
            + _("Would you like to do your first check-in now?"),
            [Choice("now", _("Yes, let's do it")), Choice("later", _("Later"))],
        )

    async def on_first_checkin(self, ctx: Context, answer: Chosen) -> None:
        if answer.choice.value == "now":
            ctx.finish()
            await ctx.start_flow("checkin")
            return
        ctx.finish()
        ctx.say(_("Okay! Whenever you're ready: /checkin. /help shows everything I can do."))
