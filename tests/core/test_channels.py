"""The channel seam: flows ask the account's channel what it can do and what it says of
itself, and a peer chat between two channels re-sends what one can't copy from the other."""

import dataclasses
import io
import json
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
from telegram.error import BadRequest

from bot.app import known_channels
from flows.catalogue import create_engine
from flows.core import notice_keys
from flows.core.channels import ChannelInfo, Channels
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.delivery import SendResult
from flows.core.engine import Engine
from flows.core.values import CopyOf, Input, MediaFile, Reply
from flows.members.onboarding import consent_text
from flows.peer.relay_policy import carried_between
from handlers.console.capabilities import console_info
from handlers.console.console import ConsoleChannel
from handlers.telegram.capabilities import BotLinks, telegram_info
from handlers.telegram.channel import TelegramChannel
from handlers.telegram.media import MediaMessages
from storage import Account, Database
from tests.chat_driver import Room

if TYPE_CHECKING:
    from telegram import Bot

ADMIN = Account("console", "900")
ALICE = Account("console", "21")  # the volunteer, at the terminal
MEMBER = Account("telegram", "4242")  # the member, on Telegram


@pytest.fixture
def engine(db: Database, clock: ManualClock, flow_config: FlowConfig) -> Engine:
    config = dataclasses.replace(flow_config, admins=frozenset({"console:900"}))
    return create_engine(db, clock, config, rng=random.Random(11), channels=known_channels())


@pytest.fixture
def room(engine: Engine) -> Room:
    return Room(engine)


# -- what a channel says of itself ------------------------------------------------------
def test_the_consent_speaks_of_the_members_own_channel() -> None:
    telegram = consent_text(telegram_info())
    assert "I don't keep your Telegram name, username or phone number." in telegram
    assert "Telegram chats with bots are not end-to-end encrypted." in telegram
    console = consent_text(console_info())
    assert "Telegram" not in console and "end-to-end" not in console
    assert "stays on this computer" in console
    # A channel nobody described says nothing of itself; the rest is the same for all.
    plain = consent_text(ChannelInfo("elsewhere"))
    assert "Nobody else reads your check-ins" in plain and "Telegram" not in plain
    for text in (telegram, console, plain):
        assert text.endswith("Is it okay for me to store your check-ins?")


async def test_the_consent_a_member_is_shown_is_their_channels(room: Room) -> None:
    await room.say(MEMBER, "/start")
    await room.say(ADMIN, "/start")
    assert "Telegram chats with bots" in room.texts(MEMBER)
    assert "Telegram" not in room.texts(ADMIN)


def test_an_undeclared_channel_can_do_nothing_but_text() -> None:
    info = Channels().of(Account("signal", "+15550000"))
    assert info.name == "signal"
    assert not (info.buttons or info.copies or info.edits or info.deletes or info.media)
    assert info.deep_link("v123") is None


async def test_the_invite_link_comes_from_the_admins_channel(room: Room, engine: Engine) -> None:
    links = BotLinks()
    engine.channels.declare(dataclasses.replace(telegram_info(links), name="console"))
    await room.say(ADMIN, "/invite")
    assert "https://t.me/" not in room.inbox(ADMIN)[-1].text  # the bot's name not yet known
    links.username = "hearthside_test_bot"
    await room.say(ADMIN, "/invite")
    invite = room.inbox(ADMIN)[-1].text
    code = invite.split("/volunteer ", 1)[1].split()[0]
    assert f"https://t.me/hearthside_test_bot?start={code}\n" in invite
    engine.channels.declare(console_info())
    await room.say(ADMIN, "/invite")
    assert "https://" not in room.inbox(ADMIN)[-1].text


# -- a peer chat across two channels ------------------------------------------------------
async def open_cross_channel_chat(room: Room) -> None:
    """A member on Telegram, talking with a volunteer at the terminal."""
    await room.say(ADMIN, "/invite")
    code = room.inbox(ADMIN)[-1].text.split("/volunteer ", 1)[1].split()[0]
    await room.say(ALICE, f"/start {code}")
    await room.say(ALICE, "Sam")
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
    await room.tap(ALICE, "Accept")
    assert "You're now talking with Quiet Heron" in room.texts(ALICE)


