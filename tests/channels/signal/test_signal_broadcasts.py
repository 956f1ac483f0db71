"""Broadcasts, and the admins' weekly digest, over Signal: the real Signal adapter against
the fake signal-cli daemon, beside the real python-telegram-bot stack on one engine where a
Telegram admin sends one, with the broadcasts' delivery loops running as bot/app.py runs them.

What Signal members get (once each, with the footer, nothing of anyone else's account), who
is left out, Signal's rule that only people who wrote first get what they didn't ask for, a
restart part-way, the whole /broadcast conversation typed by an admin on Signal (choices are
numbered lines; the progress message is edited with `editTimestamp`, at a pace that leaves
the broadcast its sends), a photo, and the Monday digest with its chart attached.
"""

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.broadcasts import BroadcastDelivery
from flows.broadcasts.progress import ENDED
from flows.core.clock import ManualClock
from handlers.signal.capabilities import signal_info
from storage import Account, Database
from tests.admin.test_telegram_digest import DIGEST, FIRST_CHART_WAIT, PNG_SIGNATURE
from tests.broadcasts.test_telegram_broadcasts import VirtualTimer
from tests.channels.signal.pictures import camera_jpeg, metadata_of
from tests.channels.signal.test_signal_peer import signal_leaks
from tests.fake_signal import FakeSignalDaemon, SentMessage
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import TgUser
from tests.signal_harness import RunningBot, SignalPerson, aci, start_bot
from tests.telegram_harness import db_rows, text_of

TG_ADMIN = 598_002_114
SIG_ADMIN = aci("signal admin")
TEXT = "Tonight's meeting moved to the library, same time."
HEADER = "📣 A message from the Hearthside team"
FOOTER = "To stop announcements like this one, send /announcements off."


@pytest.fixture
async def signal() -> AsyncIterator[FakeSignalDaemon]:
    async with FakeSignalDaemon() as daemon:
        yield daemon
        assert daemon.rejected == []  # every call the adapter made was one signal-cli takes


def member_on_signal(signal: FakeSignalDaemon, n: int) -> SignalPerson:
    return SignalPerson(signal, aci(f"member {n}"), number=f"+1555765{n:04d}", name=f"Realname{n}")


async def add_signal_members(
    db: Database, clock: ManualClock, people: Iterable[SignalPerson]
) -> None:
    """Members who signed up on Signal, straight into storage."""
    async with db.transaction() as tx:
        for person in people:
            member = await tx.members.create_for_account(
                person.account, timezone="UTC", now=clock.now()
            )
            await tx.members.record_consent(member.id, version=1, now=clock.now())
            await tx.members.complete_onboarding(member.id, now=clock.now())


def broadcasts_to(signal: FakeSignalDaemon, person: SignalPerson) -> list[SentMessage]:
    return [m for m in signal.transcript(person.aci) if m.text.startswith(HEADER)]


async def tg_compose(admin: TgUser, audience: str, *, channel: str | None = None) -> str:
    """/broadcast from Telegram up to its confirmation question; that question's text."""
    await admin.send("/broadcast", expect="Send the message")
    await admin.send(TEXT, expect="Who should get it?")
    if channel is None:
        await admin.tap(audience, expect="time-critical")
    else:
        await admin.tap(audience, expect="every channel, or only one")
        await admin.tap(channel, expect="time-critical")
    await admin.tap("No: wait", expect="exactly as they")
    return text_of(await admin.fake.wait_for_message(admin.id, "Send it?"))


async def tg_report(admin: TgUser) -> str:
    return text_of(await admin.fake.wait_for_message(admin.id, "Here is what happened"))


