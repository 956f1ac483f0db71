"""Community events for members: `/events`, the I'll go / Maybe / Not this time
answers (`/rsvp`), and "did you make it?" (`/attended`), which counts as connection."""

import logging
from collections.abc import Callable
from datetime import timedelta

from flows.community.isolation import after_attending, refresh_nudge_schedule
from flows.community.reminders import next_stage
from flows.community.series import answer_date_for_series, describe
from flows.community.text import (
    ANSWER_LABELS,
    card,
    is_in_person,
    is_online,
    is_open,
    rsvp_buttons,
    series_line,
    zone_note,
)
from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.language import N_, _
from flows.core.local_time import when
from flows.core.parsing import parse_id
from flows.core.sweep import BATCH
from flows.core.values import COMMAND_TOKEN, Choice, Reply, command_choice
from storage import Event, EventRating, EventSeries, Member, NudgeOutcome, Rsvp, RsvpAnswer

log = logging.getLogger(__name__)

LIST_DAYS = 14
LIST_MAX = 10
NUDGE_OUTCOME = {
    RsvpAnswer.GOING: NudgeOutcome.GOING,
    RsvpAnswer.MAYBE: NudgeOutcome.MAYBE,
    RsvpAnswer.NO: NudgeOutcome.DECLINED,
}
# `/attended <event> good|hard|no`: how it was, or "no": they didn't make it.
DID_NOT_GO = "no"
ATTENDED_ANSWERS = {*EventRating, DID_NOT_GO}
RATING_LABELS = {EventRating.GOOD: N_("😊 It was good"), EventRating.HARD: N_("😕 It was hard")}
# `/rsvp <date of a series> usually|notusually`: "I usually go", or no longer.
USUALLY, NOT_USUALLY = "usually", "notusually"
SERIES_LABELS = {USUALLY: N_("🔁 I usually go"), NOT_USUALLY: N_("⏹ I don't usually go now")}
# `/events online` and the like: which events, in the words a member may type.
FILTERS: dict[str, Callable[[Event], bool]] = {
    "online": is_online,
    "in person": is_in_person,
    "open": is_open,
}
# The list's first line, and what is said when there are none, for each kind.
KIND_HEADS = {
    None: N_("Community events in the next {days} days."),
    "online": N_("Online events in the next {days} days."),
    "in person": N_("In person events in the next {days} days."),
    "open": N_("Open to all events in the next {days} days."),
}
NONE_OF_KIND = {
    "online": N_(
        "There are no online events in the next two weeks. /events shows everything that's on."
    ),
    "in person": N_(
        "There are no in person events in the next two weeks. /events shows everything that's on."
    ),
    "open": N_(
        "There are no open to all events in the next two weeks. /events shows everything "
        "that's on."
    ),
}
_FILTER_WORDS = {
    "online": "online",
    "virtual": "online",
    "zoom": "online",
    "in person": "in person",
    "in-person": "in person",
    "inperson": "in person",
    "person": "in person",
    "open": "open",
    # The same, in Spanish.
    "en línea": "online",
    "en linea": "online",
    "presencial": "in person",
    "presenciales": "in person",
    "en persona": "in person",
    "abierto": "open",
    "abiertos": "open",
    "abierta": "open",
    "abiertas": "open",
}
FILTER_HELP = N_("/events online, /events in person or /events open")
# `/meetings online|in person|any`: which meetings suggestions put first.
PREFERENCES = {"online": "online", "in person": "in_person", "any": "any"}
PREFERENCE_WORDS = {
    "online": "online",
    "in person": "in person",
    "in-person": "in person",
    "inperson": "in person",
    "in_person": "in person",
    "person": "in person",
    "any": "any",
    "either": "any",
    "both": "any",
    # The same, in Spanish.
    "en línea": "online",
    "en linea": "online",
    "presencial": "in person",
    "en persona": "in person",
    "cualquiera": "any",
    "ambas": "any",
    "ambos": "any",
    "igual": "any",
}
PREFERENCE_BUTTONS = (
    ("meetings online", N_("Online suits me"), "💻"),
    ("meetings in person", N_("In person"), "🚶"),
    ("meetings any", N_("Either is fine"), "🙂"),
)


def preference_buttons() -> list[Choice]:
    return [
        command_choice(command, _(label), emoji) for command, label, emoji in PREFERENCE_BUTTONS
    ]


def how_to_answer(ctx: Context) -> str:
    """How to answer an event, in the words of the person's channel."""
    return _("To answer, {press} under an event in /events.").format(
        press=ctx.engine.channels.of(ctx.account).how_to_press
    )


