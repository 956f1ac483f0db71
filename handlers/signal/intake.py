"""Durable intake: every envelope signal-cli hands over is in the inbox before it is handled.

signal-cli acknowledges a message to Signal's server before it writes it to our socket,
so an envelope lost between the socket and its effect is lost for good. Each one is
therefore staged in the inbox (source "signal", key "<sender ACI>:<timestamp>") first,
replayed at start if it was never applied, and applied once (the engine marks it applied
in the transaction of its effect).

What is staged is the envelope without what handling it never needs, kept by a list of
what is needed rather than a list of what is not: no phone number (`source`,
`sourceNumber`, a quote's or a reaction's author number), no profile name, no quoted
text (often a relayed copy of someone else's words), no shared contact's details, no
mentions or link previews, no attachment's own file name.

Receipts, typing, sync messages (what the account's other devices sent), stories, calls,
group messages and envelopes signal-cli could not decrypt are recorded as applied at
once and ignored; so are a disappearing-message timer change (signal-cli keeps the timer
and applies it to every reply itself) and a removed reaction. A "delete for everyone"
(`remoteDelete`) is handled: a peer chat withdraws the copies of the deleted message.
"""

import json
from dataclasses import dataclass
from typing import Any

from flows.core.values import Input
from handlers.signal.photos import is_photo_type

SOURCE = "signal"

