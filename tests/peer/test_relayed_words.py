"""Relayed words are never written to storage, on any channel.

Where the two sides of a peer chat are on channels that can't copy from each other, the
relay re-sends the words (and a picture the sender's channel had the bytes of). The
outbox row holds the delivery without them; the postman sends them from memory, and
retries from memory for a bounded time. A message whose words are gone (a restart, held
too long, given up on) is never sent empty: its sender is told, without the words.

Driven through the engine and the real postman, with channels that record what they
are asked to send and can be made to fail; the database's files are read byte by byte.
"""

import dataclasses
import json
import random
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

import pytest

from bot.app import known_channels
from flows.catalogue import create_engine
from flows.core import notice_keys
from flows.core.channels import ChannelInfo
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.delivery import MAX_ATTEMPTS, Postman, SendResult, Sent, undelivered_text
from flows.core.engine import Engine
from flows.core.outgoing import HOLD_WORDS_FOR
from flows.core.values import Input, MediaFile, Outcome, RelayedFrom, Reply
from handlers.telegram.channel import TelegramChannel
from handlers.telegram.media import MediaMessages
from storage import Account, Database
from tests.chat_driver import Room
from tests.storage.test_disk_privacy import on_disk

if TYPE_CHECKING:
    from telegram import Bot

ADMIN = Account("console", "900")
ALICE = Account("console", "21")  # the volunteer, Sam, at the terminal
MEMBER = Account("telegram", "4242")  # the member, Quiet Heron, on Telegram

WORDS = "violet submarine under the harbour"
ANSWER = "amber lantern on the stairs"
EDITED = "violet submarine above the harbour"


class Recording:
    """A channel that records what it is asked to send; `failing` accounts get RETRY."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[tuple[str, Reply]] = []
        self.edits: list[tuple[str, str, Reply]] = []
        self.failing: set[str] = set()
        self.tries = 0

    async def send(self, external_id: str, reply: Reply) -> Sent:
        self.tries += 1
        if external_id in self.failing:
            return Sent(SendResult.RETRY)
        self.sent.append((external_id, reply))
        return Sent(SendResult.SENT, f"{self.name}-{len(self.sent)}")

    async def edit(self, external_id: str, message_ref: str, reply: Reply) -> SendResult:
        self.tries += 1
        if external_id in self.failing:
            return SendResult.RETRY
        self.edits.append((external_id, message_ref, reply))
        return SendResult.SENT

    def texts_to(self, who: Account) -> list[str]:
        return [reply.text for to, reply in self.sent if to == who.external_id]


@dataclasses.dataclass
class Wire(Room):
    """A room whose every outcome goes through the postman, as the channels' handlers do."""

    postman: Postman | None = None
    pending: list[Outcome] = dataclasses.field(default_factory=list)

    @property
    def post(self) -> Postman:
        assert self.postman is not None
        return self.postman

    def collect(self, outcome: Outcome) -> None:
        super().collect(outcome)
        self.pending.append(outcome)

    async def flush(self) -> None:
        while self.pending:
            await self.post.deliver(self.pending.pop(0).deliveries)

    async def say(self, account: Account, text: str, *, reply_to: str | None = None) -> Outcome:
        outcome = await super().say(account, text, reply_to=reply_to)
        await self.flush()
        return outcome

    async def tap(self, account: Account, label: str) -> Outcome:
        outcome = await super().tap(account, label)
        await self.flush()
        return outcome

    async def handle(self, account: Account, inp: Input) -> Outcome:
        outcome = await self.engine.handle(account, inp)
        self.collect(outcome)
        await self.flush()
        return outcome


def build(db: Database, clock: ManualClock, flow_config: FlowConfig) -> Engine:
    config = dataclasses.replace(flow_config, admins=frozenset({"console:900"}))
    return create_engine(db, clock, config, rng=random.Random(11), channels=known_channels())


def wire(engine: Engine, *channels: Recording) -> Wire:
    room = Wire(engine, postman=Postman(engine.db, engine.clock, held=engine.held))
    for channel in channels:
        room.post.register(channel)
    return room


@pytest.fixture
def engine(db: Database, clock: ManualClock, flow_config: FlowConfig) -> Engine:
    return build(db, clock, flow_config)


@pytest.fixture
def telegram() -> Recording:
    return Recording("telegram")


@pytest.fixture
def console() -> Recording:
    return Recording("console")


@pytest.fixture
def room(engine: Engine, telegram: Recording, console: Recording) -> Wire:
    return wire(engine, telegram, console)


