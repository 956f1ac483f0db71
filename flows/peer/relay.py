"""The pseudonymous peer chat: relaying both ways, /switch, /end, feedback and debrief.

Messages are copied by the channel (never forwarded), so no name, username,
phone number or "forwarded from" reaches the other side, and their text never
passes through storage. Where the two sides are on different channels, which can't
copy from each other, the words (and a picture, voice message or sticker the sender's
channel had the bytes of) are re-sent under the speaker's pseudonym instead, held in
memory only (`Reply.transient_text`): if they can't be delivered, the sender is told.
A volunteer holding several chats answers one by replying to its messages, or picks
it with /switch, and is told whom each message went to. What is kept back (media that
could say who or where someone is, words with contact details in them) is decided in
`relay_policy.py`, after the crisis guard has read the message.
"""

import logging
from datetime import timedelta
from typing import ClassVar, TypedDict

from flows.core import notice_keys
from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.conversation import Question
from flows.core.engine import Engine
from flows.core.flow import Answer, Chosen, Flow
from flows.core.language import N_, _, ngettext
from flows.core.values import (
    COMMAND_TOKEN,
    Choice,
    CopyOf,
    MediaFile,
    RelayedFrom,
    Reply,
    command_choice,
)
from flows.peer.relay_policy import (
    contact_kinds,
    held_back_text,
    media_reaches,
    not_kept_text,
    refuse_unreachable_media,
    refuse_unsafe_media,
)
from flows.peer.requests import (
    COORDINATOR_NAME,
    WITHDRAWN,
    admin_accounts,
    debrief_choices,
    keep_while_waiting,
    point_at_next_chat,
    speaking_to_account,
    speaking_to_id,
    withdraw_notices,
)
from flows.peer.stepping_in import support_chat_choice
from storage import Account, ChatSide, EndReason, Handoff, HandoffStatus, Volunteer

log = logging.getLogger(__name__)


def _copy(
    ctx: Context,
    handoff: Handoff,
    to: Account,
    *,
    header: str,
    notice: str | None,
    recipient_name: str,
) -> Reply:
    """The message just received, for `to`: copied by the channel where it can copy from
    the sender (the same channel), otherwise re-sent under the speaker's pseudonym, its
    words held in memory only. `recipient_name` is what the sender calls `to`, for telling
    them if it can't be delivered."""
    inp = ctx.input
    sender = RelayedFrom(ctx.account, recipient_name)
    channel = ctx.engine.channels.of(to)
    # Remembered as a copy of the message, so an edit or a withdrawal of it reaches it too
    # (one the channel gave no id for can't be copied, nor edited later).
    key = notice if inp.message_ref is None else notice_keys.copy(handoff.id, inp.message_ref)
    if inp.message_ref is not None and channel.can_copy_from(ctx.account):
        copied = CopyOf(ctx.account, inp.message_ref)
        return Reply("", copy_of=copied, notice=key, relayed_from=sender)
    # Another channel: re-sent.
    media = inp.media_file
    carried = media if media is not None and media.kind in channel.media else None
    return Reply(
        _resent(inp.text, header, carried),
        notice=key,
        transient_text=True,
        relayed_media=carried,
        relayed_from=sender,
    )


def _resent(text: str, header: str, media: MediaFile | None = None) -> str:
    """A re-sent message under its speaker's name (their words are never translated); made
    in the recipient's language."""
    if text:
        return f"{header}: {text}"
    if media is not None:
        return f"{header}:"
    return _("{name} sent an attachment.").format(name=header)


def shown_name(volunteer: Volunteer) -> str:
    """How a chat's volunteer is named to the other side, in the language being spoken: a
    coordinator's row is named in each reader's words, a peer by their display name."""
    return _(COORDINATOR_NAME) if volunteer.coordinator else volunteer.display_name


async def peer_name(ctx: Context, handoff: Handoff) -> str:
    """The chat's volunteer as its member knows them, in the language being spoken."""
    volunteer = (
        await ctx.tx.volunteers.get(handoff.volunteer_id)
        if handoff.volunteer_id is not None
        else None
    )
    return shown_name(volunteer) if volunteer else _("Your peer")


async def in_open_chat(engine: Engine, account: Account) -> bool:
    """Whether the person behind `account` is in an open peer chat, on either side: one read
    and no transaction, for a channel deciding before the engine runs whether an attachment
    is worth fetching to pass on (Signal's: `Input.media_file`)."""
    async with engine.db.single_statement() as tx:
        member = await tx.members.find_by_account(account)
        return member is not None and await tx.handoffs.in_active_chat(member.id)


