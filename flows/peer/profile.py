"""A peer volunteer's own profile after joining, and the guide they are given.

- `/profile`: display name, topics, chats at once and time zone, one step at a time.
  Each step can be kept as it is, and nothing is saved until the last one, so `/cancel`
  changes nothing. The display name follows the one rule for names (flows/core/names.py)
  and must not look like another volunteer's.
- `/guide`: the short code of conduct and what to do when someone may be in danger,
  shown once when a volunteer joins and again whenever they ask.
"""

import logging
from datetime import timedelta
from typing import ClassVar, TypedDict

from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.flow import Answer, Chosen, Flow
from flows.core.language import N_, _, ngettext
from flows.core.local_time import read_zone_answer, timezone_choices, zone_confirmation
from flows.core.names import clean_name, looks_like_any, name_problem
from flows.core.parsing import timezone_label
from flows.core.values import Choice
from flows.peer.requests import (
    TOPIC_LABELS,
    TOPICS_DONE,
    toggle_topic,
    volunteer_topic_choices,
)
from storage import Volunteer

log = logging.getLogger(__name__)

KEEP = "keep"
CAPACITIES = (1, 2, 3)
LOOKS_LIKE_ANOTHER = N_(
    "Another volunteer already uses that name, or one that looks just like it — please "
    "choose another, so members can tell you apart."
)


def guide_text(ctx: Context) -> str:
    """The code of conduct and the crisis steps, with this deployment's lines."""
    conduct = _(
        "How we look after the people we talk with:\n"
        "• Listen first. Share your own experience only when it helps them.\n"
        "• What you hear stays with you. Never ask for or share contact details, real "
        "names, addresses or social media: Hearthside keeps you both anonymous.\n"
        "• You're a peer, not a counsellor or doctor: no diagnoses, no medical advice.\n"
        "• No judgement, no pressure, no preaching — and no dating or meeting up outside "
        "Hearthside's own events.\n"
        "• Look after yourself too: take breaks, /offcall when you need to, and /end a "
        "chat kindly when it's time."
    )
    danger = _(
        "If someone may be in danger:\n"
        "• Stay with them, and ask directly whether they are thinking of ending their life.\n"
        "• Share the crisis lines:"
    )
    after = _(
        "• If they are in immediate danger, urge them to call {number}: Hearthside can't "
        "send help itself.\n"
        "• /handover brings in an admin at any time. You don't have to handle it alone.\n"
        "• /report if something in a chat is wrong."
    ).format(number=ctx.config.crisis.emergency_number)
    return f"{conduct}\n\n{danger}\n{ctx.config.crisis.lines_text()}\n{after}\n\n" + _(
        "/guide shows this again."
    )


async def guide(ctx: Context) -> None:
    ctx.say(guide_text(ctx))


def _topics(topics: list[str] | tuple[str, ...]) -> str:
    return ", ".join(_(TOPIC_LABELS.get(t, t)) for t in topics) if topics else _("any topic")


def chats_label(capacity: int) -> str:
    """'1 chat', '2 chats': how many chats a volunteer holds at once."""
    return ngettext("{count} chat", "{count} chats", capacity).format(count=capacity)


def capacity_choices() -> list[Choice]:
    """How many chats at once, as the set-up and /profile offer it."""
    return [Choice(str(n), chats_label(n)) for n in CAPACITIES]


class ProfileData(TypedDict, total=False):
    name: str  # a new display name, when one was chosen
    topics: list[str]
    capacity: int
    timezone: str


