"""/chart and /export, driven through the flow engine: a real PNG, the same bytes for the
same data, and an export holding exactly one member's data."""

import json
import struct
import zlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

import matplotlib.style
import pytest

from flows.checkins import chart as chart_module
from flows.checkins.chart import (
    CHART_DAYS,
    FACES,
    ChartData,
    chart_data,
    chart_figure,
    render_chart,
)
from flows.checkins.daily import MOODS
from flows.core.clock import ManualClock
from flows.core.engine import Engine
from flows.core.values import Document, Reply
from storage import (
    Account,
    ConnectionCheckin,
    Database,
    EndReason,
    EventFields,
    HandoffStatus,
    Member,
    MoodCheckin,
    NudgeReason,
    Priority,
    RsvpAnswer,
    SafetySource,
)
from tests.chat_driver import ChatDriver

ALEX = Account("telegram", "4242")
SAM = Account("telegram", "5151")
VOLUNTEER = Account("telegram", "6161")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, body) of every chunk, checking each chunk's CRC."""
    assert data.startswith(PNG_SIGNATURE)
    chunks, at = [], len(PNG_SIGNATURE)
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        at += 12 + length
    return chunks


def png_size(data: bytes) -> tuple[int, int]:
    chunks = png_chunks(data)
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height = struct.unpack(">II", chunks[0][1][:8])
    return width, height


async def check_in(chat: ChatDriver, mood: str, note: str = "skip") -> None:
    await chat.say("/checkin")
    await chat.say(mood)
    await chat.say("done")
    await chat.say(note)


async def connect(chat: ChatDriver, answer: str, contacts: str = "2") -> None:
    await chat.say("/connect")
    for _ in range(3):
        await chat.say(answer)
    await chat.say(contacts)


async def member_of(db: Database, account: Account) -> Member:
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(account)
    assert member is not None
    return member


def attachment_replies(replies: list[Reply]) -> list[Reply]:
    return [r for r in replies if r.image_png is not None or r.document is not None]