async def member_in_chat(ctx: Context) -> Handoff | None:
    if ctx.member is None:
        return None
    handoff = await ctx.tx.handoffs.open_for_member(ctx.member.id)
    return handoff if handoff is not None and handoff.status is HandoffStatus.ACTIVE else None


async def relay_in_chat(ctx: Context) -> bool:
    """Relay a member's or volunteer's message in an open chat; False if there is none."""
    if ctx.input.edited:
        return await relay_edit(ctx)
    if ctx.input.deleted:
        return await relay_deletion(ctx)
    if ctx.member is None or (ctx.state is not None and ctx.state.question is not None):
        return False  # an open question takes the answer (e.g. a check-in mid-chat)
    if await refuse_unsafe_media(ctx):
        return True  # what could say who or where someone is stays with its sender
    handoff = await ctx.tx.handoffs.open_for_member(ctx.member.id)
    if handoff is not None and handoff.status is HandoffStatus.ACTIVE:
        if handoff.volunteer_id is None:
            # Their peer's row is gone (it should have ended the chat): end it now, kindly.
            log.warning("chat_without_volunteer handoff=%s", handoff.id)
            await end_chat(ctx, handoff, by=EndReason.VOLUNTEER_DELETED)
            ctx.say(_(ANOTHER_PEER))
            return True
        if await _held_back(ctx, handoff, ChatSide.MEMBER):
            return True
        await _member_to_volunteer(ctx, handoff)
        await ctx.tx.handoffs.record_relayed(handoff.id, ctx.now)
        return True
    volunteer = await ctx.volunteer()
    if volunteer is not None and volunteer.active_chats:
        await _volunteer_to_member(ctx, volunteer)
        return True
    if handoff is not None and ctx.input.command is None:
        await keep_while_waiting(ctx, handoff)
        return True
    return False


async def _held_back(
    ctx: Context, handoff: Handoff, side: ChatSide, *, edit: bool = False
) -> bool:
    """Keep back a message with contact details in it (the crisis guard has read it
    already); True if it was. The sender is told why, the volunteer that a member's
    message was held, and the admins how many were, in this chat."""
    kinds = contact_kinds(ctx, ctx.input.text)
    if not kinds:
        return False
    volunteer_name = await peer_name(ctx, handoff)
    from_member, from_volunteer = await ctx.tx.handoffs.count_held(handoff.id, side)
    to = volunteer_name if side is ChatSide.MEMBER else handoff.member_alias
    ctx.say(held_back_text(kinds, to=to, volunteer=side is ChatSide.VOLUNTEER, edit=edit))
    if side is ChatSide.MEMBER and handoff.volunteer_id is not None and not edit:
        # Their peer knows a message came and was held (not what it said), so a safety
        # alert about it, say, is never about words they can't find.
        with await speaking_to_id(ctx, handoff.volunteer_id):
            told = _(
                "🛡 A message from {alias} wasn't passed on: it had contact details in it. "
                "They've been told why — peer chats stay anonymous."
            ).format(alias=handoff.member_alias)
        for account in await ctx.tx.members.accounts_of(handoff.volunteer_id):
            ctx.send_to(account, Reply(told, notice=notice_keys.relay(handoff.id)))
    await _tell_admins_held(ctx, handoff, from_member, from_volunteer)
    log.info(
        "relay_held handoff=%s side=%s kinds=%s edit=%s", handoff.id, side, ",".join(kinds), edit
    )
    return True


async def _tell_admins_held(
    ctx: Context, handoff: Handoff, from_member: int, from_volunteer: int
) -> None:
    """One notice per chat to each admin, updated in place as the count grows."""
    key = notice_keys.held(handoff.id)
    told = set(await ctx.tx.notices.recipients(key))
    for account in await admin_accounts(ctx):
        if account == ctx.account:
            continue
        with await speaking_to_account(ctx, account):
            text = ngettext(
                "🛡 Contact details were held back in a peer chat (chat {ref}, with the "
                "volunteer {volunteer}): {count} message(s) from the volunteer and {members} "
                "from the member so far. Nothing of them was passed on or kept, and whoever "
                "sent them was told why.",
                "🛡 Contact details were held back in a peer chat (chat {ref}, with the "
                "volunteer {volunteer}): {count} message(s) from the volunteer and {members} "
                "from the member so far. Nothing of them was passed on or kept, and whoever "
                "sent them was told why.",
                from_volunteer,
            ).format(
                ref=handoff.ref,
                volunteer=await peer_name(ctx, handoff),
                count=from_volunteer,
                members=from_member,
            )
        if account in told:
            ctx.send_to(account, Reply(text, replaces_notice=key))
        else:
            ctx.send_to(account, Reply(text, notice=key, protect_content=True))


