"""The crisis guard end to end: the real python-telegram-bot Application and the fake Bot API.

A member's crisis message gets the pre-rendered reply as the very next message in any state,
through a 429, and reaches a human (an on-call volunteer and the admins) with escalation when
nobody accepts. What is stored and logged never holds the message text.
"""

import logging
import random
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.logs import configure_logging
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.delivery import Postman
from flows.safety.crisis import DETECTOR_VERSION
from flows.safety.crisis.resources import CrisisResources
from storage import open_database
from tests.fake_telegram import BotMessage, FakeTelegram
from tests.telegram_harness import Person, RunningBot, run_telegram, text_of

ALEX, SAM, ADMIN = 4242, 5151, 9000
# Telegram profile details of the member, which must never reach anyone else.
FIRST_NAME, USERNAME = "Zebulon", "alex_real"
TIER1 = "honestly i want to die tonight"
TIER2 = "i wish i wasn't here"
OVERDOSE = "I took all my pills"
RELAYED = "thank you for coming"
CRISIS_TEXTS = (TIER1, TIER2, OVERDOSE)
US = CrisisResources.for_deployment("US")


def config() -> FlowConfig:
    # Wired as bot/app.py wires a deployment with CRISIS_COUNTRY=US.
    return FlowConfig(
        crisis_resources=US.short_text(),
        crisis_lines=US,
        admins=frozenset({f"telegram:{ADMIN}"}),
    )


