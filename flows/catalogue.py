"""Assembles the engine with every flow and command Hearthside offers."""

import random

from flows.admin.access import ACCESS_COMMANDS
from flows.admin.stats import STATS_COMMANDS
from flows.checkins.daily import CheckIn
from flows.checkins.weekly import Connection
from flows.community.admin import EVENT_ADMIN_COMMANDS, CancelEvent, EditEvent, NewEvent
from flows.community.buddy import BUDDY_COMMANDS
from flows.community.calendar_import import on_calendar_file
from flows.community.events import EVENT_MEMBER_COMMANDS
from flows.community.nudges import NUDGE_COMMANDS
from flows.core.clock import Clock
from flows.core.config import FlowConfig
from flows.core.engine import Engine, Hooks
from flows.core.limits import RateLimiter
from flows.core.typed_buttons import TypedButtons
from flows.members.commands import COMMANDS, outside_flow
from flows.members.deletion import DeleteData
from flows.members.onboarding import Onboarding
from flows.members.settings import Settings
from flows.peer.relay import RELAY_COMMANDS, ChatFeedback, relay
from flows.peer.reports import REPORT_COMMANDS
from flows.peer.requests import HANDOFF_COMMANDS, TalkRequest
from flows.peer.shifts import SHIFT_COMMANDS, Shifts
from flows.peer.stepping_in import STEPPING_IN_COMMANDS
from flows.peer.volunteers import VOLUNTEER_COMMANDS, VolunteerSetup
from flows.safety.crisis.semantic import SemanticScorer
from flows.safety.guard import GUARD_COMMANDS, CrisisScreen, SafetyCheck, guard_fallback
from flows.safety.plan import SafetyPlanFlow
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
