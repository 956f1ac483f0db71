"""`/report` from either side of a peer chat, and what admins can do about it."""

import logging
from datetime import timedelta

from flows.core import notice_keys
from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.parsing import parse_id
from flows.core.values import COMMAND_TOKEN, Choice, Reply, command_choice
from flows.peer.relay import chat_was_flagged, end_chat
from flows.peer.requests import admin_accounts
from storage import ChatSide, EndReason, Handoff, HandoffStatus

log = logging.getLogger(__name__)

# A chat can still be reported this long after it ended.
REPORT_WINDOW = timedelta(days=2)
# A member's own latest request can be reported once it became a chat.
CHAT_STATUSES = frozenset({HandoffStatus.ACTIVE, HandoffStatus.ENDED})


async def _reported_chat(ctx: Context) -> tuple[Handoff, ChatSide] | None:
    if ctx.member is None:
        return None
    own = await ctx.tx.handoffs.latest_for_member(ctx.member.id)
    if own is not None and own.status in CHAT_STATUSES and _recent(ctx, own):
        return own, ChatSide.MEMBER
    volunteer = await ctx.volunteer()
    if volunteer is not None:
        chats = await ctx.tx.handoffs.active_for_volunteer(volunteer.member_id)
        current = next((h for h in chats if h.id == volunteer.current_handoff), None)
        chosen = current or (chats[0] if chats else None)
        if chosen is None:
            chosen = await ctx.tx.handoffs.latest_for_volunteer(volunteer.member_id)
        if chosen is not None and _recent(ctx, chosen):
            return chosen, ChatSide.VOLUNTEER
    return None


def _recent(ctx: Context, handoff: Handoff) -> bool:
    return handoff.ended_at is None or ctx.now - handoff.ended_at <= REPORT_WINDOW


async def report(ctx: Context) -> None:
    found = await _reported_chat(ctx)
    if found is None:
        ctx.say("/report is for flagging a peer chat to the admins, and you have no recent chat.")
        return
    handoff, side = found
    if await ctx.tx.safety.reported(handoff.id, by=side):
        # The admins have it already; telling them again would only bury it.
        still_open = handoff.status is HandoffStatus.ACTIVE
        ctx.say(
            "Thank you — the admins already have your report of this chat."
            + (" /end stops the chat now if you want." if still_open else "")
        )
        return
    await ctx.tx.safety.record_report(handoff.id, reported_by=side, now=ctx.now)
    log.info("peer_report handoff=%s by=%s", handoff.id, side)
    volunteer = await ctx.tx.volunteers.get(handoff.volunteer_id) if handoff.volunteer_id else None
    who = "the member" if side is ChatSide.MEMBER else "the volunteer"
    buttons = [command_choice(f"bar {handoff.id}", f"Bar {handoff.member_alias} from peer chats")]
    if volunteer is not None:
        buttons.append(
            command_choice(f"suspend {volunteer.member_id}", f"Suspend {volunteer.display_name}")
        )
    text = (
        f"🚩 Report from {who} of peer chat #{handoff.id} between {handoff.member_alias} and "
        f"{volunteer.display_name if volunteer else 'a volunteer'} ({handoff.status})."
    )
    for account in await admin_accounts(ctx):
        if account != ctx.account:
            ctx.send_to(
                account,
                Reply(
                    text,
                    tuple(buttons),
                    token=COMMAND_TOKEN,
                    notice=notice_keys.report(handoff.id),
                    protect_content=True,
                ),
            )
    ctx.say(
        "Thank you for telling us — the admins have been told, without anything you wrote. "
        + (
            "/end stops the chat now if you want."
            if handoff.status is HandoffStatus.ACTIVE
            else ""
        )
    )


def _say_protected(ctx: Context, text: str, *, commands: tuple[Choice, ...] = ()) -> None:
    """Reply to the admin with what names a member: not to be forwarded or saved onwards."""
    token = COMMAND_TOKEN if commands else None
    ctx.send_to(ctx.account, Reply(text, commands, token=token, protect_content=True))


async def bar(ctx: Context) -> None:
    """`/bar <chat>` (admin): no more peer chats for that chat's member."""
    arg, _, confirm = ctx.input.text.strip().partition(" ")
    handoff_id = parse_id(arg)
    handoff = await ctx.tx.handoffs.get(handoff_id) if handoff_id else None
    if handoff is None or handoff.member_id is None:
        ctx.say("I couldn't find that chat's member.")
        return
    if (
        handoff.status is HandoffStatus.ACTIVE
        and confirm != "confirm"
        and await chat_was_flagged(ctx, handoff)
    ):
        _say_protected(
            ctx,
            f"⚠️ The safety check flagged risk in this chat from {handoff.member_alias}. "
            "Barring ends the chat now (they'll be shown the crisis lines). Bar anyway, or "
            "leave the chat with its volunteer for now?",
            commands=(
                command_choice(
                    f"bar {handoff.id} confirm", f"Yes, bar {handoff.member_alias} now", "⛔"
                ),
            ),
        )
        return
    await ctx.tx.members.set_peer_barred(handoff.member_id, True)
    log.info("member_barred member=%s", handoff.member_id)
    if handoff.status is HandoffStatus.ACTIVE:
        await end_chat(ctx, handoff, by=EndReason.BARRED)
    ctx.answered = f"Barred {handoff.member_alias}"
    _say_protected(
        ctx,
        f"{handoff.member_alias} can no longer request peer chats. /unbar {handoff.id} undoes it.",
    )


async def unbar(ctx: Context) -> None:
    arg = ctx.input.text.strip()
    handoff_id = parse_id(arg)
    handoff = await ctx.tx.handoffs.get(handoff_id) if handoff_id else None
    if handoff is None or handoff.member_id is None:
        ctx.say("I couldn't find that chat's member.")
        return
    await ctx.tx.members.set_peer_barred(handoff.member_id, False)
    _say_protected(ctx, f"{handoff.member_alias} can request peer chats again.")


REPORT_COMMANDS = (
    Command("report", "flag a peer chat to the admins", report, audience=Audience.ANYONE),
    Command("bar", "bar a member from peer chats", bar, audience=Audience.ADMIN, hidden=True),
    Command(
        "unbar",
        "let a member request peer chats again",
        unbar,
        audience=Audience.ADMIN,
        hidden=True,
    ),
)
