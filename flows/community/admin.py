"""Events for admins: `/newevent` (one line or step by step), `/editevent` and
`/cancelevent`, which tell everyone who said they would (maybe) go.

An edit is a session: the admin changes any details, and Done saves them together, so
each person going hears once about the edit, not once for each detail changed. Until
then nothing is saved, so /cancel (or the session lapsing) leaves the event as it was.
"""

import dataclasses
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar, TypedDict
from zoneinfo import ZoneInfo

from flows.community.isolation import refresh_nudge_schedule
from flows.community.reminders import next_stage
from flows.community.series import (
    REPEAT_HELP,
    Repeat,
    Rule,
    create_series,
    first_date,
    local_start,
    looks_repeating,
    occurrence_fields,
    parse_repeat,
)
from flows.community.series_news import SeriesNews, change_date
from flows.community.text import TAGS, card, how_often, series_line, tag_name
from flows.core import audit
from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.flow import Answer, Chosen, Flow
from flows.core.language import N_, _, ngettext
from flows.core.local_time import when
from flows.core.parsing import parse_id, parse_time_of_day, timezone_label
from flows.core.values import Choice, Reply, command_choice
from storage import Event, EventFields

log = logging.getLogger(__name__)

TITLE_MAX = 80
PLACE_MAX = 120
DESCRIPTION_MAX = 500
TAGS_MAX = 5
CAPACITY_MAX = 10_000
PICK_MAX = 10
PICK_DAYS = 60
ONE_LINER_HELP = N_(
    "Post an event in one line: /newevent 2026-12-05 18:30 | Recovery walk | Riverside Park "
    "gate\n"
    "A repeating one starts with its rule: /newevent every Tue 19:00 | NA meeting | "
    "St Mary's hall (or every other Sat 10:00, first Fri 19:30).\n"
    "Optional parts after the place: a description or link, tags: walk, social and "
    "capacity: 20. Or send just /newevent to be asked step by step."
)
_WHEN = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})[ T]+(.+)$")
_CAPACITY = re.compile(r"^(?:capacity|places|max)\s*[:=]?\s*(\d+)$", re.IGNORECASE)
_TAGS = re.compile(r"^tags?\s*[:=]\s*(.+)$", re.IGNORECASE)
_TIME_OF_DAY = re.compile(r"\d{2}:\d{2}")
_TAG_WORD = re.compile(r"^[a-z0-9][a-z0-9-]{0,23}$")
SKIP = Choice("skip", N_("Skip"))
DONE = Choice("done", N_("Done"), "✅")


def translated(choice: Choice) -> Choice:
    """A constant choice with its label in the language being spoken."""
    return Choice(choice.value, _(choice.label), choice.emoji)


def parse_when(raw: str, timezone: str, now: datetime) -> datetime | str:
    """'2026-12-05 18:30' in `timezone` → UTC; or what is wrong, to tell the admin."""
    match = _WHEN.match(raw.strip())
    if match is None:
        return _("I need a date and a time, like 2026-12-05 18:30.")
    try:
        day = date.fromisoformat("-".join(part.zfill(2) for part in match.group(1).split("-")))
    except ValueError:
        return _("{typed} isn't a date I know — use year-month-day, like 2026-12-05.").format(
            typed=match.group(1)
        )
    hhmm = parse_time_of_day(match.group(2))
    if hhmm is None:
        return _("{typed} isn't a time I know — use 24-hour time, like 18:30.").format(
            typed=match.group(2)
        )
    hours, minutes = (int(part) for part in hhmm.split(":"))
    moment = datetime.combine(day, time(hours, minutes), tzinfo=ZoneInfo(timezone))
    if moment <= now:
        return _("That's in the past — please give a date and time still to come.")
    if moment > now + timedelta(days=731):
        return _("That's more than two years away — please check the year.")
    return moment.astimezone(UTC)


def parse_when_or_repeat(
    raw: str, timezone: str, now: datetime
) -> tuple[datetime, Repeat | None] | str:
    """A date and time, or a repeating rule ("every Tue 19:00") with its first date."""
    if looks_repeating(raw):
        repeat = parse_repeat(raw, timezone, now)
        if isinstance(repeat, str):
            return repeat
        return repeat.first_start(timezone), repeat
    if raw.strip().lower().split()[:1] in (["daily"], ["weekly"], ["monthly"], ["weekdays"]):
        return _(REPEAT_HELP)
    moment = parse_when(raw, timezone, now)
    return moment if isinstance(moment, str) else (moment, None)


def parse_tags(raw: str) -> list[str] | str:
    words = [w.strip().lstrip("#").lower() for w in re.split(r"[,\s]+", raw) if w.strip()]
    if not words or len(words) > TAGS_MAX or not all(_TAG_WORD.match(w) for w in words):
        return _("Tags are up to {count} short words, like: walk, social.").format(count=TAGS_MAX)
    return list(dict.fromkeys(words))


