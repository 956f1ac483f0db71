"""The channels' own words in the pseudo-language: the command menus of each role (the
members' default menu in DEFAULT_LANGUAGE and once per language Hearthside speaks, each
staff chat's own in its account's language, a member's own when they choose a language
other than their app's), the answer to a tap on a question that has passed, Signal's
rendering of a question's choices and its hints, and the console's lines."""

import io
import random
from collections.abc import Iterable
from pathlib import Path

from bot.app import known_channels
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.delivery import Postman
from flows.core.language import PSEUDO_LANGUAGE, _, pseudo, speaking
from flows.core.menus import menu_commands
from flows.core.values import Choice, MenuRole, Reply
from handlers.console.console import ConsoleSession
from handlers.signal.render import COMMANDS_HINT, NUMBER_HINT, keycap
from handlers.signal.rpc import SignalRpc
from handlers.signal.service import SignalOptions, SignalService
from storage import Account, Transaction, open_database
from tests.conftest import CRISIS_TEXT
from tests.fake_signal import FakeSignalDaemon
from tests.fake_telegram import FakeTelegram
from tests.i18n.pseudo import unlocalised, unlocalised_sent_to
from tests.peer.test_telegram_peer import ADMIN, ALICE, MEMBER, OTHER_MEMBER, start_peer_bot
from tests.signal_harness import SignalPerson, aci

# Each language offers itself by its own name, in every language (flows/members/language.py).
LANGUAGE_NAMES = ("English", "Español")
DEFAULT = {"type": "default"}
# /language's question (flows/members/language.py).
WHICH = "Which language would you like me to use? You can change it any time with /language."

QPS = FlowConfig(
    crisis_resources=CRISIS_TEXT,
    admins=frozenset({f"telegram:{ADMIN}"}),
    default_language=PSEUDO_LANGUAGE,
)


def chat_scope(chat_id: int) -> dict[str, object]:
    return {"type": "chat", "chat_id": chat_id}


async def signed_up(tx: Transaction, who: int | Account, clock: ManualClock) -> None:
    """A member who signed up before (a Telegram user id, or an account), and chose no
    language."""
    account = who if isinstance(who, Account) else Account("telegram", str(who))
    member = await tx.members.create_for_account(account, timezone="UTC", now=clock.now())
    await tx.members.record_consent(member.id, version=QPS.consent_version, now=clock.now())
    await tx.members.complete_onboarding(member.id, now=clock.now())


def unbracketed(commands: Iterable[dict[str, str]]) -> list[str]:
    """The descriptions that did not pass a catalog."""
    return [
        f"/{c['command']}: {c['description']}" for c in commands if unlocalised(c["description"])
    ]


