"""The community calendar and broadcasts in the pseudo-language, over the real Telegram
stack: every text people read there passes a catalog (flows/community, flows/broadcasts),
and each message made for someone else is made in their language.

Run `scripts/catalogs extract` first: only texts in locales/messages.pot are bracketed.
"""

import asyncio
import random
import re
import unicodedata
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.delivery import Postman
from flows.core.language import pseudo
from handlers.telegram.app import TelegramOptions, TelegramService
from storage import Account, Database, open_database
from tests.broadcasts.test_telegram_broadcasts import Running, VirtualTimer
from tests.conftest import CRISIS_TEXT
from tests.fake_telegram import BotMessage, FakeTelegram
from tests.i18n.pseudo import ps, texts_sent_to
from tests.peer.test_telegram_peer import start_peer_bot
from tests.telegram_harness import Person, RunningBot, text_of

ADMIN = 598_002_114
HERON = 731_946_205  # goes to the walk, and usually to the circle
LAKE = 742_551_903  # looks isolated: gets a suggestion
FERN = 755_310_118  # speaks English: the same notices, in her language
PSEUDONYMS = ("Quiet Heron", "Still Lake", "Green Fern")
WALK = "Recovery walk"
WALK_PLACE = "Riverside Park gate"
CIRCLE = "Sharing circle"
CIRCLE_PLACE = "Community hall"
TEXT = "Tonight's meeting moved to the library, same time."