async def _member_to_volunteer(ctx: Context, handoff: Handoff) -> None:
    assert handoff.volunteer_id is not None
    volunteer = await ctx.tx.volunteers.get(handoff.volunteer_id)
    accounts = await ctx.tx.members.accounts_of(handoff.volunteer_id)
    if refuse_unreachable_media(ctx, accounts):
        return
    several = volunteer is not None and volunteer.active_chats > 1
    # What the member calls their peer, in the member's words, should a copy not arrive.
    recipient_name = await peer_name(ctx, handoff)
    for account in [a for a in accounts if media_reaches(ctx, a)]:
        if several:
            # Say whose message follows, so a volunteer with several chats can tell.
            ctx.send_to(
                account, Reply(f"💬 {handoff.member_alias}:", notice=notice_keys.relay(handoff.id))
            )
        with await speaking_to_account(ctx, account):
            copy = _copy(
                ctx,
                handoff,
                account,
                header=handoff.member_alias,
                notice=notice_keys.relay(handoff.id),
                recipient_name=recipient_name,
            )
        ctx.send_to(account, copy)
    log.info("relayed handoff=%s direction=to_volunteer", handoff.id)


class _EndedChat:
    """A reply to a message of a chat that is no longer open: it goes to nobody."""

    def __init__(self, handoff: Handoff | None) -> None:
        self.handoff = handoff


async def _chat_for_volunteer(ctx: Context, volunteer: Volunteer) -> Handoff | _EndedChat | None:
    chats = await ctx.tx.handoffs.active_for_volunteer(volunteer.member_id)
    by_id = {h.id: h for h in chats}
    if ctx.input.reply_to_ref is not None:
        notice = await ctx.tx.notices.notice_of(ctx.account, ctx.input.reply_to_ref)
        replied_chat = notice_keys.chat_of_relay(notice) if notice is not None else None
        if replied_chat is not None:
            chosen = by_id.get(replied_chat)
            if chosen is None:
                # Meant for someone whose chat has ended: never guess another recipient.
                return _EndedChat(await ctx.tx.handoffs.get(replied_chat))
            await ctx.tx.volunteers.set_current_handoff(volunteer.member_id, chosen.id)
            return chosen
    if len(chats) == 1:
        return chats[0]
    if volunteer.current_handoff in by_id:
        return by_id[volunteer.current_handoff]
    return None


async def _volunteer_to_member(ctx: Context, volunteer: Volunteer) -> None:
    handoff = await _chat_for_volunteer(ctx, volunteer)
    if isinstance(handoff, _EndedChat):
        chats = await ctx.tx.handoffs.active_for_volunteer(volunteer.member_id)
        if handoff.handoff is not None:
            ended = _("Your chat with {alias} has ended, so I haven't sent that to anyone.")
            ended = ended.format(alias=handoff.handoff.member_alias)
        else:
            ended = _("Your chat with that member has ended, so I haven't sent that to anyone.")
        ctx.say(
            ended
            + (
                " " + _("To send it in an open chat, pick the chat and send it again:")
                if chats
                else ""
            ),
            commands=[command_choice(f"switch {h.ref}", h.member_alias, "💬") for h in chats],
        )
        log.info("relay_refused reason=chat_ended")
        return
    if handoff is None or handoff.member_id is None:
        chats = await ctx.tx.handoffs.active_for_volunteer(volunteer.member_id)
        ctx.say(
            _(
                "You're in several chats, so I haven't sent that yet. Reply to one of their "
                "messages, or pick the chat and send it again:"
            ),
            commands=[command_choice(f"switch {h.ref}", h.member_alias, "💬") for h in chats],
        )
        return
    if await _held_back(ctx, handoff, ChatSide.VOLUNTEER):
        return
    accounts = await ctx.tx.members.accounts_of(handoff.member_id)
    if refuse_unreachable_media(ctx, accounts):
        return
    for account in [a for a in accounts if media_reaches(ctx, a)]:
        with await speaking_to_account(ctx, account):
            copy = _copy(
                ctx,
                handoff,
                account,
                header=shown_name(volunteer),
                notice=None,
                recipient_name=handoff.member_alias,
            )
        ctx.send_to(account, copy)
    if volunteer.active_chats > 1:
        # Holding several chats, they see where each message went; a reply to this line
        # answers the same member.
        sent = Reply(
            _("↪️ Sent to {alias}").format(alias=handoff.member_alias),
            notice=notice_keys.relay(handoff.id),
        )
        ctx.send_to(ctx.account, sent)
    await ctx.tx.handoffs.record_relayed(handoff.id, ctx.now)
    log.info("relayed handoff=%s direction=to_member", handoff.id)


