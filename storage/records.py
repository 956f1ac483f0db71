"""Plain, immutable records the repositories return."""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from storage.states import (
    ChatSide,
    EndReason,
    EventRating,
    HandoffStatus,
    NudgeOutcome,
    NudgeReason,
    Priority,
    ReminderStage,
    ReportReason,
    Role,
    RsvpAnswer,
    SafetySource,
    VolunteerStatus,
)


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    created_at: datetime
    pseudonym: str | None
    timezone: str
    prompt_time: str | None
    consent_version: int | None
    consented_at: datetime | None
    onboarded_at: datetime | None
    paused: bool
    unreachable_at: datetime | None
    checkin_count: int
    last_checkin_date: date | None
    streak_days: int
    next_prompt_at: datetime | None
    next_connect_at: datetime | None
    is_admin: bool = False
    peer_barred: bool = False
    same_volunteer: bool = False
    last_volunteer_id: int | None = None
    quiet_until: datetime | None = None
    followup_at: datetime | None = None
    safety_check_due_at: datetime | None = None
    # Community events and nudges (flows/community/isolation.py).
    nudges_off: bool = False
    last_ucla3: int | None = None
    last_contact_at: datetime | None = None
    low_mood_run: int = 0
    last_nudge_at: datetime | None = None
    next_nudge_at: datetime | None = None
    # Meetings online or in person first in suggestions: "online", "in_person" or None.
    meeting_preference: str | None = None
    # Admins' broadcasts to members who take announcements (/announcements).
    announcements: bool = True
    # The language they are spoken to in (/language); None: the deployment's default.
    language: str | None = None

    def is_quiet(self, now: datetime) -> bool:
        """Nudges and surveys are paused after a safety event."""
        return self.quiet_until is not None and now < self.quiet_until

    @property
    def is_onboarded(self) -> bool:
        return self.onboarded_at is not None


@dataclass(frozen=True, slots=True)
class Account:
    channel: str
    external_id: str


@dataclass(frozen=True, slots=True)
class MoodCheckin:
    local_date: date
    mood: int
    tags: tuple[str, ...]
    helped: str | None
    updated_at: datetime
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ConnectionCheckin:
    local_date: date
    lack_companionship: int
    left_out: int
    isolated: int
    ucla3_total: int
    community_contacts: int
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ConversationRow:
    member_id: int
    flow: str
    step: str
    data: str
    token: int
    expires_at: datetime
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    channel: str
    external_id: str
    payload: str
    attempts: int


@dataclass(frozen=True, slots=True)
class Volunteer:
    member_id: int
    display_name: str
    topics: tuple[str, ...]
    capacity: int
    status: VolunteerStatus  # removed ones are suspended, with `removed_at`
    on_call: bool
    on_call_by_shift: bool
    shift_started: datetime | None
    shift_reminded: datetime | None
    current_handoff: int | None
    joined_at: datetime
    active_chats: int = 0
    removed_at: datetime | None = None
    # An admin's profile for answering members as a Hearthside coordinator: not a peer.
    coordinator: bool = False

    @property
    def is_peer(self) -> bool:
        """A peer volunteer (on the rota, in /volunteers), not an admin's coordinator row."""
        return not self.coordinator

    @property
    def is_active(self) -> bool:
        return self.status == VolunteerStatus.ACTIVE

    @property
    def has_room(self) -> bool:
        return self.is_active and self.on_call and self.active_chats < self.capacity


@dataclass(frozen=True, slots=True)
class Invite:
    digest: str  # the code's SHA-256; the code itself is never stored
    role: Role
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True, slots=True)
class OpenInvite:
    """An invite not yet used, for admins' list: never its code."""

    id: int
    role: Role
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Shift:
    id: int
    volunteer_id: int
    weekday: int  # Monday = 0
    starts: str  # local 'HH:MM'
    ends: str


