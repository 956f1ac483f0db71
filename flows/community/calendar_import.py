"""Importing events from an admin's iCalendar (.ics) file, with the icalendar library.

Future events are added, or updated by UID (those going are told of a new time or
place); an event marked CANCELLED cancels the one imported before. A repeating event
(RRULE, RDATE, EXDATE, and RECURRENCE-ID overrides that move or cancel one date) becomes
a series: recurring-ical-events expands it over the rolling horizon (series.py), and the
sweep expands it again as the horizon rolls on, from the file's own rules kept with the
series. Events already started and all-day events are skipped and counted. A file that
cannot be read changes nothing and gets a clear answer.

Reading a file is the channel's part, before anything is stored: only an admin's file
is fetched at all (`may_import_calendar`, one read), and it is parsed in a separate
process with a size and CPU-time budget (`read_calendar_within`), so a crafted file
can neither stall the bot's event loop nor hold the database's transaction. The
engine's transaction then only applies the parsed events (`on_calendar_file`).
"""

import asyncio
import hashlib
import logging
import multiprocessing
import re
import signal
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from multiprocessing.connection import Connection
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from flows.community.admin import (
    DESCRIPTION_MAX,
    PLACE_MAX,
    TAGS_MAX,
    TITLE_MAX,
    apply_change,
    cancel_and_notify,
    cancel_series_and_notify,
)
from flows.community.series import HORIZON, add_occurrence, occurrence_uid
from flows.core import audit
from flows.core.context import Context
from flows.core.engine import Engine
from flows.core.language import N_, _, ngettext
from flows.core.local_time import when
from storage import Account, EventFields, EventSeries

log = logging.getLogger(__name__)

MAX_EVENTS = 500
# A series with more dates than this in the horizon (hourly, say) is not one to list.
MAX_DATES = 120
MAX_LENGTH = timedelta(days=2)
# As /newevent: further ahead than this is most likely a wrong year.
MAX_AHEAD = timedelta(days=731)


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    uid: str
    fields: EventFields  # times in UTC; a file says nothing of capacity (None)
    cancelled: bool


@dataclass(frozen=True, slots=True)
class CalendarOccurrence:
    occurrence: datetime  # its RECURRENCE-ID (UTC): which date of the series it is
    fields: EventFields
    cancelled: bool
    moved: bool  # an override: its own time or details


@dataclass(frozen=True, slots=True)
class CalendarSeries:
    uid: str
    fields: EventFields  # the first date's
    timezone: str
    ical: str  # the series' VEVENTs (and their zones), to expand again later
    occurrences: list[CalendarOccurrence]
    cancelled: bool
    how_often: str  # "weekly", from the rule, for the admin's summary


@dataclass(slots=True)
class CalendarFile:
    events: list[CalendarEvent] = field(default_factory=list)
    series: list[CalendarSeries] = field(default_factory=list)
    past: int = 0
    too_far: int = 0
    all_day: int = 0
    repeating: int = 0  # too often to list as dates (more than MAX_DATES in the horizon)
    unreadable: int = 0


def _text(value: object, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


def _aware(moment: datetime, timezone: str) -> datetime:
    """UTC; a "floating" time (no zone) is taken in the deployment's zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.astimezone(UTC)


def _tags(component: icalendar.Event) -> tuple[str, ...]:
    words = []
    for category in component.categories:
        word = "".join(ch for ch in str(category).strip().lower() if ch.isalnum() or ch == "-")
        if word and len(word) <= 24:
            words.append(word)
    return tuple(dict.fromkeys(words))[:TAGS_MAX]


def is_calendar_file(file_name: str, mime_type: str) -> bool:
    return file_name.lower().endswith(".ics") or mime_type == "text/calendar"


async def may_import_calendar(engine: Engine, account: Account) -> bool:
    """Whether this account's calendar files are read (an admin's): one read, no
    transaction, so nobody else's file is ever fetched."""
    if f"{account.channel}:{account.external_id}" in engine.config.admins:
        return True
    async with engine.db.single_statement() as tx:
        member = await tx.members.find_by_account(account)
    return member is not None and member.is_admin


