"""Safety: the crisis guard every typed message meets first, its detector and the
deployment's crisis resources, the safety check and follow-up, and /safetyplan."""

from flows.safety.crisis.detector import default_detector as load_detector
from flows.safety.crisis.meanings import rule_meaning
from flows.safety.crisis.resources import CrisisResources, load_catalog
from flows.safety.crisis.semantic import SemanticScorer
from flows.safety.guard import (
    GUARD_COMMANDS,
    SEMANTIC_MIN_WORDS,
    CrisisScreen,
    SafetyCheck,
    guard_fallback,
)
from flows.safety.plan import SAFETY_PLAN_COMMANDS, STEPS, SafetyPlanFlow, cancelled
from flows.safety.sweep import escalate_silences, send_follow_ups

__all__ = [
    "GUARD_COMMANDS",
    "SAFETY_PLAN_COMMANDS",
    "SEMANTIC_MIN_WORDS",
    "STEPS",
    "CrisisResources",
    "CrisisScreen",
    "SafetyCheck",
    "SafetyPlanFlow",
    "SemanticScorer",
    "cancelled",
    "escalate_silences",
    "guard_fallback",
    "load_catalog",
    "load_detector",
    "rule_meaning",
    "send_follow_ups",
]
