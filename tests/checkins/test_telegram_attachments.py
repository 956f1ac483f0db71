"""/chart and /export over Telegram, end to end: the real python-telegram-bot Application
against the fake Bot API, uploading with sendPhoto and sendDocument — and an attachment
committed before a crash still arrives after the restart."""

import json
import logging
import random
from datetime import timedelta
from pathlib import Path

import pytest

from bot.logs import configure_logging
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.values import Input
from storage import Account, open_database
from tests.conftest import CRISIS_TEXT
from tests.fake_telegram import BotMessage, FakeTelegram, Upload
from tests.telegram_harness import Person, start_bot

ALEX = 4242
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The first chart of a process imports matplotlib (and, on a fresh machine, builds its
# font list): allow for that rather than fail on a slow start.
FIRST_CHART_WAIT = 30.0


async def check_in(alex: Person, mood: str, note: str) -> None:
    await alex.send("/checkin", expect="How are you feeling")
    await alex.tap(mood, expect="weighing on you")
    await alex.tap("Done", expect="What helped")
    await alex.send(note, expect="check-in")


def upload_of(message: BotMessage) -> Upload:
    assert message.file is not None, f"expected an upload, got a {message.kind}"
    return message.file


async def test_chart_is_a_protected_photo_and_export_a_protected_json_document(
    fake: FakeTelegram, db_path: Path, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    configure_logging("DEBUG")
    bot = await start_bot(fake, db_path, clock)
    try:
        alex = Person(fake, ALEX, first_name="Zebulon")
        await alex.onboard()
        await check_in(alex, "Good", "secretwalkbytheriver")

        fake.user_sends(ALEX, "/chart")
        photo = await fake.wait_for_message(ALEX, timeout=FIRST_CHART_WAIT)
        assert photo.kind == "photo" and photo.protect_content
        assert photo.raw["has_protected_content"] is True
        assert "mood check-in" in photo.body
        [call] = fake.calls_to("sendPhoto", chat_id=ALEX)
        assert call.params["protect_content"] is True
        picture = upload_of(photo)
        assert picture.content_type == "image/png" and picture.filename == "chart.png"
        assert picture.data.startswith(PNG_SIGNATURE) and picture.size > 10_000

        document = await alex.send("/export")
        assert document.kind == "document" and document.protect_content
        [call] = fake.calls_to("sendDocument", chat_id=ALEX)
        assert call.params["protect_content"] is True
        upload = upload_of(document)
        assert upload.content_type == "application/json"
        assert upload.filename == "hearthside-export-2026-11-22.json"
        assert document.raw["document"]["file_name"] == upload.filename
        data = json.loads(upload.data)
        [entry] = data["mood_checkins"]
        assert (entry["mood"], entry["what_helped"]) == (4, "secretwalkbytheriver")
        assert data["profile"]["chosen_name"] == "River"
        assert data["accounts"] == [{"channel": "telegram", "id": str(ALEX)}]
        # Telegram's profile of the person is never stored, so it can't be exported.
        text = upload.data.decode("utf-8")
        assert "Zebulon" not in text and "alex_real" not in text

        member = await bot.member(ALEX)
    finally:
        await bot.stop()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"export member={member.id}" in logged
    assert "secretwalkbytheriver" not in logged and "River" not in logged
    assert "Zebulon" not in logged


async def test_attachments_in_the_outbox_are_delivered_after_a_restart(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    first = await start_bot(fake, db_path, clock)
    alex = Person(fake, ALEX)
    try:
        await alex.onboard()
        await check_in(alex, "Okay", "a call with my sister")
        # The chart fails on Telegram's side and waits in the outbox for a retry.
        fake.fail_next("sendPhoto", "500", chat_id=ALEX)
        fake.user_sends(ALEX, "/chart")
        failed = await fake.next_call(
            "sendPhoto", chat_id=ALEX, status=500, timeout=FIRST_CHART_WAIT
        )
        unsent_chart = failed.params["photo"]
        assert isinstance(unsent_chart, Upload)
    finally:
        await first.stop()

    # While the bot is down, an /export is committed and the process dies before it
    # sends anything: the outbox row is all that is left of it.
    db = await open_database(str(db_path))
    try:
        engine = create_engine(
            db, clock, FlowConfig(crisis_resources=CRISIS_TEXT), rng=random.Random(1)
        )
        outcome = await engine.handle(Account("telegram", str(ALEX)), Input.typed("/export"))
        assert [d.reply.document is not None for d in outcome.deliveries] == [True]
    finally:
        await db.close()

    # (At start the outbox sends what was committed before "now".)
    clock.advance(timedelta(minutes=1))
    second = await start_bot(fake, db_path, clock)
    try:
        photo = await fake.wait_for_message(ALEX)
        assert photo.kind == "photo" and photo.protect_content
        assert upload_of(photo).data == unsent_chart.data  # the very picture committed
        document = await fake.wait_for_message(ALEX)
        assert document.kind == "document" and document.protect_content
        [entry] = json.loads(upload_of(document).data)["mood_checkins"]
        assert entry["what_helped"] == "a call with my sister"
        await alex.send("/help", expect="Here's what I can do")
        async with second.db.transaction() as tx:
            assert await tx.outbox.pending("telegram", created_before=clock.now(), limit=10) == []
    finally:
        await second.stop()
    # Each delivered exactly once.
    assert [c.status for c in fake.calls_to("sendPhoto", chat_id=ALEX)] == [500, 200]
    assert [c.status for c in fake.calls_to("sendDocument", chat_id=ALEX)] == [200]