# Why a file can't be read. The reason is made where the file is read (a channel, or the
# reading process), in English; `reason_text` says it in the admin's language when they
# are told, by finding which of these it is and what was put in it.
TOO_BIG = N_("it is larger than {size} KB — please send fewer events at a time")
TOO_SLOW = N_("it took too long to read — please send fewer events at a time")
UNREADABLE = N_("it isn't an iCalendar file I can read")
NOT_ICALENDAR = N_("it isn't an iCalendar file")
NO_EVENTS = N_("it has no events in it")
TOO_MANY = N_("it has more than {count} events — please send fewer at a time")
REASONS = (TOO_BIG, TOO_SLOW, UNREADABLE, NOT_ICALENDAR, NO_EVENTS, TOO_MANY)
_PLACEHOLDER = re.compile(r"(\{[a-z_]+\})")


def too_big(max_bytes: int) -> str:
    """Why a file over the size budget is not read."""
    return TOO_BIG.format(size=max_bytes // 1024)


def _pattern(template: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(template)
    return re.compile(
        "".join(
            f"(?P<{part[1:-1]}>.+?)" if index % 2 else re.escape(part)
            for index, part in enumerate(parts)
        )
    )


def reason_text(reason: str, templates: tuple[str, ...] = REASONS) -> str:
    """A reason made in English (one of `templates`, filled in), in the language being
    spoken; one that is none of them is left as it came."""
    for template in templates:
        found = _pattern(template).fullmatch(reason)
        if found is not None:
            return _(template).format(**found.groupdict())
    return reason


# Start-up of the reading process (a fresh interpreter) is not counted in its CPU budget,
# but a process that never answers is stopped after this much more.
_START_ALLOWANCE_SECONDS = 20.0
# What the kernel sends a process whose CPU timer (ITIMER_VIRTUAL) runs out: it ends it.
_CPU_TIMER_SIGNAL = getattr(signal, "SIGVTALRM", 26)


async def read_calendar_within(
    data: bytes, *, timezone: str, now: datetime, max_bytes: int, cpu_seconds: float
) -> CalendarFile | str:
    """`read_calendar` in a separate process, which is stopped after `cpu_seconds` of
    parsing; the events, or why the file can't be read."""
    if len(data) > max_bytes:
        return too_big(max_bytes)
    result = await asyncio.to_thread(
        run_capped, _read_job, (data, timezone, now), cpu_seconds=cpu_seconds
    )
    return result if isinstance(result, CalendarFile | str) else UNREADABLE


# An .ics series to expand again: its id, its VEVENTs, and the deployment's zone for
# floating times.
SeriesText = tuple[int, str, str]


async def expand_series_within(
    items: list[SeriesText], *, after: datetime, until: datetime, cpu_seconds: float
) -> dict[int, list[CalendarOccurrence] | None] | str:
    """`expand_ical` for each series, in the same kind of capped process as a file is
    read in: the rules came from an admin's file. The dates by series, or why not."""
    result = await asyncio.to_thread(
        run_capped, _expand_job, (items, after, until), cpu_seconds=cpu_seconds
    )
    return result if isinstance(result, dict | str) else UNREADABLE


def _read_job(data: bytes, timezone: str, now: datetime) -> CalendarFile | str:
    return read_calendar(data, timezone=timezone, now=now)


def _expand_job(
    items: list[SeriesText], after: datetime, until: datetime
) -> dict[int, list[CalendarOccurrence] | None]:
    return {
        series_id: expand_ical(ical, timezone=zone, after=after, until=until)
        for series_id, ical, zone in items
    }


def run_capped(
    job: Callable[..., object], args: tuple[object, ...], *, cpu_seconds: float
) -> object:
    """`job(*args)` in a fresh process stopped after `cpu_seconds` of CPU; its result,
    or TOO_SLOW / UNREADABLE. Blocking: run it in a thread."""
    # "spawn": a fresh interpreter, as forking a process with threads is unsafe.
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(sender, job, args, cpu_seconds), daemon=True)
    child.start()
    sender.close()
    timed_out = False
    try:
        if receiver.poll(cpu_seconds + _START_ALLOWANCE_SECONDS):
            result: object = receiver.recv()
            return result
        timed_out = True  # no answer in time at all: as good as over budget
    except EOFError:
        pass  # the child ended without answering: stopped by its CPU timer, or failed
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    over_budget = timed_out or child.exitcode == -_CPU_TIMER_SIGNAL
    log.info("calendar_read_failed exit=%s over_budget=%s", child.exitcode, over_budget)
    return TOO_SLOW if over_budget else UNREADABLE


def _child_main(
    sender: Connection, job: Callable[..., object], args: tuple[object, ...], cpu_seconds: float
) -> None:
    """In the reading process: run the job within the CPU budget and send back the result."""
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_VIRTUAL, max(cpu_seconds, 0.001))
    sender.send(job(*args))
    sender.close()