async def relay_edit(ctx: Context) -> bool:
    """Someone edited a message they sent into an open chat: edit the copies of it.

    Only messages that were relayed have copies, so an edit of anything else (a
    check-in answer from before the chat, say) goes nowhere. The new words travel
    in memory only (`transient_text`): never stored, held only while the postman may
    still send them, and the sender told if they can't be. A copy still waiting in the
    outbox needs nothing: copying takes the message as it is when it is sent.
    """
    inp = ctx.input
    if ctx.member is None or inp.message_ref is None:
        return False
    # Each open chat, its other side, the name a re-sent copy goes under, the side this
    # person is on in it, and the name they know the other side by.
    # (A volunteer's name is made in the recipient's language, below: `None` stands for it.)
    others: list[tuple[Handoff, int, str | None, ChatSide, str]] = []
    handoff = await ctx.tx.handoffs.open_for_member(ctx.member.id)
    if handoff is not None and handoff.status is HandoffStatus.WAITING:
        return await _edit_kept_words(ctx, handoff)
    if handoff is not None and handoff.volunteer_id is not None:
        peer = await peer_name(ctx, handoff)
        others.append((handoff, handoff.volunteer_id, handoff.member_alias, ChatSide.MEMBER, peer))
    chats = await ctx.tx.handoffs.active_for_volunteer(ctx.member.id)
    volunteer = await ctx.volunteer() if chats else None
    if chats:
        others += [
            (chat, chat.member_id, None, ChatSide.VOLUNTEER, chat.member_alias)
            for chat in chats
            if chat.member_id is not None
        ]
    if not others:
        return False
    if not inp.text:
        return True  # a caption taken away: nothing to show
    for chat, other, header, side, other_name in others:
        key = notice_keys.copy(chat.id, inp.message_ref)
        copies = [
            account
            for account in await ctx.tx.members.accounts_of(other)
            if await ctx.tx.notices.refs(account, key)
        ]
        if not copies or await _held_back(ctx, chat, side, edit=True):
            continue  # contact details added: the copies stay as they were
        for account in copies:
            copied = ctx.engine.channels.of(account).can_copy_from(ctx.account)
            with await speaking_to_account(ctx, account):
                name = header or (shown_name(volunteer) if volunteer else _("Your peer"))
            edit = Reply(
                inp.text if copied else _resent(inp.text, name),
                replaces_notice=key,
                transient_text=True,
                relayed_from=RelayedFrom(ctx.account, other_name),
            )
            ctx.send_to(account, edit)
            log.info("relayed_edit handoff=%s", chat.id)
    return True


# Shown in place of a withdrawn copy where its channel can't delete it (any more).
DELETED_BY_SENDER = N_("(Deleted: the person who wrote this took it back.)")


async def relay_deletion(ctx: Context) -> bool:
    """Someone deleted, for everyone, a message they sent into a chat: its copies go too.

    Each copy is deleted where its channel can (or its words replaced by a neutral line
    where it can't), as when a person deletes their data (flows/members/traces.py); a copy
    still in the outbox is never sent, and words kept for the peer who accepts are dropped.
    Only Signal tells Hearthside of such a deletion (Telegram tells a bot nothing of it).
    """
    inp = ctx.input
    if ctx.member is None or inp.message_ref is None:
        return False
    handoff = await ctx.tx.handoffs.open_for_member(ctx.member.id)
    if handoff is not None and handoff.status is HandoffStatus.WAITING:
        if await ctx.tx.handoffs.edit_kept_words(handoff.id, inp.message_ref, None):
            log.info("waiting_words_deleted handoff=%s", handoff.id)
        return True
    chats = [handoff] if handoff is not None and handoff.status is HandoffStatus.ACTIVE else []
    chats += await ctx.tx.handoffs.active_for_volunteer(ctx.member.id)
    if not chats:
        return False
    own = set(await ctx.tx.members.accounts_of(ctx.member.id))
    for chat in chats:
        key = notice_keys.copy(chat.id, inp.message_ref)
        sent: set[Account] = set()
        for account, ref, _key in await ctx.tx.notices.recorded(key):
            if account in own:
                continue
            outbox_id = notice_keys.pending_outbox_id(ref)
            if outbox_id is not None:
                await ctx.tx.outbox.drop_notice(outbox_id, account, key)
                await ctx.tx.notices.forget_message(account, ref)
            else:
                sent.add(account)
        for account in sent:
            with await speaking_to_account(ctx, account):
                deleted = _(DELETED_BY_SENDER)
            ctx.send_to(account, Reply(deleted, replaces_notice=key, withdraw=True))
        if sent:
            log.info("relayed_deletion handoff=%s", chat.id)
    return True


