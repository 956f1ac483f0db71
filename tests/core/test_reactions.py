"""Reactions as answers, on a channel without buttons: a reaction to the message asking the
open question picks the option with that emoji (or keycap); any other reaction means
nothing and gets no reply."""

import random
from itertools import count

import pytest

from flows.catalogue import create_engine
from flows.core import notice_keys
from flows.core.channels import ChannelInfo, Channels
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.delivery import Postman, SendResult, Sent
from flows.core.engine import Engine
from flows.core.limits import Rate, RateLimiter
from flows.core.values import Input, Outcome, Reply
from storage import Account, Database

ME = Account("reacting", "aci-1")


class Chat:
    """A channel that numbers what it sends, as Signal names messages by timestamp."""

    name = "reacting"

    def __init__(self) -> None:
        self._ids = count(1000)
        self.sent: list[tuple[str, Reply]] = []

    async def send(self, external_id: str, reply: Reply) -> Sent:
        ref = str(next(self._ids))
        self.sent.append((ref, reply))
        return Sent(SendResult.SENT, ref)

    async def edit(self, external_id: str, message_ref: str, reply: Reply) -> SendResult:
        return SendResult.SENT

    def last_question(self) -> tuple[str, Reply]:
        return next((ref, r) for ref, r in reversed(self.sent) if r.asks)


@pytest.fixture
def engine(db: Database, clock: ManualClock, flow_config: FlowConfig) -> Engine:
    channels = Channels([ChannelInfo("reacting", reactions=True)])
    unlimited = RateLimiter(Rate(burst=1_000_000, per_second=1_000_000))
    return create_engine(
        db, clock, flow_config, rng=random.Random(5), limits=unlimited, channels=channels
    )


async def _run(engine: Engine, postman: Postman, inp: Input) -> Outcome:
    outcome = await engine.handle(ME, inp)
    await postman.deliver(outcome.deliveries)
    return outcome


async def test_a_reaction_to_the_question_answers_it(
    engine: Engine, db: Database, clock: ManualClock
) -> None:
    chat = Chat()
    postman = Postman(db, clock, held=engine.held)
    postman.register(chat)
    await _run(engine, postman, Input.typed("/start"))
    ref, consent = chat.last_question()
    assert consent.notice == notice_keys.question(consent.token or 0)
    await _run(engine, postman, Input.reacted("👍", target_ref=ref))  # not one of its emoji
    assert chat.last_question()[0] == ref  # nothing was answered, nothing said
    await _run(engine, postman, Input.reacted("1\ufe0f\u20e3", target_ref=ref))  # "Yes"
    assert "What name" in chat.sent[-1][1].text
    await _run(engine, postman, Input.typed("River"))
    await _run(engine, postman, Input.typed("UTC"))
    await _run(engine, postman, Input.typed("18:00"))
    await _run(engine, postman, Input.typed("Later"))
    await _run(engine, postman, Input.typed("/checkin"))
    mood_ref, mood = chat.last_question()
    assert "How are you feeling" in mood.text
    sent_before = len(chat.sent)
    # A reaction to an older message (the consent, long answered) is only a reaction.
    outcome = await _run(engine, postman, Input.reacted("1️⃣", target_ref=ref))
    assert outcome.deliveries == [] and len(chat.sent) == sent_before
    await _run(engine, postman, Input.reacted("🙂", target_ref=mood_ref))  # Good
    assert "weighing on you" in chat.sent[-1][1].text
    # The same reaction again: the question has moved on, so it means nothing now.
    outcome = await _run(engine, postman, Input.reacted("🙂", target_ref=mood_ref))
    assert outcome.deliveries == []


async def test_questions_are_remembered_only_where_reactions_answer(
    db: Database, clock: ManualClock, flow_config: FlowConfig
) -> None:
    channels = Channels([ChannelInfo("reacting", reactions=True), ChannelInfo("tapping")])
    engine = create_engine(db, clock, flow_config, rng=random.Random(5), channels=channels)
    tapped = await engine.handle(Account("tapping", "1"), Input.typed("/start"))
    reacted = await engine.handle(ME, Input.typed("/start"))
    assert [d.reply.notice for d in tapped.deliveries if d.reply.asks] == [None]
    (asking,) = [d.reply for d in reacted.deliveries if d.reply.asks]
    assert notice_keys.question_token(asking.notice) == asking.token
