"""An admin's message to many: `/broadcast` composes it, a durable queue delivers it at each
channel's bulk limit with a live progress message, and members choose whether they take
announcements (`/announcements on|off`)."""

from flows.broadcasts.announcements import ANNOUNCEMENT_COMMANDS
from flows.broadcasts.compose import (
    BROADCAST_COMMANDS,
    ComposeBroadcast,
    broadcast_photo,
    wants_broadcast_photo,
)
from flows.broadcasts.delivery import BroadcastDelivery, Pacer, SystemTimer, Timer

__all__ = [
    "ANNOUNCEMENT_COMMANDS",
    "BROADCAST_COMMANDS",
    "BroadcastDelivery",
    "ComposeBroadcast",
    "Pacer",
    "SystemTimer",
    "Timer",
    "broadcast_photo",
    "wants_broadcast_photo",
]
