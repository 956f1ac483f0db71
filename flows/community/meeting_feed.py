"""Meeting Guide feeds (code4recovery/spec): the weekly meetings intergroups publish as a
JSON list, read into series of their own, kept in step with each sync.

Mapped from the spec: `slug` (the identity: one series per slug and feed), `name`, `day`
(0 = Sunday, or a list of days), `time` and `end_time` (an hour if none, as the spec
says), `timezone`, `location` with `formatted_address` or the address parts, `notes`,
`types`, `conference_url` and `conference_phone` (what makes a meeting online), and
`updated`. Nothing else: no contact names (the spec's anonymity rule), and Hearthside
adds none. An entry without a day and time ("by appointment") or that can't be read is
skipped and counted.

A meeting gone from the feed is cancelled for those who said they'd go. `TC` says the
*location* is temporarily closed (the spec's reading): with a conference link or phone,
the meeting goes on online only and those going are told how to join; without one it is
not meeting, and it is cancelled for those going. A change to a series is told once to
each person going to any of its dates, not once a date.

Reading the bytes (a fetched feed or an admin's .json file) runs in the CPU-capped process
the calendar import uses; the network fetch itself is the deployment's (bot/feeds.py),
handed in as a `FeedFetcher`, since flows do no I/O of their own.
"""

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from flows.community.admin import (
    DESCRIPTION_MAX,
    PLACE_MAX,
    TITLE_MAX,
    cancel_series_and_notify,
)
from flows.community.calendar_import import (
    REASONS,
    TOO_SLOW,
    CalendarFile,
    on_calendar_file,
    read_calendar_within,
    reason_text,
    run_capped,
    too_big,
)
from flows.community.meeting_types import ONLINE, TEMPORARILY_CLOSED
from flows.community.series import (
    Rule,
    add_occurrence,
    expand,
    occurrence_fields,
    occurrence_starts,
)
from flows.community.series_news import SeriesNews, change_date, going_to
from flows.core import audit
from flows.core.config import FlowConfig
from flows.core.context import Context
from flows.core.engine import Engine
from flows.core.language import (
    N_,
    SHIPPED,
    SOURCE_LANGUAGE,
    _,
    current_language,
    ngettext,
    speaking,
)
from flows.core.parsing import is_known_timezone
from flows.core.values import Outcome, Reply
from flows.peer import admin_accounts
from storage import Event, EventFields, EventSeries, MeetingFeed

log = logging.getLogger(__name__)

MAX_MEETINGS = 5000
FILE_FEED = "file:"  # the feed row of the files admins send
DEFAULT_LENGTH_MINUTES = 60  # the spec: an hour after the start when no end_time
RETRY_WHILE_FAILING = timedelta(hours=1)
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::[0-5]\d)?$")
_CODE = re.compile(r"^[A-Za-z0-9-]{1,12}$")
_PHONE = re.compile(r"^[0-9+,*# ().-]{3,40}$")
# Why a feed can't be read (see calendar_import.REASONS): made in English where it is
# read, said in each admin's language when they are told.
NOT_JSON = N_("it isn't JSON")
NOT_A_FEED = N_("it isn't a Meeting Guide feed (a JSON list of meetings)")
TOO_MANY_MEETINGS = N_("it has more than {count} meetings")
NONE_READABLE = N_("none of its meetings could be read")
FEED_TOO_BIG = N_("it is larger than {size} KB")
FEED_TOO_SLOW = N_("it took too long to read")
FEED_UNREADABLE = N_("it isn't an  file I can read")
FEED_REASONS = (
    NOT_JSON,
    NOT_A_FEED,
    TOO_MANY_MEETINGS,
    NONE_READABLE,
    FEED_TOO_BIG,
    FEED_TOO_SLOW,
    FEED_UNREADABLE,
    *REASONS,
)


@dataclass(frozen=True, slots=True)
class FeedMeeting:
    slug: str
    fields: EventFields  # starts_at: a placeholder; each date has its own
    timezone: str
    rule: Rule
    local_time: str
    length_minutes: int
    updated: str | None
    closed: bool  # TC with no way to join online: not meeting for now


