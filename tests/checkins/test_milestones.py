"""Milestones from a recovery date, opt-in: setting, starting again, correcting and turning
them off (with /cancel at every step), and the sweep's celebrations — on the member's own
day across daylight saving, outside quiet hours, once each, across a restart."""

import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from flows.catalogue import create_engine
from flows.checkins.milestones import (
    DATE_HINT,
    Milestone,
    add_months,
    milestones_from,
    read_day,
)
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.engine import Engine
from flows.core.limits import Rate, RateLimiter
from flows.core.values import Outcome
from flows.sweeper import Sweeper
from storage import Account, Database, Member, RecoveryDate, open_database
from tests.chat_driver import ChatDriver
from tests.conftest import CRISIS_TEXT

ALEX = Account("console", "4242")
SAM = Account("console", "5151")
# Words that have no place when someone starts again.
SHAME = ("relapse", "fail", "lost your", "broke", "back to zero", "shame", "disappoint")


async def member_of(db: Database, account: Account = ALEX) -> Member:
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(account)
    assert member is not None
    return member


async def recovery_of(db: Database, account: Account = ALEX) -> RecoveryDate | None:
    member = await member_of(db, account)
    async with db.transaction() as tx:
        return await tx.recovery.get(member.id)


def texts(outcome: Outcome, account: Account = ALEX) -> list[str]:
    return [d.reply.text for d in outcome.deliveries if d.account == account]


async def sweep_at(engine: Engine, clock: ManualClock, moment: datetime) -> list[str]:
    clock.set(moment)
    _, outcomes = await Sweeper(engine).sweep()
    return [text for outcome in outcomes for text in texts(outcome)]


def milestone_texts(sent: list[str]) -> list[str]:
    return [t for t in sent if "(/milestones to change or turn these off)" in t]


async def set_date(chat: ChatDriver, typed: str) -> str:
    await chat.say("/milestones")
    await chat.tap("Set a date")
    await chat.say(typed)
    return chat.last_text()


async def check_in(chat: ChatDriver) -> None:
    await chat.say("/checkin")
    await chat.say("4")
    await chat.say("done")
    await chat.say("skip")


def engine_with(db: Database, clock: ManualClock, **config: str) -> Engine:
    return create_engine(
        db,
        clock,
        FlowConfig(crisis_resources=CRISIS_TEXT, **config),  # type: ignore[arg-type]
        rng=random.Random(7),
        limits=RateLimiter(Rate(burst=1_000_000, per_second=1_000_000)),
    )


# -- the milestones of a date -------------------------------------------------------------
def labels_and_days(since: date, count: int) -> list[tuple[str, date]]:
    found: list[Milestone] = []
    for milestone in milestones_from(since):
        found.append(milestone)
        if len(found) == count:
            break
    return [(m.label, m.day) for m in found]


def test_the_milestones_are_days_then_calendar_months_and_years() -> None:
    assert labels_and_days(date(2026, 1, 31), 10) == [
        ("1 day", date(2026, 2, 1)),
        ("1 week", date(2026, 2, 7)),
        ("30 days", date(2026, 3, 2)),
        ("60 days", date(2026, 4, 1)),
        ("90 days", date(2026, 5, 1)),
        ("6 months", date(2026, 7, 31)),
        ("9 months", date(2026, 10, 31)),
        ("1 year", date(2027, 1, 31)),
        ("2 years", date(2028, 1, 31)),
        ("3 years", date(2029, 1, 31)),
    ]
    # A month without the day: its last day.
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert labels_and_days(date(2024, 2, 29), 8)[-1] == ("1 year", date(2025, 2, 28))


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("today", date(2026, 11, 22)),
        ("Yesterday", date(2026, 11, 21)),
        ("2026-03-14", date(2026, 3, 14)),
        ("14 March 2026", date(2026, 3, 14)),
        ("March 14th, 2026", date(2026, 3, 14)),
        ("the 2nd of feb 2019", date(2019, 2, 2)),
        ("14 march", date(2026, 3, 14)),  # without a year: the latest one up to today
        ("25 Dec", date(2025, 12, 25)),
    ],
)
def test_dates_are_read_as_people_type_them(typed: str, day: date) -> None:
    assert read_day(typed, date(2026, 11, 22)) == day


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("next tuesday", DATE_HINT),
        ("14/03/2026", DATE_HINT),  # day or month first? ask for the month in words
        ("2026-12-01", "still to come"),
        ("1 december 2026", "still to come"),
        ("31 February 2026", "isn't a date on the calendar"),
        ("1 May 1850", "check the year"),
    ],
)
def test_a_date_that_cannot_be_taken_says_why(typed: str, said: str) -> None:
    answer = read_day(typed, date(2026, 11, 22))
    assert isinstance(answer, str) and said in answer