def parse_one_liner(
    raw: str, timezone: str, now: datetime
) -> tuple[EventFields, Repeat | None] | str:
    """`date time | title | place [| description] [| tags: a, b] [| capacity: 20]`, where
    the date and time may be a repeating rule (`every Tue 19:00`)."""
    parts = [part.strip() for part in raw.split("|")]
    if len(parts) < 3:
        return _(ONE_LINER_HELP)
    when_or_repeat = parse_when_or_repeat(parts[0], timezone, now)
    if isinstance(when_or_repeat, str):
        return when_or_repeat
    starts_at, repeat = when_or_repeat
    fields = _one_liner_fields(parts, starts_at)
    return fields if isinstance(fields, str) else (fields, repeat)


def _one_liner_fields(parts: list[str], starts_at: datetime) -> EventFields | str:
    title, place = parts[1], parts[2]
    if not title or len(title) > TITLE_MAX:
        return _("The title should be 1-{max} characters.").format(max=TITLE_MAX)
    if len(place) > PLACE_MAX:
        return _("The place should be at most {max} characters.").format(max=PLACE_MAX)
    fields = EventFields(
        title=title,
        place=place,
        description=None,
        starts_at=starts_at,
        ends_at=None,
        tags=(),
        capacity=None,
    )
    for extra in parts[3:]:
        if not extra:
            continue
        capacity, tags = _CAPACITY.match(extra), _TAGS.match(extra)
        if capacity is not None:
            if not 1 <= int(capacity.group(1)) <= CAPACITY_MAX:
                return _("Capacity should be between 1 and {max}.").format(max=CAPACITY_MAX)
            fields = replace(fields, capacity=int(capacity.group(1)))
        elif tags is not None:
            parsed = parse_tags(tags.group(1))
            if isinstance(parsed, str):
                return parsed
            fields = replace(fields, tags=tuple(parsed))
        elif fields.description is None and len(extra) <= DESCRIPTION_MAX:
            fields = replace(fields, description=extra)
        else:
            return _(
                "I didn't understand {typed}. A description (up to {max} characters) comes "
                "once; then tags: … and capacity: …"
            ).format(typed=repr(extra[:40]), max=DESCRIPTION_MAX)
    return fields


def new_uid(ctx: Context) -> str:
    return f"{ctx.rng.getrandbits(64):016x}@hearthside"


async def create(ctx: Context, fields: EventFields, repeat: Repeat | None = None) -> Event:
    """The event, or with `repeat` the series and its dates (returns the first)."""
    if repeat is not None:
        first = await create_series(
            ctx.tx,
            fields,
            repeat,
            uid=new_uid(ctx),
            timezone=admin_zone(ctx),
            created_by=ctx.member.id if ctx.member is not None else None,
            now=ctx.now,
            config=ctx.config,
        )
        log.info("series_created event=%s series=%s", first.id, first.series_id)
        audit.admin_action(ctx, "series.create", first.series_id)
        return first
    event_id = await ctx.tx.events.create(
        fields,
        uid=new_uid(ctx),
        created_by=ctx.member.id if ctx.member is not None else None,
        now=ctx.now,
    )
    event = await ctx.tx.events.get(event_id)
    assert event is not None
    log.info("event_created event=%s by=%s", event_id, ctx.member.id if ctx.member else None)
    audit.admin_action(ctx, "event.create", event_id)
    return event


def admin_zone(ctx: Context) -> str:
    return ctx.config.default_timezone


async def _posted(ctx: Context, event: Event) -> None:
    repeats = ""
    if event.series_id is not None:
        series = await ctx.tx.events.get_series(event.series_id)
        if series is not None:
            repeats = f"\n{series_line(series)}. " + _(
                "Members can answer one date or say they usually go; /cancelevent can "
                "call off one date or the whole series."
            )
    ctx.say(
        _("Posted:")
        + "\n\n"
        + card(event, admin_zone(ctx), show_id=True)
        + repeats
        + "\n\n"
        + _("Members see it in /events, and members who seem isolated may be invited to it.")
    )


async def new_event(ctx: Context) -> None:
    raw = ctx.input.text.strip()
    if not raw:
        await ctx.ensure_member()
        await ctx.start_flow("newevent")
        return
    parsed = parse_one_liner(raw, admin_zone(ctx), ctx.now)
    if isinstance(parsed, str):
        ctx.say(parsed)
        ctx.remind_open_question()
        return
    await _posted(ctx, await create(ctx, *parsed))


# -- telling the people who said they would go ------------------------------------
async def notify_attendees(
    ctx: Context, event: Event, text_for: Callable[[str], str], *, reschedule: bool = False
) -> int:
    """Message everyone going or maybe, each in their own time zone; with `reschedule`
    their reminders are worked out again (the event moved)."""
    told = 0
    for answer in await ctx.tx.events.attendees(event.id):
        member = await ctx.tx.members.get(answer.member_id)
        if member is None:
            continue
        if reschedule:
            stage, due = next_stage(event, member.timezone, ctx.config, ctx.now)
            await ctx.tx.events.schedule(answer.id, stage, due)
            await refresh_nudge_schedule(ctx.tx, member.id, now=ctx.now, config=ctx.config)
        if member.unreachable_at is not None:
            continue
        with ctx.speaking_to(member):
            text = text_for(member.timezone)
        for account in await ctx.tx.members.accounts_of(member.id):
            ctx.send_to(account, Reply(text))
        told += 1
    return told


