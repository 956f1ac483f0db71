"""The safety texts over the real Telegram stack in the pseudo-language (flows/core/
language.py): a tier-1 crisis message (the member's reply, the pages to the volunteer on
call and the admin), the tier-2 direct question, the safety plan's steps and the notice
to someone sending too fast. Every word a person reads must have passed a catalog,
except the crisis lines' own names and numbers, which the data file holds.

Members and the volunteer are set up in the database (speaking the pseudo-language), so
these journeys lean on no other area's wording to get there.
"""

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.language import PSEUDO_LANGUAGE, pseudo
from flows.core.limits import Rate, RateLimiter
from flows.safety.crisis.resources import CrisisResources
from storage import Account
from tests.conftest import CRISIS_TEXT
from tests.fake_telegram import FakeTelegram
from tests.i18n.pseudo import ps, texts_sent_to, unlocalised
from tests.peer.test_telegram_peer import start_peer_bot
from tests.telegram_harness import Person, RunningBot, text_of

ADMIN = 598_002_114
MEMBER = 731_946_205
ALICE = 604_118_327
TIER1 = "honestly i want to die tonight"
TIER2 = "i wish i wasnt here anymore"

# The US lines, as the data file names them: names and numbers are nobody's words to
# translate (the words around them are: "call", "text", "24/7").
US_LINES = CrisisResources.for_deployment("US")
LINE_WORDS = (
    "988 Suicide & Crisis Lifeline",
    "Crisis Text Line",
    "Never Use Alone",
    "SAMHSA National Helpline",
    "988lifeline.org",
    "HOME",
)
NAMES = ("Quiet Heron", "Sam")

# Texts other areas show on these journeys that are not catalogued yet on this branch:
# the page that asks the peers on call to accept, and its button (flows/peer/requests.py).
# Emptied when those areas are merged.


async def start(fake: FakeTelegram, db_path: Path, clock: ManualClock, rate: Rate) -> RunningBot:
    config = FlowConfig(
        crisis_resources=CRISIS_TEXT,
        crisis_lines=US_LINES,
        admins=frozenset({f"telegram:{ADMIN}"}),
        default_language=PSEUDO_LANGUAGE,
    )
    return await start_peer_bot(fake, db_path, clock, config=config, limits=RateLimiter(rate))


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start(fake, db_path, clock, Rate(burst=1_000, per_second=1_000))
    yield running
    await running.stop()


