"""The community calendar: events and answers, admins' event commands and calendar
import, reminders and follow-ups, the isolation rule, nudges, and buddy-up."""

from flows.community.admin import EVENT_ADMIN_COMMANDS, CancelEvent, EditEvent, NewEvent
from flows.community.buddy import BUDDY_COMMANDS
from flows.community.calendar_import import (
    CalendarFile,
    is_calendar_file,
    may_import_calendar,
    on_calendar_file,
    read_calendar_within,
    too_big,
)
from flows.community.events import EVENT_MEMBER_COMMANDS
from flows.community.isolation import (
    IsolationRule,
    after_connection_checkin,
    after_mood_checkin,
    next_nudge_time,
    refresh_nudge_schedule,
)
from flows.community.meeting_feed import (
    FeedFetcher,
    FeedFile,
    FeedRefusal,
    Fetched,
    MeetingFeeds,
    admin_file_limit,
    is_feed_file,
    on_admin_file,
    read_admin_file,
    read_feed_within,
    too_big_to_read,
)
from flows.community.nudges import NUDGE_COMMANDS
from flows.community.sweep import sweep_events

__all__ = [
    "BUDDY_COMMANDS",
    "EVENT_ADMIN_COMMANDS",
    "EVENT_MEMBER_COMMANDS",
    "NUDGE_COMMANDS",
    "CalendarFile",
    "CancelEvent",
    "EditEvent",
    "FeedFetcher",
    "FeedFile",
    "FeedRefusal",
    "Fetched",
    "IsolationRule",
    "MeetingFeeds",
    "NewEvent",
    "admin_file_limit",
    "after_connection_checkin",
    "after_mood_checkin",
    "is_calendar_file",
    "is_feed_file",
    "may_import_calendar",
    "next_nudge_time",
    "on_admin_file",
    "on_calendar_file",
    "read_admin_file",
    "read_calendar_within",
    "read_feed_within",
    "refresh_nudge_schedule",
    "sweep_events",
    "too_big",
    "too_big_to_read",
]
