"""What the fake records for tests to inspect: calls, the bot's messages, uploads."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Json = dict[str, Any]

MessageKind = Literal["text", "photo", "document", "copy", "forward"]
FaultKind = Literal["429", "500", "403", "timeout", "lost_response"]


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded in a multipart request."""

    field: str
    filename: str | None
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(eq=False)
class Call:
    """One Bot API request: recorded on arrival, completed when answered.

    `params` holds decoded values (chat_id=42, reply_markup as a dict, an Upload for a
    file part). `status` is 0 while the request is in flight.
    """

    method: str
    params: Json
    at: float  # time.monotonic() on arrival
    status: int = 0
    result: Any = None
    description: str | None = None
    answered_at: float | None = None
    # The message this call created (sendMessage, sendPhoto, copyMessage...), as created.
    message: "BotMessage | None" = None
    # Taken by next_call or wait_for_message, which each hand out a call only once.
    consumed: bool = field(default=False, repr=False)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def matches(self, method: str, match: Mapping[str, Any]) -> bool:
        return self.method == method and all(self.params.get(k) == v for k, v in match.items())


@dataclass(frozen=True)
class MenuCall:
    """One setMyCommands or deleteMyCommands the fake accepted: its scope as Telegram reads
    it (the default scope when none was sent), language and, for a set, the commands."""

    method: Literal["setMyCommands", "deleteMyCommands"]
    scope: Json
    language_code: str
    commands: tuple[str, ...] | None  # None for deleteMyCommands

    @property
    def chat_id(self) -> int | None:
        """The chat of a per-chat scope (BotCommandScopeChat), else None."""
        chat_id = self.scope.get("chat_id") if self.scope.get("type") == "chat" else None
        return chat_id if isinstance(chat_id, int) else None


@dataclass(frozen=True)
class BotMessage:
    """A message the bot sent, as a snapshot; `raw` is the Message object Telegram returns.

    `reply_markup` is the markup as sent, including reply keyboards, which Telegram never
    echoes in `raw`.
    """

    chat_id: int
    message_id: int
    kind: MessageKind
    text: str | None
    caption: str | None
    reply_markup: Json | None
    protect_content: bool
    date: int
    edited: bool
    file: Upload | None
    source: tuple[int, int] | None  # (from_chat_id, message_id) of a copy or forward
    raw: Json

    @property
    def body(self) -> str:
        """The text, or the caption of a media message."""
        return self.text or self.caption or ""

    @property
    def buttons(self) -> list[tuple[str, str]]:
        return inline_buttons(self.reply_markup)


@dataclass(frozen=True)
class CallbackAnswer:
    """How the bot answered a button tap (answerCallbackQuery)."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None


def inline_buttons(markup: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(text, callback_data) of each inline button, row by row; "" for non-callback buttons."""
    if not markup:
        return []
    return [
        (str(button.get("text", "")), str(button.get("callback_data", "")))
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]
