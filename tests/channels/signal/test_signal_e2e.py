"""End to end over Signal: the real adapter (handlers/signal/) against the fake signal-cli
daemon on loopback TCP, through the real engine and storage."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from tests.fake_signal import FakeSignalDaemon
from tests.signal_harness import RunningBot, SignalPerson, aci, start_bot

ALEX = aci("alex")


@pytest.fixture
async def signal() -> AsyncIterator[FakeSignalDaemon]:
    async with FakeSignalDaemon() as daemon:
        yield daemon


@pytest.fixture
async def bot(
    signal: FakeSignalDaemon, db_path: Path, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    running = await start_bot(signal, db_path, clock)
    yield running
    await running.stop()
    assert signal.rejected == []  # every call the adapter made was one signal-cli knows


async def test_onboarding_and_a_checkin_by_number_words_and_reaction(
    signal: FakeSignalDaemon, bot: RunningBot
) -> None:
    alex = SignalPerson(signal, ALEX)
    welcome = await alex.send("/start")
    assert "not an emergency service" in welcome.text
    consent = await alex.next("Is it okay")
    assert "1️⃣ Yes, that's okay" in consent.text and "2️⃣ No thanks" in consent.text
    assert "end-to-end encrypted" in consent.text and "phone number" in consent.text
    assert consent.text_styles and consent.text_styles[-1][2] == "ITALIC"
    await alex.send("1", expect="What name")  # by number
    await alex.send("River", expect="time zone")
    await alex.send("Chicago", expect="reminder")
    await alex.send("09:00", expect="first check-in now")
    await alex.send("yes, let's do it", expect="How are you feeling")  # by words
    mood = alex.last_question()
    assert "4️⃣ 🙂 Good" in mood.text
    alex.react("🙂", mood)  # by reaction
    areas = await alex.next("weighing on you")
    alex.react("😴", areas)  # Sleep
    await alex.next("Chosen: Sleep")
    await alex.send("Done", expect="What helped")
    final = await alex.send("my sponsor called")
    assert "That's your 1st check-in" in final.text

    member = await bot.member(alex.account)
    assert (member.timezone, member.prompt_time, member.checkin_count) == (
        "America/Chicago",
        "09:00",
        1,
    )
