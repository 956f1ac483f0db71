"""Repeating events: the rules admins and feeds give ("every Tue 19:00", "every other Sat
10:00", "first Fri 19:30"), their occurrences over a rolling horizon, and "I usually go".

A series keeps its rule and details (`event_series`); its occurrences are ordinary events
for the next `HORIZON`, so answers, reminders, "did you make it?", the isolation rule and
nudges work per occurrence unchanged. Each occurrence is at the rule's wall-clock time
in the series' own zone (zoneinfo), so 19:00 stays 19:00 across a daylight-saving
change. The sweep's step (`extend_series`) makes the next dates once a day, from the
indexed `expanded_until`; an .ics series is expanded from its file's own rules
(calendar_import.py), in the CPU-capped reading process.
"""

import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flows.community.reminders import next_stage
from flows.core.config import FlowConfig
from flows.core.language import N_, _, format_weekday, ngettext
from flows.core.parsing import parse_time_of_day
from storage import Event, EventFields, EventSeries, Transaction

log = logging.getLogger(__name__)

# Occurrences exist this far ahead: enough for /events (two weeks), suggestions and
# reminders, few enough that a community with hundreds of weekly meetings stays small.
HORIZON = timedelta(days=56)
# The sweep makes the next dates once this much of the horizon has passed.
EXTEND_SLACK = timedelta(days=1)
# The weekdays an admin may type, by their first three letters (accents taken off), in
# English and in Spanish: "every Tue 19:00", "cada martes 19:00". Shown to people, a
# weekday is written by Babel in the language being spoken (`weekday_name`).
_DAY_WORDS = {
    **{
        word: index for index, word in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    },
    **{
        word: index for index, word in enumerate(("lun", "mar", "mie", "jue", "vie", "sab", "dom"))
    },
}
_A_MONDAY = date(2024, 1, 1)
_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "last": -1,
    "primer": 1,
    "primero": 1,
    "segundo": 2,
    "tercer": 3,
    "tercero": 3,
    "cuarto": 4,
    "ultimo": -1,
}
# "every", "each" and "cada" start a weekly rule; "other" (or "cada dos") every other week.
_EVERY = ("every", "each", "cada")
_OTHER = ("other", "dos", "otro")
# Words read past: "every Mon and Thu at 18:30", "cada lunes y jueves a las 18:30".
_FILLERS = ("and", "at", "y", "a", "las", "el", "los")
_MONTHLY = {
    1: N_("the first {day} of each month"),
    2: N_("the second {day} of each month"),
    3: N_("the third {day} of each month"),
    4: N_("the fourth {day} of each month"),
    -1: N_("the last {day} of each month"),
}
REPEAT_HELP = N_(
    "I can repeat an event weekly, every other week, or monthly on a weekday — for "
    "example: every Tue 19:00, every other Sat 10:00, every Mon and Thu 18:30, "
    "first Fri 19:30 or last Sun 11:00."
)


def weekday_name(day: int) -> str:
    """A weekday (0 = Monday) in the language being spoken: "Tuesday", "martes"."""
    return format_weekday(_A_MONDAY + timedelta(days=day))