async def list_events(ctx: Context) -> None:
    """`/events`, or `/events online|in person|open`: the next two weeks' events."""
    member = ctx.member
    timezone = member.timezone if member is not None else ctx.config.default_timezone
    raw = " ".join(ctx.input.text.lower().split())
    wanted = _FILTER_WORDS.get(raw) if raw else None
    if raw and wanted is None:
        ctx.say(
            _("I can show events by kind: {filters}. /events shows them all.").format(
                filters=_(FILTER_HELP)
            )
        )
        ctx.remind_open_question()
        return
    window = (ctx.now, ctx.now + timedelta(days=LIST_DAYS))
    if wanted is None:
        found = await ctx.tx.events.upcoming(*window, limit=LIST_MAX + 1)
    else:
        keep = FILTERS[wanted]
        found = [e for e in await ctx.tx.events.upcoming(*window, limit=BATCH) if keep(e)]
    if not found:
        if wanted is not None:
            ctx.say(_(NONE_OF_KIND[wanted]))
            ctx.remind_open_question()
            return
        # Nobody is told when one is posted, so promise nothing: say where to look.
        nothing = _(
            "There are no community events in the next two weeks yet. New ones show up "
            "here as soon as they're posted, so do look again."
        )
        ctx.say(nothing + " " + _("/newevent posts one.") if ctx.is_admin else nothing)
        ctx.remind_open_question()
        return
    can_answer = member is not None and member.is_onboarded
    shown = found[:LIST_MAX]
    answers = (
        await ctx.tx.events.answers_of(member.id, (e.id for e in shown))
        if member is not None and can_answer
        else {}
    )
    series = await _series_of(ctx, shown)
    usual = (
        await ctx.tx.events.usual_series(member.id, series)
        if member is not None and can_answer
        else set()
    )
    ctx.say(_(KIND_HEADS[wanted]).format(days=LIST_DAYS) + " " + zone_note(timezone))
    for event in shown:
        of = series.get(event.series_id) if event.series_id is not None else None
        answer = answers.get(event.id)
        usually = of is not None and of.id in usual and answer in (None, RsvpAnswer.GOING)
        text = card(
            event,
            timezone,
            answer=answer,
            show_id=ctx.is_admin,
            repeats=series_line(of) if of is not None else None,
            usually=usually,
        )
        buttons: tuple[Choice, ...] = (
            tuple(
                rsvp_buttons(
                    event.id, series=of is not None, usually=of is not None and of.id in usual
                )
            )
            if can_answer
            else ()
        )
        ctx.send_to(
            ctx.account,
            Reply(text, buttons, token=COMMAND_TOKEN if buttons else None, columns=2 if of else 3),
        )
    if len(found) > LIST_MAX:
        ctx.say(
            _("…and more after {when}.").format(when=when(found[LIST_MAX].starts_at, timezone))
        )
    if not can_answer:
        ctx.say(_("Send /start to join Hearthside, then you can say you'll go."))
    elif wanted is None:
        _filters_and_preference(ctx, shown, member)
    ctx.remind_open_question()


async def _series_of(ctx: Context, events: list[Event]) -> dict[int, EventSeries]:
    found: dict[int, EventSeries] = {}
    for series_id in {e.series_id for e in events if e.series_id is not None}:
        series = await ctx.tx.events.get_series(series_id)
        if series is not None:
            found[series_id] = series
    return found


def _filters_and_preference(ctx: Context, shown: list[Event], member: Member | None) -> None:
    """With meetings of both kinds on, say how to see one kind; ask once which suits."""
    if not (any(map(is_online, shown)) and any(map(is_in_person, shown))):
        return
    one_kind = _("To see one kind: {filters}.").format(filters=_(FILTER_HELP))
    if member is None or member.meeting_preference is not None:
        ctx.say(one_kind)
        return
    ctx.say(
        one_kind
        + "\n\n"
        + _(
            "One question, if you like: do online meetings or ones in person suit you "
            "better? Getting there isn't easy for everyone — I'll suggest the kind you "
            "choose first. (/meetings changes it.)"
        ),
        commands=preference_buttons(),
    )


