"""Cost of one scheduler sweep over a large community: `python -m bench.sweep`.

    .venv/bin/python -m bench.sweep [--members 100000] [--days 365] [--events 200]

Builds a SQLite database (in a temporary folder) of onboarded members spread over
six time zones, each with a year of daily mood check-ins and weekly connection
check-ins, 200 upcoming events with RSVPs, and the member-row signals the
isolation rule keeps (flows/community/isolation.py). Then it runs the real `Sweeper` as the
scheduler would, one tick a minute:

- "sweep idle": a tick at which nobody is due (the cost of asking "who is due now?");
- "sweep tick": ticks at which about a minute's worth of members are due their
  daily prompt, connection check-in, event reminder or nudge, each committed to
  the outbox in its own transaction (channel delivery is not part of it).

Printed: the build time, the median and worst of each kind of sweep, how many
members were due per tick, the Python heap peak during the sweeps and the
process's peak resident memory.
"""

import argparse
import asyncio
import random
import resource
import sqlite3
import statistics
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flows.catalogue import create_engine
from flows.community.isolation import IsolationRule, next_nudge_time
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.sweeper import Sweeper
from storage import Member, open_database
from storage.timeutil import to_db

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
ZONES = (
    "America/Chicago",
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Dublin",
    "UTC",
)
TAGS = ("meeting", "walk", "workshop", "social", "online")
TICK = timedelta(minutes=1)
TICKS = 15


def _steady(due: datetime, rng: random.Random) -> datetime:
    """A nudge already due would have been handled by earlier ticks: spread those over
    the next NUDGE_MIN_DAYS, as a sweep that has been running all along leaves them."""
    return due if due > NOW else NOW + timedelta(seconds=rng.uniform(0, 3 * 86_400))


def _member_rows(count: int, rng: random.Random) -> list[tuple[object, ...]]:
    rule = IsolationRule()
    rows: list[tuple[object, ...]] = []
    joined = NOW - timedelta(days=366)
    for member_id in range(1, count + 1):
        last_ucla3 = rng.randint(3, 9)
        low_run = rng.choice((0, 0, 0, 1, 2, 3, 4))
        contact = NOW - timedelta(days=rng.uniform(0, 30))
        last_nudge = NOW - timedelta(days=rng.uniform(0, 10))
        member = Member(
            id=member_id,
            created_at=joined,
            pseudonym="Member",
            timezone=rng.choice(ZONES),
            prompt_time=f"{rng.randint(7, 21):02d}:{rng.randint(0, 59):02d}",
            consent_version=1,
            consented_at=joined,
            onboarded_at=joined,
            paused=False,
            unreachable_at=None,
            checkin_count=365,
            last_checkin_date=NOW.date() - timedelta(days=1),
            streak_days=rng.randint(0, 30),
            next_prompt_at=None,
            next_connect_at=None,
            last_ucla3=last_ucla3,
            last_contact_at=contact,
            low_mood_run=low_run,
            last_nudge_at=last_nudge,
        )
        nudge_at = next_nudge_time(member, rule=rule, min_days=3)
        # Due times spread as the real ones are: over the next day and the next week.
        prompt_at = NOW + timedelta(seconds=rng.uniform(0, 86_400))
        connect_at = NOW + timedelta(seconds=rng.uniform(0, 7 * 86_400))
        rows.append(
            (
                member_id,
                to_db(joined),
                "Member",
                member.timezone,
                member.prompt_time,
                1,
                to_db(joined),
                to_db(joined),
                member.checkin_count,
                str(member.last_checkin_date),
                member.streak_days,
                to_db(prompt_at),
                to_db(connect_at),
                last_ucla3,
                to_db(contact),
                low_run,
                to_db(last_nudge),
                None if nudge_at is None else to_db(_steady(nudge_at, rng)),
            )
        )
    return rows


