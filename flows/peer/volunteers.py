"""Volunteers: one-time invites, the volunteer's set-up, on call and off, and the
admin's list with suspend, reinstate and remove."""

import logging
import secrets
from datetime import timedelta
from typing import ClassVar, TypedDict

from flows.core import audit
from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.flow import Answer, Chosen, Flow
from flows.core.language import N_, _, ngettext
from flows.core.local_time import (
    read_zone_answer,
    timezone_choices,
    when,
    zone_confirmation,
)
from flows.core.menus import show_menu
from flows.core.names import clean_name, looks_like_any, name_problem
from flows.core.parsing import parse_id
from flows.core.values import Reply, command_choice
from flows.peer.profile import LOOKS_LIKE_ANOTHER, capacity_choices, guide_text
from flows.peer.relay import close_chats_of
from flows.peer.requests import (
    TOPICS_DONE,
    notify_waiting_to,
    toggle_topic,
    volunteer_topic_choices,
)
from storage import EndReason, Role, Volunteer, VolunteerStatus

log = logging.getLogger(__name__)

CODE_PREFIX = "v"  # deep-link payloads are [A-Za-z0-9_-]{1,64}


def new_code() -> str:
    return CODE_PREFIX + secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")


async def invite(ctx: Context) -> None:
    """`/invite` (admin): a one-time code and deep link; `/invite admin` makes an admin."""
    role = Role.ADMIN if ctx.input.text.strip().lower() == "admin" else Role.VOLUNTEER
    code = new_code()
    days = ctx.config.invite_days
    expires = ctx.now + timedelta(days=days)
    invite_id = await ctx.tx.volunteers.create_invite(
        code, role=role, now=ctx.now, expires_at=expires
    )
    log.info("invite_created role=%s", role)
    audit.admin_action(ctx, f"invite.create_{role}", invite_id)
    # A link that opens a chat with Hearthside and redeems the code, where the channel has them.
    deep_link = ctx.engine.channels.of(ctx.account).deep_link(code)
    zone = ctx.member.timezone if ctx.member is not None else ctx.config.default_timezone
    if role is Role.ADMIN:
        offer = ngettext(
            "Here is a one-time invite to join as an admin. It works once and expires in "
            "{days} day ({when}).",
            "Here is a one-time invite to join as an admin. It works once and expires in "
            "{days} days ({when}).",
            days,
        )
    else:
        offer = ngettext(
            "Here is a one-time invite to join as a peer volunteer. It works once and "
            "expires in {days} day ({when}).",
            "Here is a one-time invite to join as a peer volunteer. It works once and "
            "expires in {days} days ({when}).",
            days,
        )
    # Without a link (the console), the command is the only way, not an alternative.
    how = (
        _("They can open:\n{link}\nor send: /volunteer {code}").format(link=deep_link, code=code)
        if deep_link
        else _("They can send: /volunteer {code}").format(code=code)
    )
    text = (
        offer.format(days=days, when=when(expires, zone))
        + f"\n\n{how}\n\n"
        + _("Share it privately with that one person.")
    )
    # The code is written nowhere, not even in the outbox: a send that fails is retried
    # from memory for a while (flows/core/outgoing.py), then dropped, and the admin asks
    # for another.
    ctx.send_to(ctx.account, Reply(text, transient_text=True))


