"""Wires storage, flows and the channels together, runs the sweep for them all, and runs
until asked to stop.

The channels that run are the ones the settings set up (`Settings.configured_channels`),
side by side over one database and one sweep, each built by its entry in `SERVICES`; with
none set up, or with `--console`, the console runs alone.
"""

import asyncio
import logging
import signal
import sys
import threading
from collections.abc import Callable, Coroutine, Sequence
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol, TextIO

from telegram.error import InvalidToken

from bot.feeds import HttpFeedFetcher
from bot.settings import ConfigError, Settings
from bot.sweeping import SweepJob, SweptChannel
from flows.broadcasts import BroadcastDelivery
from flows.catalogue import create_engine
from flows.community import MeetingFeeds
from flows.core.channels import Channels
from flows.core.clock import Clock, SystemClock
from flows.core.config import FlowConfig
from flows.core.delivery import Postman
from flows.core.engine import Engine
from flows.core.places import load_places
from flows.peer import close_chats_of_unreachable
from flows.safety import SemanticScorer, load_detector
from flows.sweeper import Sweeper
from handlers.console.capabilities import console_info
from handlers.console.console import ConsoleSession
from handlers.signal.capabilities import signal_info
from handlers.signal.service import SignalOptions, SignalService
from handlers.startup import ChannelUnavailable
from handlers.telegram.app import TelegramOptions, TelegramService
from handlers.telegram.capabilities import telegram_info
from storage import open_database
from storage.secret import SecretError

log = logging.getLogger(__name__)

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
        default_language=settings.default_language,
        admins=settings.admin_accounts,
        admins_to_resolve=settings.admins_to_resolve,
        invite_days=settings.invite_days,
        handoff_escalate_minutes=settings.handoff_escalate_minutes,
        crisis_escalate_minutes=settings.crisis_escalate_minutes,
        nudge_min_days=settings.nudge_min_days,
        quiet_hours=settings.quiet_hours,
        isolation_ucla_min=settings.isolation_ucla_min,
        isolation_days=settings.isolation_days,
        isolation_low_mood_run=settings.isolation_low_mood_run,
        peer_chat_idle_hours=settings.peer_chat_idle_hours,
        retention_days_checkins=settings.retention_days_checkins,
        retention_days_safety=settings.retention_days_safety,
        retention_days_chats=settings.retention_days_chats,
    )


def known_channels() -> Channels:
    """Every channel Hearthside has, whether it runs now or not: an account's messages wait
    in the outbox while its channel is not running, written for what that channel can do.
    A channel that runs declares itself again, with what it knows only then."""
    return Channels([telegram_info(), signal_info(), console_info()])


def close_chats_when_unreachable(engine: Engine, postman: Postman) -> None:
    """A person who blocked the bot leaves their peer chats; the other side is told."""

    async def on_unreachable(member_id: int) -> None:
        outcome = await engine.run_for_member(member_id, close_chats_of_unreachable)
        await postman.deliver(outcome.deliveries)

    postman.on_unreachable = on_unreachable


# The banner and the logs' note are start-up lines for whoever runs the service (in the
# terminal, before anyone chats), not for members: they stay in English, as logs do.
def console_banner(settings: Settings, *, forced: bool) -> str:
    why = (
        "as asked (--console), and no other channel runs"
        if forced
        else "because no channel is set up (no TELEGRAM_BOT_TOKEN, nor SIGNAL_ACCOUNT and "
        "SIGNAL_RPC)"
    )
    return (
        f"Hearthside is running in this terminal (console channel) {why}, "
        f"storing data in {settings.database_url}.\n"
        "To connect Telegram, create a bot with @BotFather and put its token in "
        "TELEGRAM_BOT_TOKEN; for Signal, set SIGNAL_ACCOUNT and SIGNAL_RPC (in the environment "
        "or .env), then start again.\n"
        f"{console_logs_note(settings)}\n"
        "Type /start to begin, /as <id> to act as another person, /quit to leave."
    )


def console_log_file(settings: Settings) -> Path:
    """Where the console writes its logs: beside the database, as `<database file>.log`."""
    path = settings.database_path
    if path == ":memory:":
        return Path.cwd() / "hearthside.log"
    return Path(path).resolve().with_name(Path(path).name + ".log")


