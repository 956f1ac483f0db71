"""What the fake daemon keeps: the people it knows, and what the bot sent each of them."""

from dataclasses import dataclass, field


@dataclass
class SentMessage:
    """One message the bot sent to a person, as that person's phone would now show it."""

    timestamp: int
    text: str
    # (start, length, style), in UTF-16 code units, as signal-cli's textStyle takes them.
    text_styles: list[tuple[int, int, str]] = field(default_factory=list)
    # The quoted message: (its author as the bot named it, its timestamp).
    quote: tuple[str, int] | None = None
    # (content type, filename, data), decoded from the data: URIs.
    attachments: list[tuple[str, str | None, bytes]] = field(default_factory=list)
    # The texts of later edits (`editTimestamp`), oldest first; `text` stays the original.
    edits: list[str] = field(default_factory=list)
    deleted: bool = False
    # The recipient's current reactions to this message (`user_reacts`).
    reactions: list[str] = field(default_factory=list)
    # The disappearing-message timer is not a send parameter; view-once and no-urgent are.
    view_once: bool = False
    # Sent as a voice message (`voiceNote`): the app shows a player, not a file.
    voice_note: bool = False
    no_urgent: bool = False

    @property
    def current_text(self) -> str:
        """The text as last edited."""
        return self.edits[-1] if self.edits else self.text


@dataclass
class User:
    """A Signal account the fake knows: a registered person the bot can reach."""

    aci: str
    number: str | None = None
    username: str | None = None
    name: str | None = None
    registered: bool = True
    untrusted: bool = False
    # Typing state the bot last sent (`sendTyping`): True while "typing".
    bot_typing: bool = False


@dataclass
class Group:
    id: str
    name: str
    members: list[str]  # ACIs
    admins: list[str] = field(default_factory=list)
    description: str = ""
    expiration: int = 0
    transcript: list[SentMessage] = field(default_factory=list)


@dataclass(frozen=True)
class BotReaction:
    """A reaction the bot sent (`sendReaction`) to someone's message."""

    recipient: str  # ACI
    emoji: str
    target_author: str
    target_timestamp: int
    remove: bool
