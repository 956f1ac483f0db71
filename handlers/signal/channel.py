"""Sending replies to people on Signal, and what each failure means for delivery.

A reply goes out as one `send` per piece of its body (render.py), the picture or file
on the first as a `data:` URI attachment. A message's id is its timestamp; one sent in
pieces is named by all of theirs ("1700000000001,1700000000002"), and each piece is
recorded as a part of it (`Sent.parts`), so a reaction to or a quote of any piece is one
of the message. An edit of such a message puts the new words in the same pieces, cut
afresh: pieces it no longer needs are deleted, and if it needs more than there are, the
last one carries the rest (signal-cli attaches the whole text to a body past its limit).
The pieces deleted so are remembered (their timestamps, for the day an edit can come), so
a later edit that grows it again fills only the pieces left, never one nobody can see.
Deleting it deletes every piece.

A member's disappearing-message timer needs nothing here: signal-cli records the timer
of every message a person sends (and their timer changes) on their contact, and puts it
on every message to them (SendHelper.sendMessage). Setting it ourselves (`updateContact
--expiration`) would send a timer change of our own, overriding theirs.

Failures: a recipient Signal doesn't know (not registered, or gone) is unreachable, as a
403 on Telegram; no connection to the daemon, or its network failing, is tried again
later; a send that got no answer in time (its timeout grows with what it carries, rpc.py)
may have gone out, so it is not sent again (`SendResult.UNCONFIRMED`), save a crisis
message, where a repeat is the lesser harm; the rate limit pauses proactive sends
(pacing.py) and is reported to the service; an untrusted identity (the person's safety
number changed) is trusted and the send tried again at once, so their message is not lost
(README: the safety-number policy). A reply in pieces whose later piece fails is resumed
from the first piece not sent when it is tried again, so none shows twice (the pieces sent
are remembered in memory: after a restart it is sent whole).
"""

import asyncio
import base64
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

from flows.core.delivery import SendResult, Sent
from flows.core.language import N_, _, speaking
from flows.core.values import Reply
from handlers.signal.capabilities import CHANNEL
from handlers.signal.pacing import Pacer, Pause, is_reply
from handlers.signal.photos import clean_photo
from handlers.signal.render import Styled, render, split
from handlers.signal.rpc import (
    NotConnected,
    RateLimited,
    RpcError,
    SignalRpc,
    Unconfirmed,
    UntrustedIdentity,
    UserError,
)
from storage import Account
from storage.secret import log_tag

log = logging.getLogger(__name__)

# File names the recipient sees, in the language of the reply (`Reply.language`).
PICTURE_NAME = N_("chart.png")
# Signal's apps show an edit, and delete a message for everyone, for about a day after
# it was sent; past that the message is left as it is.
EDIT_WINDOW_SECONDS = 24 * 3600
# signal-cli's error codes for a failure of its own I/O, and for its own bug.
IO_ERROR = -3
INTERNAL_ERROR = -32603

# Replies in pieces interrupted part way, remembered to resume (at most this many).
RESUMABLE_KEPT = 1000

UNREACHABLE = "UNREGISTERED_FAILURE"
NETWORK = "NETWORK_FAILURE"

WroteFirst = Callable[[str], Awaitable[bool]]
RateLimitHit = Callable[[RateLimited], Awaitable[None]]


def data_uri(content_type: str, filename: str, data: bytes) -> str:
    """An attachment signal-cli reads from the request itself (no shared file system)."""
    encoded = base64.b64encode(data).decode("ascii")
    return f"data:{content_type};filename={filename};base64,{encoded}"


# Relayed media that are pictures, encoded afresh before they go (a sticker is one too).
CLEANED_KINDS = frozenset({"photo", "sticker"})
# File names for relayed media that came without one.
RELAYED_NAMES = {
    "photo": N_("photo.jpg"), "voice": N_("voice.m4a"), "sticker": N_("sticker.webp"),
}  # fmt: skip
ATTACHMENT_NAME = N_("attachment")


def attachments_of(reply: Reply) -> list[str]:
    with speaking(reply.language):
        return _attachments_of(reply)