async def test_every_role_s_menu_is_in_the_pseudo_language(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    # Their apps say no language: each is spoken to in DEFAULT_LANGUAGE. Alice is a
    # volunteer, the admin is in ADMINS; both signed up as members before.
    fake.set_app_language(None)
    db = await open_database(str(db_path))
    async with db.transaction() as tx:
        for user in (ADMIN, ALICE, MEMBER):
            await signed_up(tx, user, clock)
        alice = await tx.members.find_by_account(Account("telegram", str(ALICE)))
        assert alice is not None
        await tx.volunteers.add(
            alice.id, display_name="Alice", topics=(), capacity=1, now=clock.now()
        )
    await db.close()
    # The admin and Alice wrote while the bot was down: Telegram knows their chats.
    for user in (ADMIN, ALICE):
        fake.user_sends(user, "/language")
    running = await start_peer_bot(fake, db_path, clock, config=QPS)
    try:
        commands = list(running.engine.commands.values())
        members = [c.name for c in menu_commands(commands, MenuRole.MEMBER)]
        # The members' menu for every chat: in DEFAULT_LANGUAGE for an app in a language
        # Hearthside doesn't speak, and in each one it speaks, for an app in that one.
        default = fake.commands_for(DEFAULT)
        assert [c["command"] for c in default] == members
        assert unbracketed(default) == []
        assert any(c["description"].startswith("⟦") for c in default)
        english = fake.commands_for(DEFAULT, "en")
        assert english == [
            {"command": c.name, "description": c.description}
            for c in menu_commands(commands, MenuRole.MEMBER)
        ]
        assert [c["command"] for c in fake.commands_for(DEFAULT, "es")] == members

        # The volunteer's chat, set at start as the roles in storage say, in her language.
        volunteer = fake.commands_for(chat_scope(ALICE))
        assert [c["command"] for c in volunteer] == [
            c.name for c in menu_commands(commands, MenuRole.VOLUNTEER)
        ]
        assert unbracketed(volunteer) == []
        # The admin's, every command, in theirs.
        admin = fake.commands_for(chat_scope(ADMIN))
        assert [c["command"] for c in admin] == [
            c.name for c in menu_commands(commands, MenuRole.ADMIN)
        ]
        assert unbracketed(admin) == []
        assert any(c["description"] == pseudo("the language I speak with you") for c in admin)

        # A member whose app says nothing keeps the default menu, in DEFAULT_LANGUAGE.
        fake.user_sends(MEMBER, "/language")
        which = await fake.wait_for_message(MEMBER)
        assert which.text == pseudo(WHICH)
        assert [call for call in fake.menu_calls if call.chat_id == MEMBER] == []
        # A tap on a question that has passed is answered in their language too.
        update_id = fake.user_clicks(MEMBER, which.message_id, "41:yes")
        assert await fake.next_call("answerCallbackQuery")
        answers = [a.text for a in fake.callback_answers.values()]
        assert answers == [pseudo("That question has passed — no problem.")], update_id

        # What the admin and Alice wrote is answered once the bot is back, in theirs.
        for user in (ADMIN, ALICE):
            assert (await fake.wait_for_message(user)).text == pseudo(WHICH)

        # Every message these chats were sent passed a catalog.
        assert unlocalised_sent_to(fake, [ADMIN, ALICE, MEMBER], exempt=LANGUAGE_NAMES) == []
    finally:
        await running.stop()


async def test_a_member_s_own_menu_follows_the_language_they_choose(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    # Their app is in English (the fake's); they choose Spanish, then English again.
    db = await open_database(str(db_path))
    async with db.transaction() as tx:
        await signed_up(tx, OTHER_MEMBER, clock)
    await db.close()
    running = await start_peer_bot(fake, db_path, clock, config=QPS)
    try:
        fake.user_sends(OTHER_MEMBER, "/language es")
        call = await fake.next_call("setMyCommands", scope=chat_scope(OTHER_MEMBER))
        commands = list(running.engine.commands.values())
        with speaking("es"):
            spanish = [_(c.description) for c in menu_commands(commands, MenuRole.MEMBER)]
        assert [c["description"] for c in call.params["commands"]] == spanish
        assert "language_code" not in call.params  # whatever language the app is in
        fake.user_sends(OTHER_MEMBER, "/language English")
        await fake.next_call("deleteMyCommands", scope=chat_scope(OTHER_MEMBER))
        # Back to the app's language: the default menu in it shows again.
        assert fake.commands_for(chat_scope(OTHER_MEMBER)) == []
    finally:
        await running.stop()


async def test_signal_writes_a_question_s_choices_in_its_reader_s_language(
    db_path: Path, clock: ManualClock
) -> None:
    async with FakeSignalDaemon() as daemon:
        river = aci("river")
        db = await open_database(str(db_path))
        async with db.transaction() as tx:
            await signed_up(tx, Account("signal", river), clock)
        engine = create_engine(db, clock, QPS, rng=random.Random(3), channels=known_channels())
        postman = Postman(db, clock, held=engine.held)
        rpc = SignalRpc(daemon.address, account=daemon.account, backoff=(0.02, 0.2))
        service = SignalService(
            SignalOptions(account=daemon.account, address=daemon.address, send_interval=0.0),
            engine,
            postman,
            rpc,
        )
        await service.start()
        try:
            person = SignalPerson(daemon, river, name="River Realname")
            # /language: its choices are commands, listed to type, and the hint says so.
            asked = await person.send("/language")
            lines = asked.text.split("\n")
            assert lines[-1] == pseudo(COMMANDS_HINT)
            assert "• English: /language en" in lines and "• Español: /language es" in lines
            exempt = (*LANGUAGE_NAMES, "/language en", "/language es")
            assert unlocalised(asked.text, exempt) == []

            # A question made in the pseudo-language, sent later (outside any step): its
            # numbered choices and the hint are in it; one made in English is in English.
            with speaking(PSEUDO_LANGUAGE):
                question = _(WHICH)
                reply = Reply(
                    question, (Choice("en", "English"), Choice("es", "Español")), token=7
                )
            await postman.deliver((await engine.send([person.account], reply)).deliveries)
            shown = await person.next()
            assert shown.text == "\n".join(
                [question, f"{keycap(1)} English", f"{keycap(2)} Español", "", pseudo(NUMBER_HINT)]
            )
            assert unlocalised(shown.text, LANGUAGE_NAMES) == []
            plain = Reply("Pick one", (Choice("a", "A"),), token=8)
            await postman.deliver((await engine.send([person.account], plain)).deliveries)
            assert (await person.next()).text.endswith("\n\nReply with a number or the words.")
        finally:
            await service.stop()
            await db.close()


async def test_the_console_s_own_lines_are_in_the_pseudo_language(
    db_path: Path, clock: ManualClock, tmp_path: Path
) -> None:
    db = await open_database(str(db_path))
    async with db.transaction() as tx:
        await signed_up(tx, Account("console", "2"), clock)
    engine = create_engine(db, clock, QPS, rng=random.Random(3), channels=known_channels())
    postman = Postman(db, clock, held=engine.held)
    out = io.StringIO()
    session = ConsoleSession(
        engine, postman, stdin=io.StringIO(""), stdout=out, exports=tmp_path / "exports"
    )
    try:
        for line in ("/as", "/as2", "/as 2", "/file", "/language"):
            assert await session.handle_line(line)
        await session._prompt()  # as it reads the next line
        assert not await session.handle_line("/quit")
    finally:
        await db.close()
    shown = out.getvalue()
    assert pseudo("Usage: /as <user id>, for example /as 2") in shown
    assert pseudo("You are now user {user}.").format(user=2) in shown
    assert (
        pseudo("• {label}: send /{command}").format(label="English", command="language en")
        in shown
    )
    assert pseudo("you (user {user})> ").format(user=2) in shown
    assert pseudo("Goodbye — take care.") in shown
    exempt = ("Hearthside", *LANGUAGE_NAMES, "/language en", "/language es")
    assert unlocalised(shown, exempt) == []