# Words Babel writes (days, months) and a zone's own name: no catalog holds them, and in
# the pseudo-language Babel writes them in English.
BABEL_WORDS = (
    *("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    *("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    *("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "UTC",
)
EXEMPT = (*PSEUDONYMS, WALK, WALK_PLACE, CIRCLE, CIRCLE_PLACE, TEXT, *BABEL_WORDS)

_BRACKETED = re.compile(r"⟦[^⟦⟧]*⟧")


def unlocalised(text: str, exempt: Iterable[str]) -> list[str]:
    """As tests.i18n.pseudo.unlocalised, reading brackets inside brackets too: a catalog
    text filled in with another ("🔁 Repeats {schedule}", its schedule a text of its own)
    is bracketed within the outer one, and both pass a catalog."""
    found = []
    for line in text.split("\n"):
        rest = line
        for words in sorted(exempt, key=len, reverse=True):
            rest = rest.replace(words, "")
        while _BRACKETED.search(rest):
            rest = _BRACKETED.sub("", rest)
        if any(unicodedata.category(c).startswith("L") for c in rest):
            found.append(line)
    return found


def unlocalised_sent_to(fake: FakeTelegram, chat_ids: Iterable[int]) -> list[str]:
    kept = EXEMPT
    return [
        f"{chat_id}: {line}"
        for chat_id in chat_ids
        for text in texts_sent_to(fake, chat_id)
        for line in unlocalised(text, kept)
    ]


def test_the_nested_reading_still_finds_words_outside_every_bracket() -> None:
    assert unlocalised("⟦🔁 Répéáts ⟦évérý Tuesday⟧, UTC tímé⟧", EXEMPT) == []
    assert unlocalised("⟦Á ⟦B⟧ C⟧ left over", EXEMPT) == ["⟦Á ⟦B⟧ C⟧ left over"]
    assert unlocalised("⟦Séñt⟧ Sent: 3", EXEMPT) == ["⟦Séñt⟧ Sent: 3"]


def _config(**extra: object) -> FlowConfig:
    return FlowConfig(
        crisis_resources=CRISIS_TEXT,
        admins=frozenset({f"telegram:{ADMIN}"}),
        default_language="qps",
        **extra,  # type: ignore[arg-type]
    )


async def _add_people(db: Database, clock: ManualClock) -> dict[int, int]:
    """The admin and three members who finished signing up, straight into storage: all
    in the pseudo-language but Green Fern, who reads English. Their member ids."""
    ids = {}
    now = clock.now()
    async with db.transaction() as tx:
        for user_id, name, language in (
            (ADMIN, None, "qps"),
            (HERON, "Quiet Heron", "qps"),
            (LAKE, "Still Lake", "qps"),
            (FERN, "Green Fern", "en"),
        ):
            member = await tx.members.create_for_account(
                Account("telegram", str(user_id)), timezone="UTC", now=now, language=language
            )
            await tx.members.record_consent(member.id, version=1, now=now)
            if name is not None:
                await tx.members.rename(member.id, name)
            await tx.members.complete_onboarding(member.id, now=now)
            ids[user_id] = member.id
    return ids


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_peer_bot(fake, db_path, clock, config=_config())
    yield running
    await running.stop()


async def _card(fake: FakeTelegram, chat_id: int, title: str) -> BotMessage:
    return await fake.wait_for_message(chat_id, title)


async def _tap(person: Person, message: BotMessage, label: str, *, expect: str) -> BotMessage:
    person.fake.user_clicks_button(person.id, message.message_id, label)
    return await person.fake.wait_for_message(person.id, expect)


async def test_events_answers_a_series_reminders_a_nudge_and_a_cancellation(
    fake: FakeTelegram, bot: RunningBot, clock: ManualClock
) -> None:
    ids = await _add_people(bot.db, clock)
    admin, heron, fern = Person(fake, ADMIN), Person(fake, HERON), Person(fake, FERN)

    # /newevent, one line, then step by step for a series typed in Spanish words.
    posted = await admin.send(
        f"/newevent 2026-11-25 18:30 | {WALK} | {WALK_PLACE} | capacity: 12", expect=ps("Posted")
    )
    assert ps("places left") in text_of(posted)
    await admin.send("/newevent", expect=ps("Let's post an event. When is it?"))
    await admin.send("cada martes 19:00", expect=ps("What is it called?"))
    await admin.send(CIRCLE, expect=ps("Where is it?"))
    await admin.send(CIRCLE_PLACE, expect=ps("A few words about it"))
    tags = await admin.tap(ps("Skip"), expect=ps("Any tags?"))
    assert tags is not None
    await admin.tap(ps("walk"))
    # The question is edited in place with fresh buttons: tap those.
    await fake.next_call("editMessageText", message_id=tags.message_id)
    await admin.tap(ps("Done"), expect=ps("How many people can come?"))
    preview = await admin.tap(ps("No limit"), expect=ps("Post this event?"))
    assert preview is not None and "Tuesday" in text_of(preview)
    series = await admin.tap(ps("Post it"), expect=ps("Posted"))
    assert series is not None and ps("Repeats") in text_of(series)

    # /events with its filters, and one typed in Spanish.
    await heron.send("/events online", expect=ps("There are no online events"))
    await heron.send("/events banana", expect=ps("I can show events by kind"))
    await heron.send("/events presencial", expect=ps("In person events in the next"))
    await heron.send("/events", expect=ps("Community events in the next"))
    walk = await _card(fake, HERON, WALK)
    circle = await _card(fake, HERON, CIRCLE)
    assert [label for label, _data in walk.buttons] == [
        f"{emoji} {pseudo(label)}"
        for emoji, label in (("✅", "I'll go"), ("🤔", "Maybe"), ("➖", "Not this time"))
    ]
    await _tap(heron, walk, ps("I'll go"), expect=ps("Lovely — you're going to"))
    await _tap(heron, circle, ps("I usually go"), expect=ps("I've noted that you usually go"))
    await fern.send("/events", expect="Community events in the next")
    await _card(fake, FERN, WALK)
    fern_circle = await _card(fake, FERN, CIRCLE)
    await _tap(fern, fern_circle, "I usually go", expect="I've noted that you usually go")

    # The day before the walk: its reminder, and a suggestion for Still Lake, who looks
    # isolated.
    clock.set(datetime(2026, 11, 24, 18, 30, tzinfo=UTC))
    async with bot.db.transaction() as tx:
        await tx.members.set_isolation_signals(
            ids[LAKE], last_ucla3=9, last_contact_at=None, low_mood_run=0
        )
        await tx.members.schedule_nudge(ids[LAKE], clock.now())
    await bot.sweep_now()
    reminder = await fake.wait_for_message(HERON, ps("Tomorrow"))
    assert WALK in text_of(reminder) and reminder.buttons
    nudge = await fake.wait_for_message(LAKE, ps("Coming up"))
    assert "Still Lake" in text_of(nudge)
    assert any(ps("Stop suggestions") in label for label, _ in nudge.buttons)

    # After the walk (and the night's quiet hours): "did you make it?".
    clock.set(datetime(2026, 11, 26, 9, 5, tzinfo=UTC))
    await bot.sweep_now()
    asked = await fake.wait_for_message(HERON, ps("Did you make it to"))
    await _tap(heron, asked, ps("I went — it was good"), expect=ps("showing up is a big deal"))

    # One date of the circle is called off: each person going hears in their language.
    await admin.send("/cancelevent", expect=ps("Which event would you like to cancel?"))
    await admin.tap(CIRCLE, expect=ps("Cancel just"))
    await admin.tap(ps("Just this date"), expect=ps("Cancelled"))
    notice = await fake.wait_for_message(HERON, "❌")
    assert ps("Just this date: the others are still on.") in text_of(notice)
    english = await fake.wait_for_message(FERN, "❌")
    assert "Just this date: the others are still on." in text_of(english)
    assert "⟦" not in text_of(english)

    # /nudges off, from the suggestion's button.
    await Person(fake, LAKE).tap(ps("Stop suggestions"), expect=ps("no more event suggestions"))

    assert unlocalised_sent_to(fake, [ADMIN, HERON, LAKE]) == []


async def _start_with_delivery(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> Running:
    """The bot with broadcasts delivered, as bot/app.py starts it."""
    db = await open_database(str(db_path))
    engine = create_engine(db, clock, _config(), rng=random.Random(5))
    postman = Postman(db, clock, held=engine.held)
    options = TelegramOptions(
        token=fake.token, base_url=fake.base_url, poll_timeout=1, bulk_per_second=30.0
    )
    service = TelegramService(options, engine, postman)
    await service.start()
    running = Running(service, engine, db, postman, None)
    await running.start_delivery(VirtualTimer())
    return running


@pytest.fixture
async def delivering(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> AsyncIterator[Running]:
    running = await _start_with_delivery(fake, db_path, clock)
    yield running
    await running.stop()


async def _broadcast_in(fake: FakeTelegram, chat_id: int, header: str) -> str:
    async with asyncio.timeout(10):
        while not (found := [m.body for m in fake.messages(chat_id) if header in m.body]):  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    return found[-1]


async def test_a_broadcast_from_compose_to_report_and_announcements(
    fake: FakeTelegram, delivering: Running, clock: ManualClock
) -> None:
    await _add_people(delivering.db, clock)
    admin, heron = Person(fake, ADMIN), Person(fake, HERON)

    await heron.send("/announcements", expect=ps("Announcements are on for you."))
    await heron.send("/announcements maybe", expect=ps("I didn't catch that."))

    await admin.send("/broadcast", expect=ps("Send the message"))
    await admin.send(TEXT, expect=ps("Who should get it?"))
    await admin.tap(ps("Members who take announcements"), expect=ps("time-critical"))
    await admin.tap(ps("No: wait"), expect=ps("exactly as they will see it"))
    preview = text_of(await fake.wait_for_message(ADMIN, TEXT))
    assert preview.startswith(pseudo("📣 A message from the Hearthside team"))
    summary = await fake.wait_for_message(ADMIN, ps("Send it?"))
    assert ps("It goes to") in text_of(summary)
    await admin.tap(ps("Send it"), expect=ps("Your broadcast is on its way"))

    # Each copy is framed in its reader's language; the admin's words as written.
    pseudo_copy = await _broadcast_in(fake, HERON, TEXT)
    assert pseudo_copy == (
        f"{pseudo('📣 A message from the Hearthside team')}\n\n{TEXT}\n\n"
        f"{pseudo('To stop announcements like this one, send /announcements off.')}"
    )
    english_copy = await _broadcast_in(fake, FERN, TEXT)
    assert english_copy == (
        f"📣 A message from the Hearthside team\n\n{TEXT}\n\n"
        "To stop announcements like this one, send /announcements off."
    )
    report = text_of(await fake.wait_for_message(ADMIN, ps("Here is what happened"), timeout=10))
    assert ps("Sent: ") in report

    await heron.send("/announcements desactivar", expect=ps("no more announcements"))

    assert unlocalised_sent_to(fake, [ADMIN, HERON, LAKE]) == []
