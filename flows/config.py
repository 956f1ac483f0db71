"""What the flows need to know about the deployment."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FlowConfig:
    crisis_resources: str
    default_timezone: str = "UTC"
    # Raised when the wording of the consent changes, so members can be asked again.
    consent_version: int = 1
    # Accounts ("telegram:123") that are admins from the start.
    admins: frozenset[str] = frozenset()
    # Where a volunteer invite link points: https://t.me/<bot_username>?start=<code>.
    bot_username: str | None = None
    invite_days: int = 7
    handoff_escalate_minutes: int = 5
    crisis_escalate_minutes: int = 2
