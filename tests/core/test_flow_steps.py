"""Typed steps: a question is asked with the handler that takes its answer, and the
conversation row stores that step as it always has, so stored conversations resume."""

import json
from datetime import timedelta

import pytest

from flows.checkins import CheckIn, Connection
from flows.core.clock import ManualClock
from flows.core.context import Context
from flows.core.engine import Engine
from flows.core.flow import Answer, Flow, NoData
from storage import Account, ConversationRow, Database
from tests.chat_driver import ChatDriver

ALEX = Account("console", "1")


async def row_of(db: Database, account: Account = ALEX) -> ConversationRow | None:
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(account)
        assert member is not None
        return await tx.conversations.load(member.id)


async def test_a_step_is_stored_by_its_handlers_name(engine: Engine, db: Database) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/checkin")
    row = await row_of(db)
    assert row is not None and (row.flow, row.step) == ("checkin", "mood")
    await chat.tap("4")
    row = await row_of(db)
    assert row is not None and row.step == "areas"
    data = json.loads(row.data)
    assert data["mood"] == 4 and data["areas"] == []
    assert data["_question"]["choices"][-1] == ["done", "Done", "✅"]
    assert data["_question"]["free_text"] is True  # several areas can be typed at once


async def test_a_conversation_stored_before_typed_steps_resumes(
    engine: Engine, db: Database, clock: ManualClock
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    question = {
        "text": "What helped today, even a little? Type a few words, or choose Skip.",
        "choices": [["skip", "Skip", ""]],
        "columns": 1,
        "free_text": True,
    }
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(ALEX)
        assert member is not None
        await tx.conversations.save(
            member.id,
            flow="checkin",
            step="helped",
            data=json.dumps({"mood": 4, "areas": ["sleep"], "_question": question}),
            token=5,
            expires_at=clock.now() + timedelta(hours=1),
            now=clock.now(),
        )
    await chat.say("a walk")
    assert "It's good to notice what helps." in chat.last_text()
    async with db.transaction() as tx:
        [entry] = await tx.checkins.recent_moods(member.id, limit=5)
    assert (entry.mood, entry.tags, entry.helped) == (4, ("sleep",), "a walk")


async def test_a_step_that_no_longer_exists_ends_kindly(
    engine: Engine, db: Database, clock: ManualClock
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(ALEX)
        assert member is not None
        question = {"text": "Gone?", "choices": [], "columns": 1, "free_text": True}
        await tx.conversations.save(
            member.id,
            flow="checkin",
            step="gone",
            data=json.dumps({"_question": question}),
            token=5,
            expires_at=clock.now() + timedelta(hours=1),
            now=clock.now(),
        )
    await chat.say("hello")
    assert "I lost track of that question" in chat.last_text()
    assert await row_of(db) is None


def test_a_flow_names_only_its_own_steps() -> None:
    checkin = CheckIn()
    assert checkin.step_name(checkin.on_mood) == "mood"
    assert checkin.step_name(CheckIn.on_helped) == "helped"
    with pytest.raises(ValueError, match="not a step of the checkin flow"):
        checkin.step_name(Connection().on_contacts)


def test_a_step_must_say_which_answer_it_takes() -> None:
    with pytest.raises(TypeError, match="must take"):

        class Untyped(Flow[NoData]):
            async def on_mood(self, ctx: Context, answer: object) -> None:
                pass

    class Typed(Flow[NoData]):
        async def on_words(self, ctx: Context, answer: Answer) -> None:
            pass

    assert Typed().step_name(Typed.on_words) == "words"
