"""Command menus by role: members see the members' commands, volunteers theirs as well,
admins every command, each in the account's language.

Flows only say whose menu an account now has (`show_menu`, a `Reply.menu` committed with
the role change); a channel with menus (`ChannelInfo.menus`: Telegram's per-chat
setMyCommands) shows it, the others never get one. At start the channel sets the members'
menu in every language (shown by the app's language), then the menus of everyone who is
staff, or was (`staff_menus`), so they match the roles in storage.

A member's menu in `Menu.language_code` "" is the channel's default one, which the app's
language picks; a member who chose a language other than their app's is given the members'
menu in theirs, for their chat alone (`show_own_menu`, as they change it with /language).
"""

from collections.abc import Iterable

from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.config import FlowConfig
from flows.core.context import Context
from flows.core.values import Menu, MenuRole, Reply
from storage import Account, Member, Transaction

MEMBER_AUDIENCES = frozenset(
    {Audience.ANYONE, Audience.PERSON, Audience.MEMBER, Audience.COMMUNITY}
)
VOLUNTEER_AUDIENCES = MEMBER_AUDIENCES | {Audience.VOLUNTEER, Audience.PEER}
# The command that changes a person's language (flows/members/language.py): their menu
# follows it.
LANGUAGE_COMMAND = "language"


def menu_commands(commands: Iterable[Command], role: MenuRole) -> list[Command]:
    """The commands `role`'s menu lists, in the engine's (/help's) order."""
    shown = [command for command in commands if not command.hidden]
    if role is MenuRole.ADMIN:
        return shown
    audiences = VOLUNTEER_AUDIENCES if role is MenuRole.VOLUNTEER else MEMBER_AUDIENCES
    return [command for command in shown if command.audience in audiences]


async def role_of(
    tx: Transaction, config: FlowConfig, account: Account, member: Member | None
) -> MenuRole:
    """Whose menu `account` (of `member`, if it has one) should show now."""
    if f"{account.channel}:{account.external_id}" in config.admins:
        return MenuRole.ADMIN
    if member is None:
        return MenuRole.MEMBER
    if member.is_admin:
        return MenuRole.ADMIN
    volunteer = await tx.volunteers.get(member.id)
    if volunteer is not None and volunteer.is_active and volunteer.is_peer:
        return MenuRole.VOLUNTEER
    return MenuRole.MEMBER


def menu_in(role: MenuRole, language: str, config: FlowConfig) -> Menu:
    """`role`'s menu in `language`: for a member in the deployment's default language, the
    channel's default menu (the app's language picks it), as nothing tells which their app
    shows; for anyone else, one for their chat alone in their language."""
    if role is MenuRole.MEMBER and language == config.default_language:
        return Menu(role)
    return Menu(role, language)


async def show_menu(ctx: Context, member_id: int) -> None:
    """`member_id`'s role may have changed: each of their accounts on a channel with menus
    is sent the menu of the role they have now, in their language, with this step's
    change."""
    member = await ctx.tx.members.get(member_id)
    if member is None:
        return
    language = ctx.language_of(member)
    for account in await ctx.tx.members.accounts_of(member_id):
        if ctx.engine.channels.of(account).menus:
            role = await role_of(ctx.tx, ctx.config, account, member)
            ctx.send_to(account, Reply("", menu=menu_in(role, language, ctx.config)))


async def show_own_menu(ctx: Context) -> None:
    """Staff opening the bot (/start, /help) are sent their menu again: one in ADMINS who
    had never written to the bot could not be given theirs at start. A member is sent
    theirs where their language is not their app's (their app's own shows otherwise), and
    always as they choose one (/language), so a menu of their chat's own follows it."""
    if not ctx.engine.channels.of(ctx.account).menus:
        return
    role = await role_of(ctx.tx, ctx.config, ctx.account, ctx.member)
    language = ctx.language_of(ctx.member)
    if role is not MenuRole.MEMBER:
        ctx.send_to(ctx.account, Reply("", menu=Menu(role, language)))
        return
    app = ctx.app_language()
    if app == language:
        if ctx.input.command == LANGUAGE_COMMAND:
            # Back to their app's language: the default menu shows it again.
            ctx.send_to(ctx.account, Reply("", menu=Menu(role)))
    elif app is not None or ctx.input.command == LANGUAGE_COMMAND:
        ctx.send_to(ctx.account, Reply("", menu=Menu(role, language)))


async def reset_menus(ctx: Context, accounts: Iterable[Account]) -> None:
    """These accounts no longer belong to anyone here (their person deleted their data):
    where a channel has menus, they go back to the members' menu (an account in ADMINS
    keeps the admins')."""
    for account in accounts:
        if ctx.engine.channels.of(account).menus:
            role = await role_of(ctx.tx, ctx.config, account, None)
            ctx.send_to(account, Reply("", menu=Menu(role)))


async def staff_menus(
    tx: Transaction, config: FlowConfig, channel: str
) -> list[tuple[Account, Menu]]:
    """The menu of every account on `channel` that is staff or was: ADMINS, admins granted
    in chat and every volunteer, suspended and removed ones included (theirs goes back to
    the members' menu)."""
    found: dict[Account, Member | None] = {}
    for key in sorted(config.admins):
        name, _, external_id = key.partition(":")
        if name == channel:
            account = Account(name, external_id)
            found[account] = await tx.members.find_by_account(account)
    people = set(await tx.members.granted_admins())
    people |= {volunteer.member_id for volunteer in await tx.volunteers.all()}
    for member_id in sorted(people):
        member = await tx.members.get(member_id)
        for account in await tx.members.accounts_of(member_id):
            if account.channel == channel:
                found[account] = member
    menus = []
    for account, member in found.items():
        language = member.language if member is not None and member.language else ""
        role = await role_of(tx, config, account, member)
        menus.append((account, menu_in(role, language or config.default_language, config)))
    return menus
