"""Who is who around a peer chat, over the real python-telegram-bot stack against the fake
Bot API: admins answering as coordinators (not listed volunteers), volunteers keeping their
own profile, reports that go to someone outside the chat, and people who only want to talk.
"""

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from flows.core.limits import Rate, RateLimiter
from tests.conftest import CRISIS_TEXT
from tests.fake_telegram import BotMessage, FakeTelegram
from tests.peer.test_telegram_peer import (
    ADMIN,
    ALICE,
    MEMBER,
    MEMBER_SECRETS,
    TgUser,
    latest_handoff,
    onboard_member,
    open_chat,
    people,
    report_chat,
    request_talk,
    set_up_volunteer,
    start_peer_bot,
    stored_text_containing,
    volunteer_of,
)
from tests.telegram_harness import RunningBot, db_rows, text_of


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    # These tests walk one person through many steps in a row: more than a person types
    # in a burst.
    running = await start_peer_bot(
        fake, db_path, clock, limits=RateLimiter(Rate(burst=100, per_second=1.0))
    )
    yield running
    await running.stop()


async def tapped(who: TgUser, label: str, *, expect: str) -> BotMessage:
    """Tap a button; the message that answers it."""
    answer = await who.tap(label, expect=expect)
    assert answer is not None
    return answer


async def escalate_to_admins(bot: RunningBot, clock: ManualClock) -> None:
    """Nobody accepts in time: two rounds of the sweep reach the admins."""
    for minutes in (6, 5):
        clock.advance(timedelta(minutes=minutes))
        await bot.sweep_now()


# -- admins answer as coordinators ------------------------------------------------------
async def test_an_admin_who_answers_is_a_coordinator_not_a_listed_volunteer(
    fake: FakeTelegram, bot: RunningBot, clock: ManualClock
) -> None:
    admin, alice, _bob, member = people(fake)
    await set_up_volunteer(admin, alice, "Sam")
    await alice.send("/oncall", expect="You're on call")
    await onboard_member(member)
    await request_talk(member, expect="I've let the peers on call know")
    await escalate_to_admins(bot, clock)
    await fake.wait_for_message(ADMIN, "Nobody has accepted yet")
    await admin.tap("Accept", expect="You're now talking with Quiet Heron")
    joined = text_of(await fake.wait_for_message(MEMBER, "has joined"))
    assert joined.startswith("A Hearthside coordinator has joined and is here now")
    assert "peer volunteer" not in joined and "Hearthside team" not in joined

    # Not a volunteer: not listed, not on the rota, no volunteer commands.
    listing = text_of(await admin.send("/volunteers", expect="Volunteers:"))
    assert "Sam" in listing and "Hearthside" not in listing and "coordinator" not in listing
    assert not (await volunteer_of(bot, ADMIN)).is_peer
    help_text = text_of(await admin.send("/help", expect="For admins"))
    assert "/oncall" not in help_text and "/shifts" not in help_text
    await admin.send("/oncall", expect="That command is for peer volunteers")

    # The chat still works both ways, and ends in plain words.
    member.say("thank you")
    await fake.next_call("copyMessage", chat_id=ADMIN)
    await admin.send("/end", expect="You've ended the chat")
    ended = text_of(await fake.wait_for_message(MEMBER, "ended the chat"))
    assert ended.startswith("A Hearthside coordinator has ended the chat.")
    assert (await latest_handoff(bot, MEMBER)).status == "ended"
    # A second request goes to the peers on call again, never to the admin's row.
    await member.tap("5", expect="Anything you'd like to add")
    await member.tap("Skip", expect="same peer")
    await member.tap("Anyone is fine", expect="Noted")
    pages = sum("would like to talk" in line for line in fake.transcript(ADMIN))
    await request_talk(member, expect="I've let the peers on call know")
    await fake.wait_for_message(ALICE, "Quiet Heron would like to talk")
    assert sum("would like to talk" in line for line in fake.transcript(ADMIN)) == pages