async def meetings_preference(ctx: Context) -> None:
    """`/meetings online|in person|any`: which kind of meeting suggestions put first."""
    member = ctx.require_member()
    said = PREFERENCE_WORDS.get(" ".join(ctx.input.text.lower().split()))
    if said is None:
        now = {
            "online": N_("I suggest online ones first. Which meetings suit you better?"),
            "in_person": N_("I suggest ones in person first. Which meetings suit you better?"),
            "any": N_("I suggest either kind first. Which meetings suit you better?"),
        }
        current = now.get(member.meeting_preference or "")
        ctx.say(
            _(current) if current else _("Which meetings suit you better?"),
            commands=preference_buttons(),
        )
        ctx.remind_open_question()
        return
    await ctx.tx.members.set_meeting_preference(member.id, PREFERENCES[said])
    log.info("meeting_preference member=%s preference=%s", member.id, PREFERENCES[said])
    if ctx.input.is_command_tap:
        ctx.answered = {
            "online": _("💻 Online suits me"),
            "in person": _("🚶 In person"),
            "any": _("🙂 Either is fine"),
        }[said]
    if said == "online":
        ctx.say(
            _(
                "Noted — I'll suggest online meetings first. /events online shows them, with "
                "their join links. /meetings changes this."
            )
        )
    elif said == "in person":
        ctx.say(
            _(
                "Noted — I'll suggest meetings in person first. /events in person shows "
                "them. /meetings changes this."
            )
        )
    else:
        ctx.say(_("Noted — either kind is fine. /meetings changes this."))


CANNOT_FIND = N_("I can't find that event. /events shows what's coming up.")


def refusal(event: Event | None, ctx: Context) -> str | None:
    """Why nobody can answer this event now, or None."""
    if event is None:
        return _(CANNOT_FIND)
    if event.is_cancelled:
        return _("{title} was cancelled, sorry. /events shows what's coming up.").format(
            title=event.title
        )
    if event.starts_at <= ctx.now:
        return _("{title} has already started. /events shows what's coming up.").format(
            title=event.title
        )
    return None


def is_full_for(event: Event, before: Rsvp | None) -> bool:
    was_going = before is not None and before.answer is RsvpAnswer.GOING
    return not was_going and event.capacity is not None and event.going >= event.capacity


def full_text(event: Event) -> str:
    return _(
        "{title} is full, I'm sorry. You could answer Maybe, and /events shows what else "
        "is coming up."
    ).format(title=event.title)


async def save_answer(ctx: Context, member: Member, event: Event, answer: RsvpAnswer) -> Rsvp:
    """Record the answer with its next reminder, the nudge's outcome, and the plans."""
    stage, due = (None, None)
    if answer is not RsvpAnswer.NO:
        stage, due = next_stage(event, member.timezone, ctx.config, ctx.now)
    saved = await ctx.tx.events.answer(
        event.id, member.id, answer=answer, now=ctx.now, stage=stage, due_at=due
    )
    await ctx.tx.events.nudge_outcome(member.id, event.id, NUDGE_OUTCOME[answer], now=ctx.now)
    await refresh_nudge_schedule(ctx.tx, member.id, now=ctx.now, config=ctx.config)
    log.info("rsvp member=%s event=%s answer=%s", member.id, event.id, answer)
    return saved


def offer_to_meet_button(event_id: int) -> Choice:
    return command_choice(f"buddyoffer {event_id}", _("I can meet someone there"), "🤝")


async def tell_buddy_dropped_out(ctx: Context, event: Event, buddy_id: int) -> None:
    """The volunteer who was to meet this member hears that they won't come."""
    member = ctx.require_member()
    with ctx.speaking_to(await ctx.tx.members.get(buddy_id)):
        text = (
            _(
                "{name} you were going to meet at {title} can't make it after all. Thank you "
                "for offering 💛"
            ).format(name=member.pseudonym, title=event.title)
            if member.pseudonym
            else _(
                "The member you were going to meet at {title} can't make it after all. Thank "
                "you for offering 💛"
            ).format(title=event.title)
        )
    for account in await ctx.tx.members.accounts_of(buddy_id):
        ctx.send_to(account, Reply(text))


async def tell_members_their_buddy_cannot_come(ctx: Context, event: Event) -> None:
    """A volunteer who was to meet members there won't come: each of them is told."""
    volunteer = await ctx.volunteer()
    if volunteer is None:
        return
    for freed in await ctx.tx.events.release_buddy(event.id, volunteer.member_id):
        member = await ctx.tx.members.get(freed.member_id)
        zone = member.timezone if member is not None else ctx.config.default_timezone
        with ctx.speaking_to(member):
            text = _(
                "{name} can't make it to {title} ({when}) after all — I'm sorry. If another "
                "peer volunteer offers to meet you there, I'll tell you. /events shows it."
            ).format(
                name=volunteer.display_name, title=event.title, when=when(event.starts_at, zone)
            )
        for account in await ctx.tx.members.accounts_of(freed.member_id):
            ctx.send_to(account, Reply(text))


