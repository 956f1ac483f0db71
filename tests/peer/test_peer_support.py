"""Volunteers, the handoff queue and the pseudonymous relay, driven through the engine."""

import dataclasses
import random
from datetime import timedelta

import pytest

from bot.app import known_channels
from flows.catalogue import create_engine
from flows.core import notice_keys
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.delivery import Postman, SendResult, Sent
from flows.core.engine import Engine
from flows.core.flow import PICK_AN_OPTION
from flows.core.outgoing import HeldWords
from flows.core.values import CopyOf, Delivery, Input, Outcome, Reply
from flows.peer.relay import close_chats_of_unreachable
from flows.peer.shifts import parse_shift
from flows.sweeper import Sweeper
from storage import Account, Database
from tests.chat_driver import ChatDriver, Room

ADMIN = Account("console", "900")
MEMBER = Account("console", "1")
ALICE = Account("console", "21")
BOB = Account("console", "22")


@pytest.fixture
def peer_engine(db: Database, clock: ManualClock, flow_config: FlowConfig) -> Engine:
    config = dataclasses.replace(flow_config, admins=frozenset({"console:900"}))
    return create_engine(db, clock, config, rng=random.Random(11), channels=known_channels())


@pytest.fixture
def room(peer_engine: Engine) -> Room:
    return Room(peer_engine)


async def invite_code(room: Room) -> str:
    await room.say(ADMIN, "/invite")
    text = room.inbox(ADMIN)[-1].text
    return text.split("/volunteer ", 1)[1].split()[0]


async def make_volunteer(room: Room, who: Account, name: str, *, on_call: bool = True) -> None:
    code = await invite_code(room)
    await room.say(who, f"/start {code}")
    await room.say(who, name)
    await room.tap(who, "Done")
    await room.tap(who, "1 chat")
    await room.say(who, "UTC")
    if on_call:
        await room.say(who, "/oncall")


async def member_id(db: Database, account: Account) -> int:
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(account)
    assert member is not None
    return member.id


async def onboard_member(room: Room, who: Account = MEMBER, name: str = "Quiet Heron") -> None:
    driver = ChatDriver(room.engine, who)
    await driver.onboard(name=name)


async def test_invite_sets_up_a_volunteer_once(room: Room, db: Database) -> None:
    code = await invite_code(room)
    assert "expires" in room.inbox(ADMIN)[-1].text
    await room.say(ALICE, f"/start {code}")
    assert "display name" in room.texts(ALICE)
    await room.say(ALICE, "Sam")
    await room.tap(ALICE, "Cravings or staying well")
    await room.tap(ALICE, "Done")
    await room.tap(ALICE, "2 chats")
    await room.say(ALICE, "Europe/London")
    assert "You're set up as a peer volunteer, Sam" in room.texts(ALICE)
    # The code worked once.
    await room.say(BOB, f"/volunteer {code}")
    assert "isn't valid" in room.texts(BOB)
    async with db.transaction() as tx:
        volunteers = await tx.volunteers.all()
    assert [(v.display_name, v.topics, v.capacity) for v in volunteers] == [
        ("Sam", ("cravings",), 2)
    ]


async def test_only_admins_invite_and_only_volunteers_go_on_call(room: Room) -> None:
    await onboard_member(room)
    await room.say(MEMBER, "/invite")
    assert "for admins" in room.inbox(MEMBER)[-1].text
    await room.say(MEMBER, "/oncall")
    assert "for peer volunteers" in room.inbox(MEMBER)[-1].text


async def test_expired_invite_is_refused(room: Room, clock: ManualClock) -> None:
    code = await invite_code(room)
    clock.advance(timedelta(days=8))
    await room.say(ALICE, f"/start {code}")
    assert "isn't valid" in room.inbox(ALICE)[-1].text