@dataclass(slots=True)
class FeedFile:
    meetings: list[FeedMeeting] = field(default_factory=list)
    by_appointment: int = 0
    malformed: int = 0
    duplicates: int = 0


@dataclass(frozen=True, slots=True)
class FeedRefusal:
    """Why a feed (fetched, or an admin's file) can't be read: nothing was changed."""

    reason: str


def _text(value: object, limit: int) -> str:
    return " ".join(str(value).split())[:limit] if isinstance(value, str | int) else ""


def _days(value: object) -> list[int] | None:
    raw = value if isinstance(value, list) else [value]
    days = []
    for day in raw:
        if isinstance(day, bool) or not isinstance(day, int | str):
            return None
        try:
            number = int(day)
        except ValueError:
            return None
        if not 0 <= number <= 6:
            return None
        days.append((number + 6) % 7)  # the spec's 0 = Sunday; Python's 0 = Monday
    return sorted(set(days)) or None


def _clock(value: object) -> str | None:
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else None


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def _address(entry: dict[str, Any]) -> str:
    formatted = _text(entry.get("formatted_address", ""), PLACE_MAX)
    if formatted:
        return formatted
    parts = [
        _text(entry.get(key, ""), PLACE_MAX)
        for key in ("address", "city", "state", "postal_code", "country")
    ]
    return ", ".join(part for part in parts if part)


def read_meeting(entry: object, default_timezone: str) -> FeedMeeting | Literal["skip", "bad"]:
    """One entry of a feed; "skip" for a meeting by appointment, "bad" if unreadable."""
    if not isinstance(entry, dict):
        return "bad"
    slug, name = _text(entry.get("slug"), 100), _text(entry.get("name"), TITLE_MAX)
    if not slug or not name:
        return "bad"
    if entry.get("day") in (None, "", []) or entry.get("time") in (None, ""):
        return "skip"
    days, start = _days(entry.get("day")), _clock(entry.get("time"))
    if days is None or start is None:
        return "bad"
    zone = entry.get("timezone")
    timezone = zone if isinstance(zone, str) and is_known_timezone(zone) else default_timezone
    end = _clock(entry.get("end_time"))
    length = DEFAULT_LENGTH_MINUTES
    if end is not None:
        length = (_minutes(end) - _minutes(start)) % (24 * 60) or DEFAULT_LENGTH_MINUTES
    raw_types = entry.get("types")
    types = tuple(
        dict.fromkeys(
            t.strip()
            for t in (raw_types if isinstance(raw_types, list) else [])
            if isinstance(t, str) and _CODE.match(t.strip())
        )
    )
    url = entry.get("conference_url")
    url = (
        url.strip()[:300] if isinstance(url, str) and url.strip().startswith("https://") else None
    )
    phone = entry.get("conference_phone")
    phone = phone.strip() if isinstance(phone, str) and _PHONE.match(phone.strip()) else None
    online = bool(url or phone) or ONLINE in types
    closed = TEMPORARILY_CLOSED in types and not (url or phone)
    approximate = str(entry.get("approximate", "")).lower() == "yes"
    location = _text(entry.get("location", ""), PLACE_MAX)
    address = "" if approximate and online else _address(entry)
    place = " — ".join(part for part in (location, address) if part)[:PLACE_MAX]
    notes = " ".join(str(entry.get("notes", "") or "").split())[:DESCRIPTION_MAX] or None
    updated = entry.get("updated")
    return FeedMeeting(
        slug=slug,
        fields=EventFields(
            title=name,
            place=place,
            description=notes,
            starts_at=datetime(2000, 1, 1, tzinfo=UTC),
            ends_at=None,
            tags=("meeting",),
            capacity=None,
            types=types,
            conference_url=url,
            conference_phone=phone,
        ),
        timezone=timezone,
        rule=Rule("weekly", tuple(days)),
        local_time=start,
        length_minutes=length,
        updated=updated[:40] if isinstance(updated, str) else None,
        closed=closed,
    )