async def rsvp(ctx: Context) -> None:
    """`/rsvp <event id> going|maybe|no` — usually a tap on an event's buttons; with the
    event alone (or an answer it doesn't know), the event is shown with its buttons."""
    parts = ctx.input.text.lower().split()
    event_id = parse_id(parts[0]) if 1 <= len(parts) <= 2 else None
    if event_id is None:
        ctx.say(how_to_answer(ctx))
        ctx.remind_open_question()
        return
    if len(parts) == 2 and parts[1] in SERIES_LABELS:
        await answer_series(ctx, event_id, usually=parts[1] == USUALLY)
        return
    if len(parts) == 1 or parts[1] not in ANSWER_LABELS:
        await offer_answers(ctx, event_id)
        return
    member = ctx.require_member()
    answer = RsvpAnswer(parts[1])
    event = await ctx.tx.events.get(event_id)
    problem = refusal(event, ctx)
    if problem is not None or event is None:
        ctx.say(problem or how_to_answer(ctx))
        return
    before = await ctx.tx.events.rsvp_of(event.id, member.id)
    was_going = before is not None and before.answer is RsvpAnswer.GOING
    if answer is RsvpAnswer.GOING and is_full_for(event, before):
        ctx.say(full_text(event))
        return
    saved = await save_answer(ctx, member, event, answer)
    if ctx.input.is_command_tap:
        ctx.answered = _(ANSWER_LABELS[answer])
    if answer is not RsvpAnswer.GOING and before is not None and before.buddy_id is not None:
        await tell_buddy_dropped_out(ctx, event, before.buddy_id)
    if answer is not RsvpAnswer.GOING and was_going:
        await tell_members_their_buddy_cannot_come(ctx, event)
    at = when(event.starts_at, member.timezone)
    if answer is RsvpAnswer.GOING:
        text = _("Lovely — you're going to {title} ({when}). 🌱").format(
            title=event.title, when=at
        )
        if saved.due_at is not None:
            text += " " + _("I'll remind you before it starts.")
        volunteer = await ctx.volunteer()
        if (
            volunteer is not None
            and volunteer.is_active
            and volunteer.is_peer
            and not is_online(event)
            and not saved.buddy_offer
        ):
            ctx.say(
                text
                + "\n\n"
                + _(
                    "As a peer volunteer, would you be happy to meet a member there who'd "
                    "rather not walk in alone?"
                ),
                commands=[offer_to_meet_button(event.id)],
            )
            return
        ctx.say(text)
    elif answer is RsvpAnswer.MAYBE:
        ctx.say(
            _(
                "Noted as a maybe for {title} ({when}). I'll remind you before it starts — "
                "no pressure either way."
            ).format(title=event.title, when=at)
        )
    elif was_going:
        ctx.say(
            _("Okay, I've taken you off the list for {title}. Maybe another time 💛").format(
                title=event.title
            )
        )
    else:
        ctx.say(_("Okay — thanks for letting me know. Maybe another time 💛"))


async def answer_series(ctx: Context, event_id: int, *, usually: bool) -> None:
    """ "I usually go" to the series of this date (each coming date is answered going,
    except those answered otherwise), or no longer."""
    member = ctx.require_member()
    event = await ctx.tx.events.get(event_id)
    series = (
        await ctx.tx.events.get_series(event.series_id)
        if event is not None and event.series_id is not None
        else None
    )
    if event is None or series is None or series.is_cancelled:
        problem = refusal(event, ctx) if event is None or event.is_cancelled else None
        ctx.say(
            problem or _("That event doesn't repeat, so answer it on its own. /events has it.")
        )
        return
    how_often = describe(series)
    if ctx.input.is_command_tap:
        ctx.answered = _(SERIES_LABELS[USUALLY if usually else NOT_USUALLY])
    if not usually:
        await ctx.tx.events.drop_series_answer(series.id, member.id, now=ctx.now)
        await refresh_nudge_schedule(ctx.tx, member.id, now=ctx.now, config=ctx.config)
        log.info("series_rsvp member=%s series=%s usually=0", member.id, series.id)
        ctx.say(
            _(
                "Okay — I won't count you in for {title} every time any more. The dates you "
                "answered yourself stay as they are. You're welcome whenever 💛"
            ).format(title=series.fields.title)
        )
        return
    await ctx.tx.events.answer_for_series(series.id, member.id, now=ctx.now)
    dates = 0
    for occurrence in await ctx.tx.events.occurrences(series.id, after=ctx.now):
        if await answer_date_for_series(
            ctx.tx, occurrence, member.id, now=ctx.now, config=ctx.config
        ):
            dates += 1
    await ctx.tx.events.nudge_outcome(member.id, event.id, NudgeOutcome.GOING, now=ctx.now)
    await refresh_nudge_schedule(ctx.tx, member.id, now=ctx.now, config=ctx.config)
    log.info("series_rsvp member=%s series=%s usually=1 dates=%d", member.id, series.id, dates)
    ctx.say(
        _(
            "Lovely — I've noted that you usually go to {title} ({schedule}). 🌱 I'll remind "
            "you before each one and ask afterwards how it went. If you can't make a date, "
            "answer Not this time on it; /events shows them."
        ).format(title=series.fields.title, schedule=how_often)
    )


