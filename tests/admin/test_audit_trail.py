"""The audit trail over Telegram, end to end: every admin and volunteer-management action is
recorded once it is done (never when its command is only typed), with who, what, the row
and when, and nothing anyone wrote; `/audit` shows and filters it and sends it as CSV; the
rows can't be changed or deleted, and outlive their actor's `/delete` under a pseudonym."""

import csv
import io
import json
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.core.audience import Audience
from flows.core.channels import ChannelInfo
from flows.core.clock import ManualClock
from flows.core.engine import Engine
from flows.core.limits import Rate, RateLimiter
from storage import Account
from tests.admin.test_telegram_admin import admin_invite_code
from tests.community.test_telegram_events import CALENDAR
from tests.community.test_telegram_series import SMALL_FEED
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import (
    TgUser,
    invite_code,
    latest_handoff,
    onboard_member,
    open_chat,
    people,
    set_up_volunteer,
    start_peer_bot,
)
from tests.telegram_harness import RunningBot, db_rows, text_of

# What an admin does by sending a file rather than a command.
FILE_ACTIONS = {"calendar.import", "feed.import"}
# Declared actions whose own feature's tests drive them and check their rows, by test.
DRIVEN_ELSEWHERE: dict[str, str] = {
    "broadcast.send": "tests/broadcasts/test_telegram_broadcasts.py",
    "broadcast.cancel": "tests/broadcasts/test_telegram_broadcasts.py",
}


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    # An admin at work sends more than a member chatting would: no input limit here.
    unlimited = RateLimiter(Rate(burst=1_000, per_second=1_000))
    running = await start_peer_bot(fake, db_path, clock, limits=unlimited)
    yield running
    await running.stop()


def trail(db_path: Path) -> list[tuple[str, str, int | None]]:
    """(actor, action, target) of every entry, oldest first."""
    rows = db_rows(db_path, "SELECT actor, action, target FROM audit_entry ORDER BY id")
    return [(str(a), str(b), c if isinstance(c, int) else None) for a, b, c in rows]


def actions(db_path: Path) -> list[str]:
    return [action for _, action, _ in trail(db_path)]


class StubCaptcha:
    """Signal's captcha hand-over, as the Signal channel offers it while paused."""

    def submit(self, captcha: str, admin: Account) -> str:
        return "Thank you — I'm handing that to Signal now."


def declared(bot: RunningBot) -> set[str]:
    return {action for c in bot.engine.commands.values() for action in c.audits or ()}


def test_every_staff_command_says_what_it_records(engine: Engine) -> None:
    """A new admin command fails here until it declares the audit actions it records, or ()
    if it only shows something. (A volunteer's command that manages anything, /handover,
    declares its own too: the coverage test below drives every declared action.)"""
    undeclared = [
        name
        for name, command in engine.commands.items()
        if command.audience is Audience.ADMIN and command.audits is None
    ]
    assert undeclared == []
    names = {a for c in engine.commands.values() for a in c.audits or ()}
    # Action names are fixed words, dotted: never anything a person typed.
    assert all(re.fullmatch(r"[a-z_]+\.[a-z_]+", name) for name in names | FILE_ACTIONS)


