"""Cost of one scheduler sweep over a large community: `python -m bench.sweep`.

    .venv/bin/python -m bench.sweep [--members 100000] [--days 365] [--events 200]
                                    [--series 200]

Builds a SQLite database (in a temporary folder) of onboarded members spread over
six time zones, each with a year of daily mood check-ins and weekly connection
check-ins, 200 upcoming one-off events with RSVPs, the community's 200 weekly meetings,
and the member-row signals the isolation rule keeps (flows/community/isolation.py).
The weekly meetings are series (flows/community/series.py) with their dates over the
8-week horizon, as a sweep that has been running all along leaves them: each series due
to have its next dates made some time in the next day, a few members who usually go
(every date answered going) and a few who answered one date, each answer with its next
reminder due. On a schema without series (the code before them) the same dates are
stored as one-off events with the same answers, so both codes sweep the same calendar.
Then it runs the real `Sweeper` as the scheduler would, one tick a minute:

- "sweep idle": a tick at which nobody is due (the cost of asking "who is due now?");
- "sweep tick": ticks at which about a minute's worth of members are due their
  daily prompt, connection check-in, event reminder or nudge, each committed to
  the outbox in its own transaction (channel delivery is not part of it).

Printed: the build time, the median and worst of each kind of sweep (wall time) and
its median CPU time (the whole process, steadier on a shared machine), the SQL work of
each (SQLite's VM steps: the same for the same data and code, however busy the
machine), how many members
were due per tick, how many weekly meetings the sweeps rolled on and the dates that
made, the Python heap peak during the sweeps and the process's peak resident memory.
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
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import flows.sweeper
from flows.catalogue import create_engine
from flows.community.isolation import IsolationRule, next_nudge_time
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.sweep import SweepStep
from flows.sweeper import Sweeper
from storage import Database, Member, open_database
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
R = TypeVar("R")
try:  # the rolling horizon of repeating events; the code before them had none
    from flows.community.series import EXTEND_SLACK, HORIZON
except ImportError:
    HORIZON, EXTEND_SLACK = timedelta(days=56), timedelta(days=1)
USUALLY_GO = 5  # members who usually go to each weekly meeting
ONE_DATE = 2  # members who answered one date of it
MEETING_TIMES = ("07:00", "12:00", "12:30", "18:00", "18:30", "19:00", "19:30", "20:00")


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


def _weekly_dates(zone: str, weekday: int, hhmm: str, until: datetime) -> list[datetime]:
    """A weekly meeting's starts (UTC) in (NOW, until], at its wall-clock time."""
    tz = ZoneInfo(zone)
    hours, minutes = (int(part) for part in hhmm.split(":"))
    day = NOW.astimezone(tz).date()
    day += timedelta(days=(weekday - day.weekday()) % 7)
    found: list[datetime] = []
    while True:
        start = datetime.combine(day, wall_time(hours, minutes), tzinfo=tz).astimezone(UTC)
        if start > until:
            return found
        if start > NOW:
            found.append(start)
        day += timedelta(days=7)


def _reminder(starts: datetime) -> tuple[str, datetime]:
    """An answer's next reminder: the day before, or the hour before once that has passed."""
    if starts - timedelta(days=1) > NOW:
        return "day_before", starts - timedelta(days=1)
    return "hour_before", max(starts - timedelta(hours=1), NOW + timedelta(minutes=1))


