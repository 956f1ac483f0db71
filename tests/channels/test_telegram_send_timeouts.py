"""A Telegram send with no answer in time, over the real python-telegram-bot stack and its
aiohttp transport against the fake Bot API: it may have reached the chat, so it is settled
as unconfirmed and never sent twice; a crisis message is the exception, tried again."""

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.delivery import Postman
from flows.core.values import Reply
from handlers.telegram import transport
from storage import Account, Database, OutboxRow, open_database
from tests.conftest import CRISIS_TEXT
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import RunningBot, run_telegram

CHAT = 5_150_003


@dataclass
class Bot:
    running: RunningBot
    postman: Postman


@pytest.fixture
async def bot(
    fake: FakeTelegram, db_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Bot]:
    # The client gives up on an answer after 0.2 s; the fake answers a second late.
    monkeypatch.setattr(transport, "READ_TIMEOUT", 0.2)
    db = await open_database(str(db_path))
    engine = create_engine(
        db, clock, FlowConfig(crisis_resources=CRISIS_TEXT), rng=random.Random(3)
    )
    postman = Postman(db, clock, held=engine.held)
    running = await run_telegram(fake, engine, postman, first_sweep_seconds=3600.0, poll_timeout=1)
    yield Bot(running, postman)
    await running.stop()


async def waiting(db: Database) -> list[OutboxRow]:
    async with db.transaction() as tx:
        return await tx.outbox.pending(
            "telegram", created_before=datetime.max.replace(tzinfo=UTC), limit=10
        )


def texts(fake: FakeTelegram) -> list[str]:
    return [m.text or "" for m in fake.messages(CHAT)]


async def test_a_send_answered_too_late_is_unconfirmed_and_not_sent_again(
    fake: FakeTelegram, bot: Bot, clock: ManualClock
) -> None:
    account = Account("telegram", str(CHAT))
    fake.delay = 1.0
    outcome = await bot.running.engine.send([account], Reply("A scheduled hello"))
    await bot.postman.deliver(outcome.deliveries)
    assert await waiting(bot.running.db) == []  # settled: it may well be in the chat
    await fake.wait_for_message(CHAT, "A scheduled hello")  # and it was, late
    fake.delay = 0
    clock.advance(timedelta(minutes=5))
    await bot.running.sweep_now()
    assert texts(fake).count("A scheduled hello") == 1

    # A crisis message is the exception: a repeat beats perhaps never arriving.
    fake.delay = 1.0
    urgent = await bot.running.engine.send([account], Reply("Crisis lines", urgent=True))
    await bot.postman.deliver(urgent.deliveries)
    [row] = await waiting(bot.running.db)
    assert row.attempts == 1
