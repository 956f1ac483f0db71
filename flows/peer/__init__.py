"""Peer support: requests to talk and the pages to on-call volunteers, the pseudonymous
relay, after-chat feedback, volunteers and their shifts, reports, and admins stepping in."""

from flows.peer.relay import (
    RELAY_COMMANDS,
    ChatFeedback,
    close_chats_of,
    close_chats_of_unreachable,
    member_in_chat,
    relay_in_chat,
)
from flows.peer.reports import REPORT_COMMANDS
from flows.peer.requests import (
    HANDOFF_COMMANDS,
    PRIORITY_CRISIS,
    PRIORITY_LOW_MOOD,
    TEAM_NAME,
    TOPIC_LABELS,
    TalkRequest,
    admin_accounts,
    cancel_waiting,
    escalate_overdue,
    find_request,
    notify,
    open_request,
    repage,
)
from flows.peer.shifts import SHIFT_COMMANDS, Shifts, sweep_shifts
from flows.peer.stepping_in import STEPPING_IN_COMMANDS, take_over_choice
from flows.peer.volunteers import VOLUNTEER_COMMANDS, VolunteerSetup, redeem

__all__ = [
    "HANDOFF_COMMANDS",
    "PRIORITY_CRISIS",
    "PRIORITY_LOW_MOOD",
    "RELAY_COMMANDS",
    "REPORT_COMMANDS",
    "SHIFT_COMMANDS",
    "STEPPING_IN_COMMANDS",
    "TEAM_NAME",
    "TOPIC_LABELS",
    "VOLUNTEER_COMMANDS",
    "ChatFeedback",
    "Shifts",
    "TalkRequest",
    "VolunteerSetup",
    "admin_accounts",
    "cancel_waiting",
    "close_chats_of",
    "close_chats_of_unreachable",
    "escalate_overdue",
    "find_request",
    "member_in_chat",
    "notify",
    "open_request",
    "redeem",
    "relay_in_chat",
    "repage",
    "sweep_shifts",
    "take_over_choice",
]
