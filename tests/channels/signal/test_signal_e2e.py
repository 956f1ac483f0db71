"""End to end over Signal: the real adapter (handlers/signal/) against the fake signal-cli
daemon on loopback TCP, through the real engine and storage."""

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.logs import configure_logging
from flows.core.clock import ManualClock
from flows.core.values import Outcome, Reply
from storage import Account
from tests.community.test_telegram_events import CALENDAR
from tests.conftest import CRISIS_TEXT
from tests.event_helpers import all_events
from tests.fake_signal import FakeSignalDaemon
from tests.signal_harness import RunningBot, SignalPerson, aci, start_bot
from tests.telegram_harness import db_rows

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


TIER1 = "honestly i want to die tonight"


async def test_the_scheduled_prompt_arrives_at_the_members_own_time(
    signal: FakeSignalDaemon, db_path: Path, clock: ManualClock
) -> None:
    running = await start_bot(signal, db_path, clock, tick_seconds=0.05)
    try:
        alex = SignalPerson(signal, ALEX)
        await alex.onboard(zone="America/Chicago", at="09:00")
        clock.set(datetime(2026, 11, 22, 15, 0, tzinfo=UTC))  # 09:00 in Chicago
        prompt = await alex.next("How are you feeling")
        assert "5️⃣ 😄 Great" in prompt.text
        assert any("Good morning, River" in m.text for m in signal.transcript(ALEX))
        alex.react("😄", prompt)  # the prompt's question answers a reaction too
        await alex.next("weighing on you")
    finally:
        await running.stop()


async def test_the_crisis_lines_come_first(
    signal: FakeSignalDaemon, bot: RunningBot, db_path: Path
) -> None:
    alex = SignalPerson(signal, ALEX)
    await alex.onboard()
    await alex.send("/checkin", expect="How are you feeling")
    await alex.send("2", expect="weighing on you")
    await alex.send("Done", expect="What helped")
    sent_before = len(signal.transcript(ALEX))
    alex.type(TIER1)  # where the check-in note would go
    first = await alex.next()
    assert CRISIS_TEXT in first.text
    assert len(signal.transcript(ALEX)) >= sent_before + 1
    assert db_rows(db_path, "SELECT count(*) FROM conversation") == [(0,)]
    assert db_rows(db_path, "SELECT mood, helped FROM mood_checkin") == [(2, None)]
    # Nothing of the words stays behind in the inbox.
    assert db_rows(db_path, "SELECT count(*) FROM inbox WHERE payload LIKE '%die tonight%'") == [
        (0,)
    ]


async def test_a_restart_mid_checkin_continues_where_it_was(
    signal: FakeSignalDaemon, db_path: Path, clock: ManualClock
) -> None:
    first = await start_bot(signal, db_path, clock)
    alex = SignalPerson(signal, ALEX)
    await alex.onboard()
    await alex.send("/checkin", expect="How are you feeling")
    areas_of_first = await alex.send("3", expect="weighing on you")
    await first.stop()

    second = await start_bot(signal, db_path, clock)
    try:
        # A reaction to a question asked before the restart still answers it.
        alex.react("✅", areas_of_first)
        await alex.next("What helped")
        await alex.send("Skip", expect="1st check-in")
    finally:
        await second.stop()


