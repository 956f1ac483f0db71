"""The admins' weekly digest over the real Telegram stack: opt-in with /digest (shown in
the admins' /help), sent on Monday morning in the admin's own zone and outside quiet
hours, once a week across repeated sweeps and a restart, with the week's figures banded
as /stats bands them and one chart; /digest off stops it, and members can't turn it on."""

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flows.core.clock import ManualClock
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import (
    ADMIN,
    MEMBER,
    onboard_member,
    open_chat,
    people,
    start_peer_bot,
)
from tests.telegram_harness import db_rows, text_of

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DIGEST = "Your weekly digest for"
# The first chart of a process imports matplotlib: allow for it on a slow machine.
FIRST_CHART_WAIT = 30.0


def digests(fake: FakeTelegram) -> int:
    return sum(1 for m in fake.messages(ADMIN) if m.text is not None and DIGEST in m.text)


async def test_an_admin_takes_the_weekly_digest_once_a_week_on_monday_morning(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    bot = await start_peer_bot(fake, db_path, clock)
    try:
        admin, alice, _bob, member = people(fake)
        await onboard_member(admin, "Ada")
        helped = text_of(await admin.send("/help", expect="For admins"))
        assert "/digest — a weekly digest of the figures, on Mondays" in helped
        refused = text_of(await member.send("/digest on", expect="admins"))
        assert "Your weekly digest is on" not in refused

        status = await admin.send("/digest", expect="Your weekly digest is off")
        assert [label for label, _ in status.buttons] == ["📅 Turn it on"]
        on = text_of(await admin.send("/digest maybe", expect="I didn't catch that"))
        assert "/digest on or /digest off" in on
        # Sunday 14:00 UTC now: the first is tomorrow morning. 09:00 is in the default
        # quiet hours (21:00-09:00) only until 09:00 itself.
        await admin.tap("Turn it on", expect="Your weekly digest is on")
        assert "The first comes on Mon 23 Nov, 09:00" in text_of(fake.messages(ADMIN)[-1])
        await open_chat(fake, admin, alice, member)  # a request, accepted, this week

        clock.set(datetime(2026, 11, 23, 8, 59, tzinfo=UTC))
        await bot.sweep_now()
        assert digests(fake) == 0
        clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
        await bot.sweep_now()
        text = text_of(await fake.wait_for_message(ADMIN, DIGEST, timeout=FIRST_CHART_WAIT))
        assert "Mon 16 Nov – Sun 22 Nov (UTC time)" in text
        # Three people signed up, one asked for a peer: small groups, never exact.
        assert "Members: fewer than 5; joined this week: fewer than 5" in text
        assert "Peer chats: fewer than 5 requests" in text
        assert "withdrawn before anyone accepted: 0" in text
        assert "median wait" not in text  # fewer than 5 waits
        assert "Shift cover for the week ahead: 168 of 168 hours with nobody on shift" in text
        assert "Events held: 0" in text
        chart = await fake.wait_for_message(ADMIN, timeout=FIRST_CHART_WAIT)
        assert chart.kind == "photo" and chart.file is not None
        assert chart.file.data.startswith(PNG_SIGNATURE)
        assert "The last 8 weeks" in chart.body

        # Sweeps again that Monday, and a restart: no second digest that week, even were
        # it due again (turned off and on, a new time zone): it moves to the next Monday.
        await bot.sweep_now()
        with sqlite3.connect(db_path) as conn:
            conn.execute("UPDATE admin_digest SET next_at = '2026-11-23T09:30:00.000000Z'")
        clock.set(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
        await bot.sweep_now()
        assert db_rows(db_path, "SELECT next_at, last_week FROM admin_digest") == [
            ("2026-11-30T09:00:00.000000Z", "2026-11-23")
        ]
        await bot.stop()
        bot = await start_peer_bot(fake, db_path, clock)
        clock.advance(timedelta(hours=3))
        await bot.sweep_now()
        assert digests(fake) == 1

        clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))  # the next Monday
        await bot.sweep_now()
        await fake.wait_for_message(ADMIN, DIGEST, timeout=FIRST_CHART_WAIT)
        assert digests(fake) == 2

        await admin.send("/digest off", expect="Your weekly digest is off")
        clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
        await bot.sweep_now()
        assert digests(fake) == 2
        assert not any(DIGEST in m.body for m in fake.messages(MEMBER))
    finally:
        await bot.stop()


async def test_a_late_digest_waits_for_the_end_of_quiet_hours(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    bot = await start_peer_bot(fake, db_path, clock)
    try:
        admin, *_ = people(fake)
        await onboard_member(admin, "Ada")
        await admin.send("/digest on", expect="Your weekly digest is on")
        # Stopped all Monday: back at 23:00, inside the quiet hours.
        clock.set(datetime(2026, 11, 23, 23, 0, tzinfo=UTC))
        await bot.sweep_now()
        assert digests(fake) == 0
        clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
        await bot.sweep_now()
        await fake.wait_for_message(ADMIN, DIGEST, timeout=FIRST_CHART_WAIT)
        assert digests(fake) == 1
    finally:
        await bot.stop()