# -- /chart ------------------------------------------------------------------------------
async def test_chart_is_a_png_of_sensible_size_with_a_caption(
    engine: Engine, clock: ManualClock
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard(name="Quiet Heron")
    for mood in ("2", "3", "5", "4"):
        await check_in(chat, mood)
        clock.advance(timedelta(days=1))
    await connect(chat, "2")
    replies = await chat.say("/chart")
    [reply] = attachment_replies(replies)
    assert reply.image_png is not None and reply.document is None
    assert png_size(reply.image_png) == (800, 450)
    assert 10_000 < len(reply.image_png) < 300_000
    # No metadata chunk that could carry anything but pixels.
    assert {kind for kind, _ in png_chunks(reply.image_png)} <= {
        b"IHDR",
        b"IDAT",
        b"IEND",
        b"pHYs",
    }
    assert "4 mood check-ins" in reply.text and "connection check-ins" in reply.text
    assert "Quiet Heron" not in reply.text


async def test_the_chart_is_drawn_while_the_database_is_free(
    engine: Engine, db: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drawing takes about a tenth of a second: other chats' work goes on meanwhile."""
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await check_in(chat, "4")
    held_while_drawing: list[bool] = []

    def drawing(data: ChartData) -> bytes:
        held_while_drawing.append(db._lock.locked())
        return render_chart(data)

    monkeypatch.setattr(chart_module, "render_chart", drawing)
    [reply] = attachment_replies(await chat.say("/chart"))
    assert reply.image_png is not None and png_size(reply.image_png) == (800, 450)
    assert held_while_drawing == [False]


async def test_chart_is_the_same_bytes_for_the_same_data(
    engine: Engine, clock: ManualClock
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    for mood in ("1", "4", "3"):
        await check_in(chat, mood)
        clock.advance(timedelta(days=2))
    first = attachment_replies(await chat.say("/chart"))[0].image_png
    again = attachment_replies(await chat.say("/chart"))[0].image_png
    assert first is not None and first == again
    # ...and different data draws a different picture.
    await check_in(chat, "5")
    changed = attachment_replies(await chat.say("/chart"))[0].image_png
    assert changed is not None and changed != first


def test_chart_data_is_the_last_30_local_days_with_a_7_day_average() -> None:
    today = date(2026, 11, 22)
    changed = datetime(2026, 11, 22, tzinfo=UTC)
    moods = [
        MoodCheckin(today - timedelta(days=40), 1, (), None, changed),  # too old to count
        MoodCheckin(today - timedelta(days=31), 1, (), None, changed),  # counts for day 0
        MoodCheckin(today - timedelta(days=29), 5, (), None, changed),  # day 0
        MoodCheckin(today - timedelta(days=3), 2, (), None, changed),
        MoodCheckin(today, 4, (), None, changed),
        MoodCheckin(today + timedelta(days=1), 3, (), None, changed),  # not yet
    ]
    connections = [
        ConnectionCheckin(today - timedelta(days=35), 3, 3, 3, 9, 0),  # before the window
        ConnectionCheckin(today - timedelta(days=7), 2, 2, 3, 7, 1),
    ]
    data = chart_data(moods, connections, today)
    assert data.first_day == today - timedelta(days=CHART_DAYS - 1)
    assert data.moods == ((0, 5), (26, 2), (29, 4))
    assert data.connections == ((22, 7),)
    assert data.average[0] == 3.0  # 5 on day 0 and 1 two days before
    assert data.average[2] == 3.0
    assert data.average[7] is None  # no check-in in the week before
    assert data.average[29] == 3.0  # 2 and 4
    assert len(data.average) == CHART_DAYS


def test_chart_draws_each_face_the_bundled_font_has() -> None:
    # A glyph missing from the font would be a warning, and warnings fail the tests.
    assert sorted(FACES) == [int(c.value) for c in MOODS]
    data = chart_data(
        [MoodCheckin(date(2026, 11, 22), 3, (), None, datetime(2026, 11, 22, tzinfo=UTC))],
        [],
        date(2026, 11, 22),
    )
    assert png_size(render_chart(data)) == (800, 450)


def test_the_connection_axis_has_a_scale_of_its_own() -> None:
    """A diamond level with "Low" must not read as a low mood: the right axis names its
    ends in words ("more connected ↑"), in its own colour, and the legend points to it."""
    day = date(2026, 11, 22)
    data = chart_data(
        [MoodCheckin(day, 2, (), None, datetime(2026, 11, 22, tzinfo=UTC))],
        [ConnectionCheckin(day, 2, 2, 2, 6, 1)],
        day,
    )
    with matplotlib.style.context("default"):
        figure = chart_figure(data)
    mood, connection = figure.axes
    assert mood.get_ylabel() == "Mood"
    assert connection.get_ylabel() == "Connection"
    labels = {t.get_text(): t.get_position()[1] for t in connection.get_yticklabels()}
    # Upside down like the scores: 3 (most connected) at the top.
    assert labels == {"more connected ↑": 3, "less connected ↓": 9}
    assert connection.get_ylim()[0] > connection.get_ylim()[1]
    assert {t.get_color() for t in connection.get_yticklabels()} == {"#55a868"}
    [legend] = figure.legends
    assert "Connection check-in (right scale)" in [t.get_text() for t in legend.get_texts()]
    # No score anywhere on the picture: only words.
    assert not any(t.get_text().isdigit() for t in connection.get_yticklabels())


async def test_chart_follows_the_members_time_zone(engine: Engine, clock: ManualClock) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard(zone="Pacific/Auckland")
    # 14:00 UTC on 22 Nov is 03:00 on 23 Nov in Auckland: the check-in is on the 23rd...
    await check_in(chat, "4")
    member = await member_of(engine.db, ALEX)
    async with engine.db.transaction() as tx:
        [entry] = await tx.checkins.moods_since(member.id)
    assert entry.local_date == date(2026, 11, 23)
    # ...which is today, the chart's last day, there.
    data = chart_data([entry], [], date(2026, 11, 23))
    assert data.moods == ((CHART_DAYS - 1, 4),)
    assert attachment_replies(await chat.say("/chart"))


async def test_no_checkins_gets_a_kind_text_not_an_empty_chart(
    engine: Engine, clock: ManualClock
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    replies = await chat.say("/chart")
    assert not attachment_replies(replies)
    assert "nothing to draw yet" in replies[0].text and "/checkin" in replies[0].text
    await check_in(chat, "3")
    clock.advance(timedelta(days=45))
    replies = await chat.say("/chart")
    assert not attachment_replies(replies)
    assert "haven't checked in during the last 30 days" in replies[0].text


async def test_history_points_to_chart_and_export(engine: Engine) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard()
    await check_in(chat, "4")
    [reply] = await chat.say("/history")
    assert "/chart" in reply.text and "/export" in reply.text


async def test_chart_is_for_members_and_export_says_when_nothing_is_stored(
    engine: Engine,
) -> None:
    chat = ChatDriver(engine, ALEX)
    replies = await chat.say("/chart")
    assert not attachment_replies(replies)
    assert "set up first" in replies[0].text
    replies = await chat.say("/export")
    assert not attachment_replies(replies)
    assert replies[0].text.startswith("I don't store anything about you")


# -- /export -----------------------------------------------------------------------------
async def give_them_a_life(db: Database, clock: ManualClock, member: Member, tag: str) -> None:
    """An event answer, a suggestion, a rated peer chat, a safety event and a safety plan."""
    now = clock.now()
    async with db.transaction() as tx:
        volunteer = await tx.members.find_by_account(VOLUNTEER)
        assert volunteer is not None
        event_id = await tx.events.create(
            EventFields(
                title=f"Walk {tag}",
                place="Riverside gate",
                description=None,
                starts_at=now + timedelta(days=3),
                ends_at=None,
                tags=("walk",),
                capacity=None,
            ),
            uid=f"walk-{tag}",
            created_by=None,
            now=now,
        )
        await tx.events.answer(
            event_id, member.id, answer=RsvpAnswer.GOING, now=now, stage=None, due_at=None
        )
        await tx.events.record_nudge(member.id, event_id, reasons=(NudgeReason.LONELY,), now=now)
        handoff = await tx.handoffs.request(
            member.id,
            alias=f"Alias {tag}",
            priority=Priority.ORDINARY,
            topic="alone",
            now=now,
            escalate_at=None,
        )
        assert await tx.handoffs.claim(handoff, volunteer.id, now + timedelta(minutes=2))
        await tx.handoffs.close(
            handoff,
            status=HandoffStatus.ENDED,
            reason=EndReason.MEMBER,
            now=now + timedelta(minutes=30),
        )
        await tx.handoffs.rate(handoff, 4)
        await tx.handoffs.add_feedback(handoff, f"feedback {tag}")
        await tx.safety.record_event(
            member.id,
            tier=2,
            rule_ids=(f"secret.rule.{tag}",),
            detector_version="lexicon-2",
            source=SafetySource.CHAT,
            now=now,
        )
        await tx.safety_plans.save_step(
            member.id, "reasons_for_living", (f"reason {tag}", "the sea"), now=now
        )


def export_of(replies: list[Reply]) -> tuple[Document, dict[str, Any]]:
    [reply] = attachment_replies(replies)
    assert reply.document is not None and reply.image_png is None
    data: dict[str, Any] = json.loads(reply.document.data)
    return reply.document, data


async def test_export_holds_exactly_the_members_own_data(
    engine: Engine, db: Database, clock: ManualClock
) -> None:
    volunteer = ChatDriver(engine, VOLUNTEER)
    await volunteer.onboard(name="Private Owl")
    async with db.transaction() as tx:
        peer = await tx.members.find_by_account(VOLUNTEER)
        assert peer is not None
        await tx.volunteers.add(
            peer.id, display_name="Sam Peer", topics=(), capacity=2, now=clock.now()
        )
    alex, sam = ChatDriver(engine, ALEX), ChatDriver(engine, SAM)
    await alex.onboard(name="Quiet Heron", zone="Europe/Berlin", at="09:00")
    await sam.onboard(name="Bright Fox", zone="UTC", at="20:00")
    await check_in(alex, "2", "a walk by the canal")
    await check_in(sam, "5", "sams secret note")
    await connect(sam, "3", "0")
    clock.advance(timedelta(days=1))
    await check_in(alex, "4")
    await connect(alex, "1", "3")
    await give_them_a_life(db, clock, await member_of(db, ALEX), "alex")
    await give_them_a_life(db, clock, await member_of(db, SAM), "sam")

    document, data = export_of(await alex.say("/export"))
    assert document.mime_type == "application/json"
    assert document.file_name == "hearthside-export-2026-11-23.json"  # Berlin's today
    assert data["format"] == "hearthside-export" and data["version"] == 3
    assert set(data) == {
        "format",
        "version",
        "about",
        "guide",
        "exported_at",
        "profile",
        "accounts",
        "peer_support",
        "after_a_safety_event",
        "worked_out_from_your_check_ins",
        "open_conversation",
        "mood_checkins",
        "connection_checkins",
        "safety_plan",
        "recovery_date",
        "weekly_digest",
        "event_answers",
        "events_you_usually_go_to",
        "event_suggestions",
        "peer_chats",
        "safety_events",
        "volunteer",
        "events_where_you_meet_a_member",
        "invites_redeemed",
        "events_you_created",
        "broadcasts_to_you",
        "broadcasts_you_sent",
        "actions_you_took_as_staff",
    }
    # Every part is explained in plain words.
    assert set(data["guide"]) == set(data) - {"format", "version", "about", "guide", "exported_at"}
    profile = data["profile"]
    assert (profile["chosen_name"], profile["time_zone"], profile["reminder_time"]) == (
        "Quiet Heron",
        "Europe/Berlin",
        "09:00",
    )
    assert profile["consented_at"] == "2026-11-22T14:00:00Z"
    assert data["accounts"] == [{"channel": "telegram", "id": "4242"}]
    assert [(c["date"], c["mood"], c["what_helped"]) for c in data["mood_checkins"]] == [
        ("2026-11-22", 2, "a walk by the canal"),
        ("2026-11-23", 4, None),
    ]
    [connection] = data["connection_checkins"]
    assert (connection["ucla3_total"], connection["community_contacts"]) == (3, 3)
    assert [a["answer"] for a in connection["answers"]] == ["Hardly ever"] * 3
    [answer] = data["event_answers"]
    assert (answer["event"], answer["answer"]) == ("Walk alex", "going")
    [suggestion] = data["event_suggestions"]
    assert (suggestion["event"], suggestion["why"]) == ("Walk alex", ["lonely"])
    [chat] = data["peer_chats"]
    assert chat["volunteer_display_name"] == "Sam Peer"
    assert (chat["your_rating"], chat["your_words_about_it"], chat["topic"]) == (
        4,
        "feedback alex",
        "Feeling alone",
    )
    assert chat["status"] == "ended" and chat["ended_at"] == "2026-11-23T14:30:00Z"
    assert (chat["your_name_in_the_chat"], chat["how_it_ended"]) == ("Alias alex", "you ended it")
    [safety] = data["safety_events"]
    assert (safety["at"], safety["tier"]) == ("2026-11-23T14:00:00Z", 2)
    # The rules that decided it are inferences about Alex: there, with what they mean.
    assert safety["rules"] == [
        {
            "id": "secret.rule.alex",
            "meaning": "a rule of an earlier version of the safety check, no longer in use",
        }
    ]
    assert safety["detector_version"] == "lexicon-2"
    assert data["volunteer"] is None
    plan = data["safety_plan"]
    assert plan["my_reasons_for_living"] == ["reason alex", "the sea"]
    assert plan["warning_signs"] == [] and plan["started_at"] == "2026-11-23T14:00:00Z"

    text = document.data.decode("utf-8")
    # Nothing of Sam's, and nothing of the volunteer beyond their display name.
    for absent in ("Bright Fox", "sams secret note", "5151", "Walk sam", "feedback sam"):
        assert absent not in text
    for absent in ("Private Owl", "6161", "secret.rule.sam", "Alias sam", "reason sam"):
        assert absent not in text


async def test_a_volunteers_export_holds_their_profile_not_their_chats(
    engine: Engine, db: Database, clock: ManualClock
) -> None:
    volunteer = ChatDriver(engine, VOLUNTEER)
    await volunteer.onboard(name="Private Owl")
    alex = ChatDriver(engine, ALEX)
    await alex.onboard(name="Quiet Heron")
    async with db.transaction() as tx:
        peer = await tx.members.find_by_account(VOLUNTEER)
        assert peer is not None
        await tx.volunteers.add(
            peer.id, display_name="Sam Peer", topics=("talk",), capacity=2, now=clock.now()
        )
        await tx.volunteers.add_shift(peer.id, weekday=0, starts="18:00", ends="22:00")
    await give_them_a_life(db, clock, await member_of(db, ALEX), "alex")
    _document, data = export_of(await volunteer.say("/export"))
    assert data["profile"]["chosen_name"] == "Private Owl"
    assert data["volunteer"]["display_name"] == "Sam Peer"
    assert data["volunteer"]["shifts"] == [{"weekday": 0, "starts": "18:00", "ends": "22:00"}]
    assert data["peer_chats"] == []  # the chat they held is Quiet Heron's, not theirs
    assert "Quiet Heron" not in json.dumps(data, ensure_ascii=False)


async def test_export_logs_only_the_member_id(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    chat = ChatDriver(engine, ALEX)
    await chat.onboard(name="Quiet Heron")
    await check_in(chat, "3", "tea with my sponsor")
    caplog.set_level("DEBUG")
    await chat.say("/export")
    member = await member_of(engine.db, ALEX)
    logged = [record.getMessage() for record in caplog.records]
    assert f"export member={member.id}" in logged
    joined = "\n".join(logged)
    assert "Quiet Heron" not in joined and "tea with my sponsor" not in joined


def test_attachments_survive_the_outbox_round_trip() -> None:
    png = PNG_SIGNATURE + bytes(range(256))
    document = Document(
        "hearthside-export-2026-11-22.json", "application/json", b'{"a": "\xc3\xa9"}'
    )
    for reply in (Reply("Your chart", image_png=png), Reply("Your data", document=document)):
        assert Reply.from_json(reply.to_json()) == reply
    # Rows written before attachments existed still read.
    old = json.loads(Reply("hello").to_json())
    del old["document"]
    assert Reply.from_json(json.dumps(old)) == Reply("hello")