def _change_text(event: Event) -> Callable[[str], str]:
    def text(timezone: str) -> str:
        text = (
            _("📣 A change to {title}: it's now {when} — {place}. /events has the details.")
            if event.place
            else _("📣 A change to {title}: it's now {when}. /events has the details.")
        )
        return text.format(
            title=event.title, when=when(event.starts_at, timezone), place=event.place
        )

    return text


async def apply_change(ctx: Context, before: Event, after: Event) -> int:
    """Tell those going about a new time, place or title; move their reminders."""
    moved = before.starts_at != after.starts_at or before.ends_at != after.ends_at
    if not moved and before.place == after.place and before.title == after.title:
        return 0
    return await notify_attendees(ctx, after, _change_text(after), reschedule=moved)


async def cancel_and_notify(ctx: Context, event: Event, *, one_date: bool = False) -> int:
    """Cancel the event (with `one_date`, one date of a series that goes on) and tell
    those going or maybe."""
    await ctx.tx.events.cancel(event.id, now=ctx.now)
    log.info("event_cancelled event=%s", event.id)

    def text(timezone: str) -> str:
        said = (
            _(
                "❌ {title} on {when} has been cancelled, I'm sorry. Just this date: the "
                "others are still on. /events shows what else is on."
            )
            if one_date
            else _(
                "❌ {title} on {when} has been cancelled, I'm sorry. /events shows what else "
                "is on."
            )
        )
        return said.format(title=event.title, when=when(event.starts_at, timezone))

    told = await notify_attendees(ctx, event, text)
    for answer in await ctx.tx.events.attendees(event.id):
        await refresh_nudge_schedule(ctx.tx, answer.member_id, now=ctx.now, config=ctx.config)
    return told


async def cancel_series_and_notify(ctx: Context, series_id: int) -> int:
    """Cancel every coming date of a series; each person who usually goes, or said
    they'd go (or maybe) to any of its dates, is told once."""
    series = await ctx.tx.events.get_series(series_id)
    if series is None:
        return 0
    coming = await ctx.tx.events.occurrences(series_id, after=ctx.now)
    to_tell = set(await ctx.tx.events.series_members(series_id))
    for event in coming:
        to_tell.update(answer.member_id for answer in await ctx.tx.events.attendees(event.id))
        await ctx.tx.events.cancel(event.id, now=ctx.now)
    await ctx.tx.events.cancel_series(series_id, now=ctx.now)
    log.info("series_cancelled series=%s dates=%d", series_id, len(coming))
    told = 0
    for member_id in sorted(to_tell):
        member = await refresh_nudge_schedule(ctx.tx, member_id, now=ctx.now, config=ctx.config)
        if member is None or member.unreachable_at is not None:
            continue
        with ctx.speaking_to(member):
            text = _(
                "❌ {title} ({schedule}) has been cancelled — every date from now on. I'm "
                "sorry. /events shows what else is on."
            ).format(title=series.fields.title, schedule=how_often(series))
        for account in await ctx.tx.members.accounts_of(member_id):
            ctx.send_to(account, Reply(text))
        told += 1
    return told


# -- choosing an event by button -------------------------------------------------
WHICH_TO = {
    "edit": N_("Which event would you like to edit?"),
    "cancel": N_("Which event would you like to cancel?"),
}


async def _pick(ctx: Context, command: str, verb: str) -> None:
    events = await ctx.tx.events.upcoming(
        ctx.now, ctx.now + timedelta(days=PICK_DAYS), limit=PICK_MAX
    )
    if not events:
        ctx.say(_("There are no upcoming events. /newevent posts one."))
        return
    zone = admin_zone(ctx)
    ctx.say(
        _(WHICH_TO[verb]),
        commands=[
            command_choice(
                f"{command} {e.id}", f"#{e.id} {when(e.starts_at, zone)} {e.title}"[:60]
            )
            for e in events
        ],
    )


async def _target(ctx: Context, command: str, verb: str) -> Event | None:
    raw = ctx.input.text.strip()
    if not raw:
        await _pick(ctx, command, verb)
        return None
    event_id = parse_id(raw)
    event = await ctx.tx.events.get(event_id) if event_id else None
    if event is None:
        ctx.say(
            _("I can't find event {typed}. /{command} lists the upcoming ones.").format(
                typed=repr(raw[:20]), command=command
            )
        )
        return None
    if event.is_cancelled:
        ctx.say(_("{title} is already cancelled.").format(title=event.title))
        return None
    if event.starts_at <= ctx.now:
        ctx.say(
            _("{title} has already started, so it can't be changed now.").format(title=event.title)
        )
        return None
    return event


