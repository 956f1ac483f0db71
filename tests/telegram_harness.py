"""Runs the real Telegram stack (python-telegram-bot Application) against the fake Bot API."""

import asyncio
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.sweeping import SweepJob
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.delivery import Postman
from flows.core.engine import Engine
from flows.sweeper import Sweeper
from handlers.telegram.app import TelegramOptions, TelegramService
from storage import Account, Database, Member, open_database
from tests.conftest import CRISIS_TEXT
from tests.fake_telegram import BotMessage, FakeTelegram
from tests.fake_telegram.server import WAIT_SECONDS


@dataclass
class RunningBot:
    service: TelegramService
    engine: Engine
    db: Database
    sweeps: SweepJob

    async def sweep_now(self) -> None:
        """One scheduler pass, as the composition root's repeating sweep runs it."""
        await self.sweeps.sweep_now()

    async def stop(self) -> None:
        await self.sweeps.stop()
        await self.service.stop()
        await self.db.close()

    async def member(self, user_id: int) -> Member:
        async with self.db.transaction() as tx:
            member = await tx.members.find_by_account(Account("telegram", str(user_id)))
        assert member is not None
        return member


async def start_bot(
    fake: FakeTelegram,
    db_path: Path,
    clock: ManualClock,
    *,
    tick_seconds: float = 3600.0,
    first_sweep_seconds: float = 0.1,
) -> RunningBot:
    db = await open_database(str(db_path))
    engine = create_engine(
        db, clock, FlowConfig(crisis_resources=CRISIS_TEXT), rng=random.Random(3)
    )
    return await run_telegram(
        fake,
        engine,
        Postman(db, clock, held=engine.held),
        tick_seconds=tick_seconds,
        first_sweep_seconds=first_sweep_seconds,
        poll_timeout=1,
    )


async def run_telegram(
    fake: FakeTelegram,
    engine: Engine,
    postman: Postman,
    *,
    tick_seconds: float = 3600.0,
    first_sweep_seconds: float = 0.1,
    poll_timeout: int = 10,
) -> RunningBot:
    """The Telegram channel and the sweep over it, started as bot/app.py starts them."""
    service = TelegramService(
        TelegramOptions(token=fake.token, base_url=fake.base_url, poll_timeout=poll_timeout),
        engine,
        postman,
    )
    await service.start()
    sweeps = SweepJob(
        Sweeper(engine),
        postman,
        engine.db,
        [service],
        tick_seconds=tick_seconds,
        first_seconds=first_sweep_seconds,
    )
    sweeps.start()
    return RunningBot(service, engine, engine.db, sweeps)


class Person:
    """A Telegram user talking to the bot through the fake server."""

    def __init__(self, fake: FakeTelegram, user_id: int, first_name: str = "Alex") -> None:
        self.fake = fake
        self.id = user_id
        self.first_name = first_name
        # Ids of this person's own messages, in the order they sent them.
        self.sent: list[int] = []

    async def send(self, text: str, *, expect: str | None = None) -> BotMessage:
        update_id = self.fake.user_sends(
            self.id, text, first_name=self.first_name, username="alex_real"
        )
        self.sent.append(self.fake.update(update_id)["message"]["message_id"])
        return await self.fake.wait_for_message(self.id, expect)

    def last_question(self) -> BotMessage:
        for message in reversed(self.fake.messages(self.id)):
            if message.buttons:
                return message
        raise AssertionError("no message with buttons")

    def button(self, message: BotMessage, label: str) -> str:
        for text, data in message.buttons:
            if label in text:
                return data
        raise AssertionError(f"no button {label!r} in {message.buttons}")

    async def tap(self, label: str, *, expect: str | None = None) -> BotMessage | None:
        """Tap a button on the newest question; waits for the next message if `expect`."""
        question = self.last_question()
        self.fake.user_clicks(self.id, question.message_id, self.button(question, label))
        await self.fake.next_call("answerCallbackQuery")
        if expect is None:
            return None
        return await self.fake.wait_for_message(self.id, expect)

    async def onboard(self, *, zone: str = "UTC", at: str = "18:00") -> None:
        await self.send("/start", expect="Is it okay")
        await self.tap("Yes", expect="What name")
        await self.send("River", expect="time zone")
        await self.send(zone, expect="reminder")
        await self.send(at, expect="first check-in now")
        await self.tap("Later", expect="Whenever you're ready")


async def eventually(
    bot: RunningBot,
    user_id: int,
    condition: Callable[[Member], bool],
    *,
    timeout: float = WAIT_SECONDS,
) -> Member:
    """The member once `condition` holds, for effects no message announces."""
    async with asyncio.timeout(timeout):
        # Storage has no change feed to await; poll briefly.
        while not condition(member := await bot.member(user_id)):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    return member


def db_rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    """What a query finds in the bot's database file, read beside the running bot."""
    with sqlite3.connect(db_path) as conn:
        return list(conn.execute(sql))


def text_of(message: BotMessage) -> str:
    """A text message's text; a media message (caption, no text) fails the test."""
    assert message.text is not None, f"expected a text message, got {message.kind}"
    return message.text
