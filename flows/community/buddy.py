"""Buddy-up: a peer volunteer going to an event meets a member there who would rather
not walk in alone. Volunteers offer per event; the first to accept a request gets it
(compare-and-set in storage) and everyone else's notice is edited to say so. An online
event has no door to walk through alone, so it is neither offered nor taken there."""

import logging

from flows.community.events import CANNOT_FIND, full_text, is_full_for, refusal, save_answer
from flows.community.text import is_online
from flows.core import notice_keys
from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.language import N_, _
from flows.core.local_time import when
from flows.core.parsing import parse_id
from flows.core.values import COMMAND_TOKEN, Reply, command_choice
from storage import Event, RsvpAnswer

log = logging.getLogger(__name__)

ONLINE_OFFER = N_(
    "Thank you! That one is online, so nobody needs meeting at the door. Buddy-up is for "
    "events in person."
)


async def willing_volunteers(ctx: Context, event_id: int) -> list[int]:
    """Active volunteers going to the event who offered to meet someone there."""
    member = ctx.require_member()
    found = []
    for volunteer_id in await ctx.tx.events.buddy_offers(event_id):
        volunteer = await ctx.tx.volunteers.get(volunteer_id)
        if volunteer is not None and volunteer.is_active and volunteer_id != member.id:
            found.append(volunteer_id)
    return found


async def offer(ctx: Context) -> None:
    """`/buddyoffer <event id>`: a volunteer going to the event will meet someone there."""
    raw = ctx.input.text.strip()
    member = ctx.require_member()
    event_id = parse_id(raw)
    answer = await ctx.tx.events.rsvp_of(event_id, member.id) if event_id else None
    if answer is None or answer.answer is not RsvpAnswer.GOING:
        ctx.say(
            _("Say you'll go to the event first (/events), then you can offer to meet someone.")
        )
        return
    event = await ctx.tx.events.get(answer.event_id)
    if event is not None and is_online(event):
        ctx.say(_(ONLINE_OFFER))
        return
    await ctx.tx.events.set_buddy_offer(answer.id, True)
    if ctx.input.is_command_tap:
        ctx.answered = "🤝 " + _("I can meet someone there")
    ctx.say(_("Thank you! If a member would like company there, I'll ask you. 💛"))
    # Members who asked before anyone offered were promised word when someone does.
    if event is None:
        return
    for waiting in await ctx.tx.events.open_buddy_requests(event.id):
        if waiting.member_id != member.id:
            asker = await ctx.tx.members.get(waiting.member_id)
            await _ask_to_meet(
                ctx, member.id, event, waiting.id, asker.pseudonym if asker else None
            )


async def _ask_to_meet(
    ctx: Context, volunteer_id: int, event: Event, rsvp_id: int, alias: str | None
) -> None:
    """A volunteer going to the event is asked to meet the member who would like company."""
    volunteer = await ctx.tx.members.get(volunteer_id)
    zone = volunteer.timezone if volunteer is not None else ctx.config.default_timezone
    with ctx.speaking_to(volunteer):
        if alias:
            asks = (
                _("🤝 {name} would like someone to meet them at {title} ({when}) — {place}.")
                if event.place
                else _("🤝 {name} would like someone to meet them at {title} ({when}).")
            )
        else:
            asks = (
                _("🤝 A member would like someone to meet them at {title} ({when}) — {place}.")
                if event.place
                else _("🤝 A member would like someone to meet them at {title} ({when}).")
            )
        text = (
            asks.format(
                name=alias, title=event.title, when=when(event.starts_at, zone), place=event.place
            )
            + " "
            + _("Will you look out for them?")
        )
        button = command_choice(f"buddymeet {rsvp_id}", _("I'll meet them"), "🤝")
    for account in await ctx.tx.members.accounts_of(volunteer_id):
        ctx.send_to(
            account,
            Reply(
                text,
                (button,),
                token=COMMAND_TOKEN,
                notice=notice_keys.buddy(rsvp_id),
            ),
        )


