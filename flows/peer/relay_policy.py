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
from flows.core.engine import Engine
from flows.core.language import N_, _
from flows.peer.contact_details import EMAIL, HANDLE, INVITATION, LINK, PHONE, contact_details
from flows.peer.contact_details import allowed_numbers as numbers_in
from storage import Account, HandoffStatus

log = logging.getLogger(__name__)

# Channel-agnostic media kinds (`Input.media`) a peer chat may pass on; text always goes.
RELAYED_MEDIA = frozenset({"photo", "voice", "sticker"})
# What a chat carries, in words, for each set of those it carries (a whole phrase each,
# so a language can join its list its own way): said to the sender of what is kept back.
_CARRIED = {
    frozenset(): N_("text"),
    frozenset({"photo"}): N_("text and photos"),
    frozenset({"voice"}): N_("text and voice messages"),
    frozenset({"sticker"}): N_("text and stickers"),
    frozenset({"photo", "voice"}): N_("text, photos and voice messages"),
    frozenset({"photo", "sticker"}): N_("text, photos and stickers"),
    frozenset({"voice", "sticker"}): N_("text, voice messages and stickers"),
    RELAYED_MEDIA: N_("text, photos, voice messages and stickers"),
}
# And how a volunteer taking a chat is told which media work too.
_TOLD = {
    frozenset({"photo"}): N_("Photos work too."),
    frozenset({"voice"}): N_("Voice notes work too."),
    frozenset({"sticker"}): N_("Stickers work too."),
    frozenset({"photo", "voice"}): N_("Photos and voice notes work too."),
    frozenset({"photo", "sticker"}): N_("Photos and stickers work too."),
    frozenset({"voice", "sticker"}): N_("Voice notes and stickers work too."),
    RELAYED_MEDIA: N_("Photos, voice notes and stickers work too."),
}

