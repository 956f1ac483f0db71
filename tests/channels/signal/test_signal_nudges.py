"""Isolation-aware nudges over Signal: the invitation's buttons as commands to type, a
reaction that answers nothing, and a nudge run paced as proactive sends while a chatting
member's answers never wait behind it."""

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from storage import Account, EventFields
from tests.fake_signal import FakeSignalDaemon
from tests.signal_harness import RunningBot, SignalPerson, aci, start_bot
from tests.telegram_harness import db_rows

ALEX, SAM = aci("alex"), aci("sam")
INTERVAL = 0.02  # SIGNAL_SEND_INTERVAL_SECONDS, shortened


@pytest.fixture
async def signal() -> AsyncIterator[FakeSignalDaemon]:
    async with FakeSignalDaemon() as daemon:
        yield daemon


@pytest.fixture
async def bot(
    signal: FakeSignalDaemon, db_path: Path, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    # Only the test sweeps; Alex posts events as an admin.
    running = await start_bot(
        signal,
        db_path,
        clock,
        admins=[f"signal:{ALEX}"],
        first_sweep_seconds=3600.0,
        send_interval=INTERVAL,
    )
    yield running
    await running.stop()
    assert signal.rejected == []


async def seed_isolated_crowd(
    bot: RunningBot, signal: FakeSignalDaemon, clock: ManualClock, count: int
) -> list[str]:
    """Members who joined long ago and look lonely now, with an event on."""
    now = clock.now()
    crowd = [aci(f"crowd {n}") for n in range(count)]
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
        for person in crowd:
            signal.add_user(person)
            member = await tx.members.create_for_account(
                Account("signal", person), timezone="UTC", now=now
            )
            await tx.members.record_consent(member.id, version=1, now=now)
            await tx.members.complete_onboarding(member.id, now=now)
            await tx.members.set_isolation_signals(
                member.id, last_ucla3=8, last_contact_at=None, low_mood_run=0
            )
            await tx.members.schedule_nudge(member.id, now)
    return crowd


async def test_an_invitation_shows_its_buttons_as_commands(
    signal: FakeSignalDaemon, bot: RunningBot, db_path: Path
) -> None:
    alex = SignalPerson(signal, ALEX)
    await alex.onboard(at="No daily reminder")
    await alex.send(
        "/newevent 2026-11-24 18:30 | Recovery walk | Riverside Park gate", expect="Posted"
    )
    await alex.send("/connect", expect="lack companionship")
    for _ in range(3):
        await alex.send("Often")
    await alex.send("0", expect="Thank you for sharing")
    await bot.sweep_now()
    nudge = await alex.next("Recovery walk")
    assert "Would you like to go?" in nudge.text
    assert "• ✅ I'll go: /rsvp" in nudge.text and "• 🔕 Stop suggestions: /nudges" in nudge.text
    assert "1️⃣" not in nudge.text  # commands, not a question's numbered choices
    # A reaction to it is only a reaction: nothing is chosen, nothing said.
    alex.react("✅", nudge)
    stopped = await alex.send("Stop suggestions")  # the button's words, typed
    assert "no more event suggestions" in stopped.text  # the very next message
    assert (await bot.member(alex.account)).nudges_off
    assert db_rows(db_path, "SELECT count(*) FROM rsvp") == [(0,)]


async def test_a_nudge_run_is_paced_and_never_holds_up_replies(
    signal: FakeSignalDaemon, bot: RunningBot, clock: ManualClock
) -> None:
    sam = SignalPerson(signal, SAM)
    await sam.onboard(at="No daily reminder")
    crowd = await seed_isolated_crowd(bot, signal, clock, 25)

    # The sweep hands the invitations to Signal's own queue and is done.
    await bot.sweep_now()
    await signal.next_call("send", recipient=[crowd[0]])
    # Sam is chatting while the invitations go out: the answer does not queue behind them.
    reply = await sam.send("/help", expect="Here's what I can do")
    await bot.signal.queue.idle()

    sends = [
        (i, p["recipient"][0])
        for i, (m, p) in enumerate(signal.calls)
        if m == "send" and p["recipient"][0] in crowd
    ]
    assert sorted(r for _, r in sends) == sorted(crowd)  # each invited once
    help_at = next(
        i
        for i, (m, p) in enumerate(signal.calls)
        if m == "send" and p.get("message") == reply.text
    )
    assert sends[0][0] < help_at < sends[-1][0]
    # Spaced by the interval: the whole run takes at least (n - 1) intervals, the reply one.
    stamps = [m.timestamp for person in crowd for m in signal.transcript(person)]
    assert max(stamps) - min(stamps) >= (len(crowd) - 1) * INTERVAL * 1000 * 0.9
