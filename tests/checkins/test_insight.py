"""Mood and connection together: the line in /history and with /chart, shown when the data
says something kind and withheld when it is thin or could read as blame; and the events a
member went to, marked on the chart. Driven through the engine, days in the member's zone."""

from datetime import UTC, date, datetime, timedelta

import matplotlib.style
import numpy

from flows.checkins.chart import EVENT_LEGEND, EVENT_Y, chart_data, chart_figure
from flows.checkins.insight import (
    INSIGHT_DAYS,
    MoodSplit,
    connected_days,
    insight_line,
    mood_split,
)
from flows.core.clock import ManualClock
from flows.core.engine import Engine
from storage import (
    Account,
    ConnectionCheckin,
    Database,
    EndReason,
    EventFields,
    HandoffStatus,
    Member,
    MoodCheckin,
    Priority,
    RsvpAnswer,
)
from tests.chat_driver import ChatDriver

ALEX = Account("console", "4242")
PEER = Account("console", "6161")
LINE = "your mood averaged"


async def member_of(db: Database, account: Account) -> Member:
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(account)
    assert member is not None
    return member


async def moods(db: Database, member: Member, by_day: dict[date, int], now: datetime) -> None:
    async with db.transaction() as tx:
        for day, mood in by_day.items():
            await tx.checkins.record_mood(
                member.id, local_date=day, mood=mood, tags=(), helped=None, now=now
            )


async def went_to_event(
    db: Database, member: Member, starts_at: datetime, *, attended: bool = True
) -> int:
    """An event the member said they'd go to, answered "did you make it?" as given."""
    async with db.transaction() as tx:
        event_id = await tx.events.create(
            EventFields(
                title=f"Meeting {starts_at:%m%d%H}",
                place="Hall",
                description=None,
                starts_at=starts_at,
                ends_at=None,
                tags=("meeting",),
                capacity=None,
            ),
            uid=f"ev-{starts_at.isoformat()}",
            created_by=None,
            now=starts_at - timedelta(days=2),
        )
        answer = await tx.events.answer(
            event_id,
            member.id,
            answer=RsvpAnswer.GOING,
            now=starts_at - timedelta(days=2),
            stage=None,
            due_at=None,
        )
        await tx.events.record_attendance(answer.id, attended=attended, rating=None)
    return event_id


async def peer_chat(db: Database, member: Member, volunteer: Member, at: datetime) -> None:
    async with db.transaction() as tx:
        asked = await tx.handoffs.request(
            member.id,
            alias="Quiet Heron",
            priority=Priority.ORDINARY,
            topic=None,
            now=at,
            escalate_at=None,
        )
        assert await tx.handoffs.claim(asked, volunteer.id, at)
        await tx.handoffs.close(
            asked, status=HandoffStatus.ENDED, reason=EndReason.MEMBER, now=at + timedelta(hours=1)
        )


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


async def alex_and_peer(engine: Engine) -> tuple[ChatDriver, Member, Member]:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await ChatDriver(engine, PEER).onboard(name="Calm Otter")
    peer = await member_of(engine.db, PEER)
    async with engine.db.transaction() as tx:
        await tx.volunteers.add(
            peer.id, display_name="Sam Peer", topics=(), capacity=2, now=engine.clock.now()
        )
    return chat, await member_of(engine.db, ALEX), peer


# -- the rule -----------------------------------------------------------------------------
def test_the_line_needs_five_days_of_each_and_a_clear_lift() -> None:
    assert insight_line(MoodSplit(5, 5, 3.9, 2.8)) is not None
    # Thin data: too few days of either kind.
    assert insight_line(MoodSplit(4, 20, 4.5, 2.0)) is None
    assert insight_line(MoodSplit(20, 4, 4.5, 2.0)) is None
    # Lower on connected days, the same, or barely higher: nothing at all.
    assert insight_line(MoodSplit(8, 8, 2.1, 3.5)) is None
    assert insight_line(MoodSplit(8, 8, 3.0, 3.0)) is None
    assert insight_line(MoodSplit(8, 8, 3.2, 3.0)) is None