async def open_chat(room: Room, volunteer: Account = ALICE, member: Account = MEMBER) -> None:
    """Sam, a volunteer at the terminal, talking with Quiet Heron, a member on Telegram."""
    await room.say(ADMIN, "/invite")
    code = room.inbox(ADMIN)[-1].text.split("/volunteer ", 1)[1].split()[0]
    await room.say(volunteer, f"/start {code}")
    await room.say(volunteer, "Sam")
    await room.tap(volunteer, "Done")
    await room.tap(volunteer, "1 chat")
    await room.say(volunteer, "UTC")
    await room.say(volunteer, "/oncall")
    for step in ("/start", "yes", "Quiet Heron", "UTC", "18:00", "later"):
        if step in ("yes", "later"):
            await room.tap(member, step)
        else:
            await room.say(member, step)
    await room.say(member, "/talk")
    await room.tap(member, "Skip")
    await room.tap(volunteer, "Accept")
    assert "You're now talking with Quiet Heron" in room.texts(volunteer)


async def pending_rows(engine: Engine, channel: str) -> list[str]:
    async with engine.db.transaction() as tx:
        rows = await tx.outbox.pending(
            channel, created_before=engine.clock.now() + timedelta(days=1), limit=100
        )
    return [row.payload for row in rows]


async def test_words_relayed_across_channels_never_reach_the_disk(
    room: Wire, engine: Engine, db_path: Path, telegram: Recording, console: Recording
) -> None:
    await open_chat(room)
    await room.handle(MEMBER, Input.typed(WORDS, message_ref="m1"))
    assert console.texts_to(ALICE)[-1] == f"Quiet Heron: {WORDS}"
    await room.say(ALICE, ANSWER)
    assert telegram.texts_to(MEMBER)[-1] == f"Sam: {ANSWER}"
    # The console had the re-sent copy as its message console-N: its edit follows it.
    await room.handle(MEMBER, Input.edit(EDITED, message_ref="m1"))
    assert [(to, reply.text) for to, _ref, reply in console.edits] == [
        (ALICE.external_id, f"Quiet Heron: {EDITED}")
    ]
    # Not in a table, not in the write-ahead log, not even before it is folded.
    assert on_disk(db_path, ["violet", "amber", "harbour", "lantern"]) == []
    await engine.db.checkpoint()
    assert on_disk(db_path, ["violet", "amber", "harbour", "lantern"]) == []
    assert len(engine.held) == 0  # sent: nothing is held any more


async def test_a_failed_send_is_retried_from_memory_with_nothing_on_disk(
    room: Wire, engine: Engine, db_path: Path, clock: ManualClock, telegram: Recording
) -> None:
    await open_chat(room)
    telegram.failing.add(MEMBER.external_id)
    await room.say(ALICE, ANSWER)
    [row] = await pending_rows(engine, "telegram")
    assert "amber" not in row and '"held_as"' in row
    assert on_disk(db_path, ["amber", "lantern"]) == []
    # The next sweeps try again, from memory, until it goes.
    clock.advance(timedelta(minutes=1))
    await room.post.drain("telegram")
    assert telegram.texts_to(MEMBER)[-1:] != [f"Sam: {ANSWER}"]
    telegram.failing.clear()
    clock.advance(timedelta(minutes=1))
    assert await room.post.drain("telegram") == 1
    assert telegram.texts_to(MEMBER)[-1] == f"Sam: {ANSWER}"
    assert await pending_rows(engine, "telegram") == []
    assert len(engine.held) == 0
    assert on_disk(db_path, ["amber", "lantern"]) == []


async def test_after_a_restart_the_sender_is_told_and_nothing_empty_is_sent(
    room: Wire,
    db: Database,
    clock: ManualClock,
    flow_config: FlowConfig,
    telegram: Recording,
    console: Recording,
) -> None:
    await open_chat(room)
    telegram.failing.add(MEMBER.external_id)
    await room.say(ALICE, ANSWER)
    await room.say(ALICE, "and one more thing")
    assert len(await pending_rows(room.engine, "telegram")) == 2
    # The process stops; the next one has the rows, but not the words.
    restarted_telegram, restarted_console = Recording("telegram"), Recording("console")
    again = wire(build(db, clock, flow_config), restarted_telegram, restarted_console)
    clock.advance(timedelta(seconds=5))
    assert await again.post.drain("telegram") == 2
    assert restarted_telegram.sent == []  # no empty message, nor any at all
    assert await pending_rows(again.engine, "telegram") == []
    await again.post.drain("console")
    told = restarted_console.texts_to(ALICE)
    assert told == [undelivered_text("Quiet Heron", 2)]
    assert "couldn't deliver 2 of your messages to Quiet Heron" in told[0]
    assert "amber" not in told[0] and "send them again" in told[0]


