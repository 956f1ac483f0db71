"""Each role's command menu over Telegram, end to end: members see the members' commands
(the bot's default menu), a volunteer's chat and an admin's chat their own
(setMyCommands with BotCommandScopeChat), changed as the role changes and set again for
every staff chat at start. The fake Bot API accepts only well-formed scopes for chats it
knows, and records each call with its scope."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from tests.admin.test_telegram_admin import admin_invite_code
from tests.fake_telegram import FakeTelegram, MenuCall
from tests.peer.test_telegram_peer import (
    ADMIN,
    ALICE,
    BOB,
    onboard_member,
    people,
    set_up_volunteer,
    start_peer_bot,
)
from tests.telegram_harness import RunningBot

MEMBER_ONLY = {"checkin", "talk", "settings", "export", "delete", "help", "events"}
VOLUNTEER_ONLY = {"oncall", "offcall", "shifts", "profile"}
ADMIN_ONLY = {"stats", "invite", "invites", "admins", "volunteers", "audit", "newevent"}


def chat_scope(chat_id: int) -> dict[str, object]:
    return {"type": "chat", "chat_id": chat_id}


def menu(fake: FakeTelegram, chat_id: int | None = None) -> set[str]:
    """The commands Telegram shows that chat now (the default menu, without one of its own)."""
    own = fake.commands_for(chat_scope(chat_id)) if chat_id is not None else []
    return {c["command"] for c in own or fake.commands}


def calls_for(fake: FakeTelegram, chat_id: int) -> list[MenuCall]:
    return [call for call in fake.menu_calls if call.chat_id == chat_id]


async def set_for(fake: FakeTelegram, chat_id: int) -> set[str]:
    """The next menu set for that chat alone, by name."""
    call = await fake.next_call("setMyCommands", scope=chat_scope(chat_id))
    return {c["command"] for c in call.params["commands"]}


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_peer_bot(fake, db_path, clock)
    yield running
    await running.stop()


async def test_menus_follow_each_role_as_it_changes(fake: FakeTelegram, bot: RunningBot) -> None:
    admin, alice, _, member = people(fake)
    # At start: the members' menu for everyone, and nothing of staff in it.
    default = menu(fake)
    assert default >= MEMBER_ONLY and not default & (VOLUNTEER_ONLY | ADMIN_ONLY)
    assert fake.menu_calls[0] == MenuCall("setMyCommands", {"type": "default"}, "", tuple(
        c["command"] for c in fake.commands
    ))  # fmt: skip
    # The admin from ADMINS had never written to the bot, so Telegram knew no chat to set.
    assert calls_for(fake, ADMIN) == []

    # Opening the bot, the admin gets every command.
    await admin.send("/start", expect="Is it okay")
    assert await set_for(fake, ADMIN) >= (MEMBER_ONLY | VOLUNTEER_ONLY | ADMIN_ONLY)

    # A volunteer's set-up ends with the volunteers' menu, in that chat only.
    await set_up_volunteer(admin, alice, "Alice")
    volunteer = await set_for(fake, ALICE)
    assert volunteer >= (MEMBER_ONLY | VOLUNTEER_ONLY) and not volunteer & ADMIN_ONLY
    assert menu(fake, ALICE) == volunteer
    await onboard_member(member)
    assert calls_for(fake, member.id) == [] and menu(fake, member.id) == default

    # Made an admin in chat: every command; revoked: the volunteers' menu again.
    await admin.send("/admins grant", expect="Which volunteer should become an admin?")
    await admin.tap("Make Alice admin", expect="Make Alice")
    assert calls_for(fake, ALICE)[-1].commands is not None
    assert not ADMIN_ONLY & menu(fake, ALICE)  # asked, not yet done
    await admin.tap("Yes, make Alice", expect="is now an admin")
    assert await set_for(fake, ALICE) >= ADMIN_ONLY
    alice_id = (await bot.member(ALICE)).id
    await admin.send(f"/admins revoke {alice_id}", expect="Demote")
    await admin.tap("Yes, demote", expect="is no longer an admin")
    assert await set_for(fake, ALICE) == volunteer

    # Suspended or removed: back to the members' menu (Telegram's default for that chat).
    await admin.send(f"/suspend {alice_id} confirm", expect="Alice is suspended")
    await fake.next_call("deleteMyCommands", scope=chat_scope(ALICE))
    assert menu(fake, ALICE) == default
    await admin.send(f"/reinstate {alice_id}", expect="reinstated")
    assert await set_for(fake, ALICE) == volunteer
    await admin.send(f"/removevolunteer {alice_id} confirm", expect="has been removed")
    await fake.next_call("deleteMyCommands", scope=chat_scope(ALICE))
    assert menu(fake, ALICE) == default
    # After the default menus (one for every language of the app), every call named one
    # chat's scope, for whatever language the app is in: "".
    chats = [call for call in fake.menu_calls if call.scope != {"type": "default"}]
    assert {call.language_code for call in chats} == {""}
    assert all(call.chat_id is not None for call in chats)


async def test_an_admin_invite_sets_the_admin_menu_and_a_restart_sets_every_staff_menu(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    running = await start_peer_bot(fake, db_path, clock)
    admin, alice, bob, _ = people(fake)
    await admin.send("/help", expect="For admins")
    await set_for(fake, ADMIN)
    code = await admin_invite_code(admin)
    await bob.send(f"/start {code}", expect="You're now an admin")
    assert await set_for(fake, BOB) >= ADMIN_ONLY
    await set_up_volunteer(admin, alice, "Alice")
    volunteer = await set_for(fake, ALICE)
    await running.stop()

    # Someone changed a chat's menu meanwhile (another copy of the bot, say): the start
    # puts each staff chat's menu back as the roles in storage say.
    fake.menu_calls.clear()
    running = await start_peer_bot(fake, db_path, clock)
    try:
        at_start = {call.chat_id: call for call in fake.menu_calls if call.chat_id}
        assert set(at_start) == {ADMIN, BOB, ALICE}
        assert set(at_start[ADMIN].commands or ()) >= ADMIN_ONLY
        assert set(at_start[BOB].commands or ()) >= ADMIN_ONLY
        assert set(at_start[ALICE].commands or ()) == volunteer
    finally:
        await running.stop()


async def test_a_deleted_volunteer_s_chat_goes_back_to_the_members_menu(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, _, _ = people(fake)
    await set_up_volunteer(admin, alice, "Alice")
    await set_for(fake, ALICE)
    await alice.send("/delete", expect="This deletes everything")
    await alice.tap("Yes, delete everything", expect="everything I stored about you")
    await fake.next_call("deleteMyCommands", scope=chat_scope(ALICE))
    assert menu(fake, ALICE) == menu(fake)