async def test_talk_race_relay_end_and_feedback(room: Room, db: Database) -> None:
    await make_volunteer(room, ALICE, "Sam")
    await make_volunteer(room, BOB, "Robin")
    await onboard_member(room)
    await room.say(MEMBER, "/talk")
    await room.tap(MEMBER, "Feeling alone")
    assert "I've let the peers on call know" in room.inbox(MEMBER)[-1].text
    notice_a, notice_b = room.inbox(ALICE)[-1], room.inbox(BOB)[-1]
    for notice in (notice_a, notice_b):
        assert "Quiet Heron would like to talk" in notice.text
        assert "Topic: Feeling alone" in notice.text
        assert notice.notice is not None
        assert MEMBER.external_id not in notice.text
    # Both tap Accept: exactly one wins, the other is told kindly.
    won = await room.tap(ALICE, "Accept")
    lost = await room.tap(BOB, "Accept")
    assert won.answered is not None and "Accepted" in won.answered
    assert lost.answered == "Taken"
    assert "already taken" in room.inbox(BOB)[-1].text
    # Bob's notice was edited to "taken" when Alice won.
    edits = [r for r in room.inbox(BOB) if r.replaces_notice == notice_b.notice]
    assert edits and "taken by another peer" in edits[0].text
    assert "Sam, a peer volunteer" in room.texts(MEMBER)
    # Relay both ways, by copy.
    await room.say(MEMBER, "hi, rough week")
    copied = room.inbox(ALICE)[-1]
    assert copied.copy_of is not None and copied.copy_of.source == MEMBER
    assert copied.text == ""
    await room.say(ALICE, "I'm here. What's been going on?")
    to_member = room.inbox(MEMBER)[-1]
    assert to_member.copy_of is not None and to_member.copy_of.source == ALICE
    await room.send_media(MEMBER, "photo")
    assert room.inbox(ALICE)[-1].copy_of is not None
    # The member ends; feedback and debrief follow.
    await room.say(MEMBER, "/end")
    assert "Did talking help?" in room.texts(MEMBER)
    assert "How are you after that?" in room.texts(ALICE)
    await room.tap(MEMBER, "4")
    await room.say(MEMBER, "it helped to be heard")
    await room.tap(MEMBER, "Yes please")
    heron = await member_id(db, MEMBER)
    async with db.transaction() as tx:
        handoff = await tx.handoffs.latest_for_member(heron)
        member = await tx.members.find_by_account(MEMBER)
    assert handoff is not None and handoff.status == "ended" and handoff.rating == 4
    assert member is not None and member.same_volunteer
    # After the end, text is no longer relayed.
    before = len(room.inbox(ALICE))
    await room.say(MEMBER, "thanks again")
    assert len(room.inbox(ALICE)) == before


async def test_no_volunteer_on_call_offers_to_hold(room: Room, db: Database) -> None:
    await make_volunteer(room, ALICE, "Sam", on_call=False)
    await onboard_member(room)
    await room.say(MEMBER, "/talk")
    await room.tap(MEMBER, "Skip")
    assert "No peer volunteer is on call" in room.inbox(MEMBER)[-1].text
    await room.tap(MEMBER, "Yes, leave my request")
    # Alice comes on call and sees the waiting request.
    await room.say(ALICE, "/oncall")
    assert "Quiet Heron would like to talk" in room.inbox(ALICE)[-1].text
    await room.tap(ALICE, "Accept")
    heron = await member_id(db, MEMBER)
    async with db.transaction() as tx:
        handoff = await tx.handoffs.latest_for_member(heron)
    assert handoff is not None and handoff.status == "active"


async def test_cancel_withdraws_a_waiting_request(room: Room, db: Database) -> None:
    await make_volunteer(room, ALICE, "Sam")
    await onboard_member(room)
    await room.say(MEMBER, "/talk")
    await room.tap(MEMBER, "Skip")
    await room.say(MEMBER, "/cancel")
    assert "withdrawn" in room.inbox(MEMBER)[-1].text
    assert "withdrew" in room.inbox(ALICE)[-1].text
    await room.tap(ALICE, "Accept")
    assert "This request was withdrawn" in room.inbox(ALICE)[-1].text


async def test_unanswered_request_escalates_to_admins(
    room: Room, peer_engine: Engine, clock: ManualClock
) -> None:
    await make_volunteer(room, ALICE, "Sam")
    await onboard_member(room)
    await room.say(MEMBER, "/talk")
    await room.tap(MEMBER, "Skip")
    sweeper = Sweeper(peer_engine)
    clock.advance(timedelta(minutes=6))
    _, outcomes = await sweeper.sweep()
    for outcome in outcomes:
        room.collect(outcome)
    assert "Still waiting" in room.inbox(ALICE)[-1].text
    assert not any("would like to talk" in r.text for r in room.inbox(ADMIN))
    clock.advance(timedelta(minutes=6))
    _, outcomes = await sweeper.sweep()
    for outcome in outcomes:
        room.collect(outcome)
    assert any("Nobody has accepted yet" in r.text for r in room.inbox(ADMIN))
    assert "taking longer than usual" in room.texts(MEMBER)
    # With nothing on, no community events are promised.
    assert "meeting soon" not in room.texts(MEMBER)
    await room.tap(MEMBER, "Stop waiting")
    assert "withdrawn" in room.inbox(MEMBER)[-1].text