# signal-cli's exception type for a message from someone whose safety number changed.
UNTRUSTED_IDENTITY = "UntrustedIdentityException"
# Envelopes of these kinds are never a person's message to Hearthside.
_IGNORED_KINDS = (
    "receiptMessage", "typingMessage", "syncMessage", "storyMessage", "callMessage",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Attachment:
    """An attachment as signal-cli describes it; its bytes stay with signal-cli until
    something asks for them (`getAttachment`)."""

    id: str
    content_type: str
    size: int | None = None
    # Only the ending of the sender's file name (".ics"), which says what it is.
    suffix: str = ""


@dataclass(frozen=True, slots=True)
class Received:
    """One `receive` notification, sorted."""

    key: str
    sender: str | None  # the sender's ACI
    # What is staged and then handled (see `message_of`); None: nothing to handle.
    payload: str | None
    # signal-cli could not decrypt it: the sender's safety number changed (see README).
    untrusted: bool = False


@dataclass(frozen=True, slots=True)
class Message:
    """A staged envelope, ready for the engine: who sent it, and what they did."""

    key: str
    sender: str
    input: Input
    attachments: tuple[Attachment, ...] = ()


def inbox_key(sender: str | None, timestamp: object) -> str:
    return f"{sender or 'unknown'}:{timestamp}"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _suffix(filename: object) -> str:
    if not isinstance(filename, str) or "." not in filename:
        return ""
    suffix = "." + filename.rsplit(".", 1)[1].lower()
    return suffix if len(suffix) <= 8 and suffix[1:].isalnum() else ""


def _data_kept(data: dict[str, Any]) -> dict[str, Any]:
    """The parts of a dataMessage that handling reads."""
    kept: dict[str, Any] = {"timestamp": data.get("timestamp")}
    if (message := _text(data.get("message"))) is not None:
        kept["message"] = message
    if isinstance(expires := data.get("expiresInSeconds"), int):
        kept["expiresInSeconds"] = expires
    if isinstance(quote := data.get("quote"), dict):
        kept["quote"] = {"id": quote.get("id"), "authorUuid": quote.get("authorUuid")}
    if isinstance(reaction := data.get("reaction"), dict):
        kept["reaction"] = {
            "emoji": reaction.get("emoji"),
            "targetAuthorUuid": reaction.get("targetAuthorUuid"),
            "targetSentTimestamp": reaction.get("targetSentTimestamp"),
            "isRemove": bool(reaction.get("isRemove")),
        }
    attachments = data.get("attachments")
    if isinstance(attachments, list) and attachments:
        kept["attachments"] = [
            {
                "id": item.get("id"),
                "contentType": item.get("contentType"),
                "size": item.get("size"),
                "suffix": _suffix(item.get("filename")),
            }
            for item in attachments
            if isinstance(item, dict)
        ]
    # What kind of thing it was is enough; their contents (numbers, names) are not kept.
    for marker in ("sticker", "contacts", "pollCreate"):
        if data.get(marker):
            kept[marker] = True
    if data.get("isExpirationUpdate"):
        kept["isExpirationUpdate"] = True
    if isinstance(deleted := data.get("remoteDelete"), dict):
        kept["remoteDelete"] = {"timestamp": deleted.get("timestamp")}
    return kept


def received(params: dict[str, Any]) -> Received:
    """Sort one notification's params ({"account", "envelope", and maybe "exception"})."""
    envelope = params.get("envelope")
    if not isinstance(envelope, dict):
        envelope = {}
    sender = _text(envelope.get("sourceUuid"))
    timestamp = envelope.get("timestamp")
    key = inbox_key(sender, timestamp)
    exception = params.get("exception") or envelope.get("exception")
    if exception is not None:
        kind = exception.get("type") if isinstance(exception, dict) else None
        # Its own key: once trusted, signal-cli decrypts it again and delivers it under
        # the message's own timestamp, which must still be free to apply.
        return Received(f"{key}:undecryptable", sender, None, untrusted=kind == UNTRUSTED_IDENTITY)
    if sender is None or _int(timestamp) is None:
        return Received(key, sender, None)
    if any(envelope.get(kind) is not None for kind in _IGNORED_KINDS):
        return Received(key, sender, None)
    kept: dict[str, Any] = {"sourceUuid": sender, "timestamp": timestamp}
    data = envelope.get("dataMessage")
    edit = envelope.get("editMessage")
    if isinstance(data, dict):
        if data.get("groupInfo") is not None:
            return Received(key, sender, None)  # Hearthside talks one to one only
        kept["dataMessage"] = _data_kept(data)
    elif isinstance(edit, dict) and isinstance(edit.get("dataMessage"), dict):
        if edit["dataMessage"].get("groupInfo") is not None:
            return Received(key, sender, None)
        kept["editMessage"] = {
            "targetSentTimestamp": edit.get("targetSentTimestamp"),
            "dataMessage": _data_kept(edit["dataMessage"]),
        }
    else:
        return Received(key, sender, None)
    payload = json.dumps(kept, ensure_ascii=False)
    if message_of(payload) is None:
        return Received(key, sender, None)
    return Received(key, sender, payload)


def media_kind(content_type: str) -> str:
    """An attachment's kind, as `Input.media` names kinds, from its content type.

    signal-cli does not say whether audio was recorded in the app; Signal's apps record
    voice messages as AAC, so that is what counts as one. Only JPEG, PNG and WebP pictures
    are photos (photos.py); any other picture (SVG, HEIC, TIFF…) is a file like any other.
    """
    kind = content_type.lower().split(";", 1)[0].strip()
    if kind == "image/gif":
        return "animation"
    if is_photo_type(kind):
        return "photo"
    if kind in ("audio/aac", "audio/mp4a-latm"):
        return "voice"
    if kind.startswith("audio/"):
        return "audio"
    if kind.startswith("video/"):
        return "video"
    return "document"


def _attachments(data: dict[str, Any]) -> tuple[Attachment, ...]:
    found = []
    for item in data.get("attachments") or ():
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            found.append(
                Attachment(
                    item["id"],
                    _text(item.get("contentType")) or "application/octet-stream",
                    _int(item.get("size")),
                    _text(item.get("suffix")) or "",
                )
            )
    return tuple(found)


def _kind(data: dict[str, Any], attachments: tuple[Attachment, ...]) -> str | None:
    if data.get("sticker"):
        return "sticker"
    if data.get("contacts"):
        return "contact"
    if data.get("pollCreate"):
        return "poll"
    if attachments:
        return media_kind(attachments[0].content_type)
    return None


def _ref(value: object) -> str | None:
    number = _int(value)
    return str(number) if number is not None else None


def message_of(payload: str) -> Message | None:
    """What a staged envelope asks of the engine; None if nothing (a removed reaction, a
    timer change, an empty message)."""
    kept: dict[str, Any] = json.loads(payload)
    sender = kept["sourceUuid"]
    key = inbox_key(sender, kept["timestamp"])
    if isinstance(edit := kept.get("editMessage"), dict):
        target = _ref(edit.get("targetSentTimestamp"))
        data = edit.get("dataMessage") or {}
        text = _text(data.get("message"))
        if target is None or text is None:
            return None
        attachments = _attachments(data)
        quote = _ref((data.get("quote") or {}).get("id"))
        inp = Input.edit(
            text, message_ref=target, reply_to_ref=quote, media=_kind(data, attachments)
        )
        return Message(key, sender, inp, attachments)
    data = kept.get("dataMessage") or {}
    if isinstance(reaction := data.get("reaction"), dict):
        target = _ref(reaction.get("targetSentTimestamp"))
        emoji = _text(reaction.get("emoji"))
        if reaction.get("isRemove") or target is None or not emoji:
            return None
        return Message(key, sender, Input.reacted(emoji, target_ref=target))
    if data.get("isExpirationUpdate"):
        return None
    if isinstance(deleted := data.get("remoteDelete"), dict):
        # "Delete for everyone" of their message sent at that timestamp.
        target = _ref(deleted.get("timestamp"))
        return Message(key, sender, Input.deletion(message_ref=target)) if target else None
    ref = _ref(data.get("timestamp")) or _ref(kept["timestamp"])
    quote = _ref((data.get("quote") or {}).get("id"))
    text = _text(data.get("message")) or ""
    attachments = _attachments(data)
    kind = _kind(data, attachments)
    if kind is None:
        if not text.strip():
            return None
        return Message(key, sender, Input.typed(text, message_ref=ref, reply_to_ref=quote))
    return Message(
        key,
        sender,
        Input(text=text.strip(), message_ref=ref, reply_to_ref=quote, media=kind),
        attachments,
    )
