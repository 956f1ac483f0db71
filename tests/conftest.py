"""Shared fixtures: a fresh database, a hand-moved clock, the flow engine, and the fake
Telegram Bot API server."""

import logging
import random
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import known_channels
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.engine import Engine
from flows.core.limits import Rate, RateLimiter
from storage import Database, open_database
from tests.fake_telegram import FakeTelegram

CRISIS_TEXT = "Call the test crisis line on 000-TEST."


@pytest.fixture
def clock() -> ManualClock:
    # A Sunday afternoon in November, UTC.
    return ManualClock(datetime(2026, 11, 22, 14, 0, tzinfo=UTC))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "hearthside.db"


@pytest.fixture
async def db(db_path: Path) -> AsyncIterator[Database]:
    database = await open_database(str(db_path))
    yield database
    await database.close()


@pytest.fixture
def flow_config() -> FlowConfig:
    return FlowConfig(crisis_resources=CRISIS_TEXT, default_timezone="UTC")


@pytest.fixture
def engine(db: Database, clock: ManualClock, flow_config: FlowConfig) -> Engine:
    # Flow tests type weeks of check-ins within a real second; the per-person limits have
    # tests of their own (test_limits.py), so here they are set out of reach.
    unlimited = RateLimiter(Rate(burst=1_000_000, per_second=1_000_000))
    return create_engine(
        db, clock, flow_config, rng=random.Random(7), limits=unlimited, channels=known_channels()
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture(autouse=True)
def restore_logger_levels() -> Iterator[None]:
    """Starting the bot quietens its libraries' loggers; later tests get them back as found."""
    names = ("httpx", "httpcore", "telegram", "apscheduler", "aiosqlite")
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
