"""Isolation-aware nudges end to end over Telegram: the invitation, its buttons, opting
out, and a large nudge run paced as bulk sends while chatting members still get answers."""

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from storage import Account, EventFields
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import Person, RunningBot, start_bot, text_of

ALEX, SAM, ADMIN = 4242, 5151, 9001
CROWD_FROM = 700_000


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    # Only the test sweeps: a timed one could race the crowd's invitations.
    running = await start_bot(fake, db_path, clock, first_sweep_seconds=3600.0)
    running.engine.config = dataclasses.replace(
        running.engine.config, admins=frozenset({f"telegram:{ADMIN}"})
    )
    yield running
    await running.stop()


async def lonely_connection_checkin(person: Person) -> None:
    """The weekly check-in answered as someone who feels alone and saw nobody."""
    await person.send("/connect", expect="lack companionship")
    await person.tap("Often", expect="left out")
    await person.tap("Often", expect="isolated from others")
    await person.tap("Often", expect="how many people")
    await person.send("0", expect="Thank you for sharing")


async def test_isolated_member_is_invited_once_and_can_stop_suggestions(
    fake: FakeTelegram, bot: RunningBot, clock: ManualClock
) -> None:
    admin, alex = Person(fake, ADMIN, "Robin"), Person(fake, ALEX)
    await alex.onboard(at="No daily reminder")
    # Sunday 22 Nov, 14:00 UTC: Tuesday's walk is the soonest thing on.
    await admin.send(
        "/newevent 2026-11-24 18:30 | Recovery walk | Riverside Park gate", expect="Posted"
    )
    await lonely_connection_checkin(alex)

    await bot.sweep_now()
    nudge = await fake.wait_for_message(ALEX, "Recovery walk")
    assert "Would you like to go?" in text_of(nudge)
    labels = [label for label, _ in nudge.buttons]
    assert labels == ["✅ I'll go", "🤔 Maybe", "➖ Not this time", "🔕 Stop suggestions"]

    # The same day, and the next: no second invitation inside NUDGE_MIN_DAYS.
    sent = len(fake.messages(ALEX))
    for _ in range(2):
        clock.advance(timedelta(hours=12))
        await bot.sweep_now()
    assert len(fake.messages(ALEX)) == sent

    await alex.tap("Stop suggestions", expect="no more event suggestions")
    assert (await bot.member(ALEX)).nudges_off
    clock.advance(timedelta(days=7))
    await bot.sweep_now()
    await alex.send("/help", expect="Here's what I can do")
    assert not any("Would you like to go?" in m.body for m in fake.messages(ALEX)[sent:])


async def seed_isolated_crowd(bot: RunningBot, clock: ManualClock, count: int) -> None:
    """Members who finished sign-up long ago and look lonely now, with an event on."""
    now = clock.now()
    async with bot.db.transaction() as tx:
        await tx.events.create(
            EventFields(
                title="Recovery walk",
                place="Riverside Park gate",
                description=None,
                starts_at=now + timedelta(days=2),
                ends_at=None,
                tags=("walk",),
                capacity=None,
            ),
            uid="crowd-walk",
            created_by=None,
            now=now,
        )
        for user_id in range(CROWD_FROM, CROWD_FROM + count):
            member = await tx.members.create_for_account(
                Account("telegram", str(user_id)), timezone="UTC", now=now
            )
            await tx.members.record_consent(member.id, version=1, now=now)
            await tx.members.complete_onboarding(member.id, now=now)
            await tx.members.set_isolation_signals(
                member.id, last_ucla3=8, last_contact_at=None, low_mood_run=0
            )
            await tx.members.schedule_nudge(member.id, now)


async def test_nudge_run_is_paced_as_bulk_and_never_holds_up_replies(
    fake: FakeTelegram, bot: RunningBot, clock: ManualClock
) -> None:
    sam = Person(fake, SAM)
    await sam.onboard(at="No daily reminder")
    crowd = 75
    await seed_isolated_crowd(bot, clock, crowd)

    run = asyncio.create_task(bot.sweep_now())
    await fake.wait_for_call_started("sendMessage", chat_id=CROWD_FROM)
    # Sam is chatting while the invitations go out: the answer does not queue behind them.
    reply = await sam.send("/help", expect="Here's what I can do")
    assert not run.done()
    await run

    nudges = [
        call
        for call in fake.calls_to("sendMessage")
        if CROWD_FROM <= int(call.params["chat_id"]) < CROWD_FROM + crowd
    ]
    assert len(nudges) == crowd
    assert len({call.params["chat_id"] for call in nudges}) == crowd
    assert nudges[0].at < reply_time(fake, reply.message_id, SAM) < nudges[-1].at
    # Telegram's bulk limit: never more than 30 messages to different chats in a second.
    times = sorted(call.at for call in nudges)
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 30


def reply_time(fake: FakeTelegram, message_id: int, chat_id: int) -> float:
    for call in fake.calls_to("sendMessage", chat_id=chat_id):
        if call.message is not None and call.message.message_id == message_id:
            return call.at
    raise AssertionError("reply not found")
