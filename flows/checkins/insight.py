"""Mood and connection together: one line in /history and with /chart saying how a member's
mood has gone on the days they were with their community, and on their other days.

A member-local day counts as *connected* when, that day, the member

- went to a community event and said so (their answer to "did you make it?" was "I went"),
  counted on the day the event began; or
- had a peer chat here, on either side of it (a peer accepted it that day).

The weekly connection check-in's "how many people from your community did you talk with?"
marks no day: it is about the whole past week, and spreading it over seven days would call
almost every day connected for anyone who talks to one person a week.

Only days with a mood check-in count. The line is said with at least `MIN_DAYS` checked-in
days of each kind in the last `INSIGHT_DAYS` days, and only when mood was clearly higher
(by `MIN_DIFFERENCE` or more) on the connected days. When it was about the same, or lower,
nothing is said: a hard day is often the day someone reaches out (that is what peer chats
are for), so a lower average there is no reason to go less, and saying it could read as
blame. Thin data says nothing either, rather than a pattern that isn't there.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flows.core.language import _, format_number
from flows.core.local_time import local_today
from storage import Member, MoodCheckin, Transaction

INSIGHT_DAYS = 90
MIN_DAYS = 5
MIN_DIFFERENCE = 0.3


def one_decimal(number: float) -> str:
    """'4.2' ('4,2'): a mean as it is shown, one decimal, in the language being spoken."""
    return f"{number:.1f}".replace(".", format_number(0.5)[1])


async def attended_moments(tx: Transaction, member_id: int, since: datetime) -> list[datetime]:
    """When each event the member said they went to ("did you make it?": I went) began,
    from `since` on, oldest first: the one place attendance is read for this."""
    answers = await tx.personal.event_answers(member_id)
    return sorted(a.event_starts_at for a in answers if a.attended and a.event_starts_at >= since)


def _local_days(moments: Iterable[datetime], timezone: str) -> set[date]:
    return {local_today(timezone, moment) for moment in moments}


@dataclass(frozen=True, slots=True)
class ConnectedDays:
    """The member-local days with an attended event, and those with a peer chat."""

    events: frozenset[date]
    chats: frozenset[date]

    @property
    def all(self) -> frozenset[date]:
        return self.events | self.chats


async def connected_days(tx: Transaction, member: Member, since: datetime) -> ConnectedDays:
    """The connected days from the moment `since` on, in the member's own time zone."""
    events = await attended_moments(tx, member.id, since)
    chats = await tx.handoffs.accepted_since(member.id, since)
    return ConnectedDays(
        frozenset(_local_days(events, member.timezone)),
        frozenset(_local_days(chats, member.timezone)),
    )


@dataclass(frozen=True, slots=True)
class MoodSplit:
    connected_days: int
    other_days: int
    connected_mean: float | None
    other_mean: float | None


def _mean(values: Sequence[int]) -> float | None:
    return sum(values) / len(values) if values else None


def mood_split(moods: Iterable[MoodCheckin], connected: Iterable[date]) -> MoodSplit:
    """Checked-in days split into connected and other days, with each kind's mean mood."""
    days = set(connected)
    on = [m.mood for m in moods if m.local_date in days]
    off = [m.mood for m in moods if m.local_date not in days]
    return MoodSplit(len(on), len(off), _mean(on), _mean(off))


def insight_line(split: MoodSplit) -> str | None:
    """The kind line, or None: too few days of either kind, or no lift to speak of."""
    if split.connected_days < MIN_DAYS or split.other_days < MIN_DAYS:
        return None
    assert split.connected_mean is not None and split.other_mean is not None
    connected, other = round(split.connected_mean, 1), round(split.other_mean, 1)
    if split.connected_mean - split.other_mean < MIN_DIFFERENCE or connected <= other:
        return None
    return _(
        "💛 Over your last {days} days, on days you went to a meeting or event (the ones you "
        "told me you made it to) or had a peer chat here, your mood averaged {connected}; on "
        "other days, {other}. Being with your community seems to lift you — something to lean "
        "on when a day is hard."
    ).format(days=INSIGHT_DAYS, connected=one_decimal(connected), other=one_decimal(other))


async def connection_insight(tx: Transaction, member: Member, now: datetime) -> str | None:
    """The line for this member now, from their last `INSIGHT_DAYS` local days."""
    today = local_today(member.timezone, now)
    first = today - timedelta(days=INSIGHT_DAYS - 1)
    moods = [m for m in await tx.checkins.moods_since(member.id, first) if m.local_date <= today]
    if len(moods) < 2 * MIN_DAYS:
        return None  # too thin whatever the split: no need to read events and chats
    # A day back in UTC covers every zone's first local day.
    since = datetime.combine(first, time(), tzinfo=UTC) - timedelta(days=1)
    days = await connected_days(tx, member, since)
    return insight_line(mood_split(moods, days.all))
