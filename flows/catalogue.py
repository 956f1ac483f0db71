"""Assembles the engine with every flow and command Hearthside offers."""

import random

from flows.checkin import CheckIn
from flows.clock import Clock
from flows.commands import COMMANDS, outside_flow
from flows.config import FlowConfig
from flows.connection import Connection
from flows.deletion import DeleteData
from flows.engine import Engine
from flows.member_settings import Settings
from flows.onboarding import Onboarding
from storage import Database


def create_engine(
    db: Database, clock: Clock, config: FlowConfig, *, rng: random.Random | None = None
) -> Engine:
    return Engine(
        db=db,
        clock=clock,
        config=config,
        flows=[Onboarding(), CheckIn(), Connection(), Settings(), DeleteData()],
        commands=COMMANDS,
        outside_flow=outside_flow,
        rng=rng,
    )
