"""The scheduler sweep, driven by moving the injected clock."""

from datetime import UTC, datetime, timedelta

from flows.core.clock import ManualClock
from flows.core.engine import Engine
from flows.core.values import Outcome
from flows.sweeper import Sweeper
from storage import Account, Database
from tests.chat_driver import ChatDriver

TOKYO = Account("console", "tokyo")
CHICAGO = Account("console", "chicago")


def prompted(outcomes: list[Outcome]) -> list[tuple[str, str]]:
    return [
        (d.account.external_id, d.reply.text)
        for outcome in outcomes
        for d in outcome.deliveries
        if d.reply.choices
    ]


async def test_prompts_arrive_at_each_members_local_time(
    engine: Engine, clock: ManualClock
) -> None:
    # 2026-11-22 14:00 UTC is 23:00 in Tokyo and 08:00 in Chicago.
    await ChatDriver(engine, TOKYO).onboard(zone="Asia/Tokyo", at="09:00")
    await ChatDriver(engine, CHICAGO).onboard(zone="America/Chicago", at="09:00")
    sweeper = Sweeper(engine)

    clock.set(datetime(2026, 11, 22, 14, 59, tzinfo=UTC))  # 08:59 Chicago
    _, outcomes = await sweeper.sweep()
    assert prompted(outcomes) == []

    clock.set(datetime(2026, 11, 22, 15, 0, tzinfo=UTC))  # 09:00 Chicago
    _, outcomes = await sweeper.sweep()
    assert [who for who, _ in prompted(outcomes)] == ["chicago"]
    assert "How are you feeling today?" in prompted(outcomes)[0][1]

    _, outcomes = await sweeper.sweep()  # once a day, not once a tick
    assert prompted(outcomes) == []

    clock.set(datetime(2026, 11, 23, 0, 0, tzinfo=UTC))  # 09:00 Tokyo
    _, outcomes = await sweeper.sweep()
    assert [who for who, _ in prompted(outcomes)] == ["tokyo"]


async def test_prompt_follows_daylight_saving_change(engine: Engine, clock: ManualClock) -> None:
    # US clocks go back on 2026-11-01: 09:00 Chicago is 14:00 UTC before, 15:00 after.
    clock.set(datetime(2026, 10, 30, 16, 0, tzinfo=UTC))
    await ChatDriver(engine, CHICAGO).onboard(zone="America/Chicago", at="09:00")
    sweeper = Sweeper(engine)
    seen = []
    moment = datetime(2026, 10, 30, 16, 0, tzinfo=UTC)
    while moment < datetime(2026, 11, 3, 0, 0, tzinfo=UTC):
        moment += timedelta(minutes=30)
        clock.set(moment)
        _, outcomes = await sweeper.sweep()
        if prompted(outcomes):
            seen.append(moment)
            await ChatDriver(engine, CHICAGO).say("/cancel")
    assert seen == [
        datetime(2026, 10, 31, 14, 0, tzinfo=UTC),
        datetime(2026, 11, 1, 15, 0, tzinfo=UTC),
        datetime(2026, 11, 2, 15, 0, tzinfo=UTC),
    ]


async def test_late_sweep_still_prompts_the_same_day(engine: Engine, clock: ManualClock) -> None:
    await ChatDriver(engine, CHICAGO).onboard(zone="America/Chicago", at="09:00")
    sweeper = Sweeper(engine)
    clock.set(datetime(2026, 11, 22, 18, 30, tzinfo=UTC))  # 12:30 Chicago: the bot was down
    _, outcomes = await sweeper.sweep()
    assert [who for who, _ in prompted(outcomes)] == ["chicago"]


async def test_prompt_missed_on_an_earlier_day_is_not_sent_late(
    engine: Engine, clock: ManualClock
) -> None:
    await ChatDriver(engine, CHICAGO).onboard(zone="America/Chicago", at="09:00")
    sweeper = Sweeper(engine)
    clock.set(datetime(2026, 11, 24, 5, 0, tzinfo=UTC))  # down for two days; 23:00 Chicago
    _, outcomes = await sweeper.sweep()
    assert prompted(outcomes) == []
    clock.set(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    _, outcomes = await sweeper.sweep()
    assert [who for who, _ in prompted(outcomes)] == ["chicago"]


async def test_no_prompt_after_checking_in_or_while_paused(
    engine: Engine, clock: ManualClock
) -> None:
    chat = ChatDriver(engine, CHICAGO)
    await chat.onboard(zone="America/Chicago", at="09:00")
    await chat.say("/checkin")
    await chat.say("3")
    await chat.say("done")
    await chat.say("skip")  # checked in at 08:00, before the prompt
    sweeper = Sweeper(engine)
    clock.set(datetime(2026, 11, 22, 15, 30, tzinfo=UTC))
    _, outcomes = await sweeper.sweep()
    assert prompted(outcomes) == []

    await chat.say("/pause")
    clock.set(datetime(2026, 11, 23, 15, 30, tzinfo=UTC))
    _, outcomes = await sweeper.sweep()
    assert prompted(outcomes) == []
    await chat.say("/resume")
    assert "every day at 09:00" in chat.last_text()
    clock.set(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    _, outcomes = await sweeper.sweep()
    assert [who for who, _ in prompted(outcomes)] == ["chicago"]


async def test_busy_member_is_prompted_later(engine: Engine, clock: ManualClock) -> None:
    chat = ChatDriver(engine, CHICAGO)
    await chat.onboard(zone="America/Chicago", at="09:00")
    clock.set(datetime(2026, 11, 22, 14, 45, tzinfo=UTC))
    await chat.say("/settings")  # still open at prompt time
    sweeper = Sweeper(engine)
    clock.set(datetime(2026, 11, 22, 15, 0, tzinfo=UTC))
    report, outcomes = await sweeper.sweep()
    assert prompted(outcomes) == [] and report.deferred == 1
    await chat.tap("done")
    clock.advance(timedelta(minutes=30))
    _, outcomes = await sweeper.sweep()
    assert [who for who, _ in prompted(outcomes)] == ["chicago"]


async def test_weekly_connection_prompt(engine: Engine, clock: ManualClock, db: Database) -> None:
    chat = ChatDriver(engine, CHICAGO)
    await chat.onboard(zone="America/Chicago", at="09:00")
    sweeper = Sweeper(engine)
    clock.set(datetime(2026, 11, 28, 16, 0, tzinfo=UTC))  # away all week
    await sweeper.sweep()
    clock.set(datetime(2026, 11, 29, 15, 0, tzinfo=UTC))  # a week later, 09:00 Chicago
    _, outcomes = await sweeper.sweep()
    texts = [text for _, text in prompted(outcomes)]
    # The daily prompt comes first; the connection questions wait until it is done.
    assert texts and "How are you feeling today?" in texts[0]
    await chat.say("/cancel")
    clock.advance(timedelta(minutes=30))
    _, outcomes = await sweeper.sweep()
    assert any("lack companionship" in text for _, text in prompted(outcomes))


async def test_members_without_reminder_are_never_prompted(
    engine: Engine, clock: ManualClock
) -> None:
    await ChatDriver(engine, CHICAGO).onboard(zone="America/Chicago", at="No daily reminder")
    sweeper = Sweeper(engine)
    for day in range(8):
        clock.set(datetime(2026, 11, 23 + day % 7, 15, 0, tzinfo=UTC))
        _, outcomes = await sweeper.sweep()
        assert prompted(outcomes) == []
