"""Slash commands: what each one is, who may run it, and what the others are told."""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from flows.core import audit
from flows.core.context import Context

log = logging.getLogger(__name__)

AUDIENCE_REFUSAL = {
    "member": "Let's get you set up first — it takes a minute. Tap /start to begin.",
    # Someone with no member row: nothing is stored about them to export or delete.
    "person": "I don't store anything about you, so there's nothing to export or delete. "
    "If you'd like to join, tap /start.",
    "volunteer": "That command is for peer volunteers. /help shows what you can do.",
    "admin": "That command is for admins. /help shows what you can do.",
    "community": (
        "Community events are shared with members of Hearthside. Tap /start to join — "
        "then /events shows what's coming up."
    ),
}
# Command audiences whose arguments are a person's own words, read by the crisis guard.
PEOPLES_COMMANDS = frozenset({"anyone", "person", "member", "community"})

CommandHandler = Callable[[Context], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    description: str
    run: CommandHandler
    # Who may run it: 'anyone', 'person' (anyone with a member row, onboarded or not:
    # data rights), 'member' (finished onboarding), 'volunteer', 'admin', or 'community'
    # (a member, an active volunteer or an admin).
    audience: str = "member"
    # Left out of /help and the channel's command menu (e.g. buttons' commands).
    hidden: bool = False


async def may_run(ctx: Context, command: Command) -> bool:
    """Whether the person `ctx` is about belongs to the command's audience."""
    if command.audience == "anyone":
        return True
    if command.audience == "admin":
        return ctx.is_admin
    if command.audience == "person":
        return ctx.member is not None
    is_member = ctx.member is not None and ctx.member.is_onboarded
    if command.audience == "community" and (is_member or ctx.is_admin):
        return True
    if command.audience in ("volunteer", "community"):
        volunteer = await ctx.volunteer()
        return volunteer is not None and volunteer.is_active
    return is_member


async def run_named(ctx: Context, name: str) -> None:
    """Run command `name` for the person `ctx` is about, or say why not."""
    command = ctx.engine.commands.get(name)
    if command is None:
        ctx.say("I don't know that command. /help lists what I can do.")
        ctx.remind_open_question()
        return
    if not await may_run(ctx, command):
        ctx.say(AUDIENCE_REFUSAL[command.audience])
        ctx.remind_open_question()
        return
    log.info("command name=%s member=%s", name, ctx.member.id if ctx.member else None)
    if command.audience == "admin":
        audit.admin_command(ctx, name, ctx.input.text)
    await command.run(ctx)
