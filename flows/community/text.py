"""How an event reads to a member: its time in their own zone, place and answers."""

from flows.community.meeting_types import (
    CLOSED,
    ONLINE,
    OPEN,
    TEMPORARILY_CLOSED,
    type_names,
)
from flows.community.series import describe
from flows.core.language import N_, _, ngettext
from flows.core.local_time import when
from flows.core.parsing import timezone_label
from flows.core.values import Choice, command_choice
from storage import Event, EventSeries, RsvpAnswer

TAGS = ("meeting", "walk", "workshop", "social", "online")
# The tags offered, in words (a tag an admin typed is shown as typed).
TAG_NAMES = {
    "meeting": N_("meeting"),
    "walk": N_("walk"),
    "workshop": N_("workshop"),
    "social": N_("social"),
    "online": N_("online"),
}
ANSWER_LABELS = {
    RsvpAnswer.GOING: N_("✅ I'll go"),
    RsvpAnswer.MAYBE: N_("🤔 Maybe"),
    RsvpAnswer.NO: N_("➖ Not this time"),
}


def tag_name(tag: str) -> str:
    return _(TAG_NAMES[tag]) if tag in TAG_NAMES else tag


def is_online(event: Event) -> bool:
    """Tagged online, typed ONL, or with a way to join from afar (the Meeting Guide spec:
    a conference link or phone makes a meeting online)."""
    return (
        "online" in event.tags
        or ONLINE in event.types
        or bool(event.conference_url or event.conference_phone)
    )


def is_in_person(event: Event) -> bool:
    """Somewhere to walk in: a place, not temporarily closed, not an online-only event."""
    return (
        bool(event.place) and TEMPORARILY_CLOSED not in event.types and "online" not in event.tags
    )


def is_open(event: Event) -> bool:
    """Open to anyone (the spec's O), as against closed (C) to those with the problem."""
    return OPEN in event.types


def series_line(series: EventSeries) -> str:
    return _("🔁 Repeats {schedule}").format(schedule=how_often(series))


def how_often(series: EventSeries) -> str:
    """ "every Tuesday at 19:00, London time"."""
    return _("{schedule}, {zone} time").format(
        schedule=describe(series), zone=timezone_label(series.timezone)
    )


def card(
    event: Event,
    timezone: str,
    *,
    answer: RsvpAnswer | None = None,
    show_id: bool = False,
    repeats: str | None = None,
    usually: bool = False,
) -> str:
    """An event as listed: when, what, where (or how to join), what kind of meeting,
    and how many are going."""
    head = f"📅 {when(event.starts_at, timezone)} · {event.title}"
    if show_id:
        head += f"  (#{event.id})"
    lines = [head]
    if repeats:
        lines.append(repeats)
    if event.place and is_in_person(event):
        lines.append(f"📍 {event.place}")
    elif event.place and TEMPORARILY_CLOSED in event.types:
        lines.append(_("📍 {place} is closed for now").format(place=event.place))
    elif event.place:
        lines.append(f"📍 {event.place}")
    if event.conference_url:
        lines.append(_("💻 Join online: {link}").format(link=event.conference_url))
    if event.conference_phone:
        lines.append(_("📞 Join by phone: {phone}").format(phone=event.conference_phone))
    kind = _kind(event)
    if kind:
        lines.append(kind)
    if event.description:
        lines.append(event.description)
    facts = []
    if event.tags:
        facts.append("🏷 " + ", ".join(tag_name(tag) for tag in event.tags))
    if event.going:
        facts.append(
            ngettext("{count} going", "{count} going", event.going).format(count=event.going)
        )
    if event.capacity is not None:
        left = max(0, event.capacity - event.going)
        facts.append(
            _("full")
            if left == 0
            else ngettext("{count} place left", "{count} places left", left).format(count=left)
        )
    if facts:
        lines.append(" · ".join(facts))
    if usually:
        lines.append(_("You usually go 🔁"))
    elif answer is not None:
        lines.append(_("Your answer: {answer}").format(answer=_(ANSWER_LABELS[answer])))
    return "\n".join(lines)


def _kind(event: Event) -> str:
    """ "Online and in person · Open · Speaker, Wheelchair Access", for feed meetings."""
    if not event.types and not event.conference_url and not event.conference_phone:
        return ""
    online, in_person = is_online(event), is_in_person(event)
    parts = [
        _("Online and in person")
        if online and in_person
        else _("Online")
        if online
        else _("In person")
        if in_person
        else ""
    ]
    if OPEN in event.types:
        parts.append(_("Open to all"))
    elif CLOSED in event.types:
        parts.append(_("Closed (for those who want to stop)"))
    named = type_names(event.types)
    if named:
        parts.append(", ".join(named))
    return "🗂 " + " · ".join(part for part in parts if part)


def zone_note(timezone: str) -> str:
    return _("Times are in your time zone ({zone}).").format(zone=timezone_label(timezone))


def rsvp_buttons(event_id: int, *, series: bool = False, usually: bool = False) -> list[Choice]:
    """The answers to an event; for a date of a series, this date or usually."""
    if not series:
        return [
            command_choice(f"rsvp {event_id} going", _("I'll go"), "✅"),
            command_choice(f"rsvp {event_id} maybe", _("Maybe"), "🤔"),
            command_choice(f"rsvp {event_id} no", _("Not this time"), "➖"),
        ]
    buttons = [
        command_choice(f"rsvp {event_id} going", _("I'll go this time"), "✅"),
        command_choice(f"rsvp {event_id} maybe", _("Maybe"), "🤔"),
        command_choice(f"rsvp {event_id} no", _("Not this time"), "➖"),
    ]
    if usually:
        buttons.append(
            command_choice(f"rsvp {event_id} notusually", _("I don't usually go now"), "⏹")
        )
    else:
        buttons.append(command_choice(f"rsvp {event_id} usually", _("I usually go"), "🔁"))
    return buttons
