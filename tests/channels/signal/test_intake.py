"""Sorting signal-cli's envelopes: what is staged (and what of it is never kept), what
becomes an input, and what is recorded and ignored."""

import json
from typing import Any

from handlers.signal.intake import media_kind, message_of, received

ACI = "4d9a5c1e-0000-4000-8000-00000000a11c"
NUMBER = "+15551234567"


def _envelope(**kinds: Any) -> dict[str, Any]:
    return {
        "account": "+15550001111",
        "envelope": {
            "source": NUMBER,
            "sourceNumber": NUMBER,
            "sourceUuid": ACI,
            "sourceName": "Zebulon Real-Name",
            "sourceDevice": 1,
            "timestamp": 1700000000123,
            "serverReceivedTimestamp": 1700000000200,
            "serverDeliveredTimestamp": 1700000000300,
            **kinds,
        },
    }


def _data(**fields: Any) -> dict[str, Any]:
    return {"timestamp": 1700000000123, "message": None, "expiresInSeconds": 0, **fields}


def test_a_message_is_staged_without_number_name_or_quoted_words() -> None:
    params = _envelope(
        dataMessage=_data(
            message="hello there",
            quote={
                "id": 1699999999000,
                "author": NUMBER,
                "authorNumber": NUMBER,
                "authorUuid": "bot-aci",
                "text": "Quiet Heron: my private words",
                "attachments": [],
            },
            mentions=[{"name": NUMBER, "number": NUMBER, "uuid": ACI, "start": 0, "length": 1}],
            previews=[{"url": "https://example.org", "title": "Example"}],
        )
    )
    got = received(params)
    assert got.key == f"{ACI}:1700000000123" and got.sender == ACI
    assert got.payload is not None
    for secret in (NUMBER, "Zebulon", "my private words", "example.org", "mentions"):
        assert secret not in got.payload
    message = message_of(got.payload)
    assert message is not None and message.sender == ACI
    assert message.input.text == "hello there"
    assert message.input.message_ref == "1700000000123"
    assert message.input.reply_to_ref == "1699999999000"


def test_commands_reactions_and_edits() -> None:
    command = received(_envelope(dataMessage=_data(message="/checkin")))
    assert command.payload is not None
    message = message_of(command.payload)
    assert message is not None and message.input.command == "checkin"

    reaction = {
        "emoji": "🙂",
        "targetAuthor": "+15550001111",
        "targetAuthorNumber": "+15550001111",
        "targetAuthorUuid": "bot-aci",
        "targetSentTimestamp": 1699999999555,
        "isRemove": False,
    }
    got = received(_envelope(dataMessage=_data(reaction=reaction)))
    assert got.payload is not None and "+1555" not in got.payload
    message = message_of(got.payload)
    assert message is not None
    assert (message.input.reaction, message.input.reply_to_ref) == ("🙂", "1699999999555")
    removed = received(_envelope(dataMessage=_data(reaction={**reaction, "isRemove": True})))
    assert removed.payload is None  # nothing to do: recorded and ignored

    edit = received(
        _envelope(
            editMessage={"targetSentTimestamp": 1699999999000, "dataMessage": _data(message="new")}
        )
    )
    assert edit.payload is not None
    message = message_of(edit.payload)
    assert message is not None and message.input.edited
    assert (message.input.text, message.input.message_ref) == ("new", "1699999999000")


def test_a_delete_for_everyone_names_only_the_deleted_message() -> None:
    got = received(_envelope(dataMessage=_data(remoteDelete={"timestamp": 1699999999000})))
    assert got.payload is not None
    assert NUMBER not in got.payload and "Zebulon" not in got.payload
    message = message_of(got.payload)
    assert message is not None and message.sender == ACI
    assert message.input.deleted and message.input.message_ref == "1699999999000"
    assert message.input.text == "" and not message.input.edited
    # One without a target is nothing to do.
    assert received(_envelope(dataMessage=_data(remoteDelete={}))).payload is None


def test_attachments_are_described_not_fetched() -> None:
    attachment = {
        "contentType": "image/jpeg",
        "filename": "Zebulon at home.JPG",
        "id": "abc123.jpg",
        "size": 2048,
    }
    got = received(_envelope(dataMessage=_data(message="look", attachments=[attachment])))
    assert got.payload is not None and "Zebulon" not in got.payload
    message = message_of(got.payload)
    assert message is not None
    assert (message.input.media, message.input.text) == ("photo", "look")
    (kept,) = message.attachments
    assert (kept.id, kept.content_type, kept.size, kept.suffix) == (
        "abc123.jpg",
        "image/jpeg",
        2048,
        ".jpg",
    )
    contact = received(
        _envelope(dataMessage=_data(contacts=[{"name": {"given": "Ann"}, "phone": [NUMBER]}]))
    )
    assert contact.payload is not None and NUMBER not in contact.payload
    assert json.loads(contact.payload)["dataMessage"]["contacts"] is True
    message = message_of(contact.payload)
    assert message is not None and message.input.media == "contact"


def test_media_kinds_by_content_type() -> None:
    assert media_kind("image/png") == "photo"
    assert media_kind("image/jpeg") == media_kind("image/webp") == "photo"
    # Other pictures are files: an SVG can hold any text, HEIC and TIFF carry their EXIF.
    for kind in ("image/svg+xml", "image/heic", "image/tiff", "image/bmp"):
        assert media_kind(kind) == "document"
    assert media_kind("image/gif") == "animation"
    assert media_kind("audio/aac") == "voice"
    assert media_kind("audio/mpeg") == "audio"
    assert media_kind("video/mp4") == "video"
    assert media_kind("application/pdf") == "document"


def test_noise_is_recorded_and_ignored() -> None:
    kinds: tuple[dict[str, Any], ...] = (
        {"receiptMessage": {"when": 1, "isDelivery": True, "timestamps": [1]}},
        {"typingMessage": {"action": "STARTED", "timestamp": 1}},
        {"syncMessage": {"sentMessage": {"message": "from my laptop"}}},
        {"storyMessage": {}},
        {"callMessage": {"offerMessage": {}}},
        {"dataMessage": _data(message="hi all", groupInfo={"groupId": "g", "type": "DELIVER"})},
        {"dataMessage": _data(isExpirationUpdate=True, expiresInSeconds=3600)},
        {"dataMessage": _data(message="   ")},
    )
    for kind in kinds:
        got = received(_envelope(**kind))
        assert got.payload is None, kind
        assert got.key == f"{ACI}:1700000000123"


def test_an_undecryptable_message_has_a_key_of_its_own() -> None:
    params = _envelope()
    params["exception"] = {"message": "untrusted", "type": "UntrustedIdentityException"}
    got = received(params)
    assert got.payload is None and got.untrusted
    # Decrypted again once trusted, the message arrives under its own key, still free.
    assert got.key != f"{ACI}:1700000000123" and got.key.startswith(f"{ACI}:1700000000123")
