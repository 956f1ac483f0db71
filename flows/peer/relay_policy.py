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

Of those three, a chat carries what the channels of both its sides can carry
(`ChannelInfo.media`): a channel without media relays text alone, and says so. Between two
channels, where one can't copy from the other, media is re-sent only from a channel that
hands over its bytes (`ChannelInfo.supplies_media`, as Signal does); from any other, such a
chat carries text alone, and the sender is told so.

Words are relayed unless they carry contact details (`contact_details.py`): a phone number,
an @username, an email address, a link to a social profile or messenger. A chat is
anonymous on both sides by design, so such a message stays with its sender too, who is
told why, kindly; the admins are told that it happened (a count per chat), never what it
said. The crisis guard has read the message before this (flows/core/engine.py).
"""

import logging

from flows.core.channels import ChannelInfo
from flows.core.context import Context
from flows.peer.contact_details import EMAIL, HANDLE, INVITATION, LINK, PHONE, contact_details
from flows.peer.contact_details import allowed_numbers as numbers_in
from storage import Account

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
    """The media kinds a peer chat may pass on from someone on `channel`, at most."""
    return RELAYED_MEDIA & channel.media


def carried_between(sender: ChannelInfo, recipient: ChannelInfo) -> frozenset[str]:
    """The media kinds a peer chat passes on from someone on `sender` to someone on
    `recipient`: copied within one channel, re-sent across two only from one that hands
    over the bytes, and only what the recipient's channel can show."""
    kinds = relayed_media(sender)
    if sender.copies and sender.name == recipient.name:
        return kinds
    return kinds & recipient.media if sender.supplies_media else frozenset()


def _carried(kinds: frozenset[str]) -> str:
    """What a chat carries, in words: "text, photos, voice messages and stickers"."""
    return _listed(["text", *(name for kind, name in _NAMED if kind in kinds)])


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def media_note(kinds: frozenset[str]) -> str:
    """For a volunteer taking a chat that carries `kinds` both ways: which media work too
    (or nothing)."""
    names = [name for kind, name in _TOLD if kind in kinds]
    if not names:
        return ""
    listed = _listed(names)
    return f" {listed[0].upper()}{listed[1:]} work{'s' if len(names) == 1 else ''} too."


def refusal_text(kind: str, carried: frozenset[str]) -> str:
    """What the sender of media that is kept back is told, where a chat carries `carried`."""
    why = _WHY.get(kind, "")
    return (
        "I haven't passed that on — to keep you both private, a peer chat carries only "
        f"{_carried(carried)}. {why}".rstrip()
        + "\n\nNothing was sent to the other side. Your words are always welcome. 💛"
    )


def cannot_reach_text(kind: str, carried: frozenset[str]) -> str:
    """What the sender of media the other side's channel can't be sent is told."""
    return (
        "I couldn't pass that on: between your app and theirs, this chat carries only "
        f"{_carried(carried)}.\n\nNothing was sent to the other side. Your words are always "
        "welcome. 💛"
    )


async def refuse_unsafe_media(ctx: Context) -> bool:
    """In an open peer chat, keep back media that is not relayed; True if it was."""
    kind = ctx.input.media
    channel = ctx.engine.channels.of(ctx.account)
    if kind is None or kind in relayed_media(channel) or ctx.member is None:
        return False
    if not await ctx.tx.handoffs.in_active_chat(ctx.member.id):
        return False  # not in a chat: not the relay's to answer (e.g. a calendar file)
    ctx.say(refusal_text(kind, relayed_media(channel)))
    log.info("relay_refused kind=%s member=%s", kind, ctx.member.id)
    return True


def media_reaches(ctx: Context, to: Account) -> bool:
    """Whether the media just received (if any) can be passed on to `to`."""
    kind = ctx.input.media
    if kind is None:
        return True
    channels = ctx.engine.channels
    return kind in carried_between(channels.of(ctx.account), channels.of(to))


def refuse_unreachable_media(ctx: Context, to: list[Account]) -> bool:
    """Media none of `to` can be passed: the sender is told what this chat carries, and
    True. (What never crosses was refused before, by `refuse_unsafe_media`.)"""
    kind = ctx.input.media
    if kind is None or not to or any(media_reaches(ctx, account) for account in to):
        return False
    channels = ctx.engine.channels
    sender = channels.of(ctx.account)
    carried = frozenset().union(*(carried_between(sender, channels.of(a)) for a in to))
    ctx.say(cannot_reach_text(kind, carried))
    log.info("relay_unreachable kind=%s", kind)
    return True


# How the explanation names each kind of contact detail, in this order.
_CONTACT_NAMES = {
    PHONE: "a phone number",
    HANDLE: "a username",
    EMAIL: "an email address",
    LINK: "a link to a profile or a messenger",
    INVITATION: "an invitation to talk somewhere else",
}


def contact_kinds(ctx: Context, text: str) -> tuple[str, ...]:
    """The kinds of contact details in `text`; the deployment's crisis lines don't count
    (volunteers are asked to share them)."""
    crisis = ctx.config.crisis
    lines = (crisis.lines_text(overdose=True), crisis.short_text(), crisis.emergency_number)
    return contact_details(text, allowed_numbers=numbers_in(*lines))


def _named(kinds: tuple[str, ...]) -> str:
    return _listed([_CONTACT_NAMES[kind] for kind in kinds if kind in _CONTACT_NAMES])


def not_kept_text(kinds: tuple[str, ...]) -> str:
    """Why words meant for the peer who accepts a request were not kept for them."""
    return (
        f"I haven't kept that for your peer, as it looks like it has {_named(kinds)} in "
        "it. Peer chats stay anonymous on both sides — that keeps you both safe — so "
        "contact details aren't passed on. Your words are welcome without them."
    )


def held_back_text(kinds: tuple[str, ...], *, to: str, volunteer: bool, edit: bool = False) -> str:
    """What the sender of a message with contact details in it is told; `to` is the other
    side's name, `volunteer` whether the sender is the chat's volunteer."""
    what = "your change to that message" if edit else "that message"
    why = (
        "Peer chats stay anonymous on both sides, so volunteers and members don't swap "
        "contact details — it keeps you both safe, and keeps the support where an admin can "
        "step in if it's ever needed."
        if volunteer
        else "Peer chats stay anonymous on both sides — that keeps you both safe — so "
        "contact details aren't passed on. If you'd like to talk again, /talk brings you "
        "back any time, and you can ask for the same peer."
    )
    sent = (
        f"{to} still sees your message as it was."
        if edit
        else "Nothing was sent. Please write it again without them."
    )
    return (
        f"I haven't passed {what} on to {to}: it looks like it has {_named(kinds)} in "
        f"it. {why}\n\n{sent} (If I got it wrong — a time or a date, say — putting it "
        "slightly differently will go through.)"
    )