async def edit_event(ctx: Context) -> None:
    event = await _target(ctx, "editevent", "edit")
    if event is None:
        return
    await ctx.ensure_member()
    await ctx.start_flow("editevent")
    EditEvent.data(ctx)["event_id"] = event.id
    series = await ctx.tx.events.get_series(event.series_id) if event.series_id else None
    if series is None or series.is_cancelled:
        EditEvent.menu(ctx, event, lead="")
        return
    day = when(event.starts_at, admin_zone(ctx))
    if series.source != "admin" or series.local_time is None:
        # The calendar or meeting list is where the series lives: its next sync would
        # undo a change made to it here. One date changed here stays as changed.
        EditEvent.menu(
            ctx,
            event,
            lead=_(SOURCE_LEADS.get(series.source, SOURCE_LEADS["import"])).format(
                title=event.title, schedule=how_often(series), day=day
            )
            + "\n\n",
        )
        return
    ctx.ask(
        EditEvent.on_scope,
        _(
            "{title} repeats ({schedule}). Change just {day}, or every coming date of the series?"
        ).format(title=event.title, schedule=how_often(series), day=day),
        [
            Choice("date", _("Just this date"), "📅"),
            Choice("series", _("The whole series"), "🔁"),
        ],
    )


async def cancel_event(ctx: Context) -> None:
    event = await _target(ctx, "cancelevent", "cancel")
    if event is None:
        return
    await ctx.ensure_member()
    await ctx.start_flow("cancelevent")
    CancelEvent.data(ctx)["event_id"] = event.id
    answered = event.going + event.maybe
    series = await ctx.tx.events.get_series(event.series_id) if event.series_id else None
    at = when(event.starts_at, admin_zone(ctx))
    if series is not None and not series.is_cancelled:
        told = (
            ngettext(
                "{count} person said they'd go or maybe; I'll tell them.",
                "{count} people said they'd go or maybe; I'll tell them.",
                answered,
            ).format(count=answered)
            if answered
            else _("nobody has said they'd go yet.")
        )
        ctx.ask(
            CancelEvent.on_confirm,
            _(
                "{title} repeats ({schedule}). Cancel just {when} ({told}), or the whole "
                "series? For the series, I'll tell everyone who said they'd go to any of its "
                "dates."
            ).format(title=event.title, schedule=how_often(series), when=at, told=told),
            [
                Choice("yes", _("Just this date"), "❌"),
                Choice("series", _("The whole series"), "🗑"),
                Choice("no", _("No, keep it")),
            ],
        )
        return
    told = (
        ngettext(
            "{count} person said they'd go or maybe; I'll tell them.",
            "{count} people said they'd go or maybe; I'll tell them.",
            answered,
        ).format(count=answered)
        if answered
        else _("Nobody has said they'd go yet.")
    )
    ctx.ask(
        CancelEvent.on_confirm,
        _("Cancel {title} ({when})?").format(title=event.title, when=at) + " " + told,
        [Choice("yes", _("Yes, cancel it"), "❌"), Choice("no", _("No, keep it"))],
    )


# -- the guided flows ----------------------------------------------------------
def _tags_question(selected: list[str]) -> tuple[str, list[Choice]]:
    choices = [
        Choice(tag, tag_name(tag).capitalize(), "✔️" if tag in selected else "") for tag in TAGS
    ]
    chosen = ", ".join(tag_name(tag) for tag in selected) if selected else _("none yet")
    question = _("Any tags? Choose any, then Done.") + "\n"
    return question + _("Chosen: {tags}").format(tags=chosen), [*choices, translated(DONE)]


class NewEventData(TypedDict, total=False):
    # What `EventFields` holds, as stored (the time as ISO 8601), filled in step by step.
    starts_at: str
    # A repeating event's rule (`Rule.text`), time of day and first date (ISO 8601).
    repeat: list[str]
    title: str
    place: str
    description: str | None
    tags: list[str]
    capacity: int | None