async def test_a_long_wait_points_to_the_community_events_coming_up(
    room: Room, peer_engine: Engine, clock: ManualClock
) -> None:
    await make_volunteer(room, ALICE, "Sam")
    await onboard_member(room)
    # Sunday 22 Nov 14:00 UTC: a walk on Tuesday; a workshop a month away is too far off.
    await room.say(ADMIN, "/newevent 2026-11-24 18:30 | Recovery walk | Riverside Park gate")
    await room.say(ADMIN, "/newevent 2026-12-22 18:30 | Art workshop | Library")
    await room.say(MEMBER, "/talk")
    await room.tap(MEMBER, "Skip")
    sweeper = Sweeper(peer_engine)
    for _ in range(2):
        clock.advance(timedelta(minutes=6))
        _, outcomes = await sweeper.sweep()
        for outcome in outcomes:
            room.collect(outcome)
    honest = next(r.text for r in room.inbox(MEMBER) if "taking longer" in r.text)
    assert "meeting soon" in honest and "Tue 24 Nov, 18:30 · Recovery walk" in honest
    assert "Art workshop" not in honest


async def test_low_mood_outranks_ordinary(room: Room, db: Database) -> None:
    await make_volunteer(room, ALICE, "Sam", on_call=True)
    other = Account("console", "2")
    await onboard_member(room, other, "Bright Oak")
    await room.say(other, "/talk")
    await room.tap(other, "Skip")
    await onboard_member(room)
    member = ChatDriver(room.engine, MEMBER)
    await member.say("/checkin")
    await member.tap("1")
    await member.tap("done")
    await member.tap("skip")
    await room.say(MEMBER, "/talk")
    await room.tap(MEMBER, "Skip")
    await room.tap(MEMBER, "No, keep it to myself")  # their mood is theirs to share
    async with db.transaction() as tx:
        queue = await tx.handoffs.waiting()
    assert [h.member_alias for h in queue] == ["Quiet Heron", "Bright Oak"]
    assert queue[0].priority == 1


async def test_volunteer_with_two_chats_answers_by_reply(
    room: Room, db: Database, peer_engine: Engine
) -> None:
    await make_volunteer(room, ALICE, "Sam")
    alice = await member_id(db, ALICE)
    async with db.transaction() as tx:
        await tx.volunteers.add(
            alice, display_name="Sam", topics=(), capacity=2, now=peer_engine.clock.now()
        )
    second = Account("console", "2")
    await onboard_member(room)
    await onboard_member(room, second, "Bright Oak")
    for who in (MEMBER, second):
        await room.say(who, "/talk")
        await room.tap(who, "Skip")
        await room.tap(ALICE, "Accept")
    await room.say(MEMBER, "hello from heron")
    header = room.inbox(ALICE)[-2]
    assert header.text == "💬 Quiet Heron:"
    # Alice replies to Heron's relayed message: it goes to Heron, not Oak.
    async with db.transaction() as tx:
        await tx.notices.record(ALICE, "heron-copy", header.notice or "", peer_engine.clock.now())
    before_oak = len(room.inbox(second))
    await room.say(ALICE, "hi Heron", reply_to="heron-copy")
    assert room.inbox(MEMBER)[-1].copy_of is not None
    assert len(room.inbox(second)) == before_oak
    await room.say(ALICE, "/switch")
    await room.tap(ALICE, "Bright Oak")
    await room.say(ALICE, "hi Oak")
    assert room.inbox(second)[-1].copy_of is not None


async def test_blocked_member_mid_chat_closes_it(
    room: Room, db: Database, peer_engine: Engine
) -> None:
    await make_volunteer(room, ALICE, "Sam")
    await onboard_member(room)
    await room.say(MEMBER, "/talk")
    await room.tap(MEMBER, "Skip")
    await room.tap(ALICE, "Accept")
    heron = await member_id(db, MEMBER)
    room.collect(await peer_engine.run_for_member(heron, close_chats_of_unreachable))
    assert any("can no longer be reached" in r.text for r in room.inbox(ALICE))
    assert "How are you after that?" in room.inbox(ALICE)[-1].text
    async with db.transaction() as tx:
        handoff = await tx.handoffs.latest_for_member(heron)
    assert handoff is not None and handoff.status == "ended"


