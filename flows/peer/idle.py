"""Peer-chat hygiene: a chat nobody has written in for PEER_CHAT_IDLE_HOURS is wrapped up.

A chat is idle while no message is relayed either way (`tx.handoffs.record_relayed`); it
counts from the last one, or from the moment a peer accepted. Some time before the end
(`warning_lead`) both sides are told, kindly, that it will close unless one of them
writes; the sweep then closes it as `/end` does, with the member's feedback question and
the volunteer's debrief. Nothing of it happens inside the member's quiet hours, and the
close always comes at least the warning's lead after the warning, even after a stop.

Where the safety check flagged risk in the chat it is not ended quietly: the warning asks
the volunteer whether to hand it to an admin, the admins are told with a button to take it
over, and when it closes the member is shown the crisis lines again (`end_chat` does that
for any flagged chat) and the admins are told it has closed.

Every decision is the database's: the warning is a compare-and-set on the chat's row
(`warn_idle`, only while it is still quiet since the same moment), the close is
`end_chat`'s own (`handoffs.close` only from active), each chat in its own transaction,
so a sweep repeated after a crash or a restart tells nobody twice.
"""

import logging
from datetime import datetime, timedelta

from flows.core.context import Context
from flows.core.engine import Engine
from flows.core.quiet_hours import quiet_hours_of
from flows.core.sweep import BATCH, Action
from flows.core.values import COMMAND_TOKEN, Choice, Outcome, Reply, command_choice
from flows.peer.relay import chat_was_flagged, end_chat, peer_name
from flows.peer.requests import admin_accounts
from flows.peer.stepping_in import take_over_choice
from storage import EndReason, Handoff, HandoffStatus, IdleChat

log = logging.getLogger(__name__)

# The warning comes this long before the end (half the idle time for a very short one).
WARNING_LEAD = timedelta(hours=1)


def idle_after(hours: int) -> timedelta | None:
    """How long a chat may go quiet before it is wrapped up; None: never (0)."""
    return timedelta(hours=hours) if hours > 0 else None


def warning_lead(idle: timedelta) -> timedelta:
    return min(WARNING_LEAD, idle / 2)


def _hours(delta: timedelta) -> int:
    return max(1, round(delta.total_seconds() / 3600))


def _span(hours: int) -> str:
    return "an hour" if hours == 1 else f"{hours} hours"


def _closes(lead: int | None) -> str:
    """When the chat closes unless someone writes, as a sentence of its own."""
    if lead is None:
        return "It will close soon unless someone writes in it."
    return f"It will close in about {_span(lead)} unless someone writes in it."


async def wrap_up_idle_chats(engine: Engine, now: datetime) -> tuple[int, list[Outcome]]:
    """The sweep's part: warn the sides of chats going quiet, and close those quiet for
    PEER_CHAT_IDLE_HOURS after a warning; returns how many were closed."""
    idle = idle_after(engine.config.peer_chat_idle_hours)
    if idle is None:
        return 0, []
    lead = warning_lead(idle)
    async with engine.db.single_statement() as tx:
        chats = await tx.handoffs.idle_chats(now - idle + lead, limit=BATCH)
    outcomes: list[Outcome] = []
    closed = 0
    for chat in chats:
        handoff = chat.handoff
        if handoff.member_id is None:
            continue  # a chat with nobody is closed by the member's deletion
        if chat.warned_at is None:
            outcomes.append(await engine.run_for_member(handoff.member_id, _warn(chat)))
        elif now >= max(chat.quiet_from + idle, chat.warned_at + lead):
            outcome = await engine.run_for_member(handoff.member_id, _close(chat))
            closed += bool(outcome.deliveries)
            outcomes.append(outcome)
    return closed, outcomes


def _quiet_now(ctx: Context) -> bool:
    """Inside the member's quiet hours: the chat waits till morning (it is only quiet)."""
    quiet = quiet_hours_of(ctx.config.quiet_hours)
    member = ctx.require_member()
    return quiet is not None and quiet.contains(ctx.now, member.timezone)