async def redeem(ctx: Context, code: str) -> None:
    """`/start <code>` or `/volunteer <code>`."""
    existing = await ctx.volunteer()
    if existing is not None and not existing.is_active:
        # Suspended or removed: a fresh invite must not undo an admin's decision.
        log.info("invite_refused member=%s reason=suspended", existing.member_id)
        ctx.say(
            _(
                "I can't take an invite code from this account right now. Please speak with "
                "an admin."
            )
        )
        return
    found = await ctx.tx.volunteers.find_invite(code)
    if found is None or found.used_at is not None or found.expires_at <= ctx.now:
        ctx.say(
            _(
                "That invite code isn't valid — it may have been used or expired. Please ask "
                "the admin who invited you for a new one."
            )
        )
        return
    if found.role is Role.ADMIN:
        member = await ctx.ensure_member()
        invite_id = await ctx.tx.volunteers.redeem_invite(found.digest, member.id, ctx.now)
        if invite_id is None:
            ctx.say(_("That invite code was just used. Please ask for a new one."))
            return
        await ctx.tx.members.grant_admin(member.id)
        log.info("admin_granted member=%s", member.id)
        audit.admin_action(ctx, "invite.redeem_admin", invite_id)
        await ctx.reload_member()
        await show_menu(ctx, member.id)
        if ctx.input.command == "volunteer":
            # The code says what it makes, whichever command carried it: say which it was.
            ctx.say(
                _(
                    "That was an admin invite, so you're now an admin of this Hearthside, not a "
                    "peer volunteer (an admin can send you a volunteer invite if you'd like to "
                    "be one too). /help lists the admin commands."
                )
            )
            return
        ctx.say(_("You're now an admin of this Hearthside. /help lists the admin commands."))
        return
    await ctx.ensure_member()
    if existing is not None and existing.is_peer:
        ctx.say(
            _("You're already a volunteer, {name}. /help shows your commands.").format(
                name=existing.display_name
            )
        )
        return
    # (An admin who answered members as a coordinator becomes a peer with this set-up.)
    await ctx.start_flow("volunteer_setup")
    # The conversation is stored: it keeps the digest, never the code.
    VolunteerSetup.data(ctx)["invite"] = found.digest


async def volunteer_command(ctx: Context) -> None:
    code = ctx.input.text.strip()
    if not code:
        volunteer = await ctx.volunteer()
        if volunteer is not None and volunteer.is_peer:
            status = (
                _("You're a volunteer, {name}. You're on call. /help shows your commands.")
                if volunteer.on_call
                else _("You're a volunteer, {name}. You're off call. /help shows your commands.")
            )
            ctx.say(status.format(name=volunteer.display_name))
            return
        ctx.say(_("To join as a peer volunteer, send /volunteer followed by your invite code."))
        return
    await redeem(ctx, code)


class VolunteerSetupData(TypedDict, total=False):
    invite: str  # the invite's digest
    name: str
    topics: list[str]
    capacity: int


