"""Who a broadcast reaches, how it reads to them, and when each of them may get it.

Audiences: every member who finished signing up (`members`), the members who take
announcements (`announcements`: not those who sent `/announcements off`), active peer
volunteers (`volunteers`), and admins (`admins`: ADMINS and those granted the role in
chat); optionally only those on one channel. A paused member (/pause) and one who can't be
reached are left out of the member audiences; nobody unreachable gets anything. Inside a
person's quiet hours a broadcast waits for them to end, unless it is time-critical.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flows.core.config import FlowConfig
from flows.core.language import N_, _
from flows.core.quiet_hours import next_allowed
from storage import Account, Transaction
from storage.broadcasts import Candidate, NewRecipient

MEMBERS = "members"
ANNOUNCEMENTS = "announcements"
VOLUNTEERS = "volunteers"
ADMINS = "admins"
MEMBER_AUDIENCES = frozenset({MEMBERS, ANNOUNCEMENTS})

# How the admin's choice and the reports name each audience.
AUDIENCE_NAMES = {
    MEMBERS: N_("all members"),
    ANNOUNCEMENTS: N_("members who take announcements"),
    VOLUNTEERS: N_("volunteers"),
    ADMINS: N_("admins"),
}

HEADER = N_("📣 A message from the Hearthside team")
# The last line of every broadcast to members: how to stop them.
FOOTER_ANNOUNCEMENTS = N_("To stop announcements like this one, send /announcements off.")
FOOTER_MEMBERS = N_(
    "This went to every member. To stop other announcements, send /announcements off."
)


def as_members_see_it(text: str, audience: str) -> str:
    """The broadcast exactly as each recipient sees it: the admin's own words as they
    wrote them, in a frame in the language being spoken (the recipient's)."""
    if audience == ANNOUNCEMENTS:
        return f"{_(HEADER)}\n\n{text}\n\n{_(FOOTER_ANNOUNCEMENTS)}"
    if audience == MEMBERS:
        return f"{_(HEADER)}\n\n{text}\n\n{_(FOOTER_MEMBERS)}"
    return f"{_(HEADER)}\n\n{text}"


def left_out_because(candidate: Candidate, audience: str) -> str | None:
    """Why `candidate` gets nothing now ('unreachable', 'skipped'), or None: they get it."""
    if candidate.unreachable:
        return "unreachable"
    if audience in MEMBER_AUDIENCES and candidate.paused:
        return "skipped"
    if audience == ANNOUNCEMENTS and not candidate.announcements:
        return "skipped"
    return None


def not_before(
    config: FlowConfig, timezone: str | None, now: datetime, *, time_critical: bool
) -> datetime:
    """When a person may get a broadcast: now, or when their quiet hours end."""
    if time_critical:
        return now
    return next_allowed(config.quiet_hours, now, timezone or config.default_timezone)


async def candidates(
    tx: Transaction, config: FlowConfig, audience: str, channel: str | None
) -> list[Candidate]:
    """Everyone the audience holds, on `channel` if one is given."""
    found = await tx.broadcasts.candidates(audience, channel)
    if audience != ADMINS:
        return found
    # The accounts in ADMINS are admins whether or not they have a member row.
    known = {candidate.account for candidate in found}
    members = {candidate.member_id for candidate in found}
    for key in sorted(config.admins):
        account_channel, _sep, external_id = key.partition(":")
        account = Account(account_channel, external_id)
        if account in known or (channel is not None and account_channel != channel):
            continue
        member = await tx.members.find_by_account(account)
        if member is not None and member.id in members:
            continue  # already there, by another of their accounts
        found.append(
            Candidate(
                member_id=member.id if member is not None else None,
                account=account,
                timezone=member.timezone if member is not None else None,
                unreachable=member is not None and member.unreachable_at is not None,
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class Reach:
    """What the preview tells the admin: how many it reaches, and who it leaves out."""

    recipients: tuple[NewRecipient, ...]
    by_channel: dict[str, int]
    reached: int
    deferred: int
    paused: int
    opted_out: int
    unreachable: int


def reach(
    config: FlowConfig,
    found: Sequence[Candidate],
    audience: str,
    now: datetime,
    *,
    time_critical: bool,
) -> Reach:
    """The queue's rows for these people, and the preview's figures."""
    rows: list[NewRecipient] = []
    by_channel: dict[str, int] = {}
    deferred = paused = opted_out = unreachable = 0
    for candidate in found:
        why = left_out_because(candidate, audience)
        if why is not None:
            unreachable += why == "unreachable"
            paused += why == "skipped" and candidate.paused
            opted_out += why == "skipped" and not candidate.paused
            rows.append(NewRecipient(candidate.member_id, candidate.account, why, now))
            continue
        when = not_before(config, candidate.timezone, now, time_critical=time_critical)
        deferred += when > now
        by_channel[candidate.account.channel] = by_channel.get(candidate.account.channel, 0) + 1
        rows.append(
            NewRecipient(candidate.member_id, candidate.account, "queued", when, when > now)
        )
    return Reach(
        recipients=tuple(rows),
        by_channel=by_channel,
        reached=sum(by_channel.values()),
        deferred=deferred,
        paused=paused,
        opted_out=opted_out,
        unreachable=unreachable,
    )
