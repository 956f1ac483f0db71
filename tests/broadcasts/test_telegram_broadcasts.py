"""Broadcasts over the real python-telegram-bot stack against the fake Bot API: composing
with a preview, delivery from the durable queue, the Cancel button, quiet hours, opt-outs,
people left out, a restart and a crash mid-way, and pacing at the channel's bulk limit."""

import asyncio
import logging
import random
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from flows.broadcasts import BroadcastDelivery, Timer
from flows.broadcasts.delivery import ChannelLoop
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.delivery import Channel, Postman, SendResult, Sent
from flows.core.engine import Engine
from flows.core.values import Reply
from handlers.signal.capabilities import signal_info
from handlers.telegram.app import TelegramOptions, TelegramService
from handlers.telegram.capabilities import telegram_info
from storage import Account, Database, open_database
from tests.conftest import CRISIS_TEXT
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import Person, db_rows, text_of

ADMIN = 598_002_114
FIRST_MEMBER = 700_000_001
TEXT = "Tonight's meeting moved to the library, same time."
HEADER = "📣 A message from the Hearthside team"
FOOTER = "To stop announcements like this one, send /announcements off."


class VirtualTimer:
    """Pacing time that moves by each whole wait, while a wait takes at most 10 ms."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(min(seconds, 0.01))


@dataclass
class Recording:
    """The Telegram channel, noting the pacing clock's time of every broadcast send."""

    inner: Channel
    timer: Timer
    name: str = "telegram"
    sent_at: list[float] = field(default_factory=list)

    async def send(self, external_id: str, reply: Reply) -> Sent:
        if reply.text.startswith(HEADER) and external_id != str(ADMIN):  # not the preview
            self.sent_at.append(self.timer.monotonic())
        return await self.inner.send(external_id, reply)

    async def edit(self, external_id: str, message_ref: str, reply: Reply) -> SendResult:
        return await self.inner.edit(external_id, message_ref, reply)


@dataclass
class Running:
    service: TelegramService
    engine: Engine
    db: Database
    postman: Postman
    delivery: BroadcastDelivery | None

    async def start_delivery(self, timer: Timer | None = None) -> BroadcastDelivery:
        # As bot/app.py starts it: the sends also pass Telegram's bulk bucket.
        self.delivery = BroadcastDelivery(
            self.engine, self.postman, timer=timer, bulk={"telegram": self.service.bulk}
        )
        await self.delivery.start(["telegram"])
        return self.delivery

    async def stop(self) -> None:
        if self.delivery is not None:
            await self.delivery.stop()
        await self.service.stop()
        await self.db.close()


async def start(
    fake: FakeTelegram,
    db_path: Path,
    clock: ManualClock,
    *,
    bulk: float = 30.0,
    timer: Timer | None = None,
    deliver: bool = True,
) -> Running:
    """The bot as bot/app.py wires it, ADMIN its admin, broadcasts delivered (`deliver`)."""
    db = await open_database(str(db_path))
    config = FlowConfig(crisis_resources=CRISIS_TEXT, admins=frozenset({f"telegram:{ADMIN}"}))
    engine = create_engine(db, clock, config, rng=random.Random(5))
    postman = Postman(db, clock, held=engine.held)
    options = TelegramOptions(
        token=fake.token, base_url=fake.base_url, poll_timeout=1, bulk_per_second=bulk
    )
    service = TelegramService(options, engine, postman)
    await service.start()
    running = Running(service, engine, db, postman, None)
    if deliver:
        await running.start_delivery(timer)
    return running


async def add_members(
    db: Database, clock: ManualClock, count: int, *, timezone: str = "UTC"
) -> list[int]:
    """Members who finished signing up, straight into storage; their Telegram ids."""
    ids = [FIRST_MEMBER + n for n in range(count)]
    async with db.transaction() as tx:
        for user_id in ids:
            member = await tx.members.create_for_account(
                Account("telegram", str(user_id)), timezone=timezone, now=clock.now()
            )
            await tx.members.record_consent(member.id, version=1, now=clock.now())
            await tx.members.complete_onboarding(member.id, now=clock.now())
    return ids