async def test_report_reaches_admins_and_bar_stops_requests(room: Room) -> None:
    await make_volunteer(room, ALICE, "Sam")
    await onboard_member(room)
    await room.say(MEMBER, "/talk")
    await room.tap(MEMBER, "Skip")
    await room.tap(ALICE, "Accept")
    await room.say(ALICE, "/report")
    for answer in ("They made me feel unsafe", "Skip", "Send the report"):
        await room.tap(ALICE, answer)
    alert = room.inbox(ADMIN)[-1]
    assert "Report from the volunteer" in alert.text
    await room.tap(ADMIN, "Bar Quiet Heron from peer chats")
    await room.tap(ADMIN, "Yes, bar Quiet Heron")
    assert "can no longer request peer chats" in room.inbox(ADMIN)[-1].text
    await room.say(MEMBER, "/talk")
    assert "aren't available" in room.inbox(MEMBER)[-1].text


async def test_admin_lists_and_suspends_volunteers(room: Room) -> None:
    await make_volunteer(room, ALICE, "Sam")
    await room.say(ADMIN, "/volunteers")
    assert "Sam — 🟢 on call" in room.inbox(ADMIN)[-1].text
    await room.tap(ADMIN, "Suspend Sam")
    await room.tap(ADMIN, "Yes, suspend Sam")
    assert "paused your volunteering" in room.inbox(ALICE)[-1].text
    await room.say(ALICE, "/oncall")
    assert "An admin has paused your volunteering" in room.inbox(ALICE)[-1].text
    await room.say(ADMIN, "/volunteers")
    assert "Sam — ⛔ suspended" in room.inbox(ADMIN)[-1].text


async def test_shifts_put_volunteers_on_and_off_call(
    room: Room, db: Database, peer_engine: Engine, clock: ManualClock
) -> None:
    # The clock starts on Sunday 22 Nov 2026, 14:00 UTC.
    await make_volunteer(room, ALICE, "Sam", on_call=False)
    await room.say(ALICE, "/shifts")
    await room.tap(ALICE, "Add a shift")
    await room.say(ALICE, "Sun 14:30-16:00")
    assert "Sun 14:30–16:00" in room.inbox(ALICE)[-1].text
    await room.tap(ALICE, "Done")
    sweeper = Sweeper(peer_engine)

    async def sweep() -> None:
        _, outcomes = await sweeper.sweep()
        for outcome in outcomes:
            room.collect(outcome)

    clock.advance(timedelta(minutes=22))
    await sweep()
    assert "starts at 14:30" in room.inbox(ALICE)[-1].text
    clock.advance(timedelta(minutes=10))
    await sweep()
    assert "Your shift has started" in room.inbox(ALICE)[-1].text
    alice = await member_id(db, ALICE)
    async with db.transaction() as tx:
        volunteer = await tx.volunteers.get(alice)
    assert volunteer is not None and volunteer.on_call
    # Off call by hand mid-shift sticks until the next shift.
    await sweep()
    clock.advance(timedelta(hours=2))
    await sweep()
    assert "Your shift has ended" in room.inbox(ALICE)[-1].text
    async with db.transaction() as tx:
        volunteer = await tx.volunteers.get(alice)
    assert volunteer is not None and not volunteer.on_call


def test_parse_shift() -> None:
    assert parse_shift("Mon 18:00-22:00") == (0, "18:00", "22:00")
    assert parse_shift("friday 9pm to 1am") == (4, "21:00", "01:00")
    assert parse_shift("someday 9-5") is None
    assert parse_shift("Tue 9:00-9:00") is None


async def test_admins_hear_about_uncovered_hours_once_a_day(
    room: Room, peer_engine: Engine, clock: ManualClock
) -> None:
    await make_volunteer(room, ALICE, "Sam", on_call=False)
    sweeper = Sweeper(peer_engine)
    for _ in range(2):
        _, outcomes = await sweeper.sweep()
        for outcome in outcomes:
            room.collect(outcome)
    warnings = [r for r in room.inbox(ADMIN) if "Shift cover" in r.text]
    assert len(warnings) == 1


# -- loose ends: unreachable people, edits, volunteers outside a chat -------------------
async def open_room_chat(room: Room) -> None:
    await make_volunteer(room, ALICE, "Sam")
    await onboard_member(room)
    await room.say(MEMBER, "/talk")
    await room.tap(MEMBER, "Skip")
    await room.tap(ALICE, "Accept")


