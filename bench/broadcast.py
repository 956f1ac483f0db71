"""One broadcast to 10,000 members on the fake Bot API while 50 members chat, and a kill -9
halfway through it.

    .venv/bin/python -m bench.broadcast [--members 10000] [--chatters 50] [--rtt-ms 20]

The fake Bot API (`python -m tests.fake_telegram`) runs in its own process with a
simulated round trip on every call, and the bot (`python -m bot`) in another, as in
bench/throughput.py. The members are seeded straight into the database; the broadcast
is queued the way /broadcast's confirmation queues it (flows/broadcasts), time-critical,
to members who take announcements. Meanwhile each chatting member sends
`/announcements` (one reply each) every `--every` seconds, open loop.

1. Baseline: the members chat for `--baseline` seconds, no broadcast.
2. The broadcast is queued; the members go on chatting.
3. Halfway through it the bot is killed with SIGKILL, then started again, and the rest
   is delivered.

Printed: the delivery rate before the kill and after the restart against
TELEGRAM_BULK_PER_SECOND, the most broadcast messages that reached the fake server in any
second (whole seconds of its clock, and any window of one second), the duplicates (a
member with two copies), what was lost (a member with none whose row is not
`unconfirmed`), the rows left unconfirmed by the kill (and how many of those did arrive),
and the p50/p99 reply latency of the chatting members without and with the broadcast
(injection to reply, as the fake server's clock measures them).
"""

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.throughput import ROOT, TOKEN, Control
from flows.broadcasts.audience import ANNOUNCEMENTS, HEADER, candidates, reach
from flows.core.config import FlowConfig
from storage import Account, open_database

ADMIN = 900_000_001
FIRST_CHAT = 100_000
TEXT = "Tonight's meeting has moved to the library, same time. See you there!"
PROBE = "/announcements"


async def seed_members(db_path: Path, members: int) -> list[int]:
    """Members who finished sign-up, without reminders, so only the load talks."""
    chats = list(range(FIRST_CHAT, FIRST_CHAT + members))
    db = await open_database(str(db_path))
    now = datetime.now(UTC)
    async with db.transaction() as tx:
        for chat in chats:
            member = await tx.members.create_for_account(
                Account("telegram", str(chat)), timezone="UTC", now=now
            )
            await tx.members.record_consent(member.id, version=1, now=now)
            await tx.members.complete_onboarding(member.id, now=now)
    await db.close()
    return chats


async def queue_broadcast(db_path: Path) -> int:
    """What /broadcast's confirmation writes: the broadcast and one row per recipient."""
    db = await open_database(str(db_path))
    now = datetime.now(UTC)
    config = FlowConfig(crisis_resources="")
    async with db.transaction() as tx:
        found = await candidates(tx, config, ANNOUNCEMENTS, None)
        figures = reach(config, found, ANNOUNCEMENTS, now, time_critical=True)
        broadcast_id = await tx.broadcasts.create(
            author_id=None,
            author=Account("telegram", str(ADMIN)),
            text=TEXT,
            audience=ANNOUNCEMENTS,
            channel=None,
            time_critical=True,
            now=now,
        )
        await tx.broadcasts.add_recipients(broadcast_id, figures.recipients)
    await db.close()
    return broadcast_id


def db_query(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30) as conn:
        return list(conn.execute(sql))


class Chatters:
    """Members sending `/announcements` in turn, each every `every` seconds, open loop."""

    def __init__(self, control: Control, chats: list[int], every: float) -> None:
        self._control = control
        self._chats = chats
        self._gap = every / len(chats)
        self.sent: list[tuple[int, float]] = []  # (chat, injected at, the fake's clock)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        turn = 0
        next_at = time.monotonic()
        while not self._stop.is_set():
            chat = self._chats[turn % len(self._chats)]
            turn += 1
            answer = self._control.call(
                "backlog", {"messages": [{"user_id": chat, "text": PROBE}]}
            )
            self.sent.append((chat, answer["at"]))
            next_at += self._gap
            self._stop.wait(max(0.0, next_at - time.monotonic()))