async def test_an_envelope_staged_but_not_handled_is_handled_after_a_kill(
    signal: FakeSignalDaemon, db_path: Path, clock: ManualClock
) -> None:
    first = await start_bot(signal, db_path, clock)
    alex = SignalPerson(signal, ALEX)
    await alex.onboard()
    # The process freezes while handling the next envelope, after the intake staged it,
    # and is then killed: nothing of its handling happened.
    frozen = asyncio.Event()

    async def freeze(*args: object, **kwargs: object) -> Outcome:
        frozen.set()
        await asyncio.Event().wait()
        raise AssertionError("never")

    first.engine.handle = freeze  # type: ignore[method-assign]
    ts = alex.type("/history")
    await frozen.wait()
    assert db_rows(
        db_path, f"SELECT applied_at IS NULL FROM inbox WHERE update_key = '{ALEX}:{ts}'"
    ) == [(1,)]
    await first.kill()
    assert signal.pending == 0  # signal-cli handed it over: it is ours alone now

    second = await start_bot(signal, db_path, clock)
    try:
        reply = await alex.next()
        assert "No check-ins yet" in reply.text
        assert db_rows(
            db_path, f"SELECT applied_at IS NOT NULL FROM inbox WHERE update_key = '{ALEX}:{ts}'"
        ) == [(1,)]
    finally:
        await second.stop()
    assert sum("No check-ins yet" in m.text for m in signal.transcript(ALEX)) == 1


async def test_the_daemon_restarting_mid_conversation_loses_nothing(
    signal: FakeSignalDaemon, bot: RunningBot, clock: ManualClock
) -> None:
    alex = SignalPerson(signal, ALEX)
    await alex.onboard()
    await alex.send("/checkin", expect="How are you feeling")
    await signal.restart()
    # While Hearthside reconnects, Signal's server keeps what arrives.
    alex.type("4")
    await alex.next("weighing on you")
    # A reply under way when the connection drops is sent once the daemon is back.
    signal.delay("send", 0.3)
    for _sent in [m for m, _ in signal.calls if m == "send"]:
        await signal.next_call("send")  # the sends so far are not what this waits for
    alex.type("Done")
    await signal.next_call("send", recipient=[ALEX])  # the reply, under way
    signal.drop_connections()
    clock.advance(timedelta(seconds=1))  # the reply is older than the moment it is retried
    signal.delay("send", 0)
    helped = await alex.next("What helped")
    # Tried again once the daemon was back: at least once is the promise (signal-cli may
    # have sent the first try just before the connection went).
    await signal.next_call("send", recipient=[ALEX], message=helped.text)
    await alex.send("Skip", expect="1st check-in")


async def test_noise_is_ignored_and_a_changed_safety_number_loses_no_reply(
    signal: FakeSignalDaemon, bot: RunningBot, db_path: Path
) -> None:
    alex = SignalPerson(signal, ALEX)
    for kind in ("receipt", "typing", "sync", "exception"):
        signal.noise(ALEX, kind)
    signal.untrusted(ALEX)  # Alex reinstalled Signal: a new safety number
    reply = await alex.send("/help")
    assert "Here's what I can do" in reply.text
    trusted = [params for method, params in signal.calls if method == "trust"]
    assert trusted and all(p["recipient"] == ALEX for p in trusted)
    assert trusted[0].get("trustAllKnownKeys") is True
    # Only the one message was answered; the noise was recorded as applied and nothing more.
    assert len(signal.transcript(ALEX)) == 1
    assert db_rows(db_path, "SELECT count(*) FROM inbox WHERE applied_at IS NULL") == [(0,)]


async def test_an_unregistered_member_is_unreachable(
    signal: FakeSignalDaemon, bot: RunningBot, clock: ManualClock
) -> None:
    alex = SignalPerson(signal, ALEX)
    await alex.onboard(at="15:00")
    signal.unregister(ALEX)  # Alex deleted their Signal account
    clock.set(datetime(2026, 11, 22, 15, 0, tzinfo=UTC))
    await bot.sweep_now()
    await bot.signal.queue.idle()  # the prompt is proactive: sent in the paced queue's turn
    member = await bot.member(alex.account)
    assert member.unreachable_at is not None and member.next_prompt_at is None