def read_feed(data: bytes, *, default_timezone: str) -> FeedFile | FeedRefusal:
    """A Meeting Guide feed's meetings, or why it can't be read."""
    try:
        entries = json.loads(data)
    except (ValueError, RecursionError):
        return FeedRefusal(NOT_JSON)
    if not isinstance(entries, list):
        return FeedRefusal(NOT_A_FEED)
    if len(entries) > MAX_MEETINGS:
        return FeedRefusal(TOO_MANY_MEETINGS.format(count=MAX_MEETINGS))
    found, slugs = FeedFile(), set()
    for entry in entries:
        meeting = read_meeting(entry, default_timezone)
        if meeting == "skip":
            found.by_appointment += 1
        elif meeting == "bad":
            found.malformed += 1
        elif meeting.slug in slugs:
            found.duplicates += 1  # the slug is the identity: the first one counts
        else:
            slugs.add(meeting.slug)
            found.meetings.append(meeting)
    if not found.meetings and entries:
        return FeedRefusal(NONE_READABLE)
    return found


def _feed_job(data: bytes, default_timezone: str) -> FeedFile | FeedRefusal:
    return read_feed(data, default_timezone=default_timezone)


def admin_file_limit(*, feed: bool, config: FlowConfig) -> int:
    """The largest meeting list (`feed`) or calendar an admin's file may be."""
    return config.feed_max_bytes if feed else config.calendar_max_bytes


def too_big_to_read(*, feed: bool, config: FlowConfig) -> FeedRefusal | str:
    """Why a file over its budget is not fetched or read, as its reader would say."""
    limit = admin_file_limit(feed=feed, config=config)
    return _feed_too_big(limit) if feed else too_big(limit)