class VolunteerSetup(Flow[VolunteerSetupData]):
    name = "volunteer_setup"
    title = N_("volunteer set-up")
    timeout: ClassVar[timedelta] = timedelta(days=1)

    async def begin(self, ctx: Context) -> None:
        ctx.say(
            _(
                "Welcome, and thank you for volunteering. 💛 As a peer, you'll be offered chats "
                "with members who ask to talk. You'll see only their chosen name, and they'll "
                "see only yours — never your account, username or number."
            )
        )
        ctx.ask(
            self.on_name,
            _(
                "What display name would you like members to see? It doesn't have to be your "
                "real name."
            ),
            free_text=True,
        )

    async def on_name(self, ctx: Context, answer: Answer) -> None:
        if (problem := name_problem(answer.text)) is not None:
            ctx.reask(problem)
            return
        name = clean_name(answer.text)
        member = ctx.require_member()
        others = [
            v.display_name for v in await ctx.tx.volunteers.all() if v.member_id != member.id
        ]
        if looks_like_any(name, others):
            ctx.reask(_(LOOKS_LIKE_ANOTHER))
            return
        self.data(ctx)["name"] = name
        self.data(ctx)["topics"] = []
        self._ask_topics(ctx, in_place=False)

    def _ask_topics(self, ctx: Context, *, in_place: bool) -> None:
        choices = volunteer_topic_choices(self.data(ctx)["topics"])
        ctx.ask(
            self.on_topics,
            _("Which topics are you comfortable with? Choose any, then Done (or just Done)."),
            choices,
            columns=2,
            in_place=in_place,
        )

    async def on_topics(self, ctx: Context, answer: Chosen) -> None:
        if answer.choice.value != TOPICS_DONE:
            toggle_topic(self.data(ctx)["topics"], answer.choice.value)
            self._ask_topics(ctx, in_place=True)
            return
        ctx.ask(
            self.on_capacity,
            _("How many chats can you hold at once?"),
            capacity_choices(),
            columns=3,
        )

    async def on_capacity(self, ctx: Context, answer: Chosen) -> None:
        self.data(ctx)["capacity"] = int(answer.choice.value)
        ctx.ask(
            self.on_timezone,
            _(
                "Which time zone are you in? (Your shifts are in your own time.) "
                "Choose one or type a city."
            ),
            timezone_choices(ctx.config.default_timezone),
            columns=2,
            free_text=True,
        )

    async def on_timezone(self, ctx: Context, answer: Answer) -> None:
        zone = read_zone_answer(ctx, answer, step=self.on_timezone)
        if zone is None:
            return
        member = ctx.require_member()
        # (A set-up begun before codes were hashed has no digest, and its code no longer works.)
        digest = str(self.data(ctx).get("invite", ""))
        invite_id = await ctx.tx.volunteers.redeem_invite(digest, member.id, ctx.now)
        if invite_id is None:
            ctx.finish()
            ctx.say(
                _(
                    "Sorry — that invite code was used or expired meanwhile. Please ask for a "
                    "new one."
                )
            )
            return
        # (A member keeps the zone of their /settings.)
        confirmed = ""
        if not member.is_onboarded:
            await ctx.tx.members.set_timezone(member.id, zone)
            confirmed = f"{zone_confirmation(zone, ctx.now)}\n\n"
        await ctx.tx.volunteers.add(
            member.id,
            display_name=str(self.data(ctx)["name"]),
            topics=list(self.data(ctx)["topics"]),
            capacity=int(self.data(ctx)["capacity"]),
            now=ctx.now,
        )
        log.info("volunteer_joined member=%s", member.id)
        audit.admin_action(ctx, "invite.redeem_volunteer", invite_id)
        await show_menu(ctx, member.id)
        name = self.data(ctx)["name"]
        ctx.finish()
        ctx.say(
            confirmed
            + _(
                "You're set up as a peer volunteer, {name}! 🎉\n\n"
                "/oncall — take requests now · /offcall — stop\n"
                "/shifts — set regular weekly times\n"
                "/profile — change your name, topics, chats at once or time zone\n"
                "/help — everything else"
            ).format(name=name)
        )
        # Before the first request reaches them: how to be with people, and what to do
        # when someone may be in danger.
        ctx.say(guide_text(ctx))


async def on_call(ctx: Context) -> None:
    volunteer = await ctx.volunteer()
    assert volunteer is not None
    if volunteer.on_call:
        ctx.say(_("You're already on call. /offcall when you need to stop."))
        return
    await ctx.tx.volunteers.set_on_call(volunteer.member_id, True)
    log.info("volunteer_on_call member=%s", volunteer.member_id)
    ctx.say(
        _("You're on call. 💛 Requests will appear here, each with an Accept. /offcall to stop.")
    )
    refreshed = await ctx.volunteer()
    assert refreshed is not None
    await notify_waiting_to(ctx, refreshed)


async def off_call(ctx: Context) -> None:
    volunteer = await ctx.volunteer()
    assert volunteer is not None
    if not volunteer.on_call:
        ctx.say(_("You're already off call. /oncall when you're ready."))
        return
    await ctx.tx.volunteers.set_on_call(volunteer.member_id, False)
    log.info("volunteer_off_call member=%s", volunteer.member_id)
    ctx.say(
        _(
            "You're off call — thank you for your time. Your open chats continue until you "
            "/end them."
        )
        if volunteer.active_chats
        else _("You're off call — thank you for your time.")
    )


def _status(volunteer: Volunteer) -> str:
    if volunteer.removed_at is not None:
        return _("✖️ removed")
    if not volunteer.is_active:
        return _("⛔ suspended")
    return _("🟢 on call") if volunteer.on_call else _("⚪ off call")


