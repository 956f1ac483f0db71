"""The plain values exchanged between channel adapters and the flow engine."""

import base64
import json
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from flows.core.language import SOURCE_LANGUAGE, current_language
from storage import Account


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer a question offers: a button on Telegram, a numbered line elsewhere."""

    value: str
    label: str
    emoji: str = ""

    @property
    def caption(self) -> str:
        return f"{self.emoji} {self.label}" if self.emoji else self.label


# Choices under this token are commands, not answers to a question: a tap on
# one runs `/<value>` (e.g. "accept 12"), so it works in any state and any
# channel, and can equally be typed.
COMMAND_TOKEN = 0


def command_choice(command: str, label: str, emoji: str = "") -> Choice:
    """A button that runs `/command` (e.g. "accept 12") when tapped."""
    return Choice(command, label, emoji)


def _b64(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode("ascii") if data is not None else None


@dataclass(frozen=True, slots=True)
class Document:
    """A small file, with its bytes, sent to someone (their /export)."""

    file_name: str
    mime_type: str
    data: bytes


class MenuRole(StrEnum):
    """Whose command menu an account is shown (flows/core/menus.py)."""

    MEMBER = "member"
    VOLUNTEER = "volunteer"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Menu:
    """An account's command menu is now `role`'s, written in `language_code` ("": a
    member's is the channel's default menu, in the app's language; anyone else's is in
    the deployment's default language)."""

    role: MenuRole
    language_code: str = ""


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A picture, voice message or sticker, with its bytes: what a channel read of one sent
    to it (`Input.media_file`), re-sent in a peer chat where the recipient's channel can't
    copy it from the sender's (`Reply.relayed_media`). Held in memory only, never stored."""

    kind: str  # as `Input.media` names it: 'photo', 'voice', 'sticker'
    mime_type: str
    data: bytes
    file_name: str | None = None


@dataclass(frozen=True, slots=True)
class RelayedFrom:
    """Who sent what a relayed reply passes on, and the name they know its recipient by:
    if it can't be delivered (its words gone with a restart, or given up on), they are told
    so, without the words, and asked to send it again."""

    sender: Account
    recipient_name: str


@dataclass(frozen=True, slots=True)
class CopyOf:
    """A message to copy: the account that sent it (its channel and id there) and the
    channel's id for the message. Only that same channel can copy it."""

    source: Account
    message_ref: str


@dataclass(frozen=True, slots=True)
class Reply:
    """Something to show one person."""

    text: str
    choices: tuple[Choice, ...] = ()
    # The question number the choices belong to; a tap carrying an older one has
    # passed. COMMAND_TOKEN: the choices are commands.
    token: int | None = None
    columns: int = 1
    # The choices may be shown numbered (and a typed number picks one). Not where the
    # answer is itself a number or a time ("how many people?"), so "1" means one.
    numbered: bool = True
    # Attachments: a picture (PNG bytes; the text is its caption) or a file. Both ride in
    # the outbox row (base64), so a reply committed before a crash is sent whole after it.
    image_png: bytes | None = None
    document: Document | None = None
    # Remember the sent message under this key (to edit it, or map replies to it).
    notice: str | None = None
    # Instead of sending, edit the messages sent to this person under this key.
    replaces_notice: str | None = None
    # Copy a message the sender's channel holds (a flow asks for this only where the
    # recipient's channel can copy from the sender's: flows/core/channels.py). Nothing of
    # its content passes through storage, and nothing of its sender.
    copy_of: CopyOf | None = None
    # A crisis reply: sent first, never paced, never dropped.
    urgent: bool = False
    # The text (and `relayed_media`) is someone's words passed on in a peer chat, or a
    # secret (an invite code): never written to storage. The outbox row keeps everything
    # else; the words stay in memory (`HeldWords`, flows/core/outgoing.py) while the
    # postman tries to send them, for a bounded time, and a row whose words are gone is
    # never sent without them (its sender, `relayed_from`, is told instead).
    transient_text: bool = False
    # A re-sent picture, voice message or sticker (with `transient_text`): never serialised.
    relayed_media: MediaFile | None = None
    # A relayed message's sender, told if it can't be delivered (flows/core/delivery.py).
    relayed_from: RelayedFrom | None = None
    # The key `HeldWords` keeps a transient reply's words under while it waits in the
    # outbox (random, so a reused outbox row id never finds another message's words).
    held_as: str | None = None
    # Not to be forwarded or saved onwards (Telegram's protect_content): what names a
    # member or a report. Notices (handoff requests) and attachments always are.
    protect_content: bool = False
    # With `replaces_notice`: the messages carry the words of someone who has since deleted
    # their data (relayed copies). Delete them where the channel can, show `text` in place
    # of any it can't, and forget them.
    withdraw: bool = False
    # The person deleted their data (this is the last message to them): the channel also
    # forgets what it keeps of this chat itself (the console's saved exports and charts).
    forget_chat: bool = False
    # Not a message: the recipient's command menu becomes this role's, on a channel that
    # has menus (`ChannelInfo.menus`); committed with the role change, like any reply.
    menu: Menu | None = None
    # The language its text is in (the one being spoken when it was made): the words a
    # channel adds as it sends it (Signal's and the console's hints for choices) are too.
    language: str = field(default_factory=current_language)

    @property
    def has_commands(self) -> bool:
        return bool(self.choices) and self.token == COMMAND_TOKEN

    @property
    def asks(self) -> bool:
        """It asks an open question (its choices answer it, not run commands)."""
        return bool(self.choices) and self.token is not None and self.token != COMMAND_TOKEN

    def to_json(self) -> str:
        return json.dumps(
            {
                "text": "" if self.transient_text else self.text,
                "choices": [[c.value, c.label, c.emoji] for c in self.choices],
                "token": self.token,
                "columns": self.columns,
                "numbered": self.numbered,
                "image": _b64(self.image_png),
                "document": (
                    {
                        "name": self.document.file_name,
                        "mime": self.document.mime_type,
                        "data": _b64(self.document.data),
                    }
                    if self.document is not None
                    else None
                ),
                "notice": self.notice,
                "replaces": self.replaces_notice,
                "copy_of": (
                    [
                        self.copy_of.source.channel,
                        self.copy_of.source.external_id,
                        self.copy_of.message_ref,
                    ]
                    if self.copy_of
                    else None
                ),
                "urgent": self.urgent,
                "transient": self.transient_text,
                "held_as": self.held_as,
                "relayed_from": (
                    [
                        self.relayed_from.sender.channel,
                        self.relayed_from.sender.external_id,
                        self.relayed_from.recipient_name,
                    ]
                    if self.relayed_from is not None
                    else None
                ),
                "protect": self.protect_content,
                "withdraw": self.withdraw,
                "forget": self.forget_chat,
                "menu": (
                    [self.menu.role, self.menu.language_code] if self.menu is not None else None
                ),
                "language": self.language,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str, *, channel: str | None = None) -> "Reply":
        """The reply an outbox row holds; `channel` is its recipient's, which a copy
        written before copies named their source's channel was copied within."""
        data: dict[str, Any] = json.loads(raw)
        copy_of = _copy_of(data.get("copy_of"), channel)
        document = data.get("document")
        menu = data.get("menu")
        return cls(
            text=data["text"],
            choices=tuple(Choice(*c) for c in data["choices"]),
            token=data["token"],
            columns=data["columns"],
            numbered=bool(data.get("numbered", True)),
            image_png=base64.b64decode(data["image"]) if data["image"] else None,
            document=(
                Document(document["name"], document["mime"], base64.b64decode(document["data"]))
                if document
                else None
            ),
            notice=data.get("notice"),
            replaces_notice=data.get("replaces"),
            copy_of=copy_of,
            urgent=bool(data.get("urgent")),
            transient_text=bool(data.get("transient")),
            held_as=data.get("held_as"),
            relayed_from=_relayed_from(data.get("relayed_from")),
            protect_content=bool(data.get("protect")),
            withdraw=bool(data.get("withdraw")),
            forget_chat=bool(data.get("forget")),
            menu=Menu(MenuRole(menu[0]), menu[1]) if menu else None,
            language=data.get("language") or SOURCE_LANGUAGE,
        )

    @property
    def lost_text(self) -> bool:
        """Its transient words were left out of storage, so it can no longer be sent."""
        return self.transient_text and not self.text and self.relayed_media is None


def _relayed_from(stored: list[str] | None) -> RelayedFrom | None:
    if not stored:
        return None
    channel, external_id, name = stored
    return RelayedFrom(Account(channel, external_id), name)


def _copy_of(stored: list[str] | None, channel: str | None) -> CopyOf | None:
    if not stored:
        return None
    if len(stored) == 2:  # [external id, message ref]: from the recipient's own channel
        external_id, message_ref = stored
        return CopyOf(Account(channel or "", external_id), message_ref)
    source_channel, external_id, message_ref = stored
    return CopyOf(Account(source_channel, external_id), message_ref)


# Control characters other than tab and newline (NUL among them): never meant as
# text, and stored as typed they would end up in notes, names and exports.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(raw: str) -> str:
    """Text as a person meant it: line breaks as newlines, other control characters gone."""
    return _CONTROL.sub("", raw.replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True, slots=True)
class Input:
    """What a person did: typed text, a command, or a tap on a choice.

    Its text is cleaned of control characters however it was made, so nothing a
    flow stores (notes, feedback, names, topics) can hold them.
    """

    text: str = ""
    command: str | None = None  # lower-case, without the slash
    choice: str | None = None  # the tapped choice's value
    token: int | None = None  # the question number the tapped button carried
    # The channel's id for the incoming message, so it can be copied (relayed).
    message_ref: str | None = None
    # The message this one replies to (a volunteer picking which chat to answer).
    reply_to_ref: str | None = None
    # Not text: 'photo', 'voice', 'sticker', 'document', 'video', 'audio', ...
    media: str | None = None
    # That media's bytes, where the channel has them (Signal receives attachments whole):
    # a peer chat re-sends them to a channel that can't copy from this one. Memory only.
    media_file: MediaFile | None = None
    # An admin's iCalendar file, already read by the channel outside any transaction
    # (flows/community/calendar_import.py): its events, or why it can't be read (a str).
    # Typed loosely so the engine knows nothing of the feature that reads it.
    calendar: object = None
    # An edit of the earlier message `message_ref`, now reading `text`: the crisis guard
    # reads it and an open peer chat passes it on, but it never answers a question or
    # runs a command.
    edited: bool = False
    # The person deleted their earlier message `message_ref` for everyone (Signal's "delete
    # for everyone"): an open peer chat withdraws its copies; nothing else reads it.
    deleted: bool = False
    # A reaction (this emoji) to the message `reply_to_ref`: it answers the question that
    # message asks, if that question is still open, and means nothing otherwise.
    reaction: str | None = None
    # The language the person's app is set to (Telegram's `language_code`, e.g. "es-MX"),
    # where the channel says: the language sign-up starts in.
    language_code: str | None = None

    def __post_init__(self) -> None:
        cleaned = clean_text(self.text)
        if cleaned != self.text:
            # Without the control characters, spaces may be left at an end.
            object.__setattr__(self, "text", cleaned.strip())

    @classmethod
    def typed(
        cls, raw: str, *, message_ref: str | None = None, reply_to_ref: str | None = None
    ) -> "Input":
        """Parse typed text; `/cmd@botname args` becomes command `cmd` with text `args`."""
        stripped = clean_text(raw).strip()
        if stripped.startswith("/") and len(stripped) > 1:
            head, _, rest = stripped[1:].partition(" ")
            name = head.split("@", 1)[0].lower()
            if name.replace("_", "").isalnum():
                return cls(
                    text=rest.strip(),
                    command=name,
                    message_ref=message_ref,
                    reply_to_ref=reply_to_ref,
                )
        return cls(text=stripped, message_ref=message_ref, reply_to_ref=reply_to_ref)

    @classmethod
    def edit(
        cls,
        raw: str,
        *,
        message_ref: str,
        reply_to_ref: str | None = None,
        media: str | None = None,
    ) -> "Input":
        """A person edited their message `message_ref` (its caption, for `media`)."""
        return cls(
            text=raw.strip(),
            message_ref=message_ref,
            reply_to_ref=reply_to_ref,
            media=media,
            edited=True,
        )

    @classmethod
    def deletion(cls, *, message_ref: str) -> "Input":
        """A person deleted their message `message_ref` for everyone (Signal)."""
        return cls(message_ref=message_ref, deleted=True)

    @classmethod
    def reacted(cls, emoji: str, *, target_ref: str) -> "Input":
        """A person reacted with `emoji` to the message `target_ref` (Signal)."""
        return cls(reaction=emoji, reply_to_ref=target_ref)

    @classmethod
    def tapped(cls, value: str, token: int | None) -> "Input":
        if token == COMMAND_TOKEN and value:
            # A command button: run it as if typed, but remember it was a tap.
            typed = cls.typed("/" + value)
            return cls(text=typed.text, command=typed.command, choice=value, token=token)
        return cls(choice=value, token=token)

    @property
    def is_command_tap(self) -> bool:
        return self.choice is not None and self.token == COMMAND_TOKEN

    @property
    def is_tap(self) -> bool:
        return self.choice is not None


@dataclass(frozen=True, slots=True)
class Delivery:
    """A reply committed to the outbox, waiting to be sent."""

    outbox_id: int
    account: Account
    reply: Reply


@dataclass(slots=True)
class Outcome:
    """What handling one input produced."""

    deliveries: list[Delivery] = field(default_factory=list)
    # Label of the accepted tapped choice: the adapter marks the question answered.
    answered: str | None = None
    # The tapped question had passed; nothing changed.
    stale: bool = False
    # A new version of the tapped question, to replace it in place (multi-select).
    edit: Reply | None = None
    # The update was applied before; nothing was done.
    duplicate: bool = False

    def then(self, later: "Outcome") -> "Outcome":
        """This outcome followed by a later one for the same input (the guard's, then the
        rest): deliveries in order, the later one's answer to the tap."""
        return replace(later, deliveries=[*self.deliveries, *later.deliveries])