def latencies(
    calls: list[dict[str, Any]], sent: list[tuple[int, float]], since: float, until: float
) -> list[float]:
    """Injection to reply for the probes injected in [since, until): each chat's replies
    (not the broadcast) answer its probes in order."""
    replies: dict[int, list[float]] = defaultdict(list)
    for call in calls:
        params = call["params"]
        if call["status"] == 200 and not str(params.get("text", "")).startswith(HEADER):
            replies[params.get("chat_id")].append(call["answered_at"])
    probes: dict[int, list[float]] = defaultdict(list)
    for chat, at in sent:
        probes[chat].append(at)
    found = []
    for chat, ats in probes.items():
        for at, answered in zip(ats, sorted(replies.get(chat, [])), strict=False):
            if since <= at < until:
                found.append(answered - at)
    return sorted(found)


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(len(values) * share))] if values else float("nan")


def rate_figures(times: list[float]) -> dict[str, float]:
    """Rate, and the most in a whole second and in any window of one second."""
    if len(times) < 2:
        return {"count": len(times), "rate": float("nan"), "whole": len(times), "window": 0}
    times = sorted(times)
    whole = max(Counter(int(t) for t in times).values())
    window, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        window = max(window, last - first + 1)
    return {
        "count": len(times),
        "rate": (len(times) - 1) / (times[-1] - times[0]),
        "whole": whole,
        "window": window,
    }


def start_bot(env: dict[str, str], workdir: Path) -> "subprocess.Popen[bytes]":
    return subprocess.Popen([sys.executable, "-m", "bot"], cwd=workdir, env=env)


def broadcast_calls(control: Control, since: int) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = control.call(f"calls?method=sendMessage&since={since}")
    return calls


def run(args: argparse.Namespace, workdir: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PTB_TIMEDELTA": "1"}
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "tests.fake_telegram"),
            *("--port", "0", "--delay-ms", str(args.rtt_ms), "--token", TOKEN),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    bot: subprocess.Popen[bytes] | None = None
    try:
        assert server.stdout is not None
        ready = json.loads(server.stdout.readline())
        db_path = workdir / "broadcast.db"
        chats = asyncio.run(seed_members(db_path, args.members))
        bot_env = {
            **env,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": ready["base_url"],
            "TELEGRAM_BULK_PER_SECOND": str(args.limit),
            "DATABASE_URL": f"sqlite:///{db_path}",
            "ADMINS": f"telegram:{ADMIN}",
            "LOG_LEVEL": "WARNING",
        }
        bot = start_bot(bot_env, workdir)
        control = Control(ready["control_url"], bot, "hearthside")
        control.call("wait", {"method": "getUpdates", "count": 1, "started": True, "timeout": 300})
        # Start-up work (the crisis detector's model, the places) settles first.
        time.sleep(args.warmup)
        chatters = Chatters(control, chats[: args.chatters], args.every)

        # 1. Baseline.
        chatters.start()
        time.sleep(args.baseline)
        baseline_end = time.monotonic()

        # 2. The broadcast, while they go on chatting.
        broadcast_id = asyncio.run(queue_broadcast(db_path))
        print(f"queued broadcast={broadcast_id} recipients={args.members}", flush=True)
        half = args.members // 2
        while True:
            sent = db_query(
                db_path,
                "SELECT count(*) FROM broadcast_recipient WHERE state IN ('sent', 'claimed')",
            )[0][0]
            if sent >= half:
                break
            time.sleep(0.05)
        chatters.stop()
        killed_at = time.monotonic()
        bot.send_signal(signal.SIGKILL)
        bot.wait(timeout=30)
        unconfirmed_at_kill = db_query(
            db_path, "SELECT count(*) FROM broadcast_recipient WHERE state = 'claimed'"
        )[0][0]

        # 3. Started again: the rest goes out.
        bot = start_bot(bot_env, workdir)
        control.bot = bot
        restarted_at = time.monotonic()
        while not db_query(
            db_path, f"SELECT reported_at IS NOT NULL FROM broadcast WHERE id = {broadcast_id}"
        )[0][0]:
            time.sleep(0.5)
        calls = broadcast_calls(control, 0)
    finally:
        if bot is not None and bot.poll() is None:
            bot.terminate()
            bot.wait(timeout=30)
        server.terminate()
        server.wait(timeout=30)
    report(args, db_path, calls, chatters.sent, baseline_end, killed_at, restarted_at)
    print(f"rows_claimed_at_the_kill={unconfirmed_at_kill}", flush=True)