@dataclass(frozen=True, slots=True)
class Handoff:
    id: int
    member_id: int | None
    volunteer_id: int | None
    member_alias: str
    priority: Priority
    topic: str | None
    status: HandoffStatus
    requested_at: datetime
    accepted_at: datetime | None
    ended_at: datetime | None
    escalations: int
    escalate_at: datetime | None
    held_for_shift: bool
    rating: int | None
    # Shown to people in place of the id (Accept, /switch, /end): not a guessable counter.
    ref: str = ""
    # The member agreed to show their latest mood to the peer who accepts (no one else).
    share_mood: bool = False


@dataclass(frozen=True, slots=True)
class IdleChat:
    """An active peer chat with nothing relayed for a while (flows/peer/idle.py)."""

    handoff: Handoff
    quiet_from: datetime  # the last message relayed, or the chat's start
    warned_at: datetime | None  # its sides were told it would be wrapped up


@dataclass(frozen=True, slots=True)
class EventFields:
    """What an admin (/newevent, /editevent) or a calendar file says about an event:
    the details an event is created with and an edit replaces."""

    title: str
    place: str
    description: str | None
    starts_at: datetime
    ends_at: datetime | None
    tags: tuple[str, ...]
    capacity: int | None
    # A Meeting Guide feed's type codes (O, C, TC, language and access codes) and how to
    # join online; nothing for most events posted here.
    types: tuple[str, ...] = ()
    conference_url: str | None = None
    conference_phone: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    uid: str
    title: str
    place: str
    description: str | None
    starts_at: datetime
    ends_at: datetime | None
    tags: tuple[str, ...]
    capacity: int | None
    cancelled_at: datetime | None
    going: int = 0  # members who said they would go
    maybe: int = 0
    types: tuple[str, ...] = ()
    conference_url: str | None = None
    conference_phone: str | None = None
    # An occurrence of a series: the series, and the start its rule gave it (its identity
    # there, even once moved); `detached` once changed on its own.
    series_id: int | None = None
    occurrence: datetime | None = None
    detached: bool = False

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def fields(self) -> EventFields:
        return EventFields(**_event_details(self))

    @classmethod
    def unsaved(cls, fields: EventFields) -> "Event":
        """The event as it will be listed once stored: no id, nobody's answer yet."""
        return cls(id=0, uid="", cancelled_at=None, **_event_details(fields))


@dataclass(frozen=True, slots=True)
class EventSeries:
    """A repeating event: its rule (or an .ics file's), its details, and how far ahead its
    occurrences (`Event` rows) exist."""

    id: int
    uid: str
    source: str  # "admin", "ics" or "feed"
    feed_id: int | None
    fields: EventFields  # starts_at / ends_at: the first occurrence's
    timezone: str
    rule: str | None
    local_time: str | None
    length_minutes: int | None
    first_date: date | None
    ical: str | None
    expanded_until: datetime
    source_updated: str | None
    cancelled_at: datetime | None

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


@dataclass(frozen=True, slots=True)
class MeetingFeed:
    """A Meeting Guide feed and how its syncs went."""

    id: int
    url: str
    etag: str | None
    last_modified: str | None
    next_sync_at: datetime | None
    last_ok_at: datetime | None
    failing_since: datetime | None
    failure: str | None
    meetings: int


def _event_details(source: EventFields | Event) -> dict[str, Any]:
    """The `EventFields` of an event (or of the fields themselves), by name."""
    return {field.name: getattr(source, field.name) for field in dataclasses.fields(EventFields)}


@dataclass(frozen=True, slots=True)
class Rsvp:
    id: int
    event_id: int
    member_id: int
    answer: RsvpAnswer
    answered_at: datetime
    stage: ReminderStage | None  # the next message due
    due_at: datetime | None
    attended: bool | None
    rating: EventRating | None
    buddy_offer: bool
    buddy_requested: bool
    buddy_id: int | None
    from_series: bool = False  # made by "I usually go", not for this date on its own


