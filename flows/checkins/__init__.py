"""Check-ins: the daily mood check-in, the weekly connection check-in (UCLA-3), /history,
/chart (with the mood-and-connection line), opt-in milestones from a recovery date, when
each member's prompts are due, and the sweep steps that send them."""

from flows.checkins.commands import CHECKIN_COMMANDS
from flows.checkins.daily import AREA_LABELS, MOOD_BY_VALUE, CheckIn
from flows.checkins.milestones import Milestones, milestones_setting, send_milestones
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
    "Milestones",
    "milestones_setting",
    "reschedule",
    "send_milestones",
    "send_prompts",
]
