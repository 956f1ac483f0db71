"""What the flows need to know about the deployment."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FlowConfig:
    crisis_resources: str
    default_timezone: str = "UTC"
    # Raised when the wording of the consent changes, so members can be asked again.
    consent_version: int = 1
