"""Telling people of a change to a repeating event's coming dates: whoever is going to
any date changed hears once, of the soonest one, not once a date. A feed's sync and an
admin's edit of a whole series both use it.
"""

from dataclasses import dataclass, field

from flows.community.isolation import refresh_nudge_schedule
from flows.community.reminders import next_stage
from flows.core.context import Context
from flows.core.language import _, ngettext
from flows.core.local_time import when
from flows.core.values import Reply
from storage import Event, EventFields, EventSeries


async def going_to(ctx: Context, event: Event, *, reschedule: bool) -> list[int]:
    """Those going (or maybe) to a date; with `reschedule`, their reminders follow its
    new time."""
    going = []
    for answer in await ctx.tx.events.attendees(event.id):
        member = await ctx.tx.members.get(answer.member_id)
        if member is None:
            continue
        if reschedule:
            stage, due = next_stage(event, member.timezone, ctx.config, ctx.now)
            await ctx.tx.events.schedule(answer.id, stage, due)
        going.append(member.id)
    return going


async def change_date(
    ctx: Context, event: Event, fields: EventFields
) -> tuple[Event, list[int], bool]:
    """One date of a series given its new details: the date as it is now, those going
    (their reminders following a new time), and whether it moved."""
    await ctx.tx.events.update(event.id, fields, now=ctx.now)
    after = await ctx.tx.events.get(event.id)
    assert after is not None
    moved = (event.starts_at, event.ends_at) != (after.starts_at, after.ends_at)
    return after, await going_to(ctx, after, reschedule=moved), moved


@dataclass(slots=True)
class SeriesNews:
    """What changed in a series' coming dates, by who is going: each person is told once,
    of the soonest date it touches."""

    closed: dict[int, list[Event]] = field(default_factory=dict)
    changed: dict[int, list[Event]] = field(default_factory=dict)
    dropped: dict[int, list[Event]] = field(default_factory=dict)

    @staticmethod
    def add(into: dict[int, list[Event]], members: list[int], event: Event) -> None:
        for member_id in members:
            into.setdefault(member_id, []).append(event)

    async def tell(self, ctx: Context, *, before: EventSeries) -> int:
        told = 0
        for member_id in sorted(self.closed.keys() | self.changed.keys() | self.dropped.keys()):
            member = await refresh_nudge_schedule(
                ctx.tx, member_id, now=ctx.now, config=ctx.config
            )
            if member is None or member.unreachable_at is not None:
                continue
            with ctx.speaking_to(member):
                text = self._text(member_id, member.timezone, before)
            for account in await ctx.tx.members.accounts_of(member_id):
                ctx.send_to(account, Reply(text))
            told += 1
        return told

    def _text(self, member_id: int, timezone: str, before: EventSeries) -> str:
        lines = []
        if closed := self.closed.get(member_id):
            first = closed[0]
            at = when(first.starts_at, timezone)
            place = before.fields.place
            if len(closed) > 1:
                text = (
                    _(
                        "📣 {title}: {place} is closed for now, so it meets online only "
                        "from {when}."
                    )
                    if place
                    else _(
                        "📣 {title}: Its meeting place is closed for now, so it meets online "
                        "only from {when}."
                    )
                )
            else:
                text = (
                    _("📣 {title}: {place} is closed for now, so it meets online only on {when}.")
                    if place
                    else _(
                        "📣 {title}: Its meeting place is closed for now, so it meets online "
                        "only on {when}."
                    )
                )
            lines.append(text.format(title=first.title, place=place, when=at) + _join(first))
        if changed := self.changed.get(member_id):
            first = changed[0]
            text = (
                _("📣 A change to {title}: it's now {when} — {place}.")
                if first.place
                else _("📣 A change to {title}: it's now {when}.")
            )
            later = len(changed) - 1
            lines.append(
                text.format(
                    title=first.title, when=when(first.starts_at, timezone), place=first.place
                )
                + (
                    " "
                    + ngettext(
                        "The later date you're going to changes the same way.",
                        "The {count} later dates you're going to change the same way.",
                        later,
                    ).format(count=later)
                    if later
                    else ""
                )
            )
        if dropped := self.dropped.get(member_id):
            first = dropped[0]
            later = len(dropped) - 1
            lines.append(
                _(
                    "❌ {title} on {when} has been cancelled: the meeting list no longer has it "
                    "on that day. I'm sorry."
                ).format(title=first.title, when=when(first.starts_at, timezone))
                + (
                    " "
                    + ngettext(
                        "The later date you're going to is off too.",
                        "The {count} later dates you're going to are off too.",
                        later,
                    ).format(count=later)
                    if later
                    else ""
                )
            )
        return "\n\n".join(lines) + " " + _("/events has the details.")


def _join(event: Event) -> str:
    ways = [f"💻 {event.conference_url}"] if event.conference_url else []
    if event.conference_phone:
        ways.append(f"📞 {event.conference_phone}")
    return (" " + _("To join: {ways}.").format(ways=" · ".join(ways))) if ways else ""
