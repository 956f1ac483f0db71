"""Peer requests, the relay and stepping in, in the pseudo-language over the real Telegram
stack: every text a member, a volunteer or an admin is sent passes a catalog, and each is
made in its reader's language (a page to a volunteer in theirs, a notice to the other side
of a chat in theirs), while relayed words stay exactly as they were written.

The volunteers are seeded in storage (their set-up is another area's journey); everything
after that runs through the bot.
"""

from collections.abc import AsyncIterator, Iterable
from datetime import timedelta
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.language import PSEUDO_LANGUAGE, pseudo
from flows.peer.requests import COORDINATOR_NAME
from storage import Account
from tests.conftest import CRISIS_TEXT
from tests.fake_telegram import FakeTelegram
from tests.i18n.pseudo import ps, texts_sent_to, unlocalised, unlocalised_sent_to
from tests.peer.test_telegram_peer import ADMIN, ALICE, BOB, MEMBER, TgUser, start_peer_bot
from tests.telegram_harness import RunningBot, db_rows, text_of

# Pieces that are translated on their own and then placed inside another translated text
# (a topic's label in the page, a wait in minutes, the coordinator's name): the checker
# takes them out first, so that the text around them is checked as well. Only their
# pseudo-language form is taken out, so an untranslated piece still shows.
_NESTED_TEXTS = (
    "🟢 Request",
    "🔴 URGENT — crisis flagged",
    "Feeling low",
    "just now",
    "a phone number",
    COORDINATOR_NAME,
    "It will close soon unless someone writes in it.",
    "an hour",
)
NESTED = (
    *(pseudo(text) for text in _NESTED_TEXTS),
    pseudo("It will close in about {span} unless someone writes in it.").format(
        span=pseudo("an hour")
    ),
    *(pseudo("{count} min").format(count=n) for n in range(1, 60)),
)

# What the people themselves wrote, relayed or kept as it was.
OWN_WORDS = ("hello there, anyone?", "call me on 07700 900123", "I'm here with you")
VOLUNTEER_NAME = "Sam"


def exempt(alias: str) -> list[str]:
    return [
        *NESTED,
        *OWN_WORDS,
        CRISIS_TEXT,
        alias,
        VOLUNTEER_NAME,
    ]


def config(default_language: str = PSEUDO_LANGUAGE, **extra: int) -> FlowConfig:
    return FlowConfig(
        crisis_resources=CRISIS_TEXT,
        admins=frozenset({f"telegram:{ADMIN}"}),
        default_language=default_language,
        **extra,  # type: ignore[arg-type]
    )


async def seed_volunteer(
    bot: RunningBot,
    clock: ManualClock,
    user_id: int,
    name: str,
    *,
    language: str = PSEUDO_LANGUAGE,
) -> None:
    """A peer volunteer on call, with room for two chats (their set-up is elsewhere)."""
    async with bot.db.transaction() as tx:
        member = await tx.members.create_for_account(
            Account("telegram", str(user_id)), timezone="UTC", now=clock.now(), language=language
        )
        await tx.members.rename(member.id, name)
        await tx.members.complete_onboarding(member.id, now=clock.now())
        await tx.volunteers.add(
            member.id, display_name=name, topics=(), capacity=2, now=clock.now()
        )
        await tx.volunteers.set_on_call(member.id, True)


async def seed_speaker(bot: RunningBot, clock: ManualClock, user_id: int, language: str) -> None:
    """A bare member row that speaks `language` (the fake's app asks for English, and the
    pseudo-language is no one's app language), as a /talk before sign-up makes it."""
    async with bot.db.transaction() as tx:
        await tx.members.create_for_account(
            Account("telegram", str(user_id)), timezone="UTC", now=clock.now(), language=language
        )


def alias_of_request(db_path: Path) -> str:
    rows = db_rows(db_path, "SELECT member_alias FROM handoff ORDER BY id DESC LIMIT 1")
    assert rows, "no request was made"
    return str(rows[0][0])


def people(fake: FakeTelegram) -> tuple[TgUser, TgUser, TgUser, TgUser]:
    return (
        TgUser(fake, ADMIN, "Adaeze", "adaeze_admin"),
        TgUser(fake, ALICE, "Alicia", "alicia_private"),
        TgUser(fake, BOB, "Roberto", "roberto_private"),
        TgUser(fake, MEMBER, "Zebulon", "zeb_secret_handle", last_name="Quartermaine"),
    )


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_peer_bot(fake, db_path, clock, config=config())
    yield running
    await running.stop()