# -- a member's own copy of their data (/export) ---------------------------------------
@dataclass(frozen=True, slots=True)
class EventAnswer:
    """A member's answer to an event, with the event as it stands."""

    event_title: str
    event_place: str
    event_starts_at: datetime
    event_cancelled: bool
    answer: RsvpAnswer
    answered_at: datetime
    attended: bool | None
    rating: EventRating | None
    buddy_requested: bool
    buddy_offer: bool
    buddy_name: str | None  # the display name of the volunteer meeting them there
    stage: ReminderStage | None  # the next message due about it
    due_at: datetime | None
    from_series: bool = False  # answered by "I usually go"


@dataclass(frozen=True, slots=True)
class ChatReport:
    """A /report of a peer chat: when, from which side, why, and when admins got it."""

    at: datetime
    reported_by: ChatSide
    reason: ReportReason | None = None  # None on reports made before reasons were asked
    words: str | None = None  # the reporter's own, optional
    passed_on_at: datetime | None = None  # None while no admin outside the chat exists


@dataclass(frozen=True, slots=True)
class WaitingReport:
    """A report no admin has been given yet: every admin was a side of its chat."""

    id: int
    handoff_id: int
    reported_by: ChatSide
    reason: ReportReason | None
    words: str | None


@dataclass(frozen=True, slots=True)
class WaitingWords:
    """What a member wrote for the peer who accepts: a topic in their own words (if they
    agreed to show it) and the messages they typed while waiting, oldest first."""

    topic: str | None = None
    messages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PeerChat:
    """A member's request to talk and how it went; of the volunteer, only the display name."""

    requested_at: datetime
    accepted_at: datetime | None
    ended_at: datetime | None
    status: HandoffStatus
    priority: Priority
    topic: str | None
    rating: int | None
    feedback: str | None
    volunteer_name: str | None
    member_alias: str  # the name the volunteer saw
    end_reason: EndReason | None
    escalations: int  # rounds of re-alerting peers (and admins) while it waited
    escalate_at: datetime | None  # the next such round, while waiting
    held_for_shift: bool
    reports: tuple[ChatReport, ...]
    share_mood: bool = False  # they let the peer who accepts see their latest mood
    # Words kept for the peer who accepts, while the request waits: (kind, words).
    waiting_words: tuple[tuple[str, str], ...] = ()
    # Messages held back for carrying contact details: the member's, the volunteer's.
    held_from_member: int = 0
    held_from_volunteer: int = 0
    # When a message was last relayed either way (never what it said), and when its sides
    # were told a quiet chat would close (flows/peer/idle.py).
    last_relayed_at: datetime | None = None
    idle_warned_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SafetyEvent:
    at: datetime
    tier: int
    source: SafetySource
    rule_ids: tuple[str, ...]
    detector_version: str
    message_ref: str | None  # the chat's id of the message it came from


@dataclass(frozen=True, slots=True)
class SafetyPlan:
    """A member's own safety plan: each step's items in their words (empty if skipped)."""

    steps: Mapping[str, tuple[str, ...]]
    created_at: datetime
    updated_at: datetime

    def items(self, step: str) -> tuple[str, ...]:
        return self.steps.get(step, ())

    @property
    def filled(self) -> int:
        """How many steps hold something."""
        return sum(1 for items in self.steps.values() if items)


@dataclass(frozen=True, slots=True)
class BuddyMeeting:
    """An event at which this volunteer agreed to meet a member (of the member, nothing)."""

    event_title: str
    event_starts_at: datetime


@dataclass(frozen=True, slots=True)
class InviteUse:
    role: Role
    used_at: datetime


@dataclass(frozen=True, slots=True)
class CreatedEvent:
    title: str
    starts_at: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NudgeRecord:
    sent_at: datetime
    event_title: str | None  # None once the event is gone
    event_starts_at: datetime | None
    reasons: tuple[NudgeReason, ...]
    outcome: NudgeOutcome
    outcome_at: datetime | None


@dataclass(frozen=True, slots=True)
class RecoveryDate:
    """The day a member chose to count milestones from, and where the counting has got to."""

    since: date  # member-local
    set_at: datetime
    celebrated_through: date  # member-local: milestones up to this day are done
    next_at: datetime | None  # when the next one is sent