async def _edit_kept_words(ctx: Context, handoff: Handoff) -> bool:
    """An edit of a message kept for the peer who accepts: the kept words follow it, or
    go if it now has contact details in it (or a caption was taken away); False if that
    message wasn't kept."""
    inp = ctx.input
    assert inp.message_ref is not None
    kinds = contact_kinds(ctx, inp.text) if inp.text else ()
    words = inp.text if inp.text and not kinds else None
    if not await ctx.tx.handoffs.edit_kept_words(handoff.id, inp.message_ref, words):
        return False
    if kinds:
        ctx.say(not_kept_text(kinds))
    log.info("waiting_words_edited handoff=%s dropped=%s", handoff.id, words is None)
    return True


async def switch(ctx: Context) -> None:
    volunteer = await ctx.volunteer()
    chats = await ctx.tx.handoffs.active_for_volunteer(volunteer.member_id) if volunteer else []
    if volunteer is None or not chats:
        ctx.say(_("You have no open chats right now."))
        return
    arg = ctx.input.text.strip().lower()
    chosen = next((h for h in chats if h.ref == arg), None)
    if chosen is None:
        ctx.say(
            _("Which chat should your messages go to?"),
            commands=[command_choice(f"switch {h.ref}", h.member_alias, "💬") for h in chats],
        )
        return
    await ctx.tx.volunteers.set_current_handoff(volunteer.member_id, chosen.id)
    ctx.answered = chosen.member_alias
    ctx.say(_("Your messages now go to {alias}.").format(alias=chosen.member_alias))


async def chat_was_flagged(ctx: Context, handoff: Handoff) -> bool:
    """Whether the safety check flagged possible or serious risk from the member since the
    chat began (its end then asks first, and the member sees the lines again)."""
    if handoff.member_id is None or handoff.accepted_at is None:
        return False
    return await ctx.tx.safety.count_since(handoff.member_id, handoff.accepted_at, tier=2) > 0


async def end_chat(ctx: Context, handoff: Handoff, *, by: EndReason) -> None:
    """Close an active chat, tell both sides, and ask for feedback and a debrief."""
    flagged = await chat_was_flagged(ctx, handoff)
    if not await ctx.tx.handoffs.close(
        handoff.id, status=HandoffStatus.ENDED, reason=by, now=ctx.now
    ):
        return
    log.info("handoff_ended handoff=%s by=%s", handoff.id, by)
    if handoff.volunteer_id is not None:
        await point_at_next_chat(ctx, handoff.volunteer_id)
    if handoff.member_id is not None:
        if handoff.volunteer_id is not None:
            member = await ctx.tx.members.get(handoff.member_id)
            if member is not None and not member.same_volunteer:
                await ctx.tx.members.set_same_volunteer(handoff.member_id, None)
        if by not in MEMBER_GONE:
            # A member who can't be reached is not asked for feedback they'd never see.
            await _after_chat_for_member(ctx, handoff, by, flagged=flagged)
    if handoff.volunteer_id is not None and by not in VOLUNTEER_GONE:
        await _after_chat_for_volunteer(ctx, handoff, by)


# Why a chat ended, as its member is told ({name}: their peer).
_ENDED_FOR_MEMBER = {
    EndReason.MEMBER: N_("You've ended the chat."),
    EndReason.VOLUNTEER: N_("{name} has ended the chat."),
    EndReason.VOLUNTEER_LEFT: N_("{name} can no longer be reached, so the chat has ended."),
    EndReason.IDLE: N_("It's been quiet for a while, so I've closed your chat with {name}."),
}
# Why (deleted their data, suspended, removed) is theirs and the admins' business.
_STEPPED_AWAY = N_(
    "{name} has had to step away from Hearthside, so your chat has ended — it's nothing you did."
)
CHAT_ENDED = N_("The chat has ended.")


