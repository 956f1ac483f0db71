"""Wires storage, flows and a channel together and runs until asked to stop."""

import asyncio
import logging
import signal
import sys
from collections.abc import Coroutine
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram.error import InvalidToken, NetworkError

from bot.settings import ConfigError, Settings
from flows.catalogue import create_engine
from flows.core.channels import Channels
from flows.core.clock import Clock, SystemClock
from flows.core.config import FlowConfig
from flows.core.delivery import Postman
from flows.core.engine import Engine
from flows.peer import close_chats_of_unreachable
from flows.safety import SemanticScorer
from flows.sweeper import Sweeper
from handlers.console.capabilities import CHANNEL as CONSOLE
from handlers.console.capabilities import console_info
from handlers.console.console import ConsoleSession
from handlers.telegram.app import TelegramOptions, TelegramService
from handlers.telegram.capabilities import telegram_info
from storage import open_database
from storage.secret import SecretError

log = logging.getLogger(__name__)

# The console sweep sends only what was left behind, never what a typed line is still
# printing (which would show it twice).
CONSOLE_DRAIN_MIN_AGE = timedelta(seconds=15)


TOKEN_REJECTED = (
    "TELEGRAM_BOT_TOKEN: rejected by the Telegram server "
    "(revoked or mistyped? @BotFather shows the current one)"
)


class StartupError(Exception):
    """Something outside Hearthside stops it from starting; the message says what."""


def flow_config(settings: Settings) -> FlowConfig:
    # The deployment's own wording (CRISIS_RESOURCES) wins over the shipped lines.
    lines = settings.crisis_lines()
    return FlowConfig(
        crisis_resources=lines.short_text(),
        crisis_lines=lines,
        default_timezone=settings.default_timezone,
        admins=frozenset(settings.admins),
        invite_days=settings.invite_days,
        handoff_escalate_minutes=settings.handoff_escalate_minutes,
        crisis_escalate_minutes=settings.crisis_escalate_minutes,
        nudge_min_days=settings.nudge_min_days,
        quiet_hours=settings.quiet_hours,
        isolation_ucla_min=settings.isolation_ucla_min,
        isolation_days=settings.isolation_days,
        isolation_low_mood_run=settings.isolation_low_mood_run,
    )


def known_channels() -> Channels:
    """Every channel Hearthside has, whether it runs now or not: an account's messages wait
    in the outbox while its channel is not running, written for what that channel can do.
    A channel that runs declares itself again, with what it knows only then."""
    return Channels([telegram_info(), console_info()])


def close_chats_when_unreachable(engine: Engine, postman: Postman) -> None:
    """A person who blocked the bot leaves their peer chats; the other side is told."""

    async def on_unreachable(member_id: int) -> None:
        outcome = await engine.run_for_member(member_id, close_chats_of_unreachable)
        await postman.deliver(outcome.deliveries)

    postman.on_unreachable = on_unreachable


def console_banner(settings: Settings, *, forced: bool) -> str:
    why = "as asked (--console)" if forced else "because no TELEGRAM_BOT_TOKEN is set"
    return (
        f"Hearthside is running in this terminal (console channel) {why}, "
        f"storing data in {settings.database_url}.\n"
        "To connect Telegram, create a bot with @BotFather and put its token in "
        "TELEGRAM_BOT_TOKEN (in the environment or .env), then start again.\n"
        "Type /start to begin, /as <id> to act as another person, /quit to leave."
    )


def exports_folder(settings: Settings) -> Path:
    """Where the console saves the charts and exports it sends: beside the database."""
    path = settings.database_path
    base = Path.cwd() if path == ":memory:" else Path(path).resolve().parent
    return base / "exports"


def _install_signal_handlers(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)


async def run(
    settings: Settings,
    *,
    console: bool = False,
    user: str = "1",
    clock: Clock | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> int:
    clock = clock or SystemClock()
    stop = asyncio.Event()
    _install_signal_handlers(stop)
    use_console = console or settings.telegram_bot_token is None
    if use_console:
        # First line, before anything else can print.
        stdout.write(console_banner(settings, forced=console) + "\n")
        stdout.flush()
    try:
        db = await open_database(settings.database_path, synchronous=settings.sqlite_synchronous)
    except SecretError as error:
        raise StartupError(str(error)) from None
    # The crisis detector's semantic layer loads in the background: the lexicon serves alone
    # until it is ready, so start-up never waits for it.
    scorer = SemanticScorer()
    loading = asyncio.create_task(scorer.load())
    try:
        engine = create_engine(
            db, clock, flow_config(settings), semantic=scorer, channels=known_channels()
        )
        postman = Postman(db, clock)
        close_chats_when_unreachable(engine, postman)
        sweeper = Sweeper(engine)
        if use_console:
            await _run_console(engine, postman, sweeper, settings, stop, user, stdin, stdout)
        else:
            assert settings.telegram_bot_token is not None
            await _run_telegram(engine, postman, sweeper, settings, stop)
    finally:
        loading.cancel()
        scorer.close()
        await db.close()
    return 0


async def _run_console(
    engine: Engine,
    postman: Postman,
    sweeper: Sweeper,
    settings: Settings,
    stop: asyncio.Event,
    user: str,
    stdin: TextIO,
    stdout: TextIO,
) -> None:
    session = ConsoleSession(
        engine, postman, stdin=stdin, stdout=stdout, user=user, exports=exports_folder(settings)
    )

    async def sweep() -> None:
        _report, outcomes = await sweeper.sweep()
        for outcome in outcomes:
            await postman.deliver(outcome.deliveries)
        await postman.drain(CONSOLE, min_age=CONSOLE_DRAIN_MIN_AGE)
        # What was deleted or blanked since the last tick leaves the WAL too.
        await engine.db.checkpoint()

    scheduler = AsyncIOScheduler()
    scheduler.add_job(
        sweep,
        "interval",
        seconds=settings.scheduler_tick_seconds,
        misfire_grace_time=None,
        coalesce=True,
        max_instances=1,
    )
    scheduler.start()
    try:
        await session.run(stop)
    finally:
        scheduler.shutdown(wait=False)


async def _run_telegram(
    engine: Engine, postman: Postman, sweeper: Sweeper, settings: Settings, stop: asyncio.Event
) -> None:
    assert settings.telegram_bot_token is not None
    service = TelegramService(
        TelegramOptions(
            token=settings.telegram_bot_token.get_secret_value(),
            base_url=settings.telegram_api_base_url,
            tick_seconds=settings.scheduler_tick_seconds,
        ),
        engine,
        postman,
        sweeper,
    )
    try:
        await service.start()
    except InvalidToken:
        # PTB's message repeats the token; say what is wrong without it.
        await service.stop()
        raise ConfigError(TOKEN_REJECTED) from None
    except NetworkError as error:
        await service.stop()
        raise StartupError(
            f"cannot reach the Telegram Bot API at {settings.telegram_api_base_url} "
            f"({type(error).__name__})"
        ) from None
    try:
        # Until asked to stop, or until Telegram stops taking the token (revoked while
        # running): polling is then over, and a process doing nothing must not linger.
        await _first_of(stop.wait(), service.token_refused.wait())
    finally:
        log.info("stopping")
        await service.stop()
    if service.token_refused.is_set() and not stop.is_set():
        raise ConfigError(TOKEN_REJECTED)


async def _first_of(*waits: Coroutine[Any, Any, bool]) -> None:
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
