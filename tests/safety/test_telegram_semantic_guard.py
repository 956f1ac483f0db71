"""The semantic layer in the guard, over the real Telegram stack with the real model: it
asks the direct question where the lexicon found nothing (and pages only at `PAGE`), recent
signs of risk lower the bar, words the lexicon cleared are not scored, and while it is
loading (or stuck) the lexicon serves alone and the crisis reply never waits for it.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from flows.safety import guard as crisis_guard
from flows.safety.crisis import assess, semantic
from flows.safety.crisis.meanings import UNKNOWN, rule_meaning
from flows.safety.crisis.semantic import SemanticScorer
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import ADMIN, MEMBER, onboard_member, people, start_peer_bot
from tests.telegram_harness import RunningBot, db_rows, text_of

# Words the lexicon finds nothing in, whose meaning the model reads as needing the question.
UNSAID = "kept holding the blade in the bathroom again, havent used it yet"
# Closer to the line: asked only after a recent sign of risk (any sentence the scorer places
# between `CONTEXT_ASK` and `ASK` serves; the first test checks that this one does).
AMBIGUOUS = "everything feels heavy lately"
DISTRESS = "i cant cope anymore"
TIER1 = "i want to die tonight"


@pytest.fixture(scope="module")
def loaded() -> Iterator[SemanticScorer]:
    scorer = SemanticScorer()
    scorer.load_sync()
    yield scorer
    scorer.close()


async def start(
    fake: FakeTelegram, db_path: Path, clock: ManualClock, scorer: object
) -> RunningBot:
    return await start_peer_bot(fake, db_path, clock, semantic=scorer)  # type: ignore[arg-type]


@pytest.fixture
async def bot(
    fake: FakeTelegram, db_path: Path, clock: ManualClock, loaded: SemanticScorer
) -> AsyncIterator[RunningBot]:
    running = await start(fake, db_path, clock, loaded)
    yield running
    await running.stop()


def test_the_examples_are_what_they_claim(loaded: SemanticScorer) -> None:
    assert assess(UNSAID).tier == assess(AMBIGUOUS).tier == 0
    assert loaded.score_sync(UNSAID) >= semantic.ASK
    assert crisis_guard.CONTEXT_ASK <= loaded.score_sync(AMBIGUOUS) < semantic.ASK


async def test_the_model_asks_the_direct_question_where_the_lexicon_found_nothing(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    _admin, _alice, _bob, member = people(fake)
    await onboard_member(member)
    lines = text_of(await member.send(UNSAID, expect="automated assistant"))
    assert "000-TEST" in lines
    await fake.wait_for_message(MEMBER, "Are you thinking about ending your life?")
    ((tier, rules),) = db_rows(db_path, "SELECT tier, rule_ids FROM safety_event")
    assert tier == 2 and str(rules).startswith("semantic.ask")
    assert rule_meaning(str(rules)) != UNKNOWN  # /export says what it means in words
    assert fake.messages(ADMIN) == []  # asked, not paged: only a yes pages people


async def test_a_recent_sign_of_risk_makes_a_closer_call_ask(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    _admin, _alice, _bob, member = people(fake)
    await onboard_member(member)
    answered = text_of(await member.send(AMBIGUOUS))  # nothing recent: not asked
    assert "ending your life" not in answered and "automated assistant" not in answered
    await member.send(DISTRESS, expect="That sounds really hard")  # tier 3
    await member.send(AMBIGUOUS, expect="automated assistant")  # now it asks
    await fake.wait_for_message(MEMBER, "Are you thinking about ending your life?")
    assert db_rows(db_path, "SELECT tier FROM safety_event ORDER BY id") == [(3,), (2,)]


async def test_while_the_model_loads_the_lexicon_serves_alone(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    bot = await start(fake, db_path, clock, SemanticScorer())  # never loaded
    try:
        _admin, _alice, _bob, member = people(fake)
        await onboard_member(member)
        answered = text_of(await member.send(UNSAID))  # the lexicon's answer: nothing
        assert "ending your life" not in answered and "automated assistant" not in answered
        assert db_rows(db_path, "SELECT count(*) FROM safety_event") == [(0,)]
        reply = text_of(await member.send(TIER1, expect="You matter"))
        assert "000-TEST" in reply
    finally:
        await bot.stop()


class StuckScorer:
    """A model that never answers."""

    ready = True

    async def score(self, text: str) -> float | None:
        await asyncio.Event().wait()
        return None


async def test_the_crisis_reply_never_waits_for_the_model(
    fake: FakeTelegram, db_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(crisis_guard, "SEMANTIC_WAIT_SECONDS", 0.2)
    bot = await start(fake, db_path, clock, StuckScorer())
    try:
        _admin, _alice, _bob, member = people(fake)
        await onboard_member(member)
        # The lexicon's crisis words are answered without asking the model at all...
        reply = text_of(await member.send(TIER1, expect="You matter"))
        assert "000-TEST" in reply
        # ...and other words wait for it only so long, then go on as the lexicon says.
        await member.send("i had a long day at work", expect="You're in line for a peer")
    finally:
        await bot.stop()


async def test_words_the_lexicon_cleared_are_not_scored(loaded: SemanticScorer) -> None:
    """Embeddings barely see negation: an affirmation of life reads like its reverse, so the
    model must not undo the lexicon's reading of it."""
    text = "i wont cut myself again tonight, i want to live"
    # At least the bar the guard asks from after a recent sign of risk.
    assert assess(text).cleared and loaded.score_sync(text) >= crisis_guard.CONTEXT_ASK
    assert not await crisis_guard.CrisisScreen(loaded).alarmed(text)