def report(
    args: argparse.Namespace,
    db_path: Path,
    calls: list[dict[str, Any]],
    probes: list[tuple[int, float]],
    baseline_end: float,
    killed_at: float,
    restarted_at: float,
) -> None:
    copies: Counter[int] = Counter()
    before: list[float] = []
    after: list[float] = []
    for call in calls:
        params = call["params"]
        if call["status"] != 200 or not str(params.get("text", "")).startswith(HEADER):
            continue
        if params["chat_id"] == ADMIN:
            continue
        copies[params["chat_id"]] += 1
        (before if call["at"] < killed_at else after).append(call["at"])
    states = dict(
        db_query(db_path, "SELECT state, count(*) FROM broadcast_recipient GROUP BY state")
    )
    unconfirmed = {
        int(row[0])
        for row in db_query(
            db_path, "SELECT external_id FROM broadcast_recipient WHERE state = 'unconfirmed'"
        )
    }
    everyone = {
        int(row[0]) for row in db_query(db_path, "SELECT external_id FROM broadcast_recipient")
    }
    duplicates = sum(1 for n in copies.values() if n > 1)
    lost = sum(1 for chat in everyone if copies[chat] == 0 and chat not in unconfirmed)
    arrived_unconfirmed = sum(1 for chat in unconfirmed if copies[chat] > 0)
    first = rate_figures(before)
    second = rate_figures(after)
    for name, f in (("before_kill", first), ("after_restart", second)):
        print(
            f"delivery {name}: sent={f['count']} rate={f['rate']:.2f}/s "
            f"({f['rate'] / args.limit * 100:.1f}% of {args.limit:g}/s) "
            f"max_in_a_whole_second={f['whole']} max_in_any_1s_window={f['window']}",
            flush=True,
        )
    print(
        f"duplicates={duplicates} lost={lost} unconfirmed={len(unconfirmed)} "
        f"(arrived={arrived_unconfirmed}) states={json.dumps(states, sort_keys=True)}",
        flush=True,
    )
    print(f"restart_to_first_send_s={min(after) - restarted_at:.2f}" if after else "", flush=True)
    quiet = latencies(calls, probes, 0.0, baseline_end)
    busy = latencies(calls, probes, baseline_end + 1.0, killed_at - 3.0)
    p99_quiet, p99_busy = percentile(quiet, 0.99), percentile(busy, 0.99)
    print(
        f"replies without broadcast: n={len(quiet)} p50={percentile(quiet, 0.5) * 1000:.0f}ms "
        f"p99={p99_quiet * 1000:.0f}ms",
        flush=True,
    )
    print(
        f"replies during broadcast:  n={len(busy)} p50={percentile(busy, 0.5) * 1000:.0f}ms "
        f"p99={p99_busy * 1000:.0f}ms (x{p99_busy / p99_quiet:.2f})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--chatters", type=int, default=50)
    parser.add_argument(
        "--every", type=float, default=2.0, help="seconds between a chatter's messages"
    )
    parser.add_argument("--baseline", type=float, default=60.0, help="seconds of chat alone")
    parser.add_argument("--warmup", type=float, default=15.0, help="seconds after start")
    parser.add_argument("--rtt-ms", type=int, default=20)
    parser.add_argument("--limit", type=float, default=30.0, help="TELEGRAM_BULK_PER_SECOND")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(args, Path(tmp))


if __name__ == "__main__":
    main()