async def ask_without_sign_up(
    bot: RunningBot, clock: ManualClock, member: TgUser, topic: str = "Feeling low"
) -> None:
    """`/talk` before sign-up: the consent, yes, then a topic; the request goes out."""
    await seed_speaker(bot, clock, member.id, PSEUDO_LANGUAGE)
    await member.send("/talk", expect=ps("You can talk with a peer without signing up"))
    await member.tap(ps("Yes, find me a peer"), expect=ps("Is there something you'd like"))
    await member.tap(ps(topic))


async def test_request_accept_relay_end_and_support_in_pseudo(
    fake: FakeTelegram, bot: RunningBot, db_path: Path, clock: ManualClock
) -> None:
    admin, alice, _bob, member = people(fake)
    await seed_volunteer(bot, clock, ALICE, VOLUNTEER_NAME)
    await seed_speaker(bot, clock, ADMIN, PSEUDO_LANGUAGE)

    await ask_without_sign_up(bot, clock, member)
    await fake.wait_for_message(MEMBER, ps("I've let the peers on call know"))
    page = text_of(await fake.wait_for_message(ALICE, ps("would like to talk")))
    alias = alias_of_request(db_path)
    assert f"{alias} {ps('would like to talk.')}" in page
    assert pseudo("Topic: {topic}").format(topic=pseudo("Feeling low")) in page

    # Words while waiting are kept for the peer, and passed on as they were written.
    member.say("hello there, anyone?")
    await fake.wait_for_message(MEMBER, ps("I'll pass this on to whoever accepts"))

    await alice.tap(ps("Accept"), expect=ps("You're now talking with {alias}").split("{")[0])
    passed = await fake.wait_for_message(ALICE, "hello there, anyone?")
    assert text_of(passed).endswith(": hello there, anyone?")
    joined = text_of(await fake.wait_for_message(MEMBER, ps("a peer volunteer with lived")))
    assert joined.startswith(f"⟦{VOLUNTEER_NAME}, ")

    # Contact details are held back: the member, their peer and the admin are told.
    member.say("call me on 07700 900123")
    await fake.wait_for_message(MEMBER, ps("I haven't passed that message on to"))
    await fake.wait_for_message(ALICE, ps("wasn't passed on: it had contact details"))
    await fake.wait_for_message(ADMIN, ps("Contact details were held back in a peer chat"))

    # The member ends the chat: their thanks and the rating; the volunteer's debrief.
    await member.send("/end", expect=ps("You've ended the chat."))
    await fake.wait_for_message(MEMBER, ps("Did talking help?"))
    await fake.wait_for_message(ALICE, ps("has ended the chat."))
    await member.tap("4", expect=ps("Anything you'd like to add?"))
    await member.tap(ps("Skip"), expect=ps("Next time, would you like the same peer"))
    await member.tap(ps("Yes please"), expect=ps("Noted. Thank you for telling me."))

    # The volunteer asks to talk: the admin is asked, and talks with them through the bot.
    await alice.tap(
        ps("I'd like to talk to an admin"), expect=ps("I've asked an admin to reach out")
    )
    await fake.wait_for_message(ADMIN, ps("would like to talk after a peer chat"))
    await admin.tap(ps("Talk with them"), expect=ps("as a Hearthside coordinator."))
    await fake.wait_for_message(ALICE, ps("is here to talk with you, as you asked."))
    await alice.send("/end", expect=ps("You've ended the chat."))
    await fake.wait_for_message(ADMIN, ps("has ended the chat."))

    chats = [MEMBER, ALICE, ADMIN]
    assert unlocalised_sent_to(fake, chats, exempt=exempt(alias)) == []
    # And something of each was checked: this journey reached all three.
    assert all(texts_sent_to(fake, chat) for chat in chats)


async def test_escalation_and_withdrawal_in_pseudo(
    fake: FakeTelegram, bot: RunningBot, db_path: Path, clock: ManualClock
) -> None:
    _admin, _alice, _bob, member = people(fake)
    await seed_volunteer(bot, clock, ALICE, VOLUNTEER_NAME)
    await ask_without_sign_up(bot, clock, member)
    await fake.wait_for_message(ALICE, ps("would like to talk"))
    alias = alias_of_request(db_path)

    # Nobody accepts: the volunteers are paged again, then the admins, and the member is
    # told honestly, with the lines and a choice.
    clock.advance(timedelta(minutes=6))
    await bot.sweep_now()
    await fake.wait_for_message(ALICE, ps("Still waiting — "))
    clock.advance(timedelta(minutes=6))
    await bot.sweep_now()
    await fake.wait_for_message(ADMIN, ps("Nobody has accepted yet — "))
    await fake.wait_for_message(MEMBER, ps("It's taking longer than usual"))
    await member.tap(ps("Stop waiting"), expect=ps("Okay, I've withdrawn your request."))
    await fake.next_call("editMessageText", chat_id=ALICE)

    chats = [MEMBER, ALICE, ADMIN]
    assert unlocalised_sent_to(fake, chats, exempt=exempt(alias)) == []
    withdrawn = ps("No longer needed — the member withdrew the request.")
    assert any(withdrawn in text for text in texts_sent_to(fake, ALICE))


