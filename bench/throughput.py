"""Throughput of the full Telegram stack against a bare python-telegram-bot echo bot.

    .venv/bin/python -m bench.throughput [--chats-rtt0 1000] [--chats-rtt50 200]

Each case starts the fake Bot API (`python -m tests.fake_telegram`) in its own
process, with a simulated round trip added to every Bot API call, and the bot
under test in another, and drives them through the fake's HTTP control surface
(tests/fake_telegram/control.py). Once the bot polls, every chat sends a burst
of four messages at once:
for Hearthside a complete daily check-in typed as answers ("/checkin", "4",
"done", "skip"), for the echo bot four texts. Printed per case: updates/s,
p50/p99 from injection to reply, replies out of order within a chat, and the
bot's CPU time per update, and for Hearthside the event-loop lag while it worked (p99
and worst lateness of a 10 ms ticker on its loop, bench/lag_probe.py: how long anything
held the loop, SQLite on the loop included), and the bot's resident memory once it polls
(idle) and after the chats. The last line compares the two in the same
run: `ratio_rtt0=<ours/echo> ratio_rtt50=<ours/echo>`.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from storage import Account, open_database

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-token"
CHECKIN_SCRIPT = ["/checkin", "4", "done", "skip"]
CHECKIN_EXPECT = ["How are you feeling", "weighing on you", "What helped", "check-in"]
ECHO_SCRIPT = ["one", "two", "three", "four"]
FIRST_CHAT = 100_000


async def seed_members(db_path: Path, chats: list[int]) -> None:
    """Members who finished sign-up, without reminders, so only the load talks."""
    db = await open_database(str(db_path))
    async with db.transaction() as tx:
        from datetime import UTC, datetime

        now = datetime.now(UTC)
        for chat in chats:
            member = await tx.members.create_for_account(
                Account("telegram", str(chat)), timezone="UTC", now=now
            )
            await tx.members.record_consent(member.id, version=1, now=now)
            await tx.members.rename(member.id, "Bench Member")
            await tx.members.complete_onboarding(member.id, now=now)
    await db.close()


def rss_mib(pid: int) -> float:
    """The process's resident memory now."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Control:
    """The fake Bot API's control surface, watching that the bot under test stays up."""

    def __init__(self, url: str, bot: "subprocess.Popen[bytes]", kind: str) -> None:
        self.url = url
        self.bot = bot
        self.kind = kind

    def call(self, route: str, body: dict[str, Any] | None = None) -> Any:
        """POST `body` (GET without one) and return the decoded answer."""
        request = urllib.request.Request(
            f"{self.url}/{route}",
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json"},
        )
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(lambda: urllib.request.urlopen(request, timeout=1800).read())
            while True:
                try:
                    return json.loads(pending.result(timeout=1))
                except FutureTimeout:
                    if self.bot.poll() is not None:
                        raise RuntimeError(
                            f"{self.kind} bot exited with {self.bot.returncode}"
                        ) from None


def figures_from(
    calls: list[dict[str, Any]], injected_at: float, chats: list[int], expect: list[str]
) -> dict[str, Any]:
    """Latency from injection to each reply, and replies out of order within a chat."""
    wanted = set(chats)
    replies: dict[int, list[dict[str, Any]]] = defaultdict(list)
    # The fake lists calls in the order it answered them.
    for call in calls:
        chat_id = call["params"].get("chat_id")
        if call["status"] == 200 and chat_id in wanted and call["answered_at"] >= injected_at:
            replies[chat_id].append(call)
    latencies = sorted(c["answered_at"] - injected_at for r in replies.values() for c in r)
    violations = sum(
        1
        for chat_replies in replies.values()
        for call, fragment in zip(chat_replies, expect, strict=False)
        if fragment not in str(call["params"].get("text", ""))
    )
    return {
        "seconds": latencies[-1],
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "order_violations": violations,
    }


def loop_lag(lag_file: Path | None, start: float, end: float) -> tuple[float, float] | None:
    """p99 and worst lateness of the bot's 10 ms ticker between `start` and `end`."""
    if lag_file is None or not lag_file.exists():
        return None
    late = sorted(
        float(late)
        for at, late in (line.split() for line in lag_file.read_text().splitlines())
        if start <= float(at) <= end
    )
    if not late:
        return None
    return late[min(len(late) - 1, int(len(late) * 0.99))], late[-1]


