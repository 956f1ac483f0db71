"""Everything in Spanish: a member whose app is in Spanish signs up, checks in, asks for a
peer (an English-speaking volunteer, who reads English), and switches language over the
real Telegram stack; a member at the console does the same with DEFAULT_LANGUAGE=es.
Nothing they receive holds an English text that the catalogs say differently in Spanish."""

import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterable
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from flows.core.clock import ManualClock
from flows.core.language import LOCALES_DIR, _, speaking
from flows.core.limits import Rate, RateLimiter
from tests.channels.test_console import console_env
from tests.fake_telegram import FakeTelegram
from tests.i18n.pseudo import texts_sent_to
from tests.peer.test_telegram_peer import (
    ALICE,
    MEMBER,
    next_copy,
    people,
    set_up_volunteer,
    start_peer_bot,
)
from tests.telegram_harness import RunningBot, text_of

NOTE = "caminé con mi hermana"
RELAYED = "hola, gracias por estar aquí"
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
TALKED_WITH = (
    "This past week, how many people from your recovery community did you talk with? Choose a "
    "number or type one."
)


def es(text: str) -> str:
    """`text` as Spanish speakers read it."""
    with speaking("es"):
        return _(text)


def es_part(text: str) -> str:
    """The longest stretch between placeholders of the Spanish of the catalog text that is,
    or begins with, `text`: what to expect of a message with its placeholders filled in."""
    source = next(t for t in _sources() if t == text or t.startswith(text))
    return max(_PLACEHOLDER.split(es(source)), key=len).strip()


@cache
def _sources() -> tuple[str, ...]:
    with (LOCALES_DIR / "es" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale="es")
    return tuple(sorted((m.id for m in catalog if isinstance(m.id, str) and m.id), key=len))


@cache
def _english_lines() -> frozenset[str]:
    """Lines of the English source texts that Spanish says differently (long enough to
    be a sentence, not a name or a label shared by both)."""
    with (LOCALES_DIR / "es" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale="es")
    lines: set[str] = set()
    for message in catalog:
        if not isinstance(message.id, str) or not isinstance(message.string, str):
            continue
        spanish = message.string
        for line in message.id.split("\n"):
            for piece in _PLACEHOLDER.split(line):
                piece = piece.strip()
                if len(piece) >= 20 and piece not in spanish:
                    lines.add(piece)
    return frozenset(lines)


def english_in(texts: Iterable[str]) -> list[str]:
    """Each English text of the catalogs found in these texts."""
    return sorted({line for text in texts for line in _english_lines() if line in text})


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    # One person goes through every journey here, faster than anyone types.
    limits = RateLimiter(Rate(burst=1000, per_second=100.0))
    running = await start_peer_bot(fake, db_path, clock, limits=limits)
    yield running
    await running.stop()


async def test_a_spanish_member_does_it_all_in_spanish_over_telegram(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, _bob, member = people(fake)
    await set_up_volunteer(admin, alice, "Sam")  # a volunteer whose app is in English
    await alice.send("/oncall", expect="You're on call")

    fake.set_app_language("es-MX")
    await member.send("/start", expect=es("Is it okay for me to store your check-ins?"))
    assert (await bot.member(MEMBER)).language == "es"
    # Answers typed in Spanish: "sí", a time "de la tarde".
    await member.send(
        "sí",
        expect=es_part(
            "What name would you like to go by here? Peers only ever see this name, never "
            "your account. Type your own, or use “{suggestion}”."
        ),
    )
    await member.send(
        "Garza Tranquila",
        expect=es_part(
            "Which time zone are you in? Choose one, or type a city (e.g. Berlin), a time "
            "zone (e.g. Europe/Berlin) or an offset (e.g. UTC+2)."
        ),
    )
    await member.send(
        "America/Mexico_City",
        expect=es_part(
            "When would you like your daily check-in reminder? Choose a time, type your own "
            "(e.g. 7:30pm or 19:30), or choose no reminder."
        ),
    )
    await member.send("7 de la tarde", expect=es("Would you like to do your first check-in now?"))
    await member.tap(es("Yes, let's do it"), expect=es("How are you feeling today?"))
    await member.tap(
        es("Good"),
        expect=es_part(
            "Is anything weighing on you today? Choose any that apply, then Done (or just "
            "Done if nothing does)."
        ),
    )
    await member.tap(
        es("Done"),
        expect=es("What helped today, even a little? Type a few words, or choose Skip."),
    )
    await member.send(NOTE, expect=es("It's good to notice what helps."))
    await member.send("/history", expect=es("Your check-ins so far:"))
    await member.send("/connect", expect=es("How often do you feel that you lack companionship?"))
    # A label typed in Spanish, one typed in English, and one tapped all answer.
    await member.send("a menudo", expect=es("How often do you feel left out?"))
    await member.send("Often", expect=es("How often do you feel isolated from others?"))
    await member.tap(es("Hardly ever"), expect=es_part(TALKED_WITH))
    await member.send("2")

    # A peer: asked for in Spanish; the volunteer is paged, and talks, in English.
    await member.send(
        "/talk",
        expect=es_part(
            "Is there something you'd like to talk about? Choose one, or tell me in a few "
            "words of your own. (optional)"
        ),
    )
    await member.tap(
        es("Skip"),
        expect=es_part(
            "Would you like the peer who accepts to see your latest mood check-in? Only that "
            "one person would see it."
        ),
    )
    await member.tap(
        es("No, keep it to myself"),
        expect=es_part(
            "I've let the peers on call know. I'll tell you here as soon as someone accepts — "
            "usually within a few minutes."
        ),
    )
    await fake.wait_for_message(ALICE, "Garza Tranquila would like to talk")
    await alice.tap("Accept", expect="You're now talking with Garza Tranquila")
    await fake.wait_for_message(
        MEMBER,
        es_part(
            "{name}, a peer volunteer with lived experience, is here now. 💛 They can't see "
            "your account, only your chosen name."
        ),
    )
    member.say(RELAYED)
    await next_copy(fake, ALICE)
    ended = await member.send("/end", expect=es("You've ended the chat."))
    assert ended is not None
    await fake.wait_for_message(MEMBER, es("Did talking help? (1 = not at all, 5 = a lot)"))
    await fake.wait_for_message(ALICE, "How are you after that?")

    spoken = texts_sent_to(fake, MEMBER)
    assert english_in(spoken) == []
    assert english_in(texts_sent_to(fake, ALICE)) != []  # the volunteer reads English

    switched = await member.send("/language English")
    assert "I'll speak English with you from now on" in text_of(switched)
    assert (await bot.member(MEMBER)).language == "en"


def test_the_console_speaks_spanish_with_default_language_es(tmp_path: Path) -> None:
    env = {**console_env(tmp_path), "DEFAULT_LANGUAGE": "es"}
    lines = ["/start", "sí", "Río", "UTC", "20:00", "1", "😄", "familia", "listo", "omitir",
             "/history", "/quit"]  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert es("Is it okay for me to store your check-ins?") in out
    assert es("How are you feeling today?") in out
    assert es("Your check-ins so far:") in out
    assert f"1) {es('Yes, that' + chr(39) + 's okay')}" in out
    assert english_in([out]) == []
