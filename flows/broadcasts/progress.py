"""What the admin sees of a broadcast under way: one progress message, edited as it goes,
with a Cancel button, and a final report."""

from dataclasses import dataclass

from flows.core.language import N_, _, format_number, ngettext
from flows.core.values import Choice, command_choice

ENDED = N_("📣 This broadcast has ended: its report is just below.")


def cancel_button(broadcast_id: int) -> Choice:
    return command_choice(f"broadcast_cancel {broadcast_id}", _("Cancel the broadcast"), "🛑")


@dataclass(frozen=True, slots=True)
class Figures:
    """A broadcast's rows by state, over every channel."""

    sent: int = 0
    queued: int = 0  # due now, or waiting for a retry
    deferred: int = 0  # waiting for the end of someone's quiet hours
    in_flight: int = 0
    unreachable: int = 0
    failed: int = 0
    skipped: int = 0
    unconfirmed: int = 0
    cancelled: int = 0

    @classmethod
    def of(cls, counts: dict[str, int]) -> "Figures":
        return cls(
            sent=counts.get("sent", 0),
            queued=counts.get("queued", 0),
            deferred=counts.get("deferred", 0),
            in_flight=counts.get("claimed", 0),
            unreachable=counts.get("unreachable", 0),
            failed=counts.get("failed", 0),
            skipped=counts.get("skipped", 0),
            unconfirmed=counts.get("unconfirmed", 0),
            cancelled=counts.get("cancelled", 0),
        )

    @property
    def to_reach(self) -> int:
        return (
            self.sent + self.queued + self.deferred + self.in_flight + self.failed
            + self.unconfirmed + self.cancelled
        )  # fmt: skip


def first_progress(reached: int) -> str:
    return ngettext(
        "📣 Your broadcast is on its way to {count} person. I'll keep this message up to date.",
        "📣 Your broadcast is on its way to {count} people. I'll keep this message up to date.",
        reached,
    ).format(count=reached)


def _time_left(seconds: float) -> str:
    if seconds < 60:
        return _("less than a minute")
    minutes = round(seconds / 60)
    if minutes < 60:
        return ngettext("about {count} minute", "about {count} minutes", minutes).format(
            count=minutes
        )
    hours = round(minutes / 60, 1)
    return _("about {hours} hours").format(hours=format_number(hours))


def progress_text(figures: Figures, seconds_left: float) -> str:
    lines = [
        ngettext(
            "📣 Your broadcast is on its way to {count} people.",
            "📣 Your broadcast is on its way to {count} people.",
            figures.to_reach,
        ).format(count=figures.to_reach),
        _("Sent: {count}").format(count=figures.sent),
        _("Waiting for their quiet hours to end: {count}").format(count=figures.deferred),
        _("Can't be reached: {count}").format(count=figures.unreachable),
        _("Failed: {count}").format(count=figures.failed),
    ]
    if figures.queued or figures.in_flight:
        lines.append(_("Time left for the rest: {time}.").format(time=_time_left(seconds_left)))
    elif figures.deferred:
        lines.append(_("The rest go out as their quiet hours end."))
    return "\n".join(lines)


def final_report(figures: Figures, *, cancelled: bool) -> str:
    head = (
        _("📣 Your broadcast was stopped. Here is what happened:")
        if cancelled
        else _("📣 Your broadcast is done. Here is what happened:")
    )
    lines = [head, _("Sent: {count}").format(count=figures.sent)]
    if cancelled:
        lines.append(
            _("Not sent, because it was stopped: {count}").format(count=figures.cancelled)
        )
    lines.append(_("Can't be reached: {count}").format(count=figures.unreachable))
    lines.append(_("Failed: {count}").format(count=figures.failed))
    if figures.skipped:
        lines.append(
            _("Left out (paused, or announcements off): {count}").format(count=figures.skipped)
        )
    if figures.unconfirmed:
        lines.append(
            _(
                "Unconfirmed: {count} (on their way when Hearthside restarted, or with no "
                "answer in time; they may have arrived, so they were not sent again)"
            ).format(count=figures.unconfirmed)
        )
    return "\n".join(lines)
