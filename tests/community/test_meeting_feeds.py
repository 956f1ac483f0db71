"""Meeting Guide feeds: what is mapped from the spec, the sync over a local HTTP server
(ETag 304, a changed feed, a failing, a huge and a silent one, told to admins once per
failure spell), an admin's .json file, and /events by kind of meeting."""

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web

from bot.feeds import HttpFeedFetcher
from flows.community import MeetingFeeds
from flows.community.meeting_feed import FeedFile, read_feed
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.engine import Engine
from flows.core.values import Input
from flows.sweeper import Sweeper
from storage import Account, Database, Event
from tests.chat_driver import Room
from tests.event_helpers import ADMIN, all_events, join

FIXTURES = Path(__file__).parent / "fixtures"
V1 = (FIXTURES / "meeting_feed_v1.json").read_bytes()
V2 = (FIXTURES / "meeting_feed_v2.json").read_bytes()
RIVER = Account("console", "river")
LAKE = Account("console", "lake")


@pytest.fixture
def flow_config(flow_config: FlowConfig) -> FlowConfig:
    return dataclasses.replace(flow_config, admins=frozenset({"console:900"}))


@pytest.fixture
def room(engine: Engine) -> Room:
    return Room(engine)


@dataclass
class FeedServer:
    """A Meeting Guide feed on loopback: what it serves, and the requests it got."""

    body: bytes = V1
    etag: str = '"v1"'
    status: int = 200
    delay: float = 0.0
    requests: list[dict[str, str]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(dict(request.headers))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status != 200:
            return web.Response(status=self.status)
        if request.headers.get("If-None-Match") == self.etag:
            return web.Response(status=304)
        return web.Response(body=self.body, headers={"ETag": self.etag})


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    feed = FeedServer()
    app = web.Application()
    app.router.add_get("/meetings.json", feed.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    feed.url = f"http://127.0.0.1:{port}/meetings.json"
    yield feed
    await runner.cleanup()


def sweeper(
    engine: Engine,
    server: FeedServer,
    *,
    max_bytes: int = 5 * 1024 * 1024,
    timeout_seconds: float = 30.0,
) -> Sweeper:
    fetch = HttpFeedFetcher(max_bytes=max_bytes, timeout_seconds=timeout_seconds)
    feeds = MeetingFeeds(urls=(server.url,), fetch=fetch, every=timedelta(hours=24))
    return Sweeper(engine, feeds=feeds)


async def sweep(room: Room, sweeper: Sweeper) -> None:
    _, outcomes = await sweeper.sweep()
    for outcome in outcomes:
        room.collect(outcome)


async def by_title(db: Database, word: str) -> list[Event]:
    return [e for e in await all_events(db) if e.title.endswith(f" {word}")]


# -- what is read from the spec ------------------------------------------------------------
def test_the_spec_fields_are_mapped_and_bad_entries_counted() -> None:
    feed = read_feed(V1, default_timezone="UTC")
    assert isinstance(feed, FeedFile)
    assert (len(feed.meetings), feed.by_appointment, feed.malformed, feed.duplicates) == (
        300,
        1,
        4,
        1,
    )
    hybrid = next(m for m in feed.meetings if m.slug == "meeting-2")
    assert hybrid.fields.title == "Courage Discussion 2"
    assert hybrid.timezone == "America/Los_Angeles"
    assert hybrid.rule.days == (1,)  # the spec's day 2 is Tuesday
    assert hybrid.fields.place == "Courage Hall — 2 Main Street, Riverside, NY, 10001, US"
    assert hybrid.fields.conference_url == "https://zoom.us/j/9000002"
    assert hybrid.fields.conference_phone == "+16465588656,,9000002#"
    assert hybrid.length_minutes == 60 and "O" in hybrid.fields.types
    online = next(m for m in feed.meetings if m.slug == "meeting-1")
    assert online.fields.place == "Hope Hall"  # an approximate address is no place to go
    # TC with a way to join: the location is closed, the meeting goes on online.
    moved_online = next(m for m in feed.meetings if m.slug == "meeting-3")
    assert not moved_online.closed and "TC" in moved_online.fields.types
    twice = next(m for m in feed.meetings if m.slug == "meeting-25")
    assert twice.rule.days == (0, 3)  # a list of days
    closed = next(m for m in feed.meetings if m.slug == "meeting-10")
    assert closed.closed  # TC, and no way to join
    # Nothing of the contact fields is kept: no names at all.
    for meeting in feed.meetings:
        text = repr(meeting)
        assert "Pat" not in text and "pat@" not in text and "555" not in text


# -- syncing over HTTP -----------------------------------------------------------------------
async def test_sync_then_304_then_a_changed_feed_tells_those_going(
    room: Room, engine: Engine, db: Database, clock: ManualClock, server: FeedServer
) -> None:
    await join(engine, RIVER)
    await join(engine, LAKE)
    sweeps = sweeper(engine, server)
    await sweep(room, sweeps)
    assert len(server.requests) == 1
    two, four, five = [await by_title(db, n) for n in ("2", "4", "5")]
    assert len({e.series_id for e in await all_events(db)}) == 299  # meeting-10 is closed
    await room.say(RIVER, f"/rsvp {two[0].id} usually")
    await room.say(RIVER, f"/rsvp {four[0].id} usually")
    await room.say(LAKE, f"/rsvp {five[0].id} going")

    # Within the day: no request. A day on: a conditional one, answered 304.
    clock.advance(timedelta(hours=2))
    await sweep(room, sweeps)
    assert len(server.requests) == 1
    clock.advance(timedelta(hours=23))
    await sweep(room, sweeps)
    assert len(server.requests) == 2 and server.requests[-1]["If-None-Match"] == '"v1"'

    # The feed changes: meeting-2 moves to 20:00, meeting-4 is gone, meeting-5's location
    # closes for now with no way to join, meeting-301 is new.
    server.body, server.etag = V2, '"v2"'
    clock.advance(timedelta(hours=24))
    await sweep(room, sweeps)
    assert len(server.requests) == 3
    river = room.texts(RIVER)
    # 20:00 in Los Angeles is 04:00 the next day in River's zone (UTC).
    assert "A change to Courage Discussion 2: it's now Wed 2 Dec, 04:00" in river
    # Once for the series, not once for each date River usually goes to.
    [change] = [r.text for r in room.inbox(RIVER) if "A change to" in r.text]
    assert "The 6 later dates you're going to change the same way." in change
    assert f"{four[0].title} (every Thursday at" in river and "every date from now on" in river
    lake = room.texts(LAKE)
    assert f"{five[0].title} (every Friday at" in lake and "has been cancelled" in lake
    assert "Courage Discussion 2" not in room.texts(LAKE)
    assert await by_title(db, "4") == [] and await by_title(db, "301")
    assert room.inbox(ADMIN) == []  # nothing failed: admins hear nothing


async def test_a_failing_feed_is_told_to_admins_once_per_spell(
    room: Room, engine: Engine, db: Database, clock: ManualClock, server: FeedServer
) -> None:
    sweeps = sweeper(engine, server)
    await sweep(room, sweeps)  # a good first sync
    server.status = 500
    clock.advance(timedelta(hours=24))
    await sweep(room, sweeps)
    told = room.texts(ADMIN)
    assert "couldn't sync the meeting feed" in told and "the server answered 500" in told
    assert "Members still see its meetings from the last good sync" in told
    # Retried hourly, still failing: not told again.
    for _ in range(3):
        clock.advance(timedelta(hours=1))
        await sweep(room, sweeps)
    assert len(server.requests) == 5
    assert len([r for r in room.inbox(ADMIN) if "couldn't sync" in r.text]) == 1
    assert len({e.series_id for e in await all_events(db)}) == 299  # nothing was dropped
    # It works again: told once; a later failure is a new spell, told again.
    server.status = 200
    clock.advance(timedelta(hours=1))
    await sweep(room, sweeps)
    assert "works again" in room.inbox(ADMIN)[-1].text
    server.status = 404
    clock.advance(timedelta(hours=24))
    await sweep(room, sweeps)
    assert len([r for r in room.inbox(ADMIN) if "couldn't sync" in r.text]) == 2


async def test_a_huge_or_silent_feed_fails_within_its_limits(
    room: Room, engine: Engine, db: Database, clock: ManualClock, server: FeedServer
) -> None:
    server.body = b"[" + b" " * (3 * 1024 * 1024) + b"]"
    await sweep(room, sweeper(engine, server, max_bytes=1024 * 1024))
    assert "it is larger than 1 MB" in room.texts(ADMIN)
    assert await all_events(db) == []

    server.delay, server.body = 2.0, V1
    clock.advance(timedelta(hours=24))
    await sweep(room, sweeper(engine, server, timeout_seconds=0.3))
    # Still the same failure spell: admins are not told again, and nothing was stored.
    assert len([r for r in room.inbox(ADMIN) if "couldn't sync" in r.text]) == 1
    async with db.transaction() as tx:
        feed = await tx.events.feed(server.url)
    assert feed.failure is not None and "didn't answer within 0.3 seconds" in feed.failure


# -- an admin's file, and what members see ------------------------------------------------
async def test_an_admins_feed_file_and_events_by_kind(
    room: Room, engine: Engine, db: Database
) -> None:
    await join(engine, RIVER)
    small = b"[" + b",".join(line.rstrip(b",") for line in V1.splitlines()[1:13]) + b"]"
    feed = read_feed(small, default_timezone="UTC")
    room.collect(await engine.handle(ADMIN, Input(media="document", calendar=feed)))
    assert "Meeting list imported: 12 weekly meetings — 11 added" in room.inbox(ADMIN)[-1].text
    bad = read_feed(b'{"not": "a list"}', default_timezone="UTC")
    room.collect(await engine.handle(ADMIN, Input(media="document", calendar=bad)))
    assert "isn't a Meeting Guide feed" in room.inbox(ADMIN)[-1].text

    await room.say(RIVER, "/events online")
    online = [r.text for r in room.inbox(RIVER) if r.text.startswith("📅")]
    assert online and all("💻 Join online: https://zoom.us/j/" in t for t in online)
    assert all("📞 Join by phone:" in t for t in online)
    room.mail.clear()
    await room.say(RIVER, "/events in person")
    in_person = [r.text for r in room.inbox(RIVER) if r.text.startswith("📅")]
    assert in_person and all("📍" in t and "closed for now" not in t for t in in_person)
    room.mail.clear()
    await room.say(RIVER, "/events open")
    assert all("Open to all" in r.text for r in room.inbox(RIVER) if r.text.startswith("📅"))
    await room.say(RIVER, "/events nearby")
    assert "/events online, /events in person or /events open" in room.inbox(RIVER)[-1].text

    # Asked once which suits them; online first in suggestions from then on.
    room.mail.clear()
    await room.say(RIVER, "/events")
    assert "do online meetings or ones in person suit you better?" in room.texts(RIVER)
    await room.say(RIVER, "/meetings online")
    assert "I'll suggest online meetings first" in room.inbox(RIVER)[-1].text
    room.mail.clear()
    await room.say(RIVER, "/events")
    assert "suit you better" not in room.texts(RIVER)


def _file(entries: list[dict[str, object]]) -> Input:
    feed = read_feed(json.dumps(entries).encode(), default_timezone="UTC")
    return Input(media="document", calendar=feed)


async def test_a_location_closed_for_now_goes_online_and_changes_are_told_once_each(
    room: Room, engine: Engine, db: Database
) -> None:
    await join(engine, RIVER)
    await join(engine, LAKE)
    entries: list[dict[str, object]] = json.loads(V1)[:12]
    room.collect(await engine.handle(ADMIN, _file(entries)))
    hybrid, six = await by_title(db, "2"), await by_title(db, "6")
    await room.say(RIVER, f"/rsvp {hybrid[0].id} usually")  # every date of meeting-2
    await room.say(LAKE, f"/rsvp {six[0].id} going")  # one date of meeting-6
    room.mail.clear()

    # The feed marks meeting-2's location temporarily closed, its Zoom room still on;
    # meeting-6 moves from Saturday to Sunday.
    by_slug = {e["slug"]: e for e in entries}
    two, moved = by_slug["meeting-2"], by_slug["meeting-6"]
    assert isinstance(two["types"], list) and moved["day"] == 6
    two["types"] = [*two["types"], "TC"]
    moved["day"] = 0
    room.collect(await engine.handle(ADMIN, _file(entries)))
    assert "2 updated" in room.inbox(ADMIN)[-1].text

    # River is told once, not once a date: closed for now, online only, how to join.
    [told] = [r.text for r in room.inbox(RIVER)]
    assert "Courage Hall — 2 Main Street, Riverside, NY, 10001, US is closed for now" in told
    assert "so it meets online only from Tue 24 Nov, 15:00" in told
    assert "💻 https://zoom.us/j/9000002 · 📞 +16465588656,,9000002#" in told
    # Lake's Saturday is off; the Sundays are there to answer.
    [cancelled] = [r.text for r in room.inbox(LAKE)]
    assert f"{six[0].title} on Sat 28 Nov" in cancelled and "has been cancelled" in cancelled
    assert "no longer has it on that day" in cancelled
    assert all(e.starts_at.weekday() == 6 for e in await by_title(db, "6"))

    # Meeting-2 is still listed, online, and no longer in person.
    await room.say(RIVER, "/events in person")
    assert not any("Courage Discussion 2" in r.text for r in room.inbox(RIVER)[1:])
    await room.say(RIVER, "/events online")
    assert any("Courage Discussion 2" in r.text for r in room.inbox(RIVER))


async def test_a_feed_meeting_is_edited_one_date_at_a_time(
    room: Room, engine: Engine, db: Database
) -> None:
    entries: list[dict[str, object]] = json.loads(V1)[:12]
    room.collect(await engine.handle(ADMIN, _file(entries)))
    [first, *_] = await by_title(db, "2")
    await room.say(ADMIN, f"/editevent {first.id}")
    # The meeting list is where the series lives: no whole-series choice is offered.
    asked = room.inbox(ADMIN)[-1]
    assert "comes from a meeting list (MEETING_FEEDS)" in asked.text
    assert "The whole series" not in [c.label for c in asked.choices]
    await room.tap(ADMIN, "Place")
    await room.say(ADMIN, "Side room")
    await room.tap(ADMIN, "Done")
    assert "Saved." in room.inbox(ADMIN)[-1].text
    [changed, *others] = await by_title(db, "2")
    assert changed.place == "Side room" and changed.detached
    assert all(other.place != "Side room" for other in others)
