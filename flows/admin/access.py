"""Who can act as staff: admins list and revoke open invites (`/invites`), and list,
grant and revoke admin rights (`/admins`, `/admins grant`, `/admins revoke` or `/demote`).

Invites are shown by a short id, their kind and their times, never their code: only
the person it was given to needs the code, and it is not read back from storage.
Admins from the ADMINS setting are the deployment's own and cannot be demoted in chat;
an admin granted in chat (by an admin invite, or by another admin to an existing member
or volunteer) can be demoted by another admin, never the last one. Every step that
changes something asks to confirm first, as removing a volunteer does, and is recorded
in the audit trail once done.
"""

import logging

from flows.core import audit
from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.language import N_, _, ngettext
from flows.core.local_time import when
from flows.core.menus import show_menu
from flows.core.parsing import parse_id
from flows.core.values import Reply, command_choice
from storage import Account, Member, OpenInvite

log = logging.getLogger(__name__)

CONFIRM = "confirm"
# An open invite as listed, for each kind it can be.
DESCRIBED = {
    "volunteer": N_("#{id} volunteer invite — made {made}, expires {expires}"),
    "admin": N_("#{id} admin invite — made {made}, expires {expires}"),
}
DESCRIBED_OTHER = N_("#{id} invite — made {made}, expires {expires}")
INVITES_HOW = N_(
    "Choose an invite's Revoke under /invites, or send /invites revoke and its number."
)
DEMOTE_HOW = N_("Choose an admin's Demote under /admins, or send /demote and their number.")
GRANT_HOW = N_(
    "Choose a volunteer's Make admin under /admins grant, or send /admins grant and the "
    "person's member number. For someone not yet here, /invite admin makes an invite."
)
ADMINS_HOW = N_(
    "Send /admins to see who is an admin, /admins grant to make someone one, or "
    "/admins revoke and their number to take the rights back."
)


def _zone(ctx: Context) -> str:
    return ctx.member.timezone if ctx.member is not None else ctx.config.default_timezone


def _describe(ctx: Context, invite: OpenInvite) -> str:
    zone = _zone(ctx)
    return _(DESCRIBED.get(invite.role, DESCRIBED_OTHER)).format(
        id=invite.id, made=when(invite.created_at, zone), expires=when(invite.expires_at, zone)
    )


async def invites(ctx: Context) -> None:
    """`/invites` (admin): open invites with Revoke buttons; `/invites revoke <id>`."""
    words = ctx.input.text.lower().split()
    if words and words[0] == "revoke":
        await _revoke(ctx, words[1:])
        return
    if words:
        ctx.say(_(INVITES_HOW))
        return
    found = await ctx.tx.volunteers.open_invites(ctx.now)
    if not found:
        ctx.say(_("No invites are open. /invite creates one."))
        return
    lines = [_("Open invites (codes are never shown again):")]
    lines += [_("• {invite}").format(invite=_describe(ctx, invite)) for invite in found]
    ctx.say(
        "\n".join(lines),
        commands=[
            command_choice(f"invites revoke {i.id}", _("Revoke #{id}").format(id=i.id))
            for i in found
        ],
    )


async def _revoke(ctx: Context, words: list[str]) -> None:
    invite_id = parse_id(words[0]) if words else None
    if invite_id is None or words[1:] not in ([], [CONFIRM]):
        ctx.say(_(INVITES_HOW))
        return
    invite = await ctx.tx.volunteers.open_invite(invite_id, ctx.now)
    if invite is None:
        ctx.say(
            _(
                "Invite #{id} isn't open: it was used, revoked or has expired. "
                "/invites shows the open ones."
            ).format(id=invite_id)
        )
        return
    if words[1:] != [CONFIRM]:
        ctx.say(
            _("Revoke {invite}? Its code will stop working at once.").format(
                invite=_describe(ctx, invite)
            ),
            commands=[
                command_choice(
                    f"invites revoke {invite.id} {CONFIRM}",
                    _("Yes, revoke #{id}").format(id=invite.id),
                )
            ],
        )
        return
    await ctx.tx.volunteers.revoke_invite(invite.id, ctx.now)
    log.info("invite_revoked invite=%s", invite.id)
    audit.admin_action(ctx, "invite.revoke", invite.id)
    ctx.answered = _("Revoked #{id}").format(id=invite.id)
    ctx.say(_("Invite #{id} is revoked: its code no longer works.").format(id=invite.id))


# -- admins -------------------------------------------------------------------------
def _from_settings(ctx: Context, accounts: list[Account]) -> bool:
    return any(f"{a.channel}:{a.external_id}" in ctx.config.admins for a in accounts)


def _name(member: Member) -> str:
    if member.pseudonym:
        return f"{member.pseudonym} (#{member.id})"
    return _("admin #{id}").format(id=member.id)


