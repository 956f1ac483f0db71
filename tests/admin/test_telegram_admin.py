"""Staff and peer names, who may see community events, and the admin's own tools (invites,
admins), over the real python-telegram-bot stack against the fake Bot API."""

import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import (
    TgUser,
    invite_code,
    onboard_member,
    people,
    set_up_volunteer,
    start_peer_bot,
)
from tests.telegram_harness import RunningBot, text_of

HANGUL_FILLER = "\u3164"


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_peer_bot(fake, db_path, clock)
    yield running
    await running.stop()


async def display_name_refused(who: TgUser, name: str) -> str:
    """Offer a display name during volunteer set-up; the refusal that comes back."""
    reply = text_of(await who.send(name))
    assert "Which topics" not in reply, name
    return reply


# -- names (#14) ----------------------------------------------------------------------
async def test_nobody_can_sign_up_as_the_team_or_as_a_look_alike_of_a_peer(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, bob, member = people(fake)
    await set_up_volunteer(admin, alice, "Alice")

    code = await invite_code(admin)
    await bob.send(f"/volunteer {code}", expect="What display name")
    # Members would take it for the people who run Hearthside.
    assert "is kept for the people who run Hearthside" in await display_name_refused(
        bob, "Hearthside team"
    )
    for look_alike in ("Аlice", "Alice" + HANGUL_FILLER, "ALICE"):
        assert "looks just like it" in await display_name_refused(bob, look_alike)
    assert "can't see anything" in await display_name_refused(bob, HANGUL_FILLER * 3)
    assert "web address" in await display_name_refused(bob, "bit.ly")
    await bob.send("Roberta", expect="Which topics")

    await member.send("/start", expect="Is it okay")
    await member.tap("Yes", expect="What name")
    refused = text_of(await member.send("Admin"))
    assert "“Admin” is kept" in refused and "What name" in refused
    await member.send("Quiet Heron", expect="time zone")


async def test_members_name_check_is_the_same_one_at_sign_up_and_in_settings(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    _, _, _, member = people(fake)
    await onboard_member(member)
    await member.send("/settings", expect="What would you like to change")
    await member.tap("Chosen name", expect="What name")
    assert "web address" in text_of(await member.send("bit.ly"))
    assert (await bot.member(member.id)).pseudonym == "Quiet Heron"


# -- who sees community events (#17) ------------------------------------------------
PLACE = "back door of St Mary's hall"


async def test_only_members_volunteers_and_admins_see_events(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, outsider, member = people(fake)
    await admin.send(f"/newevent 2026-12-05 18:30 | Sharing circle | {PLACE}", expect="Posted")

    refused = text_of(await outsider.send("/events"))
    assert "members of Hearthside" in refused and "/start" in refused
    # Nor through the hidden answer command, nor in /help.
    await outsider.send("/rsvp 1 going", expect="Let's get you set up first")
    assert "/events" not in text_of(await outsider.send("/help", expect="what I can do"))
    seen = "\n".join(m.text or "" for m in fake.messages(outsider.id))
    assert "Sharing circle" not in seen and "St Mary" not in seen and "18:30" not in seen

    await onboard_member(member)
    await member.send("/events", expect="Community events")
    card = await fake.wait_for_message(member.id, "Sharing circle")
    assert PLACE in text_of(card) and card.buttons

    # A volunteer who never joined as a member sees them too, without answer buttons.
    await set_up_volunteer(admin, alice, "Alice")
    await alice.send("/events", expect="Community events")
    card = await fake.wait_for_message(alice.id, "Sharing circle")
    assert PLACE in text_of(card) and not card.buttons


# -- the admins' audit trail (#23) --------------------------------------------------
def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records]


async def test_admin_actions_are_logged_with_who_did_them_and_to_whom(
    fake: FakeTelegram, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    admin, alice, _, _ = people(fake)
    await set_up_volunteer(admin, alice, "Alice")
    alice_id = (await bot.member(alice.id)).id
    await admin.send("/volunteers", expect="Volunteers:")
    await admin.tap("Suspend Alice", expect="Suspend Alice?")
    await admin.tap("Yes, suspend Alice", expect="Alice is suspended")
    await admin.send(f"/reinstate {alice_id}", expect="reinstated")
    await admin.send("/newevent 2026-12-05 18:30 | Quiet walk | Hidden garden", expect="Posted")

    lines = logged(caplog)
    # The admin here is an ADMINS account that never joined as a member. Each action is
    # logged once it is done: the question before the confirmation records nothing.
    suspended = f"admin_action actor=settings action=volunteer.suspend target={alice_id}"
    assert lines.count(suspended) == 1
    assert f"admin_action actor=settings action=volunteer.reinstate target={alice_id}" in lines
    assert "admin_action actor=settings action=event.create target=1" in lines
    # The command itself is logged by name only, never by its words.
    assert "admin_command actor=settings name=newevent" in lines
    assert not [line for line in lines if "Quiet walk" in line or "Hidden garden" in line]


# -- invites and admins (#23) -------------------------------------------------------
async def admin_invite_code(admin: TgUser) -> str:
    invite = text_of(await admin.send("/invite admin", expect="join as an admin"))
    found = re.search(r"/volunteer (\S+)", invite)
    assert found is not None, invite
    return found.group(1)


async def test_admin_lists_and_revokes_invites_by_id_never_seeing_a_code_again(
    fake: FakeTelegram, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    admin, alice, bob, _ = people(fake)
    volunteer_code = await invite_code(admin)
    admin_code = await admin_invite_code(admin)

    listing = await admin.send("/invites", expect="Open invites")
    assert "#1 volunteer invite — made Sun 22 Nov, 14:00, expires Sun 29 Nov, 14:00" in (
        text_of(listing)
    )
    assert "#2 admin invite" in text_of(listing)
    shown = text_of(listing) + repr(listing.buttons)
    assert volunteer_code not in shown and admin_code not in shown
    assert [label for label, _ in listing.buttons] == ["Revoke #1", "Revoke #2"]

    # Revoke by button, with a confirmation.
    await admin.tap("Revoke #2", expect="Revoke #2 admin invite")
    await admin.tap("Yes, revoke #2", expect="Invite #2 is revoked")
    await bob.send(f"/start {admin_code}", expect="isn't valid")

    # Revoke by typing, the confirmation's button typed as its words.
    await admin.send("/invites revoke 1", expect="Its code will stop working")
    await admin.send("Yes, revoke #1", expect="Invite #1 is revoked")
    await alice.send(f"/volunteer {volunteer_code}", expect="isn't valid")
    await admin.send("/invites", expect="No invites are open")
    await admin.send("/invites revoke 1 confirm", expect="isn't open")

    lines = logged(caplog)
    assert "admin_action actor=settings action=invite.revoke target=2" in lines
    assert "admin_action actor=settings action=invite.revoke target=1" in lines
    assert "admin_action actor=settings action=invite.create_admin target=2" in lines
    # Asked and refused (already revoked), nothing more was recorded.
    assert len([line for line in lines if "action=invite.revoke" in line]) == 2
    assert not [line for line in lines if volunteer_code in line or admin_code in line]


async def test_an_admin_granted_in_chat_can_be_demoted_but_not_one_from_settings(
    fake: FakeTelegram, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    admin, _, bob, _ = people(fake)
    await onboard_member(admin, "Adaeze")
    admin_id = (await bot.member(admin.id)).id
    code = await admin_invite_code(admin)
    await bob.send(f"/start {code}", expect="You're now an admin")
    bob_id = (await bot.member(bob.id)).id

    help_text = text_of(await bob.send("/help", expect="For admins"))
    assert all(f"/{name} — " in help_text for name in ("invites", "admins", "demote"))
    listing = text_of(await bob.send("/admins", expect="Admins from the ADMINS setting: 1"))
    assert f"admin #{bob_id} — you" in listing
    # The deployment's own admin says so, and the granted one can't demote themself.
    refused = text_of(await bob.send(f"/demote {admin_id}"))
    assert "from the ADMINS setting, which chat can't change" in refused
    await bob.send(f"/demote {bob_id}", expect="can't demote yourself")
    assert (await bot.member(admin.id)).id == admin_id

    await admin.send("/admins", expect="Granted in chat")
    await admin.tap(f"Demote admin #{bob_id}", expect=f"Demote admin #{bob_id}?")
    await admin.tap("Yes, demote", expect="is no longer an admin")
    await fake.wait_for_message(bob.id, "taken back your admin rights")
    assert not (await bot.member(bob.id)).is_admin
    await bob.send("/stats", expect="That command is for admins")
    await admin.send(f"/demote {bob_id}", expect="isn't an admin granted in chat")

    lines = logged(caplog)
    assert f"admin_action actor={admin_id} action=admin.revoke target={bob_id}" in lines
    # Bob redeemed his invite; his refused attempts changed nothing, so record nothing.
    by_bob = [line for line in lines if f"admin_action actor={bob_id}" in line]
    assert by_bob == [f"admin_action actor={bob_id} action=invite.redeem_admin target=1"]


async def test_an_admin_grants_admin_to_a_volunteer_or_member_and_revokes_it(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, _, member = people(fake)
    await set_up_volunteer(admin, alice, "Alice")
    await onboard_member(member)
    alice_id = (await bot.member(alice.id)).id
    member_id = (await bot.member(member.id)).id

    # /volunteers shows each volunteer's number, which /admins grant takes typed.
    listing = text_of(await admin.send("/volunteers", expect="Volunteers:"))
    assert f"• #{alice_id} Alice — ⚪ off call" in listing
    # The volunteers who could be admins are listed, each with a button; it asks first.
    choices = await admin.send("/admins grant", expect="Which volunteer should become an admin?")
    assert f"#{alice_id} Alice" in text_of(choices)
    assert [label for label, _ in choices.buttons] == ["Make Alice admin"]
    asked = await admin.tap("Make Alice admin", expect=f"Make Alice (#{alice_id}) an admin?")
    assert asked is not None and "Another admin can take it back" in text_of(asked)
    assert not (await bot.member(alice.id)).is_admin
    await admin.tap("Yes, make Alice", expect=f"Alice (#{alice_id}) is now an admin")
    await fake.wait_for_message(alice.id, "An admin has made you an admin")
    assert (await bot.member(alice.id)).is_admin
    await alice.send("/stats", expect="Hearthside, in aggregates")
    await admin.send(f"/admins grant {alice_id}", expect="is an admin already")

    # A member by their number; bad input changes nothing and says how.
    await admin.send("/admins grant 9999", expect="I can't find member #9999")
    await admin.send("/admins grant Alice", expect="/admins grant and the person's member number")
    await admin.send("/admins promote 3", expect="/admins grant to make someone one")
    await admin.send(f"/admins grant {member_id} confirm", expect="Quiet Heron")
    assert (await bot.member(member.id)).is_admin

    listing = text_of(await admin.send("/admins", expect="Granted in chat"))
    assert "Alice" not in listing  # who is an admin shows chosen names and numbers only
    assert f"admin #{alice_id}" in listing and f"Quiet Heron (#{member_id})" in listing

    # Revoked with /admins revoke, after a confirmation; a volunteer stays one.
    await admin.send(f"/admins revoke {alice_id}", expect="Demote")
    await admin.tap("Yes, demote", expect="is no longer an admin")
    assert not (await bot.member(alice.id)).is_admin
    await alice.send("/oncall", expect="You're on call")


async def test_an_admin_from_settings_cannot_be_revoked_in_chat(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, _, bob, _ = people(fake)
    await onboard_member(admin, "Adaeze")
    admin_id = (await bot.member(admin.id)).id
    code = await admin_invite_code(admin)
    await bob.send(f"/start {code}", expect="You're now an admin")
    refused = text_of(await bob.send(f"/admins revoke {admin_id} confirm"))
    assert "from the ADMINS setting, which chat can't change" in refused
    assert "remove them from ADMINS and restart" in refused
    await bob.send(f"/admins grant {admin_id}", expect="is an admin already")
