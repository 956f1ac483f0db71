"""Builds and runs the python-telegram-bot Application around the flow engine."""

import asyncio
import logging
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass

from telegram import Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application, ContextTypes, TypeHandler

from flows.core.delivery import Postman
from flows.core.engine import Engine
from flows.core.inbox import Inbox
from flows.core.language import N_, SHIPPED, _, speaking
from flows.core.menus import staff_menus
from flows.core.values import MenuRole
from handlers.languages import language_of
from handlers.startup import ChannelUnavailable
from handlers.telegram.capabilities import BULK_PER_SECOND, CHANNEL, BotLinks, telegram_info
from handlers.telegram.channel import TelegramChannel
from handlers.telegram.intake import (
    DurableUpdateQueue,
    InboxFlushingRequest,
    StagedInbox,
    update_key,
)
from handlers.telegram.media import MediaMessages
from handlers.telegram.pacing import ReplyFriendlyRateLimiter, proactive
from handlers.telegram.processor import PerChatUpdateProcessor
from handlers.telegram.routing import TelegramRouter
from handlers.telegram.transport import AiohttpRequest
from storage import Account

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
]
# Said outside any step, in the reader's language (handlers/languages.py).
SORRY = N_(
    "Sorry — something went wrong on my side and I couldn't handle that. "
    "Please try again, or /cancel to start fresh."
)


@dataclass(frozen=True, slots=True)
class TelegramOptions:
    token: str
    base_url: str = "https://api.telegram.org/bot"
    # Updates handled at once (one per chat); the HTTP pool is sized to match.
    max_concurrent_updates: int = 16
    poll_timeout: int = 10
    max_retries: int = 5
    # Messages a second to many different chats (TELEGRAM_BULK_PER_SECOND): broadcasts,
    # and scheduled work.
    bulk_per_second: float = BULK_PER_SECOND

    @property
    def base_file_url(self) -> str:
        head, separator, tail = self.base_url.rpartition("/bot")
        if separator and not tail:
            return f"{head}/file/bot"
        return self.base_url.rstrip("/") + "/file"