async def test_every_admin_action_is_recorded_once_done(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, bob, member = people(fake)
    sam = TgUser(fake, 626_004_551, "Samwise", "sam_private")

    # Invites made and redeemed (volunteer and admin), and one revoked.
    await set_up_volunteer(admin, alice, "Alice")
    alice_id = (await bot.member(alice.id)).id
    code = await admin_invite_code(admin)
    await bob.send(f"/start {code}", expect="You're now an admin")
    bob_id = (await bot.member(bob.id)).id
    await invite_code(admin)
    await admin.send("/invites revoke 3", expect="Its code will stop working")
    assert "invite.revoke" not in actions(db_path)  # asked, not done
    await admin.tap("Yes, revoke #3", expect="is revoked")

    # Admin rights granted and revoked in chat, by a member admin (an actor with a number).
    await bob.send(f"/admins grant {alice_id}", expect="Make Alice")
    assert "admin.grant" not in actions(db_path)
    await bob.tap("Yes, make Alice", expect="is now an admin")
    await bob.send(f"/admins revoke {alice_id} confirm", expect="is no longer an admin")

    # Suspend, reinstate, remove.
    await admin.send(f"/suspend {alice_id}", expect="Suspend Alice?")
    assert "volunteer.suspend" not in actions(db_path)
    await admin.tap("Yes, suspend Alice", expect="Alice is suspended")
    await admin.send(f"/reinstate {alice_id}", expect="reinstated")
    await admin.send(f"/removevolunteer {alice_id} confirm", expect="has been removed")

    # A chat handed over, taken over, its member barred and unbarred; a support chat.
    await open_chat(fake, admin, sam, member)
    chat = await latest_handoff(bot, member.id)
    sam_id = (await bot.member(sam.id)).id
    await sam.send("/handover", expect="I've alerted the admins")
    await fake.wait_for_message(admin.id, "asks an admin to step in")
    await admin.tap("Take over the chat", expect="You're now talking with Quiet Heron")
    await admin.send(f"/bar {chat.id}", expect="Bar Quiet Heron")
    assert "peer.bar" not in actions(db_path)
    await admin.tap("Yes, bar Quiet Heron", expect="can no longer request peer chats")
    await admin.send(f"/unbar {chat.id}", expect="can request peer chats again")
    await admin.send(f"/supportchat {sam_id}", expect="You're now talking with Sam")
    await admin.send("/end", expect="")

    # Events: posted, repeating, edited, cancelled, a series called off; files imported.
    await admin.send("/newevent 2026-12-05 18:30 | Quiet walk | Hidden garden", expect="Posted")
    await admin.send("/newevent every Tue 19:00 | Circle | Hall", expect="Posted")
    await admin.send("/editevent 1", expect="What would you like to change?")
    await admin.tap("Title", expect="The new title?")
    await admin.send("Riverside walk", expect="Changed, not saved yet")
    assert "event.edit" not in actions(db_path)
    await admin.tap("Done", expect="Saved.")
    await admin.send("/cancelevent 1", expect="Cancel Riverside walk")
    await admin.tap("Yes, cancel it", expect="Cancelled Riverside walk")
    await admin.send("/editevent 2", expect="every coming date")
    await admin.tap("The whole series", expect="What would you like to change?")
    await admin.tap("Place", expect="The new place?")
    await admin.send("Library", expect="Changed, not saved yet")
    await admin.tap("Done", expect="Saved for the whole series")
    await admin.send("/cancelevent 2", expect="repeats")
    await admin.tap("The whole series", expect="Cancelled every coming date")
    fake.user_sends_document(
        admin.id, file_name="events.ics", mime_type="text/calendar", data=CALENDAR
    )
    await fake.wait_for_message(admin.id, "Calendar imported")
    fake.user_sends_document(
        admin.id,
        file_name="meetings.json",
        mime_type="application/json",
        data=json.dumps(SMALL_FEED).encode(),
    )
    await fake.wait_for_message(admin.id, "Meeting list imported")

    # A change to how the deployment runs: Signal's pause lifted with a captcha.
    bot.engine.channels.declare(ChannelInfo("signal", captcha=StubCaptcha()))
    await admin.send("/signal_captcha signalcaptcha://secret-token", expect="handing that")
    # The admin's own setting: the weekly digest on and off.
    await admin.send("/digest on", expect="Your weekly digest is on")
    await admin.send("/digest off", expect="Your weekly digest is off")
    await admin.send("/audit csv", expect="The audit trail as a CSV file")

    recorded = trail(db_path)
    settings = "settings"  # the ADMINS account, which never joined as a member
    expected = [
        (settings, "invite.create_volunteer", 1),
        (str(alice_id), "invite.redeem_volunteer", 1),
        (settings, "invite.create_admin", 2),
        (str(bob_id), "invite.redeem_admin", 2),
        (settings, "invite.create_volunteer", 3),
        (settings, "invite.revoke", 3),
        (str(bob_id), "admin.grant", alice_id),
        (str(bob_id), "admin.revoke", alice_id),
        (settings, "volunteer.suspend", alice_id),
        (settings, "volunteer.reinstate", alice_id),
        (settings, "volunteer.remove", alice_id),
        (settings, "invite.create_volunteer", 4),
        (str(sam_id), "invite.redeem_volunteer", 4),
        (str(sam_id), "chat.handover", chat.id),
    ]
    assert recorded[: len(expected)] == expected
    # Taking over the chat gave the admin a member row, so from there they have a number.
    admin_id = str((await bot.member(admin.id)).id)
    rest = [(who, action) for who, action, _ in recorded[len(expected) :]]
    assert rest[:3] == [
        (admin_id, "chat.takeover"),
        (admin_id, "peer.bar"),
        (admin_id, "peer.unbar"),
    ]
    assert recorded[len(expected) + 3] == (admin_id, "chat.support", sam_id)
    assert [action for _, action in rest[4:]] == [
        "event.create",
        "series.create",
        "event.edit",
        "event.cancel",
        "series.edit",
        "series.cancel",
        "calendar.import",
        "feed.import",
        "signal.captcha",
        "digest.on",
        "digest.off",
        "audit.export",
    ]
    # Each declared action was driven here, so none is declared and never recorded.
    assert declared(bot) | FILE_ACTIONS == set(actions(db_path)) | DRIVEN_ELSEWHERE.keys()
    # Nothing anyone typed is in the trail: no title, place, code or captcha.
    stored = json.dumps(db_rows(db_path, "SELECT * FROM audit_entry"))
    for words in ("Quiet walk", "Hidden garden", "Riverside", code, "secret-token", "Alice"):
        assert words not in stored


async def test_audit_shows_the_latest_filters_them_and_sends_csv(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, bob, member = people(fake)
    await set_up_volunteer(admin, alice, "Alice")
    alice_id = (await bot.member(alice.id)).id
    code = await admin_invite_code(admin)
    await bob.send(f"/start {code}", expect="You're now an admin")
    bob_id = (await bot.member(bob.id)).id
    await bob.send(f"/suspend {alice_id} confirm", expect="Alice is suspended")
    await bob.send(f"/reinstate {alice_id}", expect="reinstated")

    shown = text_of(await admin.send("/audit", expect="audit entries, newest first"))
    lines = [line for line in shown.splitlines() if line.startswith("• ")]
    assert len(lines) == 6
    assert lines[0].endswith(f"· #{bob_id} · volunteer.reinstate → #{alice_id}")
    assert lines[-1].endswith("· settings · invite.create_volunteer → #1")
    # Who is shown by number, never by name or account.
    for secret in ("Alice", "Alicia", "Roberto", "roberto_private", str(bob.id)):
        assert secret not in shown

    by_bob = text_of(await admin.send(f"/audit actor {bob_id}", expect="that match"))
    assert [line.split(" · ")[-1] for line in by_bob.splitlines() if line.startswith("• ")] == [
        f"volunteer.reinstate → #{alice_id}",
        f"volunteer.suspend → #{alice_id}",
        "invite.redeem_admin → #2",
    ]
    suspended = text_of(await admin.send("/audit action suspend", expect="that match"))
    assert sum(line.startswith("• ") for line in suspended.splitlines()) == 1
    invites = text_of(await admin.send("/audit action invite", expect="that match"))
    assert sum(line.startswith("• ") for line in invites.splitlines()) == 4
    await admin.send("/audit action nothing_like_it", expect="No audit entries match")
    await admin.send("/audit actor Alice", expect="/audit actor 12")
    await admin.send("/audit delete 1", expect="/audit actor 12")  # no such thing in chat

    await admin.send("/audit csv", expect="The audit trail as a CSV file: 6 entries")
    call = fake.calls_to("sendDocument", chat_id=admin.id)[-1]
    upload = call.params["document"]
    assert upload.filename == "hearthside-audit-2026-11-22.csv"
    rows = list(csv.reader(io.StringIO(upload.data.decode("utf-8"))))
    assert rows[0] == ["id", "at_utc", "actor", "action", "target"]
    assert rows[1] == ["1", "2026-11-22T14:00:00Z", "settings", "invite.create_volunteer", "1"]
    assert [row[3] for row in rows[1:]] == actions(db_path)[:6]
    # Sending it is itself recorded.
    assert trail(db_path)[-1] == ("settings", "audit.export", None)

    await onboard_member(member)
    await member.send("/audit", expect="That command is for admins")
    await alice.send("/audit csv", expect="That command is for admins")
    assert fake.calls_to("sendDocument", chat_id=member.id) == []


async def test_entries_cannot_be_changed_or_deleted(bot: RunningBot, db_path: Path) -> None:
    async with bot.db.transaction() as tx:
        await tx.audit.record("7", "volunteer.suspend", 3, bot.engine.clock.now())
        await tx.audit.record("settings", "event.create", 1, bot.engine.clock.now())
    refused = [
        "UPDATE audit_entry SET action = 'volunteer.reinstate' WHERE id = 1",
        "UPDATE audit_entry SET target = 4 WHERE id = 1",
        "UPDATE audit_entry SET at = '2020-01-01T00:00:00.000000Z' WHERE id = 1",
        "UPDATE audit_entry SET actor = '8' WHERE id = 1",
        "UPDATE audit_entry SET actor = 'deleted-1' WHERE id = 2",  # not a member's row
        "UPDATE audit_entry SET actor = 'deleted-x' WHERE id = 1",
        "UPDATE audit_entry SET actor = 'deleted-1', action = 'x.y' WHERE id = 1",
        "DELETE FROM audit_entry WHERE id = 1",
        "DELETE FROM audit_entry",
    ]
    with sqlite3.connect(db_path) as conn:
        for sql in refused:
            with pytest.raises(sqlite3.IntegrityError, match="audit entries cannot be"):
                conn.execute(sql)
        # The one change allowed: a member's number becoming their pseudonym.
        conn.execute("UPDATE audit_entry SET actor = 'deleted-1' WHERE id = 1")
    assert trail(db_path) == [
        ("deleted-1", "volunteer.suspend", 3),
        ("settings", "event.create", 1),
    ]


async def test_entries_survive_their_actors_delete_under_a_stable_pseudonym(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, bob, _ = people(fake)
    for who in (bob, alice):
        code = await admin_invite_code(admin)
        await who.send(f"/start {code}", expect="You're now an admin")
    bob_id, alice_id = (await bot.member(bob.id)).id, (await bot.member(alice.id)).id
    await bob.send("/newevent 2026-12-05 18:30 | Walk | Park", expect="Posted")
    await alice.send("/newevent 2026-12-06 18:30 | Talk | Hall", expect="Posted")
    await bob.send("/newevent 2026-12-07 18:30 | Swim | Pool", expect="Posted")

    # Their own actions are in their export, without the rows acted on.
    await bob.send("/export", expect="everything I store about you")
    upload = fake.calls_to("sendDocument", chat_id=bob.id)[-1].params["document"]
    mine = json.loads(upload.data)["actions_you_took_as_staff"]
    assert [entry["action"] for entry in mine] == [
        "invite.redeem_admin",
        "event.create",
        "event.create",
    ]
    assert all(set(entry) == {"action", "at"} for entry in mine)

    for who in (bob, alice):
        await who.send("/delete", expect="This deletes everything")
        await who.tap("Yes, delete everything", expect="everything I stored about you")
    assert trail(db_path) == [
        ("settings", "invite.create_admin", 1),
        ("deleted-1", "invite.redeem_admin", 1),
        ("settings", "invite.create_admin", 2),
        ("deleted-2", "invite.redeem_admin", 2),
        ("deleted-1", "event.create", 1),
        ("deleted-2", "event.create", 2),
        ("deleted-1", "event.create", 3),
    ]
    # Their numbers are gone from the trail, and the pseudonyms filter as any actor does.
    assert not [row for row in trail(db_path) if row[0] in (str(bob_id), str(alice_id))]
    shown = text_of(await admin.send("/audit actor deleted-1", expect="that match"))
    assert sum(line.startswith("• ") for line in shown.splitlines()) == 3