async def _after_chat_for_member(
    ctx: Context, handoff: Handoff, by: EndReason, *, flagged: bool = False
) -> None:
    assert handoff.member_id is not None
    with await speaking_to_id(ctx, handoff.member_id):
        volunteer_name = await peer_name(ctx, handoff)
        lead = _STEPPED_AWAY if by in VOLUNTEER_STEPPED_AWAY else _ENDED_FOR_MEMBER.get(by)
        said = _(lead).format(name=volunteer_name) if lead else _(CHAT_ENDED)
        text = f"{said} " + _("Thank you for reaching out. 💛")
        if flagged:
            # Risk came up in this chat: the lines again, whoever ended it.
            text += "\n\n" + _(
                "If things get hard again, these lines are open day and night:\n{lines}"
            ).format(lines=ctx.config.crisis.lines_text())
    if ctx.member is not None and ctx.member.id == handoff.member_id:
        ctx.state = None
        await ctx.start_flow("chat_feedback", intro=text)
        ChatFeedback.data(ctx).update(
            FeedbackData(handoff=handoff.id, volunteer=handoff.volunteer_id)
        )
        return
    # The member is someone else: start their feedback question in their own state.
    accounts = await ctx.tx.members.accounts_of(handoff.member_id)
    with await speaking_to_id(ctx, handoff.member_id):
        await _start_feedback_for(ctx, handoff, text, accounts)


RATINGS = tuple(Choice(str(n), str(n)) for n in range(1, 6))
RATING_QUESTION = N_("Did talking help? (1 = not at all, 5 = a lot)")


async def _start_feedback_for(
    ctx: Context, handoff: Handoff, text: str, accounts: list[Account]
) -> None:
    """Open the feedback question in the other person's conversation, durably; made in
    their language (the caller speaks it)."""
    if handoff.member_id is None or not accounts:
        return
    token = ctx.engine.new_token()
    question = _(RATING_QUESTION)
    asked = await ctx.save_state_for(
        handoff.member_id,
        flow=ChatFeedback.name,
        step=ChatFeedback.on_rating,
        question=Question(question, RATINGS, columns=5, free_text=False),
        data=FeedbackData(handoff=handoff.id, volunteer=handoff.volunteer_id),
        token=token,
    )
    ctx.send_to(accounts[0], Reply(text))
    if asked:
        ctx.send_to(accounts[0], Reply(question, RATINGS, token=token, columns=5))


# Why a chat ended, as its volunteer is told ({alias}: the member's).
_ENDED_FOR_VOLUNTEER = {
    EndReason.VOLUNTEER: N_("You've ended the chat."),
    EndReason.MEMBER: N_("{alias} has ended the chat."),
    EndReason.MEMBER_LEFT: N_("{alias} can no longer be reached, so the chat has ended."),
    EndReason.MEMBER_DELETED: N_("{alias} has left Hearthside, so the chat has ended."),
    EndReason.BARRED: N_("An admin has closed this chat."),
    EndReason.IDLE: N_("It's been quiet for a while, so I've closed your chat with {alias}."),
}


async def _after_chat_for_volunteer(ctx: Context, handoff: Handoff, by: EndReason) -> None:
    assert handoff.volunteer_id is not None
    with await speaking_to_id(ctx, handoff.volunteer_id):
        lead = _(_ENDED_FOR_VOLUNTEER.get(by, CHAT_ENDED)).format(alias=handoff.member_alias)
        text = (
            f"{lead} "
            + _("Thank you for being there. 💛")
            + "\n\n"
            + _("How are you after that? Take a breath — whatever you felt is okay.")
        )
        buttons = debrief_choices()
    for account in await ctx.tx.members.accounts_of(handoff.volunteer_id):
        if account == ctx.account:
            ctx.say(text, commands=buttons)
        else:
            ctx.send_to(account, Reply(text, buttons, token=COMMAND_TOKEN))