class Profile(Flow[ProfileData]):
    """`/profile`: a peer volunteer changes what members and the rota know of them."""

    name = "volunteer_profile"
    title = N_("profile changes")
    timeout: ClassVar[timedelta] = timedelta(hours=1)

    async def _volunteer(self, ctx: Context) -> Volunteer:
        volunteer = await ctx.volunteer()
        assert volunteer is not None  # /profile is for peer volunteers
        return volunteer

    async def begin(self, ctx: Context) -> None:
        volunteer = await self._volunteer(ctx)
        member = ctx.require_member()
        ctx.say(
            _(
                "Your volunteer profile:\n"
                "• Display name: {name}\n"
                "• Topics: {topics}\n"
                "• Chats at once: {chats}\n"
                "• Time zone: {zone}\n\n"
                "I'll go through them one at a time — Keep leaves a part as it is. Nothing "
                "changes until the last step; /cancel stops without changing anything."
            ).format(
                name=volunteer.display_name,
                topics=_topics(volunteer.topics),
                chats=chats_label(volunteer.capacity),
                zone=timezone_label(member.timezone),
            )
        )
        self.data(ctx)["topics"] = list(volunteer.topics)
        ctx.ask(
            self.on_name,
            _("What display name would you like members to see? Type a new one, or keep it."),
            [Choice(KEEP, _("Keep “{name}”").format(name=volunteer.display_name))],
            free_text=True,
        )

    async def on_name(self, ctx: Context, answer: Answer) -> None:
        if answer.choice is None:
            if (problem := name_problem(answer.text)) is not None:
                ctx.reask(problem)
                return
            name = clean_name(answer.text)
            me = ctx.require_member().id
            others = [v.display_name for v in await ctx.tx.volunteers.all() if v.member_id != me]
            if looks_like_any(name, others):
                ctx.reask(_(LOOKS_LIKE_ANOTHER))
                return
            self.data(ctx)["name"] = name
        self._ask_topics(ctx, in_place=False)

    def _ask_topics(self, ctx: Context, *, in_place: bool) -> None:
        choices = volunteer_topic_choices(self.data(ctx)["topics"])
        ctx.ask(
            self.on_topics,
            _(
                "Which topics are you comfortable with? The ticked ones are yours now: choose "
                "one to tick or untick it, then Done (Done alone keeps them; none ticked means "
                "any topic)."
            ),
            choices,
            columns=2,
            in_place=in_place,
        )

    async def on_topics(self, ctx: Context, answer: Chosen) -> None:
        if answer.choice.value != TOPICS_DONE:
            toggle_topic(self.data(ctx)["topics"], answer.choice.value)
            self._ask_topics(ctx, in_place=True)
            return
        volunteer = await self._volunteer(ctx)
        ctx.ask(
            self.on_capacity,
            _("How many chats can you hold at once?"),
            [
                *capacity_choices(),
                Choice(KEEP, _("Keep {chats}").format(chats=chats_label(volunteer.capacity))),
            ],
            columns=3,
        )

    async def on_capacity(self, ctx: Context, answer: Chosen) -> None:
        if answer.choice.value != KEEP:
            self.data(ctx)["capacity"] = int(answer.choice.value)
        member = ctx.require_member()
        if member.is_onboarded:
            # Their one time zone is a member's setting too, where changing it also moves
            # their check-in reminders: /settings does both.
            await self._save(ctx)
            return
        ctx.ask(
            self.on_timezone,
            _(
                "Which time zone are you in? (Your shifts are in your own time.) Choose one, "
                "type a city, or keep it."
            ),
            [
                Choice(KEEP, _("Keep {zone}").format(zone=timezone_label(member.timezone))),
                *timezone_choices(ctx.config.default_timezone),
            ],
            columns=2,
            free_text=True,
        )

    async def on_timezone(self, ctx: Context, answer: Answer) -> None:
        if answer.choice is None or answer.choice.value != KEEP:
            # A typed city is resolved (and, when it could be several places, asked about).
            zone = read_zone_answer(ctx, answer, step=self.on_timezone)
            if zone is None:
                return
            self.data(ctx)["timezone"] = zone
        await self._save(ctx)

    async def _save(self, ctx: Context) -> None:
        data = self.data(ctx)
        volunteer = await self._volunteer(ctx)
        member = ctx.require_member()
        name = data.get("name")
        topics = data["topics"] if set(data["topics"]) != set(volunteer.topics) else None
        capacity = data.get("capacity")
        capacity = capacity if capacity != volunteer.capacity else None
        zone = data.get("timezone")
        zone = zone if zone != member.timezone else None
        name = name if name != volunteer.display_name else None
        ctx.finish()
        await ctx.tx.volunteers.update_profile(
            volunteer.member_id, display_name=name, topics=topics, capacity=capacity
        )
        if zone is not None:
            await ctx.tx.members.set_timezone(member.id, zone)
        changed = [
            *([_("display name: {name}").format(name=name)] if name is not None else []),
            *(
                [_("topics: {topics}").format(topics=_topics(topics))]
                if topics is not None
                else []
            ),
            *(
                [_("chats at once: {chats}").format(chats=chats_label(capacity))]
                if capacity is not None
                else []
            ),
            *(
                [_("time zone: {zone}").format(zone=zone_confirmation(zone, ctx.now))]
                if zone is not None
                else []
            ),
        ]
        log.info("volunteer_profile_changed member=%s parts=%d", volunteer.member_id, len(changed))
        tail = (
            "\n\n" + _("Your time zone is also a member setting of yours: /settings changes it.")
            if member.is_onboarded
            else ""
        )
        if not changed:
            ctx.say(_("Nothing changed — your profile is as it was. /profile any time.") + tail)
            return
        # The changes are a list ("display name: Sam; topics: …"), each part its own text.
        ctx.say(
            _("Saved. Your new {changes}. Thank you! 💛").format(changes="; ".join(changed)) + tail
        )


async def profile(ctx: Context) -> None:
    volunteer = await ctx.volunteer()
    if volunteer is not None and volunteer.active_chats:
        # In a chat, typed words go to the member: a reply must never become a name.
        ctx.say(
            _(
                "You can change your profile once your chats have ended — while you're in one, "
                "what you type goes to the member. /end finishes a chat."
            )
        )
        return
    await ctx.start_flow(Profile.name)


PROFILE_COMMANDS = (
    Command("profile", N_("change your volunteer profile"), profile, audience=Audience.PEER),
    Command(
        "guide",
        N_("the volunteers' code of conduct and crisis steps"),
        guide,
        audience=Audience.PEER,
    ),
)
