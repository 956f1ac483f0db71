"""End to end: the real python-telegram-bot Application over HTTP to the fake Bot API."""

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.logs import configure_logging
from flows.core.clock import ManualClock
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import Person, RunningBot, eventually, start_bot, text_of

ALEX, SAM = 4242, 5151


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_bot(fake, db_path, clock)
    yield running
    await running.stop()


async def test_onboarding_to_first_checkin(fake: FakeTelegram, bot: RunningBot) -> None:
    alex = Person(fake, ALEX)
    welcome = await alex.send("/start")
    assert "not an emergency service" in text_of(welcome)
    consent = await fake.wait_for_message(ALEX, "Is it okay")
    # Yes and No, then sign-up in each other language Hearthside speaks.
    assert [text for text, _ in fake.keyboard(consent)] == [
        "Yes, that's okay",
        "No thanks",
        "🌐 Español",
    ]

    await alex.tap("Yes", expect="What name")
    # The answered question shows the answer and loses its keyboard.
    answered = fake.message(ALEX, consent.message_id)
    assert text_of(answered).endswith("→ Yes, that's okay")
    assert answered.reply_markup is None and "reply_markup" not in answered.raw

    await alex.tap("Use", expect="time zone")
    await alex.tap("Chicago", expect="reminder")
    await alex.tap("09:00", expect="first check-in now")
    await alex.tap("Yes", expect="How are you feeling")
    await alex.tap("Good", expect="weighing on you")
    question = alex.last_question()
    await alex.tap("Sleep")
    edited = await fake.next_call("editMessageText", message_id=question.message_id)
    assert "Chosen: Sleep" in edited.params["text"]
    await alex.tap("Done", expect="What helped")
    final = await alex.send("my sponsor called")
    assert "That's your 1st check-in" in text_of(final)

    member = await bot.member(ALEX)
    assert (member.timezone, member.prompt_time, member.checkin_count) == (
        "America/Chicago",
        "09:00",
        1,
    )
    assert {c["command"] for c in fake.commands} >= {"start", "checkin", "help", "cancel"}


