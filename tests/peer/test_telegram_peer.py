"""Talk to a peer over Telegram, end to end: the real python-telegram-bot Application
against the fake Bot API, from an admin's invite to the member's feedback.

People here have real-looking Telegram profiles (first name, last name, username, a long
user id) so the tests can check that none of it ever reaches the other side of a chat.
"""

import asyncio
import json
import random
import re
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.app import close_chats_when_unreachable
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.delivery import Postman
from flows.core.limits import RateLimiter
from flows.safety.crisis.semantic import SemanticScorer
from storage import Database, Handoff, Volunteer, open_database
from tests.conftest import CRISIS_TEXT
from tests.fake_telegram import BOT_USERNAME, BotMessage, FakeTelegram
from tests.telegram_harness import Person, RunningBot, eventually, run_telegram, text_of

# Long ids, like Telegram's, so a leaked id can't be mistaken for a small number.
ADMIN = 598_002_114
MEMBER = 731_946_205
OTHER_MEMBER = 742_551_903
ALICE = 604_118_327
BOB = 615_290_443
MEMBER_SECRETS = ("Zebulon", "Quartermaine", "zeb_secret_handle")
TIER1 = "honestly i want to die tonight"


class TgUser(Person):
    """A Telegram user with a full profile; `say` sends without waiting for a reply."""

    def __init__(
        self,
        fake: FakeTelegram,
        user_id: int,
        first_name: str,
        username: str,
        last_name: str | None = None,
    ) -> None:
        super().__init__(fake, user_id, first_name)
        self.username = username
        self.last_name = last_name

    @property
    def secrets(self) -> tuple[str, ...]:
        names = (self.first_name, self.username, self.last_name)
        return tuple(name for name in names if name)

    def say(self, text: str, *, reply_to: int | None = None) -> int:
        """Send text (e.g. into a peer chat, where no reply comes); returns its message id."""
        update_id = self.fake.user_sends(
            self.id,
            text,
            first_name=self.first_name,
            last_name=self.last_name,
            username=self.username,
            reply_to=reply_to,
        )
        message_id: int = self.fake.update(update_id)["message"]["message_id"]
        self.sent.append(message_id)
        return message_id

    async def send(self, text: str, *, expect: str | None = None) -> BotMessage:
        self.say(text)
        return await self.fake.wait_for_message(self.id, expect)

    def send_media(self, kind: str) -> int:
        """Send a photo, voice note, sticker or document; returns its message id."""
        fake = self.fake
        senders = {
            "photo": lambda: fake.user_sends_photo(self.id, caption="my walk today"),
            "voice": lambda: fake.user_sends_voice(self.id),
            "sticker": lambda: fake.user_sends_sticker(self.id),
            "document": lambda: fake.user_sends_document(self.id, file_name="poem.txt"),
        }
        message_id: int = fake.update(senders[kind]())["message"]["message_id"]
        self.sent.append(message_id)
        return message_id


def people(fake: FakeTelegram) -> tuple[TgUser, TgUser, TgUser, TgUser]:
    return (
        TgUser(fake, ADMIN, "Adaeze", "adaeze_admin"),
        TgUser(fake, ALICE, "Alicia", "alicia_private"),
        TgUser(fake, BOB, "Roberto", "roberto_private"),
        TgUser(fake, MEMBER, "Zebulon", "zeb_secret_handle", last_name="Quartermaine"),
    )


async def start_peer_bot(
    fake: FakeTelegram,
    db_path: Path,
    clock: ManualClock,
    *,
    limits: RateLimiter | None = None,
    semantic: SemanticScorer | None = None,
    config: FlowConfig | None = None,
) -> RunningBot:
    """The bot as bot/app.py wires it, with ADMIN as the deployment's admin."""
    db = await open_database(str(db_path))
    # HANDOFF_ESCALATE_MINUTES stays at its default, 5.
    config = config or FlowConfig(
        crisis_resources=CRISIS_TEXT, admins=frozenset({f"telegram:{ADMIN}"})
    )
    engine = create_engine(
        db, clock, config, rng=random.Random(5), limits=limits, semantic=semantic
    )
    postman = Postman(db, clock, held=engine.held)
    close_chats_when_unreachable(engine, postman)
    return await run_telegram(fake, engine, postman, tick_seconds=3600.0)


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    running = await start_peer_bot(fake, db_path, clock)
    yield running
    await running.stop()


# -- steps ------------------------------------------------------------------------------
async def invite_code(admin: TgUser) -> str:
    """The admin's /invite: a deep link to this bot, and the same code to type."""
    invite = text_of(await admin.send("/invite", expect="one-time invite"))
    link = re.search(r"https://t\.me/(\w+)\?start=([A-Za-z0-9_-]{1,64})(?:\s|$)", invite)
    assert link is not None, invite
    assert link.group(1) == BOT_USERNAME
    code = link.group(2)
    assert f"/volunteer {code}" in invite
    return code


