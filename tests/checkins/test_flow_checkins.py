"""Daily and weekly check-ins, commands and conversation hygiene, through the engine."""

from datetime import timedelta

import pytest

from flows.core.clock import ManualClock
from flows.core.engine import Engine
from flows.core.values import Input
from storage import Account, Database
from tests.chat_driver import ChatDriver

ALEX = Account("console", "1")


async def member_of(db: Database, account: Account = ALEX) -> "object":
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(account)
    assert member is not None
    return member


async def test_same_day_checkin_updates_instead_of_adding(engine: Engine, db: Database) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    for mood in ("2", "5"):
        await chat.say("/checkin")
        await chat.tap(mood)
        await chat.tap("done")
        await chat.tap("skip")
    assert "updated today's check-in" in chat.last_text()
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(ALEX)
        assert member is not None
        moods = await tx.checkins.recent_moods(member.id, limit=10)
    assert [m.mood for m in moods] == [5]
    assert member.checkin_count == 1


async def test_checking_in_again_keeps_what_is_not_changed_and_says_what_changed(
    engine: Engine, db: Database
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/checkin")
    await chat.tap("4")
    await chat.tap("cravings")
    await chat.tap("done")
    await chat.say("called my sponsor, went for a walk")
    # Later the same day: a better mood, and Skip at "what helped?".
    await chat.say("/checkin")
    await chat.tap("5")
    assert "Chosen: Cravings (as in your earlier check-in today)" in chat.last_text()
    await chat.tap("done")
    assert "“called my sponsor, went for a walk”" in chat.last_text()
    await chat.say("skip")
    thanks = chat.last_text()
    assert "I've updated today's check-in" in thanks
    assert "Mood: 🙂 Good → 😄 Great" in thanks
    assert "Weighing on you: Cravings, as before" in thanks
    assert "your earlier note is kept" in thanks
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(ALEX)
        assert member is not None
        [today] = await tx.checkins.recent_moods(member.id, limit=5)
    assert (today.mood, today.tags, today.helped) == (
        5,
        ("cravings",),
        "called my sponsor, went for a walk",
    )
    # A third time: the areas cleared, the note removed, and each said.
    await chat.say("/checkin")
    await chat.tap("5")
    await chat.tap("cravings")
    await chat.tap("done")
    await chat.tap("Remove")
    thanks = chat.last_text()
    assert "Mood: 😄 Great, as before" in thanks
    assert "Weighing on you: nothing (before: Cravings)" in thanks
    assert "the earlier note is removed" in thanks
    async with db.transaction() as tx:
        [today] = await tx.checkins.recent_moods(member.id, limit=5)
    assert (today.tags, today.helped) == ((), None)


async def test_streak_counts_consecutive_days(
    engine: Engine, db: Database, clock: ManualClock
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    for _day in range(3):
        await chat.say("/checkin")
        await chat.say("4")
        await chat.say("done")
        await chat.say("skip")
        clock.advance(timedelta(days=1))
    assert "3rd check-in — 3 days in a row" in chat.last_text()


async def test_low_mood_gets_gentle_support(engine: Engine) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/checkin")
    await chat.say("😣")  # the emoji alone is an answer
    await chat.say("cravings")
    assert "Chosen: Cravings" in chat.last_text()
    await chat.say("done")
    await chat.say("skip")
    assert "hard day" in chat.last_text()


@pytest.mark.parametrize(
    ("typed", "mood"),
    [
        ("meh", 3),
        ("OK!", 3),
        ("not great", 2),
        ("awful", 1),
        ("Amazing", 5),
        ("I’m feeling pretty good today", 4),
        ("4/5", 4),
    ],
)
async def test_a_mood_can_be_typed_in_words(
    engine: Engine, db: Database, typed: str, mood: int
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/checkin")
    await chat.say(typed)
    assert "Is anything weighing on you" in chat.last_text()
    await chat.say("done")
    await chat.say("skip")
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(ALEX)
        assert member is not None
        [entry] = await tx.checkins.recent_moods(member.id, limit=5)
    assert entry.mood == mood


async def test_several_life_areas_can_be_typed_at_once(engine: Engine, db: Database) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/checkin")
    await chat.say("3")
    await chat.say("work, cravings")
    assert "Chosen: Work/money, Cravings" in chat.last_text()
    await chat.say("1 3")  # by the numbers the options have
    assert "Chosen: Work/money, Cravings, Sleep, Family" in chat.last_text()
    await chat.say("sleep, purple")  # nothing changes when a part isn't understood
    assert "I didn't recognise “purple”" in chat.last_text()
    assert "Chosen: Work/money, Cravings, Sleep, Family" in chat.last_text()
    await chat.say("health and done")
    assert "What helped today" in chat.last_text()
    await chat.say("skip")
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(ALEX)
        assert member is not None
        [entry] = await tx.checkins.recent_moods(member.id, limit=5)
    assert entry.tags == ("work", "cravings", "sleep", "family", "health")


async def test_connection_checkin_stores_items_and_total(engine: Engine, db: Database) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/connect")
    await chat.tap("Often")
    await chat.tap("Some of the time")
    await chat.say("3")
    await chat.say("lots")
    assert "Just a number" in chat.last_text()
    await chat.say("2")
    assert "feeling disconnected" in chat.last_text()
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(ALEX)
        assert member is not None
        [entry] = await tx.checkins.recent_connections(member.id, limit=5)
    assert (entry.lack_companionship, entry.left_out, entry.isolated) == (3, 2, 3)
    assert entry.ucla3_total == 8
    assert entry.community_contacts == 2


async def test_invalid_answer_reasks_with_hint_and_changes_nothing(engine: Engine) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/checkin")
    replies = await chat.say("purple")
    assert "didn't quite catch that" in replies[0].text
    assert "How are you feeling today?" in replies[0].text
    assert len(replies[0].choices) == 5
    await chat.say("3")
    assert "Is anything weighing on you" in chat.last_text()


async def test_cancel_works_in_every_state(engine: Engine, db: Database) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/checkin")
    await chat.say("4")
    await chat.say("/cancel")
    assert "stopped your check-in" in chat.last_text()
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(ALEX)
        assert member is not None
        assert await tx.checkins.recent_moods(member.id, limit=5) == []
        assert await tx.conversations.load(member.id) is None
    await chat.say("/cancel")
    assert "nothing to cancel" in chat.last_text()


async def test_cancel_during_signup_keeps_nothing(engine: Engine, db: Database) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.say("/start")
    await chat.tap("yes")
    await chat.say("/cancel")
    assert "kept nothing" in chat.last_text()
    async with db.transaction() as tx:
        assert await tx.members.count() == 0


async def test_tap_on_passed_question_is_stale(engine: Engine) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/checkin")
    old_question = chat.question
    await chat.tap("4")
    await chat.tap("5", on=old_question)
    assert chat.last_outcome is not None and chat.last_outcome.stale
    assert chat.last_outcome.deliveries == []


async def test_abandoned_checkin_expires_quietly(
    engine: Engine, db: Database, clock: ManualClock
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/checkin")
    question = chat.question
    clock.advance(timedelta(hours=13))
    await chat.tap("4", on=question)
    assert chat.last_outcome is not None and chat.last_outcome.stale
    replies = await chat.say("4")
    assert "I'm here" in replies[0].text  # no longer inside a check-in


async def test_help_mid_flow_reasks_the_open_question(engine: Engine) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/checkin")
    replies = await chat.say("/help")
    assert "/checkin" in replies[0].text
    assert "not an emergency service" in replies[0].text
    assert "middle of your check-in" in replies[1].text
    assert len(replies[1].choices) == 5
    replies = await chat.say("/frobnicate")
    assert "don't know that command" in replies[0].text


async def test_new_command_sets_aside_unfinished_flow(engine: Engine) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/checkin")
    replies = await chat.say("/connect")
    assert "set aside your unfinished check-in" in replies[0].text


async def test_members_only_commands_need_signup(engine: Engine) -> None:
    chat = ChatDriver(engine, ALEX)
    replies = await chat.say("/checkin")
    assert "/start" in replies[0].text
    replies = await chat.say("hello?")
    assert "/start" in replies[0].text


async def test_history_shows_entries_and_weekly_average(
    engine: Engine, clock: ManualClock
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    for mood in ("2", "4", "5"):
        await chat.say("/checkin")
        await chat.say(mood)
        await chat.say("done")
        await chat.say("skip")
        clock.advance(timedelta(days=1))
    replies = await chat.say("/history")
    text = replies[0].text
    assert text.count("\n") >= 3
    assert "7-day average: 3.7 (3 check-ins)" in text


async def test_settings_change_timezone_and_time(engine: Engine, db: Database) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/settings")
    await chat.tap("timezone")
    await chat.say("Mars")
    assert "couldn't find that time zone" in chat.last_text()
    await chat.say("UTC+2")
    await chat.tap("prompt_time")
    await chat.say("8am")
    await chat.tap("done")
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(ALEX)
    assert member is not None
    assert (member.timezone, member.prompt_time) == ("Etc/GMT-2", "08:00")


async def test_cancel_in_settings_says_truthfully_what_was_kept(
    engine: Engine, db: Database
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/settings")
    await chat.say("/cancel")
    assert "Nothing was changed" in chat.last_text()
    await chat.say("/settings")
    await chat.tap("timezone")
    await chat.say("Asia/Kolkata")
    await chat.tap("prompt_time")
    await chat.say("8am")
    await chat.say("/cancel")
    said = chat.last_text()
    assert "Nothing from it was saved" not in said
    assert "your time zone (Asia/Kolkata) and your reminder time (08:00)" in said
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(ALEX)
    assert member is not None
    assert (member.timezone, member.prompt_time) == ("Asia/Kolkata", "08:00")


async def test_cancel_at_the_end_of_sign_up_keeps_it(engine: Engine, db: Database) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.say("/start")
    await chat.tap("yes")
    await chat.say("River")
    await chat.say("UTC")
    await chat.say("18:00")
    assert "first check-in now?" in chat.last_text()
    await chat.say("/cancel")
    assert "You're all set up, and what you chose is saved" in chat.last_text()
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(ALEX)
    assert member is not None and member.is_onboarded


async def test_delete_requires_confirmation_then_removes_everything(
    engine: Engine, db: Database
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/checkin")
    await chat.say("4")
    await chat.say("done")
    await chat.say("skip")
    await chat.say("/delete")
    await chat.tap("keep")
    async with db.transaction() as tx:
        assert await tx.members.count() == 1
    await chat.say("/delete")
    await chat.tap("delete")
    assert "has been deleted" in chat.last_text()
    async with db.transaction() as tx:
        assert await tx.members.count() == 0
        # Nothing older waits to be sent to them: only the goodbye is left to deliver.
        later = engine.clock.now() + timedelta(seconds=1)
        waiting = await tx.outbox.pending(ALEX.channel, created_before=later, limit=50)
    assert [row.external_id for row in waiting] == [ALEX.external_id]
    assert "has been deleted" in waiting[0].payload


async def test_redelivered_input_is_applied_once(engine: Engine, db: Database) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    first = await engine.handle(ALEX, Input.typed("/checkin"), dedupe=("test", "1"))
    again = await engine.handle(ALEX, Input.typed("/checkin"), dedupe=("test", "1"))
    assert first.deliveries and not first.duplicate
    assert again.duplicate and not again.deliveries


async def test_control_characters_never_reach_what_is_stored(engine: Engine, db: Database) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/checkin")
    await chat.tap("4")
    await chat.tap("done")
    await chat.say("a walk\x00 with\x1b a friend\r\nand tea\x7f\t!")
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(ALEX)
        assert member is not None
        moods = await tx.checkins.recent_moods(member.id, limit=1)
    # (The note flow folds line breaks and tabs into spaces by itself.)
    assert [m.helped for m in moods] == ["a walk with a friend and tea !"]
    # However an input is made (a channel passes captions and edits as they come).
    assert Input(text="\x00 my walk \x00").text == "my walk"
    assert Input.edit("fine\x00", message_ref="3").text == "fine"
    assert Input.typed("/check\x00in").command == "checkin"
