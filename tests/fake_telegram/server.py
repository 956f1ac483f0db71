"""The fake Bot API server: HTTP routes, Telegram-like state, and the API tests drive it with.

Everything runs on the event loop that calls `start()`. Test-side methods such as
`user_sends` are plain functions: they change state and wake whoever waits (a long poll,
`next_call`), so a test never needs to sleep.
"""

import asyncio
import contextlib
import copy
import itertools
import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, get_args

from aiohttp import BodyPartReader, web

from tests.fake_telegram.markup import EntityParseError, command_entities, parse_text
from tests.fake_telegram.records import (
    BotMessage,
    Call,
    CallbackAnswer,
    FaultKind,
    MenuCall,
    MessageKind,
    Upload,
    inline_buttons,
)
from tests.fake_telegram.spec import load_spec

log = logging.getLogger(__name__)

Json = dict[str, Any]
T = TypeVar("T")

DEFAULT_TOKEN = "123456:TEST-token"
BOT_USERNAME = "hearthside_test_bot"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # what Telegram accepts from bots

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
BLOCKED = "Forbidden: bot was blocked by the user"
# A bot may delete a message for this long after it was sent.
DELETE_WINDOW_SECONDS = 48 * 3600
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
TERMINATED = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)

# Telegram's default when getUpdates has never named allowed_updates.
_DEFAULT_EXCLUDED_UPDATES = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# What copyMessage and forwardMessage carry over from the source message.
_CONTENT_KEYS = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "photo",
    "document",
    "sticker",
    "voice",
    "audio",
    "video",
    "animation",
    "video_note",
    "contact",
    "location",
    "venue",
    "dice",
    "poll",
    "link_preview_options",
    "show_caption_above_media",
)
_MEDIA_KEYS = ("photo", "document", "sticker", "voice", "audio", "video", "animation")
# 1x1 transparent PNG: what a user's photo contains unless a test says otherwise.
_PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


# How long a test waits for something the bot should do before failing. Only a guard
# against a hung test, never a measure of speed: on a loaded machine a passing wait still
# returns as soon as the thing happens.
WAIT_SECONDS = 15.0