async def set_up_volunteer(
    admin: TgUser,
    who: TgUser,
    name: str,
    *,
    zone: str = "UTC",
    topics: Iterable[str] = (),
    capacity: str = "1 chat",
    command: str = "/start",
) -> None:
    code = await invite_code(admin)
    await who.send(f"{command} {code}", expect="What display name")
    await who.send(name, expect="Which topics")
    for topic in topics:
        await who.tap(topic)
        await who.fake.next_call("editMessageText", chat_id=who.id)  # ticked in place
    await who.tap("Done", expect="How many chats")
    await who.tap(capacity, expect="Which time zone")
    done = await who.send(zone, expect="You're set up as a peer volunteer")
    assert f"You're set up as a peer volunteer, {name}!" in text_of(done)
    await who.fake.wait_for_message(who.id, "If someone may be in danger")  # the guide


async def onboard_member(member: TgUser, pseudonym: str = "Quiet Heron") -> None:
    await member.send("/start", expect="Is it okay")
    await member.tap("Yes", expect="What name")
    await member.send(pseudonym, expect="time zone")
    await member.send("UTC", expect="reminder")
    await member.send("18:00", expect="first check-in now")
    await member.tap("Later", expect="Whenever you're ready")


async def request_talk(
    member: TgUser, topic: str = "Skip", *, expect: str, share: str | None = None
) -> BotMessage:
    """`/talk`; `share` answers whether to show the latest mood (asked after a check-in)."""
    await member.send("/talk", expect="something you'd like to talk about")
    if share is not None:
        await member.tap(topic, expect="latest mood check-in")
        topic = share
    reply = await member.tap(topic, expect=expect)
    assert reply is not None
    return reply


async def report_chat(
    who: TgUser,
    reason: str = "Something else",
    words: str | None = None,
    *,
    expect: str = "the admins have your report",
) -> BotMessage:
    """`/report`: a reason, optional words, then Send; the reporter's answer."""
    await who.send("/report", expect="What happened?")
    await who.tap(reason, expect="a few words")
    if words is None:
        await who.tap("Skip", expect="Send this report")
    else:
        await who.send(words, expect="Send this report")
    sent = await who.tap("Send the report", expect=expect)
    assert sent is not None
    return sent


async def open_chat(fake: FakeTelegram, admin: TgUser, volunteer: TgUser, member: TgUser) -> None:
    """Sam (on call) accepts Quiet Heron's request; both sides are introduced."""
    await set_up_volunteer(admin, volunteer, "Sam")
    await volunteer.send("/oncall", expect="You're on call")
    await onboard_member(member)
    await request_talk(member, expect="I've let the peers on call know")
    await fake.wait_for_message(volunteer.id, "Quiet Heron would like to talk")
    await volunteer.tap("Accept", expect="You're now talking with Quiet Heron")
    await fake.wait_for_message(member.id, "Sam, a peer volunteer")


async def next_copy(fake: FakeTelegram, to: int) -> BotMessage:
    """The next message copied into chat `to`."""
    call = await fake.next_call("copyMessage", chat_id=to)
    assert call.message is not None
    return call.message


async def latest_handoff(bot: RunningBot, user_id: int) -> Handoff:
    member = await bot.member(user_id)
    async with bot.db.transaction() as tx:
        handoff = await tx.handoffs.latest_for_member(member.id)
    assert handoff is not None
    return handoff


async def volunteer_of(bot: RunningBot, user_id: int) -> Volunteer:
    member = await bot.member(user_id)
    async with bot.db.transaction() as tx:
        volunteer = await tx.volunteers.get(member.id)
    assert volunteer is not None
    return volunteer


def leaks(
    fake: FakeTelegram, chat_id: int, other: TgUser, *, copied_from: Iterable[int] = ()
) -> list[str]:
    """Where `other`'s name, username or user id shows up in what chat `chat_id` received.

    Every Bot API call addressed to the chat is read in full (parameters and result),
    and so is every message the chat holds now. The one place the other person's chat id
    may appear is copyMessage's `from_chat_id`: that tells Telegram where to copy from
    and is never shown; it must be one of `copied_from`.
    """
    sources = set(copied_from)
    id_pattern = re.compile(rf"(?<!\d){other.id}(?!\d)")
    names = [name.casefold() for name in other.secrets]

    def found_in(what: str, value: Any) -> list[str]:
        blob = json.dumps(value, default=repr, ensure_ascii=False)
        hits = [f"{what}: {name}" for name in names if name in blob.casefold()]
        if id_pattern.search(blob):
            hits.append(f"{what}: user id")
        return hits

    found: list[str] = []
    calls = [c for c in fake.started if c.params.get("chat_id") == chat_id]
    assert calls, f"nothing was sent to {chat_id}"
    for call in calls:
        params = dict(call.params)
        if call.method == "copyMessage":
            assert params.pop("from_chat_id") in sources
        found += found_in(call.method, [params, call.result])
    for message in fake.messages(chat_id):
        found += found_in(f"message {message.message_id}", message.raw)
    found += found_in("transcript", fake.transcript(chat_id))
    return found


