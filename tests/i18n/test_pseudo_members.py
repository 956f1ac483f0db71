"""Members and check-ins in the pseudo-language, over the real Telegram stack: sign-up
(with its choice of language), a daily check-in and a second one the same day, the
connection check-in, /history, /chart, /export, /settings, /pause, /resume, /milestones,
/language, /help and /delete. Every text they send must have passed a catalog.

Also: the words of the chart (which is drawn before the command's transaction), the
export's notes, and a Spanish app starting sign-up in Spanish.
"""

import json
import random
import re
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.app import close_chats_when_unreachable
from flows.catalogue import create_engine
from flows.checkins import chart as chart_module
from flows.checkins.chart import ChartData, chart_data, chart_labels, render_chart
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.delivery import Postman
from flows.core.language import PSEUDO_LANGUAGE, SHIPPED, pseudo, speaking
from flows.core.limits import Rate, RateLimiter
from flows.core.local_time import COMMON_ZONES
from flows.core.parsing import timezone_label
from flows.members.export import GUIDE
from flows.members.traces import COPY_REMOVED, REQUEST_CLOSED
from storage import ConnectionCheckin, MoodCheckin, open_database
from tests.conftest import CRISIS_TEXT
from tests.fake_telegram import FakeTelegram
from tests.i18n.pseudo import ps, texts_sent_to, unlocalised, unlocalised_sent_to
from tests.peer.test_telegram_peer import ALICE, next_copy, open_chat, people, start_peer_bot
from tests.telegram_harness import Person, RunningBot, run_telegram, text_of

MEMBER = 731_946_205
CHOOSER = 742_551_903
SPANISH_APP = 753_004_118
NAME = "River"
HELPED = "a long walk"