async def admins(ctx: Context) -> None:
    """`/admins` (admin): who is an admin; `/admins grant [<number>]` makes one and
    `/admins revoke <number>` takes the rights back."""
    words = ctx.input.text.lower().split()
    if not words:
        await list_admins(ctx)
    elif words[0] == "grant":
        await _grant(ctx, words[1:])
    elif words[0] in ("revoke", "demote"):
        await _demote(ctx, words[1:])
    else:
        ctx.say(_(ADMINS_HOW))


async def list_admins(ctx: Context) -> None:
    """Who is an admin, and Demote buttons for those granted in chat."""
    waiting = len(ctx.config.admins_to_resolve)
    settings = len(ctx.config.admins)
    if waiting:
        first = ngettext(
            "Admins from the ADMINS setting: {count} (and {waiting} named by a phone number "
            "that their channel hasn't found yet). They are the deployment's own and can't be "
            "demoted in chat: change ADMINS and restart instead.",
            "Admins from the ADMINS setting: {count} (and {waiting} named by a phone number "
            "that their channel hasn't found yet). They are the deployment's own and can't be "
            "demoted in chat: change ADMINS and restart instead.",
            waiting,
        ).format(count=settings, waiting=waiting)
    else:
        first = _(
            "Admins from the ADMINS setting: {count}. They are the deployment's own and can't "
            "be demoted in chat: change ADMINS and restart instead."
        ).format(count=settings)
    lines = [first]
    granted = []
    for member_id in await ctx.tx.members.granted_admins():
        member = await ctx.tx.members.get(member_id)
        accounts = await ctx.tx.members.accounts_of(member_id)
        if member is not None and not _from_settings(ctx, accounts):
            granted.append(member)
    if not granted:
        lines.append(
            "\n"
            + _(
                "No admins granted in chat. /admins grant makes a member or volunteer one; "
                "/invite admin makes an invite for someone new."
            )
        )
        ctx.say("\n".join(lines))
        return
    lines.append("\n" + _("Granted in chat:"))
    lines += [
        (_("• {name} — you") if m.id == _me(ctx) else _("• {name}")).format(name=_name(m))
        for m in granted
    ]
    buttons = [
        command_choice(f"demote {m.id}", _("Demote {name}").format(name=_name(m)))
        for m in granted
        if m.id != _me(ctx)
    ]
    lines.append("\n" + _("/admins grant makes a member or volunteer an admin."))
    ctx.say("\n".join(lines), commands=buttons)


async def _grant(ctx: Context, words: list[str]) -> None:
    """Make an existing member or volunteer an admin, once confirmed."""
    if not words:
        await _grant_choices(ctx)
        return
    target_id = parse_id(words[0])
    if target_id is None or words[1:] not in ([], [CONFIRM]):
        ctx.say(_(GRANT_HOW))
        return
    target = await ctx.tx.members.get(target_id)
    accounts = await ctx.tx.members.accounts_of(target_id) if target is not None else []
    if target is None or not accounts:
        ctx.say(_("I can't find member #{id}.").format(id=target_id) + " " + _(GRANT_HOW))
        return
    name = await _grant_name(ctx, target)
    if target.is_admin or _from_settings(ctx, accounts):
        ctx.say(_("{name} is an admin already. /admins lists them.").format(name=name))
        return
    if words[1:] != [CONFIRM]:
        ctx.say(
            _(
                "Make {name} an admin? They get every admin command at once: /stats, the "
                "volunteers, invites, events, reports and alerts about members in crisis. "
                "Another admin can take it back with /admins revoke."
            ).format(name=name),
            commands=[
                command_choice(
                    f"admins grant {target.id} {CONFIRM}",
                    _("Yes, make {name} admin").format(name=name),
                )
            ],
        )
        return
    await ctx.tx.members.grant_admin(target.id)
    log.info("admin_granted member=%s", target.id)
    audit.admin_action(ctx, "admin.grant", target.id)
    await show_menu(ctx, target.id)
    ctx.answered = _("Made {name} admin").format(name=name)
    ctx.say(_("{name} is now an admin. /admins lists every admin.").format(name=name))
    with ctx.speaking_to(target):
        told = _(
            "An admin has made you an admin of this Hearthside. /help lists the admin "
            "commands. Thank you for taking this on. 💛"
        )
    for account in accounts:
        ctx.send_to(account, Reply(told))


async def _grant_name(ctx: Context, member: Member) -> str:
    """How the admin granting rights knows the person: their volunteer name, if any."""
    volunteer = await ctx.tx.volunteers.get(member.id)
    if volunteer is not None and not volunteer.coordinator:
        return f"{volunteer.display_name} (#{member.id})"
    return _name(member) if member.pseudonym else _("member #{id}").format(id=member.id)


