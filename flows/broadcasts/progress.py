"""What the admin sees of a broadcast under way: one progress message, edited as it goes,
with a Cancel button, and a final report."""

from dataclasses import dataclass

from flows.core.values import Choice, command_choice

ENDED = "📣 This broadcast has ended: its report is just below."


def cancel_button(broadcast_id: int) -> Choice:
    return command_choice(f"broadcast_cancel {broadcast_id}", "Cancel the broadcast", "🛑")


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
    people = "1 person" if reached == 1 else f"{reached} people"
    return f"📣 Your broadcast is on its way to {people}. I'll keep this message up to date."


def _time_left(seconds: float) -> str:
    if seconds < 60:
        return "less than a minute"
    minutes = round(seconds / 60)
    if minutes < 60:
        return "about 1 minute" if minutes == 1 else f"about {minutes} minutes"
    hours = round(minutes / 60, 1)
    return f"about {hours:g} hours"


def progress_text(figures: Figures, seconds_left: float) -> str:
    lines = [
        f"📣 Your broadcast is on its way to {figures.to_reach} people.",
        f"Sent: {figures.sent}",
        f"Waiting for their quiet hours to end: {figures.deferred}",
        f"Can't be reached: {figures.unreachable}",
        f"Failed: {figures.failed}",
    ]
    if figures.queued or figures.in_flight:
        lines.append(f"Time left for the rest: {_time_left(seconds_left)}.")
    elif figures.deferred:
        lines.append("The rest go out as their quiet hours end.")
    return "\n".join(lines)


def final_report(figures: Figures, *, cancelled: bool) -> str:
    head = (
        "📣 Your broadcast was stopped. Here is what happened:"
        if cancelled
        else "📣 Your broadcast is done. Here is what happened:"
    )
    lines = [head, f"Sent: {figures.sent}"]
    if cancelled:
        lines.append(f"Not sent, because it was stopped: {figures.cancelled}")
    lines.append(f"Can't be reached: {figures.unreachable}")
    lines.append(f"Failed: {figures.failed}")
    if figures.skipped:
        lines.append(f"Left out (paused, or announcements off): {figures.skipped}")
    if figures.unconfirmed:
        lines.append(
            f"Unconfirmed: {figures.unconfirmed} (on their way when Hearthside restarted, or "
            "with no answer in time; they may have arrived, so they were not sent again)"
        )
    return "\n".join(lines)
