"""Peer support: requests to talk and the pages to on-call volunteers, the pseudonymous
relay, after-chat feedback, volunteers and their shifts, reports, and admins stepping in.

The words the code uses, one for each thing (people read "peer" and "peer chat"):

- **handoff**: the stored row (`storage.Handoff`, `tx.handoffs`) from the member's ask to
  its close, whatever its `HandoffStatus`; a variable holding one whose state is not yet
  known is a `handoff`, its id a `handoff_id` (the Accept, /switch and /end buttons carry
  its unguessable `ref` instead, which `find_handoff` looks up).
- **request**: a handoff still `WAITING` for a peer (`open_request`, `cancel_waiting`,
  `escalate`, the notices to volunteers, `REQUEST_COMMANDS`); it ends `CANCELLED` if
  nobody took it.
- **chat**: a handoff a peer accepted, `ACTIVE` while messages are relayed, then `ENDED`
  (`end_chat`, `member_in_chat`, `Volunteer.active_chats`). Outside this
  package it is a **peer chat** (`Context.in_peer_chat`): there, "chat" alone is a channel's
  conversation with one person (its `chat_id`).
- **member** and **volunteer**: the two sides of a chat (`ChatSide`); the one who
  accepts is always a volunteer row, even an admin answering as a coordinator
  (`COORDINATOR_NAME`): such a row is no peer (`Volunteer.is_peer`), listed nowhere.
- **end reason**: why a request or chat was closed (`EndReason`, the `by` of `end_chat`).
"""

from flows.peer.idle import wrap_up_idle_chats
from flows.peer.profile import PROFILE_COMMANDS, Profile
from flows.peer.relay import (
    RELAY_COMMANDS,
    ChatFeedback,
    close_chats_of,
    close_chats_of_unreachable,
    in_open_chat,
    member_in_chat,
    relay_in_chat,
)
from flows.peer.relay_policy import wants_media_file
from flows.peer.reports import (
    REASON_LABELS,
    REPORT_COMMANDS,
    ReportFlow,
    pass_on_waiting_reports,
)
from flows.peer.requests import (
    COORDINATOR_NAME,
    REQUEST_COMMANDS,
    TOPIC_LABELS,
    TalkRequest,
    admin_accounts,
    admin_accounts_of,
    cancel_waiting,
    escalate_overdue,
    find_handoff,
    notify,
    open_request,
    repage,
)
from flows.peer.shifts import SHIFT_COMMANDS, Shifts, sweep_shifts, uncovered_hours
from flows.peer.stepping_in import STEPPING_IN_COMMANDS, take_over_choice
from flows.peer.volunteers import VOLUNTEER_COMMANDS, VolunteerSetup, redeem

__all__ = [
    "COORDINATOR_NAME",
    "PROFILE_COMMANDS",
    "REASON_LABELS",
    "RELAY_COMMANDS",
    "REPORT_COMMANDS",
    "REQUEST_COMMANDS",
    "SHIFT_COMMANDS",
    "STEPPING_IN_COMMANDS",
    "TOPIC_LABELS",
    "VOLUNTEER_COMMANDS",
    "ChatFeedback",
    "Profile",
    "ReportFlow",
    "Shifts",
    "TalkRequest",
    "VolunteerSetup",
    "admin_accounts",
    "admin_accounts_of",
    "cancel_waiting",
    "close_chats_of",
    "close_chats_of_unreachable",
    "escalate_overdue",
    "find_handoff",
    "in_open_chat",
    "member_in_chat",
    "notify",
    "open_request",
    "pass_on_waiting_reports",
    "redeem",
    "relay_in_chat",
    "repage",
    "sweep_shifts",
    "take_over_choice",
    "uncovered_hours",
    "wants_media_file",
    "wrap_up_idle_chats",
]
