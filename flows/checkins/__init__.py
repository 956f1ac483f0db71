"""Check-ins: the daily mood check-in, the weekly connection check-in (UCLA-3), /history,
/chart, and when each member's prompts are due."""

from flows.checkins.commands import CHECKIN_COMMANDS
from flows.checkins.daily import AREA_LABELS, MOOD_BY_VALUE, CheckIn
from flows.checkins.prompt_times import next_connection_prompt, next_daily_prompt, reschedule
from flows.checkins.weekly import FREQUENCY, ITEMS, Connection

__all__ = [
    "AREA_LABELS",
    "CHECKIN_COMMANDS",
    "FREQUENCY",
    "ITEMS",
    "MOOD_BY_VALUE",
    "CheckIn",
    "Connection",
    "next_connection_prompt",
    "next_daily_prompt",
    "reschedule",
]
