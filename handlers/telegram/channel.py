"""Sending replies to Telegram chats, and what each failure means for delivery."""

import logging
from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeChat, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from flows.core.commands import Command
from flows.core.delivery import SendResult, Sent
from flows.core.language import N_, SOURCE_LANGUAGE, _, speaking
from flows.core.menus import menu_commands
from flows.core.values import MediaFile, Menu, MenuRole, Reply
from handlers.telegram.capabilities import CHANNEL
from handlers.telegram.media import MediaMessages
from handlers.telegram.render import keyboard
from handlers.telegram.transport import AnsweredLate
from storage import Account
from storage.secret import log_tag

log = logging.getLogger(__name__)

CAPTION_MAX = 1024
# File names the recipient sees, in the language of the reply (`Reply.language`).
PHOTO_NAME = N_("chart.png")
# File names for relayed media that came without one.
RELAYED_NAMES = {
    "photo": N_("photo.jpg"), "sticker": N_("sticker.webp"), "voice": N_("voice.m4a"),
}  # fmt: skip
ATTACHMENT_NAME = N_("attachment")


class TelegramChannel:
    name = CHANNEL

    def __init__(
        self,
        bot: Bot,
        secret: bytes,
        media: MediaMessages | None = None,
        commands: Iterable[Command] = (),
        default_language: str = SOURCE_LANGUAGE,
    ) -> None:
        self._bot = bot
        self._secret = secret  # logs name chats by a keyed hash (storage/secret.py)
        # Which messages are photos and the like, so an edit changes their caption.
        self._media = media if media is not None else MediaMessages()
        # Every command, for the menus of each role (`set_menu`).
        self._commands = tuple(commands)
        # DEFAULT_LANGUAGE: a menu in no language of its own is made in it.
        self._default_language = default_language

    def menu_of(self, role: MenuRole, language: str | None = None) -> list[BotCommand]:
        """`role`'s commands, described in `language` (the deployment's default if None)."""
        with speaking(language or self._default_language):
            return [
                BotCommand(c.name, _(c.description)) for c in menu_commands(self._commands, role)
            ]

    async def set_menu(self, external_id: str, menu: Menu) -> SendResult:
        """This chat's menu: the members' menu in no language of its own is the bot's
        default one (in the app's language), so a chat going back to it loses its own
        (deleteMyCommands); any other (a volunteer's, an admin's, a member's in a language
        other than their app's) is set for that chat alone (BotCommandScopeChat), in the
        menu's language, whatever language the app is in."""
        chat_id = int(external_id)
        scope = BotCommandScopeChat(chat_id)
        try:
            if menu.role is MenuRole.MEMBER and not menu.language_code:
                await self._bot.delete_my_commands(scope=scope, language_code=None)
            else:
                await self._bot.set_my_commands(
                    self.menu_of(menu.role, menu.language_code), scope=scope, language_code=None
                )
        except (BadRequest, Forbidden) as error:
            # A chat that is gone or blocked the bot keeps no menu worth retrying.
            log.info(
                "telegram_menu_refused chat=%s reason=%s", self._tag(chat_id), type(error).__name__
            )
            return SendResult.REJECTED
        except Exception as error:
            return self._result_of(error, chat_id)
        log.info("telegram_menu_set chat=%s role=%s", self._tag(chat_id), menu.role)
        return SendResult.SENT

    async def send(self, external_id: str, reply: Reply) -> Sent:
        chat_id = int(external_id)
        if reply.copy_of is not None and reply.copy_of.source.channel != CHANNEL:
            # Only a message in one of this bot's chats can be copied; the relay re-sends
            # anything from elsewhere, so this one is never guessed at.
            log.warning(
                "telegram_copy_refused chat=%s source_channel=%s",
                self._tag(chat_id),
                reply.copy_of.source.channel,
            )
            return Sent(SendResult.REJECTED)
        try:
            message_id = await self._post(chat_id, reply)
        except AnsweredLate:
            if reply.urgent:  # a crisis message: a repeat is the lesser harm
                log.warning("telegram_send_failed chat=%s error=AnsweredLate", self._tag(chat_id))
                return Sent(SendResult.RETRY)
            # It may well be in the chat already: sending it again could show it twice.
            log.warning("telegram_send_unconfirmed chat=%s", self._tag(chat_id))
            return Sent(SendResult.UNCONFIRMED)
        except Exception as error:
            return Sent(self._result_of(error, chat_id))
        return Sent(SendResult.SENT, str(message_id))

    async def _post(self, chat_id: int, reply: Reply) -> int:
        if reply.copy_of is not None:
            # Copy, never forward: no name, username or "forwarded from" crosses over,
            # and protect_content stops the copy being forwarded or saved onwards.
            source = (int(reply.copy_of.source.external_id), int(reply.copy_of.message_ref))
            copied = await self._bot.copy_message(
                chat_id, from_chat_id=source[0], message_id=source[1], protect_content=True
            )
            self._media.copied(source, (chat_id, copied.message_id))
            return copied.message_id
        if reply.relayed_media is not None:
            return await self._post_relayed_media(chat_id, reply, reply.relayed_media)
        # Attachments are the member's own health data (a chart, an export): protected
        # from forwarding and saving, like everything relayed.
        if reply.image_png is not None:
            with speaking(reply.language):
                photo_name = _(PHOTO_NAME)
            message = await self._bot.send_photo(
                chat_id,
                photo=InputFile(reply.image_png, filename=photo_name),
                caption=reply.text[:CAPTION_MAX],
                reply_markup=keyboard(reply),
                protect_content=True,
            )
            self._media.saw(chat_id, message.message_id)
        elif reply.document is not None:
            message = await self._bot.send_document(
                chat_id,
                # The type is read from the name's ending (.json: application/json).
                document=InputFile(reply.document.data, filename=reply.document.file_name),
                caption=reply.text[:CAPTION_MAX],
                reply_markup=keyboard(reply),
                protect_content=True,
            )
            self._media.saw(chat_id, message.message_id)
        else:
            message = await self._bot.send_message(
                chat_id,
                reply.text,
                reply_markup=keyboard(reply),
                protect_content=reply.protect_content or reply.notice is not None or None,
            )
        return message.message_id

    async def _post_relayed_media(self, chat_id: int, reply: Reply, media: MediaFile) -> int:
        """A picture, voice message or sticker re-sent from another channel's peer chat, its
        caption the speaker's pseudonym: a picture or sticker as a photo, a voice message as
        a file (Telegram takes a voice note only as Ogg Opus, MP3 or M4A, and another
        channel's recording may be none of them)."""
        with speaking(reply.language):
            # A name another channel gave it ("photo.jpg") is one of the catalog's too.
            name = _(media.file_name or RELAYED_NAMES.get(media.kind, ATTACHMENT_NAME))
        upload = InputFile(media.data, filename=name)
        caption = reply.text[:CAPTION_MAX]
        if media.kind in ("photo", "sticker"):
            message = await self._bot.send_photo(
                chat_id, photo=upload, caption=caption, protect_content=True
            )
        else:
            message = await self._bot.send_document(
                chat_id, document=upload, caption=caption, protect_content=True
            )
        self._media.saw(chat_id, message.message_id)
        return message.message_id

    async def edit(self, external_id: str, message_ref: str, reply: Reply) -> SendResult:
        chat_id = int(external_id)
        if reply.withdraw:
            return await self._withdraw(chat_id, int(message_ref), reply)
        message_id = int(message_ref)
        try:
            if self._media.has_media(chat_id, message_id):
                await self._edit_caption(chat_id, message_id, reply)
            else:
                try:
                    await self._bot.edit_message_text(
                        reply.text,
                        chat_id=chat_id,
                        message_id=message_id,
                        reply_markup=keyboard(reply),
                    )
                except BadRequest as error:
                    if "no text" not in error.message.lower():
                        raise
                    # Media sent before this process started: its caption is the text.
                    await self._edit_caption(chat_id, message_id, reply)
        except BadRequest as error:
            # Already edited, or deleted by the person: nothing more to do.
            log.info(
                "telegram_edit_skipped chat=%s reason=%s",
                self._tag(chat_id),
                type(error).__name__,
            )
            return SendResult.SENT
        except Exception as error:
            return self._result_of(error, chat_id)
        return SendResult.SENT

    async def _edit_caption(self, chat_id: int, message_id: int, reply: Reply) -> None:
        await self._bot.edit_message_caption(
            chat_id=chat_id,
            message_id=message_id,
            caption=reply.text[:CAPTION_MAX],
            reply_markup=keyboard(reply),
        )

    def _tag(self, chat_id: int) -> str:
        return log_tag(self._secret, Account(CHANNEL, str(chat_id)))

    async def _withdraw(self, chat_id: int, message_id: int, reply: Reply) -> SendResult:
        """Delete a message; where Telegram won't (a bot may delete only for 48 hours),
        show the reply's text in its place: as its text, or as its caption if it is media."""
        try:
            await self._bot.delete_message(chat_id, message_id)
            return SendResult.SENT
        except BadRequest as error:
            log.info(
                "telegram_delete_refused chat=%s reason=%s",
                self._tag(chat_id),
                type(error).__name__,
            )
        except Exception as error:
            return self._result_of(error, chat_id)
        try:
            await self._bot.edit_message_text(reply.text, chat_id=chat_id, message_id=message_id)
            return SendResult.SENT
        except BadRequest:
            pass  # no text to replace: a photo, a voice note, a sticker
        except Exception as error:
            return self._result_of(error, chat_id)
        try:
            await self._bot.edit_message_caption(
                chat_id=chat_id, message_id=message_id, caption=reply.text[:CAPTION_MAX]
            )
        except BadRequest as error:
            # A sticker has no caption either, or the person deleted it themselves.
            log.info(
                "telegram_withdraw_skipped chat=%s reason=%s",
                self._tag(chat_id),
                type(error).__name__,
            )
        except Exception as error:
            return self._result_of(error, chat_id)
        return SendResult.SENT

    def _result_of(self, error: Exception, chat_id: int) -> SendResult:
        if isinstance(error, Forbidden):
            return SendResult.BLOCKED
        if isinstance(error, BadRequest):
            if "chat not found" in error.message.lower():
                return SendResult.BLOCKED
            log.warning(
                "telegram_rejected chat=%s reason=%s", self._tag(chat_id), type(error).__name__
            )
            return SendResult.REJECTED
        if isinstance(error, (RetryAfter, TimedOut, NetworkError)):
            # The rate limiter has already waited and retried; the outbox keeps it.
            log.warning(
                "telegram_send_failed chat=%s error=%s", self._tag(chat_id), type(error).__name__
            )
            return SendResult.RETRY
        raise error