async def test_words_held_too_long_are_let_go_and_the_sender_told(
    room: Wire,
    engine: Engine,
    clock: ManualClock,
    telegram: Recording,
    console: Recording,
    db_path: Path,
) -> None:
    await open_chat(room)
    telegram.failing.add(MEMBER.external_id)
    await room.handle(MEMBER, Input.typed(WORDS, message_ref="m1"))  # to the terminal: sent
    await room.say(ALICE, ANSWER)
    clock.advance(HOLD_WORDS_FOR + timedelta(seconds=1))
    telegram.failing.clear()
    await room.post.drain("telegram")
    assert not any("amber" in text for text in telegram.texts_to(MEMBER))
    assert len(engine.held) == 0
    assert console.texts_to(ALICE)[-1] == undelivered_text("Quiet Heron")
    assert on_disk(db_path, ["amber", "violet"]) == []


async def test_a_message_given_up_on_is_told_to_its_sender(
    room: Wire, engine: Engine, clock: ManualClock, telegram: Recording, console: Recording
) -> None:
    await open_chat(room)
    console.failing.add(ALICE.external_id)
    await room.handle(MEMBER, Input.typed(WORDS, message_ref="m1"))
    for _ in range(MAX_ATTEMPTS):
        clock.advance(timedelta(seconds=10))
        await room.post.drain("console")
    assert await pending_rows(engine, "console") == []
    assert len(engine.held) == 0
    assert console.tries >= MAX_ATTEMPTS
    assert not any(WORDS in text for text in console.texts_to(ALICE))
    assert telegram.texts_to(MEMBER)[-1] == undelivered_text("Sam")


async def test_a_lost_edit_is_told_as_a_change_not_a_message(
    room: Wire,
    db: Database,
    clock: ManualClock,
    flow_config: FlowConfig,
    console: Recording,
) -> None:
    await open_chat(room)
    await room.handle(MEMBER, Input.typed(WORDS, message_ref="m1"))
    console.failing.add(ALICE.external_id)
    await room.handle(MEMBER, Input.edit(EDITED, message_ref="m1"))
    restarted_telegram, restarted_console = Recording("telegram"), Recording("console")
    again = wire(build(db, clock, flow_config), restarted_telegram, restarted_console)
    clock.advance(timedelta(seconds=5))
    await again.post.drain("console")
    assert restarted_console.edits == [] and restarted_console.sent == []
    await again.post.drain("telegram")
    told = restarted_telegram.texts_to(MEMBER)
    assert told == [undelivered_text("Sam", edit=True)]
    assert "your change to a message to Sam" in told[0]


async def test_words_kept_while_waiting_leave_the_disk_once_passed_on(
    room: Wire, engine: Engine, db_path: Path, clock: ManualClock, console: Recording
) -> None:
    await room.say(ADMIN, "/invite")
    code = room.inbox(ADMIN)[-1].text.split("/volunteer ", 1)[1].split()[0]
    for step in (f"/start {code}", "Sam"):
        await room.say(ALICE, step)
    await room.tap(ALICE, "Done")
    await room.tap(ALICE, "1 chat")
    await room.say(ALICE, "UTC")
    await room.say(ALICE, "/oncall")
    for step in ("/start", "yes", "Quiet Heron", "UTC", "18:00", "later"):
        if step in ("yes", "later"):
            await room.tap(MEMBER, step)
        else:
            await room.say(MEMBER, step)
    await room.say(MEMBER, "/talk")
    await room.tap(MEMBER, "Skip")
    await room.say(MEMBER, WORDS)  # kept for the peer who accepts, on purpose
    assert on_disk(db_path, ["violet"]) != []
    # Sam's terminal is unreachable for now, so what is passed on waits in the outbox.
    console.failing.add(ALICE.external_id)
    await room.tap(ALICE, "Accept")
    await engine.db.checkpoint()
    rows = await pending_rows(engine, "console")
    assert any('"transient": true' in row for row in rows)
    assert on_disk(db_path, ["violet", "harbour"]) == []
    console.failing.clear()
    clock.advance(timedelta(minutes=1))
    await room.post.drain("console")
    assert f"💬 Quiet Heron, while waiting: {WORDS}" in console.texts_to(ALICE)