_VIDEO = N_("A video can hold hidden details, such as where it was recorded.")
_WHY = {
    "contact": N_("A contact card carries a phone number and names."),
    "location": N_("A location shows where someone is."),
    "venue": N_("A place shows where someone is."),
    "document": N_(
        "A file can hold hidden details, such as where a picture was taken "
        "— a picture sent as a photo instead goes through without them."
    ),
    "video": _VIDEO,
    "video_note": _VIDEO,
    "animation": _VIDEO,
    "audio": N_("An audio file can hold hidden details about who made it and where."),
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
    return _(_CARRIED[kinds & RELAYED_MEDIA])


def media_note(kinds: frozenset[str]) -> str:
    """For a volunteer taking a chat that carries `kinds` both ways: which media work too
    (or nothing), as a sentence following another."""
    told = _TOLD.get(kinds & RELAYED_MEDIA)
    return f" {_(told)}" if told else ""


NOTHING_SENT = N_("Nothing was sent to the other side. Your words are always welcome. 💛")


def refusal_text(kind: str, carried: frozenset[str]) -> str:
    """What the sender of media that is kept back is told, where a chat carries `carried`."""
    why = _WHY.get(kind)
    head = _(
        "I haven't passed that on — to keep you both private, a peer chat carries only {carried}."
    ).format(carried=_carried(carried))
    return (f"{head} {_(why)}" if why else head) + f"\n\n{_(NOTHING_SENT)}"


def cannot_reach_text(kind: str, carried: frozenset[str]) -> str:
    """What the sender of media the other side's channel can't be sent is told."""
    head = _(
        "I couldn't pass that on: between your app and theirs, this chat carries only {carried}."
    ).format(carried=_carried(carried))
    return f"{head}\n\n{_(NOTHING_SENT)}"


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
    """Whether the media just received (if any) can be passed on to `to`: copied, or
    re-sent from the bytes its channel handed over."""
    kind = ctx.input.media
    if kind is None:
        return True
    channels = ctx.engine.channels
    recipient = channels.of(to)
    if kind not in carried_between(channels.of(ctx.account), recipient):
        return False
    return recipient.can_copy_from(ctx.account) or ctx.input.media_file is not None


def refuse_unreachable_media(ctx: Context, to: list[Account]) -> bool:
    """Media none of `to` can be passed: the sender is told what this chat carries (or,
    if it could have gone but its bytes didn't come, to send it again), and True. What
    never crosses was refused before, by `refuse_unsafe_media`."""
    kind = ctx.input.media
    if kind is None or not to or any(media_reaches(ctx, account) for account in to):
        return False
    channels = ctx.engine.channels
    sender = channels.of(ctx.account)
    carried = frozenset().union(*(carried_between(sender, channels.of(a)) for a in to))
    if kind in carried:
        ctx.say(_(NOT_FETCHED))
    else:
        ctx.say(cannot_reach_text(kind, carried))
    log.info("relay_unreachable kind=%s fetched=%s", kind, ctx.input.media_file is not None)
    return True


NOT_FETCHED = N_(
    "I couldn't pass that on just now: it didn't reach me whole. Please send it again in a "
    "moment. Nothing was sent to the other side."
)


async def wants_media_file(engine: Engine, account: Account, kind: str) -> bool:
    """Whether a peer chat would re-send the bytes of media of `kind` from `account` to
    someone on another channel, so its own channel should fetch them before the engine
    runs (one read, no transaction; nobody else's media is fetched)."""
    if kind not in relayed_media(engine.channels.of(account)):
        return False
    async with engine.db.transaction() as tx:
        member = await tx.members.find_by_account(account)
        if member is None:
            return False
        others: list[int] = []
        handoff = await tx.handoffs.open_for_member(member.id)
        if handoff is not None and handoff.status is HandoffStatus.ACTIVE:
            others += [handoff.volunteer_id] if handoff.volunteer_id is not None else []
        for chat in await tx.handoffs.active_for_volunteer(member.id):
            others += [chat.member_id] if chat.member_id is not None else []
        accounts = [a for other in others for a in await tx.members.accounts_of(other)]
    channels = engine.channels
    return any(
        not channels.of(to).can_copy_from(account) and kind in channels.of(to).media
        for to in accounts
    )


# How the explanation names each kind of contact detail, in this order.
_CONTACT_NAMES = {
    PHONE: N_("a phone number"),
    HANDLE: N_("a username"),
    EMAIL: N_("an email address"),
    LINK: N_("a link to a profile or a messenger"),
    INVITATION: N_("an invitation to talk somewhere else"),
}


def contact_kinds(ctx: Context, text: str) -> tuple[str, ...]:
    """The kinds of contact details in `text`; the deployment's crisis lines don't count
    (volunteers are asked to share them)."""
    crisis = ctx.config.crisis
    lines = (crisis.lines_text(overdose=True), crisis.short_text(), crisis.emergency_number)
    return contact_details(text, allowed_numbers=numbers_in(*lines))


def _named(kinds: tuple[str, ...]) -> str:
    """The kinds found, in words, as a list: "a phone number and a username"."""
    names = [_(_CONTACT_NAMES[kind]) for kind in kinds if kind in _CONTACT_NAMES]
    if len(names) == 1:
        return names[0]
    return _("{items} and {last}").format(items=", ".join(names[:-1]), last=names[-1])


def not_kept_text(kinds: tuple[str, ...]) -> str:
    """Why words meant for the peer who accepts a request were not kept for them."""
    return _(
        "I haven't kept that for your peer, as it looks like it has {kinds} in it. Peer "
        "chats stay anonymous on both sides — that keeps you both safe — so contact details "
        "aren't passed on. Your words are welcome without them."
    ).format(kinds=_named(kinds))


def held_back_text(kinds: tuple[str, ...], *, to: str, volunteer: bool, edit: bool = False) -> str:
    """What the sender of a message with contact details in it is told; `to` is the other
    side's name, `volunteer` whether the sender is the chat's volunteer."""
    if edit:
        head = _(
            "I haven't passed your change to that message on to {to}: it looks like it has "
            "{kinds} in it."
        )
    else:
        head = _("I haven't passed that message on to {to}: it looks like it has {kinds} in it.")
    why = (
        _(
            "Peer chats stay anonymous on both sides, so volunteers and members don't swap "
            "contact details — it keeps you both safe, and keeps the support where an admin "
            "can step in if it's ever needed."
        )
        if volunteer
        else _(
            "Peer chats stay anonymous on both sides — that keeps you both safe — so contact "
            "details aren't passed on. If you'd like to talk again, /talk brings you back any "
            "time, and you can ask for the same peer."
        )
    )
    sent = (
        _("{to} still sees your message as it was.").format(to=to)
        if edit
        else _("Nothing was sent. Please write it again without them.")
    )
    wrong = _(
        "(If I got it wrong — a time or a date, say — putting it slightly differently will "
        "go through.)"
    )
    return f"{head.format(to=to, kinds=_named(kinds))} {why}\n\n{sent} {wrong}"
