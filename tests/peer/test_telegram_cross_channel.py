"""A peer chat between a member on Telegram (the real python-telegram-bot stack against the
fake Bot API) and a volunteer on another channel that can't copy from Telegram and hands
over the bytes of what people send it, as Signal does: the words are re-sent under the
pseudonyms, a photo is fetched from Telegram only for such a chat and re-sent from
memory, and a photo from the other side reaches Telegram as a photo. Nothing of the words
or the pictures is left on disk."""

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.app import close_chats_when_unreachable, known_channels
from flows.catalogue import create_engine
from flows.core.channels import ChannelInfo
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.delivery import Postman, SendResult, Sent
from flows.core.engine import Engine
from flows.core.values import Input, MediaFile, Reply
from storage import Account, open_database
from tests.conftest import CRISIS_TEXT
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import (
    ALICE,
    TgUser,
    next_copy,
    onboard_member,
    open_chat,
    people,
    request_talk,
    start_peer_bot,
)
from tests.storage.test_disk_privacy import on_disk
from tests.telegram_harness import RunningBot, run_telegram

ADMIN = Account("signal", "0a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d")
SAM = Account("signal", "3b8d1c4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e")
MEMBER = 731_946_205
PICTURE = b"\x89PNG\r\n\x1a\n lake at dusk, periwinkle pixels"


class OtherChannel:
    """A channel that can't copy from Telegram: it records what it is sent, in order."""

    name = "signal"

    def __init__(self) -> None:
        self.sent: list[tuple[str, Reply]] = []
        self._arrived = asyncio.Event()

    async def send(self, external_id: str, reply: Reply) -> Sent:
        self.sent.append((external_id, reply))
        self._arrived.set()
        return Sent(SendResult.SENT, str(len(self.sent)))

    async def edit(self, external_id: str, message_ref: str, reply: Reply) -> SendResult:
        return SendResult.SENT

    def to(self, who: Account) -> list[Reply]:
        return [reply for to, reply in self.sent if to == who.external_id]

    async def next_to(self, who: Account, found: Callable[[Reply], bool]) -> Reply:
        async with asyncio.timeout(10):
            while True:
                for reply in self.to(who):
                    if found(reply):
                        return reply
                self._arrived.clear()
                await self._arrived.wait()


class Side:
    """Someone on the other channel, typing and choosing through the engine and postman."""

    def __init__(self, engine: Engine, postman: Postman, other: OtherChannel, who: Account):
        self.engine, self.postman, self.other, self.who = engine, postman, other, who
        self._refs = 0

    async def handle(self, inp: Input) -> None:
        outcome = await self.engine.handle(self.who, inp)
        await self.postman.deliver(outcome.deliveries)

    async def say(self, text: str) -> None:
        self._refs += 1
        await self.handle(Input.typed(text, message_ref=f"{self.who.external_id}:{self._refs}"))

    async def choose(self, label: str) -> None:
        for reply in reversed(self.other.to(self.who)):
            for choice in reply.choices:
                if label in (choice.value, choice.label):
                    await self.handle(Input.tapped(choice.value, reply.token))
                    return
        raise AssertionError(f"{self.who} was never offered {label!r}")

    def texts(self) -> str:
        return "\n".join(reply.text for reply in self.other.to(self.who))


@pytest.fixture
async def wired(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> AsyncIterator[tuple[RunningBot, Side, Side, OtherChannel]]:
    db = await open_database(str(db_path))
    config = FlowConfig(
        crisis_resources=CRISIS_TEXT, admins=frozenset({f"signal:{ADMIN.external_id}"})
    )
    channels = known_channels()
    channels.declare(
        ChannelInfo("signal", media=frozenset({"photo", "voice", "sticker"}), supplies_media=True)
    )
    engine = create_engine(db, clock, config, rng=random.Random(5), channels=channels)
    postman = Postman(db, clock, held=engine.held)
    other = OtherChannel()
    postman.register(other)
    close_chats_when_unreachable(engine, postman)
    bot = await run_telegram(fake, engine, postman, tick_seconds=3600.0, poll_timeout=1)
    try:
        yield bot, Side(engine, postman, other, ADMIN), Side(engine, postman, other, SAM), other
    finally:
        await bot.stop()


async def test_a_chat_between_telegram_and_another_channel_re_sends_words_and_pictures(
    fake: FakeTelegram,
    wired: tuple[RunningBot, Side, Side, OtherChannel],
    db_path: Path,
) -> None:
    bot, admin, sam, other = wired
    await admin.say("/invite")
    code = admin.texts().split("/volunteer ", 1)[1].split()[0]
    for step in (f"/start {code}", "Sam"):
        await sam.say(step)
    await sam.choose("Done")
    await sam.choose("1 chat")
    await sam.say("UTC")
    await sam.say("/oncall")
    member = TgUser(fake, MEMBER, "Zebulon", "zeb_secret_handle", last_name="Quartermaine")
    await onboard_member(member)
    await request_talk(member, expect="I've let the peers on call know")
    await sam.choose("Accept")
    await fake.wait_for_message(MEMBER, "here now")

    # Words, re-sent under the pseudonym: Telegram can't be copied from elsewhere.
    member.say("rough week, honestly")
    said = await other.next_to(SAM, lambda r: "rough week" in r.text)
    assert said.text == "Quiet Heron: rough week, honestly" and said.copy_of is None
    await sam.say("I'm glad you wrote")
    back = await fake.wait_for_message(MEMBER, "glad you wrote")
    assert back.text == "Sam: I'm glad you wrote" and back.source is None

    # A photo is fetched from Telegram for this chat, and re-sent from memory.
    fake.user_sends_photo(MEMBER, caption="the lake", data=PICTURE)
    photo = await other.next_to(SAM, lambda r: r.relayed_media is not None)
    assert photo.text == "Quiet Heron: the lake"
    assert photo.relayed_media == MediaFile("photo", "image/jpeg", PICTURE, "photo.jpg")
    assert fake.downloads  # fetched once, for this chat

    # A photo from the other side reaches Telegram as a photo, protected, under the name.
    theirs = MediaFile("photo", "image/jpeg", b"\xff\xd8 heron over reeds", "IMG_1.jpg")
    await sam.handle(Input(text="my view", media="photo", media_file=theirs, message_ref="s9"))
    shown = await fake.wait_for_message(MEMBER, "Sam: my view")
    assert shown.kind == "photo" and shown.protect_content
    assert shown.file is not None and shown.file.data == theirs.data

    # Nothing of any of it stays on disk once the raw updates are folded away.
    await bot.sweep_now()
    needles = ["rough week", "glad you wrote", "the lake", "my view", "periwinkle", "heron over"]
    assert on_disk(db_path, needles) == []


async def test_a_photo_in_a_chat_within_telegram_is_copied_never_fetched(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    bot = await start_peer_bot(fake, db_path, clock)
    try:
        admin, alice, _bob, member = people(fake)
        await open_chat(fake, admin, alice, member)
        member.send_media("photo")
        copy = await next_copy(fake, ALICE)
        assert copy.source is not None  # copied by Telegram
        assert fake.downloads == []  # its bytes never passed through Hearthside
    finally:
        await bot.stop()
