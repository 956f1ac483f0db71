"""Persistence: the SQLite schema and its migrations, transactions, and the
repositories (intent-named methods) with the plain records they return.

Nothing here imports the rest of Hearthside; callers pass times in as UTC datetimes.
"""

from storage.database import Database, Transaction, open_database
from storage.records import (
    Account,
    BuddyMeeting,
    ChatReport,
    ConnectionCheckin,
    ConversationRow,
    CreatedEvent,
    Event,
    EventAnswer,
    EventFields,
    Handoff,
    Invite,
    InviteUse,
    Member,
    MoodCheckin,
    NudgeRecord,
    OpenInvite,
    OutboxRow,
    PeerChat,
    Rsvp,
    SafetyEvent,
    SafetyPlan,
    Shift,
    Volunteer,
)

__all__ = [
    "Account",
    "BuddyMeeting",
    "ChatReport",
    "ConnectionCheckin",
    "ConversationRow",
    "CreatedEvent",
    "Database",
    "Event",
    "EventAnswer",
    "EventFields",
    "Handoff",
    "Invite",
    "InviteUse",
    "Member",
    "MoodCheckin",
    "NudgeRecord",
    "OpenInvite",
    "OutboxRow",
    "PeerChat",
    "Rsvp",
    "SafetyEvent",
    "SafetyPlan",
    "Shift",
    "Transaction",
    "Volunteer",
    "open_database",
]
