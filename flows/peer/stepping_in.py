"""What an admin can do when asked to step in: accounts are pseudonymous, so "please contact
them" is a request nobody can carry out. Instead the admin acts through the bot.

- `/takeover <chat>` (the "Take over the chat" button on a handover): the admin, as a
  Hearthside coordinator, becomes the member's peer in that chat; the member is told who
  is with them now, and the volunteer is thanked and freed.
- `/supportchat <volunteer>` (the "Talk with them" button on a volunteer's debrief): a
  chat through the bot between the admin, as a coordinator, and the volunteer.

An admin who volunteers too speaks under their own display name; any other admin answers
through a coordinator's row, which is no listed volunteer (`admin_as_volunteer`).
"""

import logging

from flows.core import audit, notice_keys
from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.language import N_, _
from flows.core.parsing import parse_id
from flows.core.values import COMMAND_TOKEN, Choice, Reply, command_choice
from flows.peer.requests import (
    COORDINATOR_NAME,
    admin_as_volunteer,
    debrief_choices,
    find_handoff,
    point_at_next_chat,
    speaking_to_account,
    speaking_to_id,
)
from storage import Handoff, HandoffStatus, Priority, Volunteer

log = logging.getLogger(__name__)


def take_over_choice(handoff: Handoff) -> Choice:
    """The button, in the language being spoken (the admin's it is made for)."""
    return command_choice(f"takeover {handoff.ref}", _("Take over the chat"), "🙋")


def support_chat_choice(volunteer_id: int) -> Choice:
    return command_choice(f"supportchat {volunteer_id}", _("Talk with them"), "💬")


def _now_talking(admin: Volunteer, alias: str) -> str:
    """How the admin is told whom they now talk with, and whom they speak as."""
    if admin.coordinator:
        said = _("You're now talking with {alias}, as a Hearthside coordinator.")
        return said.format(alias=alias)
    said = _("You're now talking with {alias}, as {name}.")
    return said.format(alias=alias, name=admin.display_name)


THROUGH_THE_BOT = N_(
    "Everything you type here is passed on to them, and theirs to you, under your chosen "
    "names only: neither of you sees the other's account. /end finishes the chat."
)


async def take_over(ctx: Context) -> None:
    """`/takeover <chat>`: an admin becomes the member's peer in a chat in trouble."""
    handoff = await find_handoff(ctx, ctx.input.text)
    if handoff is None or handoff.status is not HandoffStatus.ACTIVE or handoff.member_id is None:
        ctx.answered = _("Already handled")
        ctx.say(_("That chat has ended or was taken over already. Thank you for stepping in. 💛"))
        return
    previous = handoff.volunteer_id
    team = await admin_as_volunteer(ctx)
    if team is None or previous == team.member_id:
        ctx.say(_("You're already the one in that chat."))
        return
    if not await ctx.tx.handoffs.reassign(handoff.id, team.member_id):
        ctx.say(_("That chat has just ended. Thank you for stepping in. 💛"))
        return
    log.info("chat_taken_over handoff=%s admin=%s", handoff.id, team.member_id)
    audit.admin_action(ctx, "chat.takeover", handoff.id)
    # Someone new has come to talk: the chat is not quiet, and a warning that it would be
    # wrapped up no longer holds (flows/peer/idle.py).
    await ctx.tx.handoffs.record_relayed(handoff.id, ctx.now)
    await ctx.tx.volunteers.set_current_handoff(team.member_id, handoff.id)
    ctx.answered = _("Taken over")
    for account in await ctx.tx.notices.recipients(notice_keys.handover(handoff.id)):
        if account != ctx.account:
            with await speaking_to_account(ctx, account):
                taken = _("Another admin has taken over the chat with {alias}.")
                taken = taken.format(alias=handoff.member_alias)
            ctx.send_to(account, Reply(taken, replaces_notice=notice_keys.handover(handoff.id)))
    ctx.say(f"{_now_talking(team, handoff.member_alias)} {_(THROUGH_THE_BOT)}")
    with await speaking_to_id(ctx, handoff.member_id):
        # No admin is passed off as a peer.
        if team.coordinator:
            joined = _(
                "{coordinator} has joined and is with you now. 💛 They can't see your "
                "account, only your chosen name. Just type here, as before."
            ).format(coordinator=_(COORDINATOR_NAME))
        else:
            joined = _(
                "{name}, from Hearthside, has joined and is with you now. 💛 They can't see "
                "your account, only your chosen name. Just type here, as before."
            ).format(name=team.display_name)
    for account in await ctx.tx.members.accounts_of(handoff.member_id):
        ctx.send_to(account, Reply(joined))
    if previous is not None:
        await point_at_next_chat(ctx, previous)
        with await speaking_to_id(ctx, previous):
            thanked = _(
                "An admin has taken over your chat with {alias}, as you asked. Thank you for "
                "staying with them. 💛 How are you after that?"
            ).format(alias=handoff.member_alias)
            buttons = debrief_choices()
        for account in await ctx.tx.members.accounts_of(previous):
            ctx.send_to(account, Reply(thanked, buttons, token=COMMAND_TOKEN))