@pytest.fixture(autouse=True)
def logs_hold_no_message_text(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every test here also checks that no log record carries what the member wrote."""
    caplog.set_level(logging.DEBUG)
    configure_logging("DEBUG")  # the most talkative setting an operator can choose
    yield
    # In teardown, caplog.records holds only this phase: read every phase's records.
    records = [r for when in ("setup", "call", "teardown") for r in caplog.get_records(when)]
    logged = "\n".join(record.getMessage() for record in records).casefold()
    assert "safety_event" in logged  # the capture saw the guard's own log lines
    for text in (*CRISIS_TEXTS, RELAYED):
        assert text.casefold() not in logged
    assert FIRST_NAME.casefold() not in logged and USERNAME not in logged


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    db = await open_database(str(db_path))
    engine = create_engine(db, clock, config(), rng=random.Random(5))
    running = await run_telegram(
        fake, engine, Postman(db, clock, held=engine.held), tick_seconds=3600, poll_timeout=1
    )
    yield running
    await running.stop()


@pytest.fixture
def alex(fake: FakeTelegram) -> Person:
    return Person(fake, ALEX, first_name=FIRST_NAME)


def assert_crisis_reply(message: BotMessage, *, peer_coming: bool) -> None:
    text = text_of(message)
    assert text.startswith("I'm really glad you told me. You matter")  # warmth first
    assert "I'm an automated assistant" in text
    assert "call 911" in text  # the emergency number
    assert "988 Suicide & Crisis Lifeline" in text and "HOME to 741741" in text  # the lines
    assert ("I'm letting an on-call peer know now" in text) is peer_coming
    assert message.buttons == []


def assert_private(notice: BotMessage) -> None:
    """A request to volunteers and admins: pseudonym and tier, nothing that identifies."""
    text = text_of(notice).casefold()
    for secret in (*CRISIS_TEXTS, FIRST_NAME, USERNAME, str(ALEX)):
        assert secret.casefold() not in text
    assert "urgent" in text and "crisis" in text


def rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path) as conn:
        return list(conn.execute(sql))


def all_stored_text(db_path: Path) -> str:
    """Every text value in every table of the database."""
    values: list[str] = []
    with sqlite3.connect(db_path) as conn:
        tables = [
            name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                values.extend(str(value) for value in row if isinstance(value, str))
    return "\n".join(values)


async def make_volunteer(fake: FakeTelegram) -> Person:
    """Sam becomes a peer volunteer through an admin's invite, and goes on call."""
    admin = Person(fake, ADMIN, first_name="Ada")
    invite = text_of(await admin.send("/invite", expect="one-time invite"))
    code = invite.split("/volunteer ", 1)[1].split()[0]
    sam = Person(fake, SAM, first_name="Samuel")
    await sam.send(f"/volunteer {code}", expect="display name")
    await sam.send("Sam", expect="Which topics")
    await sam.tap("Done", expect="How many chats")
    await sam.tap("1 chat", expect="time zone")
    await sam.send("UTC", expect="set up as a peer volunteer")
    await sam.send("/oncall", expect="You're on call")
    return sam


async def test_tier1_outside_any_flow(
    fake: FakeTelegram, bot: RunningBot, alex: Person, db_path: Path
) -> None:
    await alex.onboard()
    reply = await alex.send(TIER1)  # the very next message is the crisis reply
    assert_crisis_reply(reply, peer_coming=False)  # nobody is on call: no false promise
    page = await fake.wait_for_message(ADMIN, "URGENT")
    assert_private(page)
    assert [label for label, _ in page.buttons] == ["🤝 Accept"]
    assert rows(db_path, "SELECT priority, status FROM handoff") == [(0, "waiting")]
    # Until someone accepts, the member hears that they are in line, not a dead end.
    assert "You're in line for a peer" in text_of(await alex.send("hello?"))


async def test_tier1_during_onboarding_sets_the_sign_up_aside(
    fake: FakeTelegram, bot: RunningBot, alex: Person, db_path: Path
) -> None:
    await alex.send("/start", expect="Is it okay")
    await alex.tap("Yes", expect="What name")
    reply = await alex.send(TIER1)  # where the chosen name would go
    assert_crisis_reply(reply, peer_coming=False)
    assert_private(await fake.wait_for_message(ADMIN, "URGENT"))
    assert rows(db_path, "SELECT count(*) FROM conversation") == [(0,)]
    # The next words are not taken as a name: the sign-up waits until they are ready.
    assert "You're in line for a peer" in text_of(await alex.send("thank you"))
    member = await bot.member(ALEX)
    assert member.pseudonym is None and member.onboarded_at is None


async def test_tier1_mid_checkin_sets_the_checkin_aside(
    fake: FakeTelegram, bot: RunningBot, alex: Person, db_path: Path
) -> None:
    await alex.onboard()
    await alex.send("/checkin", expect="How are you feeling")
    await alex.tap("Low", expect="weighing on you")
    await alex.tap("Done", expect="What helped")
    reply = await alex.send(TIER1)  # where the check-in note would go
    assert_crisis_reply(reply, peer_coming=False)
    assert rows(db_path, "SELECT count(*) FROM conversation") == [(0,)]
    assert "You're in line for a peer" in text_of(await alex.send("thank you"))
    # The mood given just before is kept; neither the crisis words nor "thank you" is a note.
    assert rows(db_path, "SELECT mood, helped FROM mood_checkin") == [(2, None)]


async def test_the_crisis_reply_waits_out_a_429(
    fake: FakeTelegram, bot: RunningBot, alex: Person
) -> None:
    await alex.onboard()
    fake.fail_next("sendMessage", "429", retry_after=1, chat_id=ALEX)
    reply = await alex.send(TIER1)
    assert_crisis_reply(reply, peer_coming=False)
    failed, sent = fake.calls_to("sendMessage", chat_id=ALEX)[-2:]
    assert (failed.status, sent.status) == (429, 200)
    assert failed.params["text"] == sent.params["text"]  # the same reply, retried, not dropped


async def test_an_on_call_volunteer_and_admins_get_a_private_priority_request(
    fake: FakeTelegram, bot: RunningBot, alex: Person
) -> None:
    sam = await make_volunteer(fake)
    await alex.onboard()
    await alex.send("/checkin", expect="How are you feeling")
    await alex.tap("Low", expect="weighing on you")
    await alex.tap("Done", expect="What helped")
    reply = await alex.send(TIER1)
    assert_crisis_reply(reply, peer_coming=True)
    for user_id in (SAM, ADMIN):
        notice = await fake.wait_for_message(user_id, "URGENT")
        assert_private(notice)
        assert "River would like to talk" in text_of(notice)  # the chosen name only
        assert [label for label, _ in notice.buttons] == ["🤝 Accept"]
    await sam.tap("Accept", expect="You're now talking with River")
    await fake.wait_for_message(ALEX, "Sam, a peer volunteer")
    # The check-in was set aside, so the member's next words reach the peer.
    fake.user_sends(ALEX, RELAYED, first_name=FIRST_NAME, username=USERNAME)
    copy = await fake.next_call("copyMessage", chat_id=SAM)
    assert copy.params["from_chat_id"] == ALEX and copy.params["protect_content"] is True


async def test_an_unanswered_crisis_escalates_honestly(
    fake: FakeTelegram, bot: RunningBot, alex: Person, clock: ManualClock
) -> None:
    await alex.onboard()
    assert_crisis_reply(await alex.send(TIER1), peer_coming=False)
    assert_private(await fake.wait_for_message(ADMIN, "URGENT"))
    clock.advance(timedelta(minutes=config().crisis_escalate_minutes, seconds=1))
    await bot.sweep_now()
    again = await fake.wait_for_message(ADMIN, "STILL UNANSWERED")
    assert_private(again)
    assert [label for label, _ in again.buttons] == ["🤝 Accept"]
    told = text_of(await fake.wait_for_message(ALEX))
    assert "nobody has been able to pick up" in told
    assert "call 911" in told and "988 Suicide & Crisis Lifeline" in told  # the lines again


async def test_tier2_asks_directly_and_no_softens_with_a_peer_offer(
    fake: FakeTelegram, bot: RunningBot, alex: Person
) -> None:
    await alex.onboard()
    lines = text_of(await alex.send(TIER2))
    assert "I'm an automated assistant" in lines and "988 Suicide & Crisis Lifeline" in lines
    question = await fake.wait_for_message(ALEX)
    assert text_of(question) == "Are you thinking about ending your life?"
    assert [label for label, _ in question.buttons] == ["Yes", "No", "I'm not sure"]
    answer = await alex.tap("No", expect="Thank you for answering")
    assert answer is not None
    softened = text_of(answer)
    assert "A peer volunteer can talk with you: /talk" in softened
    await alex.send("/help", expect="Here's what I can do")  # the tap's sends are all done
    assert fake.messages(ADMIN) == []  # a "no" pages nobody


async def test_overdose_leads_with_the_emergency_number_and_stores_no_text(
    fake: FakeTelegram, bot: RunningBot, alex: Person, db_path: Path, clock: ManualClock
) -> None:
    await alex.onboard()
    text = text_of(await alex.send(OVERDOSE))
    assert text.startswith(
        "If you or someone with you may have taken too much, call 911 now — please don't wait."
    )
    assert "Never Use Alone — call 1-800-484-3731" in text  # the don't-use-alone line
    assert "I'm an automated assistant" in text
    await fake.wait_for_message(ADMIN, "URGENT")
    member = await bot.member(ALEX)
    [(at, tier, rule_ids, version, source)] = rows(
        db_path,
        "SELECT at, tier, rule_ids, detector_version, source FROM safety_event "
        f"WHERE member_id = {member.id}",
    )
    assert (tier, version, source) == (1, DETECTOR_VERSION, "chat")
    assert "t1.overdose" in str(rule_ids).split(",")
    assert str(at).startswith(clock.now().strftime("%Y-%m-%dT%H:%M"))
    # Not in the event, and nowhere else in the database either (the raw update is gone).
    assert OVERDOSE.casefold() not in all_stored_text(db_path).casefold()