async def test_media_bytes_are_re_sent_from_memory_only(
    engine: Engine, db_path: Path, telegram: Recording
) -> None:
    """A channel that receives attachments whole (as Signal does) hands the relay their
    bytes; a channel that can show them gets them, in memory only."""
    media = frozenset({"photo", "voice", "sticker"})
    engine.channels.declare(ChannelInfo("signal", media=media, supplies_media=True))
    signal = Recording("signal")
    room = wire(engine, telegram, signal)
    member = Account("signal", "3b8d1c4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e")
    volunteer = Account("telegram", "777")
    await room.say(Account("console", "900"), "/invite")  # the admin has no channel running
    await open_chat(room, volunteer=volunteer, member=member)
    picture = b"\xff\xd8\xff\xe0JPEG-marigold-pixels"
    photo = MediaFile("photo", "image/jpeg", picture, "IMG_0042.jpg")
    await room.handle(
        member, Input(text="my walk", media="photo", media_file=photo, message_ref="s1")
    )
    to, relayed = telegram.sent[-1]
    assert to == volunteer.external_id
    assert relayed.relayed_media == photo and relayed.text == "Quiet Heron: my walk"
    assert relayed.relayed_from == RelayedFrom(member, "Sam")
    assert relayed.notice is not None and notice_keys.chat_of_relay(relayed.notice) is not None
    assert on_disk(db_path, ["marigold", "my walk"]) == []
    # Without a caption, the pseudonym is the caption; a kind the other side can't show
    # goes as the line saying something was sent.
    await room.handle(member, Input(media="photo", media_file=photo, message_ref="s2"))
    assert telegram.sent[-1][1].text == "Quiet Heron:"
    # What goes to the member the other way is re-sent too (Telegram can't copy to Signal).
    await room.say(volunteer, ANSWER)
    assert signal.texts_to(member)[-1] == f"Sam: {ANSWER}"
    assert on_disk(db_path, ["marigold", "amber"]) == []


def test_a_transient_reply_keeps_its_words_and_bytes_out_of_its_row() -> None:
    reply = Reply(
        f"Quiet Heron: {WORDS}",
        notice="relay:3:m1",
        transient_text=True,
        relayed_media=MediaFile("photo", "image/jpeg", b"marigold-bytes"),
        relayed_from=RelayedFrom(MEMBER, "Sam"),
        held_as="k1",
    )
    row = reply.to_json()
    assert "violet" not in row and "marigold" not in row and "photo" not in row
    back = Reply.from_json(row)
    assert back.text == "" and back.relayed_media is None and back.lost_text
    assert (back.relayed_from, back.held_as, back.notice) == (
        RelayedFrom(MEMBER, "Sam"),
        "k1",
        "relay:3:m1",
    )


class MediaBot:
    """Stands in for the Telegram bot's send calls, recording what each was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def _sent(self, method: str, chat_id: int, **params: Any) -> Any:
        self.calls.append((method, {"chat_id": chat_id, **params}))
        return SimpleNamespace(message_id=500 + len(self.calls))

    async def send_photo(self, chat_id: int, **params: Any) -> Any:
        return await self._sent("send_photo", chat_id, **params)

    async def send_document(self, chat_id: int, **params: Any) -> Any:
        return await self._sent("send_document", chat_id, **params)


@pytest.mark.parametrize(
    ("kind", "method", "field"),
    [
        ("photo", "send_photo", "photo"),
        ("sticker", "send_photo", "photo"),
        ("voice", "send_document", "document"),
    ],
)
async def test_telegram_shows_re_sent_media_under_the_pseudonym(
    kind: str, method: str, field: str
) -> None:
    bot = MediaBot()
    media = MediaMessages()
    channel = TelegramChannel(cast("Bot", bot), b"k" * 32, media)
    data = b"bytes of a " + kind.encode()
    reply = Reply(
        "Quiet Heron: my walk",
        notice="relay:3:s1",
        transient_text=True,
        relayed_media=MediaFile(kind, "application/octet-stream", data),
    )
    sent = await channel.send("777", reply)
    assert sent.result is SendResult.SENT and sent.message_ref == "501"
    [(called, params)] = bot.calls
    assert called == method and params["chat_id"] == 777
    assert params["caption"] == "Quiet Heron: my walk" and params["protect_content"] is True
    assert params[field].input_file_content == data
    # An edit of the caption later changes the caption, as for a copied photo.
    assert media.has_media(777, 501)


async def test_a_sender_who_deletes_their_data_leaves_no_relayed_row_naming_them(
    room: Wire, engine: Engine, db_path: Path, telegram: Recording
) -> None:
    await open_chat(room)
    telegram.failing.add(MEMBER.external_id)
    await room.say(ALICE, ANSWER)
    [row] = await pending_rows(engine, "telegram")
    assert f'"{ALICE.external_id}"' in row  # it names its sender, to tell them if lost
    await room.say(ALICE, "/delete")
    await room.tap(ALICE, "Yes, delete everything")
    # Their message still waiting for the member goes with them: no row keeps their
    # account, and nobody is later told on their behalf.
    senders = [json.loads(r).get("relayed_from") for r in await pending_rows(engine, "telegram")]
    assert [s for s in senders if s and s[:2] == [ALICE.channel, ALICE.external_id]] == []