async def test_what_one_channel_cannot_copy_from_another_is_re_sent(room: Room) -> None:
    await open_cross_channel_chat(room)
    # The terminal cannot copy a Telegram message: the words go, under the pseudonym.
    await room.say(MEMBER, "hi, rough week")
    relayed = room.inbox(ALICE)[-1]
    assert relayed.copy_of is None and relayed.text == "Quiet Heron: hi, rough week"
    await room.say(ALICE, "I'm here.")
    back = room.inbox(MEMBER)[-1]
    assert back.copy_of is None and back.text == "Sam: I'm here."
    # Telegram doesn't hand over a photo's bytes, and the terminal can't show one: the
    # member is told what this chat carries, and nothing goes to the other side.
    seen = len(room.inbox(ALICE))
    await room.send_media(MEMBER, "photo")
    told = room.inbox(MEMBER)[-1].text
    assert "between your app and theirs, this chat carries only text." in told
    assert len(room.inbox(ALICE)) == seen


async def test_media_is_re_sent_across_channels_only_from_one_that_hands_it_over(
    room: Room, engine: Engine
) -> None:
    # The volunteer's terminal, told it shows photos (it can't) and hands them over.
    terminal = dataclasses.replace(console_info(), media=frozenset({"photo"}))
    engine.channels.declare(dataclasses.replace(terminal, supplies_media=True))
    await open_cross_channel_chat(room)
    # What the volunteer was told when taking the chat: photos work, both ways? Not from
    # Telegram, which hands over no bytes, so nothing is promised.
    assert "work too" not in room.texts(ALICE)
    photo = MediaFile("photo", "image/jpeg", b"jpeg bytes")
    outcome = await engine.handle(ALICE, Input(media="photo", media_file=photo, message_ref="c1"))
    room.collect(outcome)
    resent = room.inbox(MEMBER)[-1]
    assert resent.relayed_media == photo and resent.text == "Sam:"
    # The other way, the same photo stays with the member: Telegram hands over no bytes.
    await room.send_media(MEMBER, "photo")
    assert "this chat carries only text." in room.inbox(MEMBER)[-1].text


def test_what_a_chat_carries_comes_from_both_channels() -> None:
    telegram, console = telegram_info(), console_info()
    signal_like = ChannelInfo(
        "signal", media=frozenset({"photo", "voice", "sticker", "video"}), supplies_media=True
    )
    assert carried_between(telegram, telegram) == {"photo", "voice", "sticker"}
    assert carried_between(console, console) == frozenset()
    assert carried_between(telegram, signal_like) == frozenset()  # no bytes to re-send
    assert carried_between(signal_like, telegram) == {"photo", "voice", "sticker"}
    assert carried_between(signal_like, console) == frozenset()  # nothing shown there


async def test_a_re_sent_message_is_remembered_so_its_edit_follows(
    room: Room, db: Database, engine: Engine, clock: ManualClock
) -> None:
    await open_cross_channel_chat(room)
    outcome = await engine.handle(MEMBER, Input.typed("I feel oaky", message_ref="m7"))
    room.collect(outcome)
    [resent] = [d for d in outcome.deliveries if d.account == ALICE]
    handoff_key = resent.reply.notice
    assert handoff_key is not None and notice_keys.chat_of_relay(handoff_key) is not None
    async with db.transaction() as tx:
        await tx.notices.sent(ALICE, notice_keys.pending(resent.outbox_id), "31")
    edited = await engine.handle(MEMBER, Input.edit("I feel okay", message_ref="m7"))
    [change] = edited.deliveries
    assert change.account == ALICE and change.reply.replaces_notice == handoff_key
    assert change.reply.text == "Quiet Heron: I feel okay"  # under the pseudonym, as sent


async def test_copies_are_made_only_within_one_channel(room: Room, engine: Engine) -> None:
    engine.channels.declare(dataclasses.replace(console_info(), name="telegram"))
    await open_cross_channel_chat(room)
    # Declared alike, but still two channels: a message is only copied within one.
    await room.say(MEMBER, "hello")
    assert room.inbox(ALICE)[-1].copy_of is None
    engine.channels.declare(telegram_info())
    await room.say(ALICE, "hello back")
    assert room.inbox(MEMBER)[-1].copy_of is None  # Telegram can't copy a terminal line


