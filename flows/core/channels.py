"""What each channel can do, and what it says about itself, as the flows ask it.

A flow never assumes Telegram: it asks the channel of the account it is talking to
(`engine.channels.of(account)`) whether it shows buttons, can copy a message from one of
its own chats, edit or delete what it sent, protect a message from forwarding, make a
deep link, and which kinds of media it can carry; and the sentences that are only true of
one channel (who the channel lets Hearthside see, whether its chats are end-to-end
encrypted) come from it too. Each adapter declares its `ChannelInfo`; the composition root
puts them in the `Channels` registry the engine is built with.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from flows.core.language import N_, _
from storage import Account

# How a person answers a question's options, or uses a message's command buttons, on a
# channel with buttons or without: a hint's words (`ChannelInfo.how_to_choose`, `how_to_press`).
TAP_OR_TYPE_NUMBER = N_("tap a button or type its number")
TYPE_NUMBER_OR_WORDS = N_("type its number or its words")
TAP_A_BUTTON = N_("tap a button")
SEND_A_COMMAND = N_("send one of the commands listed")


class DeepLinks(Protocol):
    """Makes links that open a chat with this deployment and start it with a payload."""

    def link(self, payload: str) -> str | None:
        """The link for `payload` (an invite code), or None while it can't be made."""
        ...


class CaptchaChallenge(Protocol):
    """A channel whose server can pause its sending until a person solves a captcha
    (Signal's rate limit): an admin's solved captcha is handed over through this."""

    def submit(self, captcha: str, admin: Account) -> str:
        """Hand a solved captcha over. The channel's server is asked afterwards, outside any
        transaction, and `admin` is told how it went; returns what to tell them now."""
        ...


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """A channel's capabilities and its own wording; the defaults assume nothing."""

    name: str
    # Choices are shown as buttons to tap (otherwise as lines to type from).
    buttons: bool = False
    # Command buttons (an invitation's I'll go, an Accept) are shown as numbered lines, so
    # a bare number typed outside a question can mean one. Question choices are answerable
    # by number, except where the answer is itself a number (`Reply.numbered`).
    numbered_commands: bool = False
    # A reaction to a question picks the option with that emoji (or keycap): the messages
    # that ask are remembered under `notice_keys.question`, so a reaction names its question.
    reactions: bool = False
    # Copies a message from one of its own chats to another without the words passing
    # through Hearthside (a peer chat's relay).
    copies: bool = False
    # Changes and deletes messages it sent (a notice that was taken, a withdrawn copy).
    edits: bool = False
    deletes: bool = False
    # Marks a message not to be forwarded or saved onwards.
    protects_content: bool = False
    # Its chats with Hearthside are end-to-end encrypted.
    end_to_end_encrypted: bool = False
    # Media kinds (`Input.media`) it can carry across in a copy, or show when re-sent.
    media: frozenset[str] = frozenset()
    # It hands over the bytes of media people send it (`Input.media_file`), so a peer chat
    # can re-send them to a channel that can't copy from this one.
    supplies_media: bool = False
    # Said at sign-up: what of the person's account the channel shows Hearthside, and how
    # private the channel's chats are. Each is a sentence marked with `N_` (or empty), read
    # in the reader's language through `identity_note` and `encryption_note`.
    identity: str = ""
    encryption: str = ""
    deep_links: DeepLinks | None = None
    # Shows each account a command menu of its role's commands (Telegram's per-chat
    # setMyCommands): a role change is told to it as a `Reply.menu`.
    menus: bool = False
    # Lifts a pause its server put on sending (None: it has no such thing, or isn't running).
    captcha: CaptchaChallenge | None = None
    # Messages a second it may send to many different people (an admin's broadcast);
    # None: no limit (the console).
    bulk_per_second: float | None = None

    @property
    def identity_note(self) -> str:
        """What of the person's account the channel shows Hearthside, in the language being
        spoken (a sentence, or empty)."""
        return _(self.identity) if self.identity else ""

    @property
    def encryption_note(self) -> str:
        """How private the channel's chats are, in the language being spoken (a sentence,
        or empty)."""
        return _(self.encryption) if self.encryption else ""

    @property
    def how_to_choose(self) -> str:
        """How a person answers a question's options here, for a hint: buttons to tap, or
        numbered lines to type from (in the language being spoken)."""
        return _(TAP_OR_TYPE_NUMBER if self.buttons else TYPE_NUMBER_OR_WORDS)

    @property
    def how_to_press(self) -> str:
        """How a person uses a message's command buttons here ("… under it"), in the
        language being spoken."""
        return _(TAP_A_BUTTON if self.buttons else SEND_A_COMMAND)

    def can_copy_from(self, source: Account) -> bool:
        """Whether a message `source` sent can be copied into a chat on this channel."""
        return self.copies and source.channel == self.name

    def deep_link(self, payload: str) -> str | None:
        """A link that starts a chat with `payload`, if this channel makes them."""
        return self.deep_links.link(payload) if self.deep_links is not None else None


class Channels:
    """The registry of channels the engine serves, by name.

    A channel nobody declared (an account left from a channel no longer wired) is taken
    to be able to do nothing beyond plain text.
    """

    def __init__(self, infos: Iterable[ChannelInfo] = ()) -> None:
        self._infos: dict[str, ChannelInfo] = {}
        for info in infos:
            self.declare(info)

    def declare(self, info: ChannelInfo) -> None:
        """Add a channel, or replace what was declared for it."""
        self._infos[info.name] = info

    def of(self, where: Account | str) -> ChannelInfo:
        """The channel of an account (or a channel's name)."""
        name = where.channel if isinstance(where, Account) else where
        return self._infos.get(name) or ChannelInfo(name)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._infos)
