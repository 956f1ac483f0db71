"""The closed sets of states the database stores, one enum each.

Each is stored as its value, the same text (or, for `Priority`, integer) the columns held
before the enums existed, so no migration goes with them; the repositories take members
and turn what they read back into members. A misspelled state is then a type error, not
a row nobody ever matches.
"""

from enum import Enum, IntEnum, StrEnum
from typing import TypeVar


class HandoffStatus(StrEnum):
    """Where a request to talk stands (`handoff.status`)."""

    WAITING = "waiting"  # a request: no peer has accepted it yet
    ACTIVE = "active"  # a chat: accepted, the relay runs
    ENDED = "ended"  # a chat that is over
    CANCELLED = "cancelled"  # a request withdrawn before anyone accepted it


class Priority(IntEnum):
    """How urgent a request to talk is (`handoff.priority`): the queue takes the lowest first."""

    CRISIS = 0
    LOW_MOOD = 1
    ORDINARY = 2


class EndReason(StrEnum):
    """Why a request or chat was closed (`handoff.end_reason`)."""

    MEMBER = "member"  # the member ended the chat or withdrew the request
    VOLUNTEER = "volunteer"  # the volunteer ended the chat
    MEMBER_LEFT = "member_left"  # the member could no longer be reached
    VOLUNTEER_LEFT = "volunteer_left"
    MEMBER_DELETED = "member_deleted"  # the member deleted their data
    VOLUNTEER_DELETED = "volunteer_deleted"
    VOLUNTEER_SUSPENDED = "volunteer_suspended"  # suspended or removed by an admin
    BARRED = "barred"  # an admin barred the member from peer chats
    DELETED = "deleted"  # one side deleted their data (set by `anonymise_member`)
    IDLE = "idle"  # nothing was relayed for PEER_CHAT_IDLE_HOURS: the sweep wrapped it up
    # Older rows only: a waiting request withdrawn because its member could not be reached.
    LEFT = "left"


class ChatSide(StrEnum):
    """A side of a peer chat: who reported it (`peer_report.reported_by`)."""

    MEMBER = "member"
    VOLUNTEER = "volunteer"


class ReportReason(StrEnum):
    """Why a peer chat was reported (`peer_report.reason`; empty on reports made before)."""

    UNSAFE = "unsafe"  # they made the reporter feel unsafe
    ABUSE = "abuse"  # abusive, hateful or sexual messages
    CONTACT = "contact"  # asked for contact details or to meet
    OTHER = "other"


class VolunteerStatus(StrEnum):
    """`volunteer.status`; a removed volunteer stays suspended, with `removed_at` set."""

    ACTIVE = "active"
    SUSPENDED = "suspended"


class Role(StrEnum):
    """What an invite makes its redeemer (`invite.role`)."""

    VOLUNTEER = "volunteer"
    ADMIN = "admin"


class RsvpAnswer(StrEnum):
    """A member's answer to an event (`rsvp.answer`)."""

    GOING = "going"
    MAYBE = "maybe"
    NO = "no"


class ReminderStage(StrEnum):
    """The next message an answer to an event is due (`rsvp.stage`), in the order sent."""

    DAY_BEFORE = "day_before"
    HOUR_BEFORE = "hour_before"
    FOLLOWUP = "followup"


class EventRating(StrEnum):
    """How an event was for a member who went (`rsvp.rating`)."""

    GOOD = "good"
    HARD = "hard"


class NudgeReason(StrEnum):
    """A part of the isolation rule that held when a nudge was sent (`nudge.reasons`)."""

    LONELY = "lonely"
    NO_CONTACT = "no_contact"
    LOW_MOODS = "low_moods"


class NudgeOutcome(StrEnum):
    """What came of a nudge (`nudge.outcome`)."""

    SENT = "sent"
    GOING = "going"
    MAYBE = "maybe"
    DECLINED = "declined"
    ATTENDED = "attended"
    MISSED = "missed"
    STOPPED = "stopped"  # the member turned suggestions off


class SafetySource(StrEnum):
    """Where a safety event came from (`safety_event.source`)."""

    CHAT = "chat"  # a message to Hearthside
    RELAY = "relay"  # a member's message in a peer chat
    VOLUNTEER = "volunteer"  # a volunteer's words while holding a peer chat
    FALLBACK = "fallback"  # a message answered by the guard's fallback (the guard failed)
    CONFIRMED = "confirmed"  # an answer to the direct question
    SILENCE = "silence"  # no answer to the direct question


_State = TypeVar("_State", bound=Enum)


def maybe_state(kind: type[_State], value: object) -> _State | None:
    """A nullable column read back: the member of `kind`, or None for NULL."""
    return None if value is None else kind(value)