async def test_scheduled_prompts_follow_each_members_time_zone(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    running = await start_bot(fake, db_path, clock, tick_seconds=0.05)
    try:
        await Person(fake, ALEX).onboard(zone="Asia/Tokyo", at="09:00")
        await Person(fake, SAM).onboard(zone="America/Chicago", at="09:00")
        clock.set(datetime(2026, 11, 22, 15, 0, tzinfo=UTC))  # 09:00 in Chicago
        prompt = await fake.wait_for_message(SAM, "How are you feeling")
        assert "Good morning, River" in fake.transcript(SAM)[-2]
        assert len(fake.keyboard(prompt)) == 5
        assert not any("How are you feeling" in line for line in fake.transcript(ALEX))
        clock.set(datetime(2026, 11, 23, 0, 0, tzinfo=UTC))  # 09:00 in Tokyo
        await fake.wait_for_message(ALEX, "How are you feeling")
    finally:
        await running.stop()


async def test_restart_mid_checkin_continues_with_the_next_tap(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    first = await start_bot(fake, db_path, clock)
    alex = Person(fake, ALEX)
    await alex.onboard()
    await alex.send("/checkin", expect="How are you feeling")
    await alex.tap("Okay", expect="weighing on you")
    await first.stop()

    second = await start_bot(fake, db_path, clock)
    try:
        await alex.tap("Done", expect="What helped")  # a button sent before the restart
        await alex.tap("Skip", expect="1st check-in")
    finally:
        await second.stop()


async def test_redelivered_update_is_applied_once(fake: FakeTelegram, bot: RunningBot) -> None:
    alex = Person(fake, ALEX)
    await alex.onboard()
    await alex.send("/checkin", expect="How are you feeling")
    question = alex.last_question()
    update_id = fake.user_clicks(ALEX, question.message_id, alex.button(question, "Great"))
    await fake.wait_for_message(ALEX, "weighing on you")
    fake.redeliver(update_id)  # Telegram sends the tap again
    await alex.send("/help", expect="Here's what I can do")
    assert sum("weighing on you" in line for line in fake.transcript(ALEX)) == 1


async def test_429_delays_but_never_drops_a_reply(fake: FakeTelegram, bot: RunningBot) -> None:
    fake.fail_next("sendMessage", "429", retry_after=1, chat_id=ALEX)
    reply = await Person(fake, ALEX).send("/help")
    assert "Here's what I can do" in text_of(reply)
    statuses = [c.status for c in fake.calls_to("sendMessage", chat_id=ALEX)]
    assert statuses == [429, 200]


async def test_500_is_retried_from_the_outbox(
    fake: FakeTelegram, bot: RunningBot, clock: ManualClock
) -> None:
    fake.fail_next("sendMessage", "500", chat_id=ALEX)
    fake.user_sends(ALEX, "/help")
    await fake.next_call("sendMessage", chat_id=ALEX, status=500)
    clock.advance(timedelta(seconds=30))  # older than a reply its handler may still be sending
    await bot.sweep_now()
    reply = await fake.wait_for_message(ALEX)
    assert "Here's what I can do" in text_of(reply)


async def test_blocked_member_gets_no_more_prompts(
    fake: FakeTelegram, bot: RunningBot, clock: ManualClock
) -> None:
    alex = Person(fake, ALEX)
    await alex.onboard(at="15:00")
    fake.fail_next("sendMessage", "403", chat_id=ALEX)  # blocked, and we learn it by sending
    clock.set(datetime(2026, 11, 22, 15, 0, tzinfo=UTC))
    await bot.sweep_now()
    member = await bot.member(ALEX)
    assert member.unreachable_at is not None
    assert member.next_prompt_at is None
    clock.set(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    sent_before = len(fake.calls_to("sendMessage", chat_id=ALEX))
    await bot.sweep_now()
    assert len(fake.calls_to("sendMessage", chat_id=ALEX)) == sent_before


async def test_block_update_stops_prompts(fake: FakeTelegram, bot: RunningBot) -> None:
    alex = Person(fake, ALEX)
    await alex.onboard()
    fake.user_blocks_bot(ALEX)
    member = await eventually(bot, ALEX, lambda m: m.unreachable_at is not None)
    assert member.next_prompt_at is None
    fake.user_unblocks_bot(ALEX)
    await alex.send("/resume", expect="Reminders are on")
    member = await bot.member(ALEX)
    assert member.unreachable_at is None and member.next_prompt_at is not None


async def test_bad_input_gets_kind_replies(fake: FakeTelegram, bot: RunningBot) -> None:
    alex = Person(fake, ALEX)
    fake.user_sends_sticker(ALEX)
    assert "only read text" in text_of(await fake.wait_for_message(ALEX))
    fake.user_sends_voice(ALEX)
    assert "only read text" in text_of(await fake.wait_for_message(ALEX))
    reply = await alex.send("/frobnicate")
    assert "don't know that command" in text_of(reply)
    await alex.onboard()
    await alex.send("/checkin", expect="How are you feeling")
    checkin_message_id = alex.sent[-1]
    question = alex.last_question()
    great = alex.button(question, "Great")
    await alex.tap("Good", expect="weighing on you")
    fake.user_clicks(ALEX, question.message_id, great)
    stale = await fake.next_call("answerCallbackQuery")
    assert stale.params["text"] == "That question has passed — no problem."
    fake.user_clicks(ALEX, question.message_id, "garbage")
    assert (await fake.next_call("answerCallbackQuery")).params["text"].startswith("That question")
    # Editing an earlier message is not an answer, and gets no reply of its own: the next
    # message is the reply to "purple".
    fake.user_edits(ALEX, checkin_message_id, "edited words")
    nudge = text_of(await alex.send("purple"))
    assert "I didn't recognise “purple”" in nudge and "weighing on you" in nudge


async def test_replies_keep_order_within_a_chat(fake: FakeTelegram, bot: RunningBot) -> None:
    alex = Person(fake, ALEX)
    await alex.onboard()
    for command in ("/history", "/pause", "/resume", "/help", "/cancel"):
        fake.user_sends(ALEX, command)
    expected = ["No check-ins yet", "Paused", "Welcome back", "Here's what I can do", "nothing"]
    for fragment in expected:
        message = await fake.wait_for_message(ALEX)
        assert fragment in text_of(message)


async def test_logs_never_hold_message_text_names_or_token(
    fake: FakeTelegram, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    configure_logging("DEBUG")  # the most talkative setting an operator can choose
    alex = Person(fake, ALEX, first_name="Zebulon")
    await alex.onboard()
    await alex.send("/checkin", expect="How are you feeling")
    await alex.tap("Low", expect="weighing on you")
    await alex.tap("Done", expect="What helped")
    await alex.send("secretwalkbytheriver", expect="check-in")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "secretwalkbytheriver" not in logged
    assert "Zebulon" not in logged and "alex_real" not in logged
    assert fake.token not in logged
    assert "River" not in logged  # the chosen name either