async def compose(
    admin: Person,
    *,
    audience: str = "Members who take announcements",
    critical: bool = False,
    text: str = TEXT,
) -> str:
    """/broadcast up to its confirmation question; that question's text."""
    await admin.send("/broadcast", expect="Send the message")
    await admin.send(text, expect="Who should get it?")
    await admin.tap(audience, expect="time-critical")
    await admin.tap("Yes: send now" if critical else "No: wait", expect="exactly as they")
    preview = text_of(await admin.fake.wait_for_message(admin.id))
    assert preview.startswith(HEADER) and text in preview
    return text_of(await admin.fake.wait_for_message(admin.id, "Send it?"))


def broadcasts_to(fake: FakeTelegram, user_id: int) -> list[str]:
    return [m.body for m in fake.messages(user_id) if m.body.startswith(HEADER)]


async def delivered(fake: FakeTelegram, ids: Iterable[int], *, timeout: float = 10.0) -> None:
    """Until each of these people has their broadcast."""
    async with asyncio.timeout(timeout):
        while not all(broadcasts_to(fake, user_id) for user_id in ids):  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def shown(fake: FakeTelegram, chat_id: int, words: str) -> str:
    """A message in the chat, as it reads now (edited or not), once one holds `words`."""
    async with asyncio.timeout(5):
        while not (found := [m.body for m in fake.messages(chat_id) if words in m.body]):  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    return found[-1]


async def final_report(admin: Person, *, timeout: float = 10.0) -> str:
    return text_of(
        await admin.fake.wait_for_message(admin.id, "Here is what happened", timeout=timeout)
    )


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[Running]:
    running = await start(fake, db_path, clock, timer=VirtualTimer())
    yield running
    await running.stop()


