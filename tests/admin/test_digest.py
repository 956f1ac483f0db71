"""The weekly digest's words and picture, from figures: banded as /stats bands them."""

from datetime import UTC, date, datetime, timedelta

from flows.admin.digest import WeekFigures, digest_text, next_digest_at
from flows.admin.digest_chart import TrendWeek, render_trend, shown
from storage import HandoffStatus, Priority
from storage.stats import HandoffRow, WeekCounts

MONDAY = date(2026, 11, 23)
T0 = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def request(wait_minutes: int | None) -> HandoffRow:
    accepted = T0 + timedelta(minutes=wait_minutes) if wait_minutes is not None else None
    status = HandoffStatus.ENDED if accepted else HandoffStatus.CANCELLED
    return HandoffRow(Priority.ORDINARY, status, T0, accepted, None, None)


def test_a_digest_bands_members_figures_and_counts_the_service_exactly() -> None:
    counts = WeekCounts(
        members=42, joined=3, moods=61, mood_sum=61 * 3 + 10, connections=12,
        events=2, going=7, attended=4,
    )  # fmt: skip
    rows = (*(request(m) for m in (2, 4, 6, 8, 10, 12)), request(None))
    text = digest_text(WeekFigures(counts, rows, uncovered_ahead=37), MONDAY, "Europe/Dublin")
    assert "Mon 16 Nov – Sun 22 Nov (Europe/Dublin time)" in text
    assert "Members: 40; joined this week: fewer than 5" in text
    assert "Check-ins: 60 mood, 10 connection" in text
    assert "• average mood: 3.0 of 5" in text
    assert "Peer chats: 5 requests; accepted: 5 (100 %)" in text
    assert "• withdrawn before anyone accepted: fewer than 5" in text
    assert "• median wait for a peer: 7 min" in text
    assert "37 of 168 hours with nobody on shift" in text
    assert "Events held: 2; answers “I'll go” or “Maybe”: 5; said they went: fewer than 5" in text


def test_the_chart_leaves_out_small_groups_and_is_the_same_for_the_same_weeks() -> None:
    assert shown(0) == 0.0 and shown(7) == 5.0 and shown(3) != shown(3)  # NaN: left out
    weeks = [TrendWeek(MONDAY - timedelta(days=7 * n), 20 + n, 3, 6) for n in range(8, 0, -1)]
    png = render_trend(weeks)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert render_trend(weeks) == png


def test_the_next_digest_is_monday_morning_outside_quiet_hours() -> None:
    sunday = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
    assert next_digest_at(sunday, "UTC", "21:00-09:00") == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    # Quiet until 10:00: the digest waits for it.
    assert next_digest_at(sunday, "UTC", "22:00-10:00") == datetime(
        2026, 11, 23, 10, 0, tzinfo=UTC
    )
    # In the admin's own zone: it is Monday 03:00 in Auckland already, and 09:00 there is
    # Sunday 20:00 in UTC.
    assert next_digest_at(sunday, "Pacific/Auckland", "off") == datetime(
        2026, 11, 22, 20, 0, tzinfo=UTC
    )