async def list_volunteers(ctx: Context) -> None:
    volunteers = await ctx.tx.volunteers.all()
    if not volunteers:
        ctx.say(_("No volunteers yet. /invite creates a one-time invite."))
        return
    lines = [_("Volunteers:")]
    buttons = []
    for v in volunteers:
        # (Topics as they are kept: the words /volunteers has always shown.)
        topics = ", ".join(v.topics) if v.topics else _("any topic")
        # The member number is what /suspend, /reinstate and /admins grant take, typed.
        lines.append(
            _("• #{id} {name} — {status}, chats {active}/{capacity}, {topics}").format(
                id=v.member_id,
                name=v.display_name,
                status=_status(v),
                active=v.active_chats,
                capacity=v.capacity,
                topics=topics,
            )
        )
        name = v.display_name
        if v.is_active:
            buttons.append(
                command_choice(f"suspend {v.member_id}", _("Suspend {name}").format(name=name))
            )
        else:
            buttons.append(
                command_choice(f"reinstate {v.member_id}", _("Reinstate {name}").format(name=name))
            )
        if v.removed_at is None:
            buttons.append(
                command_choice(
                    f"removevolunteer {v.member_id}", _("Remove {name}").format(name=name)
                )
            )
    ctx.say("\n".join(lines), commands=buttons)


async def _target(ctx: Context) -> tuple[int, str] | None:
    arg = ctx.input.text.split()
    target = parse_id(arg[0]) if arg else None
    if target is None:
        ctx.say(_("Which volunteer? /volunteers lists them, with what you can do for each."))
        return None
    volunteer = await ctx.tx.volunteers.get(target)
    if volunteer is None:
        ctx.say(_("I couldn't find that volunteer."))
        return None
    return volunteer.member_id, volunteer.display_name


SUSPENDED_NOTE = N_(
    "An admin has paused your volunteering for now, so no peer requests will come to you "
    "and the volunteer commands are closed to you. Please speak with an admin if you'd "
    "like to know more. Thank you for the time you've given. 💛"
)


async def suspend(ctx: Context) -> None:
    """`/suspend <volunteer>` (admin): off the rota until reinstated, once confirmed."""
    target = await _target(ctx)
    if target is None:
        return
    member_id, name = target
    volunteer = await ctx.tx.volunteers.get(member_id)
    if volunteer is not None and not volunteer.is_active:
        ctx.say(
            _("{name} is suspended already. /volunteers can reinstate them.").format(name=name)
        )
        return
    if not ctx.input.text.strip().endswith("confirm"):
        chats = volunteer.active_chats if volunteer is not None else 0
        question = _(
            "Suspend {name}? They go off call and can't accept requests or rejoin with an "
            "invite until an admin reinstates them; they're told that an admin has paused "
            "their volunteering."
        ).format(name=name)
        if chats:
            question += " " + ngettext(
                "Their {count} open chat(s) end now: the members are told kindly and "
                "offered another peer.",
                "Their {count} open chat(s) end now: the members are told kindly and "
                "offered another peer.",
                chats,
            ).format(count=chats)
        ctx.say(
            question,
            commands=[
                command_choice(
                    f"suspend {member_id} confirm", _("Yes, suspend {name}").format(name=name)
                )
            ],
        )
        return
    await ctx.tx.volunteers.set_status(member_id, VolunteerStatus.SUSPENDED)
    ended = await _end_chats_of_volunteer(ctx, member_id)
    log.info("volunteer_suspended member=%s chats_ended=%d", member_id, ended)
    audit.admin_action(ctx, "volunteer.suspend", member_id)
    await show_menu(ctx, member_id)
    with ctx.speaking_to(await ctx.tx.members.get(member_id)):
        note = _(SUSPENDED_NOTE)
    for account in await ctx.tx.members.accounts_of(member_id):
        ctx.send_to(account, Reply(note))
    ctx.answered = _("Suspended {name}").format(name=name)
    done = _(
        "{name} is suspended: off call, and can't accept requests or rejoin with an "
        "invite until an admin reinstates them. They've been told."
    ).format(name=name)
    if ended:
        done += " " + ngettext(
            "Their {count} open chat(s) ended; the members were told kindly and offered "
            "another peer.",
            "Their {count} open chat(s) ended; the members were told kindly and offered "
            "another peer.",
            ended,
        ).format(count=ended)
    ctx.say(done)