async def _grant_choices(ctx: Context) -> None:
    """The volunteers who could be made admins, each with a button."""
    candidates = []
    for volunteer in await ctx.tx.volunteers.all():
        member = await ctx.tx.members.get(volunteer.member_id)
        accounts = await ctx.tx.members.accounts_of(volunteer.member_id)
        eligible = member is not None and not member.is_admin and volunteer.is_active
        if eligible and not _from_settings(ctx, accounts):
            candidates.append((volunteer.member_id, volunteer.display_name))
    if not candidates:
        ctx.say(
            _(
                "No volunteer is waiting to be made an admin. To make a member one, send "
                "/admins grant and their member number; for someone new, /invite admin."
            )
        )
        return
    lines = [_("Which volunteer should become an admin?")]
    lines += [f"• #{member_id} {name}" for member_id, name in candidates]
    lines.append(_("For a member who isn't a volunteer, send /admins grant and their number."))
    ctx.say(
        "\n".join(lines),
        commands=[
            command_choice(f"admins grant {member_id}", _("Make {name} admin").format(name=name))
            for member_id, name in candidates
        ],
    )


async def _admin_count(ctx: Context) -> int:
    """Admins there are now: ADMINS, and those granted in chat not in ADMINS."""
    granted = 0
    for member_id in await ctx.tx.members.granted_admins():
        if not _from_settings(ctx, await ctx.tx.members.accounts_of(member_id)):
            granted += 1
    return len(ctx.config.admins) + len(ctx.config.admins_to_resolve) + granted


def _me(ctx: Context) -> int | None:
    return ctx.member.id if ctx.member is not None else None


async def demote(ctx: Context) -> None:
    """`/demote <id>` (admin): take back admin rights granted in chat, after a confirmation."""
    await _demote(ctx, ctx.input.text.lower().split())


async def _demote(ctx: Context, words: list[str]) -> None:
    target_id = parse_id(words[0]) if words else None
    if target_id is None or words[1:] not in ([], [CONFIRM]):
        ctx.say(_(DEMOTE_HOW))
        return
    target = await ctx.tx.members.get(target_id)
    accounts = await ctx.tx.members.accounts_of(target_id) if target is not None else []
    if target is not None and _from_settings(ctx, accounts):
        ctx.say(
            _(
                "{name} is an admin from the ADMINS setting, which chat can't change. "
                "To take their rights back, remove them from ADMINS and restart Hearthside."
            ).format(name=_name(target))
        )
        return
    if target is None or not target.is_admin:
        ctx.say(
            _("#{id} isn't an admin granted in chat. /admins lists them.").format(id=target_id)
        )
        return
    if target.id == _me(ctx):
        ctx.say(_("You can't demote yourself here — another admin can do it for you."))
        return
    if await _admin_count(ctx) <= 1:
        ctx.say(
            _("{name} is the only admin, and Hearthside always keeps one.").format(
                name=_name(target)
            )
        )
        return
    name = _name(target)
    if words[1:] != [CONFIRM]:
        ctx.say(
            _(
                "Demote {name}? They lose the admin commands and stop getting admin alerts at "
                "once; their member account, if they have one, stays."
            ).format(name=name),
            commands=[
                command_choice(
                    f"demote {target.id} {CONFIRM}", _("Yes, demote {name}").format(name=name)
                )
            ],
        )
        return
    team = await ctx.tx.volunteers.get(target.id)
    # An admin who answered a request did so as a coordinator: that goes with the rights.
    if team is not None and team.coordinator:
        if team.active_chats:
            ctx.say(
                _(
                    "{name} is answering a member as a Hearthside coordinator right now. Try "
                    "again once that chat has ended."
                ).format(name=name)
            )
            return
        await ctx.tx.volunteers.delete(target.id)
    await ctx.tx.members.revoke_admin(target.id)
    log.info("admin_demoted member=%s", target.id)
    audit.admin_action(ctx, "admin.revoke", target.id)
    await show_menu(ctx, target.id)
    ctx.answered = _("Demoted {name}").format(name=name)
    ctx.say(_("{name} is no longer an admin.").format(name=name))
    with ctx.speaking_to(target):
        told = _(
            "An admin has taken back your admin rights for this Hearthside. Thank you "
            "for all you've done. /help shows what you can still do."
        )
    for account in accounts:
        ctx.send_to(account, Reply(told))


ACCESS_COMMANDS = (
    Command(
        "invites",
        N_("open invites, and revoking them"),
        invites,
        audience=Audience.ADMIN,
        audits=("invite.revoke",),
    ),
    Command(
        "admins",
        N_("who is an admin, granting and revoking"),
        admins,
        audience=Audience.ADMIN,
        audits=("admin.grant", "admin.revoke"),
    ),
    Command(
        "demote",
        N_("take back admin rights granted in chat"),
        demote,
        audience=Audience.ADMIN,
        audits=("admin.revoke",),
    ),
)
