"""Slash commands: what each one is, who may run it, and what the others are told."""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from flows.core import audit
from flows.core.audience import Audience
from flows.core.context import Context
from flows.core.language import N_, _

log = logging.getLogger(__name__)

AUDIENCE_REFUSAL = {
    Audience.MEMBER: N_("Let's get you set up first — it takes a minute. Send /start to begin."),
    # Someone with no member row: nothing is stored about them to export or delete.
    Audience.PERSON: N_(
        "I don't store anything about you, so there's nothing to export or delete. "
        "If you'd like to join, send /start."
    ),
    Audience.VOLUNTEER: N_("That command is for peer volunteers. /help shows what you can do."),
    Audience.PEER: N_("That command is for peer volunteers. /help shows what you can do."),
    Audience.ADMIN: N_("That command is for admins. /help shows what you can do."),
    Audience.COMMUNITY: N_(
        "Community events are shared with members of Hearthside. Send /start to join — "
        "then /events shows what's coming up."
    ),
}
# Command audiences whose arguments are a person's own words, read by the crisis guard.
PEOPLES_COMMANDS = frozenset(
    {Audience.ANYONE, Audience.PERSON, Audience.MEMBER, Audience.COMMUNITY}
)

CommandHandler = Callable[[Context], Awaitable[None]]
# Reads in its own transaction; returns the work to run once that has committed, or None.
Prepare = Callable[[Context], Awaitable[Callable[[], Awaitable[object]] | None]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    description: str
    run: CommandHandler
    audience: Audience = Audience.MEMBER  # who may run it
    # Left out of /help and the channel's command menu (e.g. buttons' commands).
    hidden: bool = False
    # Slow work done before the command's own transaction, without holding the database
    # (`Engine.handle`): it reads what it needs in a transaction of its own and returns
    # what to run after that commits; the result is `ctx.prepared` when `run` runs.
    prepare: Prepare | None = None
    # The audit actions it may record (flows/core/audit.py); () for a staff command that
    # changes nothing. None: not declared, which a staff command must not be.
    audits: tuple[str, ...] | None = None


async def may_run(ctx: Context, command: Command) -> bool:
    """Whether the person `ctx` is about belongs to the command's audience."""
    if command.audience is Audience.ANYONE:
        return True
    if command.audience is Audience.ADMIN:
        return ctx.is_admin
    if command.audience is Audience.PERSON:
        return ctx.member is not None
    is_member = ctx.member is not None and ctx.member.is_onboarded
    if command.audience is Audience.COMMUNITY and (is_member or ctx.is_admin):
        return True
    if command.audience in (Audience.VOLUNTEER, Audience.PEER, Audience.COMMUNITY):
        volunteer = await ctx.volunteer()
        if command.audience is Audience.PEER:
            return volunteer is not None and volunteer.is_active and volunteer.is_peer
        return volunteer is not None and volunteer.is_active
    return is_member


async def _refusal(ctx: Context, command: Command) -> str:
    """Why not, in words true of this person: a volunteer an admin suspended or removed
    is told so, rather than that the command is for volunteers."""
    if command.audience in (Audience.VOLUNTEER, Audience.PEER):
        volunteer = await ctx.volunteer()
        if volunteer is not None and volunteer.removed_at is not None:
            return _(
                "You're no longer a peer volunteer here, so that command is closed to you. "
                "Please speak with an admin if you'd like to know more."
            )
        if volunteer is not None and not volunteer.is_active:
            return _(
                "An admin has paused your volunteering for now, so that command is closed "
                "to you. Please speak with an admin if you'd like to know more."
            )
    return _(AUDIENCE_REFUSAL[command.audience])


async def run_named(ctx: Context, name: str) -> None:
    """Run command `name` for the person `ctx` is about, or say why not."""
    command = ctx.engine.commands.get(name)
    if command is None:
        ctx.say(_("I don't know that command. /help lists what I can do."))
        ctx.remind_open_question()
        return
    if not await may_run(ctx, command):
        ctx.say(await _refusal(ctx, command))
        ctx.remind_open_question()
        return
    log.info("command name=%s member=%s", name, ctx.member.id if ctx.member else None)
    if command.audience is Audience.ADMIN:
        audit.admin_command(ctx, name, ctx.input.text)
    await command.run(ctx)