async def conversation_of(db: Database, account: Account) -> str | None:
    """The flow this person is in the middle of, if any."""
    who = await member_id(db, account)
    async with db.transaction() as tx:
        row = await tx.conversations.load(who)
    return row.flow if row is not None else None


@pytest.mark.parametrize("when", ["mid-chat", "after the volunteer ended it"])
async def test_unreachable_member_comes_back_to_a_fresh_start(
    room: Room, db: Database, peer_engine: Engine, when: str
) -> None:
    await open_room_chat(room)
    if when != "mid-chat":
        # The feedback question is queued for them, but can't be delivered.
        await room.say(ALICE, "/end")
        assert await conversation_of(db, MEMBER) == "chat_feedback"
    seen = len(room.inbox(MEMBER))
    heron = await member_id(db, MEMBER)
    room.collect(await peer_engine.run_for_member(heron, close_chats_of_unreachable))
    assert await conversation_of(db, MEMBER) is None
    assert len(room.inbox(MEMBER)) == seen  # nothing more went to them
    # Back later: their words get the ordinary answer, not a question they never saw.
    await room.say(MEMBER, "hello again")
    back = room.inbox(MEMBER)[seen:]
    assert [r.text for r in back if "I'm here, Quiet Heron" in r.text]
    assert not any(PICK_AN_OPTION in r.text or "Did talking help?" in r.text for r in back)


async def test_volunteers_and_admins_outside_a_chat_are_not_sent_to_sign_up(room: Room) -> None:
    await make_volunteer(room, ALICE, "Sam")  # on call, never joined as a member
    await room.say(ALICE, "hello?")
    text = room.inbox(ALICE)[-1].text
    assert "Hi, Sam. You're on call" in text
    assert all(c in text for c in ("/offcall", "/shifts", "/help")), text
    assert "/start" not in text and "/oncall" not in text
    await room.say(ALICE, "/offcall")
    await room.say(ALICE, "hello?")
    text = room.inbox(ALICE)[-1].text
    assert "off call" in text and "/oncall" in text and "/start" not in text
    # An admin from ADMINS, with no member row at all.
    await room.say(ADMIN, "anyone there?")
    text = room.inbox(ADMIN)[-1].text
    assert "admin" in text and "/invite" in text and "/volunteers" in text
    assert "/start" not in text
    # A suspended volunteer is told so, and offered nothing they can't run.
    await room.say(ADMIN, "/volunteers")
    await room.tap(ADMIN, "Suspend Sam")
    await room.tap(ADMIN, "Yes, suspend Sam")
    await room.say(ALICE, "hello?")
    text = room.inbox(ALICE)[-1].text
    assert "paused your volunteering" in text
    assert "/oncall" not in text and "/shifts" not in text and "/start" not in text
    # Anyone else is still welcomed to sign up.
    stranger = Account("console", "5")
    await room.say(stranger, "hello")
    assert "Send /start to begin" in room.inbox(stranger)[-1].text


async def say_with_ref(room: Room, account: Account, text: str, ref: str) -> Outcome:
    outcome = await room.engine.handle(account, Input.typed(text, message_ref=ref))
    room.collect(outcome)
    return outcome


async def edit(room: Room, account: Account, text: str, ref: str) -> Outcome:
    outcome = await room.engine.handle(account, Input.edit(text, message_ref=ref))
    room.collect(outcome)
    return outcome


async def copy_was_sent(db: Database, delivery: Delivery, message_ref: str) -> None:
    """What the channel records once a copy is sent: its message id for its notice."""
    async with db.transaction() as tx:
        await tx.notices.sent(
            delivery.account, notice_keys.pending(delivery.outbox_id), message_ref
        )


