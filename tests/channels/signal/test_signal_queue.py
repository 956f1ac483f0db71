"""Signal's proactive sends wait in a queue and a task of their own (paced_queue.py): no
other channel, no reply and no crisis message waits behind Signal's pace, whoever sends."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from flows.core.values import Reply
from storage import Account, Database
from tests.channels.signal.test_signal_peer import (
    set_up_signal_volunteer,
    signal_member_asks,
    signal_volunteer,
    tg_admin,
)
from tests.fake_signal import FakeSignalDaemon
from tests.fake_telegram import FakeTelegram
from tests.signal_harness import RunningBot, SignalPerson, aci, start_bot
from tests.telegram_harness import Person

ADMIN = 598_002_114  # on Telegram
TG_MEMBER = 731_946_205
SIG_ADMIN = aci("signal admin")
SAM = aci("sam")
# Long enough that a test waiting behind it would time out: the second proactive send
# waits this long behind the first.
INTERVAL = 60.0


@pytest.fixture
async def signal() -> AsyncIterator[FakeSignalDaemon]:
    async with FakeSignalDaemon() as daemon:
        yield daemon


@pytest.fixture
async def bot(
    signal: FakeSignalDaemon, fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    running = await start_bot(
        signal,
        db_path,
        clock,
        telegram=fake,
        admins=[f"telegram:{ADMIN}", f"signal:{SIG_ADMIN}"],
        first_sweep_seconds=3600.0,  # only the test sweeps
        send_interval=INTERVAL,
    )
    yield running
    await running.stop()
    assert signal.rejected == []


async def due_for_a_prompt(db: Database, clock: ManualClock, accounts: list[Account]) -> None:
    async with db.transaction() as tx:
        for account in accounts:
            member = await tx.members.find_by_account(account)
            if member is None:
                member = await tx.members.create_for_account(
                    account, timezone="UTC", now=clock.now()
                )
                await tx.members.record_consent(member.id, version=1, now=clock.now())
                await tx.members.complete_onboarding(member.id, now=clock.now())
            await tx.members.schedule_prompt(member.id, clock.now())


async def test_a_sweep_never_holds_telegram_or_a_crisis_page_behind_signal_pacing(
    signal: FakeSignalDaemon, fake: FakeTelegram, bot: RunningBot, clock: ManualClock
) -> None:
    # Three Signal members are due their check-in before a Telegram member is (their
    # prompts come first in the sweep), and a crisis page to each channel's admin failed
    # earlier and waits in the outbox.
    crowd = [aci(f"crowd {n}") for n in range(3)]
    for person in crowd:
        signal.add_user(person)
    signal.add_user(SIG_ADMIN)
    await due_for_a_prompt(bot.db, clock, [Account("signal", p) for p in crowd])
    tg = Person(fake, TG_MEMBER, "Robin")
    await tg.onboard(at="No daily reminder")
    await due_for_a_prompt(bot.db, clock, [Account("telegram", str(TG_MEMBER))])
    await bot.engine.send(
        [Account("telegram", str(ADMIN)), Account("signal", SIG_ADMIN)],
        Reply("🚨 Someone may be in danger.", urgent=True),
    )
    clock.advance(timedelta(minutes=1))  # left behind, for the sweep to send

    sweep = asyncio.create_task(bot.sweep_now())
    prompt = await fake.wait_for_message(TG_MEMBER, "How are you feeling")
    assert prompt.buttons
    await fake.wait_for_message(ADMIN, "in danger")
    assert "in danger" in (await signal.next_message(SIG_ADMIN)).text  # never paced
    await sweep  # done, with Signal's prompts still waiting their turn
    assert bot.signal.queue.size >= len(crowd) - 1
    first = await signal.next_call("send", recipient=[crowd[0]])
    assert "daily check-in" in first["message"]
    # The rest are paced, one interval apart: still waiting, in the outbox meanwhile.
    assert [p for p in crowd[1:] if signal.transcript(p)] == []
    assert len(signal.transcript(crowd[0])) == 1
    async with bot.db.transaction() as tx:
        waiting = await tx.outbox.pending(
            "signal", created_before=clock.now() + timedelta(days=1), limit=10
        )
    assert {row.external_id for row in waiting} == set(crowd)


async def test_a_signal_handler_never_waits_for_the_pace_of_what_it_sends_others(
    signal: FakeSignalDaemon, fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    bot = await start_bot(
        signal,
        db_path,
        clock,
        telegram=fake,
        admins=[f"telegram:{ADMIN}"],
        first_sweep_seconds=3600.0,
        send_interval=INTERVAL,
    )
    try:
        await _handler_never_waits(signal, fake, bot, clock)
    finally:
        await bot.stop()
    assert signal.rejected == []


async def _handler_never_waits(
    signal: FakeSignalDaemon, fake: FakeTelegram, bot: RunningBot, clock: ManualClock
) -> None:
    admin = tg_admin(fake)
    alicia = signal_volunteer(signal)
    await set_up_signal_volunteer(admin, alicia, "Sam")
    # A scheduled send to someone else has just gone out: the next proactive ones (the rest
    # of Sam's check-in, then the page to the volunteer) wait a whole interval each.
    signal.add_user(SAM)
    await due_for_a_prompt(bot.db, clock, [Account("signal", SAM)])
    await bot.sweep_now()
    await signal.next_call("send", recipient=[SAM])

    member = SignalPerson(signal, aci("member"))
    # The member's own answers come at once: their handler handed the page to the queue.
    await signal_member_asks(member)
    assert bot.signal.queue.size == 2  # Sam's check-in question, then the page
    assert "Here's what I can do" in (await member.send("/help")).text
    assert not [m for m in signal.transcript(alicia.aci) if "would like to talk" in m.text]
    # The page waits its turn in the outbox, so a stop now loses nothing.
    async with bot.db.transaction() as tx:
        waiting = await tx.outbox.pending(
            "signal", created_before=clock.now() + timedelta(days=1), limit=10
        )
    assert [row.external_id for row in waiting if row.external_id != member.aci] == [
        SAM,
        alicia.aci,
    ]
