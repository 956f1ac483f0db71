"""How an event reads to a member: its time in their own zone, place and answers."""

from flows.core.local_time import when
from flows.core.parsing import timezone_label
from flows.core.values import Choice, command_choice
from storage import Event, RsvpAnswer

TAGS = ("meeting", "walk", "workshop", "social", "online")
ANSWER_LABELS = {
    RsvpAnswer.GOING: "✅ I'll go",
    RsvpAnswer.MAYBE: "🤔 Maybe",
    RsvpAnswer.NO: "➖ Not this time",
}


def is_online(event: Event) -> bool:
    """Tagged online: nobody walks in alone, so buddy-up is not offered for it."""
    return "online" in event.tags


def people(n: int) -> str:
    """ "1 person", "2 people"."""
    return f"{n} {'person' if n == 1 else 'people'}"


def card(
    event: Event,
    timezone: str,
    *,
    answer: RsvpAnswer | None = None,
    show_id: bool = False,
) -> str:
    """An event as listed: when, what, where, and how many are going."""
    head = f"📅 {when(event.starts_at, timezone)} · {event.title}"
    if show_id:
        head += f"  (#{event.id})"
    lines = [head]
    if event.place:
        lines.append(f"📍 {event.place}")
    if event.description:
        lines.append(event.description)
    facts = []
    if event.tags:
        facts.append("🏷 " + ", ".join(event.tags))
    if event.going:
        facts.append(f"{event.going} going")
    if event.capacity is not None:
        left = max(0, event.capacity - event.going)
        facts.append("full" if left == 0 else f"{left} place{'s' if left != 1 else ''} left")
    if facts:
        lines.append(" · ".join(facts))
    if answer is not None:
        lines.append(f"Your answer: {ANSWER_LABELS[answer]}")
    return "\n".join(lines)


def zone_note(timezone: str) -> str:
    return f"Times are in your time zone ({timezone_label(timezone)})."


def rsvp_buttons(event_id: int) -> list[Choice]:
    return [
        command_choice(f"rsvp {event_id} going", "I'll go", "✅"),
        command_choice(f"rsvp {event_id} maybe", "Maybe", "🤔"),
        command_choice(f"rsvp {event_id} no", "Not this time", "➖"),
    ]
