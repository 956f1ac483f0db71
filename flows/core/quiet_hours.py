"""Quiet hours: the member-local window (QUIET_HOURS, e.g. 21:00-09:00) when no nudge,
event reminder or follow-up is sent."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: time
    end: time  # not after `start`: the window runs past midnight

    @classmethod
    def parse(cls, raw: str) -> "QuietHours | None":
        """'21:00-09:00' → QuietHours; 'off' or '' → None (no quiet hours)."""
        if raw.strip().lower() in {"", "off", "none"}:
            return None
        match = _WINDOW.match(raw)
        if match is None:
            raise ValueError(f"{raw!r} should look like 21:00-09:00 (or off)")
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError(f"{raw!r} has a time that doesn't exist")
        if (h1, m1) == (h2, m2):
            raise ValueError(f"{raw!r} starts and ends at the same time")
        return cls(time(h1, m1), time(h2, m2))

    def _crosses_midnight(self) -> bool:
        return self.end <= self.start

    def window(self, moment: datetime, timezone: str) -> tuple[datetime, datetime] | None:
        """The quiet window (UTC start, end) that `moment` falls in, or None."""
        zone = ZoneInfo(timezone)
        local = moment.astimezone(zone)
        day, clock = local.date(), local.time()
        if self._crosses_midnight():
            if clock >= self.start:
                first, last = day, day + timedelta(days=1)
            elif clock < self.end:
                first, last = day - timedelta(days=1), day
            else:
                return None
        elif self.start <= clock < self.end:
            first = last = day
        else:
            return None
        return _at(first, self.start, zone), _at(last, self.end, zone)

    def contains(self, moment: datetime, timezone: str) -> bool:
        return self.window(moment, timezone) is not None

    def next_allowed(self, moment: datetime, timezone: str) -> datetime:
        """`moment` itself, or the end of the quiet window it falls in."""
        window = self.window(moment, timezone)
        return moment if window is None else window[1]


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def quiet_hours_of(raw: str) -> QuietHours | None:
    """The deployment's quiet hours; a bad value (checked at start-up) means the default."""
    try:
        return QuietHours.parse(raw)
    except ValueError:
        return QuietHours(time(21, 0), time(9, 0))


def next_allowed(raw: str, moment: datetime, timezone: str) -> datetime:
    quiet = quiet_hours_of(raw)
    return moment if quiet is None else quiet.next_allowed(moment, timezone)
