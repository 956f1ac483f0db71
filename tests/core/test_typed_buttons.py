"""Typing a command button's words instead of tapping it (flows/core/typed_buttons.py).

Driven through the engine, then once over the real Telegram stack and once at the
terminal, where there are no taps at all.
"""

import dataclasses
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.engine import Engine
from flows.core.hooks import Hooks
from flows.core.matching import match_choice
from flows.core.typed_buttons import OFFER_WINDOW, TypedButtons
from flows.core.values import Choice
from handlers.console.capabilities import console_info
from storage import Account, Database, NudgeOutcome, Rsvp
from tests.chat_driver import Room
from tests.community.test_console_community import LiveConsole, join_as_member
from tests.event_helpers import Timeline, join, member, post
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import Person, RunningBot, start_bot, text_of

RIVER = Account("console", "river")
SAM = Account("console", "sam")  # a peer volunteer
NO_PROMPTS = "No daily reminder"
GENERIC = "I'm a simple check-in companion"


@pytest.fixture
def flow_config(flow_config: FlowConfig) -> FlowConfig:
    return dataclasses.replace(flow_config, admins=frozenset({"console:900"}))


@pytest.fixture
def room(engine: Engine) -> Room:
    return Room(engine)


async def nudged(room: Room, engine: Engine, clock: ManualClock) -> int:
    """River joins, feels alone, and a sweep invites them to the walk; returns its id."""
    await join(engine, RIVER, at=NO_PROMPTS)
    walk = await post(room, "2026-11-28 16:00 | Recovery walk | Riverside Park gate")
    await room.say(RIVER, "/connect")
    for _ in range(3):
        await room.tap(RIVER, "Often")
    await room.say(RIVER, "0")
    await Timeline(engine, clock, room).sweep()
    assert "Would you like to go?" in room.inbox(RIVER)[-1].text
    return walk


async def rsvp(db: Database, event_id: int, who: Account) -> Rsvp | None:
    river = await member(db, who)
    async with db.transaction() as tx:
        return await tx.events.rsvp_of(event_id, river.id)


async def nudge_outcomes(db: Database) -> dict[NudgeOutcome, int]:
    async with db.transaction() as tx:
        return await tx.events.nudge_counts(datetime(2026, 1, 1, tzinfo=UTC))


# -- a button's words run its command -----------------------------------------------
@pytest.mark.parametrize("typed", ["I'll go", "i’ll go!", "ILL GO", "✅"])
async def test_typing_ill_go_after_a_nudge_rsvps(
    room: Room, engine: Engine, clock: ManualClock, db: Database, typed: str
) -> None:
    walk = await nudged(room, engine, clock)
    await room.say(RIVER, typed)
    assert "Lovely — you're going to Recovery walk" in room.inbox(RIVER)[-1].text
    saved = await rsvp(db, walk, RIVER)
    assert saved is not None and saved.answer == "going"
    assert await nudge_outcomes(db) == {"going": 1}


async def test_typing_stop_suggestions_turns_nudges_off(
    room: Room, engine: Engine, clock: ManualClock, db: Database
) -> None:
    await nudged(room, engine, clock)
    await room.say(RIVER, "stop suggestions.")
    assert "no more event suggestions" in room.inbox(RIVER)[-1].text
    river = await member(db, RIVER)
    assert river.nudges_off and river.next_nudge_at is None
    assert await nudge_outcomes(db) == {"stopped": 1}


async def test_anything_else_is_still_free_text(
    room: Room, engine: Engine, clock: ManualClock, db: Database
) -> None:
    walk = await nudged(room, engine, clock)
    await room.say(RIVER, "I'll go to bed early")
    assert GENERIC in room.inbox(RIVER)[-1].text
    assert await rsvp(db, walk, RIVER) is None


# -- when words don't say which button: today's behaviour --------------------------------
async def test_after_the_window_the_words_are_free_text_again(
    room: Room, engine: Engine, clock: ManualClock, db: Database
) -> None:
    walk = await nudged(room, engine, clock)
    clock.advance(OFFER_WINDOW)
    await room.say(RIVER, "I'll go")
    assert GENERIC in room.inbox(RIVER)[-1].text
    assert await rsvp(db, walk, RIVER) is None
    # The sweep forgets offers that old.
    await Timeline(engine, clock, room).sweep()
    async with db.transaction() as tx:
        assert await tx.offered.latest(RIVER) is None