def console_logs_note(settings: Settings) -> str:
    if settings.console_logs == "terminal":
        return "Logs are shown here, between the messages (CONSOLE_LOGS=terminal)."
    return (
        f"Logs go to {console_log_file(settings)} (CONSOLE_LOGS=terminal shows them here instead)."
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


class ChannelService(SweptChannel, Protocol):
    """A channel adapter, running: what the root starts, sweeps for, and stops."""

    @property
    def ended(self) -> asyncio.Event:
        """Set when the channel stopped on its own (the console's /quit, a refused token)."""
        ...

    async def start(self) -> None:
        """Connect and start taking messages; raises `ChannelUnavailable` (one line: what
        can't be reached) when it can't."""
        ...

    async def stop(self) -> None: ...


# How a channel the settings can set up is built, from the settings, the engine and the
# postman it sends through. An adapter's own factory may take, in place of `Settings`, a
# Protocol of the fields it reads (handlers may not import `bot`).
ServiceFactory = Callable[[Settings, Engine, Postman], ChannelService]


def telegram_service(settings: Settings, engine: Engine, postman: Postman) -> TelegramService:
    assert settings.telegram_bot_token is not None
    options = TelegramOptions(
        token=settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_api_base_url,
        bulk_per_second=settings.telegram_bulk_per_second,
    )
    return TelegramService(options, engine, postman)


def signal_service(settings: Settings, engine: Engine, postman: Postman) -> SignalService:
    assert settings.signal_account is not None and settings.signal_rpc is not None
    options = SignalOptions(
        account=settings.signal_account,
        address=settings.signal_rpc,
        send_interval=settings.signal_send_interval_seconds,
    )
    return SignalService(options, engine, postman)


# Every channel's factory, by the name `Settings.configured_channels` gives it.
SERVICES: dict[str, ServiceFactory] = {"telegram": telegram_service, "signal": signal_service}


def check_channels(settings: Settings) -> None:
    """Stop before anything starts if the settings set up a channel this version lacks."""
    missing = [name for name in settings.configured_channels if name not in SERVICES]
    if missing:
        raise StartupError(
            f"{', '.join(missing)} is set up in the settings, but this version of Hearthside "
            "has no such channel"
        )


def channel_services(settings: Settings, engine: Engine, postman: Postman) -> list[ChannelService]:
    """A service for every channel the settings set up, in the order they start."""
    return [SERVICES[name](settings, engine, postman) for name in settings.configured_channels]


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
    use_console = console or not settings.configured_channels
    if not console:
        check_channels(settings)
    if use_console:
        # First line, before anything else can print.
        stdout.write(console_banner(settings, forced=console) + "\n")
        stdout.flush()
    try:
        db = await open_database(settings.database_path, synchronous=settings.sqlite_synchronous)
    except SecretError as error:
        raise StartupError(str(error)) from None
    # The places behind a typed city take a moment to read: read them now, beside
    # start-up, rather than in the middle of someone's first answer.
    threading.Thread(target=load_places, name="places", daemon=True).start()
    # The crisis lexicon compiles once, likewise beside start-up, so that a member's first
    # message does not wait on the event loop for it.
    threading.Thread(target=load_detector, name="lexicon", daemon=True).start()
    # The crisis detector's semantic layer loads in the background: the lexicon serves alone
    # until it is ready, so start-up never waits for it.
    scorer = SemanticScorer()
    loading = asyncio.create_task(scorer.load())
    try:
        engine = create_engine(
            db, clock, flow_config(settings), semantic=scorer, channels=known_channels()
        )
        postman = Postman(db, clock, held=engine.held)
        close_chats_when_unreachable(engine, postman)
        services: list[ChannelService]
        if use_console:
            session = ConsoleSession(
                engine,
                postman,
                stdin=stdin,
                stdout=stdout,
                user=user,
                exports=exports_folder(settings),
            )
            services = [session]
        else:
            services = channel_services(settings, engine, postman)
        await serve(services, engine, postman, settings, stop)
    finally:
        loading.cancel()
        scorer.close()
        await db.close()
    return 0


def meeting_feeds(settings: Settings, config: FlowConfig) -> MeetingFeeds | None:
    """MEETING_FEEDS, synced by the sweep with the HTTP fetcher; None without any."""
    if not settings.meeting_feeds:
        return None
    return MeetingFeeds(
        urls=settings.meeting_feeds,
        fetch=HttpFeedFetcher(max_bytes=config.feed_max_bytes),
        every=timedelta(hours=settings.meeting_feeds_sync_hours),
    )


async def serve(
    services: Sequence[ChannelService],
    engine: Engine,
    postman: Postman,
    settings: Settings,
    stop: asyncio.Event,
) -> None:
    """Run every channel, and one sweep for them all, until asked to stop or until a
    channel ends on its own."""
    started: list[ChannelService] = []
    try:
        for service in services:
            await _start(service, settings)
            started.append(service)
        sweeps = SweepJob(
            Sweeper(engine, feeds=meeting_feeds(settings, engine.config)),
            postman,
            engine.db,
            started,
            tick_seconds=settings.scheduler_tick_seconds,
        )
        sweeps.start()
        # Broadcasts go out in tasks of their own, one per channel, beside the answering
        # and the sweep (flows/broadcasts/delivery.py).
        broadcasts = BroadcastDelivery(
            engine, postman, bulk={service.name: service.bulk for service in started}
        )
        await broadcasts.start(service.name for service in started)
        log.info("channels_live names=%s", ",".join(service.name for service in started))
        try:
            # A channel that ended (Telegram no longer taking a token revoked while
            # running: polling is then over) must not leave a process doing nothing.
            await _first_of(stop.wait(), *(service.ended.wait() for service in started))
        finally:
            log.info("stopping")
            await broadcasts.stop()
            await sweeps.stop()
    finally:
        for service in reversed(started):
            await service.stop()
    refused = any(isinstance(s, TelegramService) and s.token_refused.is_set() for s in started)
    if refused and not stop.is_set():
        raise ConfigError(TOKEN_REJECTED)


async def _start(service: ChannelService, settings: Settings) -> None:
    try:
        await service.start()
    except InvalidToken:
        # PTB's message repeats the token; say what is wrong without it.
        await service.stop()
        raise ConfigError(TOKEN_REJECTED) from None
    except ChannelUnavailable as error:
        await service.stop()
        raise StartupError(str(error)) from None


async def _first_of(*waits: Coroutine[Any, Any, bool]) -> None:
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