def _attachments_of(reply: Reply) -> list[str]:
    if reply.relayed_media is not None:
        media = reply.relayed_media
        # A name another channel gave it ("photo.jpg") is one of the catalog's too.
        name = _(media.file_name or RELAYED_NAMES.get(media.kind, ATTACHMENT_NAME))
        return [data_uri(media.mime_type, name, media.data)]
    if reply.image_png is not None:
        return [data_uri("image/png", _(PICTURE_NAME), reply.image_png)]
    if reply.document is not None:
        document = reply.document
        return [data_uri(document.mime_type, document.file_name, document.data)]
    return []


def _digest(pieces: Sequence[Styled], attachments: Sequence[str]) -> str:
    """Names a reply's pieces (and what they carry) without keeping their words."""
    digest = hashlib.sha256()
    for part in (*(piece.text for piece in pieces), *attachments):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def message_ref(timestamps: list[str]) -> str:
    """The id of a message sent in pieces: their timestamps, in order."""
    return ",".join(timestamps)


def pieces_of(ref: str) -> list[int] | None:
    """The timestamps of the pieces a message id names; None if it is not a Signal one."""
    try:
        return [int(part) for part in ref.split(",")]
    except ValueError:
        return None


def _result_types(error: RpcError) -> set[str]:
    """The per-recipient failure types signal-cli puts in an error's data."""
    data = error.data if isinstance(error.data, dict) else {}
    response = data.get("response") if isinstance(data.get("response"), dict) else {}
    results = response.get("results") if isinstance(response, dict) else None
    return {
        str(result.get("type"))
        for result in (results if isinstance(results, list) else [])
        if isinstance(result, dict)
    }