def _warn(chat: IdleChat) -> Action:
    async def action(ctx: Context) -> None:
        handoff = chat.handoff
        if _quiet_now(ctx):
            return
        if not await ctx.tx.handoffs.warn_idle(handoff.id, chat.quiet_from, ctx.now):
            return  # written in since, ended, or warned already
        idle = idle_after(ctx.config.peer_chat_idle_hours)
        assert idle is not None
        lead = _hours(warning_lead(idle)) if warning_lead(idle) >= timedelta(hours=1) else None
        peer = await peer_name(ctx, handoff)
        quiet_for = _hours(ctx.now - chat.quiet_from)
        ctx.say(
            f"It's been quiet in your chat with {peer} for about {_span(quiet_for)}. If you'd "
            f"like to keep talking, just send a message. {_closes(lead)} /end closes it now. "
            "Either way is okay. 💛"
        )
        flagged = await chat_was_flagged(ctx, handoff)
        await _warn_volunteer(ctx, handoff, quiet_for, lead, flagged=flagged)
        if flagged:
            await _tell_admins(
                ctx,
                handoff,
                f"⚠️ A peer chat in which the safety check flagged risk has gone quiet: "
                f"{handoff.member_alias} with {peer} (chat {handoff.ref}), nothing written for "
                f"about {_span(quiet_for)}. {_closes(lead)} They'll be shown the crisis lines "
                "again as it closes. You can take it over to check in with them.",
                buttons=(take_over_choice(handoff),),
            )
        log.info("peer_chat_idle_warned handoff=%s flagged=%s", handoff.id, flagged)

    return action


async def _warn_volunteer(
    ctx: Context, handoff: Handoff, quiet_for: int, lead: int | None, *, flagged: bool
) -> None:
    if handoff.volunteer_id is None:
        return
    buttons: tuple[Choice, ...]
    if flagged:
        text = (
            f"It's been quiet in your chat with {handoff.member_alias} for about "
            f"{_span(quiet_for)}, and the safety check flagged risk in it earlier. "
            f"{_closes(lead)} They'll be shown the crisis lines again as it closes. If you're "
            "not sure they're safe to leave, you can hand the chat to an admin."
        )
        buttons = (
            command_choice(f"handover {handoff.ref}", "Hand to an admin", "🙋"),
            command_choice(f"end {handoff.ref} confirm", "End the chat now", "👋"),
        )
    else:
        text = (
            f"It's been quiet in your chat with {handoff.member_alias} for about "
            f"{_span(quiet_for)}. {_closes(lead)} You'll both be thanked, and they'll be asked "
            "how it went."
        )
        buttons = (command_choice(f"end {handoff.ref}", "End the chat now", "👋"),)
    for account in await ctx.tx.members.accounts_of(handoff.volunteer_id):
        ctx.send_to(account, Reply(text, buttons, token=COMMAND_TOKEN))


def _close(chat: IdleChat) -> Action:
    async def action(ctx: Context) -> None:
        handoff = await ctx.tx.handoffs.get(chat.handoff.id)
        if handoff is None or handoff.status is not HandoffStatus.ACTIVE:
            return
        if _quiet_now(ctx):
            return
        flagged = await chat_was_flagged(ctx, handoff)
        peer = await peer_name(ctx, handoff)
        await end_chat(ctx, handoff, by=EndReason.IDLE)
        if flagged:
            await _tell_admins(
                ctx,
                handoff,
                f"⚠️ The quiet peer chat in which the safety check flagged risk has now been "
                f"closed: {handoff.member_alias} with {peer} (chat {handoff.ref}). They have "
                "been shown the crisis lines again. Please consider checking in with them.",
            )
        log.info("peer_chat_idle_closed handoff=%s flagged=%s", handoff.id, flagged)

    return action


async def _tell_admins(
    ctx: Context, handoff: Handoff, text: str, *, buttons: tuple[Choice, ...] = ()
) -> None:
    volunteer = handoff.volunteer_id
    sides = set(await ctx.tx.members.accounts_of(volunteer)) if volunteer is not None else set()
    token = COMMAND_TOKEN if buttons else None
    for account in await admin_accounts(ctx):
        if account == ctx.account or account in sides:
            continue  # a side of the chat has been told as a side
        ctx.send_to(account, Reply(text, buttons, token=token, protect_content=True))