async def test_ambiguous_words_run_nothing_and_list_the_options(
    room: Room, engine: Engine, db: Database
) -> None:
    await join(engine, RIVER, at=NO_PROMPTS)
    walk = await post(room, "2026-11-28 16:00 | Recovery walk | Park")
    coffee = await post(room, "2026-11-29 16:00 | Coffee | Hall")
    await room.say(RIVER, "/events")  # two cards, each with its own "I'll go"
    await room.say(RIVER, "I'll go")
    hint = room.inbox(RIVER)[-1].text
    assert "not sure which one you mean" in hint
    assert f"/rsvp {walk} going" in hint and f"/rsvp {coffee} going" in hint
    assert await rsvp(db, walk, RIVER) is None and await rsvp(db, coffee, RIVER) is None


async def test_only_the_newest_message_with_buttons_counts(
    room: Room, engine: Engine, clock: ManualClock, db: Database
) -> None:
    walk = await nudged(room, engine, clock)
    await room.say(RIVER, "/history")  # no buttons: the nudge's still count
    await room.say(RIVER, "/nudges")  # a newer message with buttons: only "Stop suggestions"
    await room.say(RIVER, "maybe")
    assert GENERIC in room.inbox(RIVER)[-1].text
    assert await rsvp(db, walk, RIVER) is None


async def test_a_tapped_and_answered_message_offers_nothing_more(
    room: Room, engine: Engine, clock: ManualClock, db: Database
) -> None:
    walk = await nudged(room, engine, clock)
    outcome = await room.tap(RIVER, "Stop suggestions")
    assert outcome.answered == "🔕 Stop suggestions"  # Telegram takes the keyboard away
    await room.say(RIVER, "maybe")
    assert GENERIC in room.inbox(RIVER)[-1].text
    assert await rsvp(db, walk, RIVER) is None


async def test_numbers_count_only_where_buttons_are_shown_numbered(
    room: Room, engine: Engine, clock: ManualClock, db: Database
) -> None:
    walk = await nudged(room, engine, clock)
    # The console shows command buttons as "• ✅ I'll go: send /rsvp 1 going": no numbers.
    await room.say(RIVER, "1")
    assert GENERIC in room.inbox(RIVER)[-1].text
    assert await rsvp(db, walk, RIVER) is None
    # A channel that lists them numbered (1 I'll go, 2 Maybe, ...) maps the number.
    engine.channels.declare(dataclasses.replace(console_info(), numbered_commands=True))
    await room.say(RIVER, "2")
    saved = await rsvp(db, walk, RIVER)
    assert saved is not None and saved.answer == "maybe"


async def test_an_open_question_takes_the_words(
    room: Room, engine: Engine, clock: ManualClock, db: Database
) -> None:
    walk = await nudged(room, engine, clock)
    await room.say(RIVER, "/checkin")
    await room.say(RIVER, "maybe")  # not a mood
    assert "didn't quite catch that" in room.inbox(RIVER)[-1].text
    assert await rsvp(db, walk, RIVER) is None


# -- peers and safety first ---------------------------------------------------------------
async def test_in_a_peer_chat_text_is_relayed_not_matched(room: Room, db: Database) -> None:
    await room.say(Account("console", "900"), "/invite")
    code = room.inbox(Account("console", "900"))[-1].text.split("/volunteer ", 1)[1].split()[0]
    await room.say(SAM, f"/start {code}")
    await room.say(SAM, "Sam")
    await room.tap(SAM, "Done")
    await room.tap(SAM, "1 chat")
    await room.say(SAM, "UTC")
    await room.say(SAM, "/oncall")
    await join(room.engine, RIVER, at=NO_PROMPTS)
    await room.say(RIVER, "/nudges")  # offers "🔕 Stop suggestions"
    await room.say(RIVER, "/talk")
    await room.tap(RIVER, "Feeling alone")
    # Sam accepts by typing the Accept button's word: no chat is open yet.
    await room.say(SAM, "accept")
    assert "You're now talking with" in room.texts(SAM)
    # In the chat, the same words are passed on to the other side, nothing else.
    river_sent, sam_sent = len(room.inbox(RIVER)), len(room.inbox(SAM))
    await room.say(RIVER, "Stop suggestions")
    assert [r.copy_of and r.copy_of.source for r in room.inbox(SAM)[sam_sent:]] == [RIVER]
    assert len(room.inbox(RIVER)) == river_sent  # no answer from Hearthside
    assert not (await member(db, RIVER)).nudges_off
    await room.say(SAM, "Accept")
    assert [r.copy_of and r.copy_of.source for r in room.inbox(RIVER)[river_sent:]] == [SAM]
    assert len(room.inbox(SAM)) == sam_sent + 1  # only River's message, nothing for Sam