def run_case(kind: str, rtt_ms: int, chats: int, workdir: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PTB_TIMEDELTA": "1"}
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "tests.fake_telegram"),
            *("--port", "0", "--delay-ms", str(rtt_ms), "--token", TOKEN),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        ready = json.loads(server.stdout.readline())
        base_url: str = ready["base_url"]
        chat_ids = list(range(FIRST_CHAT, FIRST_CHAT + chats))
        if kind == "hearthside":
            db_path = workdir / f"bench-{rtt_ms}.db"
            asyncio.run(seed_members(db_path, chat_ids))
            bot_env = {
                **env,
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": base_url,
                "DATABASE_URL": f"sqlite:///{db_path}",
                "LOG_LEVEL": "WARNING",
            }
            lag_file = workdir / f"lag-{rtt_ms}.txt"
            bot_env["LOOP_LAG_FILE"] = str(lag_file)
            command = [sys.executable, "-m", "bench.lag_probe", "bot"]
            script, expect = CHECKIN_SCRIPT, CHECKIN_EXPECT
        else:
            lag_file = None
            bot_env = env
            command = [sys.executable, "-m", "bench.echo_bot", TOKEN, base_url]
            script, expect = ECHO_SCRIPT, ECHO_SCRIPT
        bot = subprocess.Popen(command, cwd=workdir, env=bot_env)
        try:
            control = Control(ready["control_url"], bot, kind)
            control.call(
                "wait", {"method": "getUpdates", "count": 1, "started": True, "timeout": 300}
            )
            replied = control.call("stats")["calls"].get("sendMessage", {}).get("200", 0)
            cpu_before = cpu_seconds(bot.pid)
            rss_idle = rss_mib(bot.pid)
            backlog = [{"user_id": chat, "text": text} for chat in chat_ids for text in script]
            injected_at = control.call("backlog", {"messages": backlog})["at"]
            expected = replied + len(chat_ids) * len(expect)
            control.call("wait", {"method": "sendMessage", "count": expected, "timeout": 1800})
            cpu_after = cpu_seconds(bot.pid)
            rss_after = rss_mib(bot.pid)
            calls = control.call("calls?method=sendMessage")
        finally:
            bot.terminate()
            bot.wait(timeout=30)
    finally:
        server.terminate()
        server.wait(timeout=30)
    figures = figures_from(calls, injected_at, chat_ids, expect)
    figures["lag"] = loop_lag(lag_file, injected_at, injected_at + figures["seconds"])
    figures["rss"] = (rss_idle, rss_after)
    figures["updates"] = len(chat_ids) * len(script)
    figures["cpu_us_per_update"] = (cpu_after - cpu_before) / figures["updates"] * 1e6
    figures["updates_per_s"] = figures["updates"] / figures["seconds"]
    return figures


def report(kind: str, rtt_ms: int, f: dict[str, Any]) -> None:
    lag = (
        f"loop_lag_p99={f['lag'][0] * 1000:.1f}ms loop_lag_max={f['lag'][1] * 1000:.1f}ms"
        if f["lag"] is not None
        else "loop_lag=n/a"
    )
    print(
        f"{kind:<10} rtt={rtt_ms:>2}ms updates={f['updates']:>5} "
        f"updates/s={f['updates_per_s']:8.1f} p50={f['p50'] * 1000:8.0f}ms "
        f"p99={f['p99'] * 1000:8.0f}ms order_violations={f['order_violations']} "
        f"cpu_us/update={f['cpu_us_per_update']:7.0f} {lag} "
        f"rss_idle={f['rss'][0]:.0f}MiB rss_after={f['rss'][1]:.0f}MiB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--chats-rtt0", type=int, default=1000)
    parser.add_argument("--chats-rtt50", type=int, default=200)
    args = parser.parse_args()
    ratios = {}
    with tempfile.TemporaryDirectory() as tmp:
        for rtt_ms, chats in ((0, args.chats_rtt0), (50, args.chats_rtt50)):
            results = {}
            for kind in ("hearthside", "echo"):
                results[kind] = run_case(kind, rtt_ms, chats, Path(tmp))
                report(kind, rtt_ms, results[kind])
            ratios[rtt_ms] = (
                results["hearthside"]["updates_per_s"] / results["echo"]["updates_per_s"]
            )
    print(f"ratio_rtt0={ratios[0]:.2f} ratio_rtt50={ratios[50]:.2f}")


if __name__ == "__main__":
    main()
