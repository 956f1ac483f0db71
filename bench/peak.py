"""A peak minute: many members due their daily prompt at once, while others chat.

    .venv/bin/python -m bench.peak [--due 20000] [--chatting 300] [--rate 10]

Seeds `--due` onboarded members whose daily prompt is due now (as if all chose 09:00 in
one time zone) and `--chatting` others, starts the fake Bot API and the bot (as
bench.throughput does), and while the first sweep prompts everyone due, the chatting
members each start a check-in (`/checkin`), `--rate` a second. Printed: how long the
sweep took to enqueue every prompt (until no member is still due, read from the database
file), how long Telegram-paced delivery took until the last prompt was sent (about 30 a
second is Telegram's limit for bulk, and a prompt is two messages, its greeting and its
first question: 20,000 take about 22 minutes), and the p50/p99
latency from a chatting member's message to its reply, beside the same chatting load on
an idle bot (nobody due) in the same run; with the bot's event-loop lag and memory.
"""

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.throughput import ROOT, TOKEN, Control, cpu_seconds, loop_lag, rss_mib
from storage import Account, open_database
from storage.timeutil import to_db

FIRST_DUE = 200_000
FIRST_CHATTING = 900_000
PROMPT = "Time for your daily check-in"
# A prompt is two messages: the greeting, then the check-in's first question.
MESSAGES_PER_PROMPT = 2
REPLY = "How are you feeling"


async def seed(db_path: Path, due: int, chatting: int) -> None:
    """Onboarded members: `due` of them with their daily prompt due a minute ago."""
    db = await open_database(str(db_path))
    now = datetime.now(UTC)
    chats = [(FIRST_DUE + n, True) for n in range(due)]
    chats += [(FIRST_CHATTING + n, False) for n in range(chatting)]
    for first in range(0, len(chats), 1000):
        async with db.transaction() as tx:
            for chat, is_due in chats[first : first + 1000]:
                member = await tx.members.create_for_account(
                    Account("telegram", str(chat)), timezone="UTC", now=now
                )
                await tx.members.record_consent(member.id, version=1, now=now)
                await tx.members.rename(member.id, "Bench Member")
                await tx.members.complete_onboarding(member.id, now=now)
                if is_due:
                    await tx.members.schedule_prompt(member.id, now - timedelta(minutes=1))
    await db.close()


def still_due(db_path: Path) -> int:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT count(*) FROM member WHERE next_prompt_at <= ?",
            (to_db(datetime.now(UTC)),),
        ).fetchone()
        return int(row[0])
    finally:
        conn.close()


def run(due: int, chatting: int, rate: float, workdir: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PTB_TIMEDELTA": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_telegram", "--port", "0", "--token", TOKEN],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    db_path = workdir / f"peak-{due}.db"
    lag_file = workdir / f"peak-lag-{due}.txt"
    try:
        assert server.stdout is not None
        ready = json.loads(server.stdout.readline())
        asyncio.run(seed(db_path, due, chatting))
        bot_env = {
            **env,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": ready["base_url"],
            "DATABASE_URL": f"sqlite:///{db_path}",
            "LOG_LEVEL": "WARNING",
            "LOOP_LAG_FILE": str(lag_file),
        }
        bot = subprocess.Popen(
            [sys.executable, "-m", "bench.lag_probe", "bot"], cwd=workdir, env=bot_env
        )
        try:
            control = Control(ready["control_url"], bot, "hearthside")
            control.call(
                "wait", {"method": "getUpdates", "count": 1, "started": True, "timeout": 300}
            )
            # The first sweep starts 0.1 s after the bot does.
            started = time.monotonic()
            cpu_before, rss_idle = cpu_seconds(bot.pid), rss_mib(bot.pid)
            enqueued: list[float] = []

            def watch() -> None:
                while still_due(db_path):
                    time.sleep(0.05)
                enqueued.append(time.monotonic())

            watcher = threading.Thread(target=watch)
            watcher.start()
            injected: dict[int, float] = {}
            for n in range(chatting):
                chat = FIRST_CHATTING + n
                answer = control.call(
                    "backlog", {"messages": [{"user_id": chat, "text": "/checkin"}]}
                )
                injected[chat] = answer["at"]
                time.sleep(max(0.0, started + (n + 1) / rate - time.monotonic()))
            watcher.join()
            expected = due * MESSAGES_PER_PROMPT + chatting
            control.call("wait", {"method": "sendMessage", "count": expected, "timeout": 3600})
            cpu_after, rss_after = cpu_seconds(bot.pid), rss_mib(bot.pid)
            calls = control.call("calls?method=sendMessage")
        finally:
            bot.terminate()
            bot.wait(timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=30)
    prompts = [c["answered_at"] for c in calls if PROMPT in str(c["params"].get("text", ""))]
    latencies = sorted(
        min(
            c["answered_at"]
            for c in calls
            if c["params"].get("chat_id") == chat and REPLY in str(c["params"].get("text", ""))
        )
        - at
        for chat, at in injected.items()
    )
    finished = max(prompts) if prompts else time.monotonic()
    return {
        "enqueue_s": enqueued[0] - started,
        "delivered_s": (max(prompts) - started) if prompts else 0.0,
        "prompts": len(prompts),
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "lag": loop_lag(lag_file, started, finished),
        "cpu_s": cpu_after - cpu_before,
        "rss": (rss_idle, rss_after),
    }


def report(label: str, f: dict[str, Any]) -> None:
    lag = f["lag"]
    messages = f["prompts"] * MESSAGES_PER_PROMPT
    per_second = messages / f["delivered_s"] if f["delivered_s"] else 0.0
    lag_text = f"loop_lag_p99={lag[0] * 1000:.1f}ms max={lag[1] * 1000:.1f}ms" if lag else ""
    print(
        f"{label:<8} prompts={f['prompts']:>6} enqueued_in={f['enqueue_s']:6.1f}s "
        f"delivered_in={f['delivered_s']:6.1f}s ({per_second:.1f} messages/s) "
        f"chat_reply_p50={f['p50'] * 1000:6.0f}ms p99={f['p99'] * 1000:6.0f}ms {lag_text} "
        f"cpu={f['cpu_s']:.1f}s rss_idle={f['rss'][0]:.0f}MiB rss_after={f['rss'][1]:.0f}MiB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--due", type=int, default=20_000)
    parser.add_argument("--chatting", type=int, default=300)
    parser.add_argument("--rate", type=float, default=10.0, help="chat messages a second")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        idle = run(0, args.chatting, args.rate, Path(tmp))
        report("idle", idle)
        peak = run(args.due, args.chatting, args.rate, Path(tmp))
        report("peak", peak)
    print(f"chat_reply_p99 peak/idle={peak['p99'] / idle['p99']:.2f}")


if __name__ == "__main__":
    main()