# Words no catalog holds: the member's own, the languages' own names, the time zones'
# names, and Babel's day and month names (the pseudo-language writes dates in English).
OWN_WORDS = (NAME, HELPED, *SHIPPED.values())
ZONE_NAMES = tuple(timezone_label(zone) for zone in ("UTC", *COMMON_ZONES))
DATE_WORDS = (
    *("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    *("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
)
CRISIS_LINES = tuple(CRISIS_TEXT.splitlines())


async def start_bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> RunningBot:
    """The bot as bot/app.py wires it, speaking the pseudo-language by default."""
    db = await open_database(str(db_path))
    config = FlowConfig(crisis_resources=CRISIS_TEXT, default_language=PSEUDO_LANGUAGE)
    # One person goes through every journey here, faster than anyone types.
    limits = RateLimiter(Rate(burst=1000, per_second=100.0))
    engine = create_engine(db, clock, config, rng=random.Random(5), limits=limits)
    postman = Postman(db, clock, held=engine.held)
    close_chats_when_unreachable(engine, postman)
    return await run_telegram(fake, engine, postman, tick_seconds=3600.0)


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    # People whose app names no language: they start in the default, the pseudo-language.
    from_app_in(fake, None)
    running = await start_bot(fake, db_path, clock)
    yield running
    await running.stop()


def from_app_in(fake: FakeTelegram, language_code: str | None) -> None:
    """From here on, every user in the fake writes from an app set to `language_code`, or
    (None) from one that does not say: an app in a language Hearthside speaks wins over
    the deployment's default at sign-up."""
    fake.set_app_language(language_code)


def leftover(bot: RunningBot, fake: FakeTelegram, chats: Iterable[int], *extra: str) -> list[str]:
    """Each line sent to these chats that did not pass a catalog, apart from what no
    catalog holds (names, people's own words, dates, crisis lines, command names)."""
    commands = [f"/{name}" for name in bot.engine.commands]
    exempt = [
        *OWN_WORDS,
        *ZONE_NAMES,
        *DATE_WORDS,
        *CRISIS_LINES,
        *commands,
        *extra,
    ]
    return unlocalised_sent_to(fake, chats, exempt=exempt)


def suggested_names(fake: FakeTelegram, chat: int) -> list[str]:
    """The chosen names offered to this chat (“Quiet Heron”): names, never translated."""
    quoted = re.compile(r"“([A-Z][a-z]+ [A-Z][a-z]+)”")
    return [name for text in texts_sent_to(fake, chat) for name in quoted.findall(text)]


async def sign_up(person: Person) -> None:
    consent = await person.send("/start", expect=ps("Is it okay for me to store your check-ins?"))
    labels = [label for label, _data in consent.buttons]
    # Yes and No first, then every language by its own name.
    assert labels[:2] == [pseudo("Yes, that's okay"), pseudo("No thanks")]
    assert labels[2:] == [f"🌐 {name}" for name in SHIPPED.values()]
    await person.tap(ps("Yes, that's okay"), expect=ps("What name would you like"))
    await person.send(NAME, expect=ps("Which time zone are you in?"))
    await person.send("UTC", expect=ps("When would you like your daily check-in reminder?"))
    await person.send("18:00", expect=ps("Would you like to do your first check-in now?"))
    await person.tap(ps("Later"), expect=ps("Okay! Whenever you're ready"))


async def test_members_journeys_are_all_in_the_pseudo_language(
    bot: RunningBot, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The chart is drawn before /chart's transaction, outside it: see in which language.
    drawn_in: list[str] = []

    def render(data: ChartData) -> bytes:
        drawn_in.append(chart_labels(data).title)
        return render_chart(data)

    monkeypatch.setattr(chart_module, "render_chart", render)
    member = Person(fake, MEMBER, first_name="Zebulon")
    await sign_up(member)

    # A daily check-in, and a second one the same day that changes it.
    await member.send("/checkin", expect=ps("How are you feeling today?"))
    await member.tap(ps("Good"), expect=ps("Is anything weighing on you today?"))
    question = member.last_question()
    await member.tap(ps("Sleep"))
    edited = await fake.next_call("editMessageText", message_id=question.message_id)
    assert ps("Chosen: {areas}").split(" {")[0] in edited.params["text"]
    await member.tap(ps("Done"), expect=ps("What helped today, even a little?"))
    await member.send(HELPED, expect=ps("It's good to notice what helps."))
    await member.send("/checkin", expect=ps("How are you feeling today?"))
    await member.tap(ps("Low"), expect=ps("(as in your earlier check-in today)"))
    await member.tap(ps("Done"), expect=ps("Earlier today you wrote:"))
    thanks = await member.tap(ps("Keep"), expect=ps("That sounds like a hard day."))
    assert thanks is not None and ps("What helped: your earlier note is kept") in text_of(thanks)

    # The connection check-in.
    await member.send("/connect", expect=ps("How often do you feel that you lack companionship?"))
    await member.tap(ps("Often"), expect=ps("How often do you feel left out?"))
    await member.tap(ps("Often"), expect=ps("How often do you feel isolated from others?"))
    await member.tap(ps("Often"), expect=ps("how many people from your recovery community"))
    await member.send("2", expect=ps("It sounds like you've been feeling disconnected lately."))

    await member.send("/history", expect=ps("Your check-ins so far:"))
    chart = await member.send("/chart", expect=ps("Only you can see this."))
    assert chart.kind == "photo" and chart.caption is not None
    assert drawn_in == [pseudo("Your check-ins")]  # once, beforehand, in the member's language

    document = await member.send("/export", expect=ps("Here is everything I store about you"))
    assert document.file is not None
    exported = json.loads(document.file.data)
    notes = [exported["about"], *exported["guide"].values()]
    assert set(exported["guide"]) == set(GUIDE)  # the keys stay English
    assert [line for note in notes for line in unlocalised(note)] == []

    # /settings: a new chosen name, then /cancel says what was saved.
    await member.send("/settings", expect=ps("What would you like to change?"))
    await member.tap(ps("Chosen name"), expect=ps("What name would you like to go by here?"))
    await member.tap(ps("Use {suggestion}").split(" {")[0], expect=ps("Saved."))
    await member.send("/cancel", expect=ps("What you changed is saved"))

    await member.send("/pause", expect=ps("Paused."))
    await member.send("/pause", expect=ps("Reminders are already paused."))
    await member.send("/resume", expect=ps("Welcome back!"))
    await member.send("/resume", expect=ps("Reminders are on."))

    await member.send("/milestones", expect=ps("Some people like to count days"))
    await member.tap(ps("Set a date"), expect=ps("From which day would you like to count?"))
    await member.tap(ps("Today"), expect=ps("Only you ever see your date."))

    await member.send("/language", expect=ps("Which language would you like me to use?"))
    await member.send("/help", expect=ps("Here's what I can do:"))

    await member.send("/delete", expect=ps("This deletes everything I store about you"))
    await member.tap(ps("Yes, delete everything"), expect=ps("Take care of yourself."))

    names = suggested_names(fake, MEMBER)
    assert names  # the offer was seen, so exempting it hides nothing else
    assert leftover(bot, fake, [MEMBER], *names) == []


async def test_sign_up_can_change_language_at_the_welcome(
    bot: RunningBot, fake: FakeTelegram
) -> None:
    chooser = Person(fake, CHOOSER)
    await chooser.send("/start", expect=ps("Is it okay for me to store your check-ins?"))
    # What was shown before the choice is all catalogued.
    assert leftover(bot, fake, [CHOOSER]) == []
    # "/delete" is in the consent question in every language.
    await chooser.tap("🌐 Español", expect="/delete")
    assert (await bot.member(CHOOSER)).language == "es"
    # The welcome and the question again, now offering the other language back.
    again = chooser.last_question()
    assert [label for label, _data in again.buttons][2:] == ["🌐 English"]
    await chooser.tap("🌐 English", expect="/delete")
    assert (await bot.member(CHOOSER)).language == "en"
    assert [label for label, _d in chooser.last_question().buttons] == [
        "Yes, that's okay",
        "No thanks",
        "🌐 Español",
    ]


async def test_a_spanish_app_starts_sign_up_in_spanish(
    bot: RunningBot, fake: FakeTelegram
) -> None:
    from_app_in(fake, "es-MX")
    spanish = Person(fake, SPANISH_APP)
    await spanish.send("/start", expect="/delete")
    assert (await bot.member(SPANISH_APP)).language == "es"
    # Spanish is spoken, so English is the other language offered.
    assert [label for label, _data in spanish.last_question().buttons][2:] == ["🌐 English"]


@pytest.fixture
async def peer_bot(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    running = await start_peer_bot(fake, db_path, clock)
    yield running
    await running.stop()


async def test_what_deletion_leaves_in_a_volunteers_chat_is_in_the_volunteers_language(
    fake: FakeTelegram, peer_bot: RunningBot
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    [request] = [m for m in fake.messages(ALICE) if "Quiet Heron would like to talk" in m.body]
    member.say("my words for Sam")
    copy = await next_copy(fake, ALICE)
    fake.age_messages(ALICE, hours=49)  # too old to delete: edited to a neutral text
    await member.send("/end", expect="You've ended the chat")
    # The volunteer reads the pseudo-language; the member, English.
    volunteer = await peer_bot.member(ALICE)
    async with peer_bot.db.transaction() as tx:
        await tx.members.set_language(volunteer.id, PSEUDO_LANGUAGE)

    await member.send("/delete", expect="This deletes everything")
    await member.tap("Yes, delete everything", expect="has been deleted")
    assert text_of(fake.message(ALICE, request.message_id)) == pseudo(REQUEST_CLOSED)
    assert text_of(fake.message(ALICE, copy.message_id)) == pseudo(COPY_REMOVED)


def test_the_charts_words_are_all_catalogued() -> None:
    day = date(2026, 11, 22)
    moment = datetime(2026, 11, 22, tzinfo=UTC)
    data = chart_data(
        [MoodCheckin(day, 2, (), None, moment)], [ConnectionCheckin(day, 2, 2, 2, 6, 1)], day
    )
    with speaking(PSEUDO_LANGUAGE):
        words = chart_labels(data)
    texts = [
        words.title,
        words.subtitle,
        *words.mood_ticks,
        words.mood_axis,
        words.mood_legend,
        words.average_legend,
        words.event_legend,
        words.connection_axis,
        *words.connection_ticks,
        words.connection_legend,
    ]
    assert [line for text in texts for line in unlocalised(text, DATE_WORDS)] == []
    assert words.mood_ticks[0] == f"😣 ⟦{ps('Very low')}⟧"
    # Day ticks are dates (Babel's, in the language spoken), not catalogued words.
    assert [label for _index, label in words.day_ticks][-1] == "22 Nov"
    with speaking("es"):
        assert chart_labels(data).day_ticks[-1][1] == "22 nov"