def read_calendar(data: bytes, *, timezone: str, now: datetime) -> CalendarFile | str:
    """The events in an .ics file, or why it can't be read."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError:
        return NOT_ICALENDAR
    components = [c for c in calendar.walk("VEVENT") if isinstance(c, icalendar.Event)]
    if not components:
        return NO_EVENTS
    if len(components) > MAX_EVENTS:
        return TOO_MANY.format(count=MAX_EVENTS)
    found = CalendarFile()
    # A repeating event is its master (with RRULE or RDATE) and the overrides that share
    # its UID, each naming the date it replaces (RECURRENCE-ID).
    masters: dict[str, icalendar.Event] = {}
    overrides: dict[str, list[icalendar.Event]] = {}
    singles: list[icalendar.Event] = []
    for component in components:
        uid = _text(component.get("UID"), 200)
        if uid and "RECURRENCE-ID" in component:
            overrides.setdefault(uid, []).append(component)
        elif uid and (component.rrules or "RDATE" in component):
            masters[uid] = component
        else:
            singles.append(component)
    for uid, own in overrides.items():
        if uid not in masters:
            singles.extend(own)  # a moved date of a series not in this file: on its own
    zones = [c for c in calendar.walk("VTIMEZONE")]
    for uid, master in masters.items():
        _read_series(found, uid, master, overrides.get(uid, []), zones, timezone, now)
    for component in singles:
        _read_single(found, component, timezone, now)
    return found


def _details(component: icalendar.Event, timezone: str) -> tuple[datetime, EventFields] | str:
    """The start and details of one VEVENT; or why it is skipped: "unreadable",
    "all_day"."""
    try:
        start = component.start
        has_end = "DTEND" in component or "DURATION" in component
        end: date | None = component.end if has_end else None
        title = _text(component.get("SUMMARY"), TITLE_MAX)
    except (ValueError, OverflowError):  # a missing or broken start, end or duration
        return "unreadable"
    if not title:
        return "unreadable"
    if not isinstance(start, datetime):
        return "all_day"
    try:
        starts_at = _aware(start, timezone)
        ends_at = _aware(end, timezone) if isinstance(end, datetime) else None
    except (ValueError, OverflowError):  # e.g. a floating time at the end of year 9999
        return "unreadable"
    if ends_at is not None and not starts_at < ends_at <= starts_at + MAX_LENGTH:
        ends_at = None
    description = _text(component.get("DESCRIPTION"), DESCRIPTION_MAX) or None
    return starts_at, EventFields(
        title=title,
        place=_text(component.get("LOCATION"), PLACE_MAX),
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        tags=_tags(component),
        capacity=None,
    )


def _is_cancelled(component: icalendar.Event) -> bool:
    return str(component.get("STATUS", "")).upper() == "CANCELLED"


def _read_single(
    found: CalendarFile, component: icalendar.Event, timezone: str, now: datetime
) -> None:
    read = _details(component, timezone)
    if isinstance(read, str):
        if read == "all_day":
            found.all_day += 1
        else:
            found.unreadable += 1
        return
    starts_at, fields = read
    if starts_at > now + MAX_AHEAD:
        found.too_far += 1
        return
    if starts_at <= now:
        found.past += 1
        return
    uid = _text(component.get("UID"), 255)
    if not uid:  # UID is required, but not every exporter writes one
        digest = hashlib.sha256(f"{fields.title}|{starts_at.isoformat()}".encode()).hexdigest()
        uid = f"{digest[:24]}@import"
    found.events.append(CalendarEvent(uid=uid, fields=fields, cancelled=_is_cancelled(component)))


def _zone_of(start: object, timezone: str) -> str:
    key = getattr(getattr(start, "tzinfo", None), "key", None)
    return key if isinstance(key, str) and key else timezone


def _read_series(
    found: CalendarFile,
    uid: str,
    master: icalendar.Event,
    overrides: list[icalendar.Event],
    zones: list[icalendar.Component],
    timezone: str,
    now: datetime,
) -> None:
    read = _details(master, timezone)
    if isinstance(read, str):
        if read == "all_day":
            found.all_day += 1
        else:
            found.unreadable += 1
        return
    own = icalendar.Calendar()
    own.add("PRODID", "-//Hearthside//series//EN")
    own.add("VERSION", "2.0")
    for component in (*zones, master, *overrides):
        own.add_component(component)
    ical = own.to_ical().decode()
    occurrences = expand_ical(ical, timezone=timezone, after=now, until=now + HORIZON)
    if occurrences is None:
        found.repeating += 1
        return
    if not occurrences and not _is_cancelled(master):
        found.past += 1  # its dates are over (or further off than the horizon)
        return
    rule = master.get("RRULE")
    frequency = rule.get("FREQ", [""])[0] if isinstance(rule, dict) else ""
    found.series.append(
        CalendarSeries(
            uid=uid,
            fields=occurrences[0].fields if occurrences else read[1],
            timezone=_zone_of(master.start, timezone),
            ical=ical,
            occurrences=occurrences,
            cancelled=_is_cancelled(master),
            how_often=str(frequency).lower() or "repeating",
        )
    )


def expand_ical(
    ical: str, *, timezone: str, after: datetime, until: datetime
) -> list[CalendarOccurrence] | None:
    """A series' dates starting in (after, until], cancelled ones included (to cancel
    them here too); None if it has more than MAX_DATES there, or can't be expanded."""
    try:
        calendar = icalendar.Calendar.from_ical(ical)
        query = recurring_ical_events.of(calendar, skip_bad_series=True)
        dates: list[CalendarOccurrence] = []
        for component in query.after(after):
            read = _details(component, timezone)
            if isinstance(read, str):
                continue
            starts_at, fields = read
            if starts_at > until:
                break
            if starts_at <= after:
                continue
            if len(dates) >= MAX_DATES:
                return None
            recurrence = component.get("RECURRENCE-ID")
            original = _aware(recurrence.dt, timezone) if recurrence is not None else starts_at
            dates.append(
                CalendarOccurrence(
                    occurrence=original,
                    fields=fields,
                    cancelled=_is_cancelled(component),
                    moved=original != starts_at,
                )
            )
    except (ValueError, OverflowError, recurring_ical_events.InvalidCalendar):
        return None
    return dates