async def offer_answers(ctx: Context, event_id: int) -> None:
    """`/rsvp <event id>` without an answer: the event, with the buttons that answer it."""
    member = ctx.require_member()
    event = await ctx.tx.events.get(event_id)
    problem = refusal(event, ctx)
    if problem is not None or event is None:
        ctx.say(problem or how_to_answer(ctx))
        ctx.remind_open_question()
        return
    answers = await ctx.tx.events.answers_of(member.id, (event.id,))
    series = await _series_of(ctx, [event])
    of = series.get(event.series_id) if event.series_id is not None else None
    usual = of is not None and bool(await ctx.tx.events.usual_series(member.id, [of.id]))
    text = card(
        event,
        member.timezone,
        answer=answers.get(event.id),
        repeats=series_line(of) if of is not None else None,
        usually=usual and answers.get(event.id) in (None, RsvpAnswer.GOING),
    )
    buttons = tuple(rsvp_buttons(event.id, series=of is not None, usually=usual))
    ctx.send_to(
        ctx.account,
        Reply(_("Would you like to go?") + f"\n\n{text}", buttons, token=COMMAND_TOKEN, columns=3),
    )
    ctx.remind_open_question()


async def attended(ctx: Context) -> None:
    """`/attended <event id> good|hard|no` — the answer to "did you make it?"."""
    parts = ctx.input.text.split()
    event_id = parse_id(parts[0]) if len(parts) == 2 else None
    if event_id is None or parts[1] not in ATTENDED_ANSWERS:
        press = ctx.engine.channels.of(ctx.account).how_to_press
        ctx.say(_('To answer, {press} under "Did you make it?".').format(press=press))
        ctx.remind_open_question()
        return
    member = ctx.require_member()
    event = await ctx.tx.events.get(event_id)
    answer = await ctx.tx.events.rsvp_of(event_id, member.id)
    if event is None or answer is None:
        ctx.say(_(CANNOT_FIND))
        return
    if ctx.now < event.starts_at:
        ctx.say(_("{title} hasn't happened yet — ask me afterwards!").format(title=event.title))
        return
    if answer.attended is not None:
        ctx.say(_("Thanks — I already have your answer for that one."))
        return
    rating = None if parts[1] == DID_NOT_GO else EventRating(parts[1])
    went = rating is not None
    await ctx.tx.events.record_attendance(answer.id, attended=went, rating=rating)
    await ctx.tx.events.nudge_outcome(
        member.id, event.id, NudgeOutcome.ATTENDED if went else NudgeOutcome.MISSED, now=ctx.now
    )
    if went:
        await after_attending(
            ctx.tx, member.id, at=event.starts_at, now=ctx.now, config=ctx.config
        )
    log.info("attendance member=%s event=%s went=%s", member.id, event.id, went)
    if ctx.input.is_command_tap:
        ctx.answered = _(RATING_LABELS[rating]) if rating is not None else _("➖ I didn't make it")
    if rating is EventRating.GOOD:
        ctx.say(_("That's wonderful — showing up is a big deal. 🌟"))
    elif rating is EventRating.HARD:
        ctx.say(
            _(
                "Thank you for going anyway — that takes courage. If you'd like to talk it "
                "over, /talk finds a peer."
            )
        )
    else:
        ctx.say(_("That's okay — thanks for telling me. There'll be other chances: /events"))


EVENT_MEMBER_COMMANDS = (
    # Events say where people will be: for members who consented, volunteers and admins.
    Command(
        "events",
        N_("community events in the next two weeks"),
        list_events,
        audience=Audience.COMMUNITY,
    ),
    Command("rsvp", N_("answer an event invitation"), rsvp, hidden=True),
    Command(
        "meetings",
        N_("online or in person: which meetings I suggest first"),
        meetings_preference,
        audience=Audience.COMMUNITY,
    ),
    Command("attended", N_("say whether you made it to an event"), attended, hidden=True),
)