def build(path: Path, members: int, days: int, events: int, rng: random.Random) -> None:
    """Fill an already migrated database; plain sqlite3, as a bulk load."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    with conn:
        conn.executemany(
            "INSERT INTO member (id, created_at, pseudonym, timezone, prompt_time, "
            "consent_version, consented_at, onboarded_at, checkin_count, last_checkin_date, "
            "streak_days, next_prompt_at, next_connect_at, last_ucla3, last_contact_at, "
            "low_mood_run, last_nudge_at, next_nudge_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _member_rows(members, rng),
        )
        conn.execute(
            "INSERT INTO account (channel, external_id, member_id) "
            "SELECT 'console', CAST(id AS TEXT), id FROM member"
        )
        # A year of history, generated inside SQLite: the sweep must never need it.
        conn.execute(
            "WITH RECURSIVE d(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM d WHERE n < ?) "
            "INSERT INTO mood_checkin (member_id, local_date, mood, tags, created_at, "
            "updated_at) SELECT m.id, date(?, '-' || d.n || ' days'), 1 + abs(random()) % 5, "
            "'sleep', ?, ? FROM member AS m CROSS JOIN d",
            (days, NOW.date().isoformat(), to_db(NOW), to_db(NOW)),
        )
        conn.execute(
            "WITH RECURSIVE w(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM w WHERE n < ?) "
            "INSERT INTO connection_checkin (member_id, local_date, lack_companionship, "
            "left_out, isolated, ucla3_total, community_contacts, created_at) "
            "SELECT m.id, date(?, '-' || (7 * w.n) || ' days'), 2, 2, 2, 6, 1, ? "
            "FROM member AS m CROSS JOIN w",
            (max(1, days // 7), NOW.date().isoformat(), to_db(NOW)),
        )
        event_rows = []
        for event_id in range(1, events + 1):
            starts = NOW + timedelta(hours=rng.uniform(4, 60 * 24))
            event_rows.append(
                (
                    event_id,
                    f"bench-{event_id}",
                    f"Event {event_id}",
                    "Community hall",
                    to_db(starts),
                    ",".join(rng.sample(TAGS, 2)),
                    to_db(NOW),
                    to_db(NOW),
                )
            )
        conn.executemany(
            "INSERT INTO event (id, uid, title, place, starts_at, tags, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            event_rows,
        )
        # Five RSVPs per event, their next reminder due somewhere in the next two days.
        conn.executemany(
            "INSERT OR IGNORE INTO rsvp (event_id, member_id, answer, answered_at, stage, "
            "due_at) VALUES (?, ?, 'going', ?, 'day_before', ?)",
            [
                (
                    event_id,
                    rng.randint(1, members),
                    to_db(NOW),
                    to_db(NOW + timedelta(seconds=rng.uniform(0, 2 * 86_400))),
                )
                for event_id in range(1, events + 1)
                for _ in range(5)
            ],
        )
    conn.execute("ANALYZE")
    conn.close()


async def measure(path: Path) -> None:
    db = await open_database(str(path))
    clock = ManualClock(NOW)
    config = FlowConfig(crisis_resources="Crisis lines.", default_timezone="UTC")
    sweeper = Sweeper(create_engine(db, clock, config, rng=random.Random(1)))
    await sweeper.sweep()  # warm the page cache and prepared statements
    tracemalloc.start()
    idle: list[float] = []
    ticks: list[float] = []
    due: list[int] = []
    for _ in range(TICKS):
        clock.advance(TICK)
        started = time.perf_counter()
        report, _ = await sweeper.sweep()
        ticks.append(time.perf_counter() - started)
        due.append(
            report.prompted
            + report.connect_prompted
            + report.deferred
            + report.nudged
            + report.event_reminders
        )
        started = time.perf_counter()
        await sweeper.sweep()  # the same minute again: nobody is due any more
        idle.append(time.perf_counter() - started)
    _, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await db.close()
    print(
        f"sweep idle: median {statistics.median(idle) * 1000:.1f} ms, "
        f"worst {max(idle) * 1000:.1f} ms over {len(idle)} sweeps"
    )
    print(
        f"sweep tick: median {statistics.median(ticks) * 1000:.1f} ms, "
        f"worst {max(ticks) * 1000:.1f} ms over {len(ticks)} sweeps; "
        f"{statistics.median(due):.0f} members due per tick (median)"
    )
    print(
        f"memory: Python heap peak {heap_peak / 2**20:.1f} MiB during sweeps, "
        f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365, help="days of check-in history")
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hearthside-sweep-") as folder:
        path = Path(folder) / "bench.db"
        db = await open_database(str(path))  # creates and migrates the schema
        await db.close()
        started = time.perf_counter()
        build(path, args.members, args.days, args.events, random.Random(42))
        size = path.stat().st_size / 2**20
        print(
            f"built {args.members} members, {args.members * args.days} mood check-ins, "
            f"{args.events} events in {time.perf_counter() - started:.0f} s ({size:.0f} MiB)"
        )
        await measure(path)


if __name__ == "__main__":
    asyncio.run(main())
