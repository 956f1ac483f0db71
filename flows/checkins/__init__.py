"""Check-ins: the daily mood check-in, the weekly connection check-in (UCLA-3), /history,
/chart, when each member's prompts are due, and the sweep step that sends them."""

from flows.checkins.commands import CHECKIN_COMMANDS
from flows.checkins.daily import AREA_LABELS, MOOD_BY_VALUE, CheckIn
from flows.checkins.prompt_times import reschedule
from flows.checkins.prompts import send_prompts
from flows.checkins.weekly import FREQUENCY, ITEMS, Connection

__all__ = [
    "AREA_LABELS",
    "CHECKIN_COMMANDS",
    "FREQUENCY",
    "ITEMS",
    "MOOD_BY_VALUE",
    "CheckIn",
    "Connection",
    "reschedule",
    "send_prompts",
]