# -- a Telegram admin's broadcast reaching Signal members --------------------------------
async def test_a_telegram_admins_broadcast_reaches_each_signal_member_once_with_the_footer(
    signal: FakeSignalDaemon, fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    bot = await start_bot(
        signal,
        db_path,
        clock,
        telegram=fake,
        admins=[f"telegram:{TG_ADMIN}"],
        broadcasts=True,
        broadcast_timer=VirtualTimer(),
    )
    try:
        stored = [member_on_signal(signal, n) for n in range(3)]
        await add_signal_members(bot.db, clock, stored)
        # One who signed up in chat, and one who then turned announcements off there.
        river = member_on_signal(signal, 10)
        await river.onboard()
        quiet = member_on_signal(signal, 11)
        await quiet.onboard()
        await quiet.send("/announcements off", expect="no more announcements")
        async with bot.db.transaction() as tx:
            await tx.members.create_for_account(
                Account("telegram", "700000001"), timezone="UTC", now=clock.now()
            )  # on Telegram, not signed up: not in the audience
        admin = TgUser(fake, TG_ADMIN, "Adaeze", "adaeze_admin")
        summary = await tg_compose(admin, "Members who take announcements")
        assert "It goes to members who take announcements: 4 people." in summary
        assert "announcements off: 1" in summary
        await admin.tap("Send it", expect="on its way to 4 people")
        report = await tg_report(admin)
    finally:
        await bot.stop()
    got = [*stored, river]
    for person in got:
        (message,) = broadcasts_to(signal, person)  # once each
        assert message.text == f"{HEADER}\n\n{TEXT}\n\n{FOOTER}"
        assert not message.attachments
    assert broadcasts_to(signal, quiet) == []
    assert "Sent: 4" in report and "Left out (paused, or announcements off): 1" in report
    # Nothing of anyone else's account reached a Signal member: not the admin's Telegram
    # name, username or id, nor another member's ACI, number or profile name.
    for person in [*got, quiet]:
        others = [p for p in [*got, quiet] if p is not person]
        secrets = [*admin.secrets, str(TG_ADMIN)]
        secrets += [s for p in others for s in (p.aci, p.number or "", p.name)]
        assert signal_leaks(signal, person, secrets) == []


async def test_only_signal_is_chosen_and_an_admins_account_that_never_wrote_is_reached(
    signal: FakeSignalDaemon, fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    # Signal's rule: what nobody asked for goes only to people who wrote first — members,
    # and the accounts in ADMINS (README: "Scheduled messages and Signal's limits").
    never_wrote = SignalPerson(signal, aci("admin who never wrote"), number="+15550009999")
    bot = await start_bot(
        signal,
        db_path,
        clock,
        telegram=fake,
        admins=[f"telegram:{TG_ADMIN}", f"signal:{never_wrote.aci}"],
        broadcasts=True,
        broadcast_timer=VirtualTimer(),
    )
    try:
        admin = TgUser(fake, TG_ADMIN, "Adaeze", "adaeze_admin")
        summary = await tg_compose(admin, "Admins", channel="Only Signal")
        assert "It goes to admins on Signal: 1 person." in summary
        await admin.tap("Send it", expect="on its way to 1 person")
        report = await tg_report(admin)
    finally:
        await bot.stop()
    (message,) = broadcasts_to(signal, never_wrote)
    assert message.text == f"{HEADER}\n\n{TEXT}"  # to admins: no footer about announcements
    assert "Sent: 1" in report and "Failed: 0" in report
    assert [m.body for m in fake.messages(TG_ADMIN) if m.body.startswith(HEADER)] == [
        f"{HEADER}\n\n{TEXT}"
    ]  # the preview only: the Telegram admin was left out by "Only Signal"


async def test_a_restart_part_way_sends_no_signal_member_a_second_copy(
    signal: FakeSignalDaemon, fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    people = [member_on_signal(signal, n) for n in range(10)]
    # Four a second on Signal: the stop lands with most of them still waiting.
    bot = await start_bot(
        signal,
        db_path,
        clock,
        telegram=fake,
        admins=[f"telegram:{TG_ADMIN}"],
        broadcasts=True,
        send_interval=0.25,
    )
    admin = TgUser(fake, TG_ADMIN, "Adaeze", "adaeze_admin")
    try:
        await add_signal_members(bot.db, clock, people)
        await tg_compose(admin, "Members who take announcements")
        await admin.tap("Send it", expect="on its way to 10 people")
        await people[0].next(HEADER)
    finally:
        await bot.stop()
    before = sum(bool(broadcasts_to(signal, person)) for person in people)
    assert 1 <= before < 10

    bot = await start_bot(
        signal,
        db_path,
        clock,
        telegram=fake,
        admins=[f"telegram:{TG_ADMIN}"],
        broadcasts=True,
        broadcast_timer=VirtualTimer(),
    )
    try:
        report = await tg_report(admin)
    finally:
        await bot.stop()
    assert [len(broadcasts_to(signal, person)) for person in people] == [1] * 10
    assert "Sent: 10" in report and "Unconfirmed" not in report


# -- an admin on Signal composing by typing ------------------------------------------------
@pytest.fixture
async def sig_bot(
    signal: FakeSignalDaemon, db_path: Path, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    running = await start_bot(
        signal,
        db_path,
        clock,
        admins=[f"signal:{SIG_ADMIN}"],
        broadcasts=True,
        broadcast_timer=VirtualTimer(),
    )
    yield running
    await running.stop()


def sig_admin(signal: FakeSignalDaemon) -> SignalPerson:
    return SignalPerson(signal, SIG_ADMIN, number="+15550004444", name="Adaeze Okonkwo")


async def test_an_admin_on_signal_composes_by_typing_and_the_progress_message_is_edited(
    signal: FakeSignalDaemon, sig_bot: RunningBot, clock: ManualClock, db_path: Path
) -> None:
    people = [member_on_signal(signal, n) for n in range(3)]
    await add_signal_members(sig_bot.db, clock, people)
    admin = sig_admin(signal)
    await admin.send("/broadcast", expect="Send the message")
    # A word of the option works as well as its number.
    asked = await admin.send(TEXT, expect="Who should get it?")
    assert "2️⃣ 📣 Members who take announcements" in asked.text
    await admin.send("2", expect="time-critical")  # one channel only: not asked which
    await admin.send("no", expect="exactly as they")
    preview = await admin.next()
    assert preview.text == f"{HEADER}\n\n{TEXT}\n\n{FOOTER}"
    confirm = await admin.next("Send it?")
    assert "It goes to members who take announcements: 3 people." in confirm.text
    assert "1️⃣ ✅ Send it" in confirm.text
    progress = await admin.send("1", expect="on its way to 3 people")
    # No buttons on Signal: the Cancel button is the command to type.
    assert "/broadcast_cancel 1" in progress.text
    report = await admin.next("Here is what happened")
    assert "Sent: 3" in report.text
    for person in people:
        assert [m.text for m in broadcasts_to(signal, person)] == [preview.text]
    # The progress message was edited in place (editTimestamp), never sent anew, and at
    # the end it lost its Cancel command and points to the report below it.
    shown = [m for m in signal.transcript(SIG_ADMIN) if "on its way" in m.text]
    assert shown == [progress]
    assert progress.edits and progress.current_text == ENDED
    edits = [p for m, p in signal.calls if m == "send" and "editTimestamp" in p]
    assert edits and all(p["editTimestamp"] == progress.timestamp for p in edits)
    assert db_rows(db_path, "SELECT text, status FROM broadcast") == [("", "done")]


async def test_cancel_while_composing_on_signal_keeps_nothing(
    signal: FakeSignalDaemon, sig_bot: RunningBot, clock: ManualClock, db_path: Path
) -> None:
    await add_signal_members(sig_bot.db, clock, [member_on_signal(signal, 0)])
    admin = sig_admin(signal)
    await admin.send("/broadcast", expect="Send the message")
    await admin.send(TEXT, expect="Who should get it?")
    await admin.send("5", expect="Who should get it?")  # no such option: asked again
    await admin.send("/cancel", expect="Nothing was sent")
    await admin.send("/broadcast", expect="Send the message")
    await admin.send(TEXT, expect="Who should get it?")
    await admin.send("all members", expect="time-critical")
    await admin.send("1", expect="Send it?")
    await admin.send("Don't send", expect="nothing was sent")
    assert db_rows(db_path, "SELECT count(*) FROM broadcast") == [(0,)]
    assert broadcasts_to(signal, member_on_signal(signal, 0)) == []


async def test_a_photo_broadcast_from_signal_reaches_signal_members_without_its_metadata(
    signal: FakeSignalDaemon, sig_bot: RunningBot, clock: ManualClock
) -> None:
    people = [member_on_signal(signal, n) for n in range(2)]
    await add_signal_members(sig_bot.db, clock, people)
    admin = sig_admin(signal)
    await admin.send("/broadcast", expect="or a photo")
    photo = camera_jpeg("the library's back door, 12 Harbour Lane")
    got = await admin.send(TEXT, attachments=[("image/jpeg", photo)])
    assert "Who should get it?" in got.text, got.text
    await admin.send("2", expect="time-critical")
    await admin.send("1", expect="exactly as they")
    preview = await admin.next()
    assert preview.text == f"{HEADER}\n\n{TEXT}\n\n{FOOTER}" and len(preview.attachments) == 1
    await admin.next("Send it?")
    await admin.send("1", expect="on its way to 2 people")
    await admin.next("Here is what happened")
    for person in people:
        (got,) = broadcasts_to(signal, person)
        assert got.text == preview.text
        ((content_type, _name, data),) = got.attachments
        assert content_type.startswith("image/")
        # Encoded afresh from its pixels: no GPS, no description.
        _format, exif, info = metadata_of(data)
        assert not exif and not info


class HandTimer:
    """The delivery's pacing time, moved only by the test; a wait lets others run."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0.01)


async def test_on_signals_pace_the_progress_edits_leave_the_broadcast_its_sends(
    signal: FakeSignalDaemon, db_path: Path, clock: ManualClock
) -> None:
    # An edit is one more send at Signal's pace: one for every message delivered would
    # halve the broadcast's pace, and edit one message hundreds of times.
    bot = await start_bot(signal, db_path, clock, admins=[f"signal:{SIG_ADMIN}"])
    # Signal's default pace (one send every 3 s) for the broadcast and its progress; the
    # channel's own spacing stays off, so the test's time is the timer's alone.
    bot.engine.channels.declare(replace(signal_info(3.0), captcha=bot.signal))
    timer = HandTimer()
    bot.broadcasts = BroadcastDelivery(bot.engine, bot.postman, timer=timer)
    await bot.broadcasts.start(["signal"])
    try:
        people = [member_on_signal(signal, n) for n in range(8)]
        await add_signal_members(bot.db, clock, people)
        admin = sig_admin(signal)
        await admin.send("/broadcast", expect="Send the message")
        await admin.send(TEXT, expect="Who should get it?")
        await admin.send("2", expect="time-critical")
        await admin.send("1", expect="Send it?")
        progress = await admin.send("1", expect="on its way to 8 people")
        for person in people:
            await person.next(HEADER)
            timer.now += 3.0  # the next one's turn
        report = await admin.next("Here is what happened")
    finally:
        await bot.stop()
    assert "Sent: 8" in report.text
    # 24 s of sending: under a minute, so no edit until the one that points to the report.
    assert progress.edits == [ENDED]


# -- the weekly digest to an admin on Signal ------------------------------------------------
async def test_the_weekly_digest_reaches_an_admin_on_signal_with_its_chart_attached(
    signal: FakeSignalDaemon, sig_bot: RunningBot, clock: ManualClock
) -> None:
    admin = sig_admin(signal)
    await admin.onboard()
    members = [member_on_signal(signal, n) for n in range(2)]
    await add_signal_members(sig_bot.db, clock, members)
    on = await admin.send("/digest on", expect="Your weekly digest is on")
    assert "The first comes on Mon 23 Nov, 09:00" in on.text
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    await sig_bot.sweep_now()
    digest = await admin.next(DIGEST, timeout=FIRST_CHART_WAIT)
    assert "Mon 16 Nov – Sun 22 Nov (UTC time)" in digest.text
    assert "Members: fewer than 5" in digest.text  # banded as /stats bands them
    chart = await admin.next(timeout=FIRST_CHART_WAIT)
    ((content_type, name, data),) = chart.attachments
    assert (content_type, name) == ("image/png", "chart.png")
    assert data.startswith(PNG_SIGNATURE)
    assert "The last 8 weeks" in chart.text
    await sig_bot.sweep_now()  # once a week, however many sweeps
    assert sum(DIGEST in m.text for m in signal.transcript(SIG_ADMIN)) == 1
    # Nothing of the members' accounts is in it.
    secrets = [s for p in members for s in (p.aci, p.number or "", p.name)]
    assert signal_leaks(signal, admin, secrets) == []


async def test_a_broadcast_send_answered_too_late_is_unconfirmed_and_not_sent_again(
    signal: FakeSignalDaemon, fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    bot = await start_bot(
        signal,
        db_path,
        clock,
        telegram=fake,
        admins=[f"telegram:{TG_ADMIN}"],
        broadcasts=True,
        broadcast_timer=VirtualTimer(),
        call_timeout=0.2,
    )
    people = [member_on_signal(signal, n) for n in range(2)]
    try:
        await add_signal_members(bot.db, clock, people)
        admin = TgUser(fake, TG_ADMIN, "Adaeze", "adaeze_admin")
        await tg_compose(admin, "Members who take announcements")
        # signal-cli sends each one, but answers after the client stopped waiting.
        signal.delay("send", 1.0)
        await admin.tap("Send it", expect="on its way to 2 people")
        report = await tg_report(admin)
        for person in people:
            await person.next(HEADER)  # the daemon did send it, late
        signal.delay("send", 0)
        clock.advance(timedelta(hours=1))
        await bot.sweep_now()
    finally:
        await bot.stop()
    # They arrived: counted as unconfirmed, not failed, and never sent twice.
    assert "Unconfirmed: 2" in report and "Failed: 0" in report
    assert [len(broadcasts_to(signal, person)) for person in people] == [1, 1]