async def _end_chats_of_volunteer(ctx: Context, volunteer_id: int) -> int:
    """A volunteer taken off the rota leaves no member in a chat with nobody."""
    chats = await ctx.tx.handoffs.active_for_volunteer(volunteer_id)
    await close_chats_of(
        ctx, volunteer_id, as_member=None, as_volunteer=EndReason.VOLUNTEER_SUSPENDED
    )
    return len(chats)


async def reinstate(ctx: Context) -> None:
    target = await _target(ctx)
    if target is None:
        return
    volunteer = await ctx.tx.volunteers.get(target[0])
    if volunteer is not None and volunteer.is_active:
        ctx.say(
            _("{name} is an active volunteer already. /volunteers lists them all.").format(
                name=target[1]
            )
        )
        return
    await ctx.tx.volunteers.set_status(target[0], VolunteerStatus.ACTIVE)
    audit.admin_action(ctx, "volunteer.reinstate", target[0])
    await show_menu(ctx, target[0])
    with ctx.speaking_to(await ctx.tx.members.get(target[0])):
        note = _("An admin has reinstated you as a peer volunteer. 💛 /oncall when you're ready.")
    for account in await ctx.tx.members.accounts_of(target[0]):
        ctx.send_to(account, Reply(note))
    ctx.answered = _("Reinstated {name}").format(name=target[1])
    ctx.say(
        _("{name} is reinstated (still off call until they choose /oncall).").format(
            name=target[1]
        )
    )


async def remove_volunteer(ctx: Context) -> None:
    target = await _target(ctx)
    if target is None:
        return
    member_id, name = target
    volunteer = await ctx.tx.volunteers.get(member_id)
    if volunteer is not None and volunteer.removed_at is not None:
        ctx.say(_("{name} was removed already. /volunteers can reinstate them.").format(name=name))
        return
    if not ctx.input.text.strip().endswith("confirm"):
        ctx.say(
            _(
                "Remove {name} as a volunteer? Their shifts are deleted, their open chats end "
                "(the members are told kindly and offered another peer), and they can't take "
                "requests or rejoin with an invite unless an admin reinstates them; their "
                "member account (if any) stays."
            ).format(name=name),
            commands=[
                command_choice(
                    f"removevolunteer {member_id} confirm",
                    _("Yes, remove {name}").format(name=name),
                )
            ],
        )
        return
    ended = await _end_chats_of_volunteer(ctx, member_id)
    await ctx.tx.volunteers.remove(member_id, ctx.now)
    log.info("volunteer_removed member=%s chats_ended=%d", member_id, ended)
    audit.admin_action(ctx, "volunteer.remove", member_id)
    await show_menu(ctx, member_id)
    ctx.answered = _("Removed {name}").format(name=name)
    ctx.say(_("{name} has been removed as a volunteer.").format(name=name))


VOLUNTEER_COMMANDS = (
    Command(
        "volunteer",
        N_("join as a peer volunteer with an invite code"),
        volunteer_command,
        audience=Audience.ANYONE,
        hidden=True,
        audits=("invite.redeem_volunteer", "invite.redeem_admin"),
    ),
    Command("oncall", N_("take peer requests now"), on_call, audience=Audience.PEER),
    Command("offcall", N_("stop taking peer requests"), off_call, audience=Audience.PEER),
    Command(
        "invite",
        N_("create a one-time volunteer invite"),
        invite,
        audience=Audience.ADMIN,
        audits=("invite.create_volunteer", "invite.create_admin"),
    ),
    Command(
        "volunteers",
        N_("list volunteers, suspend or remove"),
        list_volunteers,
        audience=Audience.ADMIN,
        audits=(),
    ),
    Command(
        "suspend",
        N_("suspend a volunteer"),
        suspend,
        audience=Audience.ADMIN,
        hidden=True,
        audits=("volunteer.suspend",),
    ),
    Command(
        "reinstate",
        N_("reinstate a volunteer"),
        reinstate,
        audience=Audience.ADMIN,
        hidden=True,
        audits=("volunteer.reinstate",),
    ),
    Command(
        "removevolunteer",
        N_("remove a volunteer"),
        remove_volunteer,
        audience=Audience.ADMIN,
        hidden=True,
        audits=("volunteer.remove",),
    ),
)