def _build_series(
    conn: sqlite3.Connection, count: int, members: int, first_event_id: int, rng: random.Random
) -> tuple[int, int]:
    """The weekly meetings, their dates and answers; (dates, answers) stored."""
    has_series = any(row[1] == "series_id" for row in conn.execute("PRAGMA table_info(event)"))
    event_id, dates, answers = first_event_id, 0, 0
    for series_id in range(1, count + 1):
        zone, weekday = rng.choice(ZONES), rng.randrange(7)
        hhmm = rng.choice(MEETING_TIMES)
        # Steady state: each series' next dates are made once a day, so its horizon ends
        # somewhere in the last day of it.
        expanded_until = NOW + HORIZON - EXTEND_SLACK + timedelta(seconds=rng.uniform(1, 86_400))
        starts = _weekly_dates(zone, weekday, hhmm, expanded_until)
        title, uid = f"Weekly meeting {series_id}", f"bench-series-{series_id}"
        usual = rng.sample(range(1, members + 1), USUALLY_GO)
        if has_series:
            conn.execute(
                "INSERT INTO event_series (id, uid, source, title, place, tags, timezone, rule, "
                "local_time, length_minutes, first_date, expanded_until, created_at, updated_at) "
                "VALUES (?, ?, 'admin', ?, 'Church hall', 'meeting', ?, ?, ?, 90, ?, ?, ?, ?)",
                (
                    series_id,
                    uid,
                    title,
                    zone,
                    f"weekly 1 {weekday}",
                    hhmm,
                    date(2026, 1, 5).isoformat(),
                    to_db(expanded_until),
                    to_db(NOW),
                    to_db(NOW),
                ),
            )
            conn.executemany(
                "INSERT INTO series_rsvp (series_id, member_id, answered_at) VALUES (?, ?, ?)",
                [(series_id, member_id, to_db(NOW)) for member_id in usual],
            )
        for start in starts:
            event_id += 1
            occurrence_uid = f"{uid}#{start:%Y%m%dT%H%M%SZ}"
            values = (event_id, occurrence_uid, title, "Church hall", to_db(start))
            ends = to_db(start + timedelta(minutes=90))
            if has_series:
                conn.execute(
                    "INSERT INTO event (id, uid, title, place, starts_at, ends_at, tags, "
                    "series_id, occurrence, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, 'meeting', ?, ?, ?, ?)",
                    (*values, ends, series_id, to_db(start), to_db(NOW), to_db(NOW)),
                )
            else:
                conn.execute(
                    "INSERT INTO event (id, uid, title, place, starts_at, ends_at, tags, "
                    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'meeting', ?, ?)",
                    (*values, ends, to_db(NOW), to_db(NOW)),
                )
            stage, due = _reminder(start)
            one_date = [m for m in rng.sample(range(1, members + 1), ONE_DATE) if m not in usual]
            rows = [(event_id, m, to_db(NOW), stage, to_db(due), 1) for m in usual]
            rows += [(event_id, m, to_db(NOW), stage, to_db(due), 0) for m in one_date]
            if has_series:
                conn.executemany(
                    "INSERT INTO rsvp (event_id, member_id, answer, answered_at, stage, due_at, "
                    "from_series) VALUES (?, ?, 'going', ?, ?, ?, ?)",
                    rows,
                )
            else:
                conn.executemany(
                    "INSERT INTO rsvp (event_id, member_id, answer, answered_at, stage, due_at) "
                    "VALUES (?, ?, 'going', ?, ?, ?)",
                    [row[:5] for row in rows],
                )
            dates += 1
            answers += len(rows)
    return dates, answers


def build(
    path: Path, members: int, days: int, events: int, series: int, rng: random.Random
) -> tuple[int, int, bool]:
    """Fill an already migrated database; plain sqlite3, as a bulk load. Returns the
    weekly meetings' dates and answers, and whether they were stored as series."""
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
        dates, answers = _build_series(conn, series, members, events, rng)
    has_series = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE name = 'event_series'"
    ).fetchone()[0]
    conn.execute("ANALYZE")
    conn.close()
    return dates, answers, bool(has_series)


def _ms(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1000:.1f} ms"


def _rolled_on(path: Path) -> int:
    """Weekly meetings whose next dates the sweeps made (their horizon moved on)."""
    conn = sqlite3.connect(path)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'event_series'").fetchall():
            return 0
        return int(
            conn.execute(
                "SELECT count(*) FROM event_series WHERE expanded_until > ?",
                (to_db(NOW + HORIZON),),
            ).fetchone()[0]
        )
    finally:
        conn.close()


class SqlWork:
    """SQLite's virtual-machine steps, counted in hundreds by a progress handler on the
    database's one connection: the SQL work of a sweep, which a busy machine does not
    disturb (the same data and code give the same count)."""

    EVERY = 100

    def __init__(self) -> None:
        self.steps = 0

    def _step(self) -> int:
        self.steps += self.EVERY
        return 0  # go on

    async def attach(self, db: Database) -> None:
        # The bench reaches past the storage API on purpose: the database's connection
        # is its own, and the handler is set on it (called on whichever thread runs SQL).
        await db._conn.set_progress_handler(self._step, self.EVERY)

    def take(self) -> int:
        steps, self.steps = self.steps, 0
        return steps


class StepTimes:
    """Wall time of each sweep step (by name) in the current tick: the worst tick's cause."""

    def __init__(self) -> None:
        self.tick: dict[str, float] = {}

    def install(self) -> None:
        original = flows.sweeper._Run.__call__
        times = self

        async def timed(run: flows.sweeper._Run, step: SweepStep[R]) -> R:
            started = time.perf_counter()
            try:
                return await original(run, step)
            finally:
                name = getattr(step, "__name__", type(step).__name__)
                times.tick[name] = times.tick.get(name, 0.0) + time.perf_counter() - started

        flows.sweeper._Run.__call__ = timed  # type: ignore[method-assign,assignment]

    def take(self) -> dict[str, float]:
        tick, self.tick = self.tick, {}
        return tick


class LoopLag:
    """Lateness of a 10 ms ticker on the loop while the sweeps run: how long a sweep
    holds the loop (SQLite runs on it), which other chats would wait."""

    TICK = 0.010

    def __init__(self) -> None:
        self.late: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            due = time.perf_counter() + self.TICK
            await asyncio.sleep(self.TICK)
            self.late.append(time.perf_counter() - due)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> tuple[float, float]:
        assert self._task is not None
        self._task.cancel()
        late = sorted(self.late) or [0.0]
        return late[min(len(late) - 1, int(len(late) * 0.99))], late[-1]