@dataclass(slots=True)
class ImportCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    cancelled: int = 0
    told: int = 0
    series: int = 0  # repeating events in the file
    dates_added: int = 0
    dates_changed: int = 0
    dates_cancelled: int = 0


async def import_series(ctx: Context, item: CalendarSeries, counts: ImportCounts) -> None:
    """A repeating event: the series by UID, and each of its dates by RECURRENCE-ID —
    added, moved or changed (those going are told), or cancelled (likewise); a date the
    file no longer has (a new EXDATE) is cancelled too."""
    counts.series += 1
    existing = await ctx.tx.events.series_by_uid(item.uid)
    if existing is not None and existing.is_cancelled:
        counts.unchanged += 1  # as for one event: a re-import doesn't bring it back
        return
    if item.cancelled:
        if existing is not None:
            counts.told += await cancel_series_and_notify(ctx, existing.id)
            counts.cancelled += 1
        return
    series = await _stored_series(ctx, item, existing)
    wanted = {occ.occurrence: occ for occ in item.occurrences}
    for event in await ctx.tx.events.occurrences(series.id, after=ctx.now):
        if event.occurrence is not None and event.occurrence not in wanted:
            counts.told += await cancel_and_notify(ctx, event, one_date=True)
            counts.dates_cancelled += 1
    for occ in item.occurrences:
        stored = await ctx.tx.events.by_uid(occurrence_uid(series.uid, occ.occurrence))
        if occ.cancelled:
            if stored is not None and not stored.is_cancelled:
                counts.told += await cancel_and_notify(ctx, stored, one_date=True)
                counts.dates_cancelled += 1
            continue
        if stored is None:
            made = await add_occurrence(
                ctx.tx, series, occ.occurrence, occ.fields, now=ctx.now, config=ctx.config
            )
            counts.dates_added += made is not None
            continue
        fields = replace(occ.fields, capacity=stored.capacity)
        if stored.is_cancelled or fields == stored.fields:
            continue
        await ctx.tx.events.update(stored.id, fields, now=ctx.now, detach=occ.moved)
        after = await ctx.tx.events.get(stored.id)
        assert after is not None
        counts.told += await apply_change(ctx, stored, after)
        counts.dates_changed += 1