# -- a volunteer's own profile, and the guide ---------------------------------------------
async def test_volunteers_get_the_guide_and_change_their_profile_step_by_step(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, bob, member = people(fake)
    await set_up_volunteer(admin, bob, "Robin")
    await set_up_volunteer(admin, alice, "Sam")
    shown = next(text_of(m) for m in fake.messages(ALICE) if "If someone may" in (m.text or ""))
    assert "contact details" in shown and CRISIS_TEXT in shown and "/handover" in shown
    again = text_of(await alice.send("/guide", expect="How we look after"))
    assert again == shown

    asked = await alice.send("/profile", expect="What display name")
    assert [label for label, _ in asked.buttons] == ["Keep “Sam”"]
    # The one rule for names, and no look-alike of another volunteer.
    assert "looks just like it" in text_of(await alice.send("ROBIN"))
    assert "is kept for the people who run Hearthside" in text_of(
        await alice.send("Hearthside Sam")
    )
    assert "web address" in text_of(await alice.send("sam.link"))
    await alice.send("Samira", expect="Which topics")
    await alice.tap("Feeling low")
    # Ticked in place (earlier edits took the buttons off the questions asked again).
    while "✓ Feeling low" not in str((await fake.next_call("editMessageText")).params):
        pass
    await alice.tap("Done", expect="How many chats")
    await alice.tap("2 chats", expect="Which time zone")
    saved = text_of(await alice.send("Europe/London", expect="Saved"))
    assert "Samira" in saved and "Feeling low" in saved and "2 chats" in saved
    samira = await volunteer_of(bot, ALICE)
    assert (samira.display_name, samira.topics, samira.capacity) == ("Samira", ("low",), 2)
    assert (await bot.member(ALICE)).timezone == "Europe/London"

    # Every part can be kept; and /cancel part-way changes nothing.
    await alice.send("/profile", expect="What display name")
    await alice.tap("Keep", expect="Which topics")
    await alice.tap("Done", expect="How many chats")
    await alice.tap("Keep 2 chats", expect="Which time zone")
    await alice.tap("Keep", expect="Nothing changed")
    await alice.send("/profile", expect="What display name")
    await alice.send("Someone Else", expect="Which topics")
    await alice.send("/cancel", expect="Nothing from it was saved")
    assert (await volunteer_of(bot, ALICE)).display_name == "Samira"

    # Members can't, and a volunteer who joined as a member changes their zone in /settings.
    await onboard_member(member)
    await member.send("/profile", expect="That command is for peer volunteers")
    await onboard_member(bob, "Bright Oak")
    await bob.send("/profile", expect="What display name")
    await bob.tap("Keep", expect="Which topics")
    await bob.tap("Done", expect="How many chats")
    done = text_of(await tapped(bob, "3 chats", expect="Saved"))
    assert "/settings" in done


# -- talking without signing up ------------------------------------------------------------
async def test_someone_not_signed_up_can_talk_with_one_line_of_consent(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, bob, member = people(fake)
    await set_up_volunteer(admin, alice, "Sam")
    await alice.send("/oncall", expect="You're on call")

    # Declined: nothing is kept, and the way back is said.
    asked = await bob.send("/talk", expect="without signing up")
    assert [label for label, _ in asked.buttons] == [
        "💬 Yes, find me a peer",
        "🌱 Sign me up instead",
        "Not now",
    ]
    declined = text_of(await tapped(bob, "Not now", expect="haven't kept anything"))
    assert CRISIS_TEXT in declined and "/talk" in declined
    assert db_rows(db_path, f"SELECT 1 FROM account WHERE external_id = '{bob.id}'") == []

    await member.send("/talk", expect="without signing up")
    await member.tap("Yes, find me a peer", expect="something you'd like to talk about")
    await member.tap("Skip", expect="I've let the peers on call know")
    notice = text_of(await fake.wait_for_message(ALICE, "would like to talk"))
    # No chosen name yet: a guest name, never anything of their account.
    assert re.search(r"Guest \d+ would like to talk", notice)
    await alice.tap("Accept", expect="You're now talking with Guest ")
    await fake.wait_for_message(MEMBER, "Sam, a peer volunteer")
    said = member.say("i just needed someone today")
    copy = await fake.next_call("copyMessage", chat_id=ALICE)
    assert copy.params["message_id"] == said

    # Stored: what a crisis request before sign-up stores — a bare row, its account, the
    # request — and nothing of their profile, their words or a sign-up.
    heron = await bot.member(MEMBER)
    assert heron.pseudonym is None and heron.consent_version is None
    assert not heron.is_onboarded and heron.prompt_time is None
    assert await stored_text_containing(db_path, [*MEMBER_SECRETS, "needed someone"]) == []
    handoff = await latest_handoff(bot, MEMBER)
    assert (handoff.status, handoff.topic) == ("active", None)
    assert re.fullmatch(r"Guest \d+", handoff.member_alias)

    # Once in a chat, /talk says so, and sign-up can still come later.
    await member.send("/talk", expect="You're already talking with a peer")


# -- reports: why, confirmed, about the side reported, to admins outside the chat -----------
async def test_a_report_asks_why_confirms_and_its_buttons_act_on_the_side_reported(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)

    # Nothing goes anywhere until the reporter says Send.
    asked = await member.send("/report", expect="What happened?")
    assert "your chat with Sam" in text_of(asked)
    await member.tap("Something else", expect="a few words")
    await member.tap("Skip", expect="Send this report")
    await member.tap("Don't send", expect="nothing was sent")
    assert db_rows(db_path, "SELECT count(*) FROM peer_report") == [(0,)]
    assert not any("Report from" in line for line in fake.transcript(ADMIN))

    thanks = await report_chat(
        member, "Asked for contact details or to meet", "they kept asking for my number"
    )
    assert "/end stops the chat" in text_of(thanks)
    alert = text_of(await fake.wait_for_message(ADMIN, "Report from the member"))
    assert "Reason: Asked for contact details or to meet" in alert
    assert "“they kept asking for my number”" in alert
    # The member reported their volunteer: nothing here can bar the member.
    buttons = [label for label, _ in fake.messages(ADMIN)[-1].buttons]
    assert buttons == ["🙋 Take over the chat", "Suspend Sam"]

    # Suspending asks first, then tells the volunteer, whose commands now say why.
    confirm = text_of(await tapped(admin, "Suspend Sam", expect="Suspend Sam?"))
    assert "1 open chat(s) end now" in confirm
    await admin.tap("Yes, suspend Sam", expect="Sam is suspended")
    await fake.wait_for_message(ALICE, "An admin has paused your volunteering")
    await alice.send("/oncall", expect="An admin has paused your volunteering")
    assert not (await bot.member(MEMBER)).peer_barred
    assert (await volunteer_of(bot, ALICE)).status == "suspended"


async def test_an_admin_in_the_chat_gets_no_report_about_it_and_it_waits_for_another(
    fake: FakeTelegram, bot: RunningBot, clock: ManualClock
) -> None:
    admin, alice, bob, member = people(fake)
    await set_up_volunteer(admin, alice, "Sam")
    await alice.send("/oncall", expect="You're on call")
    await onboard_member(member)
    await request_talk(member, expect="I've let the peers on call know")
    await escalate_to_admins(bot, clock)
    await fake.wait_for_message(ADMIN, "Nobody has accepted yet")
    await admin.tap("Accept", expect="You're now talking with Quiet Heron")

    told = text_of(await report_chat(member, "They made me feel unsafe", expect="I've kept it"))
    assert "every admin here is part of this chat" in told and CRISIS_TEXT in told
    await bot.sweep_now()
    assert not any("Report from" in line for line in fake.transcript(ADMIN))

    # Another admin joins: the sweep passes the report on to them, and only them.
    invite = text_of(await admin.send("/invite admin", expect="join as an admin"))
    code = invite.split("/volunteer ", 1)[1].split()[0]
    await bob.send(f"/start {code}", expect="You're now an admin")
    await bot.sweep_now()
    alert = await fake.wait_for_message(bob.id, "Report from the member")
    assert "Reason: They made me feel unsafe" in text_of(alert)
    assert "answering as a coordinator" in text_of(alert)
    assert [label for label, _ in alert.buttons] == ["🙋 Take over the chat"]
    await bot.sweep_now()
    assert sum("Report from" in line for line in fake.transcript(bob.id)) == 1
    assert not any("Report from" in line for line in fake.transcript(ADMIN))