def _feed_too_big(max_bytes: int) -> FeedRefusal:
    return FeedRefusal(FEED_TOO_BIG.format(size=max_bytes // 1024))


async def read_admin_file(
    data: bytes, *, feed: bool, config: FlowConfig, now: datetime
) -> CalendarFile | str | FeedFile | FeedRefusal:
    """An admin's meeting list (`feed`) or calendar file, read in the capped process,
    whichever channel it came by."""
    if feed:
        return await read_feed_within(
            data,
            default_timezone=config.default_timezone,
            max_bytes=config.feed_max_bytes,
            cpu_seconds=config.calendar_cpu_seconds,
        )
    return await read_calendar_within(
        data,
        timezone=config.default_timezone,
        now=now,
        max_bytes=config.calendar_max_bytes,
        cpu_seconds=config.calendar_cpu_seconds,
    )


async def read_feed_within(
    data: bytes, *, default_timezone: str, max_bytes: int, cpu_seconds: float
) -> FeedFile | FeedRefusal:
    """`read_feed` in the capped reading process."""
    if len(data) > max_bytes:
        return _feed_too_big(max_bytes)
    result = await asyncio.to_thread(
        run_capped, _feed_job, (data, default_timezone), cpu_seconds=cpu_seconds
    )
    if isinstance(result, FeedFile | FeedRefusal):
        return result
    return FeedRefusal(FEED_TOO_SLOW if result == TOO_SLOW else FEED_UNREADABLE)


def is_feed_file(file_name: str, mime_type: str) -> bool:
    return file_name.lower().endswith(".json") or mime_type == "application/json"


# -- applying a feed --------------------------------------------------------------
@dataclass(slots=True)
class FeedCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    cancelled: int = 0  # gone from the feed, or temporarily closed
    told: int = 0


def _series_uid(feed: MeetingFeed, slug: str) -> str:
    return f"feed{feed.id}:{slug}"


async def apply_feed(ctx: Context, feed: MeetingFeed, parsed: FeedFile) -> FeedCounts:
    counts = FeedCounts()
    before = {s.uid: s for s in await ctx.tx.events.series_of_feed(feed.id)}
    seen = set()
    for meeting in parsed.meetings:
        uid = _series_uid(feed, meeting.slug)
        seen.add(uid)
        existing = before.get(uid) or await ctx.tx.events.series_by_uid(uid)
        if meeting.closed:
            if existing is not None and not existing.is_cancelled:
                counts.told += await cancel_series_and_notify(ctx, existing.id)
                counts.cancelled += 1
            continue
        if existing is None or existing.is_cancelled:
            await _add(ctx, feed, meeting, uid, existing)
            counts.added += 1
        elif await _update(ctx, existing, meeting, counts):
            counts.updated += 1
        else:
            counts.unchanged += 1
    for uid, series in before.items():
        if uid not in seen:  # gone from the feed
            counts.told += await cancel_series_and_notify(ctx, series.id)
            counts.cancelled += 1
    return counts


async def _add(
    ctx: Context, feed: MeetingFeed, meeting: FeedMeeting, uid: str, old: EventSeries | None
) -> None:
    today = ctx.now.astimezone(ZoneInfo(meeting.timezone)).date()
    if old is not None:
        # Back in the feed after it was cancelled: a fresh series, a fresh identity.
        uid = f"{uid}@{ctx.now:%Y%m%dT%H%M%S}"
    series_id = await ctx.tx.events.create_series(
        meeting.fields,
        uid=uid,
        source="feed",
        feed_id=feed.id,
        timezone=meeting.timezone,
        rule=meeting.rule.text(),
        local_time=meeting.local_time,
        length_minutes=meeting.length_minutes,
        first_date=today,
        expanded_until=ctx.now,
        created_by=None,
        now=ctx.now,
        source_updated=meeting.updated,
    )
    series = await ctx.tx.events.get_series(series_id)
    assert series is not None
    await expand(ctx.tx, series, now=ctx.now, config=ctx.config)


async def _update(
    ctx: Context, series: EventSeries, meeting: FeedMeeting, counts: FeedCounts
) -> bool:
    """The series as the feed has it now; its coming dates follow (a new time or place,
    a location closed for now, a day dropped cancels its dates). Each person going to
    any date changed is told once, not once a date. Whether anything changed."""
    same = (
        series.fields.title == meeting.fields.title
        and series.fields.place == meeting.fields.place
        and series.fields.description == meeting.fields.description
        and series.fields.types == meeting.fields.types
        and series.fields.conference_url == meeting.fields.conference_url
        and series.fields.conference_phone == meeting.fields.conference_phone
        and (series.timezone, series.rule, series.local_time, series.length_minutes)
        == (meeting.timezone, meeting.rule.text(), meeting.local_time, meeting.length_minutes)
    )
    if same:
        return False
    await ctx.tx.events.update_series(
        series.id,
        meeting.fields,
        timezone=meeting.timezone,
        rule=meeting.rule.text(),
        local_time=meeting.local_time,
        length_minutes=meeting.length_minutes,
        first_date=series.first_date,
        now=ctx.now,
        source_updated=meeting.updated,
    )
    fresh = await ctx.tx.events.get_series(series.id)
    assert fresh is not None
    zone = ZoneInfo(meeting.timezone)
    starts = occurrence_starts(
        meeting.rule,
        first=series.first_date or ctx.now.date(),
        local_time=meeting.local_time,
        timezone=meeting.timezone,
        after=ctx.now,
        until=series.expanded_until,
    )
    by_date = {start.astimezone(zone).date(): start for start in starts}
    news = SeriesNews()
    for event in await ctx.tx.events.occurrences(series.id, after=ctx.now):
        original = event.occurrence or event.starts_at
        day = original.astimezone(zone).date()
        if event.detached:
            by_date.pop(day, None)
            continue
        start = by_date.pop(day, None)
        if start is None:  # no longer a day it meets
            news.add(news.dropped, await going_to(ctx, event, reschedule=False), event)
            await ctx.tx.events.cancel(event.id, now=ctx.now)
            continue
        fields = replace(occurrence_fields(fresh, start), capacity=event.capacity)
        if fields == event.fields:
            continue
        after, going, moved = await change_date(ctx, event, fields)
        if _closes(event, after):
            news.add(news.closed, going, after)
        elif moved or (event.place, event.title) != (after.place, after.title):
            news.add(news.changed, going, after)
    for start in by_date.values():  # a day it meets now
        await add_occurrence(
            ctx.tx, fresh, start, occurrence_fields(fresh, start), now=ctx.now, config=ctx.config
        )
    counts.told += await news.tell(ctx, before=series)
    return True


def _closes(before: Event, after: Event) -> bool:
    """The location closed for now, the meeting going on online only (the spec's TC with
    a conference link or phone)."""
    return TEMPORARILY_CLOSED in after.types and TEMPORARILY_CLOSED not in before.types


def feed_summary(parsed: FeedFile, counts: FeedCounts) -> str:
    """What a feed's import did, for the admin."""
    meetings = len(parsed.meetings)
    lines = [
        ngettext(
            "🗓 Meeting list imported: {count} weekly meeting — {added} added, {updated} "
            "updated, {unchanged} unchanged, {cancelled} cancelled (gone from the list, or "
            "temporarily closed).",
            "🗓 Meeting list imported: {count} weekly meetings — {added} added, {updated} "
            "updated, {unchanged} unchanged, {cancelled} cancelled (gone from the list, or "
            "temporarily closed).",
            meetings,
        ).format(
            count=meetings,
            added=counts.added,
            updated=counts.updated,
            unchanged=counts.unchanged,
            cancelled=counts.cancelled,
        )
    ]
    if parsed.by_appointment:
        lines.append(
            ngettext(
                "Skipped {count} entry: by appointment (no day and time).",
                "Skipped {count} entries: by appointment (no day and time).",
                parsed.by_appointment,
            ).format(count=parsed.by_appointment)
        )
    if parsed.malformed:
        lines.append(
            ngettext(
                "Skipped {count} entry: unreadable (no name, slug, day or time I can read).",
                "Skipped {count} entries: unreadable (no name, slug, day or time I can read).",
                parsed.malformed,
            ).format(count=parsed.malformed)
        )
    if parsed.duplicates:
        lines.append(
            ngettext(
                "Skipped {count} entry: listed twice under the same slug.",
                "Skipped {count} entries: listed twice under the same slug.",
                parsed.duplicates,
            ).format(count=parsed.duplicates)
        )
    if counts.told:
        lines.append(
            ngettext(
                "I told those going about the changes ({count} message).",
                "I told those going about the changes ({count} messages).",
                counts.told,
            ).format(count=counts.told)
        )
    return "\n".join(lines)


async def on_admin_file(ctx: Context) -> bool:
    """An admin's file, read by the channel: a Meeting Guide feed (.json) is imported
    here, a calendar (.ics) by the calendar import; anything else is left to the engine."""
    read = ctx.input.calendar
    if ctx.input.media != "document" or not isinstance(read, FeedFile | FeedRefusal):
        return await on_calendar_file(ctx)
    if not ctx.is_admin:
        return False
    if isinstance(read, FeedRefusal):
        log.info("feed_import_refused admin=%s", ctx.member.id if ctx.member else None)
        ctx.say(
            _(
                "I couldn't import that meeting list: {reason}. Nothing was changed. Send a "
                "Meeting Guide feed (.json), as the 12 Step Meeting List plugin serves it."
            ).format(reason=reason_text(read.reason, FEED_REASONS))
        )
        ctx.remind_open_question()
        return True
    # The files admins send are one feed of their own: each replaces the one before.
    feed = await ctx.tx.events.feed(FILE_FEED)
    counts = await apply_feed(ctx, feed, read)
    await ctx.tx.events.feed_synced(
        feed.id,
        etag=None,
        last_modified=None,
        meetings=len(read.meetings),
        now=ctx.now,
        next_sync_at=None,
    )
    log.info("feed_imported added=%d cancelled=%d", counts.added, counts.cancelled)
    audit.admin_action(ctx, "feed.import", feed.id)
    ctx.say(feed_summary(read, counts))
    ctx.remind_open_question()
    return True


# -- syncing on a schedule ---------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Fetched:
    """What the deployment's fetcher got: new bytes, "not modified", or a failure."""

    status: Literal["ok", "not_modified", "failed"]
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    failure: str = ""  # why, in words an admin understands


class FeedFetcher(Protocol):
    def __call__(
        self, url: str, *, etag: str | None, last_modified: str | None
    ) -> Awaitable[Fetched]: ...


@dataclass(slots=True)
class FeedReport:
    synced: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class MeetingFeeds:
    """MEETING_FEEDS, synced every `every` by the sweep (each feed's `next_sync_at`)."""

    urls: tuple[str, ...]
    fetch: FeedFetcher
    every: timedelta = timedelta(hours=24)

    async def step(self, engine: Engine, now: datetime) -> tuple[FeedReport, list[Outcome]]:
        report, outcomes = FeedReport(), []
        for url in self.urls:
            async with engine.db.transaction() as tx:
                feed = await tx.events.feed(url)
            if feed.next_sync_at is not None and feed.next_sync_at > now:
                continue
            outcomes += await self._sync(engine, feed, now, report)
        return report, outcomes

    async def _sync(
        self, engine: Engine, feed: MeetingFeed, now: datetime, report: FeedReport
    ) -> list[Outcome]:
        fetched = await self.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        parsed: FeedFile | FeedRefusal | None = None
        if fetched.status == "ok":
            parsed = await read_feed_within(
                fetched.body,
                default_timezone=engine.config.default_timezone,
                max_bytes=engine.config.feed_max_bytes,
                cpu_seconds=engine.config.calendar_cpu_seconds,
            )
        failure = (
            fetched.failure
            if fetched.status == "failed"
            else parsed.reason
            if isinstance(parsed, FeedRefusal)
            else None
        )
        if failure is not None:
            report.failed += 1
            return await self._failed(engine, feed, failure, now)
        report.synced += 1
        outcomes: list[Outcome] = []
        counts = FeedCounts()
        if isinstance(parsed, FeedFile):
            feed_file = parsed

            async def apply(ctx: Context) -> None:
                nonlocal counts
                counts = await apply_feed(ctx, feed, feed_file)

            outcomes.append(await engine.run_unattended(apply))
        async with engine.db.transaction() as tx:
            await tx.events.feed_synced(
                feed.id,
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                meetings=len(parsed.meetings) if isinstance(parsed, FeedFile) else None,
                now=now,
                next_sync_at=now + self.every,
            )
        log.info(
            "feed_synced feed=%s status=%s added=%d updated=%d cancelled=%d told=%d",
            feed.id,
            fetched.status,
            counts.added,
            counts.updated,
            counts.cancelled,
            counts.told,
        )
        if feed.failing_since is not None:
            url = feed.url
            outcomes.append(
                await _tell_admins(
                    engine,
                    lambda: _("✅ The meeting feed {url} works again: synced just now.").format(
                        url=url
                    ),
                )
            )
        return outcomes

    async def _failed(
        self, engine: Engine, feed: MeetingFeed, failure: str, now: datetime
    ) -> list[Outcome]:
        async with engine.db.transaction() as tx:
            await tx.events.feed_failed(
                feed.id,
                failure=failure,
                now=now,
                next_sync_at=now + min(self.every, RETRY_WHILE_FAILING),
            )
        log.warning("feed_sync_failed feed=%s", feed.id)
        if feed.failing_since is not None:
            return []  # told once already, at the start of this spell
        last_ok = feed.last_ok_at

        def text() -> str:
            kept = (
                _("Members still see its meetings from the last good sync ({moment} UTC).").format(
                    moment=_utc_moment(last_ok)
                )
                if last_ok is not None
                else _("None of its meetings are listed yet.")
            )
            return (
                _("⚠️ I couldn't sync the meeting feed {url}: {failure}.").format(
                    url=feed.url, failure=reason_text(failure, FEED_REASONS)
                )
                + f" {kept} "
                + _(
                    "I'll keep trying every hour and tell you when it works again — you won't "
                    "hear about it again until then."
                )
            )

        return [await _tell_admins(engine, text)]


def _utc_moment(moment: datetime) -> str:
    """ "04 Dec 10:00" ("04 dic 10:00"), in UTC, in the language being spoken."""
    language = current_language()
    locale = language if language in SHIPPED else SOURCE_LANGUAGE
    return format_datetime(moment.astimezone(UTC), "dd MMM HH:mm", tzinfo=UTC, locale=locale)


async def _tell_admins(engine: Engine, text: Callable[[], str]) -> Outcome:
    """`text` made for each admin in their own language."""

    async def tell(ctx: Context) -> None:
        for account in await admin_accounts(ctx):
            admin = await ctx.tx.members.find_by_account(account)
            language = (
                admin.language if admin is not None and admin.language else None
            ) or ctx.config.default_language
            with speaking(language):
                said = text()
            ctx.send_to(account, Reply(said))

    return await engine.run_unattended(tell)