async def _stored_series(
    ctx: Context, item: CalendarSeries, existing: EventSeries | None
) -> EventSeries:
    """The series as the file has it now, added or updated."""
    if existing is None:
        series_id = await ctx.tx.events.create_series(
            item.fields,
            uid=item.uid,
            source="ics",
            timezone=item.timezone,
            rule=None,
            local_time=None,
            length_minutes=None,
            first_date=None,
            ical=item.ical,
            expanded_until=ctx.now + HORIZON,
            created_by=ctx.member.id if ctx.member is not None else None,
            now=ctx.now,
        )
    else:
        series_id = existing.id
        await ctx.tx.events.update_series(
            series_id,
            item.fields,
            timezone=item.timezone,
            rule=None,
            local_time=None,
            length_minutes=None,
            first_date=None,
            ical=item.ical,
            now=ctx.now,
        )
        await ctx.tx.events.set_expanded(series_id, ctx.now + HORIZON)
    series = await ctx.tx.events.get_series(series_id)
    assert series is not None
    return series


async def import_events(ctx: Context, events: list[CalendarEvent]) -> ImportCounts:
    counts = ImportCounts()
    created_by = ctx.member.id if ctx.member is not None else None
    for item in events:
        existing = await ctx.tx.events.by_uid(item.uid)
        if item.cancelled:
            if existing is not None and not existing.is_cancelled:
                counts.told += await cancel_and_notify(ctx, existing)
                counts.cancelled += 1
            continue
        if existing is None:
            await ctx.tx.events.create(
                item.fields, uid=item.uid, created_by=created_by, now=ctx.now
            )
            counts.added += 1
            continue
        if existing.is_cancelled:
            # Cancelled here (/cancelevent or an earlier file): a re-import does not bring
            # it back behind the backs of those told it was off. An admin can post it anew.
            counts.unchanged += 1
            continue
        # The capacity is the admin's to set here, never the file's.
        fields = replace(item.fields, capacity=existing.capacity)
        if fields == existing.fields:
            counts.unchanged += 1
            continue
        await ctx.tx.events.update(existing.id, fields, now=ctx.now)
        after = await ctx.tx.events.get(existing.id)
        assert after is not None
        counts.told += await apply_change(ctx, existing, after)
        counts.updated += 1
    return counts


