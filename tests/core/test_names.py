"""Chosen names and display names: one rule (flows/core/names.py) for members and volunteers,
so nobody passes for staff or for another peer, and no name is invisible or a link."""

import dataclasses
import random

import pytest

from bot.app import known_channels
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.engine import Engine
from flows.core.names import clean_name, looks_like_any, name_problem, reserved_word
from flows.members.onboarding import _ADJECTIVES, _NOUNS
from storage import Account, Database
from tests.chat_driver import ChatDriver, Room

ADMIN = Account("console", "900")
ALICE = Account("console", "21")
BOB = Account("console", "22")
MEMBER = Account("console", "1")
HANGUL_FILLER = "\u3164"


@pytest.mark.parametrize(
    ("name", "word"),
    [
        ("Hearthside team", "hearthside"),
        ("Admin", "admin"),
        ("ADMIN", "admin"),
        ("Аdmin", "admin"),  # Cyrillic А
        ("ａｄｍｉｎ", "admin"),  # fullwidth
        ("Adm1n", "admin"),
        ("Ad\u200bmin", "admin"),  # a zero-width space inside
        ("Team Sam", "team"),
        ("TEAM SAM", "team"),
        ("HearthsideSupport", "hearthside"),
        ("Hearth side", "hearthside"),
        ("Неarthside", "hearthside"),  # Cyrillic Н and е
        ("The Moderator", "moderator"),
        ("Sam the Mod", "mod"),
        ("Staff", "staff"),
        ("Peer Support", "support"),
        ("Official Jo", "official"),
        ("AliceBot", "bot"),
        ("B0T", "bot"),
        ("System", "system"),
        ("Crisis Line", "crisis"),
    ],
)
def test_staff_words_are_reserved_in_any_case_or_look_alike_form(name: str, word: str) -> None:
    assert reserved_word(name) == word
    problem = name_problem(name)
    assert problem is not None and f"“{word.capitalize()}” is kept" in problem


@pytest.mark.parametrize(
    "name",
    ["Modesty", "Abbott", "Steam", "Badminton", "Botany Bay", "Teagan", "Quiet Heron"],
)
def test_names_that_merely_contain_a_short_staff_word_are_fine(name: str) -> None:
    assert name_problem(name) is None


@pytest.mark.parametrize(
    "name",
    [
        HANGUL_FILLER,
        HANGUL_FILLER * 3,
        "\u200b\u200c\u200d",
        "\u2060\ufeff",
        "\u00ad\u034f",
        "\U000e0041\U000e0042",  # tag characters
        " \u3164 \u115f ",
    ],
)
def test_fully_invisible_names_are_refused(name: str) -> None:
    problem = name_problem(name)
    assert problem is not None and "can't see anything" in problem


def test_invisible_characters_are_dropped_from_a_name() -> None:
    assert clean_name("Alice" + HANGUL_FILLER) == "Alice"
    assert clean_name("\u202eAl\u200dice\u200b") == "Alice"
    assert clean_name("Ａｌｉｃｅ") == "Alice"


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("bit.ly", "web address"),
        ("example.com", "web address"),
        ("St.John", "web address"),
        ("bit．ly", "web address"),  # fullwidth full stop
        ("www sam", "links"),
        ("t.me/someone", "links"),
        ("sam/page", "slashes"),
        ("@someone", "@handles"),
        ("http sam", "links"),
        ("12 34", "some letters"),
        ("--", "some letters"),
        ("Zalgo" + "\u0301\u0302\u0303\u0304", "accent marks"),
        ("Sam ☺", "simple punctuation"),
    ],
)
def test_link_like_and_letterless_names_get_a_hint_that_says_what_to_change(
    name: str, hint: str
) -> None:
    problem = name_problem(name)
    assert problem is not None and hint in problem


@pytest.mark.parametrize(
    "name",
    [
        "x",
        "+1 555 010 9999",
        "call 07700900",
        "@someone",
        "t.me/someone",
        "a" * 40,
        "<b>hi</b>",
    ],
)
def test_names_that_could_reach_their_owner_or_break_the_layout_are_refused(name: str) -> None:
    assert name_problem(name) is not None


@pytest.mark.parametrize(
    "name",
    ["J.", "J. R.", "Mr.X", "O'Brien", "Ma’ayan", "José", "Jose\u0301", "Ольга", "明美", "Søren"],
)
def test_ordinary_names_from_many_languages_are_fine(name: str) -> None:
    assert name_problem(name) is None


def test_every_suggested_name_passes_the_rule() -> None:
    for adjective in _ADJECTIVES:
        for noun in _NOUNS:
            assert name_problem(f"{adjective} {noun}") is None, (adjective, noun)


