"""Importing events from an admin's iCalendar (.ics) file, with the icalendar library.

Future events are added, or updated by UID (those going are told of a new time or
place); an event marked CANCELLED cancels the one imported before. Events already
started, all-day and repeating events are skipped and counted. A file that cannot be
read changes nothing and gets a clear answer.

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
import signal
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from multiprocessing.connection import Connection
from zoneinfo import ZoneInfo

import icalendar

from flows.community.admin import (
    DESCRIPTION_MAX,
    PLACE_MAX,
    TAGS_MAX,
    TITLE_MAX,
    apply_change,
    cancel_and_notify,
)
from flows.core import audit
from flows.core.context import Context
from flows.core.engine import Engine
from flows.core.local_time import when
from storage import Account, EventFields

log = logging.getLogger(__name__)

MAX_EVENTS = 500
MAX_LENGTH = timedelta(days=2)
# As /newevent: further ahead than this is most likely a wrong year.
MAX_AHEAD = timedelta(days=731)


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    uid: str
    fields: EventFields  # times in UTC; a file says nothing of capacity (None)
    cancelled: bool


@dataclass(slots=True)
class CalendarFile:
    events: list[CalendarEvent] = field(default_factory=list)
    past: int = 0
    too_far: int = 0
    all_day: int = 0
    repeating: int = 0
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


def too_big(max_bytes: int) -> str:
    """Why a file over the size budget is not read."""
    return f"it is larger than {max_bytes // 1024} KB — please send fewer events at a time"


TOO_SLOW = "it took too long to read — please send fewer events at a time"
UNREADABLE = "it isn't an iCalendar file I can read"
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
    return await asyncio.to_thread(_read_in_child, data, timezone, now, cpu_seconds)


def _read_in_child(
    data: bytes, timezone: str, now: datetime, cpu_seconds: float
) -> CalendarFile | str:
    # "spawn": a fresh interpreter, as forking a process with threads is unsafe.
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child_main, args=(sender, data, timezone, now, cpu_seconds), daemon=True
    )
    child.start()
    sender.close()
    timed_out = False
    try:
        if receiver.poll(cpu_seconds + _START_ALLOWANCE_SECONDS):
            result: CalendarFile | str = receiver.recv()
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
    sender: Connection, data: bytes, timezone: str, now: datetime, cpu_seconds: float
) -> None:
    """In the reading process: parse within the CPU budget and send back the result."""
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_VIRTUAL, max(cpu_seconds, 0.001))
    result = read_calendar(data, timezone=timezone, now=now)
    sender.send(result)
    sender.close()


def read_calendar(data: bytes, *, timezone: str, now: datetime) -> CalendarFile | str:
    """The events in an .ics file, or why it can't be read."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError:
        return "it isn't an iCalendar file"
    components = [c for c in calendar.walk("VEVENT") if isinstance(c, icalendar.Event)]
    if not components:
        return "it has no events in it"
    if len(components) > MAX_EVENTS:
        return f"it has more than {MAX_EVENTS} events — please send fewer at a time"
    found = CalendarFile()
    for component in components:
        try:
            start = component.start
            has_end = "DTEND" in component or "DURATION" in component
            end: date | None = component.end if has_end else None
            title = _text(component.get("SUMMARY"), TITLE_MAX)
        except (ValueError, OverflowError):  # a missing or broken start, end or duration
            found.unreadable += 1
            continue
        if not title:
            found.unreadable += 1
            continue
        if not isinstance(start, datetime):
            found.all_day += 1
            continue
        if component.rrules or "RDATE" in component:
            found.repeating += 1
            continue
        try:
            starts_at = _aware(start, timezone)
            ends_at = _aware(end, timezone) if isinstance(end, datetime) else None
        except (ValueError, OverflowError):  # e.g. a floating time at the end of year 9999
            found.unreadable += 1
            continue
        if starts_at > now + MAX_AHEAD:
            found.too_far += 1
            continue
        if ends_at is not None and not starts_at < ends_at <= starts_at + MAX_LENGTH:
            ends_at = None
        if starts_at <= now:
            found.past += 1
            continue
        uid = _text(component.get("UID"), 255)
        if not uid:  # UID is required, but not every exporter writes one
            digest = hashlib.sha256(f"{title}|{starts_at.isoformat()}".encode()).hexdigest()
            uid = f"{digest[:24]}@import"
        description = _text(component.get("DESCRIPTION"), DESCRIPTION_MAX) or None
        status = str(component.get("STATUS", "")).upper()
        found.events.append(
            CalendarEvent(
                uid=uid,
                fields=EventFields(
                    title=title,
                    place=_text(component.get("LOCATION"), PLACE_MAX),
                    description=description,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    tags=_tags(component),
                    capacity=None,
                ),
                cancelled=status == "CANCELLED",
            )
        )
    return found


@dataclass(slots=True)
class ImportCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    cancelled: int = 0
    told: int = 0


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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


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
    audit.admin_action(ctx, "calendar_import")
    if isinstance(parsed, str):
        log.info("calendar_import_refused admin=%s", ctx.member.id if ctx.member else None)
        ctx.say(
            f"I couldn't import that file: {parsed}. Nothing was changed. Export the "
            "calendar as an .ics (iCalendar) file and send it again."
        )
        ctx.remind_open_question()
        return True
    counts = await import_events(ctx, parsed.events)
    log.info(
        "calendar_imported added=%d updated=%d cancelled=%d skipped=%d",
        counts.added,
        counts.updated,
        counts.cancelled,
        parsed.past + parsed.too_far + parsed.all_day + parsed.repeating + parsed.unreadable,
    )
    lines = [
        f"📅 Calendar imported: {counts.added} added, {counts.updated} updated, "
        f"{counts.unchanged} unchanged, {counts.cancelled} cancelled."
    ]
    skipped = [
        (parsed.past, "already started or past"),
        (parsed.too_far, "more than two years away"),
        (parsed.repeating, "repeating (post each date with /newevent)"),
        (parsed.all_day, "all-day (give them a time to import them)"),
        (parsed.unreadable, "unreadable (no title or start time)"),
    ]
    for count, why in skipped:
        if count:
            lines.append(f"Skipped {_plural(count, 'event')}: {why}.")
    if counts.told:
        # One message per person and changed event: a person going to two is told twice.
        lines.append(
            f"I told those going or maybe about the changes ({_plural(counts.told, 'message')})."
        )
    upcoming = sorted(parsed.events, key=lambda e: e.fields.starts_at)
    future = [e.fields for e in upcoming if not e.cancelled][:5]
    if future:
        zone = ctx.config.default_timezone
        lines.append("")
        lines += [f"• {when(e.starts_at, zone)} {e.title}" for e in future]
    ctx.say("\n".join(lines))
    ctx.remind_open_question()
    return True