class NewEvent(Flow[NewEventData]):
    """`/newevent` step by step."""

    name = "newevent"
    title = N_("new event")
    timeout: ClassVar[timedelta] = timedelta(hours=2)

    async def begin(self, ctx: Context) -> None:
        ctx.ask(
            self.on_when,
            _(
                "Let's post an event. When is it? A date and time like 2026-12-05 18:30, or "
                "for one that repeats: every Tue 19:00, every other Sat 10:00 or first Fri "
                "19:30 ({zone} time)."
            ).format(zone=timezone_label(admin_zone(ctx))),
            free_text=True,
        )

    async def on_when(self, ctx: Context, answer: Answer) -> None:
        parsed = parse_when_or_repeat(answer.text, admin_zone(ctx), ctx.now)
        if isinstance(parsed, str):
            ctx.reask(parsed)
            return
        starts_at, repeat = parsed
        self.data(ctx)["starts_at"] = starts_at.isoformat()
        if repeat is not None:
            self.data(ctx)["repeat"] = [
                repeat.rule.text(),
                repeat.local_time,
                repeat.first.isoformat(),
            ]
        ctx.ask(self.on_title, _("What is it called? (e.g. Recovery walk)"), free_text=True)

    async def on_title(self, ctx: Context, answer: Answer) -> None:
        title = " ".join(answer.text.split())
        if not title or len(title) > TITLE_MAX:
            ctx.reask(_("Please keep the title to 1-{max} characters.").format(max=TITLE_MAX))
            return
        self.data(ctx)["title"] = title
        ctx.ask(
            self.on_place,
            _("Where is it? An address, a meeting point or a link."),
            free_text=True,
        )

    async def on_place(self, ctx: Context, answer: Answer) -> None:
        place = " ".join(answer.text.split())
        if not place or len(place) > PLACE_MAX:
            ctx.reask(_("Please keep the place to 1-{max} characters.").format(max=PLACE_MAX))
            return
        self.data(ctx)["place"] = place
        ctx.ask(
            self.on_description,
            _("A few words about it, or a link? Type them, or choose Skip."),
            [translated(SKIP)],
            free_text=True,
        )

    async def on_description(self, ctx: Context, answer: Answer) -> None:
        text = answer.text.strip() if answer.choice is None else ""
        if len(text) > DESCRIPTION_MAX:
            ctx.reask(_("Please keep it under {max} characters.").format(max=DESCRIPTION_MAX))
            return
        self.data(ctx)["description"] = text or None
        self.data(ctx)["tags"] = []
        question, choices = _tags_question([])
        ctx.ask(self.on_tags, question, choices, columns=3)

    async def on_tags(self, ctx: Context, answer: Chosen) -> None:
        selected = self.data(ctx)["tags"]
        if answer.choice.value != DONE.value:
            value = answer.choice.value
            selected.remove(value) if value in selected else selected.append(value)
            question, choices = _tags_question(selected)
            ctx.ask(self.on_tags, question, choices, columns=3, in_place=True)
            return
        ctx.ask(
            self.on_capacity,
            _("How many people can come? Type a number, or choose No limit."),
            [Choice("none", _("No limit"))],
            free_text=True,
            numbered=False,  # "1" is a capacity of one, not the first option
        )

    async def on_capacity(self, ctx: Context, answer: Answer) -> None:
        raw = answer.text.strip()
        if answer.choice is None and not (raw.isdecimal() and 1 <= int(raw) <= CAPACITY_MAX):
            ctx.reask(_("A number from 1 to {max}, or No limit.").format(max=CAPACITY_MAX))
            return
        self.data(ctx)["capacity"] = int(raw) if answer.choice is None else None
        preview = Event.unsaved(self._fields(ctx))
        repeat = self._repeat(ctx)
        repeats = (
            "\n"
            + _("🔁 Repeats {schedule} at {time}").format(
                schedule=repeat.rule.describe(), time=repeat.local_time
            )
            if repeat
            else ""
        )
        ctx.ask(
            self.on_confirm,
            _("Post this event?") + "\n\n" + card(preview, admin_zone(ctx)) + repeats,
            [Choice("post", _("Post it"), "✅"), Choice("cancel", _("Cancel"))],
        )

    async def on_confirm(self, ctx: Context, answer: Chosen) -> None:
        fields, repeat = self._fields(ctx), self._repeat(ctx)
        ctx.finish()
        if answer.choice.value != "post":
            ctx.say(_("Okay, nothing was posted."))
            return
        if repeat is not None and fields.starts_at <= ctx.now:
            # The first date passed while the admin was answering: start from the next.
            zone = admin_zone(ctx)
            again = replace(
                repeat, first=first_date(repeat.rule, repeat.local_time, zone, ctx.now)
            )
            fields, repeat = replace(fields, starts_at=again.first_start(admin_zone(ctx))), again
        if fields.starts_at <= ctx.now:
            ctx.say(_("That time has passed meanwhile, so nothing was posted. /newevent again?"))
            return
        await _posted(ctx, await create(ctx, fields, repeat))

    @staticmethod
    def _repeat(ctx: Context) -> Repeat | None:
        stored = NewEvent.data(ctx).get("repeat")
        if not stored:
            return None
        rule, local_time, first = stored
        return Repeat(Rule.parse(rule), local_time, date.fromisoformat(first))

    @staticmethod
    def _fields(ctx: Context) -> EventFields:
        data = NewEvent.data(ctx)
        return EventFields(
            title=data["title"],
            place=data["place"],
            description=data.get("description"),
            starts_at=datetime.fromisoformat(data["starts_at"]),
            ends_at=None,
            tags=tuple(data.get("tags", [])),
            capacity=data.get("capacity"),
        )


FIELDS = (
    Choice("when", N_("Date and time"), "📅"),
    Choice("title", N_("Title"), "✏️"),
    Choice("place", N_("Place"), "📍"),
    Choice("description", N_("Description"), "📝"),
    Choice("tags", N_("Tags"), "🏷"),
    Choice("capacity", N_("Capacity"), "👥"),
    DONE,
)
FIELD_NAMES = {
    "when": N_("date and time"),
    "title": N_("title"),
    "place": N_("place"),
    "description": N_("description"),
    "tags": N_("tags"),
    "capacity": N_("capacity"),
}
PROMPTS = {
    "when": N_("The new date and time, like 2026-12-05 18:30 ({zone} time)?"),
    "title": N_("The new title?"),
    "place": N_("The new place?"),
    "description": N_("The new description or link (or - to remove it)?"),
    "tags": N_("The tags, comma-separated, like: walk, social (or - for none)?"),
    "capacity": N_("How many people can come? A number, or - for no limit."),
}
# A detail's new value as the session keeps it: the time as ISO 8601, tags as a list.
Change = str | int | list[str] | None