async def test_idle_chat_warning_in_pseudo(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    bot = await start_peer_bot(fake, db_path, clock, config=config(peer_chat_idle_hours=2))
    try:
        _admin, alice, _bob, member = people(fake)
        await seed_volunteer(bot, clock, ALICE, VOLUNTEER_NAME)
        await ask_without_sign_up(bot, clock, member)
        await fake.wait_for_message(ALICE, ps("would like to talk"))
        await alice.tap(ps("Accept"), expect=ps("They waited just now."))
        alias = alias_of_request(db_path)

        clock.advance(timedelta(hours=1, minutes=5))
        await bot.sweep_now()
        await fake.wait_for_message(MEMBER, ps("It's been quiet in your chat with"))
        await fake.wait_for_message(ALICE, ps("You'll both be thanked"))
        clock.advance(timedelta(hours=1, minutes=5))
        await bot.sweep_now()
        await fake.wait_for_message(MEMBER, ps("It's been quiet for a while"))
        await fake.wait_for_message(ALICE, ps("It's been quiet for a while"))

        assert unlocalised_sent_to(fake, [MEMBER, ALICE], exempt=exempt(alias)) == []
    finally:
        await bot.stop()


def bracketed(texts: Iterable[str]) -> bool:
    return all(line.startswith("⟦") for text in texts for line in text.split("\n") if line)


async def test_each_side_is_written_to_in_its_own_language(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    """The member speaks English, one volunteer the pseudo-language and one English: each
    page, notice and reply is made in its reader's language, whoever's step made it."""
    bot = await start_peer_bot(fake, db_path, clock, config=config(default_language="en"))
    try:
        _admin, alice, _bob, member = people(fake)
        await seed_volunteer(bot, clock, ALICE, VOLUNTEER_NAME, language=PSEUDO_LANGUAGE)
        await seed_volunteer(bot, clock, BOB, "Robin", language="en")

        await member.send("/talk", expect="You can talk with a peer without signing up")
        await member.tap("Yes, find me a peer", expect="Is there something you'd like")
        await member.tap("Feeling low", expect="I've let the peers on call know")
        alias = alias_of_request(db_path)
        alice_page = text_of(await fake.wait_for_message(ALICE, ps("would like to talk.")))
        bob_page = text_of(await fake.wait_for_message(BOB, "would like to talk."))
        assert bracketed([alice_page]), alice_page
        assert bob_page == f"🟢 Request: {alias} would like to talk.\nTopic: Feeling low\n" + (
            "Waiting: just now"
        )

        # Alice accepts in her language; the member hears of it in theirs, and Bob's page
        # is edited in his.
        accepted = await alice.tap(ps("Accept"), expect=ps("They waited just now."))
        assert accepted is not None and bracketed([text_of(accepted)])
        joined = text_of(await fake.wait_for_message(MEMBER, "a peer volunteer with lived"))
        assert joined.startswith(f"{VOLUNTEER_NAME}, a peer volunteer with lived experience")
        assert "⟦" not in joined
        edited = await fake.next_call("editMessageText", chat_id=BOB)
        assert edited.params["text"] == f"{alias}: taken by another peer. Thank you!"

        # Relayed words are never translated; the member's /end tells each side in theirs.
        alice.say("I'm here with you")
        copied = await fake.next_call("copyMessage", chat_id=MEMBER)
        assert copied.params["from_chat_id"] == ALICE
        await member.send("/end", expect="You've ended the chat. Thank you for reaching out.")
        rating = text_of(await fake.wait_for_message(MEMBER, "Did talking help?"))
        assert "⟦" not in rating
        debrief = await fake.wait_for_message(ALICE, ps("How are you after that?"))
        assert bracketed([text_of(debrief)])
        assert debrief.buttons and all(not unlocalised(label) for label, _data in debrief.buttons)

        # Everything Alice was sent passed a catalog; nothing the member or Bob was sent
        # is in the pseudo-language.
        assert unlocalised_sent_to(fake, [ALICE], exempt=exempt(alias)) == []
        for chat in (MEMBER, BOB):
            assert not any("⟦" in text for text in texts_sent_to(fake, chat)), chat
    finally:
        await bot.stop()