async def test_chart_and_export_arrive_as_attachments(
    signal: FakeSignalDaemon, bot: RunningBot
) -> None:
    alex = SignalPerson(signal, ALEX)
    await alex.onboard()
    await alex.send("/checkin", expect="How are you feeling")
    await alex.send("Good", expect="weighing on you")
    await alex.send("Done", expect="What helped")
    await alex.send("Skip", expect="1st check-in")
    chart = await alex.send("/chart")
    ((content_type, filename, png),) = chart.attachments
    assert (content_type, filename) == ("image/png", "chart.png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    export = await alex.send("/export")
    ((content_type, filename, data),) = export.attachments
    assert content_type == "application/json" and filename is not None
    assert filename.endswith(".json")
    exported = json.loads(data)
    assert exported["profile"]["chosen_name"] == "River"
    assert exported["accounts"] == [{"channel": "signal", "id": ALEX}]


async def test_a_disappearing_timer_is_left_to_signal_cli(
    signal: FakeSignalDaemon, bot: RunningBot
) -> None:
    alex = SignalPerson(signal, ALEX)
    reply = await alex.send("/help", expires_in=3600)
    assert "Here's what I can do" in reply.text
    # signal-cli puts the contact's timer on every message to them; setting one ourselves
    # would send a timer change of our own.
    assert [m for m, _ in signal.calls if m == "updateContact"] == []
    assert signal.contacts == {}


async def test_scheduled_work_goes_only_to_people_who_wrote_first(
    signal: FakeSignalDaemon, bot: RunningBot
) -> None:
    stranger, alex = aci("stranger"), SignalPerson(signal, ALEX)
    signal.add_user(stranger, number="+15550009999")
    await alex.send("/help", expect="Here's what I can do")  # Alex wrote; not a member yet
    outcome = await bot.engine.send(
        [Account("signal", stranger), alex.account], Reply("A scheduled hello")
    )
    with bot.signal.bulk():
        await bot.postman.deliver(outcome.deliveries)
    await bot.signal.queue.idle()  # proactive: sent in the paced queue's own turn
    assert (await alex.next()).text == "A scheduled hello"
    assert [p for m, p in signal.calls if p.get("recipient") == [stranger]] == []
    # Refused for good, not kept to try again.
    async with bot.db.transaction() as tx:
        assert (
            await tx.outbox.pending(
                "signal", created_before=datetime.max.replace(tzinfo=UTC), limit=10
            )
            == []
        )


async def test_only_an_admins_calendar_file_is_fetched(
    signal: FakeSignalDaemon, db_path: Path, clock: ManualClock
) -> None:
    admin = aci("admin")
    running = await start_bot(signal, db_path, clock, admins=[f"signal:{admin}"])
    try:
        alex, robin = SignalPerson(signal, ALEX), SignalPerson(signal, admin, number=None)
        await alex.onboard()
        refused = await alex.send("", attachments=[("text/calendar", CALENDAR)])
        assert "only read text" in refused.text
        assert [m for m, _ in signal.calls if m == "getAttachment"] == []
        imported = await robin.send("", attachments=[("text/calendar", CALENDAR)])
        assert "Calendar imported" in imported.text
        assert [m for m, _ in signal.calls if m == "getAttachment"] == ["getAttachment"]
        assert len(await all_events(running.db)) >= 1
    finally:
        await running.stop()


async def test_logs_never_hold_words_numbers_names_or_acis(
    signal: FakeSignalDaemon, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    configure_logging("DEBUG")  # the most talkative setting an operator can choose
    alex = SignalPerson(signal, ALEX, number="+15557654321", name="Zebulon Realname")
    await alex.onboard()
    await alex.send("/checkin", expect="How are you feeling")
    alex.react("🙁", alex.last_question())
    await alex.next("weighing on you")
    await alex.send("Done", expect="What helped")
    await alex.send("secretwalkbytheriver", expect="check-in")
    signal.untrusted(ALEX)
    await alex.send("/help", expect="Here's what I can do")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "signal_update" in logged  # it did log, by tag
    for secret in ("secretwalkbytheriver", "+15557654321", "7654321", "Zebulon", ALEX, "River"):
        assert secret not in logged, secret
