"""Peer chats over Signal, and across Signal and Telegram in one engine: the real Signal
adapter against the fake signal-cli daemon beside the real python-telegram-bot stack
against the fake Bot API, one database, one sweep.

Everyone here has a real-looking account on their channel (a Signal phone number and
profile name, a Telegram name, username and long id) so the tests can check that none of
it, nor a Signal ACI, ever reaches the other side of a chat.
"""

import json
import re
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from tests.channels.signal.pictures import SVG, annotated_png, camera_jpeg, metadata_of, size_of
from tests.fake_signal import FakeSignalDaemon, SentMessage
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import (
    TgUser,
    onboard_member,
    request_talk,
    set_up_volunteer,
    stored_text_containing,
)
from tests.peer.test_telegram_peer import leaks as telegram_leaks
from tests.signal_harness import RunningBot, SignalPerson, aci, start_bot
from tests.storage.test_disk_privacy import on_disk
from tests.telegram_harness import text_of

ADMIN = 598_002_114  # on Telegram
TG_VOLUNTEER = 604_118_327
TG_MEMBER = 731_946_205
SIG_MEMBER = aci("member")
SIG_VOLUNTEER = aci("volunteer")
SIG_OTHER = aci("other member")
# A relayed copy's words; the PNG signature, as a member's photo.
PHOTO = annotated_png("a quiet afternoon")


@pytest.fixture
async def signal() -> AsyncIterator[FakeSignalDaemon]:
    async with FakeSignalDaemon() as daemon:
        yield daemon