@pytest.fixture
async def tight_bot(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    """Three messages at once, then one every 100 seconds: enough to see the notice."""
    running = await start(fake, db_path, clock, Rate(burst=3, per_second=0.01))
    yield running
    await running.stop()


async def speaking_pseudo(bot: RunningBot, clock: ManualClock, user_id: int) -> int:
    """A bare member row for `user_id` that speaks the pseudo-language (the fake Telegram
    app says "en", which would win over the deployment's default)."""
    async with bot.db.transaction() as tx:
        member = await tx.members.create_for_account(
            Account("telegram", str(user_id)),
            timezone="UTC",
            now=clock.now(),
            language=PSEUDO_LANGUAGE,
        )
    return member.id


async def signed_up(bot: RunningBot, clock: ManualClock, user_id: int) -> int:
    member_id = await speaking_pseudo(bot, clock, user_id)
    async with bot.db.transaction() as tx:
        await tx.members.record_consent(member_id, version=1, now=clock.now())
        await tx.members.rename(member_id, "Quiet Heron")
        await tx.members.complete_onboarding(member_id, now=clock.now())
    return member_id


async def on_call(bot: RunningBot, clock: ManualClock, user_id: int) -> None:
    member_id = await speaking_pseudo(bot, clock, user_id)
    async with bot.db.transaction() as tx:
        await tx.volunteers.add(
            member_id, display_name="Sam", topics=(), capacity=1, now=clock.now()
        )
        await tx.volunteers.set_on_call(member_id, True)


async def alias_of(bot: RunningBot, user_id: int) -> str:
    member = await bot.member(user_id)
    async with bot.db.transaction() as tx:
        handoff = await tx.handoffs.latest_for_member(member.id)
    assert handoff is not None
    return handoff.member_alias


def flattened(text: str) -> str:
    """`text` with a catalogued text inside another ("Step 1 of 7 — {title}") bracketed
    once: the inner brackets are dropped, as `unlocalised` reads one level."""
    depth, kept = 0, []
    for char in text:
        if char == "⟦":
            depth += 1
            if depth > 1:
                continue
        elif char == "⟧":
            depth -= 1
            if depth > 0:
                continue
        kept.append(char)
    return "".join(kept)


def leftovers(fake: FakeTelegram, chats: tuple[int, ...], *more: str, since: int = 0) -> list[str]:
    """Each line sent to `chats` (from the `since`-th call on) that did not pass a catalog,
    apart from what no catalog holds (the lines' names, people's names and words, and
    others' texts for now)."""
    exempt = (*LINE_WORDS, *NAMES, CRISIS_TEXT, *more)
    calls = cast("FakeTelegram", SimpleNamespace(started=fake.started[since:]))
    return [
        f"{chat}: {line}"
        for chat in chats
        for text in texts_sent_to(calls, chat)
        for line in unlocalised(flattened(text), exempt)
    ]


def shown(text: str, **fields: str) -> str:
    """`text` as the pseudo-language shows it, in its brackets, its placeholders filled."""
    words = pseudo(text)
    for key, value in fields.items():
        words = words.replace("{" + key + "}", value)
    return words


async def test_a_crisis_message_is_answered_and_paged_in_the_readers_language(
    fake: FakeTelegram, bot: RunningBot, clock: ManualClock
) -> None:
    await on_call(bot, clock, ALICE)
    await speaking_pseudo(bot, clock, MEMBER)
    member = Person(fake, MEMBER)
    reply = text_of(await member.send(TIER1, expect=ps("I'm really glad you told me")))
    # The lines: their words in the reader's language, their names and numbers as given.
    assert shown("If you are in danger right now, call {emergency}.", emergency="911") in reply
    assert (
        f"988 Suicide & Crisis Lifeline — {shown('call or text {number}', number='988')}" in reply
    )
    assert f"({pseudo('24/7')})" in reply
    assert ps("I'm letting an on-call peer know now") in reply
    assert (
        shown(
            "Hearthside can't send emergency help itself. If you're in danger, call {emergency}.",
            emergency="911",
        )
        in reply
    )
    page = await fake.wait_for_message(ALICE, ps("would like to talk"))
    await fake.wait_for_message(ADMIN, ps("would like to talk"))
    alias = await alias_of(bot, MEMBER)
    assert leftovers(fake, (MEMBER, ALICE, ADMIN), alias) == []

    # Sam accepts; serious words inside the chat reach Sam privately, and the admin.
    fake.user_clicks(ALICE, page.message_id, page.buttons[0][1])
    await fake.next_call("answerCallbackQuery")
    await fake.wait_for_message(MEMBER, "Sam")
    before = len(fake.started)
    member.fake.user_sends(MEMBER, TIER1)
    alert = await fake.wait_for_message(ALICE, ps("Private to you"))
    assert ps("ask directly whether they are thinking of ending their life") in text_of(alert)
    assert [label for label, _data in alert.buttons] == [f"🙋 {pseudo('Hand to an admin')}"]
    admins = await fake.wait_for_message(ADMIN, ps("crisis flagged in a peer chat"))
    assert f"{alias} {ps('is talking with')} Sam" in text_of(admins)
    told = await fake.wait_for_message(MEMBER, ps("Your peer is here with you too"))
    assert "988" in text_of(told)
    # From the crisis words on (the chat's opening is the peer area's).
    assert leftovers(fake, (MEMBER, ALICE, ADMIN), alias, since=before) == []


async def test_the_direct_question_and_its_answers_are_catalogued(
    fake: FakeTelegram, bot: RunningBot, clock: ManualClock
) -> None:
    await signed_up(bot, clock, MEMBER)
    member = Person(fake, MEMBER)
    asked = await member.send(TIER2, expect=ps("Are you thinking about ending your life?"))
    assert [label for label, _data in asked.buttons] == [
        pseudo("Yes"),
        pseudo("No"),
        pseudo("I'm not sure"),
    ]
    assert any(ps("Thank you for telling me") in text for text in texts_sent_to(fake, MEMBER))
    await member.tap(ps("No"), expect=ps("Thank you for answering"))
    # A day later, the gentle follow-up.
    clock.advance(timedelta(hours=25))
    await bot.sweep_now()
    await fake.wait_for_message(MEMBER, ps("I wanted to check in after yesterday"))
    assert leftovers(fake, (MEMBER,)) == []


async def test_the_safety_plan_steps_are_catalogued(
    fake: FakeTelegram, bot: RunningBot, clock: ManualClock
) -> None:
    await signed_up(bot, clock, MEMBER)
    member = Person(fake, MEMBER)
    first = await member.send("/safetyplan", expect=ps("Warning signs"))
    title = pseudo("Warning signs")
    assert shown("Step {number} of {total} — {title}", number="1", total="7", title=title) in (
        text_of(first)
    )
    await member.send("not sleeping, staying in", expect=ps("Things that help me cope"))
    await member.tap(ps("Skip"), expect=ps("People and places that take my mind off things"))
    await member.tap(ps("Skip"), expect=ps("People I can ask for help"))
    await member.tap(ps("Skip"), expect=ps("My reasons for living"))
    await member.send("my dog", expect=ps("Professionals and lines to call"))
    await member.tap(ps("Add these lines"), expect=ps("I've added them"))
    await member.tap(ps("Done"), expect=ps("Making my space safer"))
    done = await member.tap(ps("Skip"), expect=ps("That's your safety plan, saved."))
    assert done is not None and ps("Your safety plan") in text_of(done)
    assert [label for label, _data in done.buttons] == [
        f"✏️ {pseudo('Edit a step')}",
        f"🔄 {pseudo('Start over')}",
        f"🗑️ {pseudo('Delete the plan')}",
    ]
    # Their own words are theirs, not the catalog's; the lines they added were written in
    # their language when they added them.
    assert leftovers(fake, (MEMBER,), "not sleeping", "staying in", "my dog") == []


async def test_the_notice_to_someone_sending_too_fast_is_catalogued(
    fake: FakeTelegram, tight_bot: RunningBot, clock: ManualClock
) -> None:
    await signed_up(tight_bot, clock, MEMBER)
    for _n in range(6):
        fake.user_sends(MEMBER, "/safetyplan")
    notice = await fake.wait_for_message(MEMBER, ps("You're sending messages faster"))
    assert f"988 Suicide & Crisis Lifeline — {shown('call or text {number}', number='988')}" in (
        text_of(notice)
    )  # the crisis lines are in it, in the reader's words
    exempt = (*LINE_WORDS, *NAMES)
    assert unlocalised(flattened(text_of(notice)), exempt) == []
    assert leftovers(fake, (MEMBER,)) == []