async def on_calendar_file(ctx: Context) -> bool:
    """An admin's .ics file, read by the channel, is imported; anything else is left to
    the engine (False)."""
    parsed = ctx.input.calendar
    if (
        ctx.input.media != "document"
        or not isinstance(parsed, CalendarFile | str)
        or not ctx.is_admin
    ):
        return False
    if isinstance(parsed, str):
        log.info("calendar_import_refused admin=%s", ctx.member.id if ctx.member else None)
        ctx.say(
            _(
                "I couldn't import that file: {reason}. Nothing was changed. Export the "
                "calendar as an .ics (iCalendar) file and send it again."
            ).format(reason=reason_text(parsed))
        )
        ctx.remind_open_question()
        return True
    counts = await import_events(ctx, parsed.events)
    for item in parsed.series:
        await import_series(ctx, item, counts)
    audit.admin_action(ctx, "calendar.import")
    log.info(
        "calendar_imported added=%d updated=%d cancelled=%d series=%d dates=%d skipped=%d",
        counts.added,
        counts.updated,
        counts.cancelled,
        counts.series,
        counts.dates_added,
        parsed.past + parsed.too_far + parsed.all_day + parsed.repeating + parsed.unreadable,
    )
    lines = [
        _(
            "📅 Calendar imported: {added} added, {updated} updated, {unchanged} unchanged, "
            "{cancelled} cancelled."
        ).format(
            added=counts.added,
            updated=counts.updated,
            unchanged=counts.unchanged,
            cancelled=counts.cancelled,
        )
    ]
    if counts.series:
        weeks = HORIZON.days // 7
        lines.append(
            ngettext(
                "🔁 {count} repeating event: {added} dates added, {changed} moved or changed, "
                "{cancelled} cancelled.",
                "🔁 {count} repeating events: {added} dates added, {changed} moved or "
                "changed, {cancelled} cancelled.",
                counts.series,
            ).format(
                count=counts.series,
                added=counts.dates_added,
                changed=counts.dates_changed,
                cancelled=counts.dates_cancelled,
            )
            + " "
            + _("Dates are listed {weeks} weeks ahead and more are added as time goes on.").format(
                weeks=weeks
            )
        )
    skipped: list[tuple[int, Callable[[int], str]]] = [
        (
            parsed.past,
            lambda n: ngettext(
                "Skipped {count} event: already started or past.",
                "Skipped {count} events: already started or past.",
                n,
            ),
        ),
        (
            parsed.too_far,
            lambda n: ngettext(
                "Skipped {count} event: more than two years away.",
                "Skipped {count} events: more than two years away.",
                n,
            ),
        ),
        (
            parsed.repeating,
            lambda n: ngettext(
                "Skipped {count} event: repeating more than {dates} times in {days} days.",
                "Skipped {count} events: repeating more than {dates} times in {days} days.",
                n,
            ),
        ),
        (
            parsed.all_day,
            lambda n: ngettext(
                "Skipped {count} event: all-day (give them a time to import them).",
                "Skipped {count} events: all-day (give them a time to import them).",
                n,
            ),
        ),
        (
            parsed.unreadable,
            lambda n: ngettext(
                "Skipped {count} event: unreadable (no title or start time).",
                "Skipped {count} events: unreadable (no title or start time).",
                n,
            ),
        ),
    ]
    for count, why in skipped:
        if count:
            lines.append(why(count).format(count=count, dates=MAX_DATES, days=HORIZON.days))
    if counts.told:
        # One message per person and changed event: a person going to two is told twice.
        lines.append(
            ngettext(
                "I told those going or maybe about the changes ({count} message).",
                "I told those going or maybe about the changes ({count} messages).",
                counts.told,
            ).format(count=counts.told)
        )
    firsts = [e.fields for e in parsed.events if not e.cancelled] + [
        next(o.fields for o in s.occurrences if not o.cancelled)
        for s in parsed.series
        if not s.cancelled and any(not o.cancelled for o in s.occurrences)
    ]
    future = sorted(firsts, key=lambda f: f.starts_at)[:5]
    if future:
        zone = ctx.config.default_timezone
        lines.append("")
        lines += [f"• {when(e.starts_at, zone)} {e.title}" for e in future]
    ctx.say("\n".join(lines))
    ctx.remind_open_question()
    return True