class TelegramService:
    """The Telegram channel, running: polling, answering, and sending through the postman.

    Scheduled work (the sweep) is not its own: the composition root runs it for every
    channel, and paces Telegram's share of it inside `bulk()`.
    """

    name = CHANNEL

    def __init__(self, options: TelegramOptions, engine: Engine, postman: Postman) -> None:
        self._options = options
        self._engine = engine
        self._postman = postman
        self._updates = Inbox(engine.db, engine.clock)
        self.inbox = StagedInbox(self._updates)
        # Set when Telegram refuses the token while polling (revoked in @BotFather):
        # polling has then stopped for good, so the process should end and say why.
        self.token_refused = asyncio.Event()
        self.processor = PerChatUpdateProcessor(options.max_concurrent_updates)
        self._sends = AiohttpRequest(connection_pool_size=options.max_concurrent_updates + 4)
        self.app: Application = (  # type: ignore[type-arg]
            Application.builder()
            .token(options.token)
            .base_url(options.base_url)
            .base_file_url(options.base_file_url)
            .request(self._sends)
            .get_updates_request(
                InboxFlushingRequest(
                    self.inbox,
                    on_token_refused=self._on_token_refused,
                    connection_pool_size=1,
                    read_timeout=options.poll_timeout + 5,
                )
            )
            .rate_limiter(
                ReplyFriendlyRateLimiter(
                    max_retries=options.max_retries, per_second=options.bulk_per_second
                )
            )
            .update_queue(DurableUpdateQueue(self.inbox))
            .concurrent_updates(self.processor)
            .build()
        )
        media = MediaMessages()
        router = TelegramRouter(engine, postman, self._updates, media)
        self.app.add_handler(TypeHandler(Update, router.on_update))
        self.app.add_error_handler(self._on_error)
        self.channel = TelegramChannel(
            self.app.bot,
            engine.db.secret,
            media,
            commands=engine.commands.values(),
            default_language=engine.config.default_language,
        )
        postman.register(self.channel)
        # What this channel can do; its invite links point at this bot once it is known.
        self.links = BotLinks()
        self.info = telegram_info(self.links, bulk_per_second=options.bulk_per_second)
        engine.channels.declare(self.info)

    async def start(self) -> None:
        app = self.app
        try:
            await app.initialize()  # a refused token raises InvalidToken, said by the root
        except BaseException as error:
            # PTB shuts down only what it finished initialising: close the sends' session.
            await self._sends.shutdown()
            if not isinstance(error, NetworkError):
                raise
            raise ChannelUnavailable(
                f"cannot reach the Telegram Bot API at {self._options.base_url} "
                f"({type(error).__name__})"
            ) from None
        # Invite links point at this bot: https://t.me/<username>?start=<code>.
        self.links.username = app.bot.username
        await self._publish_commands()
        # What was committed but not sent before a stop goes out first...
        with proactive():
            await self._postman.drain(CHANNEL)
        # ...then updates that were received but never applied.
        replay = await self.inbox.unapplied(app.bot)
        for update in replay:
            await app.update_queue.put(update)
        if replay:
            log.info("inbox_replay count=%d", len(replay))
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(
            timeout=self._options.poll_timeout,
            allowed_updates=ALLOWED_UPDATES,
            error_callback=self._on_poll_error,
        )
        log.info("telegram_started")

    async def stop(self) -> None:
        app = self.app
        if app.updater is not None and app.updater.running:
            # A poll that ended on a refused token re-raises here; it is already reported.
            with suppress(InvalidToken):
                await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    @property
    def ended(self) -> asyncio.Event:
        """Set when the channel stopped on its own: Telegram refused the token."""
        return self.token_refused

    def bulk(self) -> AbstractContextManager[None]:
        """Scheduled sends are held to Telegram's bulk limit (handlers/telegram/pacing.py)."""
        return proactive()

    async def _publish_commands(self) -> None:
        """The members' menu for every chat (the default scope): in DEFAULT_LANGUAGE for
        an app in a language Hearthside doesn't speak, and in each language it speaks for
        an app in that one; then each staff chat's own (flows/core/menus.py), so they match
        the roles as they are now."""
        bot = self.app.bot
        try:
            await bot.set_my_commands(self.channel.menu_of(MenuRole.MEMBER))
            for language in SHIPPED:
                await bot.set_my_commands(
                    self.channel.menu_of(MenuRole.MEMBER, language), language_code=language
                )
        except Exception as error:  # a cosmetic failure must not stop the bot
            log.warning("set_my_commands_failed error=%s", type(error).__name__)
            return
        engine = self._engine
        async with engine.db.transaction() as tx:
            menus = await staff_menus(tx, engine.config, CHANNEL)
        for account, menu in menus:
            try:
                await self.channel.set_menu(account.external_id, menu)
            except Exception as error:  # cosmetic too: the next role change sets it again
                log.warning("set_menu_failed error=%s", type(error).__name__)
        log.info("telegram_staff_menus count=%d", len(menus))

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        log.error(
            "handler_error update=%s error=%s",
            update_id,
            type(error).__name__,
            exc_info=error if isinstance(error, BaseException) else None,
        )
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        # Never leave the member without an answer, and never replay a poisonous
        # update forever: apologise once and mark it applied.
        if not await self._updates.mark_applied(update_key(update)):
            return
        if update.effective_chat.type == "private":
            account = Account(CHANNEL, str(update.effective_chat.id))
            user = update.effective_user
            try:
                language = await language_of(
                    self._engine, account, user.language_code if user is not None else None
                )
            except Exception as lookup_error:  # the fault may be storage's: apologise anyway
                log.warning("apology_language_unknown error=%s", type(lookup_error).__name__)
                language = self._engine.config.default_language
            with speaking(language):
                sorry = _(SORRY)
            try:
                await self.app.bot.send_message(int(account.external_id), sorry)
            except Exception as send_error:
                log.warning("apology_failed error=%s", type(send_error).__name__)

    def _on_poll_error(self, error: Exception) -> None:
        log.warning("telegram_poll_error error=%s", type(error).__name__)

    def _on_token_refused(self) -> None:
        if not self.token_refused.is_set():
            log.error("telegram_token_refused")
            self.token_refused.set()