async def measure(path: Path) -> None:
    db = await open_database(str(path))
    work = SqlWork()
    await work.attach(db)
    clock = ManualClock(NOW)
    config = FlowConfig(crisis_resources="Crisis lines.", default_timezone="UTC")
    sweeper = Sweeper(create_engine(db, clock, config, rng=random.Random(1)))
    await sweeper.sweep()  # warm the page cache and prepared statements
    steps = StepTimes()
    steps.install()
    lag = LoopLag()
    lag.start()
    checkpoints: list[float] = []
    worst: tuple[float, int, dict[str, float]] = (0.0, 0, {})
    tracemalloc.start()
    # Wall time, and CPU time (every thread of the process: the loop and aiosqlite's
    # worker), which other work on a shared machine disturbs far less.
    idle: list[float] = []
    idle_cpu: list[float] = []
    ticks: list[float] = []
    ticks_cpu: list[float] = []
    idle_steps: list[int] = []
    ticks_steps: list[int] = []
    due: list[int] = []
    dates_made = 0
    for _ in range(TICKS):
        clock.advance(TICK)
        work.take()
        started, started_cpu = time.perf_counter(), time.process_time()
        steps.take()
        report, _ = await sweeper.sweep()
        ticks.append(time.perf_counter() - started)
        ticks_cpu.append(time.process_time() - started_cpu)
        ticks_steps.append(work.take())
        due.append(
            report.prompted
            + report.connect_prompted
            + report.deferred
            + report.nudged
            + report.event_reminders
        )
        if ticks[-1] > worst[0]:
            worst = (ticks[-1], due[-1], steps.take())
        # The WAL is folded after each pass (bot/sweeping.py), on the worker thread.
        started = time.perf_counter()
        await db.checkpoint()
        checkpoints.append(time.perf_counter() - started)
        # Absent before repeating events.
        dates_made += getattr(report, "event_dates_made", 0)
        started, started_cpu = time.perf_counter(), time.process_time()
        await sweeper.sweep()  # the same minute again: nobody is due any more
        idle.append(time.perf_counter() - started)
        idle_cpu.append(time.process_time() - started_cpu)
        idle_steps.append(work.take())
    _, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    lag_p99, lag_max = lag.stop()
    await db.close()
    print(
        f"sweep idle: median {_ms(idle)}, worst {max(idle) * 1000:.1f} ms over "
        f"{len(idle)} sweeps; CPU median {_ms(idle_cpu)}"
    )
    print(
        f"sweep tick: median {_ms(ticks)}, worst {max(ticks) * 1000:.1f} ms over "
        f"{len(ticks)} sweeps; CPU median {_ms(ticks_cpu)}; "
        f"{statistics.median(due):.0f} members due per tick (median)"
    )
    per_member = [cpu / n for cpu, n in zip(ticks_cpu, due, strict=True) if n]
    if per_member:
        print(f"sweep tick CPU per due member: median {_ms(per_member)}")
    seconds, worst_due, worst_steps = worst
    slowest = sorted(worst_steps.items(), key=lambda item: -item[1])[:3]
    print(
        f"worst tick: {seconds * 1000:.1f} ms with {worst_due} members due; slowest steps: "
        + ", ".join(f"{name} {spent * 1000:.1f} ms" for name, spent in slowest)
    )
    print(
        f"WAL checkpoint after each tick (off the loop): median {_ms(checkpoints)}, worst "
        f"{max(checkpoints) * 1000:.1f} ms; event-loop lag during the sweeps (10 ms ticker): "
        f"p99 {lag_p99 * 1000:.1f} ms, worst {lag_max * 1000:.1f} ms"
    )
    print(
        f"SQL work: median {statistics.median(ticks_steps):,.0f} VM steps per tick, "
        f"{statistics.median(idle_steps):,.0f} per idle sweep"
    )
    print(
        f"weekly meetings: {_rolled_on(path)} rolled on by the sweeps, {dates_made} new dates made"
    )
    print(
        f"memory: Python heap peak {heap_peak / 2**20:.1f} MiB during sweeps, "
        f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365, help="days of check-in history")
    parser.add_argument("--events", type=int, default=200, help="one-off events")
    parser.add_argument("--series", type=int, default=200, help="weekly meetings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hearthside-sweep-") as folder:
        path = Path(folder) / "bench.db"
        db = await open_database(str(path))  # creates and migrates the schema
        await db.close()
        started = time.perf_counter()
        dates, answers, as_series = build(
            path, args.members, args.days, args.events, args.series, random.Random(42)
        )
        size = path.stat().st_size / 2**20
        stored = "as series" if as_series else "as one-off events: this schema has no series"
        print(
            f"built {args.members} members, {args.members * args.days} mood check-ins, "
            f"{args.events} events, {args.series} weekly meetings ({dates} dates, {answers} "
            f"answers; {stored}) in {time.perf_counter() - started:.0f} s ({size:.0f} MiB)"
        )
        await measure(path)


if __name__ == "__main__":
    asyncio.run(main())