# A series from elsewhere: where a change to the whole series belongs.
SOURCE_LEADS = {
    "ics": N_(
        "{title} repeats ({schedule}) and comes from an imported calendar, so a change to "
        "the whole series belongs there. Here I can change the date of {day} on its own."
    ),
    "feed": N_(
        "{title} repeats ({schedule}) and comes from a meeting list (MEETING_FEEDS), so a "
        "change to the whole series belongs there. Here I can change the date of {day} on "
        "its own."
    ),
    "import": N_(
        "{title} repeats ({schedule}) and comes from an import, so a change to the whole "
        "series belongs there. Here I can change the date of {day} on its own."
    ),
}
SERIES_WHEN = N_(
    "The new time of day, like 19:30 ({zone} time)? It keeps meeting on the same days; to "
    "change the days, cancel the series with /cancelevent and post it again."
)


SERIES_GONE = N_("That series has been cancelled meanwhile, so nothing was changed.")


class EditEventData(TypedDict, total=False):
    event_id: int
    # Set when the whole series is being changed (from the date `event_id` onwards),
    # with the series' own zone, the one its time of day is in.
    series_id: int
    series_zone: str
    field: str  # the detail being changed, a value of FIELDS
    # What has been changed and not yet saved, by detail: Done saves it all at once.
    changes: dict[str, Change]


def with_changes(
    fields: EventFields, changes: dict[str, Change], *, zone: str = "UTC"
) -> EventFields:
    """An event's details with the session's changes applied. A series' new time of day
    ("19:30", in the series' `zone`) moves the date to that time and keeps its length."""
    for name, value in changes.items():
        if name == "when":
            assert isinstance(value, str)
            if _TIME_OF_DAY.fullmatch(value):
                day = fields.starts_at.astimezone(ZoneInfo(zone)).date()
                starts_at = local_start(day, value, zone)
                length = fields.ends_at - fields.starts_at if fields.ends_at else None
                ends_at = None if length is None else starts_at + length
                fields = replace(fields, starts_at=starts_at, ends_at=ends_at)
            else:
                fields = replace(fields, starts_at=datetime.fromisoformat(value), ends_at=None)
        elif name == "title":
            assert isinstance(value, str)
            fields = replace(fields, title=value)
        elif name == "place":
            assert isinstance(value, str)
            fields = replace(fields, place=value)
        elif name == "description":
            assert value is None or isinstance(value, str)
            fields = replace(fields, description=value)
        elif name == "tags":
            assert isinstance(value, list)
            fields = replace(fields, tags=tuple(value))
        elif name == "capacity":
            assert value is None or isinstance(value, int)
            fields = replace(fields, capacity=value)
    return fields


async def _save_series(ctx: Context, series_id: int, changes: dict[str, Change]) -> None:
    """Save an edit of a whole series: its own details, then every coming date not
    changed on its own; each person going to any date changed is told once."""
    series = await ctx.tx.events.get_series(series_id)
    if series is None or series.is_cancelled or series.rule is None:
        ctx.say(_(SERIES_GONE))
        return
    local_time = changes.get("when", series.local_time)
    assert isinstance(local_time, str)
    details = {name: value for name, value in changes.items() if name != "when"}
    await ctx.tx.events.update_series(
        series.id,
        with_changes(series.fields, details),
        timezone=series.timezone,
        rule=series.rule,
        local_time=local_time,
        length_minutes=series.length_minutes,
        first_date=series.first_date,
        now=ctx.now,
        ical=series.ical,
        source_updated=series.source_updated,
    )
    fresh = await ctx.tx.events.get_series(series.id)
    assert fresh is not None
    zone = ZoneInfo(series.timezone)
    news, dates = SeriesNews(), 0
    for event in await ctx.tx.events.occurrences(series.id, after=ctx.now):
        if event.detached:
            continue
        day = (event.occurrence or event.starts_at).astimezone(zone).date()
        start = local_start(day, local_time, series.timezone)
        if start <= ctx.now:  # an earlier time today that has passed: this date stays
            continue
        fields = occurrence_fields(fresh, start)
        if "capacity" not in changes:
            fields = replace(fields, capacity=event.capacity)
        if fields == event.fields:
            continue
        after, going, moved = await change_date(ctx, event, fields)
        dates += 1
        if moved or (event.place, event.title) != (after.place, after.title):
            news.add(news.changed, going, after)
    told = await news.tell(ctx, before=series)
    log.info(
        "series_edited series=%s fields=%s dates=%d told=%d",
        series.id,
        ",".join(changes),
        dates,
        told,
    )
    audit.admin_action(ctx, "series.edit", series.id)
    said = [
        ngettext(
            "Saved for the whole series ({count} coming date changed).",
            "Saved for the whole series ({count} coming dates changed).",
            dates,
        ).format(count=dates)
    ]
    if told:
        said.append(
            ngettext(
                "I've told the {count} person going to any of them, once each.",
                "I've told the {count} people going to any of them, once each.",
                told,
            ).format(count=told)
        )
    said.append(_(SHOWN_IN_EVENTS))
    ctx.say(" ".join(said))