async def test_edits_in_a_chat_edit_the_copies_and_are_never_stored(
    room: Room, db: Database, peer_engine: Engine, clock: ManualClock
) -> None:
    await open_room_chat(room)
    heron = await member_id(db, MEMBER)
    async with db.transaction() as tx:
        handoff = await tx.handoffs.latest_for_member(heron)
    assert handoff is not None
    # The member's message and its copy to Sam, then the member edits it.
    sent = await say_with_ref(room, MEMBER, "I feel oaky", "m7")
    [copy] = [d for d in sent.deliveries if d.account == ALICE]
    assert copy.reply.copy_of == CopyOf(MEMBER, "m7")
    assert copy.reply.notice == notice_keys.copy(handoff.id, "m7")
    await copy_was_sent(db, copy, "501")
    edited = await edit(room, MEMBER, "I feel okay", "m7")
    [change] = edited.deliveries
    assert change.account == ALICE and change.reply.replaces_notice == copy.reply.notice
    assert change.reply.text == "I feel okay" and change.reply.transient_text
    # The new words travel in memory only: the outbox row holds everything but them.
    async with db.transaction() as tx:
        rows = await tx.outbox.pending(
            "console", created_before=clock.now() + timedelta(1), limit=100
        )
    [row] = [r for r in rows if r.id == change.outbox_id]
    assert "okay" not in row.payload and Reply.from_json(row.payload).lost_text
    # The same the other way: Sam edits a message the member was sent.
    sent = await say_with_ref(room, ALICE, "Take you're time", "v3")
    [copy] = [d for d in sent.deliveries if d.account == MEMBER]
    await copy_was_sent(db, copy, "88")
    edited = await edit(room, ALICE, "Take your time", "v3")
    assert [(d.account, d.reply.replaces_notice, d.reply.text) for d in edited.deliveries] == [
        (MEMBER, notice_keys.copy(handoff.id, "v3"), "Take your time")
    ]


async def test_edits_of_messages_never_relayed_go_nowhere(room: Room, db: Database) -> None:
    await make_volunteer(room, ALICE, "Sam")
    await onboard_member(room)
    await say_with_ref(room, MEMBER, "/checkin", "m1")
    before = await conversation_of(db, MEMBER)
    # Outside a chat an edit is no answer to the open question, and gets no reply.
    assert (await edit(room, MEMBER, "5", "m1")).deliveries == []
    assert await conversation_of(db, MEMBER) == before == "checkin"
    await room.say(MEMBER, "/cancel")
    await room.say(MEMBER, "/talk")
    await room.tap(MEMBER, "Skip")
    await room.tap(ALICE, "Accept")
    # In a chat, an edit of a message from before it (never copied) isn't passed on.
    assert (await edit(room, MEMBER, "my private words", "m1")).deliveries == []


class RecordingChannel:
    name = "console"

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def send(self, external_id: str, reply: Reply) -> Sent:
        self.calls.append("send")
        return Sent(SendResult.SENT, "1")

    async def edit(self, external_id: str, message_ref: str, reply: Reply) -> SendResult:
        self.calls.append("edit")
        return SendResult.SENT


async def test_an_edit_whose_words_were_not_stored_is_dropped_not_sent_empty(
    db: Database, clock: ManualClock
) -> None:
    reply = Reply("new words", replaces_notice="relay:1:7", transient_text=True)
    async with db.transaction() as tx:
        await tx.notices.record(ALICE, "501", "relay:1:7", clock.now())
        outbox_id = await tx.outbox.add(ALICE, reply.to_json(), clock.now())
    channel = RecordingChannel()
    postman = Postman(db, clock, held=HeldWords(clock))
    postman.register(channel)
    clock.advance(timedelta(minutes=1))
    assert await postman.drain("console") == 1  # read back from storage: no words left
    assert channel.calls == []
    async with db.transaction() as tx:
        assert await tx.outbox.pending("console", created_before=clock.now(), limit=10) == []
    # Straight from the engine (in memory) it is sent.
    await postman.deliver([Delivery(outbox_id, ALICE, reply)])
    assert channel.calls == ["edit"]


async def test_a_volunteer_who_stops_member_sign_up_stays_a_volunteer(
    room: Room, db: Database
) -> None:
    await make_volunteer(room, ALICE, "Sam", on_call=False)
    await room.say(ALICE, "/start")
    await room.tap(ALICE, "yes")
    await room.say(ALICE, "/cancel")
    assert "kept nothing" in room.inbox(ALICE)[-1].text
    await room.say(ALICE, "/start")
    await room.tap(ALICE, "no")
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(ALICE)
        assert member is not None
        volunteer = await tx.volunteers.get(member.id)
    # Neither the cancelled sign-up nor the declined one took the volunteer away...
    assert volunteer is not None and volunteer.display_name == "Sam"
    # ...and nothing of the sign-up was kept.
    assert (member.consent_version, member.consented_at, member.onboarded_at) == (None, None, None)
    await room.say(ALICE, "/oncall")
    assert "on call" in room.inbox(ALICE)[-1].text
