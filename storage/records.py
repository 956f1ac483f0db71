"""Plain, immutable records the repositories return."""

from dataclasses import dataclass
from datetime import date, datetime


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

    @property
    def has_consented(self) -> bool:
        return self.consented_at is not None

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


@dataclass(frozen=True, slots=True)
class ConnectionCheckin:
    local_date: date
    lack_companionship: int
    left_out: int
    isolated: int
    ucla3_total: int
    community_contacts: int


@dataclass(frozen=True, slots=True)
class ConversationRow:
    member_id: int
    flow: str
    step: str
    data: str
    token: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    channel: str
    external_id: str
    payload: str
    attempts: int
