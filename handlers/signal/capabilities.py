"""What the Signal channel can do, as the flows ask it (flows/core/channels.py).

Signal has no buttons: choices are numbered lines, and a reaction to a question picks
the option with that emoji. Nothing can be copied server-side, so a peer chat re-sends
the words (and the media it allows). Hearthside's own messages can be edited
(`editTimestamp`) and deleted for everyone (`remoteDelete`), which Signal's apps honour
for a day after sending.
"""

from flows.core.channels import ChannelInfo
from flows.core.language import N_

CHANNEL = "signal"

# The kinds of message the intake tells apart (intake.py), named as `Input.media` names them.
MEDIA_KINDS = (
    "photo", "voice", "sticker", "document", "video", "audio", "animation", "contact", "poll",
)  # fmt: skip
# What a peer chat can re-send to someone on Signal, as a file attachment: a photo and a
# voice message (a sticker is a pack reference signal-cli can only send from packs it holds).
CARRIED_MEDIA = frozenset({"photo", "voice"})

# Said at sign-up, in the reader's language (flows/core/channels.py).
IDENTITY_NOTE = N_(
    "On Signal I know you only by your account's random id: I don't keep your phone number, "
    "username or profile name."
)
ENCRYPTION_NOTE = N_(
    "Signal chats are end-to-end encrypted to Hearthside's own server, where they are read "
    "to answer you."
)


# SIGNAL_SEND_INTERVAL_SECONDS when nothing says otherwise (bot/settings.py).
DEFAULT_SEND_INTERVAL = 3.0


def signal_info(send_interval: float = DEFAULT_SEND_INTERVAL) -> ChannelInfo:
    """Signal's capabilities; `send_interval` (SIGNAL_SEND_INTERVAL_SECONDS) spaces the
    sends nobody asked for, broadcasts among them."""
    return ChannelInfo(
        name=CHANNEL,
        buttons=False,
        numbered_commands=False,  # command buttons read "• ✅ I'll go: /rsvp 3 going"
        reactions=True,  # a reaction to a question picks the option with that emoji
        copies=False,  # no server-side copy: the relay re-sends
        edits=True,
        deletes=True,
        protects_content=False,
        end_to_end_encrypted=True,
        media=CARRIED_MEDIA,
        supplies_media=True,  # attachments come whole from signal-cli (getAttachment)
        identity=IDENTITY_NOTE,
        encryption=ENCRYPTION_NOTE,
        bulk_per_second=1 / send_interval if send_interval > 0 else None,  # 0: unpaced
    )
