"""A token Telegram refuses ends the process with one clear line, at start or later.

A token revoked in @BotFather while the bot runs makes python-telegram-bot's polling stop
for good; without this the process would stay up, answering nobody. `python -m bot` runs in
a subprocess against the fake Bot API, which refuses the token on demand.
"""

import asyncio
import os
import sys
from pathlib import Path

from bot.settings import Settings
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import text_of

ROOT = Path(__file__).resolve().parents[2]
ALEX = 4242
REFUSED = (
    "hearthside: configuration error: TELEGRAM_BOT_TOKEN: rejected by the Telegram server "
    "(revoked or mistyped? @BotFather shows the current one)"
)


async def start_bot_process(
    fake: FakeTelegram, tmp_path: Path, *, token: str
) -> tuple[asyncio.subprocess.Process, Path]:
    log = tmp_path / "bot.log"
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env.update(
        PYTHONPATH=str(ROOT),
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        SCHEDULER_TICK_SECONDS="3600",
    )
    with log.open("ab") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, env=env, stdout=sink, stderr=sink
        )
    return process, log


async def exit_code(process: asyncio.subprocess.Process) -> int:
    try:
        async with asyncio.timeout(30):  # a bot that lingers fails here, not by hanging
            return await process.wait()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError("the bot kept running after its token was refused") from None


def assert_one_clear_line(log: Path) -> None:
    output = log.read_text()
    ours = [line for line in output.splitlines() if line.startswith("hearthside:")]
    assert ours == [REFUSED], output
    assert output.rstrip().endswith(REFUSED)
    assert "Traceback" not in output, output


async def test_a_refused_token_at_start_exits_with_one_line(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    process, log = await start_bot_process(fake, tmp_path, token="999:WRONG")
    assert await exit_code(process) == 2
    assert_one_clear_line(log)
    assert fake.calls_to("getMe")[0].status == 401


async def test_a_token_revoked_while_running_exits_with_one_line(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    process, log = await start_bot_process(fake, tmp_path, token=fake.token)
    try:
        # It is up and answering (the first start of a subprocess can be slow).
        fake.user_sends(ALEX, "/start", first_name="Alex")
        welcome = await fake.wait_for_message(ALEX, "Is it okay", timeout=30)
        assert "store your check-ins" in text_of(welcome)
    except BaseException:
        process.kill()
        await process.wait()
        raise
    fake.revoke_token()
    assert await exit_code(process) == 2
    assert_one_clear_line(log)
    assert fake.calls_to("getUpdates")[-1].status == 401
