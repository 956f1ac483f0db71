"""The admins' audit trail in the log: who did what to which row, never any text.

Every admin command (typed, tapped or typed as a button's words) is logged as
`admin_action actor=<member id> action=<command>[.<verb>…] target=<id>`: the verbs are
the command's own words from a fixed list (`/removevolunteer 12 confirm` is
`removevolunteer.confirm`), the target is the first row id among its arguments, and an
account in ADMINS that has no member row shows as `actor=settings`. Nothing else the
admin typed (an event's title or place, say) reaches the log.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from flows.core.parsing import parse_id

if TYPE_CHECKING:
    from flows.core.context import Context

log = logging.getLogger(__name__)

# Words of admin commands that say what kind of action it is.
VERBS = frozenset({"admin", "confirm", "revoke"})


def actor(ctx: Context) -> str:
    return str(ctx.member.id) if ctx.member is not None else "settings"


def admin_action(ctx: Context, action: str, target: int | None = None) -> None:
    log.info(
        "admin_action actor=%s action=%s target=%s",
        actor(ctx),
        action,
        "-" if target is None else target,
    )


def admin_command(ctx: Context, name: str, args: str) -> None:
    """Log one admin command with its verbs and target, from its arguments."""
    words = args.split()
    verbs = [word.lower() for word in words if word.lower() in VERBS]
    target = next((row for word in words if (row := parse_id(word)) is not None), None)
    admin_action(ctx, ".".join([name, *verbs]), target)
