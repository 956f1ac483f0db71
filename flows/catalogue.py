"""Assembles the engine with every flow and command Hearthside offers."""

import random

from flows.checkin import CheckIn
from flows.clock import Clock
from flows.commands import COMMANDS, outside_flow
from flows.config import FlowConfig
from flows.connection import Connection
from flows.crisis_guard import GUARD_COMMANDS, SafetyCheck, guard
from flows.deletion import DeleteData
from flows.engine import Engine, Hooks
from flows.handoff import HANDOFF_COMMANDS, TalkRequest
from flows.member_settings import Settings
from flows.onboarding import Onboarding
from flows.peer_reports import REPORT_COMMANDS
from flows.relay import RELAY_COMMANDS, ChatFeedback, relay
from flows.shifts import SHIFT_COMMANDS, Shifts
from flows.volunteering import VOLUNTEER_COMMANDS, VolunteerSetup
from storage import Database


def create_engine(
    db: Database, clock: Clock, config: FlowConfig, *, rng: random.Random | None = None
) -> Engine:
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
            VolunteerSetup(),
            Shifts(),
        ],
        commands=(
            *COMMANDS,
            *HANDOFF_COMMANDS,
            *RELAY_COMMANDS,
            *REPORT_COMMANDS,
            *GUARD_COMMANDS,
            *VOLUNTEER_COMMANDS,
            *SHIFT_COMMANDS,
        ),
        outside_flow=outside_flow,
        hooks=Hooks(guard=guard, relay=relay),
        rng=rng,
    )
