"""Every Telegram update, turned into a flow input and answered.

One handler sees all updates so that each one is accounted for in the inbox:
applied through the engine (in the engine's own transaction) or marked applied
here once handled.
"""

import dataclasses
import logging
from typing import Any

from telegram import Message, PhotoSize, Sticker, Update, Voice
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from flows.broadcasts import wants_broadcast_photo
from flows.community import (
    CalendarFile,
    FeedFile,
    FeedRefusal,
    admin_file_limit,
    is_calendar_file,
    is_feed_file,
    may_import_calendar,
    read_admin_file,
    too_big_to_read,
)
from flows.core.delivery import Postman
from flows.core.engine import Engine
from flows.core.inbox import Inbox, UpdateKey
from flows.core.language import N_, _, speaking
from flows.core.values import Input, MediaFile, Outcome
from flows.peer import wants_media_file
from handlers.languages import language_of
from handlers.telegram.capabilities import CHANNEL, MEDIA_KINDS
from handlers.telegram.intake import update_key
from handlers.telegram.media import MediaMessages
from handlers.telegram.render import answered_text, keyboard, parse_callback_data
from storage import Account
from storage.secret import log_tag

log = logging.getLogger(__name__)

_Downloadable = PhotoSize | Voice | Sticker

# Said outside any step, in the reader's language (handlers/languages.py).
STALE_TAP = N_("That question has passed — no problem.")
NOT_FETCHED = N_("I couldn't fetch it from Telegram — please send it again in a moment")
# The names of relayed files, as their recipient sees them (translated where sent).
PHOTO_FILE, VOICE_FILE, STICKER_FILE = N_("photo.jpg"), N_("voice.ogg"), N_("sticker.webp")


# The largest file a peer chat fetches to re-send elsewhere (a bot may download 20 MB).
MEDIA_MAX_BYTES = 10 * 1024 * 1024


def _relayable(message: Message) -> tuple[_Downloadable, str, str] | None:
    """A message's photo (its largest size), voice message or static sticker, with the
    type and name of its file; None for anything else (an animated sticker shows nowhere
    but Telegram)."""
    if message.photo:
        return message.photo[-1], "image/jpeg", PHOTO_FILE
    if message.voice is not None:
        return message.voice, message.voice.mime_type or "audio/ogg", VOICE_FILE
    sticker = message.sticker
    if sticker is not None and not (sticker.is_animated or sticker.is_video):
        return sticker, "image/webp", STICKER_FILE
    return None