SHOWN_IN_EVENTS = N_("/events shows it as members see it.")


class EditEvent(Flow[EditEventData]):
    """`/editevent <id>`: change any details, then Done saves them; those going are told
    once."""

    name = "editevent"
    title = N_("event edit")
    timeout: ClassVar[timedelta] = timedelta(hours=1)

    async def begin(self, ctx: Context) -> None:
        pass  # edit_event asks the first question once the event is known

    @staticmethod
    def menu(ctx: Context, event: Event, *, lead: str) -> None:
        data = EditEvent.data(ctx)
        changes = data.get("changes", {})
        whole = "series_id" in data
        footer = (
            _(
                "Changing every coming date of the series (a date changed on its own keeps "
                "its own details). What would you like to change?"
            )
            if whole
            else _("What would you like to change?")
        )
        if changes:
            draft = with_changes(event.fields, changes, zone=data.get("series_zone", "UTC"))
            details = {f.name: getattr(draft, f.name) for f in dataclasses.fields(draft)}
            event = replace(event, **details)
            changed = ", ".join(_(FIELD_NAMES[name]) for name in changes)
            tell = event.going + event.maybe
            if whole:
                saves = _(
                    "Changed, not saved yet: {changed}. Done saves the changes for every "
                    "coming date and tells each person going to any of them, once; /cancel "
                    "leaves the series as it was."
                )
            elif tell:
                saves = ngettext(
                    "Changed, not saved yet: {changed}. Done saves the changes and tells the "
                    "{count} person going or maybe, once; /cancel leaves the event as it was.",
                    "Changed, not saved yet: {changed}. Done saves the changes and tells the "
                    "{count} people going or maybe, once; /cancel leaves the event as it was.",
                    tell,
                )
            else:
                saves = _(
                    "Changed, not saved yet: {changed}. Done saves the changes; /cancel "
                    "leaves the event as it was."
                )
            footer = (
                saves.format(changed=changed, count=tell) + "\n\n" + _("Anything else to change?")
            )
        shown = card(event, admin_zone(ctx), show_id=True)
        ctx.ask(
            EditEvent.on_field,
            f"{lead}{shown}\n\n{footer}",
            [translated(choice) for choice in FIELDS],
            columns=2,
        )

    async def on_scope(self, ctx: Context, answer: Chosen) -> None:
        event = await self._event(ctx)
        if event is None:
            return
        series = await ctx.tx.events.get_series(event.series_id) if event.series_id else None
        if answer.choice.value == "series":
            if series is None or series.is_cancelled:
                ctx.finish()
                ctx.say(_(SERIES_GONE))
                return
            self.data(ctx)["series_id"] = series.id
            self.data(ctx)["series_zone"] = series.timezone
        self.menu(ctx, event, lead="")

    async def _event(self, ctx: Context) -> Event | None:
        event = await ctx.tx.events.get(int(self.data(ctx)["event_id"]))
        if event is None or event.is_cancelled:
            ctx.finish()
            ctx.say(_("That event is gone or cancelled now, so nothing was changed."))
            return None
        return event

    async def cancelled(self, ctx: Context) -> str:
        # Changes are held until Done saves them all, so stopping keeps none of them.
        return _(
            "Okay, I've stopped your event edit. Nothing from it was saved. The event is as "
            "it was."
        )

    async def on_field(self, ctx: Context, answer: Chosen) -> None:
        if answer.choice.value == DONE.value:
            await self._save(ctx)
            return
        data = self.data(ctx)
        data["field"] = answer.choice.value
        if answer.choice.value == "when" and "series_zone" in data:
            prompt = _(SERIES_WHEN).format(zone=timezone_label(data["series_zone"]))
        else:
            prompt = _(PROMPTS[answer.choice.value]).format(zone=timezone_label(admin_zone(ctx)))
        ctx.ask(self.on_value, prompt, free_text=True)

    async def on_value(self, ctx: Context, answer: Answer) -> None:
        event = await self._event(ctx)
        if event is None:
            return
        field = self.data(ctx)["field"]
        value = self._parse(ctx, field, answer.text.strip())
        if isinstance(value, Problem):
            ctx.reask(value.text)
            return
        self.data(ctx).setdefault("changes", {})[field] = value
        self.menu(ctx, event, lead="")

    async def _save(self, ctx: Context) -> None:
        changes = self.data(ctx).get("changes", {})
        if not changes:
            ctx.finish()
            ctx.say(_("Nothing was changed.") + " " + _(SHOWN_IN_EVENTS))
            return
        before = await self._event(ctx)
        if before is None:
            return
        series_id = self.data(ctx).get("series_id")
        ctx.finish()
        if series_id is not None:
            await _save_series(ctx, series_id, changes)
            return
        if before.starts_at <= ctx.now:
            ctx.say(
                _("{title} has started meanwhile, so nothing was changed.").format(
                    title=before.title
                )
            )
            return
        fields = with_changes(before.fields, changes)
        if fields.starts_at <= ctx.now:
            ctx.say(_("That new time has passed meanwhile, so nothing was changed. /editevent?"))
            return
        # One date of a series, changed here, keeps its own details from now on.
        await ctx.tx.events.update(
            before.id, fields, now=ctx.now, detach=before.series_id is not None
        )
        after = await ctx.tx.events.get(before.id)
        assert after is not None
        told = await apply_change(ctx, before, after)
        log.info("event_edited event=%s fields=%s told=%d", before.id, ",".join(changes), told)
        audit.admin_action(ctx, "event.edit", before.id)
        said = [_("Saved.")]
        if told:
            said.append(
                ngettext(
                    "I've told the {count} person going or maybe.",
                    "I've told the {count} people going or maybe.",
                    told,
                ).format(count=told)
            )
        said.append(_(SHOWN_IN_EVENTS))
        ctx.say(" ".join(said))

    @staticmethod
    def _parse(ctx: Context, name: str, raw: str) -> "Change | Problem":
        """The new value of detail `name`, or what is wrong with it."""
        if name == "when" and "series_zone" in EditEvent.data(ctx):
            local_time = parse_time_of_day(raw)
            if local_time is None:
                return Problem(_("Please send a time of day, like 19:30 or 7pm."))
            return local_time
        if name == "when":
            parsed = parse_when(raw, admin_zone(ctx), ctx.now)
            return Problem(parsed) if isinstance(parsed, str) else parsed.isoformat()
        if name in ("title", "place"):
            limit = TITLE_MAX if name == "title" else PLACE_MAX
            text = " ".join(raw.split())
            if not text or len(text) > limit:
                return Problem(_("Please keep it to 1-{max} characters.").format(max=limit))
            return text
        if name == "description":
            if len(raw) > DESCRIPTION_MAX:
                return Problem(
                    _("Please keep it under {max} characters.").format(max=DESCRIPTION_MAX)
                )
            return None if raw in ("", "-") else raw
        if name == "tags":
            new_tags = [] if raw in ("", "-") else parse_tags(raw)
            return Problem(new_tags) if isinstance(new_tags, str) else new_tags
        if raw == "-":
            return None
        if raw.isdecimal() and 1 <= int(raw) <= CAPACITY_MAX:
            return int(raw)
        return Problem(_("A number from 1 to {max}, or - for no limit.").format(max=CAPACITY_MAX))


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong with a typed value, to say before asking again."""

    text: str


class CancelEventData(TypedDict, total=False):
    event_id: int


class CancelEvent(Flow[CancelEventData]):
    """`/cancelevent <id>`: confirm, cancel, and tell those going."""

    name = "cancelevent"
    title = N_("event cancellation")
    timeout: ClassVar[timedelta] = timedelta(hours=1)

    async def begin(self, ctx: Context) -> None:
        pass  # cancel_event asks once the event is known

    async def on_confirm(self, ctx: Context, answer: Chosen) -> None:
        event = await ctx.tx.events.get(int(self.data(ctx)["event_id"]))
        ctx.finish()
        if answer.choice.value not in ("yes", "series") or event is None:
            ctx.say(_("Okay, the event stays on."))
            return
        if answer.choice.value == "series" and event.series_id is not None:
            told = await cancel_series_and_notify(ctx, event.series_id)
            audit.admin_action(ctx, "series.cancel", event.series_id)
            said = _("Cancelled every coming date of {title}.").format(title=event.title)
            if told:
                said += " " + ngettext(
                    "I've told the {count} person who said they'd go.",
                    "I've told the {count} people who said they'd go.",
                    told,
                ).format(count=told)
            ctx.say(said)
            return
        if event.is_cancelled:
            ctx.say(_("{title} was already cancelled.").format(title=event.title))
            return
        told = await cancel_and_notify(ctx, event, one_date=event.series_id is not None)
        audit.admin_action(ctx, "event.cancel", event.id)
        said = _("Cancelled {title}.").format(title=event.title)
        if told:
            said += " " + ngettext(
                "I've told the {count} person who said they'd go or maybe.",
                "I've told the {count} people who said they'd go or maybe.",
                told,
            ).format(count=told)
        ctx.say(said)


EVENT_ADMIN_COMMANDS = (
    Command(
        "newevent",
        N_("post a community event"),
        new_event,
        audience=Audience.ADMIN,
        audits=("event.create", "series.create"),
    ),
    Command(
        "editevent",
        N_("change an event (those going are told)"),
        edit_event,
        audience=Audience.ADMIN,
        audits=("event.edit", "series.edit"),
    ),
    Command(
        "cancelevent",
        N_("cancel an event (those going are told)"),
        cancel_event,
        audience=Audience.ADMIN,
        audits=("event.cancel", "series.cancel"),
    ),
)
