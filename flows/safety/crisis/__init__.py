"""The crisis guard's detector: deterministic, auditable risk tiers for a message."""

from flows.safety.crisis.detector import DETECTOR_VERSION, Assessment, RiskDetector, assess

__all__ = ["DETECTOR_VERSION", "Assessment", "RiskDetector", "assess"]
