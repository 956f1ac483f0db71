"""Assembles the engine with every flow and command Hearthside offers."""

import random

from flows.admin_access import ACCESS_COMMANDS
from flows.admin_stats import STATS_COMMANDS
from flows.buddy import BUDDY_COMMANDS
from flows.calendar_import import on_calendar_file
from flows.checkin import CheckIn
from flows.clock import Clock
from flows.commands import COMMANDS, outside_flow
from flows.config import FlowConfig
from flows.connection import Connection
from flows.crisis.semantic import SemanticScorer
from flows.crisis_guard import GUARD_COMMANDS, CrisisScreen, SafetyCheck, guard_fallback
from flows.deletion import DeleteData
from flows.engine import Engine, Hooks
from flows.event_admin import EVENT_ADMIN_COMMANDS, CancelEvent, EditEvent, NewEvent
from flows.events import EVENT_MEMBER_COMMANDS
from flows.handoff import HANDOFF_COMMANDS, TalkRequest
from flows.limits import RateLimiter
from flows.member_settings import Settings
from flows.nudges import NUDGE_COMMANDS
from flows.onboarding import Onboarding
from flows.peer_reports import REPORT_COMMANDS
from flows.relay import RELAY_COMMANDS, ChatFeedback, relay
from flows.safety_plan import SafetyPlanFlow
from flows.shifts import SHIFT_COMMANDS, Shifts
from flows.stepping_in import STEPPING_IN_COMMANDS
from flows.typed_buttons import TypedButtons
from flows.volunteering import VOLUNTEER_COMMANDS, VolunteerSetup
from storage import Database


def create_engine(
    db: Database,
    clock: Clock,
    config: FlowConfig,
    *,
    rng: random.Random | None = None,
    limits: RateLimiter | None = None,
    semantic: SemanticScorer | None = None,
) -> Engine:
    """The engine with every flow; `limits` defaults to the per-person input limits, and
    `semantic` (loading in the background, or None) joins the lexicon once it is ready."""
    screen = CrisisScreen(semantic)
    return Engine(
        db=db,
        clock=clock,
        config=config,
        flows=[
            Onboarding(),
            CheckIn(),
            Connection(),
            Settings(),
            DeleteData(),
            TalkRequest(),
            ChatFeedback(),
            SafetyCheck(),
            SafetyPlanFlow(),
            VolunteerSetup(),
            Shifts(),
            NewEvent(),
            EditEvent(),
            CancelEvent(),
        ],
        commands=(
            *COMMANDS,
            *HANDOFF_COMMANDS,
            *RELAY_COMMANDS,
            *REPORT_COMMANDS,
            *GUARD_COMMANDS,
            *STEPPING_IN_COMMANDS,
            *VOLUNTEER_COMMANDS,
            *ACCESS_COMMANDS,
            *SHIFT_COMMANDS,
            *EVENT_MEMBER_COMMANDS,
            *NUDGE_COMMANDS,
            *BUDDY_COMMANDS,
            *EVENT_ADMIN_COMMANDS,
            *STATS_COMMANDS,
        ),
        outside_flow=outside_flow,
        hooks=Hooks(
            guard=screen.guard,
            alarmed=screen.alarmed,
            guard_fallback=guard_fallback,
            buttons=TypedButtons(),
            relay=relay,
            media=on_calendar_file,
        ),
        rng=rng,
        limits=limits or RateLimiter(),
    )