async def stored_text_containing(db_path: Path, needles: Iterable[str]) -> list[str]:
    """Table and needle for every stored value (any table, any column) holding a needle."""
    wanted = [n.casefold() for n in needles]
    hits: list[str] = []
    async with aiosqlite.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        tables = await conn.execute_fetchall("SELECT name FROM sqlite_master WHERE type='table'")
        for (table,) in tables:
            for row in await conn.execute_fetchall(f'SELECT * FROM "{table}"'):
                text = " ".join(str(value) for value in row).casefold()
                hits += [f"{table}: {needle}" for needle in wanted if needle in text]
    return hits


# -- 1. invite → onboarding → race → relay → end → feedback ------------------------------
async def test_invite_race_relay_end_and_feedback(
    fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin, alice, bob, member = people(fake)

    # Alice opens the deep link (Telegram sends "/start <code>"); Bob types /volunteer.
    code = await invite_code(admin)
    await alice.send(f"/start {code}", expect="What display name")
    await alice.send("Sam", expect="Which topics")
    await alice.tap("Feeling alone")
    ticked = await fake.next_call("editMessageText", chat_id=ALICE)
    assert "✓ Feeling alone" in json.dumps(ticked.params["reply_markup"], ensure_ascii=False)
    await alice.tap("Done", expect="How many chats")
    await alice.tap("1 chat", expect="Which time zone")
    await alice.send("Europe/London", expect="You're set up as a peer volunteer, Sam")
    # An invite works once.
    refused = await bob.send(f"/volunteer {code}", expect="invite code")
    assert "isn't valid" in text_of(refused)
    await set_up_volunteer(admin, bob, "Robin", command="/volunteer", capacity="2 chats")
    for volunteer in (alice, bob):
        await volunteer.send("/oncall", expect="You're on call")
    sam, robin = await volunteer_of(bot, ALICE), await volunteer_of(bot, BOB)
    assert (sam.display_name, sam.topics, sam.capacity) == ("Sam", ("alone",), 1)
    assert sam.on_call and sam.is_active
    assert (robin.display_name, robin.capacity, robin.on_call) == ("Robin", 2, True)
    assert (await bot.member(ALICE)).timezone == "Europe/London"
    listing = text_of(await admin.send("/volunteers", expect="Volunteers:"))
    assert "Sam — 🟢 on call" in listing and "Robin — 🟢 on call" in listing

    # The member asks; both volunteers get a protected notice with Accept.
    await onboard_member(member)
    await request_talk(member, "Feeling alone", expect="I've let the peers on call know")
    notices = {
        who.id: await fake.wait_for_message(who.id, "would like to talk") for who in (alice, bob)
    }
    for notice in notices.values():
        assert "Quiet Heron would like to talk" in text_of(notice)
        assert "Topic: Feeling alone" in text_of(notice)
        assert notice.protect_content
        assert [label for label, _ in notice.buttons] == ["🤝 Accept"]

    # Both tap Accept at the same instant: both taps are queued before either is handled.
    taps = {
        fake.user_clicks(who.id, notices[who.id].message_id, who.button(notices[who.id], "Accept"))
        for who in (alice, bob)
    }
    for _ in range(2):
        await fake.next_call("answerCallbackQuery")
    polls = fake.calls_to("getUpdates")
    assert any(taps <= {u["update_id"] for u in p.result} for p in polls), "not one batch"
    handoff = await latest_handoff(bot, MEMBER)
    assert handoff.status == "active" and handoff.accepted_at is not None
    ids = {ALICE: (await bot.member(ALICE)).id, BOB: (await bot.member(BOB)).id}
    assert handoff.volunteer_id in ids.values()
    winner, loser = (alice, bob) if handoff.volunteer_id == ids[ALICE] else (bob, alice)
    winner_name = "Sam" if winner is alice else "Robin"
    await fake.wait_for_message(winner.id, "You're now talking with Quiet Heron")
    sorry = text_of(await fake.wait_for_message(loser.id, "Thank you for jumping in"))
    assert "Another peer" in sorry and "💛" in sorry
    intro = text_of(await fake.wait_for_message(MEMBER, "a peer volunteer with lived experience"))
    assert intro.startswith(f"{winner_name}, a peer volunteer")
    won = fake.message(winner.id, notices[winner.id].message_id)
    assert "Accepted" in text_of(won) and not won.buttons
    lost = fake.message(loser.id, notices[loser.id].message_id)
    assert "taken" in text_of(lost).casefold() and not lost.buttons
    loser_edits = fake.calls_to(
        "editMessageText", chat_id=loser.id, message_id=notices[loser.id].message_id
    )
    assert any("taken by another peer" in c.params["text"] for c in loser_edits)
    assert (await volunteer_of(bot, winner.id)).active_chats == 1
    assert (await volunteer_of(bot, loser.id)).active_chats == 0

    # Relay both ways, text and media, always by copy (files stay with their sender:
    # tests/peer/test_telegram_relay_kinds.py).
    sent = member.say("hi, rough week")
    copy = await next_copy(fake, winner.id)
    assert (copy.kind, copy.text, copy.source) == ("copy", "hi, rough week", (MEMBER, sent))
    for kind in ("photo", "voice", "sticker"):
        sent = member.send_media(kind)
        copy = await next_copy(fake, winner.id)
        assert copy.source == (MEMBER, sent) and kind in copy.raw, kind
    reply = winner.say("I'm here. What's been going on?")
    copy = await next_copy(fake, MEMBER)
    assert (copy.text, copy.source) == ("I'm here. What's been going on?", (winner.id, reply))
    for kind in ("photo", "voice"):
        sent = winner.send_media(kind)
        copy = await next_copy(fake, MEMBER)
        assert copy.source == (winner.id, sent) and kind in copy.raw, kind

    copies = fake.calls_to("copyMessage")
    assert len(copies) == 7
    assert all(c.status == 200 and c.params.get("protect_content") is True for c in copies)
    assert all(m.protect_content for c in copies if (m := c.message) is not None)
    assert [c for c in fake.started if c.method == "forwardMessage"] == []
    assert fake.calls_to("copyMessage", chat_id=loser.id) == []
    # Nothing of the member's account reached either volunteer, nor the volunteer's them.
    assert leaks(fake, winner.id, member, copied_from={MEMBER}) == []
    assert leaks(fake, loser.id, member) == []
    assert leaks(fake, MEMBER, winner, copied_from={winner.id}) == []

    # The member ends: feedback for them, a debrief for the volunteer.
    await member.send("/end", expect="You've ended the chat")
    rating = await fake.wait_for_message(MEMBER, "Did talking help?")
    assert [label for label, _ in rating.buttons] == ["1", "2", "3", "4", "5"]
    debrief = text_of(await fake.wait_for_message(winner.id, "How are you after that?"))
    assert "Quiet Heron has ended the chat" in debrief
    await member.tap("4", expect="Anything you'd like to add")
    await member.send("being heard helped", expect="same peer")
    await member.tap("Yes please", expect="Noted")
    await winner.tap("I'm okay", expect="Glad to hear it")
    # After the end nothing is relayed any more.
    await member.send("thanks again", expect="I'm here, Quiet Heron")
    assert len(fake.calls_to("copyMessage")) == 7

    ended = await latest_handoff(bot, MEMBER)
    assert (ended.status, ended.rating, ended.topic) == ("ended", 4, "alone")
    assert ended.volunteer_id == ids[winner.id]
    assert ended.accepted_at is not None and ended.ended_at is not None
    assert ended.requested_at <= ended.accepted_at <= ended.ended_at
    heron = await bot.member(MEMBER)
    assert heron.same_volunteer and heron.last_volunteer_id == ids[winner.id]
    assert (await volunteer_of(bot, winner.id)).active_chats == 0
    # Relayed words and Telegram profiles are not stored; the feedback words are.
    stored = await stored_text_containing(
        db_path, ["rough week", "What's been going on", *MEMBER_SECRETS, "being heard helped"]
    )
    assert stored == ["handoff: being heard helped"]


# -- 2. escalation, and nobody on call --------------------------------------------------
async def test_unanswered_request_escalates_honestly(
    fake: FakeTelegram, bot: RunningBot, clock: ManualClock
) -> None:
    admin, alice, _bob, member = people(fake)
    await set_up_volunteer(admin, alice, "Sam")
    await alice.send("/oncall", expect="You're on call")
    await onboard_member(member)
    await request_talk(member, expect="I've let the peers on call know")
    await fake.wait_for_message(ALICE, "Quiet Heron would like to talk")

    # Not yet due: nothing happens.
    clock.advance(timedelta(minutes=4))
    await bot.sweep_now()
    assert not any("Still waiting" in line for line in fake.transcript(ALICE))

    # Past HANDOFF_ESCALATE_MINUTES: the volunteers on call hear again, admins not yet.
    clock.advance(timedelta(minutes=2))
    await bot.sweep_now()
    again = await fake.wait_for_message(ALICE, "Still waiting")
    assert "Quiet Heron would like to talk" in text_of(again)
    assert "Waiting: 6 min" in text_of(again)
    assert [label for label, _ in again.buttons] == ["🤝 Accept"]
    assert not any("would like to talk" in line for line in fake.transcript(ADMIN))
    assert not any("taking longer" in line for line in fake.transcript(MEMBER))

    # Another round: admins are alerted, and the member is told honestly.
    clock.advance(timedelta(minutes=5))
    await bot.sweep_now()
    alert = await fake.wait_for_message(ADMIN, "Nobody has accepted yet")
    assert "Quiet Heron would like to talk" in text_of(alert)
    assert [label for label, _ in alert.buttons] == ["🤝 Accept"]
    await fake.wait_for_message(ALICE, "Nobody has accepted yet")
    honest = await fake.wait_for_message(MEMBER, "taking longer than usual")
    assert CRISIS_TEXT in text_of(honest)
    assert [label for label, _ in honest.buttons] == ["⏳ Keep waiting", "✖️ Stop waiting"]
    assert leaks(fake, ADMIN, member) == []

    # Rounds stop there: no more alerts later.
    sent_to_admin = len(fake.calls_to("sendMessage", chat_id=ADMIN))
    clock.advance(timedelta(minutes=30))
    await bot.sweep_now()
    assert len(fake.calls_to("sendMessage", chat_id=ADMIN)) == sent_to_admin

    await member.tap("Keep waiting", expect="still in line")
    assert (await latest_handoff(bot, MEMBER)).status == "waiting"
    await member.send("/cancel", expect="withdrawn")
    for who in (ALICE, ADMIN):
        edits = fake.calls_to("editMessageText", chat_id=who)
        assert any("withdrew the request" in c.params["text"] for c in edits), who
        assert not any("Accept" in label for m in fake.messages(who) for label, _ in m.buttons)
    cancelled = await latest_handoff(bot, MEMBER)
    assert cancelled.status == "cancelled" and cancelled.escalations == 2


async def test_nobody_on_call_offers_to_leave_the_request(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, _bob, member = people(fake)
    await set_up_volunteer(admin, alice, "Sam")  # a volunteer, but not on call
    await onboard_member(member)
    offer = await request_talk(member, expect="No peer volunteer is on call right now")
    assert [label for label, _ in offer.buttons] == ["Yes, leave my request", "No, not now"]
    saved = await member.tap("Yes, leave my request", expect="saved for the next shift")
    assert saved is not None and CRISIS_TEXT in text_of(saved)
    held = await latest_handoff(bot, MEMBER)
    assert (held.status, held.held_for_shift, held.escalate_at) == ("waiting", True, None)
    assert not any("would like to talk" in line for line in fake.transcript(ALICE))

    # The next volunteer on call sees it and picks it up.
    await alice.send("/oncall", expect="You're on call")
    notice = await fake.wait_for_message(ALICE, "Waiting for a peer")
    assert "Quiet Heron would like to talk" in text_of(notice)
    await alice.tap("Accept", expect="You're now talking with Quiet Heron")
    await fake.wait_for_message(MEMBER, "Sam, a peer volunteer")
    assert (await latest_handoff(bot, MEMBER)).status == "active"


async def test_volunteer_or_admin_typing_outside_a_chat_is_not_sent_to_sign_up(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, _bob, _member = people(fake)
    await set_up_volunteer(admin, alice, "Sam")
    text = text_of(await alice.send("hi, anything for me?"))
    assert "Hi, Sam. You're off call right now" in text
    assert "/oncall" in text and "/shifts" in text and "/start" not in text
    text = text_of(await admin.send("hello"))
    assert "/invite" in text and "/volunteers" in text and "/start" not in text


# -- 3. shifts move volunteers on and off call ------------------------------------------
async def test_weekly_shift_reminds_then_puts_on_and_off_call(
    fake: FakeTelegram, bot: RunningBot, clock: ManualClock
) -> None:
    # The clock starts on Sunday 22 Nov 2026, 14:00 UTC: 08:00 in Chicago.
    admin, alice, _bob, _member = people(fake)
    await set_up_volunteer(admin, alice, "Sam", zone="America/Chicago")
    menu = await alice.send("/shifts", expect="Your weekly shifts")
    assert "America/Chicago time" in text_of(menu) and "No shifts yet" in text_of(menu)
    await alice.tap("Add a shift", expect="Which day and hours")
    added = await alice.send("Sun 08:30-10:00", expect="Added Sun 08:30–10:00")
    assert "• Sun 08:30–10:00" in text_of(added)
    await alice.tap("Done", expect="Shifts saved")

    async def sweep_at(hhmm: str) -> list[str]:
        """Sweep at that UTC time on the start day; what Alice was sent by it."""
        hour, minute = map(int, hhmm.split(":"))
        clock.set(datetime(2026, 11, 22, hour, minute, tzinfo=UTC))
        before = len(fake.transcript(ALICE))
        await bot.sweep_now()
        return fake.transcript(ALICE)[before:]

    assert await sweep_at("14:19") == []  # eleven minutes before: too early to remind
    [reminder] = await sweep_at("14:20")
    assert reminder == "bot: Reminder: your on-call shift starts at 08:30 (in 10 min)."
    assert await sweep_at("14:25") == []  # reminded once
    assert not (await volunteer_of(bot, ALICE)).on_call

    [started] = await sweep_at("14:30")
    assert "Your shift has started — you're on call until 10:00" in started
    sam = await volunteer_of(bot, ALICE)
    assert sam.on_call and sam.on_call_by_shift
    assert await sweep_at("15:59") == []
    assert (await volunteer_of(bot, ALICE)).on_call

    [ended] = await sweep_at("16:00")
    assert "Your shift has ended — you're off call now" in ended
    sam = await volunteer_of(bot, ALICE)
    assert not sam.on_call and not sam.on_call_by_shift
    assert await sweep_at("16:30") == []
    # Admins heard once that the next 24 hours have gaps in cover.
    assert sum("Shift cover" in line for line in fake.transcript(ADMIN)) == 1


# -- 4. a restart mid-relay loses nothing -----------------------------------------------
async def test_restart_mid_relay_continues_both_ways(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    admin, alice, _bob, member = people(fake)
    first = await start_peer_bot(fake, db_path, clock)
    try:
        await open_chat(fake, admin, alice, member)
        sent = member.say("before the restart")
        assert (await next_copy(fake, ALICE)).source == (MEMBER, sent)
        # This copy fails on Telegram's side and waits in the outbox for a retry.
        fake.fail_next("copyMessage", "500", chat_id=ALICE)
        unsent = member.say("one more thing")
        await fake.next_call("copyMessage", chat_id=ALICE, status=500)
    finally:
        await first.stop()

    # Written while the bot is down: Telegram keeps it until the bot polls again. (The
    # restart takes a minute: at start the outbox sends what was committed before "now".)
    clock.advance(timedelta(minutes=1))
    while_down = member.say("are you still there?")
    second = await start_peer_bot(fake, db_path, clock)
    try:
        copy = await next_copy(fake, ALICE)  # from the outbox, before polling resumes
        assert (copy.text, copy.source) == ("one more thing", (MEMBER, unsent))
        copy = await next_copy(fake, ALICE)
        assert (copy.text, copy.source) == ("are you still there?", (MEMBER, while_down))
        reply = alice.say("Yes, still here.")
        copy = await next_copy(fake, MEMBER)
        assert (copy.text, copy.source) == ("Yes, still here.", (ALICE, reply))
        photo = member.send_media("photo")
        assert (await next_copy(fake, ALICE)).source == (MEMBER, photo)
        assert (await latest_handoff(second, MEMBER)).status == "active"
        await alice.send("/end", expect="You've ended the chat")
        await fake.wait_for_message(MEMBER, "Sam has ended the chat")
        await fake.wait_for_message(MEMBER, "Did talking help?")
    finally:
        await second.stop()
    # Each message was copied once, none lost and none twice.
    delivered = [
        c.params["message_id"] for c in fake.calls_to("copyMessage", chat_id=ALICE) if c.ok
    ]
    assert [m for m in delivered if m in member.sent] == [sent, unsent, while_down, photo]
    assert [c for c in fake.started if c.method == "forwardMessage"] == []
    assert leaks(fake, ALICE, member, copied_from={MEMBER}) == []


async def test_stop_cancelling_a_transaction_as_it_begins_leaves_the_database_usable(
    db: Database, clock: ManualClock
) -> None:
    """On stop, PTB cancels its polling task, which writes the inbox before each poll.

    Cancelled while its BEGIN was on the way, a transaction must not leave the connection
    inside a transaction: every later one would fail, and the replies of the last updates
    (settled after sending) would be sent again after the restart.
    """

    async def stage() -> None:
        async with db.transaction() as tx:
            await tx.inbox.stage("telegram", [("1", "{}")], clock.now())

    task = asyncio.create_task(stage())
    await asyncio.sleep(0)  # it runs until it awaits its BEGIN
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with db.transaction() as tx:
        assert await tx.inbox.unapplied("telegram") == []


# -- 5. someone blocks the bot mid-chat -------------------------------------------------
@pytest.mark.parametrize("how", ["403 on the next copy", "block update"])
async def test_blocked_member_mid_relay_closes_the_chat(
    fake: FakeTelegram, bot: RunningBot, how: str
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    sent_before = len(fake.calls)
    if how == "block update":
        fake.user_blocks_bot(MEMBER)
    else:
        # We learn of the block only by sending to them.
        fake.fail_next("copyMessage", "403", chat_id=MEMBER)
        alice.say("How are you doing now?")
        failed = await fake.next_call("copyMessage", chat_id=MEMBER, status=403)
        assert failed.params["from_chat_id"] == ALICE

    told = text_of(await fake.wait_for_message(ALICE, "can no longer be reached"))
    assert "Quiet Heron can no longer be reached, so the chat has ended" in told
    assert "How are you after that?" in told
    ended = await latest_handoff(bot, MEMBER)
    assert ended.status == "ended" and ended.ended_at is not None
    assert (await bot.member(MEMBER)).unreachable_at is not None
    assert (await volunteer_of(bot, ALICE)).active_chats == 0
    # Nothing more is sent to the member, and Alice's next words go nowhere.
    after = await alice.send("are you there?")
    assert "Quiet Heron" not in text_of(after)
    to_member = [c for c in fake.calls[sent_before:] if c.params.get("chat_id") == MEMBER]
    assert all(c.status == 403 for c in to_member)
    # Back later, they are answered afresh: not held at a feedback question they never saw.
    if how == "block update":
        fake.user_unblocks_bot(MEMBER)
    back = text_of(await member.send("hello again"))
    assert "I'm here, Quiet Heron" in back
    assert (await bot.member(MEMBER)).unreachable_at is None


async def test_member_unreachable_for_the_feedback_comes_back_fresh(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    # Sam ends the chat; the member has blocked the bot, so the feedback can't reach them.
    fake.fail_next("sendMessage", "403", chat_id=MEMBER)
    await alice.send("/end", expect="You've ended the chat")
    await fake.next_call("sendMessage", chat_id=MEMBER, status=403)
    heron = await eventually(bot, MEMBER, lambda m: m.unreachable_at is not None)
    async with asyncio.timeout(5):
        while True:  # the feedback question is set aside just after
            async with bot.db.transaction() as tx:
                if await tx.conversations.load(heron.id) is None:
                    break
            await asyncio.sleep(0.01)
    back = text_of(await member.send("hello again"))
    assert "I'm here, Quiet Heron" in back
    assert not any("Please choose" in line for line in fake.transcript(MEMBER))


@pytest.mark.parametrize("how", ["403 on the next copy", "block update"])
async def test_volunteer_blocking_the_bot_frees_the_member(
    fake: FakeTelegram, bot: RunningBot, how: str
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    if how == "block update":
        fake.user_blocks_bot(ALICE)
    else:
        fake.fail_next("copyMessage", "403", chat_id=ALICE)
        member.say("hello? are you there?")
        await fake.next_call("copyMessage", chat_id=ALICE, status=403)
    told = text_of(await fake.wait_for_message(MEMBER, "can no longer be reached"))
    assert "Sam can no longer be reached, so the chat has ended" in told
    await fake.wait_for_message(MEMBER, "/talk puts you back in line")
    assert (await latest_handoff(bot, MEMBER)).status == "ended"
    assert not (await volunteer_of(bot, ALICE)).on_call


# -- a volunteer holding two chats ------------------------------------------------------
async def test_volunteer_with_two_chats_answers_by_reply_or_switch(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, _alice, bob, heron = people(fake)
    oak = TgUser(fake, OTHER_MEMBER, "Winifred", "winnie_secret", last_name="Ashdown")
    await set_up_volunteer(admin, bob, "Robin", capacity="2 chats")
    await bob.send("/oncall", expect="You're on call")
    for member, pseudonym in ((heron, "Quiet Heron"), (oak, "Bright Oak")):
        await onboard_member(member, pseudonym)
        await request_talk(member, expect="I've let the peers on call know")
        await fake.wait_for_message(BOB, f"{pseudonym} would like to talk")
        await bob.tap("Accept", expect=f"You're now talking with {pseudonym}")
        await fake.wait_for_message(member.id, "Robin, a peer volunteer")
    assert (await volunteer_of(bot, BOB)).active_chats == 2

    # With two chats, each relayed message comes after a line naming its sender.
    copies: dict[int, BotMessage] = {}
    for member, pseudonym in ((heron, "Quiet Heron"), (oak, "Bright Oak")):
        sent = member.say(f"hello from {pseudonym}")
        header = await fake.next_call("sendMessage", chat_id=BOB)
        assert header.params["text"] == f"💬 {pseudonym}:"
        copies[member.id] = await next_copy(fake, BOB)
        assert copies[member.id].source == (member.id, sent)

    # Replying to Heron's message answers Heron, and Heron stays the chat after that.
    heard = len(fake.calls_to("copyMessage", chat_id=OTHER_MEMBER))
    reply = bob.say("hi Heron", reply_to=copies[MEMBER].message_id)
    assert (await next_copy(fake, MEMBER)).source == (BOB, reply)
    more = bob.say("take your time")
    assert (await next_copy(fake, MEMBER)).source == (BOB, more)
    assert len(fake.calls_to("copyMessage", chat_id=OTHER_MEMBER)) == heard

    # /switch picks the other chat.
    await bob.send("/switch", expect="Which chat should your messages go to?")
    await bob.tap("Bright Oak", expect="Your messages now go to Bright Oak")
    to_oak = bob.say("hi Oak")
    assert (await next_copy(fake, OTHER_MEMBER)).source == (BOB, to_oak)

    # Robin sees neither member's account; neither member sees Robin's or the other's.
    for member in (heron, oak):
        assert leaks(fake, BOB, member, copied_from={MEMBER, OTHER_MEMBER}) == []
        assert leaks(fake, member.id, bob, copied_from={BOB}) == []
    assert leaks(fake, MEMBER, oak, copied_from={BOB}) == []
    assert leaks(fake, OTHER_MEMBER, heron, copied_from={BOB}) == []


# -- 6. /report reaches the admins ------------------------------------------------------
async def test_report_reaches_admins_who_can_bar(fake: FakeTelegram, bot: RunningBot) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    thanks = await report_chat(alice, "Abusive, hateful or sexual messages")
    assert "/end stops the chat" in text_of(thanks)
    alert = await fake.wait_for_message(ADMIN, "Report from the volunteer")
    assert "between Quiet Heron and Sam (active)" in text_of(alert)
    assert "Reason: Abusive, hateful or sexual messages" in text_of(alert)
    # The buttons act on the side reported: here the member.
    assert [label for label, _ in alert.buttons] == ["Bar Quiet Heron from peer chats"]
    assert leaks(fake, ADMIN, member) == []
    assert leaks(fake, ADMIN, alice) == []

    await admin.tap("Bar Quiet Heron", expect="Bar Quiet Heron from peer chats?")
    await admin.tap("Yes, bar Quiet Heron", expect="can no longer request peer chats")
    await fake.wait_for_message(ALICE, "An admin has closed this chat")
    await fake.wait_for_message(MEMBER, "The chat has ended")
    assert (await latest_handoff(bot, MEMBER)).status == "ended"
    assert (await bot.member(MEMBER)).peer_barred
    await member.send("/talk", expect="aren't available")


# -- a scheduled check-in never cuts into a peer chat -------------------------------------
async def test_daily_check_in_waits_until_the_peer_chat_is_over(
    fake: FakeTelegram, bot: RunningBot, clock: ManualClock
) -> None:
    admin, alice, _bob, member = people(fake)
    await onboard_member(alice, "Bright Oak")  # Alice checks in herself, at 18:00 too
    await open_chat(fake, admin, alice, member)

    def prompted(user_id: int) -> int:
        return sum("Time for your daily check-in" in line for line in fake.transcript(user_id))

    clock.set(datetime(2026, 11, 22, 18, 0, tzinfo=UTC))  # both reminder times
    await bot.sweep_now()
    assert (prompted(MEMBER), prompted(ALICE)) == (0, 0)
    # Their words still reach each other, not a check-in question.
    sent = member.say("still with me?")
    assert (await next_copy(fake, ALICE)).source == (MEMBER, sent)
    reply = alice.say("Yes, right here.")
    assert (await next_copy(fake, MEMBER)).source == (ALICE, reply)

    await alice.send("/end", expect="You've ended the chat")
    await fake.wait_for_message(MEMBER, "Did talking help?")
    clock.advance(timedelta(minutes=30))
    await bot.sweep_now()
    await fake.wait_for_message(ALICE, "How are you feeling")
    assert prompted(MEMBER) == 0  # still answering the feedback question
    await member.tap("5", expect="Anything you'd like to add")
    await member.tap("Skip", expect="same peer")
    await member.tap("Anyone is fine", expect="Noted")
    clock.advance(timedelta(minutes=30))
    await bot.sweep_now()
    await fake.wait_for_message(MEMBER, "How are you feeling")
    assert (prompted(MEMBER), prompted(ALICE)) == (1, 1)


# -- edits in a chat ----------------------------------------------------------------------
async def test_edits_in_a_chat_edit_the_copies_and_are_never_stored(
    fake: FakeTelegram, bot: RunningBot, db_path: Path, clock: ManualClock
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    said_before_the_chat = member.sent[1]  # the chosen name, at sign-up

    # The member fixes a typo: Sam's copy changes in place (Telegram marks it edited).
    sent = member.say("I feel oaky today")
    copy = await next_copy(fake, ALICE)
    fake.user_edits(MEMBER, sent, "I feel okay today")
    await fake.next_call("editMessageText", chat_id=ALICE, message_id=copy.message_id)
    assert fake.message(ALICE, copy.message_id).text == "I feel okay today"
    # And the other way, and a photo's caption.
    reply = alice.say("Glad your hear it")
    copy = await next_copy(fake, MEMBER)
    fake.user_edits(ALICE, reply, "Glad to hear it")
    await fake.next_call("editMessageText", chat_id=MEMBER, message_id=copy.message_id)
    assert fake.message(MEMBER, copy.message_id).text == "Glad to hear it"
    photo = member.send_media("photo")
    copy = await next_copy(fake, ALICE)
    fake.user_edits(MEMBER, photo, "my walk this morning")
    await fake.next_call("editMessageCaption", chat_id=ALICE, message_id=copy.message_id)
    assert fake.message(ALICE, copy.message_id).caption == "my walk this morning"

    # The crisis guard reads edits: Sam is alerted privately, the member gets the lines.
    fine = member.say("i'm fine")
    copy = await next_copy(fake, ALICE)
    fake.user_edits(MEMBER, fine, TIER1)
    await fake.wait_for_message(ALICE, "Private to you")
    await fake.wait_for_message(MEMBER, "I'm really glad you told me")
    await fake.next_call("editMessageText", chat_id=ALICE, message_id=copy.message_id)
    assert fake.message(ALICE, copy.message_id).text == TIER1

    # Something said before the chat was never copied, so its edit goes nowhere.
    fake.user_edits(MEMBER, said_before_the_chat, "my private words")
    after = member.say("still here")
    assert (await next_copy(fake, ALICE)).source == (MEMBER, after)
    assert not any("private words" in line for line in fake.transcript(ALICE))

    # An edit that can't be sent at once is retried from memory, never stored meanwhile.
    fake.fail_next("editMessageText", "500", chat_id=ALICE)
    fake.user_edits(MEMBER, after, "still here, just tired")
    await fake.next_call("editMessageText", chat_id=ALICE, status=500)
    words = ["okay today", "Glad to hear", "this morning", "want to die", "private words", "tired"]
    assert await stored_text_containing(db_path, words) == []
    clock.advance(timedelta(minutes=1))
    await bot.sweep_now()
    async with bot.db.transaction() as tx:
        assert await tx.outbox.pending("telegram", created_before=clock.now(), limit=10) == []
    tries = [c.status for c in fake.calls_to("editMessageText", chat_id=ALICE)
             if c.params.get("text") == "still here, just tired"]  # fmt: skip
    assert tries == [500, 200]
    assert await stored_text_containing(db_path, words) == []
    assert [c for c in fake.started if c.method == "forwardMessage"] == []
    assert leaks(fake, ALICE, member, copied_from={MEMBER}) == []
    assert leaks(fake, MEMBER, alice, copied_from={ALICE}) == []
