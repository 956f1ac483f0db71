"""The audit trail: who did what to which row, and when; never any words.

Every admin and volunteer-management action is recorded where it happens, once it has
(after its confirmation, not when its command is typed): `admin_action(ctx, action,
target)` with a fixed action name (`volunteer.suspend`, `event.create`…) and the number of
the row it acted on. The row is written in the step's own transaction (`ctx.tx`, when the
engine commits), so it is kept exactly when the change it records is. The actor is the
member's id, or `settings` for an account in ADMINS that has no member row.

Each staff command declares the actions it may record (`Command.audits`, empty for one
that only shows something): a test drives each and checks its rows, and fails for a
staff command that declares nothing. The log gets the same line, and for every admin
command its name (never its words).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flows.core.context import Context

log = logging.getLogger(__name__)

SETTINGS_ACTOR = "settings"


def actor(ctx: Context) -> str:
    return str(ctx.member.id) if ctx.member is not None else SETTINGS_ACTOR


def admin_action(ctx: Context, action: str, target: int | None = None) -> None:
    """Record `action` on row `target` by the person `ctx` is about, in `ctx`'s transaction."""
    who = actor(ctx)
    log.info("admin_action actor=%s action=%s target=%s", who, action, target or "-")
    ctx.audited.append((who, action, target))


def admin_command(ctx: Context, name: str, args: str) -> None:
    """An admin ran command `name`: logged by name only. Its words (`args`) are not read:
    what the command changes, if anything, is recorded where it changes it."""
    log.info("admin_command actor=%s name=%s", actor(ctx), name)
