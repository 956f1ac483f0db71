"""Runs the real Signal channel (handlers/signal/) against the fake signal-cli daemon over
loopback TCP, alone or beside the real Telegram stack on one engine, as bot/app.py runs them."""

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.app import known_channels
from bot.sweeping import SweepJob
from flows.broadcasts import BroadcastDelivery, Timer
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.delivery import Postman
from flows.core.engine import Engine
from flows.sweeper import Sweeper
from handlers.signal.rpc import SignalRpc
from handlers.signal.service import SignalOptions, SignalService
from handlers.telegram.app import TelegramOptions, TelegramService
from storage import Account, Database, Member, open_database
from tests.conftest import CRISIS_TEXT
from tests.fake_signal import FakeSignalDaemon, SentMessage
from tests.fake_telegram import FakeTelegram


def aci(name: str) -> str:
    """A stable ACI (a UUID) for a person in a test."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"hearthside-test-person:{name}"))


@dataclass
class RunningBot:
    """Hearthside with its Signal channel (and Telegram, when asked) over one engine."""

    signal: SignalService
    engine: Engine
    db: Database
    postman: Postman
    sweeps: SweepJob
    telegram: TelegramService | None = None
    broadcasts: BroadcastDelivery | None = None

    async def sweep_now(self) -> None:
        await self.sweeps.sweep_now()

    async def stop(self) -> None:
        # In bot/app.py's order: the broadcasts first, then the sweep, then the channels.
        if self.broadcasts is not None:
            await self.broadcasts.stop()
        await self.sweeps.stop()
        if self.telegram is not None:
            await self.telegram.stop()
        await self.signal.stop()
        await self.db.close()

    async def kill(self) -> None:
        """As `kill -9`: whatever is being handled is cut off where it is."""
        if self.broadcasts is not None:
            await self.broadcasts.stop()
        await self.sweeps.stop()
        if self.telegram is not None:
            await self.telegram.stop()
        await self.signal.stop(grace=0)
        await self.db.close()

    async def member(self, account: Account) -> Member:
        async with self.db.transaction() as tx:
            member = await tx.members.find_by_account(account)
        assert member is not None
        return member


async def start_bot(
    fake: FakeSignalDaemon,
    db_path: Path,
    clock: ManualClock,
    *,
    telegram: FakeTelegram | None = None,
    admins: Sequence[str] = (),
    admins_to_resolve: Sequence[str] = (),
    tick_seconds: float = 3600.0,
    first_sweep_seconds: float = 0.1,
    send_interval: float = 0.0,
    call_timeout: float = 30.0,
    broadcasts: bool = False,
    broadcast_timer: Timer | None = None,
) -> RunningBot:
    db = await open_database(str(db_path))
    config = FlowConfig(
        crisis_resources=CRISIS_TEXT,
        admins=frozenset(admins),
        admins_to_resolve=frozenset(admins_to_resolve),
    )
    engine = create_engine(db, clock, config, rng=random.Random(3), channels=known_channels())
    postman = Postman(db, clock, held=engine.held)
    services: list[SignalService | TelegramService] = []
    telegram_service = None
    if telegram is not None:
        telegram_service = TelegramService(
            TelegramOptions(token=telegram.token, base_url=telegram.base_url, poll_timeout=1),
            engine,
            postman,
        )
        await telegram_service.start()
        services.append(telegram_service)
    rpc = SignalRpc(
        fake.address, account=fake.account, backoff=(0.02, 0.2), call_timeout=call_timeout
    )
    signal = SignalService(
        SignalOptions(account=fake.account, address=fake.address, send_interval=send_interval),
        engine,
        postman,
        rpc,
    )
    await signal.start()
    services.append(signal)
    sweeps = SweepJob(
        Sweeper(engine),
        postman,
        db,
        services,
        tick_seconds=tick_seconds,
        first_seconds=first_sweep_seconds,
    )
    sweeps.start()
    delivery = None
    if broadcasts:
        delivery = BroadcastDelivery(engine, postman, timer=broadcast_timer)
        await delivery.start(service.name for service in services)
    return RunningBot(signal, engine, db, postman, sweeps, telegram_service, delivery)


@dataclass
class SignalPerson:
    """Someone on Signal talking to the bot through the fake daemon."""

    fake: FakeSignalDaemon
    aci: str
    number: str | None = "+15557654321"
    name: str = "Zebulon Realname"
    # Timestamps of this person's own messages, in the order they sent them.
    sent: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.fake.add_user(self.aci, number=self.number, name=self.name)

    @property
    def account(self) -> Account:
        return Account("signal", self.aci)

    async def next(self, expect: str | None = None, *, timeout: float = 10) -> SentMessage:
        """The next message to this person (the first, from here on, that has `expect`)."""
        while True:
            message = await self.fake.next_message(self.aci, timeout=timeout)
            if expect is None or expect in message.text:
                return message

    async def send(
        self,
        text: str,
        *,
        expect: str | None = None,
        quote: SentMessage | None = None,
        attachments: Sequence[tuple[str, bytes]] = (),
        expires_in: int = 0,
    ) -> SentMessage:
        self.type(text, quote=quote, attachments=attachments, expires_in=expires_in)
        return await self.next(expect)

    def type(
        self,
        text: str,
        *,
        quote: SentMessage | None = None,
        attachments: Sequence[tuple[str, bytes]] = (),
        expires_in: int = 0,
    ) -> int:
        """Send without waiting for an answer; returns the message's timestamp."""
        ts = self.fake.user_sends(
            self.aci,
            text,
            number=self.number,
            quote=(self.fake.self_aci, quote.timestamp) if quote is not None else None,
            attachments=attachments,
            expires_in=expires_in,
        )
        self.sent.append(ts)
        return ts

    def react(self, emoji: str, to: SentMessage) -> int:
        return self.fake.user_reacts(self.aci, emoji, self.fake.self_aci, to.timestamp)

    def last_question(self) -> SentMessage:
        for message in reversed(self.fake.transcript(self.aci)):
            if "1️⃣" in message.text or "Type your answer." in message.text:
                return message
        raise AssertionError("no question was asked")

    async def onboard(self, *, zone: str = "UTC", at: str = "18:00") -> None:
        await self.send("/start", expect="Is it okay")
        await self.send("1", expect="What name")
        await self.send("River", expect="time zone")
        await self.send(zone, expect="reminder")
        await self.send(at, expect="first check-in now")
        await self.send("Later", expect="Whenever you're ready")