def test_the_line_is_kind_and_says_what_counts() -> None:
    line = insight_line(MoodSplit(6, 9, 3.94, 2.81))
    assert line is not None
    assert "averaged 3.9; on other days, 2.8" in line
    assert "meeting or event (the ones you told me you made it to) or had a peer chat" in line
    assert f"last {INSIGHT_DAYS} days" in line
    for blame in ("should", "only", "worse", "fail", "missed", "didn't"):
        assert blame not in line.casefold()


def test_only_checked_in_days_count() -> None:
    day = date(2026, 11, 1)
    checked = [MoodCheckin(day + timedelta(days=i), 3, (), None, noon(day)) for i in range(3)]
    split = mood_split(checked, {day, day + timedelta(days=10)})
    assert (split.connected_days, split.other_days) == (1, 2)


# -- /history and /chart ------------------------------------------------------------------
async def test_history_and_chart_say_it_once_there_are_enough_days_of_each(
    engine: Engine, clock: ManualClock
) -> None:
    chat, alex, peer = await alex_and_peer(engine)
    today = date(2026, 11, 22)
    # Twenty days: every other one connected (meetings on some, peer chats on others),
    # mood 4 on those, 3 or 2 on the rest.
    by_day = {}
    for offset in range(20):
        day = today - timedelta(days=offset)
        if offset % 2 == 0:
            by_day[day] = 4
            if offset % 4 == 0:
                await went_to_event(engine.db, alex, noon(day) - timedelta(hours=3))
            else:
                await peer_chat(engine.db, alex, peer, noon(day))
        else:
            by_day[day] = 3 if offset % 3 else 2
    await moods(engine.db, alex, by_day, clock.now())

    [history] = await chat.say("/history")
    assert "your mood averaged 4.0; on other days, 2.7" in history.text
    replies = await chat.say("/chart")
    [picture] = [r for r in replies if r.image_png is not None]
    assert "your mood averaged 4.0; on other days, 2.7" in picture.text
    assert "★ the events you went to" in picture.text
    # A volunteer's chats count for them too: they talked with someone from their community.
    async with engine.db.transaction() as tx:
        days = await connected_days(tx, peer, noon(today) - timedelta(days=30))
    assert len(days.chats) == 5 and not days.events


async def test_nothing_is_said_while_the_data_is_thin(engine: Engine, clock: ManualClock) -> None:
    chat, alex, _ = await alex_and_peer(engine)
    today = date(2026, 11, 22)
    by_day = {today - timedelta(days=offset): 4 if offset < 4 else 2 for offset in range(15)}
    for offset in range(4):  # four connected days: one short
        await went_to_event(engine.db, alex, noon(today - timedelta(days=offset)))
    # A "did you make it?" answered "I didn't make it" marks no day...
    await went_to_event(engine.db, alex, noon(today - timedelta(days=5)), attended=False)
    # ...and nor does the weekly check-in's "how many people did you talk with?": it is
    # about a week, not a day.
    async with engine.db.transaction() as tx:
        await tx.checkins.record_connection(
            alex.id,
            local_date=today - timedelta(days=6),
            answers=ConnectionCheckin(today - timedelta(days=6), 1, 1, 1, 3, 5),
            now=clock.now(),
        )
    await moods(engine.db, alex, by_day, clock.now())
    [history] = await chat.say("/history")
    assert LINE not in history.text
    replies = await chat.say("/chart")
    assert all(LINE not in r.text for r in replies)

    # One more meeting makes five: now it is said.
    await went_to_event(engine.db, alex, noon(today - timedelta(days=4)))
    [history] = await chat.say("/history")
    assert "your mood averaged 3.6; on other days, 2.0" in history.text


