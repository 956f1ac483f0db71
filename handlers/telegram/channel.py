"""Sending replies to Telegram chats, and what each failure means for delivery."""

import logging

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from flows.delivery import SendResult
from flows.values import Reply
from handlers.telegram.render import keyboard

log = logging.getLogger(__name__)

CHANNEL = "telegram"
CAPTION_MAX = 1024


class TelegramChannel:
    name = CHANNEL

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, external_id: str, reply: Reply) -> SendResult:
        chat_id = int(external_id)
        try:
            if reply.image_png is not None:
                await self._bot.send_photo(
                    chat_id,
                    photo=reply.image_png,
                    caption=reply.text[:CAPTION_MAX],
                    reply_markup=keyboard(reply),
                )
            else:
                await self._bot.send_message(chat_id, reply.text, reply_markup=keyboard(reply))
        except Forbidden:
            return SendResult.BLOCKED
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                return SendResult.BLOCKED
            log.warning("telegram_rejected chat=%s reason=%s", chat_id, type(error).__name__)
            return SendResult.REJECTED
        except (RetryAfter, TimedOut, NetworkError) as error:
            # The rate limiter has already waited and retried; the outbox keeps it.
            log.warning("telegram_send_failed chat=%s error=%s", chat_id, type(error).__name__)
            return SendResult.RETRY
        return SendResult.SENT