async def support_chat(ctx: Context) -> None:
    """`/supportchat <volunteer>`: the admin, as a coordinator, talks with a volunteer."""
    volunteer_id = parse_id(ctx.input.text)
    volunteer = await ctx.tx.volunteers.get(volunteer_id) if volunteer_id else None
    if volunteer is None:
        ctx.say(_("I couldn't find that volunteer."))
        return
    name = volunteer.display_name
    if await ctx.tx.handoffs.open_for_member(volunteer.member_id) is not None:
        ctx.answered = _("Already talking")
        ctx.say(_("{name} is already in a chat of their own with someone.").format(name=name))
        return
    if volunteer.active_chats:
        # Their words would come to you instead of to the members they are with.
        ctx.say(
            _(
                "{name} is in a peer chat with a member right now. Try again once it has ended."
            ).format(name=name)
        )
        return
    team = await admin_as_volunteer(ctx)
    if team is None or team.member_id == volunteer.member_id:
        ctx.say(_("That's you — another admin can talk with you."))
        return
    handoff_id = await ctx.tx.handoffs.request(
        volunteer.member_id,
        alias=volunteer.display_name,
        priority=Priority.ORDINARY,
        topic="debrief",
        now=ctx.now,
        escalate_at=None,
    )
    await ctx.tx.handoffs.claim(handoff_id, team.member_id, ctx.now)
    await ctx.tx.volunteers.set_current_handoff(team.member_id, handoff_id)
    log.info("support_chat handoff=%s admin=%s", handoff_id, team.member_id)
    audit.admin_action(ctx, "chat.support", volunteer.member_id)
    ctx.answered = _("Talking with {name}").format(name=name)
    ctx.say(f"{_now_talking(team, name)} {_(THROUGH_THE_BOT)}")
    with await speaking_to_id(ctx, volunteer.member_id):
        if team.coordinator:
            here = _(
                "{coordinator} is here to talk with you, as you asked. 💛 Just type here; /end "
                "finishes the chat."
            ).format(coordinator=_(COORDINATOR_NAME))
        else:
            here = _(
                "{name}, from Hearthside, is here to talk with you, as you asked. 💛 Just type "
                "here; /end finishes the chat."
            ).format(name=team.display_name)
    for account in await ctx.tx.members.accounts_of(volunteer.member_id):
        ctx.send_to(account, Reply(here))


STEPPING_IN_COMMANDS = (
    Command(
        "takeover",
        N_("take over a peer chat"),
        take_over,
        audience=Audience.ADMIN,
        hidden=True,
        audits=("chat.takeover",),
    ),
    Command(
        "supportchat",
        N_("talk with a volunteer"),
        support_chat,
        audience=Audience.ADMIN,
        hidden=True,
        audits=("chat.support",),
    ),
)
