"""Assembles the engine with every flow and command Hearthside offers."""

import random

from flows.admin import (
    ACCESS_COMMANDS,
    AUDIT_COMMANDS,
    CAPTCHA_COMMANDS,
    DIGEST_COMMANDS,
    FEEDBACK_COMMANDS,
    STATS_COMMANDS,
)
from flows.broadcasts import (
    ANNOUNCEMENT_COMMANDS,
    BROADCAST_COMMANDS,
    ComposeBroadcast,
    broadcast_photo,
)
from flows.checkins import CHECKIN_COMMANDS, CheckIn, Connection, Milestones
from flows.community import (
    BUDDY_COMMANDS,
    EVENT_ADMIN_COMMANDS,
    EVENT_MEMBER_COMMANDS,
    NUDGE_COMMANDS,
    CancelEvent,
    EditEvent,
    NewEvent,
    on_admin_file,
)
from flows.core.channels import Channels
from flows.core.clock import Clock
from flows.core.config import FlowConfig
from flows.core.context import Context
from flows.core.engine import Engine
from flows.core.hooks import Hooks
from flows.core.limits import RateLimiter
from flows.core.typed_buttons import TypedButtons
from flows.members import (
    EXPORT_COMMANDS,
    HELP_COMMANDS,
    LANGUAGE_COMMANDS,
    SETTINGS_COMMANDS,
    START_COMMANDS,
    DeleteData,
    Onboarding,
    SettingsFlow,
    back_in_reach,
    outside_flow,
)
from flows.peer import (
    PROFILE_COMMANDS,
    RELAY_COMMANDS,
    REPORT_COMMANDS,
    REQUEST_COMMANDS,
    SHIFT_COMMANDS,
    STEPPING_IN_COMMANDS,
    VOLUNTEER_COMMANDS,
    ChatFeedback,
    Profile,
    ReportFlow,
    Shifts,
    TalkRequest,
    VolunteerSetup,
    relay_in_chat,
)
from flows.safety import (
    GUARD_COMMANDS,
    SAFETY_PLAN_COMMANDS,
    CrisisScreen,
    SafetyCheck,
    SafetyPlanFlow,
    SemanticScorer,
    guard_fallback,
)
from storage import Database


async def on_admin_media(ctx: Context) -> bool:
    """Media only admins send: a broadcast's photo, a calendar or a meeting list."""
    return await broadcast_photo(ctx) or await on_admin_file(ctx)


def create_engine(
    db: Database,
    clock: Clock,
    config: FlowConfig,
    *,
    rng: random.Random | None = None,
    limits: RateLimiter | None = None,
    semantic: SemanticScorer | None = None,
    channels: Channels | None = None,
) -> Engine:
    """The engine with every flow; `limits` defaults to the per-person input limits,
    `semantic` (loading in the background, or None) joins the lexicon once it is ready, and
    `channels` says what each channel can do (none declared: plain text only)."""
    screen = CrisisScreen(semantic)
    return Engine(
        db=db,
        clock=clock,
        config=config,
        flows=[
            Onboarding(),
            CheckIn(),
            Connection(),
            Milestones(),
            SettingsFlow(),
            DeleteData(),
            TalkRequest(),
            ChatFeedback(),
            ReportFlow(),
            SafetyCheck(),
            SafetyPlanFlow(),
            VolunteerSetup(),
            Profile(),
            Shifts(),
            NewEvent(),
            EditEvent(),
            CancelEvent(),
            ComposeBroadcast(),
        ],
        commands=(
            *START_COMMANDS,
            *CHECKIN_COMMANDS,
            *EXPORT_COMMANDS,
            *SAFETY_PLAN_COMMANDS,
            *SETTINGS_COMMANDS,
            *LANGUAGE_COMMANDS,
            *HELP_COMMANDS,
            *REQUEST_COMMANDS,
            *RELAY_COMMANDS,
            *REPORT_COMMANDS,
            *GUARD_COMMANDS,
            *STEPPING_IN_COMMANDS,
            *VOLUNTEER_COMMANDS,
            *ACCESS_COMMANDS,
            *SHIFT_COMMANDS,
            *PROFILE_COMMANDS,
            *EVENT_MEMBER_COMMANDS,
            *NUDGE_COMMANDS,
            *ANNOUNCEMENT_COMMANDS,
            *BUDDY_COMMANDS,
            *EVENT_ADMIN_COMMANDS,
            *STATS_COMMANDS,
            *DIGEST_COMMANDS,
            *FEEDBACK_COMMANDS,
            *BROADCAST_COMMANDS,
            *AUDIT_COMMANDS,
            *CAPTCHA_COMMANDS,
        ),
        outside_flow=outside_flow,
        hooks=Hooks(
            guard=screen.guard,
            alarmed=screen.alarmed,
            guard_fallback=guard_fallback,
            buttons=TypedButtons(),
            relay=relay_in_chat,
            media=on_admin_media,
            reachable_again=back_in_reach,
        ),
        rng=rng,
        limits=limits or RateLimiter(),
        channels=channels,
    )