async def test_crisis_words_meet_the_guard_first(
    room: Room, engine: Engine, clock: ManualClock, db: Database
) -> None:
    walk = await nudged(room, engine, clock)
    seen = len(room.inbox(RIVER))
    await room.say(RIVER, "I took all my pills")
    assert room.inbox(RIVER)[seen].urgent and "test crisis line" in room.inbox(RIVER)[seen].text
    assert await rsvp(db, walk, RIVER) is None
    river = await member(db, RIVER)
    async with db.transaction() as tx:
        assert [e[0] for e in await tx.safety.events_of(river.id)] == [1]
        # Even words that are also a button's are the guard's first.
        await tx.offered.remember(
            RIVER, ((("nudges off", "I want to end my life", ""),),), clock.now()
        )
    await room.say(RIVER, "I want to end my life")
    assert not (await member(db, RIVER)).nudges_off
    async with db.transaction() as tx:
        assert [e[0] for e in await tx.safety.events_of(river.id)] == [1, 1]


async def test_deleting_forgets_the_offered_buttons(
    room: Room, engine: Engine, clock: ManualClock, db: Database
) -> None:
    await nudged(room, engine, clock)
    await room.say(RIVER, "/delete")
    await room.tap(RIVER, "Yes, delete everything")
    async with db.transaction() as tx:
        found = await tx.members.find_by_account(RIVER)
        offered = await tx.offered.latest(RIVER)
    assert found is None and offered is None


async def test_the_hook_is_wired_into_the_engine(engine: Engine) -> None:
    assert isinstance(engine.hooks, Hooks) and isinstance(engine.hooks.buttons, TypedButtons)


# -- over Telegram --------------------------------------------------------------------------
ALEX, ADMIN = 4242, 9001


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_bot(fake, db_path, clock, first_sweep_seconds=3600.0)
    running.engine.config = dataclasses.replace(
        running.engine.config, admins=frozenset({f"telegram:{ADMIN}"})
    )
    yield running
    await running.stop()


async def test_telegram_typed_button_words_answer_a_nudge(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alex = Person(fake, ADMIN, "Robin"), Person(fake, ALEX)
    await alex.onboard(at=NO_PROMPTS)
    posted = await admin.send(
        "/newevent 2026-11-24 18:30 | Recovery walk | Riverside Park gate", expect="Posted"
    )
    found = re.search(r"\(#(\d+)\)", text_of(posted))
    assert found is not None
    await alex.send("/connect", expect="lack companionship")
    await alex.tap("Often", expect="left out")
    await alex.tap("Often", expect="isolated from others")
    await alex.tap("Often", expect="how many people")
    await alex.send("0", expect="Thank you for sharing")
    await bot.sweep_now()
    nudge = await fake.wait_for_message(ALEX, "Would you like to go?")

    going = await alex.send("I’ll go", expect="you're going to Recovery walk")
    assert going.buttons == []
    alex_id = (await bot.member(ALEX)).id
    async with bot.db.transaction() as tx:
        saved = await tx.events.rsvp_of(int(found.group(1)), alex_id)
    assert saved is not None and saved.answer == "going"
    # Typed, not tapped: the invitation keeps its buttons, like a question answered by
    # typing, and they still work.
    assert fake.message(ALEX, nudge.message_id).buttons == nudge.buttons
    await alex.send("Stop suggestions", expect="no more event suggestions")
    assert (await bot.member(ALEX)).nudges_off


# -- at the terminal --------------------------------------------------------------------------
def test_console_buttons_can_be_typed_in_words(tmp_path: Path) -> None:
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    with LiveConsole(tmp_path, admins="console:1") as console:
        console.act_as("1")
        assert "Posted:" in console.say(f"/newevent {day:%Y-%m-%d} 18:30 | Recovery walk | Park")
        join_as_member(console, "7373", "River")
        listed = console.say("/events")
        assert "✅ I'll go: send /rsvp" in listed
        assert "you're going to Recovery walk" in console.say("i'll go")
        assert "Stop suggestions: send /nudges off" in console.say("/nudges")
        # The console doesn't number command buttons, so a number is not one of them.
        assert GENERIC in console.say("1")
        assert "no more event suggestions" in console.say("stop suggestions")
        console.quit()


# -- the matching rules, shared with question choices ----------------------------------
def test_matching_ignores_case_and_punctuation_but_numbers_must_be_shown() -> None:
    buttons = [Choice("rsvp 1 going", "I'll go", "✅"), Choice("nudges off", "Stop suggestions")]
    assert match_choice("I’LL GO!!", buttons) is buttons[0]
    assert match_choice("stop-suggestions", buttons) is buttons[1]
    assert match_choice("nudges off", buttons) is buttons[1]  # its command, too
    assert match_choice("✅", buttons) is buttons[0]
    assert match_choice("2", buttons) is buttons[1]
    assert match_choice("2", buttons, numbers=False) is None
    assert match_choice("2.", buttons) is None  # a number counts only typed as one
    assert match_choice("ill go tomorrow", buttons) is None
    assert match_choice("?!", buttons) is None