async def request(ctx: Context) -> None:
    """`/buddy <event id>`: a member would like a peer to meet them at the event."""
    raw = ctx.input.text.strip()
    member = ctx.require_member()
    event_id = parse_id(raw)
    event = await ctx.tx.events.get(event_id) if event_id else None
    problem = refusal(event, ctx)
    if problem is not None or event is None:
        ctx.say(problem or _(CANNOT_FIND))
        return
    if is_online(event):
        ctx.say(
            _(
                "{title} is online, so there's no door to walk through alone. If you'd like "
                "to go, answer it in /events; and /talk finds a peer to talk with, before or "
                "after."
            ).format(title=event.title)
        )
        return
    before = await ctx.tx.events.rsvp_of(event.id, member.id)
    if is_full_for(event, before):
        ctx.say(full_text(event))
        return
    saved = await save_answer(ctx, member, event, RsvpAnswer.GOING)
    await ctx.tx.events.request_buddy(saved.id)
    if ctx.input.is_command_tap:
        ctx.answered = "🤝 " + _("Go with a peer")
    volunteers = await willing_volunteers(ctx, event.id)
    at = when(event.starts_at, member.timezone)
    if saved.buddy_id is not None:
        ctx.say(
            _("You're going to {title} ({when}), and a peer is already meeting you. 🌱").format(
                title=event.title, when=at
            )
        )
        return
    if not volunteers:
        ctx.say(
            _(
                "You're going to {title} ({when}). 🌱 No peer volunteer has offered to meet "
                "anyone there yet — if one does, I'll tell you. I'll remind you before it "
                "starts."
            ).format(title=event.title, when=at)
        )
        return
    for volunteer_id in volunteers:
        await _ask_to_meet(ctx, volunteer_id, event, saved.id, member.pseudonym)
    log.info("buddy_requested rsvp=%s volunteers=%d", saved.id, len(volunteers))
    ctx.say(
        _(
            "You're going to {title} ({when}). 🌱 I've asked the peer volunteers who'll be "
            "there — I'll tell you who will look out for you."
        ).format(title=event.title, when=at)
    )


async def meet(ctx: Context) -> None:
    """`/buddymeet <answer id>`: the first volunteer to accept meets the member."""
    raw = ctx.input.text.strip()
    volunteer = await ctx.volunteer()
    rsvp_id = parse_id(raw)
    answer = await ctx.tx.events.get_rsvp(rsvp_id) if rsvp_id else None
    # Only a volunteer who offered to meet someone at that event may take the request:
    # taking it tells them the member's chosen name and where they will be.
    offers = await ctx.tx.events.buddy_offers(answer.event_id) if answer is not None else []
    if (
        volunteer is None
        or answer is None
        or volunteer.member_id not in offers
        or volunteer.member_id == answer.member_id
    ):
        ctx.say(_("That request has passed. Thank you for offering!"))
        return
    event = await ctx.tx.events.get(answer.event_id)
    if event is None or event.is_cancelled or event.starts_at <= ctx.now:
        ctx.say(_("That event has passed or was cancelled. Thank you for offering!"))
        return
    if not await ctx.tx.events.claim_buddy(answer.id, volunteer.member_id):
        ctx.say(_("Someone else is already meeting them, or they changed their plans. Thank you!"))
        return
    log.info("buddy_claimed rsvp=%s volunteer=%s", answer.id, volunteer.member_id)
    if ctx.input.is_command_tap:
        ctx.answered = "🤝 " + _("I'll meet them")
    member = await ctx.tx.members.get(answer.member_id)
    alias = member.pseudonym if member is not None and member.pseudonym else None
    helper = volunteer.display_name
    if alias and event.place:
        thanks = _("Thank you! {name} will look out for you ({volunteer}) at {place}. 💛")
    elif alias:
        thanks = _("Thank you! {name} will look out for you ({volunteer}). 💛")
    elif event.place:
        thanks = _("Thank you! the member will look out for you ({volunteer}) at {place}. 💛")
    else:
        thanks = _("Thank you! the member will look out for you ({volunteer}). 💛")
    ctx.say(thanks.format(name=alias, volunteer=helper, place=event.place))
    with ctx.speaking_to(member):
        meets = (
            _(
                "🤝 {volunteer}, a peer volunteer, will meet you at {title} at {place}. "
                "Look out for each other!"
            )
            if event.place
            else _(
                "🤝 {volunteer}, a peer volunteer, will meet you at {title}. Look out for "
                "each other!"
            )
        ).format(volunteer=helper, title=event.title, place=event.place)
    for account in await ctx.tx.members.accounts_of(answer.member_id):
        ctx.send_to(account, Reply(meets))
    # Everyone else's notice now says it was taken.
    for other_id in await ctx.tx.events.buddy_offers(event.id):
        if other_id == volunteer.member_id:
            continue
        with ctx.speaking_to(await ctx.tx.members.get(other_id)):
            taken = (
                _("🤝 Another volunteer is meeting {name} at {title}. Thank you!")
                if alias
                else _("🤝 Another volunteer is meeting the member at {title}. Thank you!")
            ).format(name=alias, title=event.title)
        for account in await ctx.tx.members.accounts_of(other_id):
            ctx.send_to(
                account,
                Reply(taken, replaces_notice=notice_keys.buddy(answer.id)),
            )


BUDDY_COMMANDS = (
    Command("buddy", N_("ask for a peer to meet you at an event"), request, hidden=True),
    Command(
        "buddyoffer",
        N_("offer to meet a member at an event"),
        offer,
        audience=Audience.PEER,
        hidden=True,
    ),
    Command(
        "buddymeet", N_("meet a member at an event"), meet, audience=Audience.PEER, hidden=True
    ),
)
