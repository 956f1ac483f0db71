"""Per-person limits over the real Telegram stack: a flood reaches a volunteer, the admins or
the bot's own replies only up to a fair rate, repeated pages update one notice, and the
crisis reply to the person themself is never held back. Also the detector's cost bound.

The limiter's timer is frozen here, so what passes does not depend on the machine's speed.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from flows.core.limits import INPUTS, Rate, RateLimiter
from flows.safety.crisis import detector
from storage import Account
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import (
    ADMIN,
    ALICE,
    MEMBER,
    open_chat,
    people,
    report_chat,
    start_peer_bot,
)
from tests.telegram_harness import RunningBot, db_rows, text_of

HELD_BACK = "faster than I can pass them on"
CRISIS = "i want to die tonight"
OUTSIDER = 777_000_222


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    frozen = RateLimiter(monotonic=lambda: 0.0)  # no token ever comes back during a test
    running = await start_peer_bot(fake, db_path, clock, limits=frozen)
    yield running
    await running.stop()


def sent_to(fake: FakeTelegram, chat_id: int, containing: str) -> list[str]:
    """Texts of the bot's sendMessage calls to `chat_id` that contain `containing`."""
    texts = [str(c.params.get("text")) for c in fake.calls_to("sendMessage", chat_id=chat_id)]
    return [text for text in texts if containing in text]


async def applied(fake: FakeTelegram, update_ids: list[int]) -> None:
    """Every update was taken in (the bot confirmed the last one)."""
    await fake.wait_confirmed(update_ids[-1], timeout=20)


def test_a_bucket_gives_a_burst_then_a_steady_rate_and_tells_once() -> None:
    now = [0.0]
    limiter = RateLimiter(Rate(burst=3, per_second=0.5), monotonic=lambda: now[0])
    someone = Account("telegram", "1")
    assert [limiter.take(someone) for _ in range(4)] == [True, True, True, False]
    assert limiter.should_tell(someone) and not limiter.should_tell(someone)
    now[0] = 1.0  # half a token back: not enough
    assert not limiter.take(someone)
    now[0] = 2.0
    assert limiter.take(someone) and not limiter.take(someone)
    assert limiter.should_tell(someone)  # a new stretch of being held back
    assert limiter.take(Account("telegram", "2"))  # everyone has their own bucket


async def test_a_flood_into_a_chat_reaches_the_volunteer_only_up_to_the_burst(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)  # spends a few of the member's tokens
    sent_before = len(member.sent)
    ids = [fake.user_sends(MEMBER, f"message {n}") for n in range(60)]
    await applied(fake, ids)
    await fake.wait_for_message(MEMBER, HELD_BACK)
    copies = fake.calls_to("copyMessage", chat_id=ALICE)
    assert 0 < len(copies) <= INPUTS.burst - sent_before + 1
    told = [t for t in fake.transcript(MEMBER) if HELD_BACK in t]
    assert len(told) == 1  # said once, not sixty times

    # Held back as they are, their crisis words still get the crisis reply at once.
    member.say(CRISIS)
    reply = text_of(await fake.wait_for_message(MEMBER, "You matter"))
    assert "000-TEST" in reply
    assert db_rows(db_path, "SELECT count(*) FROM safety_event WHERE tier = 1") == [(1,)]


async def test_an_outsiders_flood_gets_a_bounded_number_of_replies(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    ids = [fake.user_sends(OUTSIDER, f"hello {n}") for n in range(60)]
    await applied(fake, ids)
    await fake.wait_for_message(OUTSIDER, HELD_BACK)
    replies = fake.calls_to("sendMessage", chat_id=OUTSIDER)
    assert len(replies) <= INPUTS.burst + 1


async def test_repeated_crisis_words_page_once_and_update_that_page(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    ids = [fake.user_sends(OUTSIDER, CRISIS) for _ in range(10)]
    await applied(fake, ids)
    for _ in range(10):  # every one of them answered, none held back
        await fake.wait_for_message(OUTSIDER, "You matter")
    pages = sent_to(fake, ADMIN, "URGENT")
    assert len(pages) == 1
    await fake.next_call("editMessageText", chat_id=ADMIN)
    (page,) = [m for m in fake.messages(ADMIN) if "URGENT" in (m.text or "")]
    assert "Flagged again" in text_of(page) and [label for label, _ in page.buttons] == [
        "🤝 Accept"
    ]
    assert db_rows(db_path, "SELECT count(*) FROM handoff") == [(1,)]


async def test_repeated_reports_reach_the_admins_once(fake: FakeTelegram, bot: RunningBot) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    await report_chat(member)
    for _ in range(4):
        await member.send("/report", expect="reported this chat already")
    reports = sent_to(fake, ADMIN, "Report from")
    assert len(reports) == 1


async def test_repeated_flags_in_a_chat_update_one_alert_for_the_volunteer(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    for _ in range(4):
        member.say("i cant cope anymore")
    for _ in range(4):
        await fake.next_call("copyMessage", chat_id=ALICE)
    await fake.next_call("editMessageText", chat_id=ALICE)
    alerts = sent_to(fake, ALICE, "Private to you")
    assert len(alerts) == 1


def test_the_detectors_work_per_message_is_bounded() -> None:
    """A 4 KB message of one phrase repeated weighs a bounded number of matches, each
    within a bounded clause, instead of every match against the whole text."""
    found = detector.default_detector()
    calls: list[int] = []
    clause = found._clause

    def counting(text: str, start: int, end: int) -> tuple[str, str]:
        before, whole = clause(text, start, end)
        calls.append(len(whole))
        return before, whole

    found._clause = counting  # type: ignore[method-assign]
    try:
        assert found.assess(("i want to die " * 400)[:4096]).tier == 1
    finally:
        del found._clause
    assert len(calls) <= 2 * len(found.rules) * detector.MATCHES_PER_RULE
    assert max(calls) <= 2 * detector.CLAUSE_REACH + len("i want to die")
