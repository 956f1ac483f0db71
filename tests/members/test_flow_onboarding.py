"""Onboarding, driven directly through the flow engine."""

from flows.core.engine import Engine
from storage import Account, Database
from tests.chat_driver import ChatDriver
from tests.conftest import CRISIS_TEXT

ALEX = Account("console", "1")


async def test_onboarding_to_first_checkin(engine: Engine, db: Database) -> None:
    chat = ChatDriver(engine, ALEX)
    replies = await chat.say("/start")
    assert "not an emergency service" in replies[0].text
    assert CRISIS_TEXT in replies[0].text
    # Yes and No, then sign-up in each other language Hearthside speaks.
    assert [c.value for c in chat.question.choices] == ["yes", "no", "language-es"]

    await chat.tap("yes")
    assert "What name would you like" in chat.last_text()
    await chat.tap("suggested")
    assert "time zone" in chat.last_text()
    await chat.say("berlin")
    assert "reminder" in chat.last_text()
    await chat.say("7:30pm")
    assert "every day at 19:30 (Berlin time)" in chat.last_text()
    await chat.tap("now")
    assert chat.last_text() == "How are you feeling today?"
    await chat.tap("4")
    await chat.tap("sleep")
    assert "Chosen: Sleep" in chat.last_text()
    await chat.tap("done")
    await chat.say("a walk with my sponsor")
    assert "That's your 1st check-in" in chat.last_text()

    async with db.transaction() as tx:
        member = await tx.members.find_by_account(ALEX)
        assert member is not None
        assert member.timezone == "Europe/Berlin"
        assert member.prompt_time == "19:30"
        assert member.checkin_count == 1
        moods = await tx.checkins.recent_moods(member.id, limit=5)
    assert [(m.mood, m.tags, m.helped) for m in moods] == [
        (4, ("sleep",), "a walk with my sponsor")
    ]


async def test_declining_consent_stores_nothing(engine: Engine, db: Database) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.say("/start")
    await chat.tap("no")
    assert "haven't stored anything" in chat.last_text()
    assert CRISIS_TEXT in chat.last_text()
    async with db.transaction() as tx:
        assert await tx.members.count() == 0
    replies = await chat.say("/help")
    assert "/start" in replies[0].text


async def test_pseudonym_rejects_phone_numbers_and_handles(engine: Engine) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.say("/start")
    await chat.tap("yes")
    await chat.say("+44 7700 900123")
    assert "phone number" in chat.last_text()
    await chat.say("@alex_real")
    assert "@handles" in chat.last_text()
    await chat.say("River")
    assert "Nice to meet you, River" in chat.last_text()


async def test_restarting_start_keeps_member(engine: Engine, db: Database) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/start")
    assert "Welcome back, Quiet Heron" in chat.last_text()
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(ALEX)
    assert member is not None and member.is_onboarded


async def zone_of(db: Database, account: Account = ALEX) -> str:
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(account)
    assert member is not None
    return member.timezone


async def to_the_zone_question(chat: ChatDriver) -> None:
    await chat.say("/start")
    await chat.tap("yes")
    await chat.say("River")


async def test_a_typed_city_is_confirmed_with_its_zone_and_local_time(
    engine: Engine, db: Database
) -> None:
    chat = ChatDriver(engine, ALEX)
    await to_the_zone_question(chat)
    await chat.say("Mumbai")  # it is 14:00 UTC
    assert "Got it: Asia/Kolkata — it's 19:30 there now." in chat.last_text()
    assert "When would you like your daily check-in reminder?" in chat.last_text()
    assert await zone_of(db) == "Asia/Kolkata"


async def test_an_ambiguous_zone_is_asked_about(engine: Engine, db: Database) -> None:
    chat = ChatDriver(engine, ALEX)
    await to_the_zone_question(chat)
    await chat.say("IST")
    assert "“IST” could be more than one place" in chat.last_text()
    assert [c.label for c in chat.question.choices] == ["India", "Israel", "Ireland"]
    await chat.tap("Ireland")
    assert "Got it: Europe/Dublin" in chat.last_text()
    assert await zone_of(db) == "Europe/Dublin"


async def test_which_portland_can_be_answered_in_words(engine: Engine, db: Database) -> None:
    chat = ChatDriver(engine, ALEX)
    await to_the_zone_question(chat)
    await chat.say("Portland")
    assert [c.label for c in chat.question.choices] == ["Portland, Oregon", "Portland, Maine"]
    await chat.say("Maine")
    assert "Got it: America/New_York — it's 09:00 there now." in chat.last_text()
    assert await zone_of(db) == "America/New_York"


async def test_gmt_asks_whether_summer_time_is_wanted(engine: Engine, db: Database) -> None:
    chat = ChatDriver(engine, ALEX)
    await to_the_zone_question(chat)
    await chat.say("GMT")
    assert [c.value for c in chat.question.choices] == ["Europe/London", "UTC"]
    await chat.say("London")
    assert await zone_of(db) == "Europe/London"


async def test_settings_confirm_a_new_zone(engine: Engine, db: Database) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/settings")
    await chat.tap("timezone")
    await chat.say("San Francisco")
    assert "Saved. Got it: America/Los_Angeles — it's 06:00 there now." in chat.last_text()
    assert await zone_of(db) == "America/Los_Angeles"
