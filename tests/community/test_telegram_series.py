"""Repeating events and Meeting Guide feeds end to end over Telegram: an admin posts a
weekly meeting (in one line and step by step) and sends a feed file; members list meetings
by kind, answer one date or "I usually go"; cancelling one date or the whole series tells
exactly those going."""

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows.community.series import HORIZON
from flows.core.clock import ManualClock
from storage import Database, Event, RsvpAnswer
from tests.event_helpers import all_events
from tests.fake_telegram import BotMessage, FakeTelegram
from tests.telegram_harness import Person, RunningBot, start_bot, text_of

ALEX, SAM, KIM, ADMIN = 4242, 5151, 6161, 9001
FEED = (Path(__file__).parent / "fixtures" / "meeting_feed_v1.json").read_bytes()
# The first twelve meetings of the feed fixture: in person, online, hybrid, and one
# (meeting-10) whose location is closed with no way to join.
SMALL_FEED: list[dict[str, object]] = json.loads(FEED)[:12]


@pytest.fixture
async def bot(fake: FakeTelegram, db_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    # Only the test sweeps: a timed one could send reminders mid-conversation.
    running = await start_bot(fake, db_path, clock, first_sweep_seconds=3600.0)
    running.engine.config = dataclasses.replace(
        running.engine.config, admins=frozenset({f"telegram:{ADMIN}"})
    )
    yield running
    await running.stop()


async def dates(db: Database, title: str) -> list[Event]:
    return [e for e in await all_events(db) if e.title == title]


async def answers_of(bot: RunningBot, user_id: int, events: list[Event]) -> list[RsvpAnswer]:
    """The member's answer to each of these dates, in order, for the dates answered."""
    member = await bot.member(user_id)
    async with bot.db.transaction() as tx:
        given = await tx.events.answers_of(member.id, (e.id for e in events))
    return [given[e.id] for e in events if e.id in given]


def cards(fake: FakeTelegram, user_id: int, after: int) -> list[BotMessage]:
    """The event cards (with their answer buttons) among the bot's messages since `after`."""
    return [m for m in fake.messages(user_id)[after:] if m.body.startswith("📅")]


async def tap_on(person: Person, message: BotMessage, label: str, *, expect: str) -> BotMessage:
    """Tap a button on one particular message (not the newest question)."""
    person.fake.user_clicks(person.id, message.message_id, person.button(message, label))
    await person.fake.next_call("answerCallbackQuery")
    return await person.fake.wait_for_message(person.id, expect)


async def test_admin_posts_a_weekly_meeting_in_one_line_and_step_by_step(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin = Person(fake, ADMIN, "Robin")
    # Sunday 22 November, 14:00 UTC: the first Tuesday is the 24th.
    posted = await admin.send(
        "/newevent every Tue 19:00 | NA meeting | St Mary's hall", expect="Posted"
    )
    assert "Tue 24 Nov, 19:00 · NA meeting" in text_of(posted)
    assert "🔁 Repeats every Tuesday at 19:00" in text_of(posted)
    assert "/cancelevent can call off one date or the whole series" in text_of(posted)
    tuesdays = await dates(bot.db, "NA meeting")
    assert len(tuesdays) == HORIZON.days // 7 and len({e.series_id for e in tuesdays}) == 1
    assert all(e.starts_at.weekday() == 1 and e.starts_at.hour == 19 for e in tuesdays)

    # A rule it can't read: a clear reply, nothing posted.
    refused = await admin.send("/newevent every day 19:00 | NA | Hall")
    assert "which day of the week" in text_of(refused)
    assert len(await all_events(bot.db)) == len(tuesdays)

    # Step by step, with the rule as the answer to "When is it?".
    await admin.send("/newevent", expect="every Tue 19:00")
    await admin.send("every other Sat 10:00", expect="What is it called")
    await admin.send("SMART walk", expect="Where is it")
    await admin.send("Riverside Park gate", expect="A few words about it")
    tags = await admin.tap("Skip", expect="Any tags?")
    assert tags is not None
    await admin.tap("Walk")
    # The question is edited in place with fresh buttons: tap those.
    await fake.next_call("editMessageText", message_id=tags.message_id)
    await admin.tap("Done", expect="How many people can come")
    preview = await admin.tap("No limit", expect="Post this event?")
    assert preview is not None and "🔁 Repeats every other Saturday at 10:00" in text_of(preview)
    stepwise = await admin.tap("Post it", expect="Posted")
    assert stepwise is not None and "Sat 28 Nov, 10:00 · SMART walk" in text_of(stepwise)
    walks = await dates(bot.db, "SMART walk")
    assert [e.starts_at.day for e in walks] == [28, 12, 26, 9]
    assert all(e.tags == ("walk",) for e in walks)


async def test_a_member_lists_by_kind_answers_one_date_and_usually_goes(
    fake: FakeTelegram, bot: RunningBot, clock: ManualClock
) -> None:
    admin, alex = Person(fake, ADMIN, "Robin"), Person(fake, ALEX)
    await alex.onboard(at="No daily reminder")
    await admin.send("/newevent every Tue 19:00 | NA meeting | St Mary's hall", expect="Posted")
    await admin.send(
        "/newevent every Thu 18:00 | SMART online | Zoom | https://zoom.example.org/j/1 "
        "| tags: online",
        expect="Posted",
    )

    seen = len(fake.messages(ALEX))
    await alex.send("/events online", expect="Online events in the next 14 days")
    await alex.send("/help", expect="Here's what I can do")  # every card has arrived
    online = cards(fake, ALEX, seen)
    assert len(online) == 2 and all("SMART online" in m.body for m in online)
    labels = [label for label, _ in online[0].buttons]
    assert labels == ["✅ I'll go this time", "🤔 Maybe", "➖ Not this time", "🔁 I usually go"]

    # "I usually go" to the online meeting: every coming date is answered going.
    usually = await tap_on(alex, online[0], "I usually go", expect="you usually go")
    assert "SMART online (every Thursday at 18:00)" in text_of(usually)
    thursdays = await dates(bot.db, "SMART online")
    assert await answers_of(bot, ALEX, thursdays) == [RsvpAnswer.GOING] * len(thursdays)

    seen = len(fake.messages(ALEX))
    await alex.send("/events in person", expect="In person events in the next 14 days")
    await alex.send("/help", expect="Here's what I can do")
    in_person = cards(fake, ALEX, seen)
    assert len(in_person) == 2 and all("NA meeting" in m.body for m in in_person)
    assert "📍 St Mary's hall" in in_person[0].body

    # This Tuesday only: the other dates stay unanswered.
    await tap_on(alex, in_person[0], "I'll go this time", expect="you're going to NA meeting")
    assert text_of(fake.message(ALEX, in_person[0].message_id)).endswith("→ ✅ I'll go")
    tuesdays = await dates(bot.db, "NA meeting")
    assert await answers_of(bot, ALEX, tuesdays[:1]) == [RsvpAnswer.GOING]
    assert await answers_of(bot, ALEX, tuesdays[1:]) == []

    # The day before the first Thursday, at its time: a reminder for that date.
    clock.set(datetime(2026, 11, 25, 18, 0, tzinfo=UTC))
    await bot.sweep_now()
    reminder = await fake.wait_for_message(ALEX, "Tomorrow: SMART online")
    assert "Thu 26 Nov, 18:00" in text_of(reminder)


async def test_an_admins_meeting_guide_file_over_telegram(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    alex = Person(fake, ALEX)
    await alex.onboard(at="No daily reminder")

    # A member's feed file is never fetched.
    fake.user_sends_document(
        ALEX, file_name="meetings.json", mime_type="application/json", data=FEED
    )
    await fake.wait_for_message(ALEX, "I can only read text messages")
    assert fake.calls_to("getFile") == [] and await all_events(bot.db) == []

    # Not a feed: refused, nothing changed.
    fake.user_sends_document(
        ADMIN, file_name="meetings.json", mime_type="application/json", data=b'{"a": 1}'
    )
    refused = text_of(await fake.wait_for_message(ADMIN, "couldn't import that meeting list"))
    assert "isn't a Meeting Guide feed" in refused and "Nothing was changed" in refused
    assert await all_events(bot.db) == []

    fake.user_sends_document(
        ADMIN,
        file_name="meetings.json",
        mime_type="application/json",
        data=json.dumps(SMALL_FEED).encode(),
    )
    imported = text_of(await fake.wait_for_message(ADMIN, "Meeting list imported"))
    assert "12 weekly meetings — 11 added" in imported
    assert len(fake.calls_to("getFile")) == 2 and len(fake.downloads) == 2

    # Members see its meetings: online ones with how to join, in-person ones with a place.
    seen = len(fake.messages(ALEX))
    await alex.send("/events online", expect="Online events")
    await alex.send("/help", expect="Here's what I can do")  # every card has arrived
    online = cards(fake, ALEX, seen)
    assert online and all("💻 Join online: https://zoom.us/j/" in m.body for m in online)
    assert all("📞 Join by phone:" in m.body for m in online)
    seen = len(fake.messages(ALEX))
    await alex.send("/events in person", expect="In person events")
    await alex.send("/help", expect="Here's what I can do")
    in_person = cards(fake, ALEX, seen)
    assert in_person and all("📍" in m.body and "closed for now" not in m.body for m in in_person)
    # meeting-10's location is closed and it has no way to join: it isn't listed at all.
    closed_name = str(SMALL_FEED[9]["name"])
    assert not any(closed_name in m.body for m in fake.messages(ALEX))

    # Alex usually goes to meeting-4; the next file no longer has it: Alex is told.
    four = next(m for m in in_person if str(SMALL_FEED[3]["name"]) in m.body)
    await tap_on(alex, four, "I usually go", expect="you usually go")
    without_four = [m for m in SMALL_FEED if m["slug"] != "meeting-4"]
    fake.user_sends_document(
        ADMIN,
        file_name="meetings.json",
        mime_type="application/json",
        data=json.dumps(without_four).encode(),
    )
    again = text_of(await fake.wait_for_message(ADMIN, "Meeting list imported"))
    assert "11 weekly meetings — 0 added, 0 updated, 10 unchanged, 1 cancelled" in again
    told = text_of(await fake.wait_for_message(ALEX, "has been cancelled"))
    assert "every date from now on" in told


async def test_cancelling_one_date_or_the_series_tells_exactly_those_going(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin = Person(fake, ADMIN, "Robin")
    alex, sam, kim = Person(fake, ALEX), Person(fake, SAM, "Sam"), Person(fake, KIM, "Kim")
    for person in (alex, sam, kim):
        await person.onboard(at="No daily reminder")
    await admin.send("/newevent every Tue 19:00 | NA meeting | St Mary's hall", expect="Posted")
    first, second = (await dates(bot.db, "NA meeting"))[:2]
    await alex.send(f"/rsvp {first.id} usually", expect="you usually go")  # every date
    await sam.send(f"/rsvp {second.id} going", expect="you're going")  # the second only
    await kim.send(f"/rsvp {first.id} no", expect="Maybe another time")  # not going

    # One date: only Alex is going to the first Tuesday.
    question = await admin.send(f"/cancelevent {first.id}", expect="repeats")
    labels = [label for label, _ in question.buttons]
    assert labels == ["❌ Just this date", "🗑 The whole series", "No, keep it"]
    done = await admin.tap("Just this date", expect="Cancelled NA meeting")
    assert done is not None and "told the 1 person" in text_of(done)
    told = text_of(await fake.wait_for_message(ALEX, "has been cancelled"))
    assert "NA meeting on Tue 24 Nov, 19:00" in told and "the others are still on" in told
    assert len(await dates(bot.db, "NA meeting")) == HORIZON.days // 7 - 1

    # The whole series: Alex (usually) and Sam (one date) are told, once each.
    await admin.send(f"/cancelevent {second.id}", expect="repeats")
    done = await admin.tap("The whole series", expect="Cancelled every coming date")
    assert done is not None and "told the 2 people" in text_of(done)
    for user_id in (ALEX, SAM):
        told = text_of(await fake.wait_for_message(user_id, "every date from now on"))
        assert "NA meeting (every Tuesday at 19:00, UTC time) has been cancelled" in told
    assert await dates(bot.db, "NA meeting") == []

    # Kim said no and hears nothing; nobody hears twice.
    await kim.send("/help", expect="Here's what I can do")
    await alex.send("/help", expect="Here's what I can do")
    await sam.send("/help", expect="Here's what I can do")
    assert not any("cancelled" in m.body for m in fake.messages(KIM))
    assert sum("cancelled" in m.body for m in fake.messages(ALEX)) == 2
    assert sum("cancelled" in m.body for m in fake.messages(SAM)) == 1
