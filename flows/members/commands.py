"""Slash commands, /help, and what to say to text that arrives outside any conversation."""

from collections.abc import Iterable

from flows.checkins import reschedule
from flows.core.audience import Audience
from flows.core.commands import Command, may_run
from flows.core.context import Context
from flows.core.language import N_, _
from flows.core.menus import show_own_menu
from flows.members.lifecycle import leave_sign_up
from flows.members.onboarding import schedule_summary
from flows.peer import cancel_waiting, redeem
from flows.safety import SafetyPlanFlow, cancelled


async def start(ctx: Context) -> None:
    code = ctx.input.text.strip()
    if code:
        # A deep link from a volunteer or admin invite: /start <code>.
        await redeem(ctx, code)
        return
    await show_own_menu(ctx)
    member = ctx.member
    if member is not None and member.is_onboarded:
        ctx.say(
            _(
                "Welcome back, {name}! You're all set up — nothing has changed. "
                "/checkin to check in, /help for everything else."
            ).format(name=member.pseudonym)
        )
        ctx.remind_open_question()
        return
    if ctx.state is not None and ctx.state.flow == "onboarding":
        ctx.remind_open_question()
        return
    await ctx.start_flow("onboarding")


async def help_text(ctx: Context) -> str:
    lines = [_("Here's what I can do:")]
    sections: dict[str, list[str]] = {"volunteer": [], "admin": []}
    for command in ctx.engine.commands.values():
        if command.hidden or not await may_run(ctx, command):
            continue
        line = f"/{command.name} — {_(command.description)}"
        section = "volunteer" if command.audience is Audience.PEER else command.audience
        sections.get(section, lines).append(line)
    if sections["volunteer"]:
        lines += ["", _("For volunteers:"), *sections["volunteer"]]
    if sections["admin"]:
        lines += ["", _("For admins:"), *sections["admin"]]
    lines.append(
        "\n"
        + _(
            "Hearthside is not an emergency service. If you are in danger or thinking of "
            "harming yourself, please reach out now:\n{crisis_lines}"
        ).format(crisis_lines=ctx.config.crisis.short_text())
    )
    return "\n".join(lines)


async def show_help(ctx: Context) -> None:
    await show_own_menu(ctx)
    ctx.say(await help_text(ctx))
    ctx.remind_open_question()


async def cancel(ctx: Context) -> None:
    if ctx.state is None and await cancel_waiting(ctx):
        return
    if ctx.state is None:
        ctx.say(_("There's nothing to cancel right now. /help shows what I can do."))
        return
    if ctx.state.flow == "onboarding" and (ctx.member is None or not ctx.member.is_onboarded):
        # Half-finished sign-up: keep nothing.
        await leave_sign_up(ctx)
        ctx.say(
            _("Okay, I've stopped and kept nothing. Send /start whenever you'd like to begin.")
        )
        return
    if ctx.state.flow == SafetyPlanFlow.name:
        # Each step is saved as it is answered: say what is kept.
        said = await cancelled(ctx)
        ctx.finish()
        ctx.say(said)
        return
    said = await ctx.engine.flows[ctx.state.flow].cancelled(ctx)
    ctx.finish()
    ctx.say(said)


async def settings(ctx: Context) -> None:
    await ctx.start_flow("settings")


async def pause(ctx: Context) -> None:
    member = ctx.require_member()
    if member.paused:
        ctx.say(_("Reminders are already paused. /resume turns them back on."))
        return
    await ctx.tx.members.set_paused(member.id, True)
    await reschedule(ctx.tx, await ctx.reload_member(), ctx.now)
    ctx.say(
        _(
            "Paused. I won't send reminders until you /resume. "
            "You can still /checkin whenever you like."
        )
    )


async def resume(ctx: Context) -> None:
    member = ctx.require_member()
    if not member.paused:
        ctx.say(
            _("Reminders are on. {schedule}").format(
                schedule=schedule_summary(member.prompt_time, member.timezone)
            )
        )
        return
    await ctx.tx.members.set_paused(member.id, False)
    member = await ctx.reload_member()
    await reschedule(ctx.tx, member, ctx.now)
    ctx.say(
        _("Welcome back! {schedule}").format(
            schedule=schedule_summary(member.prompt_time, member.timezone)
        )
    )


async def delete(ctx: Context) -> None:
    await ctx.start_flow("delete")


async def _command_lines(ctx: Context, names: Iterable[str]) -> list[str]:
    """`/name — description` for each of these commands this person may run."""
    lines = []
    for name in names:
        command = ctx.engine.commands.get(name)
        if command is not None and await may_run(ctx, command):
            lines.append(f"/{name} — {_(command.description)}")
    return lines


async def _team_greeting(ctx: Context) -> str | None:
    """For a volunteer or admin who hasn't joined as a member: what they can do now."""
    volunteer = await ctx.volunteer()
    if volunteer is not None and not volunteer.is_peer:
        volunteer = None  # an admin's coordinator row: they are greeted as the admin
    if volunteer is None and not ctx.is_admin:
        return None
    names: list[str] = []
    if volunteer is not None and volunteer.is_active:
        if volunteer.on_call:
            opening = _(
                "Hi, {name}. You're on call — I'll message you here as "
                "soon as a member asks to talk."
            ).format(name=volunteer.display_name)
            names += ["offcall", "shifts"]
        else:
            opening = _("Hi, {name}. You're off call right now.").format(
                name=volunteer.display_name
            )
            names += ["oncall", "shifts"]
    elif volunteer is not None:
        opening = _(
            "Hi, {name}. An admin has paused your volunteering for now, "
            "so no peer requests will come to you."
        ).format(name=volunteer.display_name)
    else:
        opening = _("Hi! You're an admin of this Hearthside.")
    if ctx.is_admin:
        names += ["invite", "volunteers"]
    lines = [*await _command_lines(ctx, names), _("/help — everything else")]
    return _("{opening} I can't chat freely, but here's what you can do:\n{commands}").format(
        opening=opening, commands="\n".join(lines)
    )


async def outside_flow(ctx: Context) -> None:
    """Text that answers no question."""
    member = ctx.member
    if member is None or not member.is_onboarded:
        # Volunteers and admins needn't be members: don't send them to member sign-up.
        greeting = await _team_greeting(ctx)
        if greeting is not None:
            ctx.say(greeting)
            ctx.remind_open_question()
            return
        ctx.say(
            _(
                "Hi! I'm Hearthside, a check-in companion for recovery communities. "
                "Send /start to begin, or /help to see what I can do."
            )
        )
        ctx.remind_open_question()
        return
    ctx.say(
        _(
            "I'm here, {name}. I'm a simple check-in companion, so I can't chat "
            "freely — but I can /checkin with you, ask how connected you've been this week "
            "(/connect), show your /history, or find a peer to /talk to. /help lists everything."
        ).format(name=member.pseudonym)
    )


START_COMMANDS = (Command("start", N_("set up Hearthside"), start, audience=Audience.ANYONE),)
SETTINGS_COMMANDS = (
    Command("settings", N_("change your name, time zone or reminder time"), settings),
    Command("pause", N_("pause reminders"), pause),
    Command("resume", N_("turn reminders back on"), resume),
    # Data rights are everyone's who has a row: a volunteer who never joined as a member,
    # someone the crisis guard met before sign-up.
    Command("delete", N_("delete everything I store about you"), delete, audience=Audience.PERSON),
)
HELP_COMMANDS = (
    Command("cancel", N_("stop the current question"), cancel, audience=Audience.ANYONE),
    Command("help", N_("what I can do, and crisis lines"), show_help, audience=Audience.ANYONE),
)