async def test_media_a_channel_cannot_carry_stays_with_its_sender(
    room: Room, engine: Engine
) -> None:
    await open_cross_channel_chat(room)
    engine.channels.declare(dataclasses.replace(telegram_info(), media=frozenset({"voice"})))
    seen = len(room.inbox(ALICE))
    await room.send_media(MEMBER, "photo")
    refusal = room.inbox(MEMBER)[-1].text
    assert "a peer chat carries only text and voice messages." in refusal
    assert len(room.inbox(ALICE)) == seen


# -- a copy names its source's channel ----------------------------------------------------
def test_a_copy_keeps_its_source_account_through_the_outbox() -> None:
    reply = Reply("", copy_of=CopyOf(MEMBER, "77"), notice="relay:1:77")
    assert Reply.from_json(reply.to_json()) == reply
    # A row written before copies named their channel was copied within the recipient's.
    old = json.loads(reply.to_json())
    old["copy_of"] = ["4242", "77"]
    again = Reply.from_json(json.dumps(old), channel="telegram")
    assert again.copy_of == CopyOf(MEMBER, "77")


class NoBot:
    """Stands in for the Telegram bot: any call to it fails the test."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the bot was asked to {name}")


async def test_telegram_never_copies_from_another_channel() -> None:
    channel = TelegramChannel(cast("Bot", NoBot()), b"k" * 32)
    sent = await channel.send("4242", Reply("", copy_of=CopyOf(Account("console", "7"), "3")))
    assert sent.result is SendResult.REJECTED


async def test_the_console_never_copies_from_another_channel(tmp_path: Path) -> None:
    out = io.StringIO()
    channel = ConsoleChannel(out, lambda: "1", tmp_path)
    channel.remember_typed("7", "3", "words typed here")
    foreign = await channel.send("1", Reply("", copy_of=CopyOf(Account("telegram", "7"), "3")))
    assert foreign.result is SendResult.REJECTED and out.getvalue() == ""
    own = await channel.send("1", Reply("", copy_of=CopyOf(Account("console", "7"), "3")))
    assert own.result is SendResult.SENT and "words typed here" in out.getvalue()


# -- a caption or a text: the Telegram adapter knows which it sent ------------------------
class EditingBot:
    """Stands in for the Telegram bot's copy and edit calls, as a chat holding a photo."""

    def __init__(self, photos: set[int]) -> None:
        self.photos = photos
        self.calls: list[str] = []

    async def copy_message(self, chat_id: int, **params: Any) -> Any:
        self.calls.append("copy_message")
        return dataclasses.make_dataclass("MessageId", ["message_id"])(900)

    async def edit_message_text(self, text: str, **params: Any) -> None:
        self.calls.append("edit_message_text")
        if params["message_id"] in self.photos:
            raise BadRequest("Message can't be edited: there is no text in the message to edit")

    async def edit_message_caption(self, **params: Any) -> None:
        self.calls.append("edit_message_caption")


async def test_an_edited_photo_copy_has_its_caption_changed() -> None:
    bot = EditingBot(photos={900})
    media = MediaMessages()
    channel = TelegramChannel(cast("Bot", bot), b"k" * 32, media)
    media.saw(4242, 7)  # the member's photo, as the router saw it arrive
    await channel.send("21", Reply("", copy_of=CopyOf(MEMBER, "7")))
    edit = Reply("my walk", replaces_notice="relay:1:7", transient_text=True)
    assert await channel.edit("21", "900", edit) is SendResult.SENT
    assert bot.calls == ["copy_message", "edit_message_caption"]


async def test_a_photo_sent_before_a_restart_still_has_its_caption_edited() -> None:
    bot = EditingBot(photos={900})
    channel = TelegramChannel(cast("Bot", bot), b"k" * 32)  # remembers nothing yet
    edit = Reply("my walk", replaces_notice="relay:1:7", transient_text=True)
    assert await channel.edit("21", "900", edit) is SendResult.SENT
    assert bot.calls == ["edit_message_text", "edit_message_caption"]
    bot.calls.clear()
    assert await channel.edit("21", "901", edit) is SendResult.SENT  # a text message
    assert bot.calls == ["edit_message_text"]