async def test_nothing_is_said_when_mood_was_lower_on_connected_days(
    engine: Engine, clock: ManualClock
) -> None:
    """A hard day is often the day someone reaches out: a lower mood on the days of peer
    chats is no reason to reach out less, and saying so could read as blame."""
    chat, alex, peer = await alex_and_peer(engine)
    today = date(2026, 11, 22)
    by_day = {}
    for offset in range(16):
        day = today - timedelta(days=offset)
        if offset % 2 == 0:
            by_day[day] = 1
            await peer_chat(engine.db, alex, peer, noon(day))
        else:
            by_day[day] = 4
    await moods(engine.db, alex, by_day, clock.now())
    [history] = await chat.say("/history")
    replies = await chat.say("/chart")
    for text in [history.text, *(r.text for r in replies)]:
        assert LINE not in text and "on other days" not in text
    # The same days the other way round (higher on the days of the chats) are said.
    await moods(engine.db, alex, {day: 5 - mood for day, mood in by_day.items()}, clock.now())
    [history] = await chat.say("/history")
    assert "your mood averaged 4.0; on other days, 1.0" in history.text


async def test_days_are_the_members_own_local_days(engine: Engine, clock: ManualClock) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard(zone="Pacific/Auckland")
    alex = await member_of(engine.db, ALEX)
    # 20:00 UTC on 20 Nov is 09:00 on 21 Nov in Auckland.
    await went_to_event(engine.db, alex, datetime(2026, 11, 20, 20, 0, tzinfo=UTC))
    async with engine.db.transaction() as tx:
        days = await connected_days(tx, alex, datetime(2026, 11, 1, tzinfo=UTC))
    assert days.events == {date(2026, 11, 21)}


async def test_the_did_you_make_it_answer_marks_the_chart(
    engine: Engine, clock: ManualClock
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    alex = await member_of(engine.db, ALEX)
    await chat.say("/checkin")
    await chat.say("4")
    await chat.say("done")
    await chat.say("skip")
    # An event yesterday that Alex said they'd go to; they answer "did you make it?".
    async with engine.db.transaction() as tx:
        event_id = await tx.events.create(
            EventFields(
                title="Tuesday group",
                place="Hall",
                description=None,
                starts_at=clock.now() - timedelta(days=1),
                ends_at=None,
                tags=(),
                capacity=None,
            ),
            uid="tuesday",
            created_by=None,
            now=clock.now() - timedelta(days=3),
        )
        await tx.events.answer(
            event_id,
            alex.id,
            answer=RsvpAnswer.GOING,
            now=clock.now() - timedelta(days=3),
            stage=None,
            due_at=None,
        )
    replies = await chat.say("/chart")
    [before] = [r for r in replies if r.image_png is not None]
    assert "events you went to" not in before.text
    await chat.say(f"/attended {event_id} good")
    replies = await chat.say("/chart")
    [after] = [r for r in replies if r.image_png is not None]
    assert "★ the events you went to" in after.text
    assert after.image_png != before.image_png


def test_attended_events_are_marked_under_the_mood_scale() -> None:
    today = date(2026, 11, 22)
    changed = datetime(2026, 11, 22, tzinfo=UTC)
    data = chart_data(
        [MoodCheckin(today, 4, (), None, changed)],
        [],
        today,
        attended=[today - timedelta(days=2), today - timedelta(days=40), today],
    )
    assert data.attended == (27, 29)  # the one before the window is left out
    with matplotlib.style.context("default"):
        figure = chart_figure(data)
    axes = figure.axes[0]
    [marks] = [line for line in axes.get_lines() if line.get_label() == EVENT_LEGEND]
    assert numpy.asarray(marks.get_xdata()).tolist() == [27, 29]
    # Below "Very low": never read as a mood.
    assert set(numpy.asarray(marks.get_ydata()).tolist()) == {EVENT_Y} and EVENT_Y < 1
    assert axes.get_ylim()[0] < EVENT_Y
    [legend] = figure.legends
    assert EVENT_LEGEND in [t.get_text() for t in legend.get_texts()]
    # Without any, no mark and no legend entry.
    with matplotlib.style.context("default"):
        plain = chart_figure(chart_data([MoodCheckin(today, 4, (), None, changed)], [], today))
    assert EVENT_LEGEND not in [t.get_text() for t in plain.legends[0].get_texts()]
