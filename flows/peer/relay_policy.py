"""What a peer chat carries across, and the kind word for what it keeps back.

Only text and three kinds of media are relayed. A photo sent as a photo and a voice
message are made by the channel itself (re-compressed, recorded in the app) and carry no
hidden details; a sticker is a picture from a shared set. Everything else could say who or
where someone is, or is not needed to talk: a contact card (phone number, names, account
id), a location or venue, a file (the same file crosses, so a picture sent as a file keeps
its camera data, GPS position included), a video, round video, GIF or audio file (their
containers can hold the place and device they were recorded with), a poll (votes can name
who voted), a dice throw, and any kind a channel adds later. Those stay with their sender,
who is told why; the other side gets nothing at all.

Of those three, a chat carries what the sender's channel can carry (`ChannelInfo.media`):
a channel without media relays text alone, and says so.
"""

import logging

from flows.core.channels import ChannelInfo
from flows.core.context import Context

log = logging.getLogger(__name__)

# Channel-agnostic media kinds (`Input.media`) a peer chat may pass on; text always goes.
RELAYED_MEDIA = frozenset({"photo", "voice", "sticker"})
# How the refusal names each of them, in this order, and how a volunteer is told of them.
_NAMED = (("photo", "photos"), ("voice", "voice messages"), ("sticker", "stickers"))
_TOLD = (("photo", "photos"), ("voice", "voice notes"), ("sticker", "stickers"))

_WHY = {
    "contact": "A contact card carries a phone number and names.",
    "location": "A location shows where someone is.",
    "venue": "A place shows where someone is.",
    "document": (
        "A file can hold hidden details, such as where a picture was taken "
        "— a picture sent as a photo instead goes through without them."
    ),
    "video": "A video can hold hidden details, such as where it was recorded.",
    "video_note": "A video can hold hidden details, such as where it was recorded.",
    "animation": "A video can hold hidden details, such as where it was recorded.",
    "audio": "An audio file can hold hidden details about who made it and where.",
}


def relayed_media(channel: ChannelInfo) -> frozenset[str]:
    """The media kinds a peer chat passes on from someone on `channel`."""
    return RELAYED_MEDIA & channel.media


def _carried(channel: ChannelInfo) -> str:
    """What a chat carries, in words: "text, photos, voice messages and stickers"."""
    kinds = relayed_media(channel)
    return _listed(["text", *(name for kind, name in _NAMED if kind in kinds)])


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def media_note(channel: ChannelInfo) -> str:
    """For a volunteer on `channel` taking a chat: which media work too (or nothing)."""
    kinds = relayed_media(channel)
    names = [name for kind, name in _TOLD if kind in kinds]
    if not names:
        return ""
    listed = _listed(names)
    return f" {listed[0].upper()}{listed[1:]} work{'s' if len(names) == 1 else ''} too."


def refusal_text(kind: str, channel: ChannelInfo) -> str:
    """What the sender of media that is kept back is told."""
    why = _WHY.get(kind, "")
    return (
        "I haven't passed that on — to keep you both private, a peer chat carries only "
        f"{_carried(channel)}. {why}".rstrip()
        + "\n\nNothing was sent to the other side. Your words are always welcome. 💛"
    )


async def refuse_unsafe_media(ctx: Context) -> bool:
    """In an open peer chat, keep back media that is not relayed; True if it was."""
    kind = ctx.input.media
    channel = ctx.engine.channels.of(ctx.account)
    if kind is None or kind in relayed_media(channel) or ctx.member is None:
        return False
    if not await ctx.tx.handoffs.in_active_chat(ctx.member.id):
        return False  # not in a chat: not the relay's to answer (e.g. a calendar file)
    ctx.say(refusal_text(kind, channel))
    log.info("relay_refused kind=%s member=%s", kind, ctx.member.id)
    return True