class ApiError(Exception):
    """An error reply: HTTP status, Telegram's description, optional parameters."""

    def __init__(self, status: int, description: str, parameters: Json | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class _Fault:
    method: str
    kind: FaultKind
    times: int
    retry_after: int
    chat_id: int | None
    hold_seconds: float


@dataclass
class _File:
    file_id: str
    file_unique_id: str
    data: bytes
    path: str
    file_name: str | None = None
    mime_type: str | None = None


@dataclass
class _Stored:
    """A message in a chat, user's or bot's, in its current state."""

    raw: Json
    by_bot: bool
    kind: MessageKind = "text"
    reply_markup: Json | None = None
    protect_content: bool = False
    upload: Upload | None = None
    source: tuple[int, int] | None = None


@dataclass
class _ChatState:
    chat_id: int
    profile: Json = field(default_factory=lambda: {"first_name": "Alex"})
    # Telegram numbers a private chat's messages from both sides in one sequence.
    next_message_id: int = 1
    messages: dict[int, _Stored] = field(default_factory=dict)
    transcript: list[str] = field(default_factory=list)
    blocked: bool = False


class _Signal:
    """Wakes every current waiter; can be fired from plain (non-async) code."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self) -> None:
        await self._event.wait()


class FakeTelegram:
    """A stateful Bot API server on loopback; see the package docstring for a tour."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        delay: float = 0.0,
        bot_first_name: str = "Hearthside",
        bot_username: str = BOT_USERNAME,
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        # The language every user's app says it is set to (`set_app_language`).
        self._app_language: str | None = "en"
        # Seconds added to every Bot API call, before its work (and before a long poll waits).
        self.delay = delay
        self.spec = load_spec()
        prefix = token.split(":", 1)[0]
        # Telegram's bot id is the number before the colon in its token.
        self.bot_user: Json = {
            "id": int(prefix) if prefix.isdigit() else 7000001,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.calls: list[Call] = []  # answered requests, in the order they were answered
        self.started: list[Call] = []  # every request as it arrived, answered or not
        self.downloads: list[str] = []  # file paths fetched from /file/bot<token>/...
        self.webhook: Json | None = None
        self.callback_answers: dict[str, CallbackAnswer] = {}
        self._commands: dict[tuple[str, str], list[Json]] = {}
        # Every accepted setMyCommands/deleteMyCommands, in order, with its scope.
        self.menu_calls: list[MenuCall] = []
        self._chats: dict[int, _ChatState] = {}
        self._updates: list[Json] = []  # injected, not yet confirmed, by update_id
        self._redeliveries: list[Json] = []
        self._history: dict[int, Json] = {}
        self._next_update_id = 1
        self._confirmed_offset = 0
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._open_queries: dict[str, int] = {}  # callback query id -> update id
        self._query_of_update: dict[int, str] = {}
        self._query_ids = itertools.count(4_210_000_000_001)
        self._files: dict[str, _File] = {}
        self._file_numbers = itertools.count(1)
        self._faults: list[_Fault] = []
        self._revoked = False
        self._status_counts: dict[str, Counter[int]] = defaultdict(Counter)
        self._started_counts: Counter[str] = Counter()
        self._updates_signal = _Signal()
        self._calls_signal = _Signal()
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._handlers: dict[str, Callable[[Call], Awaitable[Any]]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "deleteMessage": self._delete_message,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getFile": self._get_file,
        }

    # -- life cycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ApplicationBuilder().base_url(...): PTB appends the token."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    def build_app(self) -> web.Application:
        # Imported here: the control surface module imports this one.
        from tests.fake_telegram.control import add_control_routes

        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        add_control_routes(app, self)
        return app

    async def start(self) -> None:
        if self._runner is not None or self._stopping.is_set():
            raise RuntimeError("a FakeTelegram serves once: start it once, stop it once")
        # Held requests and long polls end as soon as stop() begins, so a short grace will do.
        self._runner = web.AppRunner(self.build_app(), access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._stopping.set()
        self._updates_signal.fire()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> "FakeTelegram":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- people ----------------------------------------------------------------------------

    def push_update(self, update: Mapping[str, Any]) -> int:
        """Queue a raw update (any update_id in it is replaced); returns its update_id."""
        update_id = self._next_update_id
        self._next_update_id += 1
        stored: Json = {"update_id": update_id}
        stored.update((k, copy.deepcopy(v)) for k, v in update.items() if k != "update_id")
        query = stored.get("callback_query")
        if isinstance(query, dict) and "id" in query:
            self._open_queries[str(query["id"])] = update_id
            self._query_of_update[update_id] = str(query["id"])
        self._history[update_id] = stored
        self._updates.append(stored)
        self._updates_signal.fire()
        return update_id

    def update(self, update_id: int) -> Json:
        """An injected update as delivered, e.g. to learn a user message's message_id."""
        return copy.deepcopy(self._history[update_id])

    def redeliver(self, update_id: int) -> None:
        """Deliver an update once more, even if confirmed, as after a lost confirmation."""
        self._redeliveries.append(self._history[update_id])
        self._updates_signal.fire()

    def user_sends(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        reply_to: int | None = None,
    ) -> int:
        """A private message from the user; a leading /command gets its bot_command entity.

        Name arguments update the user's profile, which starts as first_name "Alex".
        `reply_to` is the id of a message in the chat this one replies to.
        """
        chat = self._person(user_id, first_name, last_name, username)
        content: Json = {"text": text}
        if entities := command_entities(text):
            content["entities"] = entities
        if reply_to is not None:
            replied = self._reply_to(chat, {"reply_parameters": {"message_id": reply_to}})
            assert replied is not None
            content["reply_to_message"] = replied
        return self._user_message(chat, content, text)

    def user_sends_photo(
        self, user_id: int, *, caption: str | None = None, data: bytes = _PIXEL_PNG
    ) -> int:
        chat = self._person(user_id)
        photo = self._register_file(data, "photos", "photo.png", "image/png")
        content: Json = {"photo": self._photo_sizes(photo)}
        if caption:
            content["caption"] = caption
        return self._user_message(chat, content, f"[photo] {caption or ''}".rstrip())

    def user_sends_document(
        self,
        user_id: int,
        *,
        file_name: str = "notes.txt",
        mime_type: str = "text/plain",
        data: bytes = b"notes\n",
        caption: str | None = None,
    ) -> int:
        chat = self._person(user_id)
        document = self._register_file(data, "documents", file_name, mime_type)
        content: Json = {"document": self._document_json(document)}
        if caption:
            content["caption"] = caption
        return self._user_message(chat, content, f"[document] {caption or ''}".rstrip())

    def user_sends_sticker(self, user_id: int, *, emoji: str = "🙂") -> int:
        chat = self._person(user_id)
        sticker = self._register_file(b"RIFF", "stickers", "sticker.webp", "image/webp")
        content = {
            "sticker": {
                "file_id": sticker.file_id,
                "file_unique_id": sticker.file_unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": emoji,
                "file_size": len(sticker.data),
            }
        }
        return self._user_message(chat, content, f"[sticker] {emoji}")

    def user_sends_voice(self, user_id: int, *, duration: int = 3, data: bytes = b"OggS") -> int:
        chat = self._person(user_id)
        voice = self._register_file(data, "voice", "voice.oga", "audio/ogg")
        content = {
            "voice": {
                "file_id": voice.file_id,
                "file_unique_id": voice.file_unique_id,
                "duration": duration,
                "mime_type": "audio/ogg",
                "file_size": len(voice.data),
            }
        }
        return self._user_message(chat, content, "[voice]")

    def user_sends_contact(
        self,
        user_id: int,
        *,
        phone_number: str,
        first_name: str,
        last_name: str | None = None,
        contact_user_id: int | None = None,
    ) -> int:
        """A shared contact card: a phone number, names and, for a Telegram user, their id."""
        chat = self._person(user_id)
        contact: Json = {"phone_number": phone_number, "first_name": first_name}
        if last_name:
            contact["last_name"] = last_name
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        return self._user_message(chat, {"contact": contact}, f"[contact] {first_name}")

    def user_sends_location(self, user_id: int, *, latitude: float, longitude: float) -> int:
        chat = self._person(user_id)
        location = {"latitude": latitude, "longitude": longitude}
        return self._user_message(chat, {"location": location}, "[location]")

    def user_sends_venue(
        self, user_id: int, *, latitude: float, longitude: float, title: str, address: str
    ) -> int:
        """A place: Telegram sends its location too."""
        chat = self._person(user_id)
        location = {"latitude": latitude, "longitude": longitude}
        content = {
            "location": location,
            "venue": {"location": location, "title": title, "address": address},
        }
        return self._user_message(chat, content, f"[venue] {title}")

    def user_sends_video(self, user_id: int, kind: str = "video") -> int:
        """A "video", "video_note" (round video), "animation" (a GIF; Telegram adds it as
        a document too) or "audio" file."""
        chat = self._person(user_id)
        names = {
            "video": ("videos", "clip.mp4", "video/mp4"),
            "video_note": ("video_notes", "note.mp4", "video/mp4"),
            "animation": ("animations", "loop.mp4", "video/mp4"),
            "audio": ("music", "song.mp3", "audio/mpeg"),
        }
        folder, name, mime = names[kind]
        stored = self._register_file(b"\x00\x00\x00\x18ftypmp42", folder, name, mime)
        media: Json = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": 4,
            "file_size": len(stored.data),
        }
        if kind == "video_note":
            media["length"] = 240
        elif kind != "audio":
            media.update(width=320, height=240, file_name=name, mime_type=mime)
        else:
            media.update(file_name=name, mime_type=mime, performer="Someone", title="Song")
        content: Json = {kind: media}
        if kind == "animation":
            content["document"] = self._document_json(stored)
        return self._user_message(chat, content, f"[{kind}]")

    def user_sends_dice(self, user_id: int, *, emoji: str = "🎲", value: int = 4) -> int:
        chat = self._person(user_id)
        return self._user_message(chat, {"dice": {"emoji": emoji, "value": value}}, "[dice]")

    def user_sends_poll(self, user_id: int, question: str, options: list[str]) -> int:
        chat = self._person(user_id)
        poll = {
            "id": str(next(self._query_ids)),
            "question": question,
            "options": [
                {"text": option, "voter_count": 0, "persistent_id": f"option-{n}"}
                for n, option in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": False,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": True,
            "members_only": False,
        }
        return self._user_message(chat, {"poll": poll}, f"[poll] {question}")

    def user_edits(self, user_id: int, message_id: int, text: str) -> int:
        """The user edits one of their own messages (an edited_message update): the text of
        a text message, the caption of a photo or document."""
        chat = self._person(user_id)
        stored = chat.messages.get(message_id)
        captioned = any(key in stored.raw for key in ("photo", "document")) if stored else False
        if stored is None or stored.by_bot or not ("text" in stored.raw or captioned):
            raise KeyError(f"no text or captioned message {message_id} from user {user_id}")
        field = "text" if "text" in stored.raw else "caption"
        stored.raw[field] = text
        stored.raw.pop("entities" if field == "text" else "caption_entities", None)
        if field == "text" and (entities := command_entities(text)):
            stored.raw["entities"] = entities
        stored.raw["edit_date"] = int(time.time())
        chat.transcript.append(f"user (edited): {text}")
        return self.push_update({"edited_message": stored.raw})

    def user_clicks(self, user_id: int, message_id: int, callback_data: str) -> int:
        """The user taps an inline button on one of the bot's messages (a callback_query).

        `callback_data` is not checked against the keyboard, so a test can send what an old
        client or a race would; `user_clicks_button` picks a real button by its label.
        """
        chat = self._person(user_id)
        stored = chat.messages.get(message_id)
        if stored is None or not stored.by_bot:
            raise KeyError(f"no bot message {message_id} in chat {user_id}")
        query = {
            "id": str(next(self._query_ids)),
            "from": self._user_json(chat),
            "message": stored.raw,
            "chat_instance": str(-8_000_000_000_000 - user_id),
            "data": callback_data,
        }
        return self.push_update({"callback_query": query})

    def user_clicks_button(self, user_id: int, message_id: int, label: str) -> int:
        """Tap the first inline button whose text contains `label`."""
        buttons = self.message(user_id, message_id).buttons
        for text, data in buttons:
            if label in text and data:
                return self.user_clicks(user_id, message_id, data)
        raise ValueError(f"no button {label!r} on message {message_id}: {buttons}")

    def user_blocks_bot(self, user_id: int) -> int:
        """A my_chat_member update (kicked); sends to this chat then fail with 403."""
        chat = self._person(user_id)
        chat.blocked = True
        return self._member_update(chat, "member", "kicked")

    def user_unblocks_bot(self, user_id: int) -> int:
        chat = self._person(user_id)
        chat.blocked = False
        return self._member_update(chat, "kicked", "member")

    def is_blocked(self, user_id: int) -> bool:
        chat = self._chats.get(user_id)
        return chat is not None and chat.blocked

    # -- delivery state --------------------------------------------------------------------

    @property
    def confirmed_offset(self) -> int:
        """Updates with a lower update_id are confirmed and will not be delivered again."""
        return self._confirmed_offset

    def pending_update_ids(self) -> list[int]:
        """Updates injected but not yet confirmed (delivered or not)."""
        ids = {u["update_id"] for u in self._updates} | {
            u["update_id"] for u in self._redeliveries
        }
        return sorted(ids)

    async def wait_confirmed(self, update_id: int, *, timeout: float = WAIT_SECONDS) -> None:
        """Until the bot confirms `update_id` by polling with a higher offset."""
        await self._wait(
            self._calls_signal,
            lambda: True if self._confirmed_offset > update_id else None,
            timeout,
            f"update {update_id} confirmed",
        )

    # -- faults ----------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        fault: FaultKind,
        *,
        times: int = 1,
        retry_after: int = 1,
        chat_id: int | None = None,
        hold_seconds: float = 30.0,
    ) -> None:
        """Make the next `times` calls to `method` (to `chat_id`, if given) fail.

        "429" carries parameters.retry_after; "500" and "403" answer at once; "timeout"
        holds the request unanswered for `hold_seconds` (or until the fake stops) and does
        nothing; "lost_response" does the work, then holds the reply the same way.
        """
        canonical = self.spec.canonical(method)
        if canonical is None:
            raise ValueError(f"no Bot API method {method!r}")
        if fault not in get_args(FaultKind):
            raise ValueError(f"unknown fault {fault!r}")
        self._faults.append(_Fault(canonical, fault, times, retry_after, chat_id, hold_seconds))

    def revoke_token(self) -> None:
        """The owner revoked the token in @BotFather: from now on every call with it,
        and a long poll already waiting, is answered 401 Unauthorized."""
        self._revoked = True
        self._updates_signal.fire()

    def age_messages(self, chat_id: int, *, hours: float) -> None:
        """Make every message in the chat `hours` older (Telegram's 48-hour delete limit)."""
        chat = self._chat(chat_id)
        for stored in chat.messages.values():
            stored.raw["date"] -= int(hours * 3600)

    # -- inspection ------------------------------------------------------------------------

    def calls_to(self, method: str, **match: Any) -> list[Call]:
        """Answered calls to `method` whose params include `match`, whatever their status."""
        return [call for call in self.calls if call.matches(method, match)]

    async def next_call(
        self, method: str, *, timeout: float = WAIT_SECONDS, status: int | None = 200, **match: Any
    ) -> Call:
        """The earliest answered call to `method` matching `match` not yet handed out.

        Only successful calls unless `status` says otherwise (None: any status).
        """

        def find() -> Call | None:
            for call in self.calls:
                if (
                    not call.consumed
                    and (status is None or call.status == status)
                    and call.matches(method, match)
                ):
                    call.consumed = True
                    return call
            return None

        return await self._wait(self._calls_signal, find, timeout, f"{method} {match}")

    async def wait_for_call_started(
        self, method: str, *, since: int = 0, timeout: float = WAIT_SECONDS, **match: Any
    ) -> Call:
        """A request to `method` that arrived (answered or not) at index >= `since` of started."""

        def find() -> Call | None:
            return next((c for c in self.started[since:] if c.matches(method, match)), None)

        return await self._wait(self._calls_signal, find, timeout, f"{method} {match} started")

    async def wait_for_calls(
        self,
        method: str,
        count: int,
        *,
        status: int = 200,
        started: bool = False,
        timeout: float = WAIT_SECONDS,
    ) -> None:
        """Until `count` calls to `method` have been answered with `status` in total.

        With `started`, until that many have arrived, answered or not (a first long poll).
        """

        def reached() -> bool | None:
            if started:
                return True if self._started_counts[method] >= count else None
            return True if self._status_counts[method][status] >= count else None

        what = f"{count} {method} calls " + ("started" if started else f"answered {status}")
        await self._wait(self._calls_signal, reached, timeout, what)

    def messages(self, chat_id: int) -> list[BotMessage]:
        """The bot's messages in the chat, in their current state after edits and deletions."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [self._snapshot(chat_id, s) for s in chat.messages.values() if s.by_bot]

    def message(self, chat_id: int, message_id: int) -> BotMessage:
        """One of the bot's messages in its current state (KeyError if there is none)."""
        chat = self._chats.get(chat_id)
        stored = chat.messages.get(message_id) if chat is not None else None
        if stored is None or not stored.by_bot:
            raise KeyError(f"no bot message {message_id} in chat {chat_id}")
        return self._snapshot(chat_id, stored)

    async def wait_for_message(
        self, chat_id: int, contains: str | None = None, *, timeout: float = WAIT_SECONDS
    ) -> BotMessage:
        """The next new bot message in the chat, as sent; with `contains` in its text if given.

        Messages passed over on the way are handed out too: this reads the chat in order.
        """

        def find() -> BotMessage | None:
            for call in self.calls:
                message = call.message
                if call.consumed or message is None or message.chat_id != chat_id:
                    continue
                call.consumed = True
                if contains is None or contains in message.body:
                    return message
            return None

        what = f"bot message in chat {chat_id}" + (f" containing {contains!r}" if contains else "")
        return await self._wait(self._calls_signal, find, timeout, what)

    @staticmethod
    def keyboard(message: BotMessage | Mapping[str, Any]) -> list[tuple[str, str]]:
        """(text, callback_data) of a message's inline buttons; takes a BotMessage or raw dict."""
        if isinstance(message, BotMessage):
            return message.buttons
        return inline_buttons(message.get("reply_markup"))

    def transcript(self, chat_id: int) -> list[str]:
        """Everything the user of this chat saw, in order, including text later edited away.

        Lines read "user: ...", "bot: ...", "bot (edited): ...", "user (edited): ...";
        media show as "[photo] caption", forwards as "bot: [forwarded] ...".
        """
        chat = self._chats.get(chat_id)
        return list(chat.transcript) if chat is not None else []

    def callback_answer(self, update_id: int) -> CallbackAnswer | None:
        """How the bot answered the tap injected as `update_id`, if it has."""
        query_id = self._query_of_update.get(update_id)
        return self.callback_answers.get(query_id) if query_id is not None else None

    @property
    def commands(self) -> list[Json]:
        """The command list for the default scope and language."""
        return self.commands_for()

    def commands_for(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[Json]:
        return copy.deepcopy(self._commands.get(_commands_key(scope, language_code), []))

    def stats(self) -> Json:
        """Counts for a benchmark: answered calls per method and status, update queue."""
        return {
            "calls": {
                m: {str(s): n for s, n in c.items()} for m, c in self._status_counts.items()
            },
            "started": dict(self._started_counts),
            "pending_updates": len(self._updates),
            "confirmed_offset": self._confirmed_offset,
            "next_update_id": self._next_update_id,
        }

    async def _wait(
        self, signal: _Signal, find: Callable[[], T | None], timeout: float, what: str
    ) -> T:
        try:
            async with asyncio.timeout(timeout):
                while (found := find()) is None:
                    await signal.wait()
        except TimeoutError:
            recent = ", ".join(f"{c.method}→{c.status}" for c in self.calls[-8:]) or "none"
            raise TimeoutError(f"no {what} within {timeout:g} s (last calls: {recent})") from None
        return found

    # -- HTTP ------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        call = Call(self.spec.canonical(name) or name, {}, time.monotonic())
        try:
            raw = await _read_params(request)
        except ConnectionResetError:
            # The client gave up mid-request (PTB cancelling a poll at stop): nobody to answer.
            return web.Response(status=400)
        try:
            call.params = self.spec.decode(call.method, raw)
            self.started.append(call)
            self._started_counts[call.method] += 1
            self._calls_signal.fire()
            if request.match_info["token"] != self.token or self._revoked:
                raise ApiError(401, "Unauthorized")
            if self.spec.canonical(name) is None:
                raise ApiError(404, "Not Found")
            if self.delay > 0:
                await asyncio.sleep(self.delay)
            result = await self._dispatch(call)
        except ApiError as error:
            body: Json = {
                "ok": False,
                "error_code": error.status,
                "description": error.description,
            }
            if error.parameters:
                body["parameters"] = error.parameters
            return self._answer(call, error.status, body)
        except Exception as error:  # a bug in the fake: make it loud, not a hang
            log.exception("fake Bot API failed on %s", call.method)
            body = {"ok": False, "error_code": 500, "description": f"fake crashed: {error!r}"}
            return self._answer(call, 500, body)
        return self._answer(call, 200, {"ok": True, "result": result})

    def _answer(self, call: Call, status: int, body: Json) -> web.Response:
        call.status = status
        call.answered_at = time.monotonic()
        if status == 200:
            call.result = body["result"]
        else:
            call.description = body["description"]
        self.calls.append(call)
        self._status_counts[call.method][status] += 1
        self._calls_signal.fire()
        return web.json_response(body, status=status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token or self._revoked:
            raise web.HTTPUnauthorized()
        path = request.match_info["path"]
        self.downloads.append(path)
        for stored in self._files.values():
            if stored.path == path:
                return web.Response(body=stored.data, content_type="application/octet-stream")
        raise web.HTTPNotFound()

    async def _dispatch(self, call: Call) -> Any:
        handler = self._handlers.get(call.method)
        if handler is None:
            raise ApiError(
                400, f"Bad Request: the fake Bot API server does not implement {call.method}"
            )
        missing = self.spec.first_missing(call.method, call.params)
        if missing is not None:
            raise ApiError(400, f"Bad Request: {missing} is required")
        fault = self._take_fault(call)
        if fault is not None and fault.kind != "lost_response":
            await self._raise_fault(fault)
        chat_id = call.params.get("chat_id")
        if isinstance(chat_id, int) and self.is_blocked(chat_id):
            raise ApiError(403, BLOCKED)
        result = await handler(call)
        if fault is not None:
            await self._raise_fault(fault)
        return result

    def _take_fault(self, call: Call) -> _Fault | None:
        for fault in self._faults:
            if fault.method == call.method and fault.chat_id in (None, call.params.get("chat_id")):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    async def _raise_fault(self, fault: _Fault) -> None:
        if fault.kind == "429":
            raise ApiError(
                429,
                f"Too Many Requests: retry after {fault.retry_after}",
                {"retry_after": fault.retry_after},
            )
        if fault.kind == "500":
            raise ApiError(500, "Internal Server Error")
        if fault.kind == "403":
            raise ApiError(403, BLOCKED)
        # "timeout" and "lost_response": the client gives up first (or the fake stops).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), fault.hold_seconds)
        raise ApiError(504, "Gateway Timeout")

    # -- updates ---------------------------------------------------------------------------

    async def _get_updates(self, call: Call) -> list[Json]:
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_ACTIVE)
        params = call.params
        offset = _as_int(params.get("offset"), 0)
        limit = min(max(_as_int(params.get("limit"), 100), 1), 100)
        timeout = max(_as_float(params.get("timeout"), 0.0), 0.0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            # Telegram remembers the last list; an empty one means its default.
            self._allowed_updates = frozenset(allowed) or None
        self._confirm(offset)
        # A newer poll ends the older one with 409, as Telegram does with two bot instances.
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_signal.fire()

        def settled() -> bool:
            return (
                self._has_deliverable()
                or self._stopping.is_set()
                or generation != self._poll_generation
                or self._revoked
            )

        if timeout > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    while not settled():
                        await self._updates_signal.wait()
        if self._revoked:
            raise ApiError(401, "Unauthorized")
        if generation != self._poll_generation:
            raise ApiError(409, TERMINATED)
        self._has_deliverable()  # drops updates of types not allowed
        batch = self._redeliveries[:limit]
        del self._redeliveries[:limit]
        batch += self._updates[: limit - len(batch)]
        return batch

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self._confirmed_offset = max(self._confirmed_offset, offset)
        elif offset < 0:
            # A negative offset keeps only the last -offset updates and forgets the rest.
            self._updates = self._updates[offset:]
            first = self._updates[0]["update_id"] if self._updates else self._next_update_id
            self._confirmed_offset = max(self._confirmed_offset, first)
        else:
            return
        self._calls_signal.fire()

    def _has_deliverable(self) -> bool:
        """Whether a poll would get anything; first forgets updates of types not allowed."""
        allowed = self._allowed_updates
        self._updates = [
            u
            for u in self._updates
            if (
                _update_type(u) in allowed
                if allowed
                else _update_type(u) not in _DEFAULT_EXCLUDED_UPDATES
            )
        ]
        return bool(self._updates or self._redeliveries)

    # -- Bot API methods -------------------------------------------------------------------

    async def _get_me(self, call: Call) -> Json:
        return dict(self.bot_user)

    async def _set_webhook(self, call: Call) -> bool:
        params = call.params
        url = str(params["url"])
        if params.get("drop_pending_updates"):
            self._drop_pending()
        if not url:
            self.webhook = None
            return True
        # Recorded only: the fake never pushes updates to a webhook.
        keys = ("url", "secret_token", "allowed_updates", "max_connections", "ip_address")
        self.webhook = {key: params[key] for key in keys if key in params}
        return True

    async def _delete_webhook(self, call: Call) -> bool:
        if call.params.get("drop_pending_updates"):
            self._drop_pending()
        self.webhook = None
        return True

    async def _get_webhook_info(self, call: Call) -> Json:
        info: Json = {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        for key in ("max_connections", "allowed_updates", "ip_address"):
            if self.webhook and key in self.webhook:
                info[key] = self.webhook[key]
        return info

    def _drop_pending(self) -> None:
        if self._updates:
            self._confirm(self._updates[-1]["update_id"] + 1)

    async def _send_message(self, call: Call) -> Json:
        params = call.params
        chat = self._target(params)
        text, entities = self._text(params, "text", "entities", 4096)
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        content: Json = {"text": text}
        if entities:
            content["entities"] = entities
        if isinstance(params.get("link_preview_options"), dict):
            content["link_preview_options"] = params["link_preview_options"]
        return self._deliver(call, chat, content, "text")

    async def _send_photo(self, call: Call) -> Json:
        params = call.params
        chat = self._target(params)
        photo = self._input_file(params["photo"], "photos", "photo.jpg", "image/jpeg")
        content: Json = {"photo": self._photo_sizes(photo), **self._caption(params)}
        upload = params["photo"] if isinstance(params["photo"], Upload) else None
        return self._deliver(call, chat, content, "photo", upload=upload)

    async def _send_document(self, call: Call) -> Json:
        params = call.params
        chat = self._target(params)
        upload = params["document"] if isinstance(params["document"], Upload) else None
        name = upload.filename if upload else "document"
        mime = upload.content_type if upload else "application/octet-stream"
        document = self._input_file(params["document"], "documents", name, mime)
        content: Json = {"document": self._document_json(document), **self._caption(params)}
        return self._deliver(call, chat, content, "document", upload=upload)

    async def _copy_message(self, call: Call) -> Json:
        params = call.params
        chat = self._target(params)
        source, from_chat_id = self._source(params, "copied")
        content = {k: copy.deepcopy(v) for k, v in source.raw.items() if k in _CONTENT_KEYS}
        if "caption" in params and any(k in content for k in _MEDIA_KEYS):
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self._caption(params))
        origin = (from_chat_id, source.raw["message_id"])
        message = self._deliver(call, chat, content, "copy", upload=source.upload, source=origin)
        return {"message_id": message["message_id"]}

    async def _forward_message(self, call: Call) -> Json:
        params = call.params
        chat = self._target(params)
        source, from_chat_id = self._source(params, "forwarded")
        content = {k: copy.deepcopy(v) for k, v in source.raw.items() if k in _CONTENT_KEYS}
        sender = source.raw.get("from") or self._bot_from()
        content["forward_origin"] = {
            "type": "user",
            "date": source.raw["date"],
            "sender_user": sender,
        }
        origin = (from_chat_id, source.raw["message_id"])
        return self._deliver(call, chat, content, "forward", upload=source.upload, source=origin)

    async def _edit_message_text(self, call: Call) -> Json:
        params = call.params
        chat, stored = self._editable(params)
        if "text" not in stored.raw:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        if "text" not in params:
            raise ApiError(400, "Bad Request: message text is empty")
        text, entities = self._text(params, "text", "entities", 4096)
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        return self._apply_edit(chat, stored, {"text": text, "entities": entities}, params)

    async def _edit_message_caption(self, call: Call) -> Json:
        params = call.params
        chat, stored = self._editable(params)
        if not any(key in stored.raw for key in _MEDIA_KEYS):
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption = self._caption(params)
        fields = {
            "caption": caption.get("caption"),
            "caption_entities": caption.get("caption_entities"),
        }
        return self._apply_edit(chat, stored, fields, params)

    async def _edit_message_reply_markup(self, call: Call) -> Json:
        chat, stored = self._editable(call.params)
        return self._apply_edit(chat, stored, {}, call.params)

    def _apply_edit(self, chat: _ChatState, stored: _Stored, fields: Json, params: Json) -> Json:
        # Editing without reply_markup removes the inline keyboard, as on Telegram.
        markup = self._reply_markup(params, inline_only=True)
        raw = stored.raw
        unchanged = all(raw.get(k) == (v or None) for k, v in fields.items())
        if unchanged and raw.get("reply_markup") == markup:
            raise ApiError(400, NOT_MODIFIED)
        for key, value in [*fields.items(), ("reply_markup", markup)]:
            if value:
                raw[key] = value
            else:
                raw.pop(key, None)
        # A reply keyboard belongs to the chat, not the message: an edit leaves it be.
        if markup is not None or "keyboard" not in (stored.reply_markup or {}):
            stored.reply_markup = markup
        raw["edit_date"] = int(time.time())
        if fields:
            chat.transcript.append(f"bot (edited): {_describe(raw)}")
        return copy.deepcopy(raw)

    async def _delete_message(self, call: Call) -> bool:
        chat = self._target(call.params)
        message_id = _as_int(call.params["message_id"], 0)
        stored = chat.messages.get(message_id)
        if stored is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        # Telegram: "a message can only be deleted if it was sent less than 48 hours ago".
        if time.time() - stored.raw["date"] >= DELETE_WINDOW_SECONDS:
            raise ApiError(400, "Bad Request: message can't be deleted")
        del chat.messages[message_id]
        return True

    async def _answer_callback_query(self, call: Call) -> bool:
        params = call.params
        query_id = str(params["callback_query_id"])
        if self._open_queries.pop(query_id, None) is None:
            raise ApiError(400, QUERY_INVALID)
        text = params.get("text")
        url = params.get("url")
        self.callback_answers[query_id] = CallbackAnswer(
            query_id,
            str(text) if text is not None else None,
            bool(params.get("show_alert")),
            str(url) if url is not None else None,
        )
        return True

    async def _send_chat_action(self, call: Call) -> bool:
        self._target(call.params)
        if call.params["action"] not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    async def _set_my_commands(self, call: Call) -> bool:
        commands = call.params["commands"]
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            if not (
                1 <= len(name) <= 32 and all(c.islower() or c.isdigit() or c == "_" for c in name)
            ):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: command description must be non-empty")
        scope, language = self._menu_scope(call.params)
        key = _commands_key(scope, language)
        self._commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        names = tuple(str(c["command"]) for c in commands)
        self.menu_calls.append(MenuCall("setMyCommands", scope, language, names))
        return True

    def _menu_scope(self, params: Json) -> tuple[Json, str]:
        """The scope and language of a menu call, checked as strictly as Telegram does: a
        known scope type with exactly its fields, a chat the bot knows, an ISO 639-1 code."""
        scope = params.get("scope", {"type": "default"})
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_FIELDS:
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        fields = _SCOPE_FIELDS[scope["type"]]
        if set(scope) != {"type", *fields}:
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        if "chat_id" in fields:
            chat_id = scope["chat_id"]
            if isinstance(chat_id, bool) or not isinstance(chat_id, int | str):
                raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
            if isinstance(chat_id, int) and chat_id not in self._chats:
                raise ApiError(400, "Bad Request: chat not found")
        language = params.get("language_code", "")
        if not isinstance(language, str) or (
            language and not (len(language) == 2 and language.isascii() and language.islower())
        ):
            raise ApiError(400, "Bad Request: invalid language code specified")
        return dict(scope), language

    async def _get_my_commands(self, call: Call) -> list[Json]:
        return self.commands_for(call.params.get("scope"), call.params.get("language_code", ""))

    async def _delete_my_commands(self, call: Call) -> bool:
        scope, language = self._menu_scope(call.params)
        self._commands.pop(_commands_key(scope, language), None)
        self.menu_calls.append(MenuCall("deleteMyCommands", scope, language, None))
        return True

    async def _get_file(self, call: Call) -> Json:
        stored = self._files.get(str(call.params["file_id"]))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }

    # -- helpers ---------------------------------------------------------------------------

    def _chat(self, chat_id: int) -> _ChatState:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _ChatState(chat_id)
        return chat

    def _person(
        self,
        user_id: int,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
    ) -> _ChatState:
        chat = self._chat(user_id)
        for key, value in (
            ("first_name", first_name),
            ("last_name", last_name),
            ("username", username),
        ):
            if value is not None:
                chat.profile[key] = value
        return chat

    def _chat_json(self, chat: _ChatState) -> Json:
        if chat.chat_id < 0:
            return {"id": chat.chat_id, "type": "group", "title": f"Group {-chat.chat_id}"}
        return {"id": chat.chat_id, "type": "private", **chat.profile}

    def set_app_language(self, language_code: str | None) -> None:
        """From here on, every user writes from an app set to `language_code` ("es-MX"), or
        (None) from one that does not say; "en" until set."""
        self._app_language = language_code

    def _user_json(self, chat: _ChatState) -> Json:
        user: Json = {"id": chat.chat_id, "is_bot": False, **chat.profile}
        if self._app_language is not None:
            user["language_code"] = self._app_language
        return user

    def _bot_from(self) -> Json:
        # Messages carry the short form of the bot; getMe adds the capability flags.
        keys = ("id", "is_bot", "first_name", "username")
        return {key: self.bot_user[key] for key in keys}

    def _target(self, params: Json, name: str = "chat_id") -> _ChatState:
        chat_id = params.get(name)
        if isinstance(chat_id, bool) or not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        return self._chat(chat_id)

    def _store(self, chat: _ChatState, content: Json, *, by_bot: bool) -> _Stored:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        raw: Json = {
            "message_id": message_id,
            "from": self._bot_from() if by_bot else self._user_json(chat),
            "chat": self._chat_json(chat),
            "date": int(time.time()),
            **content,
        }
        stored = _Stored(raw, by_bot)
        chat.messages[message_id] = stored
        return stored

    def _user_message(self, chat: _ChatState, content: Json, shown: str) -> int:
        stored = self._store(chat, content, by_bot=False)
        chat.transcript.append(f"user: {shown}")
        return self.push_update({"message": stored.raw})

    def _deliver(
        self,
        call: Call,
        chat: _ChatState,
        content: Json,
        kind: MessageKind,
        *,
        upload: Upload | None = None,
        source: tuple[int, int] | None = None,
    ) -> Json:
        params = call.params
        markup = self._reply_markup(params)
        reply_to = self._reply_to(chat, params)
        stored = self._store(chat, content, by_bot=True)
        if reply_to is not None:
            stored.raw["reply_to_message"] = reply_to
        # Message.reply_markup is only ever an inline keyboard; reply keyboards stay client-side.
        if markup is not None and "inline_keyboard" in markup:
            stored.raw["reply_markup"] = markup
        if params.get("protect_content"):
            stored.raw["has_protected_content"] = True
        stored.kind = kind
        stored.reply_markup = markup
        stored.protect_content = bool(params.get("protect_content"))
        stored.upload = upload
        stored.source = source
        call.message = self._snapshot(chat.chat_id, stored)
        chat.transcript.append(f"bot: {_describe(stored.raw)}")
        return copy.deepcopy(stored.raw)

    def _snapshot(self, chat_id: int, stored: _Stored) -> BotMessage:
        raw = stored.raw
        return BotMessage(
            chat_id=chat_id,
            message_id=raw["message_id"],
            kind=stored.kind,
            text=raw.get("text"),
            caption=raw.get("caption"),
            reply_markup=copy.deepcopy(stored.reply_markup),
            protect_content=stored.protect_content,
            date=raw["date"],
            edited="edit_date" in raw,
            file=stored.upload,
            source=stored.source,
            raw=copy.deepcopy(raw),
        )

    def _text(
        self, params: Json, key: str, entities_key: str, limit: int
    ) -> tuple[str, list[Json]]:
        try:
            text, entities = parse_text(
                str(params.get(key, "")), params.get("parse_mode"), params.get(entities_key)
            )
        except EntityParseError as error:
            raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
        if len(text) > limit:
            too_long = "message caption is too long" if key == "caption" else "message is too long"
            raise ApiError(400, f"Bad Request: {too_long}")
        return text, entities

    def _caption(self, params: Json) -> Json:
        if not params.get("caption"):
            return {}
        caption, entities = self._text(params, "caption", "caption_entities", 1024)
        content: Json = {"caption": caption} if caption else {}
        if caption and entities:
            content["caption_entities"] = entities
        return content

    def _reply_markup(self, params: Json, *, inline_only: bool = False) -> Json | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if inline_only:
                raise ApiError(400, "Bad Request: inline keyboard expected")
            return markup
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(
                400, "Bad Request: can't parse inline keyboard button: field must be an array"
            )
        for button in (b for row in rows for b in row):
            if not isinstance(button, dict) or not button.get("text"):
                raise ApiError(
                    400, "Bad Request: can't parse inline keyboard button: text is required"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _reply_to(self, chat: _ChatState, params: Json) -> Json | None:
        reply = params.get("reply_parameters")
        if not isinstance(reply, dict) or "message_id" not in reply:
            return None
        target = chat.messages.get(_as_int(reply["message_id"], 0))
        if target is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return {k: copy.deepcopy(v) for k, v in target.raw.items() if k != "reply_to_message"}

    def _source(self, params: Json, verb: str) -> tuple[_Stored, int]:
        from_chat = (
            self._chats.get(params["from_chat_id"])
            if isinstance(params["from_chat_id"], int)
            else None
        )
        source = from_chat.messages.get(_as_int(params["message_id"], 0)) if from_chat else None
        if from_chat is None or source is None:
            noun = "copy" if verb == "copied" else "forward"
            raise ApiError(400, f"Bad Request: message to {noun} not found")
        if source.protect_content:
            raise ApiError(400, f"Bad Request: message can't be {verb}")
        return source, from_chat.chat_id

    def _editable(self, params: Json) -> tuple[_ChatState, _Stored]:
        if "inline_message_id" in params:
            raise ApiError(
                400, "Bad Request: the fake Bot API server does not implement inline messages"
            )
        if "chat_id" not in params or "message_id" not in params:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        chat = self._target(params)
        stored = chat.messages.get(_as_int(params["message_id"], 0))
        if stored is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not stored.by_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat, stored

    def _member_update(self, chat: _ChatState, old: str, new: str) -> int:
        def member(status: str) -> Json:
            state: Json = {"status": status, "user": self._bot_from()}
            if status == "kicked":
                state["until_date"] = 0
            return state

        update = {
            "my_chat_member": {
                "chat": self._chat_json(chat),
                "from": self._user_json(chat),
                "date": int(time.time()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            }
        }
        return self.push_update(update)

    def _register_file(
        self, data: bytes, folder: str, name: str | None, mime: str | None
    ) -> _File:
        number = next(self._file_numbers)
        suffix = name.rsplit(".", 1)[-1] if name and "." in name else "bin"
        stored = _File(
            file_id=f"fake-file-{number:06d}",
            file_unique_id=f"u{number:06d}",
            data=data,
            path=f"{folder}/file_{number}.{suffix}",
            file_name=name,
            mime_type=mime,
        )
        self._files[stored.file_id] = stored
        return stored

    def _input_file(self, value: Any, folder: str, name: str | None, mime: str | None) -> _File:
        if isinstance(value, Upload):
            return self._register_file(
                value.data, folder, value.filename or name, value.content_type
            )
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return self._register_file(b"", folder, name, mime)
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _photo_sizes(self, photo: _File) -> list[Json]:
        # Telegram offers several sizes; both ids here resolve to the same bytes.
        thumb_id = f"{photo.file_id}-s"
        self._files.setdefault(
            thumb_id, _File(thumb_id, f"{photo.file_unique_id}s", photo.data, photo.path)
        )
        size = len(photo.data)
        return [
            {
                "file_id": thumb_id,
                "file_unique_id": f"{photo.file_unique_id}s",
                "width": 90,
                "height": 90,
                "file_size": size,
            },
            {
                "file_id": photo.file_id,
                "file_unique_id": photo.file_unique_id,
                "width": 800,
                "height": 800,
                "file_size": size,
            },
        ]

    def _document_json(self, document: _File) -> Json:
        result: Json = {"file_id": document.file_id, "file_unique_id": document.file_unique_id}
        if document.file_name:
            result["file_name"] = document.file_name
        if document.mime_type:
            result["mime_type"] = document.mime_type
        result["file_size"] = len(document.data)
        return result


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Raw parameters from the query string and any body PTB or another client sends."""
    params: dict[str, Any] = dict(request.query)
    content_type = request.content_type
    if content_type == "application/json":
        body = await request.read()
        if body.strip():
            try:
                data = json.loads(body)
            except ValueError:
                data = None
            if not isinstance(data, dict):
                raise ApiError(400, "Bad Request: can't parse JSON object")
            params.update(data)
    elif content_type == "application/x-www-form-urlencoded":
        form = await request.post()
        params.update((k, v) for k, v in form.items() if isinstance(v, str))
    elif content_type == "multipart/form-data":
        files: dict[str, Upload] = {}
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is None:
                params[part.name] = await part.text()
                continue
            files[part.name] = Upload(
                field=part.name,
                filename=part.filename,
                content_type=part.headers.get("Content-Type", "application/octet-stream"),
                data=bytes(await part.read(decode=True)),
            )
        params.update(files)
        # Uploads may also be referenced as "attach://<part name>".
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                params[key] = files.get(value.removeprefix("attach://"), value)
    # Anything else (PTB sends an empty application/octet-stream body) carries no parameters.
    return params


def _update_type(update: Mapping[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


def _describe(raw: Mapping[str, Any]) -> str:
    """One transcript line's worth of a message, as its reader would see it."""
    prefix = "[forwarded] " if "forward_origin" in raw else ""
    if "text" in raw:
        return f"{prefix}{raw['text']}"
    media = next((key for key in _MEDIA_KEYS if key in raw), "message")
    return f"{prefix}[{media}] {raw.get('caption', '')}".rstrip()


# BotCommandScope's types, each with the fields besides "type" it must have (and no others).
_SCOPE_FIELDS: dict[str, frozenset[str]] = {
    "default": frozenset(),
    "all_private_chats": frozenset(),
    "all_group_chats": frozenset(),
    "all_chat_administrators": frozenset(),
    "chat": frozenset({"chat_id"}),
    "chat_administrators": frozenset({"chat_id"}),
    "chat_member": frozenset({"chat_id", "user_id"}),
}


def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
    scope = scope if isinstance(scope, dict) else {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(language_code or "")


def _as_int(value: Any, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except (TypeError, ValueError):
        raise ApiError(400, f"Bad Request: expected an Integer, got {value!r}") from None


def _as_float(value: Any, default: float) -> float:
    if value is None:
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"Bad Request: expected a Float, got {value!r}") from None
