"""What the Telegram channel can do, as the flows ask it (flows/core/channels.py)."""

from flows.core.channels import ChannelInfo, DeepLinks
from flows.core.language import N_

CHANNEL = "telegram"

# The kinds of message python-telegram-bot tells apart, named as `Input.media` names them.
MEDIA_KINDS = (
    "photo", "voice", "sticker", "document", "video", "video_note", "audio", "animation",
    "contact", "location", "venue", "poll", "dice",
)  # fmt: skip

# Said at sign-up, in the reader's language (flows/core/channels.py).
IDENTITY_NOTE = N_("I don't keep your Telegram name, username or phone number.")
ENCRYPTION_NOTE = N_("Telegram chats with bots are not end-to-end encrypted.")


class BotLinks:
    """Deep links to this bot (https://t.me/<username>?start=<payload>), known once the bot
    has told its username at start."""

    def __init__(self) -> None:
        self.username: str | None = None

    def link(self, payload: str) -> str | None:
        if not self.username:
            return None
        return f"https://t.me/{self.username}?start={payload}"


# Telegram asks bots to send bulk messages (to many different chats) at about 30 a second.
BULK_PER_SECOND = 30.0


def telegram_info(
    links: DeepLinks | None = None, *, bulk_per_second: float = BULK_PER_SECOND
) -> ChannelInfo:
    """Telegram's capabilities; `links` makes its deep links (None: not running here), and
    `bulk_per_second` is TELEGRAM_BULK_PER_SECOND."""
    return ChannelInfo(
        name=CHANNEL,
        buttons=True,
        numbered_commands=False,
        copies=True,  # copyMessage: no name, username or "forwarded from" crosses
        edits=True,
        deletes=True,  # for 48 hours after sending
        protects_content=True,
        end_to_end_encrypted=False,
        media=frozenset(MEDIA_KINDS),
        # A peer chat's photo, voice message or sticker is fetched when it goes to another
        # channel (handlers/telegram/routing.py).
        supplies_media=True,
        identity=IDENTITY_NOTE,
        encryption=ENCRYPTION_NOTE,
        deep_links=links,
        bulk_per_second=bulk_per_second,
        menus=True,  # setMyCommands for one chat (BotCommandScopeChat)
    )