# -- compose, preview, confirm, delivered ------------------------------------------------
async def test_an_admin_composes_previews_and_sends_a_broadcast_that_each_member_gets_once(
    fake: FakeTelegram,
    bot: Running,
    clock: ManualClock,
    db_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ids = await add_members(bot.db, clock, 3)
    admin = Person(fake, ADMIN)
    summary = await compose(admin)
    assert "It goes to members who take announcements: 3 people." in summary
    preview = [m.body for m in fake.messages(ADMIN) if m.body.startswith(HEADER)]
    assert preview == [f"{HEADER}\n\n{TEXT}\n\n{FOOTER}"]
    assert broadcasts_to(fake, ids[0]) == []  # nothing before the confirmation
    with caplog.at_level(logging.INFO):
        await admin.tap("Send it", expect="on its way to 3 people")
        await delivered(fake, ids)
        report = await final_report(admin)
    for user_id in ids:
        assert broadcasts_to(fake, user_id) == preview  # exactly as previewed, once
    assert "Sent: 3" in report
    # The progress message lost its Cancel button and points to the report.
    progress = next(m for m in fake.messages(ADMIN) if "report is just below" in m.body)
    assert progress.edited and not progress.buttons
    assert any("action=broadcast.send target=1" in r.getMessage() for r in caplog.records)
    assert TEXT not in caplog.text
    # In the audit trail, by the admin's number (sending gave them a member row).
    admin_id = db_rows(db_path, f"SELECT member_id FROM account WHERE external_id = '{ADMIN}'")
    assert db_rows(db_path, "SELECT actor, action, target FROM audit_entry") == [
        (str(admin_id[0][0]), "broadcast.send", 1)
    ]
    # Once it has ended, its words are no longer kept.
    assert db_rows(db_path, "SELECT text, status FROM broadcast") == [("", "done")]


async def test_a_photo_with_its_caption_goes_out_as_previewed(
    fake: FakeTelegram, bot: Running, clock: ManualClock, db_path: Path
) -> None:
    ids = await add_members(bot.db, clock, 2)
    admin = Person(fake, ADMIN)
    await admin.send("/broadcast", expect="or a photo")
    fake.user_sends_photo(ADMIN, caption=TEXT, data=b"\x89PNG-the-library-map")
    await fake.wait_for_message(ADMIN, "Who should get it?")
    await admin.tap("Members who take announcements", expect="time-critical")
    await admin.tap("No: wait", expect="exactly as they")
    preview = await fake.wait_for_message(ADMIN)
    assert preview.kind == "photo" and preview.caption == f"{HEADER}\n\n{TEXT}\n\n{FOOTER}"
    await fake.wait_for_message(ADMIN, "Send it?")
    await admin.tap("Send it", expect="on its way to 2 people")
    await delivered(fake, ids)
    for user_id in ids:
        (got,) = [m for m in fake.messages(user_id) if m.body.startswith(HEADER)]
        assert got.kind == "photo" and got.caption == preview.caption
        assert got.file is not None and got.file.data == b"\x89PNG-the-library-map"
    await final_report(admin)
    # Once it has ended, neither its words nor its photo are kept.
    assert db_rows(db_path, "SELECT text, photo FROM broadcast") == [("", None)]


async def test_cancel_at_any_step_sends_and_keeps_nothing(
    fake: FakeTelegram, bot: Running, clock: ManualClock, db_path: Path
) -> None:
    await add_members(bot.db, clock, 2)
    admin = Person(fake, ADMIN)
    await admin.send("/broadcast", expect="Send the message")
    await admin.send("/cancel", expect="Nothing was sent")
    await admin.send("/broadcast", expect="Send the message")
    await admin.send(TEXT, expect="Who should get it?")
    await admin.send("/cancel", expect="Nothing was sent")
    await compose(admin)
    await admin.tap("Don't send", expect="nothing was sent")
    assert db_rows(db_path, "SELECT count(*) FROM broadcast") == [(0,)]


async def test_a_member_is_not_an_admin_for_broadcasts(fake: FakeTelegram, bot: Running) -> None:
    member = Person(fake, 42)
    await member.onboard()
    await member.send("/broadcast", expect="That command is for admins.")


# -- the Cancel button --------------------------------------------------------------------
async def test_the_cancel_button_stops_the_rest_and_the_report_says_so(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    # Two a second, in real time: the tap lands with most of them still waiting.
    bot = await start(fake, db_path, clock, bulk=2.0)
    try:
        ids = await add_members(bot.db, clock, 20)
        admin = Person(fake, ADMIN)
        await compose(admin)
        await admin.tap("Send it", expect="on its way to 20 people")
        await fake.wait_for_message(ids[0], HEADER)
        await admin.tap("Cancel the broadcast", expect="nobody else will get it")
        report = await final_report(admin)
    finally:
        await bot.stop()
    got = [user_id for user_id in ids if broadcasts_to(fake, user_id)]
    assert 1 <= len(got) < 20
    assert all(len(broadcasts_to(fake, user_id)) == 1 for user_id in got)
    assert f"Sent: {len(got)}" in report
    assert f"Not sent, because it was stopped: {20 - len(got)}" in report
    assert db_rows(db_path, "SELECT status FROM broadcast") == [("cancelled",)]
    assert db_rows(db_path, "SELECT action, target FROM audit_entry") == [
        ("broadcast.send", 1),
        ("broadcast.cancel", 1),
    ]


# -- quiet hours ----------------------------------------------------------------------
async def test_members_in_their_quiet_hours_get_it_when_those_end(
    fake: FakeTelegram, bot: Running, clock: ManualClock, db_path: Path
) -> None:
    clock.set(datetime(2026, 11, 22, 22, 0, tzinfo=UTC))  # quiet hours: 21:00-09:00
    sleeping = await add_members(bot.db, clock, 2)  # in UTC: asleep
    async with bot.db.transaction() as tx:
        awake = await tx.members.create_for_account(
            Account("telegram", "800000001"), timezone="Asia/Tokyo", now=clock.now()
        )  # 07:00 in Tokyo: still quiet, until 09:00 there (00:00 UTC)
        await tx.members.complete_onboarding(awake.id, now=clock.now())
    admin = Person(fake, ADMIN)
    summary = await compose(admin)
    assert "3 of them are in their quiet hours now" in summary
    await admin.tap("Send it", expect="on its way")
    progress = await shown(fake, ADMIN, "Waiting for their quiet hours to end: 3")
    assert "Sent: 0" in progress
    assert all(broadcasts_to(fake, user_id) == [] for user_id in [*sleeping, 800000001])

    clock.set(datetime(2026, 11, 23, 0, 30, tzinfo=UTC))  # 09:30 in Tokyo, 00:30 in UTC
    await delivered(fake, [800000001])
    assert all(broadcasts_to(fake, user_id) == [] for user_id in sleeping)

    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    await delivered(fake, sleeping)
    assert "Sent: 3" in await final_report(admin)
    assert db_rows(db_path, "SELECT count(*) FROM broadcast_recipient WHERE state = 'sent'") == [
        (3,)
    ]


async def test_a_time_critical_broadcast_goes_out_in_quiet_hours(
    fake: FakeTelegram, bot: Running, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 11, 22, 23, 0, tzinfo=UTC))
    ids = await add_members(bot.db, clock, 2)
    admin = Person(fake, ADMIN)
    summary = await compose(admin, critical=True)
    assert "goes out now, quiet hours or not" in summary
    await admin.tap("Send it", expect="on its way")
    await delivered(fake, ids)


# -- who is left out ----------------------------------------------------------------------
async def test_members_who_turned_announcements_off_get_none_and_their_export_says_so(
    fake: FakeTelegram, bot: Running, clock: ManualClock
) -> None:
    ids = await add_members(bot.db, clock, 2)
    quiet = Person(fake, 42)
    await quiet.onboard()
    await quiet.send("/announcements off", expect="no more announcements")
    await quiet.send("/announcements", expect="Announcements are off for you.")
    await quiet.send("/announcements maybe", expect="I didn't catch that.")
    admin = Person(fake, ADMIN)
    summary = await compose(admin)
    assert "2 people" in summary and "announcements off: 1" in summary
    await admin.tap("Send it", expect="on its way")
    await delivered(fake, ids)
    assert "Left out (paused, or announcements off): 1" in await final_report(admin)
    assert broadcasts_to(fake, 42) == []

    await quiet.send("/export", expect="everything I store about you")
    export = fake.messages(42)[-1]
    assert export.file is not None and b'"announcements": false' in export.file.data
    await quiet.send("/announcements on", expect="Announcements are on")
    async with bot.db.transaction() as tx:
        member = await tx.members.find_by_account(Account("telegram", "42"))
    assert member is not None and member.announcements


async def test_every_member_reaches_those_with_announcements_off_and_says_so(
    fake: FakeTelegram, bot: Running, clock: ManualClock
) -> None:
    ids = await add_members(bot.db, clock, 2)
    async with bot.db.transaction() as tx:
        member = await tx.members.find_by_account(Account("telegram", str(ids[0])))
        assert member is not None
        await tx.members.set_announcements(member.id, False)
    admin = Person(fake, ADMIN)
    summary = await compose(admin, audience="All members")
    assert "2 people" in summary and "includes those who turned announcements off" in summary
    await admin.tap("Send it", expect="on its way")
    await delivered(fake, ids)
    assert broadcasts_to(fake, ids[0])[0].endswith(
        "To stop other announcements, send /announcements off."
    )


async def test_paused_and_unreachable_members_are_skipped(
    fake: FakeTelegram, bot: Running, clock: ManualClock, db_path: Path
) -> None:
    paused, gone, blocks, fine = await add_members(bot.db, clock, 4)
    async with bot.db.transaction() as tx:
        for user_id, what in ((paused, "pause"), (gone, "gone")):
            member = await tx.members.find_by_account(Account("telegram", str(user_id)))
            assert member is not None
            if what == "pause":
                await tx.members.set_paused(member.id, True)
            else:
                await tx.members.mark_unreachable(member.id, now=clock.now())
    admin = Person(fake, ADMIN)
    summary = await compose(admin)
    assert "2 people" in summary
    assert "paused: 1" in summary and "can't be reached: 1" in summary
    # One more blocked the bot without Hearthside knowing yet: the send finds out.
    fake.fail_next("sendMessage", "403", chat_id=blocks)
    await admin.tap("Send it", expect="on its way to 2 people")
    report = await final_report(admin)
    assert broadcasts_to(fake, fine) != []
    assert all(broadcasts_to(fake, u) == [] for u in (paused, gone, blocks))
    assert (
        "Can't be reached: 2" in report and "Left out (paused, or announcements off): 1" in report
    )
    assert (await bot_member_unreachable(bot, blocks)) is True


async def bot_member_unreachable(bot: Running, user_id: int) -> bool:
    async with asyncio.timeout(5):
        while True:
            async with bot.db.transaction() as tx:
                member = await tx.members.find_by_account(Account("telegram", str(user_id)))
            if member is not None and member.unreachable_at is not None:
                return True
            await asyncio.sleep(0.02)


# -- restart and crash -------------------------------------------------------------------
async def test_a_restart_resumes_where_it_stopped_and_sends_nobody_anything_twice(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    bot = await start(fake, db_path, clock, bulk=4.0)
    ids = await add_members(bot.db, clock, 12)
    admin = Person(fake, ADMIN)
    await compose(admin)
    await admin.tap("Send it", expect="on its way to 12 people")
    await fake.wait_for_message(ids[1], HEADER)
    await bot.stop()  # part-way through
    before = sum(bool(broadcasts_to(fake, user_id)) for user_id in ids)
    assert 2 <= before < 12

    bot = await start(fake, db_path, clock, timer=VirtualTimer())
    try:
        await delivered(fake, ids)
        report = await final_report(admin)
    finally:
        await bot.stop()
    assert [len(broadcasts_to(fake, user_id)) for user_id in ids] == [1] * 12
    assert "Sent: 12" in report and "Unconfirmed" not in report


async def test_a_send_in_flight_at_a_crash_is_unconfirmed_and_never_sent_again(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    bot = await start(fake, db_path, clock, deliver=False)
    ids = await add_members(bot.db, clock, 3)
    admin = Person(fake, ADMIN)
    await compose(admin)
    await admin.tap("Send it", expect="on its way to 3 people")
    await bot.stop()
    # As kill -9 leaves it: one row claimed, its send under way, nothing settled.
    claimed = db_rows(
        db_path, f"SELECT id FROM broadcast_recipient WHERE external_id = '{ids[0]}'"
    )
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "UPDATE broadcast_recipient SET state = 'claimed', attempts = 1 WHERE id = ?",
            (claimed[0][0],),
        )

    bot = await start(fake, db_path, clock, timer=VirtualTimer())
    try:
        await delivered(fake, ids[1:])
        report = await final_report(admin)
    finally:
        await bot.stop()
    assert broadcasts_to(fake, ids[0]) == []  # may have arrived before the crash: not again
    assert "Sent: 2" in report and "Unconfirmed: 1" in report


# -- pacing ---------------------------------------------------------------------------------
async def test_delivery_never_exceeds_the_channel_bulk_limit_in_any_second(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    timer = VirtualTimer()
    bot = await start(fake, db_path, clock, bulk=5.0, timer=timer, deliver=False)
    channel = bot.postman.channel("telegram")
    assert channel is not None
    recording = Recording(channel, timer)
    bot.postman.register(recording)
    await bot.start_delivery(timer)
    try:
        ids = await add_members(bot.db, clock, 40)
        admin = Person(fake, ADMIN)
        await compose(admin)
        await admin.tap("Send it", expect="on its way to 40 people")
        await delivered(fake, ids, timeout=20)
    finally:
        await bot.stop()
    times = recording.sent_at
    assert len(times) == 40
    per_second = Counter(int(moment) for moment in times)
    assert max(per_second.values()) <= 5
    # Sliding windows too, not only whole seconds on the clock.
    assert all(sum(1 for later in times if start_ <= later < start_ + 1) <= 5 for start_ in times)
    assert times[-1] - times[0] >= (40 - 1) / 5 - 1e-9


def test_the_bulk_limit_is_the_setting_and_signal_follows_its_interval() -> None:
    assert telegram_info().bulk_per_second == 30
    assert telegram_info(bulk_per_second=12).bulk_per_second == 12
    assert signal_info(4.0).bulk_per_second == 0.25


async def test_a_claim_that_fails_is_tried_again_and_the_broadcast_goes_on(
    fake: FakeTelegram,
    bot: Running,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ids = await add_members(bot.db, clock, 3)
    admin = Person(fake, ADMIN)
    await compose(admin)
    # The database busy past its timeout once, as a backup holding it might leave it.
    claim = ChannelLoop._claim_recording
    failed: list[bool] = []

    async def busy_once(self: ChannelLoop, outcomes: list[Any]) -> Any:
        if not failed:
            failed.append(True)
            raise sqlite3.OperationalError("database is locked")
        return await claim(self, outcomes)

    monkeypatch.setattr(ChannelLoop, "_claim_recording", busy_once)
    with caplog.at_level(logging.ERROR):
        await admin.tap("Send it", expect="on its way to 3 people")
        await delivered(fake, ids)
        report = await final_report(admin)
    assert failed == [True]
    assert "broadcast_claim_failed channel=telegram error=OperationalError" in caplog.text
    assert "Sent: 3" in report
    assert all(len(broadcasts_to(fake, user_id)) == 1 for user_id in ids)