class TelegramRouter:
    def __init__(
        self, engine: Engine, postman: Postman, inbox: Inbox, media: MediaMessages
    ) -> None:
        self._engine = engine
        self._postman = postman
        self._inbox = inbox
        # A member's photo seen here makes its copies photos, whose captions an edit changes.
        self._media = media

    def _tag(self, account: Account) -> str:
        # Logs name a chat by a keyed hash: lines can be followed, the chat not found.
        return log_tag(self._engine.db.secret, account)

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        key = update_key(update)
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            await self._mark_applied(key)  # groups and channels are not ours to answer
            return
        account = Account(CHANNEL, str(chat.id))
        if update.my_chat_member is not None:
            await self._membership_changed(update, account, key)
        elif update.callback_query is not None:
            await self._tap(update, account, key)
        elif update.message is not None:
            inp = await self._message_input(account, update.message)
            sender = update.message.from_user
            if sender is not None and sender.language_code:
                inp = dataclasses.replace(inp, language_code=sender.language_code)
            log.info(
                "telegram_update id=%s kind=%s chat=%s",
                update.update_id,
                inp.media or "text",
                self._tag(account),
            )
            outcome = await self._engine.handle(
                account, inp, dedupe=key, deliver_first=self._postman.deliver
            )
            await self._postman.deliver(outcome.deliveries)
        elif update.edited_message is not None:
            # The crisis guard reads the new words; an open peer chat passes them on.
            log.info(
                "telegram_update id=%s kind=edit chat=%s", update.update_id, self._tag(account)
            )
            inp = self._edit_input(update.edited_message)
            outcome = await self._engine.handle(
                account, inp, dedupe=key, deliver_first=self._postman.deliver
            )
            await self._postman.deliver(outcome.deliveries)
        else:
            # Anything else: nothing to do.
            await self._mark_applied(key)

    async def _message_input(self, account: Account, message: Message) -> Input:
        ref = str(message.message_id)
        reply_to = message.reply_to_message
        reply_ref = str(reply_to.message_id) if reply_to is not None else None
        if message.text is not None:
            return Input.typed(message.text, message_ref=ref, reply_to_ref=reply_ref)
        kind = next((k for k in MEDIA_KINDS if getattr(message, k, None)), "other")
        self._media.saw(message.chat_id, message.message_id)
        return Input(
            text=(message.caption or "").strip(),
            message_ref=ref,
            reply_to_ref=reply_ref,
            media=kind,
            media_file=await self._media_file(account, message, kind),
            calendar=await self._calendar_file(account, message),
        )

    async def _media_file(self, account: Account, message: Message, kind: str) -> MediaFile | None:
        """The bytes of a photo, voice message or static sticker, fetched only when a peer
        chat will re-send them to another channel (which can't copy from Telegram), or when
        an admin's photo is a broadcast's message."""
        found = _relayable(message)
        wanted = await wants_media_file(self._engine, account, kind) or (
            await wants_broadcast_photo(self._engine, account, kind)
        )
        if found is None or not wanted:
            return None
        media, mime_type, name = found
        if media.file_size is not None and media.file_size > MEDIA_MAX_BYTES:
            log.info("telegram_media_too_big kind=%s", kind)
            return None
        try:
            file = await media.get_file()
            data = bytes(await file.download_as_bytearray())
        except TelegramError as error:
            log.warning("telegram_download_failed error=%s", type(error).__name__)
            return None
        return MediaFile(kind, mime_type, data, name)

    def _edit_input(self, message: Message) -> Input:
        reply_to = message.reply_to_message
        reply_ref = str(reply_to.message_id) if reply_to is not None else None
        if message.text is not None:
            return Input.edit(
                message.text, message_ref=str(message.message_id), reply_to_ref=reply_ref
            )
        kind = next((k for k in MEDIA_KINDS if getattr(message, k, None)), "other")
        return Input.edit(
            message.caption or "",
            message_ref=str(message.message_id),
            reply_to_ref=reply_ref,
            media=kind,
        )

    async def _calendar_file(
        self, account: Account, message: Message
    ) -> CalendarFile | str | FeedFile | FeedRefusal | None:
        """An admin's calendar (.ics) or meeting list (.json), read before the engine's
        transaction; None for any other file, or anyone else's, which is never fetched."""
        document = message.document
        if document is None:
            return None
        name, mime_type = document.file_name or "", document.mime_type or ""
        feed = is_feed_file(name, mime_type)
        if not feed and not is_calendar_file(name, mime_type):
            return None
        if not await may_import_calendar(self._engine, account):
            return None
        # Why it can't be read is said to its sender: in their language.
        with speaking(await language_of(self._engine, account)):
            return await self._admin_file(message, feed=feed)

    async def _admin_file(
        self, message: Message, *, feed: bool
    ) -> CalendarFile | str | FeedFile | FeedRefusal:
        """An admin's meeting list (`feed`) or calendar, fetched unless it is too big,
        then read in the capped process."""
        document = message.document
        assert document is not None
        config = self._engine.config
        limit = admin_file_limit(feed=feed, config=config)
        if document.file_size is not None and document.file_size > limit:
            return too_big_to_read(feed=feed, config=config)
        try:
            file = await document.get_file()
            data = bytes(await file.download_as_bytearray())
        except TelegramError as error:
            log.warning("telegram_download_failed error=%s", type(error).__name__)
            return FeedRefusal(_(NOT_FETCHED)) if feed else _(NOT_FETCHED)
        return await read_admin_file(data, feed=feed, config=config, now=self._engine.clock.now())

    async def _tap(self, update: Update, account: Account, key: UpdateKey) -> None:
        query = update.callback_query
        assert query is not None
        parsed = parse_callback_data(query.data)
        inp = Input.tapped(parsed[1], parsed[0]) if parsed else Input.tapped("", -1)
        if query.from_user is not None and query.from_user.language_code:
            inp = dataclasses.replace(inp, language_code=query.from_user.language_code)
        log.info("telegram_update id=%s kind=tap chat=%s", update.update_id, self._tag(account))
        outcome = await self._engine.handle(
            account, inp, dedupe=key, deliver_first=self._postman.deliver
        )
        if outcome.duplicate:
            return
        message = query.message if isinstance(query.message, Message) else None
        stale = None
        if outcome.stale:
            with speaking(await language_of(self._engine, account, inp.language_code)):
                stale = _(STALE_TAP)
        await self._safely(query.answer(stale))
        if message is not None:
            await self._update_question(message, outcome)
        await self._postman.deliver(outcome.deliveries)

    async def _update_question(self, message: Message, outcome: Outcome) -> None:
        if outcome.edit is not None:
            await self._safely(
                message.edit_text(outcome.edit.text, reply_markup=keyboard(outcome.edit))
            )
        elif outcome.answered is not None and message.text:
            await self._safely(
                message.edit_text(answered_text(message.text, outcome.answered), reply_markup=None)
            )
        elif outcome.stale and message.reply_markup is not None:
            await self._safely(message.edit_reply_markup(reply_markup=None))

    async def _membership_changed(self, update: Update, account: Account, key: UpdateKey) -> None:
        change = update.my_chat_member
        assert change is not None
        status = change.new_chat_member.status
        log.info("telegram_membership chat=%s status=%s", self._tag(account), status)
        if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
            await self._postman.unreachable(account, dedupe=key)
        else:
            await self._mark_applied(key)

    async def _mark_applied(self, key: UpdateKey) -> None:
        await self._inbox.mark_applied(key)

    async def _safely(self, call: Any) -> None:
        """Cosmetic calls (answering taps, editing old questions) must never break a flow."""
        try:
            await call
        except TelegramError as error:
            log.info("telegram_cosmetic_failed error=%s", type(error).__name__)
