"""What the flows need to know about the deployment."""

from dataclasses import dataclass, field
from typing import Protocol

from flows.core.language import N_
from flows.core.safe_text import said


class CrisisLines(Protocol):
    """The deployment's crisis resources, rendered for a member (see flows.safety.crisis).

    Each text is made when it is asked for, in the language being spoken (the lines that
    language's speakers are given, and the words around the numbers), and must never fail
    for a reason of language: anything broken gives the English lines.
    """

    @property
    def emergency_number(self) -> str: ...

    def lines_text(self, overdose: bool = False) -> str: ...

    def short_text(self) -> str: ...


LOCAL_EMERGENCY = N_("your local emergency number")


@dataclass(frozen=True, slots=True)
class PlainCrisisLines:
    """Crisis resources given as one text (tests, or a deployment's own wording, which
    stays as written in every language)."""

    text: str
    emergency: str = LOCAL_EMERGENCY

    @property
    def emergency_number(self) -> str:
        """The number to call; when none was given, the words for one, in the reader's
        language."""
        return said(self.emergency) if self.emergency == LOCAL_EMERGENCY else self.emergency

    def lines_text(self, overdose: bool = False) -> str:
        if overdose:
            now = said(
                N_("If someone may have overdosed, call {emergency} now."),
                emergency=self.emergency_number,
            )
            return f"{now}\n{self.text}"
        return self.text

    def short_text(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class FlowConfig:
    crisis_resources: str
    default_timezone: str = "UTC"
    # The language of anyone who has not chosen one (flows/core/language.py).
    default_language: str = "en"
    # Raised when the wording of the consent changes, so members can be asked again.
    consent_version: int = 1
    # Accounts ("telegram:123", "signal:<ACI>") that are admins from the start.
    admins: frozenset[str] = frozenset()
    # Admins named by a phone number ("signal:+15551234567"): not admins until their channel
    # finds the account behind the number at start (`Engine.resolve_admins`); only that
    # account is kept, never the number.
    admins_to_resolve: frozenset[str] = frozenset()
    invite_days: int = 7
    handoff_escalate_minutes: int = 5
    crisis_escalate_minutes: int = 2
    # Structured crisis lines; defaults to `crisis_resources` as plain text.
    crisis_lines: CrisisLines | None = field(default=None)
    # Community events and nudges (flows/community/isolation.py, flows/community/nudges.py).
    nudge_min_days: int = 3
    quiet_hours: str = "21:00-09:00"  # member-local; no nudges or reminders inside
    isolation_ucla_min: int = 6  # 0 turns this part of the rule off
    isolation_days: int = 14  # 0 turns this part of the rule off
    isolation_low_mood_run: int = 3  # 0 turns this part of the rule off
    # An admin's calendar file (flows/community/calendar_import.py): read only up to this size, and
    # parsed with at most this much CPU time, in a process of its own.
    calendar_max_bytes: int = 512 * 1024
    calendar_cpu_seconds: float = 2.0
    # A Meeting Guide feed (flows/community/meeting_feed.py), fetched or sent as a file.
    feed_max_bytes: int = 5 * 1024 * 1024

    # A peer chat with nothing relayed for this long is wrapped up (flows/peer/idle.py); 0: never.
    peer_chat_idle_hours: int = 12
    # How long what people leave is kept (flows/core/retention.py), in days; 0: kept.
    retention_days_checkins: int = 730
    retention_days_safety: int = 365
    retention_days_chats: int = 365

    @property
    def crisis(self) -> CrisisLines:
        return self.crisis_lines or PlainCrisisLines(self.crisis_resources)