@pytest.fixture
async def bot(
    signal: FakeSignalDaemon, fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    running = await start_bot(signal, db_path, clock, telegram=fake, admins=[f"telegram:{ADMIN}"])
    yield running
    await running.stop()
    assert signal.rejected == []


def tg_admin(fake: FakeTelegram) -> TgUser:
    return TgUser(fake, ADMIN, "Adaeze", "adaeze_admin")


def signal_member(signal: FakeSignalDaemon, who: str = SIG_MEMBER) -> SignalPerson:
    number = "+15557654321" if who == SIG_MEMBER else "+15557650000"
    return SignalPerson(signal, who, number=number, name="Zebulon Quartermaine")


def signal_volunteer(signal: FakeSignalDaemon) -> SignalPerson:
    return SignalPerson(signal, SIG_VOLUNTEER, number="+15559990000", name="Alicia Wolfenden")


def signal_profile(person: SignalPerson) -> list[str]:
    """What Signal shows of an account besides its ACI: its number and profile name."""
    return [s for s in (person.number, person.name, *person.name.split()) if s]


def signal_secrets(person: SignalPerson) -> list[str]:
    """All of it, the ACI too: what the other side of a chat never sees."""
    return [person.aci, *signal_profile(person)]


def signal_leaks(signal: FakeSignalDaemon, to: SignalPerson, secrets: Iterable[str]) -> list[str]:
    """Where any of `secrets` shows up in what the bot sent `to` over Signal: every call's
    parameters addressed to them (texts, attachments' names, quotes), and their transcript."""
    needles = [s.casefold() for s in secrets]
    found: list[str] = []
    calls = [(m, p) for m, p in signal.calls if to.aci in json.dumps(p.get("recipient"))]
    assert calls, "nothing was sent to them"
    for method, params in calls:
        shown = {k: v for k, v in params.items() if k not in ("recipient", "account")}
        blob = json.dumps(shown, ensure_ascii=False).casefold()
        found += [f"{method}: {n}" for n in needles if n in blob]
    for message in signal.transcript(to.aci):
        blob = json.dumps(
            [message.text, message.edits, [a[:2] for a in message.attachments]],
            ensure_ascii=False,
        ).casefold()
        found += [f"message {message.timestamp}: {n}" for n in needles if n in blob]
    return found


def telegram_calls_leak(fake: FakeTelegram, chat_id: int, secrets: Iterable[str]) -> list[str]:
    """Where any of `secrets` (a Signal number, ACI or profile name) reached a Telegram chat."""
    needles = [s.casefold() for s in secrets]
    found: list[str] = []
    calls = [c for c in fake.started if c.params.get("chat_id") == chat_id]
    assert calls, f"nothing was sent to {chat_id}"
    for call in calls:
        blob = json.dumps([call.params, call.result], default=repr, ensure_ascii=False).casefold()
        found += [f"{call.method}: {n}" for n in needles if n in blob]
    return found


class Containing:
    """Equal to any text that contains `part` (to match a call's parameters)."""

    def __init__(self, part: str) -> None:
        self.part = part

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and self.part in other

    __hash__ = None  # type: ignore[assignment]


async def invite_code_for(admin: TgUser) -> str:
    invite = text_of(await admin.send("/invite", expect="one-time invite"))
    found = re.search(r"/volunteer ([A-Za-z0-9_-]{1,64})", invite)
    assert found is not None, invite
    return found.group(1)


async def set_up_signal_volunteer(
    admin: TgUser, who: SignalPerson, name: str, *, capacity: str = "1 chat"
) -> None:
    code = await invite_code_for(admin)
    await who.send(f"/volunteer {code}", expect="What display name")
    await who.send(name, expect="Which topics")
    await who.send("Done", expect="How many chats")
    await who.send(capacity, expect="Which time zone")
    await who.send("UTC", expect="You're set up as a peer volunteer")
    await who.next("If someone may be in danger")  # the guide
    await who.send("/oncall", expect="You're on call")


async def signal_member_asks(member: SignalPerson, pseudonym: str = "Quiet Heron") -> None:
    await member.send("/start", expect="Is it okay")
    await member.send("1", expect="What name")
    await member.send(pseudonym, expect="time zone")
    await member.send("UTC", expect="reminder")
    await member.send("18:00", expect="first check-in now")
    await member.send("Later", expect="Whenever you're ready")
    await member.send("/talk", expect="something you'd like to talk about")
    await member.send("Skip", expect="I've let the peers on call know")


async def accept_on_signal(volunteer: SignalPerson, pseudonym: str = "Quiet Heron") -> None:
    notice = await volunteer.next(f"{pseudonym} would like to talk")
    accept = re.search(r"🤝 Accept: (/accept \S+)", notice.text)
    assert accept is not None, notice.text  # the button, as the command to type
    await volunteer.send(accept.group(1), expect=f"You're now talking with {pseudonym}")


# -- a Signal member and a Telegram volunteer ----------------------------------------------
async def test_a_signal_member_and_a_telegram_volunteer(
    signal: FakeSignalDaemon, fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin = tg_admin(fake)
    sam = TgUser(fake, TG_VOLUNTEER, "Samira", "samira_private", last_name="Volunteerova")
    await set_up_volunteer(admin, sam, "Sam")
    await sam.send("/oncall", expect="You're on call")
    member = signal_member(signal)
    await signal_member_asks(member)
    await fake.wait_for_message(TG_VOLUNTEER, "Quiet Heron would like to talk")
    await sam.tap("Accept", expect="You're now talking with Quiet Heron")
    intro = await member.next("a peer volunteer")
    assert intro.text.startswith("Sam, a peer volunteer")

    # Member → volunteer: re-sent under the pseudonym (Telegram can't copy from Signal).
    member.type("hi, it's been a rough week")
    relayed = await fake.wait_for_message(TG_VOLUNTEER, "rough week")
    assert text_of(relayed) == "Quiet Heron: hi, it's been a rough week"
    # A photo goes across as a photo, fetched from signal-cli only to be passed on.
    member.type("", attachments=[("image/png", PHOTO)])
    photo_call = await fake.next_call("sendPhoto", chat_id=TG_VOLUNTEER)
    assert photo_call.params.get("caption") == "Quiet Heron:"
    assert [m for m, _ in signal.calls].count("getAttachment") == 1
    # Volunteer → member: re-sent under the volunteer's display name.
    sam.say("I'm here. What's been going on?")
    back = await member.next("What's been going on")
    assert back.text == "Sam: I'm here. What's been going on?"

    # Nothing of either account reached the other side.
    assert telegram_calls_leak(fake, TG_VOLUNTEER, signal_secrets(member)) == []
    assert signal_leaks(signal, member, [*sam.secrets, str(TG_VOLUNTEER)]) == []
    # Nor is any of it (but the ACI the member's account is known by), or the relayed words,
    # stored.
    stored = await stored_text_containing(
        db_path, ["rough week", "What's been going on", *signal_profile(member), *sam.secrets]
    )
    assert stored == []

    await member.send("/end", expect="You've ended the chat")
    await fake.wait_for_message(TG_VOLUNTEER, "Quiet Heron has ended the chat")
    rating = await member.next("Did talking help?")
    assert "5️⃣ 5" in rating.text
    member.react("4\ufe0f\u20e3", rating)  # a keycap reaction picks the fourth
    await member.next("Anything you'd like to add")


# -- a Telegram member and a Signal volunteer ----------------------------------------------
async def test_a_telegram_member_and_a_signal_volunteer(
    signal: FakeSignalDaemon, fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin = tg_admin(fake)
    alicia = signal_volunteer(signal)
    await set_up_signal_volunteer(admin, alicia, "Sam")
    member = TgUser(fake, TG_MEMBER, "Zebulon", "zeb_secret_handle", last_name="Quartermaine")
    await onboard_member(member)
    await request_talk(member, expect="I've let the peers on call know")
    await accept_on_signal(alicia)
    await fake.wait_for_message(TG_MEMBER, "Sam, a peer volunteer")

    said = member.say("hi, rough week")
    relayed = await alicia.next("rough week")
    assert relayed.text == "Quiet Heron: hi, rough week"
    # The member's edit on Telegram edits the copy on Signal (editTimestamp).
    fake.user_edits(TG_MEMBER, said, "hi, it's been a rough week")
    await signal.next_call("send", recipient=[SIG_VOLUNTEER], editTimestamp=relayed.timestamp)
    assert relayed.current_text == "Quiet Heron: hi, it's been a rough week"
    reply_ts = alicia.type("I'm here. What's been going on?")
    back = await fake.wait_for_message(TG_MEMBER, "What's been going on")
    assert text_of(back) == "Sam: I'm here. What's been going on?"
    # An edit on Signal edits the copy on Telegram.
    signal.user_edits(SIG_VOLUNTEER, reply_ts, "I'm here. Tell me what's been going on?")
    await fake.next_call(
        "editMessageText", chat_id=TG_MEMBER, text="Sam: I'm here. Tell me what's been going on?"
    )

    assert signal_leaks(signal, alicia, [*member.secrets, str(TG_MEMBER)]) == []
    assert telegram_calls_leak(fake, TG_MEMBER, signal_secrets(alicia)) == []
    assert telegram_leaks(fake, TG_MEMBER, admin) == []
    stored = await stored_text_containing(
        db_path, ["rough week", "What's been going on", *member.secrets, *signal_profile(alicia)]
    )
    assert stored == []

    # The member deletes their data: their words are taken back from the volunteer's chat.
    await member.send("/delete", expect="This deletes everything")
    await member.tap("Yes, delete everything", expect="has been deleted")
    await signal.next_call(
        "remoteDelete", recipient=[SIG_VOLUNTEER], targetTimestamp=relayed.timestamp
    )
    assert relayed.deleted


# -- a Signal volunteer with two chats answers by quoting ---------------------------------
async def test_a_volunteer_with_two_chats_answers_by_quoting(
    signal: FakeSignalDaemon, fake: FakeTelegram, bot: RunningBot
) -> None:
    admin = tg_admin(fake)
    alicia = signal_volunteer(signal)
    await set_up_signal_volunteer(admin, alicia, "Sam", capacity="2 chats")
    heron = signal_member(signal)
    await signal_member_asks(heron, "Quiet Heron")
    await accept_on_signal(alicia, "Quiet Heron")
    await heron.next("a peer volunteer")
    robin = TgUser(fake, TG_MEMBER, "Zebulon", "zeb_secret_handle")
    await onboard_member(robin, "Brave Otter")
    await request_talk(robin, expect="I've let the peers on call know")
    await accept_on_signal(alicia, "Brave Otter")
    await fake.wait_for_message(TG_MEMBER, "Sam, a peer volunteer")

    heron.type("are you still there?")
    from_heron: SentMessage = await alicia.next("are you still there?")
    robin.say("hello from me too")
    await alicia.next("hello from me too")
    # Quoting Quiet Heron's message answers Quiet Heron, though Brave Otter wrote last.
    alicia.type("yes, still here", quote=from_heron)
    answer = await heron.next("still here")
    assert answer.text == "Sam: yes, still here"
    sent_to = await alicia.next("Sent to")
    assert "Quiet Heron" in sent_to.text
    assert not any("still here" in m.body for m in fake.messages(TG_MEMBER))
    # Quoting the "Sent to" line keeps answering the same member.
    alicia.type("take your time", quote=sent_to)
    await heron.next("take your time")
    # A long message is passed on in pieces, each within Signal's limit.
    long_words = "I hear you, and that sounds really hard. " * 60
    robin.say(long_words.strip())
    pieces = [await alicia.next("I hear you")]
    while sum(len(p.text) for p in pieces) < len(long_words) - 60:
        pieces.append(await alicia.next())
    assert len(pieces) > 1
    assert all(len(p.text.encode("utf-8")) <= 2000 for p in pieces)
    assert pieces[0].text.startswith("Brave Otter: I hear you")
    assert " ".join(p.text for p in pieces) == f"Brave Otter: {long_words.strip()}"


# -- Signal pauses sending: admins told, the captcha lifts it --------------------------------
async def test_a_rate_limit_pauses_signal_and_the_captcha_lifts_it(
    signal: FakeSignalDaemon, fake: FakeTelegram, bot: RunningBot, clock: ManualClock
) -> None:
    admin = tg_admin(fake)
    member = signal_member(signal)
    await member.onboard(at="15:00")
    signal.rate_limit_sends(token="challenge-token-123", retry_after=86400)
    clock.set(datetime(2026, 11, 22, 15, 0, tzinfo=UTC))
    await bot.sweep_now()  # the prompt is refused: Signal pauses
    alert = text_of(await fake.wait_for_message(ADMIN, "Signal has paused"))
    assert "/signal_captcha" in alert and "signalcaptchas.org" in alert
    assert "challenge-token-123" not in alert  # the token is never shown to anyone
    assert bot.signal.pause.challenge == "challenge-token-123"  # kept, to submit with
    tried = [p for m, p in signal.calls if m == "send" and p.get("recipient") == [SIG_MEMBER]]
    # While paused, scheduled work is not even tried...
    await bot.sweep_now()
    assert [p for m, p in signal.calls if m == "send" and p.get("recipient") == [SIG_MEMBER]] == (
        tried
    )
    # ...but a reply is.
    member.type("/help")
    await signal.next_call("send", recipient=[SIG_MEMBER], message=Containing("what I can do"))

    # The admin, on Telegram, solves the captcha a few minutes later.
    clock.advance(timedelta(minutes=3))
    await admin.send("/signal_captcha nonsense", expect="signalcaptcha://")
    await admin.send("/signal_captcha signalcaptcha://solved.abc", expect="passing that captcha")
    await fake.wait_for_message(ADMIN, "Signal accepted the captcha")
    assert signal.challenges == [("challenge-token-123", "signalcaptcha://solved.abc")]
    assert not bot.signal.pause.paused
    # What waited goes out: the prompt, and the reply.
    await member.next("How are you feeling")
    await member.next("Here's what I can do")
    alerts = [m for m in fake.messages(ADMIN) if "Signal has paused" in m.body]
    assert len(alerts) == 1  # told once


# -- photos and voice messages across the channels, both ways -------------------------------
SNAPSHOT = camera_jpeg("tangerine kite over the pier")  # with EXIF and a GPS position
RECORDING = b"OggS\x00\x02 murmured saffron lullaby"
SIGNAL_SNAPSHOT = annotated_png("cobalt heron in the reeds")  # with a text chunk


async def test_photos_and_voice_messages_cross_both_ways_under_the_pseudonyms(
    signal: FakeSignalDaemon, fake: FakeTelegram, bot: RunningBot, db_path: Path
) -> None:
    admin = tg_admin(fake)
    alicia = signal_volunteer(signal)
    await set_up_signal_volunteer(admin, alicia, "Sam")
    member = TgUser(fake, TG_MEMBER, "Zebulon", "zeb_secret_handle", last_name="Quartermaine")
    await onboard_member(member)
    await request_talk(member, expect="I've let the peers on call know")
    await accept_on_signal(alicia)
    await fake.wait_for_message(TG_MEMBER, "Sam, a peer volunteer")

    # Telegram → Signal: a photo, fetched from Telegram for this chat, arrives as a picture,
    # encoded afresh: upright, with no EXIF (GPS position, description) left in it.
    fake.user_sends_photo(TG_MEMBER, caption="marmalade sky tonight", data=SNAPSHOT)
    photo = await alicia.next("marmalade sky")
    assert photo.text == "Quiet Heron: marmalade sky tonight"
    [(content_type, name, data)] = photo.attachments
    assert (content_type, name) == ("image/jpeg", "photo.jpg")
    assert metadata_of(data) == ("JPEG", {}, {}) and b"tangerine" not in data
    assert size_of(data) == (30, 40)  # the camera's quarter turn, applied
    assert not photo.voice_note
    # A voice message arrives as audio Signal plays as a voice message, with no caption.
    fake.user_sends_voice(TG_MEMBER, data=RECORDING)
    voice = await alicia.next("Quiet Heron:")
    assert voice.text == "Quiet Heron:"
    assert voice.attachments == [("audio/ogg", "voice.ogg", RECORDING)]
    assert voice.voice_note

    # Signal → Telegram: a photo with a caption, fetched from signal-cli for this chat only.
    alicia.type("the view from my window", attachments=[("image/png", SIGNAL_SNAPSHOT)])
    shown = await fake.wait_for_message(TG_MEMBER, "Sam: the view from my window")
    assert shown.kind == "photo" and shown.protect_content
    assert shown.file is not None and b"cobalt" not in shown.file.data
    assert metadata_of(shown.file.data) == ("PNG", {}, {})
    assert size_of(shown.file.data) == size_of(SIGNAL_SNAPSHOT)
    # Pictures other than JPEG, PNG and WebP (an SVG can hold any text) are kept back as
    # files are, and so is one that only claims to be a photo.
    fetched = [m for m, _ in signal.calls].count("getAttachment")
    alicia.type("a map", attachments=[("image/svg+xml", SVG)])
    refused = await alicia.next("I haven't passed that on")
    assert "A file can hold hidden details" in refused.text
    assert [m for m, _ in signal.calls].count("getAttachment") == fetched  # never fetched
    alicia.type("another map", attachments=[("image/png", SVG)])
    assert "A file can hold hidden details" in (await alicia.next("I haven't passed")).text
    assert not [m for m in fake.messages(TG_MEMBER) if "map" in (m.text or m.caption or "")]
    # A voice message from Signal reaches Telegram as an audio file under the name.
    alicia.type("", attachments=[("audio/aac", b"\xff\xf1 whispered indigo reply")])
    heard = await fake.wait_for_message(TG_MEMBER, "Sam:")
    assert heard.kind == "document"
    assert heard.file is not None and heard.file.data == b"\xff\xf1 whispered indigo reply"

    # Nothing of either account crossed: no name, number, ACI or Telegram id.
    assert signal_leaks(signal, alicia, [*member.secrets, str(TG_MEMBER)]) == []
    assert telegram_calls_leak(fake, TG_MEMBER, signal_secrets(alicia)) == []
    assert telegram_leaks(fake, TG_MEMBER, admin) == []
    # And nothing of the pictures, the recordings or their captions is left on disk.
    await bot.sweep_now()
    needles = [
        "marmalade sky", "the view from my window", "tangerine kite", "murmured saffron",
        "cobalt heron", "whispered indigo",
    ]  # fmt: skip
    assert on_disk(db_path, needles) == []


# -- a long relayed message, in pieces: quoted, edited ---------------------------------------
async def pieces_of(volunteer: SignalPerson, first: str, total: int) -> list[SentMessage]:
    """The pieces of a relayed message of `total` characters, from the one with `first`."""
    pieces = [await volunteer.next(first)]
    while sum(len(p.text) + 1 for p in pieces) < total:
        pieces.append(await volunteer.next())
    return pieces


async def test_a_long_relayed_message_in_pieces_is_one_message_to_quote_and_edit(
    signal: FakeSignalDaemon, fake: FakeTelegram, bot: RunningBot
) -> None:
    admin = tg_admin(fake)
    alicia = signal_volunteer(signal)
    await set_up_signal_volunteer(admin, alicia, "Sam", capacity="2 chats")
    robin = TgUser(fake, TG_MEMBER, "Zebulon", "zeb_secret_handle")
    await onboard_member(robin, "Brave Otter")
    await request_talk(robin, expect="I've let the peers on call know")
    await accept_on_signal(alicia, "Brave Otter")
    await fake.wait_for_message(TG_MEMBER, "Sam, a peer volunteer")
    heron = signal_member(signal)
    await signal_member_asks(heron, "Quiet Heron")
    await accept_on_signal(alicia, "Quiet Heron")
    await heron.next("a peer volunteer")

    long_words = ("It has been a long and tiring week at the shelter. " * 100).strip()
    said = robin.say(long_words)
    pieces = await pieces_of(alicia, "It has been", len(f"Brave Otter: {long_words}"))
    assert len(pieces) == 3
    heron.type("are you still there?")
    await alicia.next("are you still there?")

    # Quoting the first piece (not only the last) answers Brave Otter, though Quiet Heron
    # wrote since.
    alicia.type("that sounds exhausting", quote=pieces[0])
    back = await fake.wait_for_message(TG_MEMBER, "exhausting")
    assert text_of(back) == "Sam: that sounds exhausting"
    assert "Brave Otter" in (await alicia.next("Sent to")).text
    assert not any("exhausting" in m.text for m in signal.transcript(SIG_MEMBER))
    # Quoting the middle piece does too.
    alicia.type("take all the time you need", quote=pieces[1])
    await fake.wait_for_message(TG_MEMBER, "take all the time")

    # An edit puts the new words in the same pieces, cut afresh.
    edited = long_words.replace("tiring", "draining")
    fake.user_edits(TG_MEMBER, said, edited)
    for piece in pieces:
        await signal.next_call("send", recipient=[SIG_VOLUNTEER], editTimestamp=piece.timestamp)
    assert [bool(p.edits) for p in pieces] == [True, True, True]
    assert " ".join(p.current_text for p in pieces) == f"Brave Otter: {edited}"
    assert all(len(p.current_text.encode("utf-8")) <= 2000 for p in pieces)
    # Made short, the first piece holds it all and the pieces it no longer needs are deleted.
    fake.user_edits(TG_MEMBER, said, "Actually, it was fine in the end.")
    await signal.next_call("send", recipient=[SIG_VOLUNTEER], editTimestamp=pieces[0].timestamp)
    for piece in pieces[1:]:
        await signal.next_call(
            "remoteDelete", recipient=[SIG_VOLUNTEER], targetTimestamp=piece.timestamp
        )
    assert pieces[0].current_text == "Brave Otter: Actually, it was fine in the end."
    assert [p.deleted for p in pieces] == [False, True, True]
    # Grown again, it all goes in the one piece left (Signal shows it with "Read more"): the
    # deleted pieces are gone for good, and edits of them would show nothing.
    calls_before = len(signal.calls)
    fake.user_edits(TG_MEMBER, said, edited)
    await signal.next_call("send", recipient=[SIG_VOLUNTEER], editTimestamp=pieces[0].timestamp)
    assert pieces[0].current_text == f"Brave Otter: {edited}"
    assert [p.deleted for p in pieces] == [False, True, True]
    touched = [
        p.get("editTimestamp") or p.get("targetTimestamp")
        for _m, p in signal.calls[calls_before:]
        if p.get("recipient") == [SIG_VOLUNTEER]
    ]
    assert touched == [pieces[0].timestamp]


# -- "delete for everyone" on Signal withdraws the relayed copies ---------------------------
async def test_deleting_for_everyone_on_signal_withdraws_the_copies(
    signal: FakeSignalDaemon, fake: FakeTelegram, bot: RunningBot
) -> None:
    admin = tg_admin(fake)
    sam = TgUser(fake, TG_VOLUNTEER, "Samira", "samira_private", last_name="Volunteerova")
    await set_up_volunteer(admin, sam, "Sam")
    await sam.send("/oncall", expect="You're on call")
    member = signal_member(signal)
    await signal_member_asks(member)
    await fake.wait_for_message(TG_VOLUNTEER, "Quiet Heron would like to talk")
    await sam.tap("Accept", expect="You're now talking with Quiet Heron")
    await member.next("a peer volunteer")

    regretted = member.type("I shouldn't have said that about my sister")
    copy = await fake.wait_for_message(TG_VOLUNTEER, "about my sister")
    kept = member.type("anyway, how are you?")
    await fake.wait_for_message(TG_VOLUNTEER, "how are you")
    # The member deletes their first message for everyone: its copy goes from Sam's chat.
    signal.user_deletes(SIG_MEMBER, regretted)
    await fake.next_call("deleteMessage", chat_id=TG_VOLUNTEER, message_id=copy.message_id)
    assert not any("about my sister" in m.body for m in fake.messages(TG_VOLUNTEER))
    assert any("how are you" in m.body for m in fake.messages(TG_VOLUNTEER))
    # A deletion of a message that was never relayed asks nothing of anyone.
    signal.user_deletes(SIG_MEMBER, kept - 10_000)
    sam.say("I'm okay, thanks for asking")
    await member.next("thanks for asking")
    deletes = [c for c in fake.started if c.method == "deleteMessage"]
    assert len(deletes) == 1
    # Nobody was told anything about it.
    assert not any("deleted" in m.text.lower() for m in signal.transcript(SIG_MEMBER))


async def test_a_signal_volunteers_deletion_withdraws_the_copy_on_signal(
    signal: FakeSignalDaemon, fake: FakeTelegram, bot: RunningBot
) -> None:
    admin = tg_admin(fake)
    alicia = signal_volunteer(signal)
    await set_up_signal_volunteer(admin, alicia, "Sam")
    heron = signal_member(signal)
    await signal_member_asks(heron)
    await accept_on_signal(alicia)
    await heron.next("a peer volunteer")

    oops = alicia.type("call me on 07700 900123, it's easier")
    # Contact details are held back, never relayed: nothing to withdraw from Quiet Heron.
    await alicia.next("haven't passed that message on")
    said = alicia.type("sorry, that was meant for someone else")
    copy = await heron.next("meant for someone else")
    signal.user_deletes(SIG_VOLUNTEER, said)
    await signal.next_call("remoteDelete", recipient=[SIG_MEMBER], targetTimestamp=copy.timestamp)
    assert copy.deleted
    signal.user_deletes(SIG_VOLUNTEER, oops)
    heron.type("no worries")
    await alicia.next("no worries")
    assert [m for m, _p in signal.calls].count("remoteDelete") == 1