@pytest.mark.parametrize(
    ("name", "other", "clash"),
    [
        ("Аlice", "Alice", True),  # Cyrillic А
        ("Alice" + HANGUL_FILLER, "Alice", True),
        ("ALICE", "alice", True),
        ("AIice", "Alice", True),  # capital I for l
        ("A1ice", "Alice", True),
        ("Al ice", "Alice", True),
        ("Alice.", "Alice", True),
        ("0scar", "Oscar", True),
        ("Ａｌｉｃｅ", "Alice", True),
        ("Alicia", "Alice", False),
        ("Rob", "Bob", False),
    ],
)
def test_names_are_compared_by_what_they_look_like(name: str, other: str, clash: bool) -> None:
    assert looks_like_any(name, [other]) is clash


# -- in the flows --------------------------------------------------------------------
@pytest.fixture
def room(db: Database, clock: ManualClock, flow_config: FlowConfig) -> Room:
    config = dataclasses.replace(flow_config, admins=frozenset({"console:900"}))
    return Room(create_engine(db, clock, config, rng=random.Random(11), channels=known_channels()))


async def start_volunteer_setup(room: Room, who: Account) -> None:
    await room.say(ADMIN, "/invite")
    code = room.inbox(ADMIN)[-1].text.split("/volunteer ", 1)[1].split()[0]
    await room.say(who, f"/start {code}")
    assert "What display name" in room.inbox(who)[-1].text


async def finish_volunteer_setup(room: Room, who: Account) -> None:
    await room.tap(who, "Done")
    await room.tap(who, "1 chat")
    await room.say(who, "UTC")


async def display_name(db: Database, account: Account) -> str | None:
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(account)
        volunteer = await tx.volunteers.get(member.id) if member else None
    return volunteer.display_name if volunteer else None


async def test_a_volunteer_cannot_take_a_staff_name_or_a_look_alike_of_a_peers(
    room: Room, db: Database
) -> None:
    await start_volunteer_setup(room, ALICE)
    await room.say(ALICE, "Alice")
    await finish_volunteer_setup(room, ALICE)

    await start_volunteer_setup(room, BOB)
    for name in ("Hearthside team", "Аlice", "Alice" + HANGUL_FILLER, "ALICE", "bit.ly"):
        await room.say(BOB, name)
        reply = room.inbox(BOB)[-1].text
        assert "What display name" in reply or "please choose another" in reply, name
        assert "Which topics" not in reply, name
    assert "looks just like it" in room.texts(BOB)
    await room.say(BOB, "Roberta")
    assert "Which topics" in room.inbox(BOB)[-1].text
    await finish_volunteer_setup(room, BOB)
    assert await display_name(db, BOB) == "Roberta"
    assert await display_name(db, ALICE) == "Alice"


async def test_a_member_cannot_be_called_admin_or_nothing(engine: Engine, db: Database) -> None:
    member = ChatDriver(engine, MEMBER)
    await member.say("/start")
    await member.tap("yes")
    for name in ("Admin", HANGUL_FILLER * 2, "bit.ly", "Moderator"):
        await member.say(name)
        assert "time zone" not in member.last_text(), name
    await member.say("River" + HANGUL_FILLER)
    assert "time zone" in member.last_text()
    async with db.transaction() as tx:
        stored = await tx.members.find_by_account(MEMBER)
    assert stored is not None and stored.pseudonym == "River"

    # The same rule holds when the name is changed later.
    await member.say("UTC")
    await member.say("18:00")
    await member.tap("later")
    await member.say("/settings")
    await member.tap("Chosen name")
    await member.say("Hearthside Staff")
    assert "is kept for the people who run Hearthside" in member.last_text()
    async with db.transaction() as tx:
        stored = await tx.members.find_by_account(MEMBER)
    assert stored is not None and stored.pseudonym == "River"


@pytest.mark.parametrize("name", ["Alex (peer)", "Jo (Dublin)", "(Sam) Lee"])
def test_a_name_may_hold_brackets_in_pairs(name: str) -> None:
    assert name_problem(name) is None


@pytest.mark.parametrize("name", ["Alex (peer", "Alex peer)", "Alex )peer(", "Jo ((x))"])
def test_brackets_must_pair_up(name: str) -> None:
    problem = name_problem(name)
    assert problem is not None and "Brackets need to come in pairs" in problem


def test_brackets_do_not_hide_a_staff_word() -> None:
    assert reserved_word("Alex (admin)") == "admin"
    assert name_problem("Sam (Hearthside team)") is not None