# -- /milestones ---------------------------------------------------------------------------
async def test_setting_a_date_is_opt_in_and_saved_only_when_chosen(
    engine: Engine, db: Database
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/milestones")
    assert "Many don't count at all, and that's just as welcome here" in chat.last_text()
    await chat.tap("Not now")
    assert "nothing is set" in chat.last_text()
    assert await recovery_of(db) is None

    said = await set_date(chat, "2026-11-15")  # a week ago today
    assert "Saved. You're counting from Sun 15 Nov 2026: 7 days so far." in said
    assert "That's 1 week today — congratulations!" in said
    assert "Next milestone: 30 days, on Tue 15 Dec 2026" in said
    assert "Only you ever see your date" in said
    recovery = await recovery_of(db)
    assert recovery is not None and recovery.since == date(2026, 11, 15)
    assert recovery.celebrated_through == date(2026, 11, 22)  # today's is said already
    assert recovery.next_at == datetime(2026, 12, 15, 10, 0, tzinfo=UTC)


async def test_bad_dates_get_a_clear_reply_and_change_nothing(
    engine: Engine, db: Database
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/milestones")
    await chat.tap("Set a date")
    for typed in ("whenever", "2027-01-01", "30 feb 2026"):
        await chat.say(typed)
        assert "like 2026-03-14 or 14 March 2026" in chat.last_text() or (
            "still to come" in chat.last_text()
        )
        assert await recovery_of(db) is None
    await chat.tap("Yesterday")
    assert "counting from Sat 21 Nov 2026: 1 day so far" in chat.last_text()
    assert "That's 1 day today" in chat.last_text()


async def test_starting_again_is_met_warmly_and_the_streak_is_kept_apart(
    engine: Engine, db: Database, clock: ManualClock
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await set_date(chat, "2026-10-01")
    for _ in range(3):
        await check_in(chat)
        clock.advance(timedelta(days=1))
    await check_in(chat)  # 25 Nov: four days in a row
    await chat.say("/milestones")
    status = chat.last_text()
    assert "You're counting from Thu 1 Oct 2026: 55 days so far." in status
    assert "Next milestone: 60 days, on Mon 30 Nov 2026" in status
    assert "Your check-in streak (kept apart from your date): 4 days in a row." in status
    await chat.tap("Start again")
    question = chat.last_text()
    assert "starting again is part of recovery for a lot of people" in question
    await chat.tap("Today")
    assert "Count from Wed 25 Nov 2026 in place of Thu 1 Oct 2026?" in chat.last_text()
    await chat.tap("Yes, from Wed 25 Nov")
    said = chat.last_text()
    assert "Starting again takes courage, and nothing you've learned along the way is lost" in (
        said
    )
    assert "Your new count starts today, Wed 25 Nov 2026." in said
    assert "Next milestone: 1 day, on Thu 26 Nov 2026" in said
    assert "Your check-in streak is a separate thing and stays as it is: 4 days in a row." in said
    for word in SHAME:
        assert word not in (question + said).casefold()
    member = await member_of(db)
    assert (member.streak_days, member.checkin_count) == (4, 4)

    # The new date's milestones come; the old date's 60 days (30 Nov) does not.
    sent = await sweep_at(engine, clock, datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    assert milestone_texts(sent) == [
        "🌱 1 day today. One day at a time is how it's done, and you did it.\n\n"
        "However today feels, this is yours. 💛 (/milestones to change or turn these off)"
    ]
    for day in range(27, 31):
        sent = await sweep_at(engine, clock, datetime(2026, 11, day, 10, 0, tzinfo=UTC))
        assert milestone_texts(sent) == []
    sent = await sweep_at(engine, clock, datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    assert [t.split(".")[0] for t in milestone_texts(sent)] == ["🌿 1 week today"]


async def test_correcting_the_date_asks_first_and_keeps_what_was_done(
    engine: Engine, db: Database, clock: ManualClock
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await set_date(chat, "2026-11-20")
    await chat.say("/milestones")
    await chat.tap("Correct the date")
    await chat.say("20 Nov 2026")
    assert "That's already your date (Fri 20 Nov 2026), so nothing changed." in chat.last_text()
    await chat.say("/milestones")
    await chat.tap("Correct the date")
    await chat.say("2026-11-19")
    await chat.tap("No, keep Fri 20 Nov")
    assert "Okay, your date stays as it was (Fri 20 Nov 2026)" in chat.last_text()
    recovery = await recovery_of(db)
    assert recovery is not None and recovery.since == date(2026, 11, 20)
    await chat.say("/milestones")
    await chat.tap("Correct the date")
    await chat.say("2026-11-19")
    await chat.tap("Yes, from Thu 19 Nov")
    said = chat.last_text()
    assert "Saved. You're counting from Thu 19 Nov 2026: 3 days so far." in said
    assert "Next milestone: 1 week, on Thu 26 Nov 2026" in said
    recovery = await recovery_of(db)
    assert recovery is not None and recovery.since == date(2026, 11, 19)


async def test_turning_milestones_off_forgets_the_date(
    engine: Engine, db: Database, clock: ManualClock
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await set_date(chat, "2026-11-20")
    await chat.say("/milestones")
    await chat.tap("Turn milestones off")
    assert "I'll forget your date (Fri 20 Nov 2026)" in chat.last_text()
    await chat.tap("No, keep them")
    assert await recovery_of(db) is not None
    await chat.say("/milestones")
    await chat.tap("Turn milestones off")
    await chat.tap("Yes, turn them off")
    assert "milestones are off, and I've forgotten your date" in chat.last_text()
    assert await recovery_of(db) is None
    # Nothing more comes.
    sent = await sweep_at(engine, clock, datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    assert milestone_texts(sent) == []


async def test_cancel_at_every_step_changes_nothing(engine: Engine, db: Database) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    for steps in ([], ["Set a date"]):
        await chat.say("/milestones")
        for step in steps:
            await chat.tap(step)
        await chat.say("/cancel")
        assert "nothing changed" in chat.last_text()
        assert await recovery_of(db) is None
    await set_date(chat, "2026-11-20")
    before = await recovery_of(db)
    for steps in (
        [],
        ["Start again"],
        ["Start again", "Today"],
        ["Correct the date"],
        ["Correct the date", "Yesterday"],
        ["Turn milestones off"],
    ):
        await chat.say("/milestones")
        for step in steps:
            await chat.tap(step)
        await chat.say("/cancel")
        assert "Your milestones are just as they were — nothing changed." in chat.last_text()
        assert await recovery_of(db) == before
    await chat.say("/milestones")
    await chat.tap("Keep it as it is")
    assert "stay as they are" in chat.last_text()


async def test_settings_show_milestones_and_lead_to_them(engine: Engine, db: Database) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await chat.say("/settings")
    assert "• Milestones: off" in chat.last_text()
    await chat.tap("Milestones")
    await chat.tap("Set a date")
    await chat.say("2026-11-01")
    assert "Saved. You're counting from Sun 1 Nov 2026: 21 days so far." in chat.last_text()
    await chat.say("/settings")
    assert "• Milestones: counting from Sun 1 Nov 2026 (21 days so far)" in chat.last_text()
    await chat.tap("Done")


async def test_the_date_is_never_shown_to_anyone_else(engine: Engine, db: Database) -> None:
    alex, sam = ChatDriver(engine, ALEX), ChatDriver(engine, SAM)
    await alex.onboard()
    await sam.onboard(name="Bright Fox")
    await set_date(alex, "2026-01-17")
    await sam.say("/milestones")
    assert "Sat 17 Jan" not in sam.all_text() and "2026-01-17" not in sam.all_text()
    await sam.say("/settings")
    assert "• Milestones: off" in sam.last_text()


# -- the sweep ----------------------------------------------------------------------------
async def test_each_milestone_comes_once_on_its_morning_even_after_a_restart(
    db_path: Path, clock: ManualClock
) -> None:
    first = await open_database(str(db_path))
    try:
        engine = engine_with(first, clock)
        chat = ChatDriver(engine, ALEX)
        await chat.onboard()
        await set_date(chat, "2026-11-21")  # 1 day today, said when it was set
        assert milestone_texts(await sweep_at(engine, clock, clock.now())) == []
        # 1 week: Sat 28 Nov, at 10:00 (UTC is Alex's zone).
        sent = await sweep_at(engine, clock, datetime(2026, 11, 28, 9, 59, tzinfo=UTC))
        assert milestone_texts(sent) == []
        sent = await sweep_at(engine, clock, datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
        assert [t.split("\n")[0] for t in milestone_texts(sent)] == [
            "🌿 1 week today. Seven days, each one taken as it came. That's worth celebrating."
        ]
        assert milestone_texts(await sweep_at(engine, clock, clock.now())) == []
    finally:
        await first.close()
    # A restart: a new process on the same database file sends nothing again.
    reopened = await open_database(str(db_path))
    try:
        again = engine_with(reopened, clock)
        for hour in (10, 14, 20):
            sent = await sweep_at(again, clock, datetime(2026, 11, 28, hour, 0, tzinfo=UTC))
            assert milestone_texts(sent) == []
        sent = await sweep_at(again, clock, datetime(2026, 12, 21, 10, 0, tzinfo=UTC))
        assert [t.split(".")[0] for t in milestone_texts(sent)] == ["🌟 30 days today"]
    finally:
        await reopened.close()


async def test_milestones_follow_the_members_day_across_daylight_saving(
    engine: Engine, db: Database, clock: ManualClock
) -> None:
    """New York springs forward on Sun 14 Mar 2027: a week from Mon 8 Mar is Mon 15 Mar at
    10:00 there, 14:00 UTC (not 15:00, as in winter)."""
    clock.set(datetime(2027, 3, 10, 15, 0, tzinfo=UTC))
    chat = ChatDriver(engine, ALEX)
    await chat.onboard(zone="America/New_York", at="09:00")
    said = await set_date(chat, "8 March")
    assert "counting from Mon 8 Mar 2027: 2 days so far" in said
    assert "Next milestone: 1 week, on Mon 15 Mar 2027" in said
    recovery = await recovery_of(db)
    assert recovery is not None and recovery.next_at == datetime(2027, 3, 15, 14, 0, tzinfo=UTC)
    sent = await sweep_at(engine, clock, datetime(2027, 3, 15, 13, 59, tzinfo=UTC))
    assert milestone_texts(sent) == []
    sent = await sweep_at(engine, clock, datetime(2027, 3, 15, 14, 0, tzinfo=UTC))
    assert [t.split(".")[0] for t in milestone_texts(sent)] == ["🌿 1 week today"]
    # 6 months, Wed 8 Sep, still in summer time; 9 months, Wed 8 Dec, after falling back on
    # Sun 7 Nov: 10:00 there is 15:00 UTC again.
    sent = await sweep_at(engine, clock, datetime(2027, 9, 8, 14, 0, tzinfo=UTC))
    assert [t.split(".")[0] for t in milestone_texts(sent)] == ["🎉 6 months today"]
    sent = await sweep_at(engine, clock, datetime(2027, 12, 8, 14, 59, tzinfo=UTC))
    assert milestone_texts(sent) == []
    sent = await sweep_at(engine, clock, datetime(2027, 12, 8, 15, 0, tzinfo=UTC))
    assert [t.split(".")[0] for t in milestone_texts(sent)] == ["🎉 9 months today"]


async def test_a_new_time_zone_moves_the_next_milestone_to_its_morning(
    engine: Engine, db: Database, clock: ManualClock
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await set_date(chat, "2026-11-20")
    await chat.say("/settings")
    await chat.tap("Time zone")
    await chat.say("Pacific/Auckland")
    recovery = await recovery_of(db)
    # 1 week: Fri 27 Nov at 10:00 in Auckland (UTC+13) is 21:00 UTC the day before.
    assert recovery is not None and recovery.next_at == datetime(2026, 11, 26, 21, tzinfo=UTC)


async def test_quiet_hours_hold_a_milestone_until_they_end(
    db: Database, clock: ManualClock
) -> None:
    engine = engine_with(db, clock, quiet_hours="21:00-11:00")
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await set_date(chat, "2026-11-21")
    sent = await sweep_at(engine, clock, datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
    assert milestone_texts(sent) == []
    sent = await sweep_at(engine, clock, datetime(2026, 11, 28, 10, 59, tzinfo=UTC))
    assert milestone_texts(sent) == []
    sent = await sweep_at(engine, clock, datetime(2026, 11, 28, 11, 0, tzinfo=UTC))
    assert [t.split(".")[0] for t in milestone_texts(sent)] == ["🌿 1 week today"]


async def test_a_late_sweep_waits_for_the_morning_and_says_which_day(
    engine: Engine, db: Database, clock: ManualClock
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await set_date(chat, "2026-11-21")
    # The bot was down all day: back at 22:00, inside the quiet hours (21:00-09:00).
    sent = await sweep_at(engine, clock, datetime(2026, 11, 28, 22, 0, tzinfo=UTC))
    assert milestone_texts(sent) == []
    sent = await sweep_at(engine, clock, datetime(2026, 11, 29, 9, 0, tzinfo=UTC))
    assert [t.split(".")[0] for t in milestone_texts(sent)] == ["🌿 1 week on Sat 28 Nov"]


async def test_paused_members_are_not_written_to_and_the_next_one_still_comes(
    engine: Engine, db: Database, clock: ManualClock
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await set_date(chat, "2026-11-21")
    await chat.say("/pause")
    sent = await sweep_at(engine, clock, datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
    assert milestone_texts(sent) == []
    await chat.say("/resume")
    sent = await sweep_at(engine, clock, datetime(2026, 11, 29, 10, 0, tzinfo=UTC))
    assert milestone_texts(sent) == []  # the week passed while paused: not sent late
    sent = await sweep_at(engine, clock, datetime(2026, 12, 21, 10, 0, tzinfo=UTC))
    assert [t.split(".")[0] for t in milestone_texts(sent)] == ["🌟 30 days today"]


async def test_a_safety_pause_holds_a_milestone_until_it_ends(
    engine: Engine, db: Database, clock: ManualClock
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await set_date(chat, "2026-11-21")
    member = await member_of(db)
    until = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    async with db.transaction() as tx:
        await tx.members.hold_after_safety_event(
            member.id, quiet_until=until, followup_at=until + timedelta(days=1)
        )
    sent = await sweep_at(engine, clock, datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
    assert milestone_texts(sent) == []
    recovery = await recovery_of(db)
    assert recovery is not None and recovery.next_at == until
    sent = await sweep_at(engine, clock, until)
    assert [t.split(".")[0] for t in milestone_texts(sent)] == ["🌿 1 week on Sat 28 Nov"]


# -- the member's own data -----------------------------------------------------------------
async def test_the_date_is_in_the_export_and_gone_with_delete(
    engine: Engine, db: Database
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await set_date(chat, "2026-11-20")
    replies = await chat.say("/export")
    [document] = [r.document for r in replies if r.document is not None]
    data = json.loads(document.data)
    assert data["recovery_date"] == {
        "counting_from": "2026-11-20",
        "set_at": "2026-11-22T14:00:00Z",
        "milestones_done_through": "2026-11-22",
        "next_milestone_note_at": "2026-11-27T10:00:00Z",
    }
    assert "recovery date" in data["guide"]["recovery_date"]
    member = await member_of(db)
    await chat.say("/delete")
    assert "your recovery date" in chat.last_text()
    await chat.tap("Yes, delete everything")
    async with db.transaction() as tx:
        assert await tx.recovery.get(member.id) is None