async def end(ctx: Context) -> None:
    """`/end`: either side finishes the chat."""
    handoff = await member_in_chat(ctx)
    if handoff is not None:
        await end_chat(ctx, handoff, by=EndReason.MEMBER)
        return
    volunteer = await ctx.volunteer()
    if volunteer is not None and volunteer.active_chats:
        arg, _sep, confirm = ctx.input.text.strip().lower().partition(" ")
        if arg == KEEP_CHATS:
            ctx.answered = _("Kept")
            ctx.say(_("Okay — nothing was ended; your chats go on."))
            return
        chats = await ctx.tx.handoffs.active_for_volunteer(volunteer.member_id)
        # With several chats a bare /end asks which, however the last message went: ending
        # the wrong one can't be taken back.
        chosen = chats[0] if len(chats) == 1 and not arg else None
        if arg:
            chosen = next((h for h in chats if h.ref == arg), None)
        if chosen is None:
            ctx.say(
                _("Which chat would you like to end? (That one has ended already.)")
                if arg
                else _("Which chat would you like to end?"),
                commands=[
                    *(command_choice(f"end {h.ref}", h.member_alias, "👋") for h in chats),
                    command_choice(f"end {KEEP_CHATS}", _("Cancel — keep them all"), "✖️"),
                ],
            )
            return
        if confirm != "confirm" and await chat_was_flagged(ctx, chosen):
            ctx.say(
                _(
                    "⚠️ The safety check flagged risk in this chat with {alias}. Before you end "
                    "it: are they safe to leave for now? You can hand the chat to an admin "
                    "instead. Either way they'll be shown the crisis lines again."
                ).format(alias=chosen.member_alias),
                commands=[
                    command_choice(f"handover {chosen.ref}", _("Hand to an admin"), "🙋"),
                    command_choice(f"end {chosen.ref} confirm", _("End the chat anyway"), "👋"),
                ],
            )
            return
        ctx.answered = _("Ended {alias}").format(alias=chosen.member_alias) if arg else None
        await end_chat(ctx, chosen, by=EndReason.VOLUNTEER)
        return
    if ctx.member is not None:
        waiting = await ctx.tx.handoffs.open_for_member(ctx.member.id)
        if waiting is not None:
            ctx.say(_("You're still waiting for a peer. /cancel withdraws the request."))
            return
    ctx.say(_("You're not in a peer chat right now. /talk to ask for one."))


async def debrief(ctx: Context) -> None:
    choice = ctx.input.text.strip().lower()
    answered = {
        "ok": N_("I'm okay"),
        "heavy": N_("That was heavy"),
        "talk": N_("Talk to an admin"),
    }
    ctx.answered = _(answered.get(choice, N_("Thanks")))
    if choice == "talk":
        volunteer = await ctx.volunteer()
        for account in await admin_accounts(ctx):
            if account != ctx.account and volunteer is not None:
                with await speaking_to_account(ctx, account):
                    asked = _(
                        "🙋 {name} would like to talk after a peer chat. You can talk with them "
                        "here, through the bot, as a coordinator."
                    ).format(name=volunteer.display_name)
                    button = support_chat_choice(volunteer.member_id)
                ctx.send_to(
                    account,
                    Reply(asked, (button,), token=COMMAND_TOKEN, protect_content=True),
                )
        ctx.say(_("I've asked an admin to reach out to you. Be gentle with yourself. 💛"))
    elif choice == "heavy":
        ctx.say(
            _(
                "Thank you for carrying that. Take a break before the next one — /offcall if "
                "you need to step away, and reach out to an admin any time."
            )
        )
    else:
        ctx.say(_("Glad to hear it. Thank you for what you do. 💛"))


class FeedbackData(TypedDict, total=False):
    handoff: int
    volunteer: int | None  # who they talked with, to ask about next time
    rated: bool  # the rating is saved


