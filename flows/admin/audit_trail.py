"""`/audit` (admins): the audit trail's latest entries, filtered by actor or action, and
the whole trail as a CSV file.

Entries show who by number only (a member's id, `settings` for an account in ADMINS
without a member row, `deleted-<n>` for someone who has since deleted their data), never
a name; the trail holds no words. Nothing here, or anywhere in chat, changes an entry:
the table's triggers refuse it (storage/migrations/0022).
"""

import csv
import io
import logging
import re

from flows.core import audit
from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.language import N_, _, ngettext
from flows.core.local_time import local_today, when
from flows.core.values import Document, Reply
from storage import AuditEntry

log = logging.getLogger(__name__)

SHOWN = 20
CSV_MIME = "text/csv"
# An actor as typed: a member's number, "settings" or "deleted-<n>"; an action's name or
# one of its dotted parts ("bar", "member.bar", "invite").
_ACTOR = re.compile(r"^#?(\d{1,12}|settings|deleted-\d{1,12})$")
_ACTION = re.compile(r"^[a-z_]{1,40}(\.[a-z_]{1,40}){0,3}$")
AUDIT_HOW = N_(
    "Send /audit for the latest entries, /audit actor 12 or /audit action bar to filter "
    "them, or /audit csv for the whole trail as a file (a filter works there too)."
)
# The filters' words as typed: English, or Spanish ("acción" with or without its accent).
ACTION_WORDS = ("action", "acción", "accion")
# The file's columns stay these English words in every language: it is read by programs.
CSV_COLUMNS = ("id", "at_utc", "actor", "action", "target")


def _actor_label(actor: str) -> str:
    return f"#{actor}" if actor.isdecimal() else actor


def _line(entry: AuditEntry, zone: str) -> str:
    target = f" → #{entry.target}" if entry.target is not None else ""
    return f"• {when(entry.at, zone)} · {_actor_label(entry.actor)} · {entry.action}{target}"


def _filters(words: list[str]) -> tuple[str | None, str | None] | None:
    """(actor, action) from `actor 12` and/or `action bar`; None if the words aren't those."""
    actor = action = None
    while words:
        if len(words) < 2:
            return None
        kind, value, words = words[0], words[1], words[2:]
        if kind == "actor" and actor is None and (found := _ACTOR.match(value)):
            actor = found.group(1)
        elif kind in ACTION_WORDS and action is None and _ACTION.match(value):
            action = value
        else:
            return None
    return actor, action


async def show_audit(ctx: Context) -> None:
    words = ctx.input.text.lower().split()
    as_csv = bool(words) and words[0] == "csv"
    filters = _filters(words[1:] if as_csv else words)
    if filters is None:
        ctx.say(_(AUDIT_HOW))
        return
    actor, action = filters
    if as_csv:
        await _send_csv(ctx, actor, action)
        return
    entries = await ctx.tx.audit.latest(actor=actor, action=action, limit=SHOWN)
    if not entries:
        ctx.say(
            _("No audit entries match that. /audit shows the latest of all.")
            if actor or action
            else _("The audit trail is empty: no admin or volunteer-management action yet.")
        )
        return
    zone = ctx.member.timezone if ctx.member is not None else ctx.config.default_timezone
    shown = len(entries)
    heading = (
        ngettext(
            "The latest {count} audit entries that match, newest first:",
            "The latest {count} audit entries that match, newest first:",
            shown,
        )
        if actor or action
        else ngettext(
            "The latest {count} audit entries, newest first:",
            "The latest {count} audit entries, newest first:",
            shown,
        )
    ).format(count=shown)
    lines = [heading, *(_line(entry, zone) for entry in entries)]
    lines.append(
        "\n" + _("Who is shown by member number, never by name. /audit csv sends them all.")
    )
    ctx.say("\n".join(lines))


async def _send_csv(ctx: Context, actor: str | None, action: str | None) -> None:
    entries = await ctx.tx.audit.latest(actor=actor, action=action, limit=None)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in reversed(entries):  # oldest first, as a trail reads
        writer.writerow(
            [
                entry.id,
                entry.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                entry.actor,
                entry.action,
                "" if entry.target is None else entry.target,
            ]
        )
    zone = ctx.member.timezone if ctx.member is not None else ctx.config.default_timezone
    name = f"hearthside-audit-{local_today(zone, ctx.now).isoformat()}.csv"
    audit.admin_action(ctx, "audit.export")
    log.info("audit_exported entries=%d", len(entries))
    ctx.send_to(
        ctx.account,
        Reply(
            ngettext(
                "The audit trail as a CSV file: {count} entries, oldest first, times in "
                "UTC. It names people by member number only; please keep it among the admins.",
                "The audit trail as a CSV file: {count} entries, oldest first, times in "
                "UTC. It names people by member number only; please keep it among the admins.",
                len(entries),
            ).format(count=len(entries)),
            document=Document(name, CSV_MIME, out.getvalue().encode("utf-8")),
        ),
    )


AUDIT_COMMANDS = (
    Command(
        "audit",
        N_("who did what: the admins' audit trail"),
        show_audit,
        audience=Audience.ADMIN,
        audits=("audit.export",),
    ),
)