class SignalChannel:
    name = CHANNEL

    def __init__(
        self,
        rpc: SignalRpc,
        secret: bytes,
        *,
        pacer: Pacer,
        pause: Pause,
        wrote_first: WroteFirst,
        on_rate_limited: RateLimitHit,
        on_not_connected: Callable[[], None] = lambda: None,
    ) -> None:
        self._rpc = rpc
        self._secret = secret  # logs name people by a keyed hash (storage/secret.py)
        self._pacer = pacer
        self._pause = pause
        self._wrote_first = wrote_first
        self._on_rate_limited = on_rate_limited
        # Told when a send found no daemon, so the outbox is sent once it is back.
        self._on_not_connected = on_not_connected
        # The timestamps of the pieces already sent of a reply interrupted part way (None:
        # unknown), by recipient and a digest of its pieces: never its words.
        self._resume: OrderedDict[tuple[str, str], list[str | None]] = OrderedDict()
        # Pieces deleted by an edit that shrank their message: timestamp → when (wall clock).
        self._gone: dict[int, float] = {}

    def _tag(self, aci: str) -> str:
        return log_tag(self._secret, Account(CHANNEL, aci))

    async def _may_send(self, aci: str, reply: Reply) -> SendResult | None:
        """None if it may go now (after its turn, if it is proactive); else why not. The
        pacer is waited on in the paced queue's own task (paced_queue.py), never a caller's."""
        if reply.urgent or is_reply(aci):
            return None
        if self._pause.paused:
            return SendResult.HELD
        if not await self._wrote_first(aci):
            # Messages to people who never wrote are what Signal's limits punish.
            log.warning("signal_unsolicited_refused to=%s", self._tag(aci))
            return SendResult.REJECTED
        await self._pacer.wait()
        return None

    async def send(self, external_id: str, reply: Reply) -> Sent:
        if reply.copy_of is not None:
            # Signal has no server-side copy; the relay re-sends, so this is never asked.
            log.warning("signal_copy_refused to=%s", self._tag(external_id))
            return Sent(SendResult.REJECTED)
        held = await self._may_send(external_id, reply)
        if held is not None:
            return Sent(held)
        pieces = split(render(reply))
        if reply.relayed_media is not None and reply.relayed_media.kind in CLEANED_KINDS:
            # Passed on from its pixels alone, never with its metadata (photos.py).
            clean = await asyncio.to_thread(clean_photo, reply.relayed_media.data)
            if clean is None:
                log.warning("signal_photo_refused to=%s", self._tag(external_id))
                return Sent(SendResult.REJECTED)
            media = replace(reply.relayed_media, data=clean.data, mime_type=clean.content_type)
            reply = replace(reply, relayed_media=media)
        attachments = attachments_of(reply)
        key = (external_id, _digest(pieces, attachments))
        # Pieces out already (an earlier try failed on a later one): not sent again.
        done = self._resume.pop(key, [])
        if done:
            log.info("signal_split_resumed to=%s piece=%d", self._tag(external_id), len(done))
        timestamps = list(done)
        unconfirmed = False
        for number, piece in enumerate(pieces):
            if number < len(done):
                continue
            params = self._params(external_id, piece)
            if number == 0 and attachments:
                params["attachments"] = attachments
                if reply.relayed_media is not None and reply.relayed_media.kind == "voice":
                    params["voiceNote"] = True
            result, timestamp = await self._send_one(external_id, params, urgent=reply.urgent)
            if result is SendResult.UNCONFIRMED and not reply.urgent:
                # It may be out: the rest follow it rather than repeat it.
                unconfirmed = True
                timestamps.append(None)
                continue
            if result is SendResult.UNCONFIRMED:
                # A crisis message is tried again rather than perhaps lost: this piece too.
                result = SendResult.RETRY
            if result is not SendResult.SENT:
                if number > 0 and result in (SendResult.RETRY, SendResult.HELD):
                    # The first pieces are out: the next try starts at this one.
                    self._remember(key, timestamps)
                    log.warning(
                        "signal_split_incomplete to=%s piece=%d", self._tag(external_id), number
                    )
                return Sent(result)
            timestamps.append(str(timestamp) if timestamp is not None else None)
        known = [t for t in timestamps if t is not None]
        if unconfirmed:
            # What was sent is named, so a quote of it still finds its chat.
            ref = message_ref(known) if known else None
            return Sent(SendResult.UNCONFIRMED, ref, tuple(known) if len(known) > 1 else ())
        if not known:
            return Sent(SendResult.SENT)  # signal-cli named no timestamp: not addressable
        if len(known) == 1:
            return Sent(SendResult.SENT, known[0])
        return Sent(SendResult.SENT, message_ref(known), tuple(known))

    def _remember(self, key: tuple[str, str], timestamps: list[str | None]) -> None:
        self._resume[key] = timestamps
        while len(self._resume) > RESUMABLE_KEPT:
            self._resume.popitem(last=False)  # the oldest: given up on by now

    def _params(self, aci: str, piece: Styled) -> dict[str, Any]:
        params: dict[str, Any] = {"recipient": [aci], "message": piece.text}
        styles = piece.text_style()
        if styles:
            params["textStyle"] = styles
        return params

    async def _send_one(
        self, aci: str, params: dict[str, Any], *, urgent: bool = False
    ) -> tuple[SendResult, int | None]:
        """One `send`; an untrusted identity is trusted and the send tried once more."""
        for attempt in (1, 2):
            try:
                result = await self._rpc.call("send", params)
            except UntrustedIdentity:
                if attempt == 2 or not await self.trust(aci):
                    log.warning("signal_identity_untrusted to=%s", self._tag(aci))
                    return SendResult.RETRY, None
                continue
            except Exception as error:
                return await self._result_of(error, aci, urgent=urgent), None
            timestamp = result.get("timestamp") if isinstance(result, dict) else None
            return SendResult.SENT, timestamp if isinstance(timestamp, int) else None
        raise AssertionError("unreachable")

    async def trust(self, aci: str) -> bool:
        """Trust the person's current identity key (their safety number changed: a new
        phone, Signal reinstalled). Nobody is told anything about it."""
        try:
            await self._rpc.call("trust", {"recipient": aci, "trustAllKnownKeys": True})
        except (RpcError, NotConnected, TimeoutError) as error:
            log.warning("signal_trust_failed to=%s error=%s", self._tag(aci), type(error).__name__)
            return False
        log.info("signal_identity_trusted to=%s", self._tag(aci))
        return True

    async def _result_of(self, error: Exception, aci: str, *, urgent: bool) -> SendResult:
        tag = self._tag(aci)
        if isinstance(error, Unconfirmed):
            # Signal may have it: repeating it could show it twice (`send` decides).
            log.warning("signal_send_unconfirmed to=%s", tag)
            return SendResult.UNCONFIRMED
        if isinstance(error, RateLimited):
            log.warning("signal_rate_limited to=%s challenge=%s", tag, error.token is not None)
            await self._on_rate_limited(error)
            # A reply or a crisis reply is tried again from the outbox; scheduled work waits
            # for the pause to lift without spending its attempts.
            return SendResult.RETRY if urgent or is_reply(aci) else SendResult.HELD
        if isinstance(error, (NotConnected, TimeoutError)):
            log.warning("signal_send_failed to=%s error=%s", tag, type(error).__name__)
            self._on_not_connected()
            return SendResult.RETRY
        if isinstance(error, RpcError):
            types = _result_types(error)
            not_registered = isinstance(error, UserError) and "not registered" in error.message
            if UNREACHABLE in types or not_registered:
                return SendResult.BLOCKED
            if NETWORK in types or error.code in (IO_ERROR, INTERNAL_ERROR):
                log.warning("signal_send_failed to=%s code=%s", tag, error.code)
                return SendResult.RETRY
            log.warning("signal_rejected to=%s code=%s", tag, error.code)
            return SendResult.REJECTED
        raise error

    async def edit(self, external_id: str, message_ref: str, reply: Reply) -> SendResult:
        targets = pieces_of(message_ref)
        if not targets:
            return SendResult.SENT  # not a Signal message id: nothing to edit
        if time.time() * 1000 - targets[0] > EDIT_WINDOW_SECONDS * 1000:
            # Signal's apps would ignore it: the message stays as it was.
            log.info("signal_edit_too_old to=%s", self._tag(external_id))
            return SendResult.SENT
        held = await self._may_send(external_id, reply)
        if held is not None:
            return held
        # Pieces an earlier edit deleted are not there to edit (the first never is deleted).
        targets = [t for t in targets if t not in self._gone] or targets[:1]
        if reply.withdraw:
            kept: list[int] = []
            for target in targets:
                result = await self._delete(external_id, target)
                if result is None:
                    kept.append(target)
                elif result is not SendResult.SENT:
                    return result
            if not kept:
                return SendResult.SENT
            # Not deleted: their words are replaced by the reply's text instead.
            return await self._edit_pieces(external_id, kept, reply)
        return await self._edit_pieces(external_id, targets, reply)

    def _forget_piece(self, target: int) -> None:
        now = time.time()
        self._gone[target] = now
        for old in [t for t, at in self._gone.items() if now - at > EDIT_WINDOW_SECONDS]:
            del self._gone[old]  # past the edit window: no edit comes for it any more

    async def _delete(self, aci: str, target: int) -> SendResult | None:
        """Delete one message for everyone; None if Signal refused (it stays)."""
        try:
            await self._rpc.call("remoteDelete", {"recipient": [aci], "targetTimestamp": target})
            return SendResult.SENT
        except RpcError as error:
            if isinstance(error, RateLimited):
                return await self._result_of(error, aci, urgent=False)
            log.info("signal_delete_refused to=%s code=%s", self._tag(aci), error.code)
            return None
        except (NotConnected, TimeoutError) as error:
            return await self._result_of(error, aci, urgent=False)

    async def _edit_pieces(self, aci: str, targets: list[int], reply: Reply) -> SendResult:
        """The reply's words in place of the messages `targets` (the pieces of one): cut
        afresh into at most as many pieces, the ones left over deleted."""
        pieces = split(render(reply), at_most=len(targets))
        unconfirmed = False
        for target, piece in zip(targets, pieces, strict=False):
            params = self._params(aci, piece)
            params["editTimestamp"] = target
            result, _timestamp = await self._send_one(aci, params)
            if result is SendResult.UNCONFIRMED:
                unconfirmed = True  # perhaps done: the other pieces follow, as for a send
            elif result is not SendResult.SENT:
                return result
        for target in targets[len(pieces) :]:
            # An edit of a piece to nothing is refused; a piece no longer needed goes.
            deleted = await self._delete(aci, target)
            if deleted in (SendResult.SENT, SendResult.UNCONFIRMED):
                self._forget_piece(target)
            if deleted is SendResult.UNCONFIRMED:
                unconfirmed = True
            elif deleted is not None and deleted is not SendResult.SENT:
                return deleted
        return SendResult.UNCONFIRMED if unconfirmed else SendResult.SENT