class ChatFeedback(Flow[FeedbackData]):
    """After a peer chat: did it help (1–5), optional words, same peer next time?"""

    name = "chat_feedback"
    title = N_("feedback")
    timeout: ClassVar[timedelta] = timedelta(days=2)

    async def begin(self, ctx: Context) -> None:
        ctx.ask(self.on_rating, _(RATING_QUESTION), RATINGS, columns=5)

    async def cancelled(self, ctx: Context) -> str:
        # The rating is saved as soon as it is given; the rest only when answered.
        if self.data(ctx).get("rated"):
            return _(
                "Okay, I've stopped. Your rating is kept (the team sees it, without your name)."
            )
        return _("Okay — no feedback this time. /talk any time you'd like to talk again.")

    async def on_rating(self, ctx: Context, answer: Chosen) -> None:
        await ctx.tx.handoffs.rate(int(self.data(ctx)["handoff"]), int(answer.choice.value))
        self.data(ctx)["rated"] = True
        ctx.ask(
            self.on_words,
            _(
                "Thank you. Anything you'd like to add? Type a few words, or skip. (Only the "
                "team sees it, without your name.)"
            ),
            [Choice("skip", _("Skip"))],
            free_text=True,
        )

    async def on_words(self, ctx: Context, answer: Answer) -> None:
        if answer.choice is None:
            await ctx.tx.handoffs.add_feedback(int(self.data(ctx)["handoff"]), answer.text[:500])
        if self.data(ctx).get("volunteer") is None:
            ctx.finish()
            ctx.say(_("Thank you. /talk any time you'd like to talk again."))
            return
        ctx.ask(
            self.on_same,
            _("Next time, would you like the same peer if they're on call?"),
            [Choice("yes", _("Yes please")), Choice("no", _("Anyone is fine"))],
        )

    async def on_same(self, ctx: Context, answer: Chosen) -> None:
        member = ctx.require_member()
        chosen = self.data(ctx)["volunteer"] if answer.choice.value == "yes" else None
        await ctx.tx.members.set_same_volunteer(member.id, chosen)
        ctx.finish()
        ctx.say(_("Noted. Thank you for telling me. /talk any time you'd like to talk again. 💛"))


# Why a chat ended when one side is gone: the member is not asked for feedback, or the
# volunteer is not asked how they are, when they will never read it.
MEMBER_GONE = frozenset({EndReason.MEMBER_LEFT, EndReason.MEMBER_DELETED})
VOLUNTEER_STEPPED_AWAY = frozenset({EndReason.VOLUNTEER_DELETED, EndReason.VOLUNTEER_SUSPENDED})
VOLUNTEER_GONE = frozenset({EndReason.VOLUNTEER_LEFT, EndReason.VOLUNTEER_DELETED})
ANOTHER_PEER = N_("If you'd like to talk to someone else, /talk puts you back in line.")


async def close_chats_of(
    ctx: Context, person_id: int, *, as_member: EndReason | None, as_volunteer: EndReason
) -> None:
    """End every request and chat `person_id` has open, on either side, and tell the other
    side kindly: members are offered another peer, volunteers get their room back.

    `as_member` and `as_volunteer` say why (see `end_chat`'s `by`); their own waiting
    request is withdrawn, and its notices edited, so nobody accepts it afterwards. With
    `as_member` None (a volunteer suspended), their own request as a member stays.
    """
    if as_member is not None and (handoff := await ctx.tx.handoffs.open_for_member(person_id)):
        if handoff.status is HandoffStatus.ACTIVE:
            await end_chat(ctx, handoff, by=as_member)
        elif await ctx.tx.handoffs.close(
            handoff.id, status=HandoffStatus.CANCELLED, reason=as_member, now=ctx.now
        ):
            await withdraw_notices(ctx, handoff, WITHDRAWN)
    for chat in await ctx.tx.handoffs.active_for_volunteer(person_id):
        await end_chat(ctx, chat, by=as_volunteer)
        if chat.member_id is not None:
            with await speaking_to_id(ctx, chat.member_id):
                another = _(ANOTHER_PEER)
            for account in await ctx.tx.members.accounts_of(chat.member_id):
                ctx.send_to(account, Reply(another))
    await ctx.tx.volunteers.set_on_call(person_id, False)


async def close_chats_of_unreachable(ctx: Context) -> None:
    """Someone blocked the bot or left: close their chats, tell the other side, and set
    aside whatever they were in the middle of."""
    member = ctx.require_member()
    await close_chats_of(
        ctx, member.id, as_member=EndReason.MEMBER_LEFT, as_volunteer=EndReason.VOLUNTEER_LEFT
    )
    # Nothing more goes to the person who left, and they are left in no question: what
    # they were last asked may never have reached them (undelivered messages to them are
    # dropped), so when they write again they are answered afresh.
    ctx.drop_replies_to(ctx.account)
    if ctx.state is not None:
        log.info("conversation_set_aside member=%s flow=%s", member.id, ctx.state.flow)
    ctx.finish()


# The Cancel button of /end's "which chat?" (refs are hex, so it is never one).
KEEP_CHATS = "keep"

RELAY_COMMANDS = (
    Command("end", N_("end a peer chat"), end, audience=Audience.ANYONE),
    Command(
        "switch",
        N_("choose which peer chat you're answering"),
        switch,
        audience=Audience.VOLUNTEER,
    ),
    Command(
        "debrief",
        N_("how you are after a chat"),
        debrief,
        audience=Audience.VOLUNTEER,
        hidden=True,
    ),
)
