"""A peer chat carries text, photos, voice messages and stickers, and nothing else.

Over the real Telegram stack: a contact card, a location, a venue, a file, a video, a round
video, a GIF, an audio file, a poll or a dice throw, from either side, stays with its sender,
who gets a kind word; no copyMessage (nor any other call) reaches the other side, and edits
of what was kept back pass nothing on either.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.core.clock import ManualClock
from flows.core.limits import Rate, RateLimiter
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import (
    ALICE,
    MEMBER,
    TgUser,
    leaks,
    next_copy,
    open_chat,
    people,
    start_peer_bot,
)
from tests.telegram_harness import RunningBot, text_of

PHONE = "+44 7700 900461"
HOME = (51.501364, -0.14189)
REFUSED = "I haven't passed that on"
KEPT_BACK = (
    "contact",
    "location",
    "venue",
    "document",
    "video",
    "video_note",
    "animation",
    "audio",
    "poll",
    "dice",
)
# The word each refusal gives for why, where there is one particular to the kind.
WHY = {
    "contact": "phone number",
    "location": "where someone is",
    "venue": "where someone is",
    "document": "sent as a photo instead",
    "video": "where it was recorded",
}


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    # Each side sends every kind in quick succession, past the per-person burst
    # (tests/core/test_limits.py holds the limit): lifted here, where the kinds are the subject.
    unlimited = RateLimiter(Rate(burst=1_000, per_second=1_000))
    running = await start_peer_bot(fake, db_path, clock, limits=unlimited)
    yield running
    await running.stop()


def send_kept_back(fake: FakeTelegram, who: TgUser, kind: str) -> int:
    """`who` sends their own contact, their home, a photo as a file, ...; the update id."""
    lat, lon = HOME
    if kind == "contact":
        return fake.user_sends_contact(
            who.id,
            phone_number=PHONE,
            first_name=who.first_name,
            last_name=who.last_name,
            contact_user_id=who.id,
        )
    if kind == "location":
        return fake.user_sends_location(who.id, latitude=lat, longitude=lon)
    if kind == "venue":
        return fake.user_sends_venue(
            who.id, latitude=lat, longitude=lon, title="My flat", address="4 Birdcage Walk"
        )
    if kind == "document":
        # A phone's photo sent as a file: its EXIF block (with GPS) travels with it.
        return fake.user_sends_document(
            who.id,
            file_name="IMG_2041.jpg",
            mime_type="image/jpeg",
            data=b"\xff\xd8\xff\xe1\x00\x16Exif\x00\x00GPS51.501364N",
        )
    if kind == "poll":
        return fake.user_sends_poll(who.id, "Coffee or tea?", ["Coffee", "Tea"])
    if kind == "dice":
        return fake.user_sends_dice(who.id)
    return fake.user_sends_video(who.id, kind)


def calls_to(fake: FakeTelegram, chat_id: int, since: int) -> list[str]:
    """Every Bot API call addressed to the chat since `since` (an index into fake.started)."""
    return [c.method for c in fake.started[since:] if c.params.get("chat_id") == chat_id]


async def test_contacts_places_files_and_the_like_stay_with_their_sender(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)

    for side, other in ((member, alice), (alice, member)):
        since = len(fake.started)
        for kind in KEPT_BACK:
            raw = fake.update(send_kept_back(fake, side, kind))["message"]
            assert fake.spec.check_object("Message", raw) == [], kind  # a real Message
            reply = text_of(await fake.wait_for_message(side.id, REFUSED))
            assert "text, photos, voice messages and stickers" in reply, kind
            assert "Nothing was sent to the other side" in reply, kind
            if kind in WHY:
                assert WHY[kind] in reply, kind
        # The chat still works, and what it carries went through; handling is in order,
        # so anything the kept-back messages had sent the other side would be here first.
        for kind in ("photo", "voice", "sticker"):
            sent = side.send_media(kind)
            copy = await next_copy(fake, other.id)
            assert copy.source == (side.id, sent) and kind in copy.raw, kind
            assert copy.protect_content
        words = side.say("still here")
        assert (await next_copy(fake, other.id)).source == (side.id, words)
        assert calls_to(fake, other.id, since) == ["copyMessage"] * 4
        assert calls_to(fake, side.id, since) == ["sendMessage"] * len(KEPT_BACK)

    # Nothing of either account, their phone or their home reached the other side.
    assert leaks(fake, ALICE, member, copied_from={MEMBER}) == []
    assert leaks(fake, MEMBER, alice, copied_from={ALICE}) == []
    for chat in (ALICE, MEMBER):
        seen = repr([c.params for c in fake.started if c.params.get("chat_id") == chat])
        seen += repr([m.raw for m in fake.messages(chat)])
        for secret in (PHONE, str(HOME[0]), "Birdcage", "IMG_2041", "Coffee or tea"):
            assert secret not in seen, (chat, secret)
    assert fake.calls_to("getFile") == []  # a kept-back file is not even fetched


async def test_edits_of_what_was_kept_back_pass_nothing_on(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, alice, _bob, member = people(fake)
    await open_chat(fake, admin, alice, member)
    since = len(fake.started)

    # A file with a caption, kept back; then its caption edited.
    update = fake.user_sends_document(MEMBER, file_name="IMG_2041.jpg", caption="my street")
    await fake.wait_for_message(MEMBER, REFUSED)
    document = fake.update(update)["message"]["message_id"]
    fake.user_edits(MEMBER, document, "my street at night")
    # A live location, kept back; then its moves, which arrive as edits.
    lat, lon = HOME
    update = fake.user_sends_location(MEMBER, latitude=lat, longitude=lon)
    await fake.wait_for_message(MEMBER, REFUSED)
    moved = fake.update(update)["message"]
    moved["location"] = {"latitude": lat + 0.001, "longitude": lon, "live_period": 900}
    moved["edit_date"] = moved["date"] + 60
    fake.push_update({"edited_message": moved})

    words = member.say("did that come through?")
    assert (await next_copy(fake, ALICE)).source == (MEMBER, words)
    assert calls_to(fake, ALICE, since) == ["copyMessage"]
    assert calls_to(fake, MEMBER, since) == ["sendMessage", "sendMessage"]  # two refusals
    assert all("my street" not in line for line in fake.transcript(ALICE))