@dataclass(frozen=True, slots=True)
class Rule:
    """Weekly on some weekdays every `interval` weeks, or monthly on the `nth` weekday
    (-1 = the last). Weekdays as Python counts them: 0 = Monday."""

    kind: str  # "weekly" or "monthly"
    days: tuple[int, ...]
    interval: int = 1
    nth: int = 0

    def text(self) -> str:
        """As stored: "weekly 2 1,5" or "monthly -1 6"."""
        days = ",".join(str(day) for day in self.days)
        return (
            f"weekly {self.interval} {days}"
            if self.kind == "weekly"
            else (f"monthly {self.nth} {days}")
        )

    @classmethod
    def parse(cls, text: str) -> "Rule":
        kind, number, days = text.split()
        weekdays = tuple(int(day) for day in days.split(","))
        if kind == "weekly":
            return cls("weekly", weekdays, interval=int(number))
        return cls("monthly", weekdays, nth=int(number))

    def describe(self) -> str:
        """ "every Tuesday", "every other Saturday", "the first Friday of the month"."""
        names = [weekday_name(day) for day in self.days]
        listed = (
            names[0]
            if len(names) == 1
            else _("{days} and {last}").format(days=", ".join(names[:-1]), last=names[-1])
        )
        if self.kind == "monthly":
            return _(_MONTHLY[self.nth]).format(day=listed)
        if self.interval == 2:
            return _("every other {days}").format(days=listed)
        if self.interval > 2:
            return ngettext(
                "every {count} week on {days}", "every {count} weeks on {days}", self.interval
            ).format(count=self.interval, days=listed)
        return _("every {days}").format(days=listed)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    first = date(year, month, 1)
    if nth > 0:
        day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
        return day if day.month == month else None
    following = date(year + month // 12, month % 12 + 1, 1)
    last = following - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def rule_dates(rule: Rule, first: date, start: date, end: date) -> Iterator[date]:
    """The local dates the rule gives in [start, end], none before `first`."""
    start = max(start, first)
    if rule.kind == "weekly":
        day = start
        while day <= end:
            weeks = (_monday(day) - _monday(first)).days // 7
            if day.weekday() in rule.days and weeks % rule.interval == 0:
                yield day
            day += timedelta(days=1)
        return
    year, month = start.year, start.month
    while date(year, month, 1) <= end:
        for weekday in rule.days:
            found = _nth_weekday(year, month, weekday, rule.nth)
            if found is not None and start <= found <= end:
                yield found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def local_start(day: date, local_time: str, timezone: str) -> datetime:
    """A wall-clock time on a local date, in UTC (a time skipped by a daylight-saving
    change is read as the clock before it, i.e. an hour later)."""
    hours, minutes = (int(part) for part in local_time.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def occurrence_starts(
    rule: Rule, *, first: date, local_time: str, timezone: str, after: datetime, until: datetime
) -> list[datetime]:
    """The occurrences' starts (UTC) in (after, until]."""
    zone = ZoneInfo(timezone)
    start, end = after.astimezone(zone).date(), until.astimezone(zone).date()
    found = []
    for day in rule_dates(rule, first, start, end):
        moment = local_start(day, local_time, timezone)
        if after < moment <= until:
            found.append(moment)
    return found


# -- the one-liner's "when" -------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Repeat:
    """A repeating "when", as an admin typed it: the rule, its time and first date."""

    rule: Rule
    local_time: str
    first: date

    def first_start(self, timezone: str) -> datetime:
        return local_start(self.first, self.local_time, timezone)


_REPEAT_START = re.compile(
    r"^(every|each|first|second|third|fourth|last|1st|2nd|3rd|4th"
    r"|cada|primer|primero|segundo|tercer|tercero|cuarto|ultimo)\b",
    re.IGNORECASE,
)


def _unaccented(text: str) -> str:
    """ "miércoles" → "miercoles", "último" → "ultimo": as the rule's words are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def looks_repeating(raw: str) -> bool:
    words = _unaccented(raw.strip())
    if words.lower().startswith("el "):  # "el primer viernes 19:30"
        words = words[3:].lstrip()
    return _REPEAT_START.match(words) is not None


def _day(word: str) -> int | None:
    return _DAY_WORDS.get(word[:3].lower()) if len(word) >= 3 else None


def parse_repeat(raw: str, timezone: str, now: datetime) -> Repeat | str:
    """'every Tue 19:00', 'every other Sat 10am', 'first Fri 19:30': the rule, with its
    first date still to come; or what is wrong, to tell the admin."""
    typed = _unaccented(raw.strip()).lower()
    words = [w for w in re.split(r"[\s,]+", typed) if w and w not in _FILLERS]
    weekly = bool(words) and words[0] in _EVERY
    if weekly:
        words = words[1:]
    interval, nth = 1, 0
    if words and words[0] in ("other", "second") and len(words) > 1 and _day(words[1]) is None:
        return _(REPEAT_HELP)
    if words and (words[0] == "other" or (weekly and words[0] in _OTHER)):
        interval, words = 2, words[1:]
    elif words and words[0] in _ORDINALS:
        nth, words = _ORDINALS[words[0]], words[1:]
    days: list[int] = []
    while words and _day(words[0]) is not None:
        day = _day(words[0])
        assert day is not None
        if day not in days:
            days.append(day)
        words = words[1:]
    if not days:
        return _("I couldn't tell which day of the week.") + " " + _(REPEAT_HELP)
    if nth and len(days) > 1:
        return _("A monthly event is on one weekday, like first Fri 19:30.")
    if len(words) != 1:
        return _("I need one time after the day, like every Tue 19:00.") + " " + _(REPEAT_HELP)
    hhmm = parse_time_of_day(words[0])
    if hhmm is None:
        return _("{typed} isn't a time I know — use 24-hour time, like 19:00.").format(
            typed=words[0]
        )
    rule = (
        Rule("monthly", tuple(days), nth=nth)
        if nth
        else Rule("weekly", tuple(sorted(days)), interval=interval)
    )
    return Repeat(rule=rule, local_time=hhmm, first=first_date(rule, hhmm, timezone, now))


def first_date(rule: Rule, local_time: str, timezone: str, now: datetime) -> date:
    """The rule's first local date whose time is still to come."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    # Every other week counts from the first date, so any matching weekday can be it.
    search = replace(rule, interval=1)
    for day in rule_dates(search, today, today, today + timedelta(days=62)):
        if local_start(day, local_time, timezone) > now:
            return day
    raise AssertionError("every rule meets within two months")


# -- occurrences ------------------------------------------------------------------
def occurrence_uid(series_uid: str, occurrence: datetime) -> str:
    return f"{series_uid}#{occurrence.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def occurrence_fields(series: EventSeries, starts_at: datetime) -> EventFields:
    length = series.length_minutes
    fields: EventFields = replace(
        series.fields,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=length) if length else None,
    )
    return fields


async def add_occurrence(
    tx: Transaction,
    series: EventSeries,
    occurrence: datetime,
    fields: EventFields,
    *,
    now: datetime,
    config: FlowConfig,
) -> Event | None:
    """One date of the series, answered "going" for those who usually go; None if the
    series already has that date (it may have been moved or cancelled on its own)."""
    event_id = await tx.events.add_occurrence(
        series.id, occurrence, fields, uid=occurrence_uid(series.uid, occurrence), now=now
    )
    if event_id is None:
        return None
    event = await tx.events.get(event_id)
    assert event is not None
    for member_id in await tx.events.series_members(series.id):
        await answer_date_for_series(tx, event, member_id, now=now, config=config)
    return event


async def answer_date_for_series(
    tx: Transaction, event: Event, member_id: int, *, now: datetime, config: FlowConfig
) -> bool:
    """ "Going" to this date because the member usually goes (never over their own answer,
    nor past a full date), with its reminders."""
    if event.is_cancelled or event.starts_at <= now:
        return False
    if event.capacity is not None and event.going >= event.capacity:
        return False
    member = await tx.members.get(member_id)
    if member is None:
        return False
    stage, due = next_stage(event, member.timezone, config, now)
    return await tx.events.answer_from_series(
        event.id, member_id, now=now, stage=stage, due_at=due
    )


async def expand(
    tx: Transaction, series: EventSeries, *, now: datetime, config: FlowConfig
) -> list[Event]:
    """Make a rule's dates up to the horizon; returns the new occurrences."""
    until = now + HORIZON
    made: list[Event] = []
    if series.rule is not None and series.local_time is not None and series.first_date:
        starts = occurrence_starts(
            Rule.parse(series.rule),
            first=series.first_date,
            local_time=series.local_time,
            timezone=series.timezone,
            after=max(now, series.expanded_until),
            until=until,
        )
        for start in starts:
            event = await add_occurrence(
                tx, series, start, occurrence_fields(series, start), now=now, config=config
            )
            if event is not None:
                made.append(event)
    await tx.events.set_expanded(series.id, until)
    return made


async def create_series(
    tx: Transaction,
    fields: EventFields,
    repeat: Repeat,
    *,
    uid: str,
    timezone: str,
    created_by: int | None,
    now: datetime,
    config: FlowConfig,
    length_minutes: int | None = None,
) -> Event:
    """A series posted here and its dates over the horizon; returns its first date."""
    series_id = await tx.events.create_series(
        fields,
        uid=uid,
        source="admin",
        timezone=timezone,
        rule=repeat.rule.text(),
        local_time=repeat.local_time,
        length_minutes=length_minutes,
        first_date=repeat.first,
        expanded_until=now,
        created_by=created_by,
        now=now,
    )
    series = await tx.events.get_series(series_id)
    assert series is not None
    made = await expand(tx, series, now=now, config=config)
    return made[0]


def describe(series: EventSeries) -> str:
    """ "every Tuesday at 19:00 (Europe/London)", or "repeating" for an .ics rule."""
    if series.rule is None or series.local_time is None:
        return _("repeating")
    return _("{schedule} at {time}").format(
        schedule=Rule.parse(series.rule).describe(), time=series.local_time
    )
