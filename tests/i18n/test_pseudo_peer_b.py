"""Volunteers, shifts, reports and the admins' commands in the pseudo-language, over the
real Telegram stack: every text they send comes from a catalog, and a text made for
someone else (a report to an admin, a note to a volunteer, the shift-cover warning) is
made in that person's language.

The deployment speaks `qps` by default, so every word outside ⟦brackets⟧ reached someone
without passing a catalog. What is not looked at: names, pseudonyms and people's own
words, the crisis lines, weekdays and months (Babel writes them, in English for `qps`),
and what the audit trail holds (actions and actors, as stored). The member's sign-up and
request to talk belong to other parts of Hearthside: the chats are read before it and
after it, not during it.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.limits import Rate, RateLimiter
from flows.peer.shifts import COVER_THEN
from storage import Account
from tests.conftest import CRISIS_TEXT
from tests.fake_telegram import FakeTelegram
from tests.i18n.pseudo import ps, texts_sent_to
from tests.peer.test_telegram_peer import (
    ADMIN,
    ALICE,
    BOB,
    MEMBER,
    TgUser,
    onboard_member,
    people,
    request_talk,
    start_peer_bot,
)
from tests.telegram_harness import RunningBot, text_of

# Places a time zone is named by, offered as they are.
PLACES = ("New York", "Chicago", "Denver", "Los Angeles", "London", "Dublin")

# Written by Babel in the language spoken: English words for the pseudo-language.
DAYS_AND_MONTHS = (
    *("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    *("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
)
NAMES = ("Sam", "Robin", "Quiet Heron", "UTC")
WORDS = "he kept asking where I live"


def config() -> FlowConfig:
    return FlowConfig(
        crisis_resources=CRISIS_TEXT,
        admins=frozenset({f"telegram:{ADMIN}"}),
        default_language="qps",
    )


class Marks:
    """Where each stretch of the journey starts in the fake's record of calls."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake

    def now(self) -> int:
        return len(self.fake.started)

    def between(self, start: int, end: int | None = None) -> FakeTelegram:
        """The fake as if only the calls from `start` to `end` had been made."""
        window = _Window(self.fake.started[start:end])
        return cast("FakeTelegram", window)


class _Window:
    def __init__(self, started: Sequence[object]) -> None:
        self.started = started


_BRACKETED = re.compile(r"⟦[^⟦⟧]*⟧")


def unlocalised(fake: FakeTelegram, chats: Iterable[int], extra: Iterable[str] = ()) -> list[str]:
    """Each line sent to these chats with a letter outside the brackets, once the exempt
    words are taken out. (As tests/i18n/pseudo.py reads them, but a translated text inside
    another's placeholder, "⟦Topics: ⟦any topic⟧⟧", is taken out from the inside first.)"""
    exempt = sorted(
        (
            *DAYS_AND_MONTHS,
            *PLACES,
            *NAMES,
            WORDS,
            CRISIS_TEXT,
            *extra,
        ),
        key=len,
        reverse=True,
    )
    found = []
    for chat in chats:
        for text in texts_sent_to(fake, chat):
            for line in text.split("\n"):
                rest = line
                for words in exempt:
                    rest = rest.replace(words, "")
                while _BRACKETED.search(rest):
                    rest = _BRACKETED.sub("", rest)
                if any(unicodedata.category(c).startswith("L") for c in rest):
                    found.append(f"{chat}: {line}")
    return found


async def invite_code(admin: TgUser) -> str:
    invite = text_of(await admin.send("/invite", expect=ps("Here is a one-time invite")))
    link = re.search(r"\?start=([A-Za-z0-9_-]{1,64})", invite)
    assert link is not None, invite
    return link.group(1)


async def set_up(admin: TgUser, who: TgUser, name: str, capacity: int) -> None:
    code = await invite_code(admin)
    await who.send(f"/start {code}", expect=ps("What display name"))
    await who.send(name, expect=ps("Which topics"))
    await tap_any(who, "Done", ps("Done"), expect=ps("How many chats"))
    chats = "{count} chat" if capacity == 1 else "{count} chats"
    await who.tap(ps(chats).format(count=capacity), expect=ps("Which time zone"))
    done = await who.send("UTC", expect=ps("You're set up as a peer volunteer"))
    assert ps("You're set up as a peer volunteer, {name}!").format(name=name) in text_of(done)
    await who.fake.wait_for_message(who.id, ps("If someone may be in danger"))


async def tap_any(who: TgUser, *labels: str, expect: str) -> None:
    """Tap the button with the first of `labels` the question has: another area's button,
    in English until that area is wrapped, pseudo-localised after."""
    question = who.last_question()
    shown = [text for text, _data in question.buttons]
    label = next(label for label in labels if any(label in text for text in shown))
    await who.tap(label, expect=expect)


async def new_in_pseudo(bot: RunningBot, clock: ManualClock, *user_ids: int) -> None:
    """Rows for these people, speaking the pseudo-language before they first write: the
    fake Bot API says every app speaks English, which a new row would take."""
    async with bot.db.transaction() as tx:
        for user_id in user_ids:
            account = Account("telegram", str(user_id))
            await tx.members.create_for_account(
                account, timezone="UTC", now=clock.now(), language="qps"
            )


async def in_language(bot: RunningBot, user_id: int, language: str) -> None:
    """Speak `language` to this person from now on (what /language does)."""
    member = await bot.member(user_id)
    async with bot.db.transaction() as tx:
        await tx.members.set_language(member.id, language)


async def audit_words(bot: RunningBot) -> list[str]:
    """The audit trail's own words (actions, actors): stored values, shown as they are."""
    async with bot.db.transaction() as tx:
        entries = await tx.audit.latest(actor=None, action=None, limit=None)
    return [word for e in entries for word in (e.action, e.actor)]


async def test_volunteers_shifts_admin_commands_and_a_report_in_the_pseudo_language(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    unlimited = RateLimiter(Rate(burst=1_000, per_second=1_000))
    bot = await start_peer_bot(fake, db_path, clock, config=config(), limits=unlimited)
    try:
        await _journey(fake, bot, clock)
    finally:
        await bot.stop()


async def _journey(fake: FakeTelegram, bot: RunningBot, clock: ManualClock) -> None:
    admin, alice, bob, member = people(fake)
    marks = Marks(fake)
    await new_in_pseudo(bot, clock, ADMIN, ALICE, BOB)

    # -- inviting and setting up two volunteers; on call and off --------------------------
    await set_up(admin, alice, "Sam", 1)
    await set_up(admin, bob, "Robin", 2)
    await alice.send("/oncall", expect=ps("You're on call"))
    await alice.send("/oncall", expect=ps("You're already on call"))
    await alice.send("/offcall", expect=ps("You're off call"))
    await alice.send("/volunteer", expect=ps("You're a volunteer, {name}").format(name="Sam"))
    await alice.send("/profile", expect=ps("Your volunteer profile"))
    await fake.wait_for_message(ALICE, ps("Type a new one, or keep it"))
    await alice.tap(ps("Keep “{name}”").format(name="Sam"), expect=ps("Which topics"))
    await tap_any(alice, "Done", ps("Done"), expect=ps("How many chats"))
    await alice.tap(ps("{count} chats").format(count=2), expect=ps("Which time zone"))
    await alice.tap(ps("Keep {zone}").format(zone="UTC"), expect=ps("Saved. Your new"))

    # -- shifts: added, one past midnight confirmed, one removed -----------------------
    await alice.send("/shifts", expect=ps("Your weekly shifts"))
    await alice.tap(ps("Add a shift"), expect=ps("Which day and hours?"))
    await alice.send(
        "Mon 18:00-22:00", expect=ps("Added {shift}.").format(shift="Mon 18:00–22:00")
    )
    await alice.tap(ps("Add a shift"), expect=ps("Which day and hours?"))
    await alice.send("Fri 22:00-02:00", expect=ps("runs past midnight"))
    await alice.tap(ps("Yes, add it"), expect=ps("Added"))
    await alice.tap(ps("Remove a shift"), expect=ps("Which shift should I remove?"))
    await alice.tap("Mon 18:00–22:00", expect=ps("Removed."))
    await alice.tap(ps("Done"), expect=ps("Shifts saved"))
    # Bob's shift starts five minutes from now (a Sunday, 14:00 UTC).
    await bob.send("/shifts", expect=ps("Your weekly shifts"))
    await bob.tap(ps("Add a shift"), expect=ps("Which day and hours?"))
    await bob.send("Sun 14:05-15:00", expect=ps("Added"))
    await bob.tap(ps("Done"), expect=ps("Shifts saved"))

    # The sweep: Bob is reminded, the admin warned of the uncovered hours, then Bob's
    # shift starts.
    await bot.sweep_now()
    await fake.wait_for_message(BOB, ps("Reminder: your on-call shift starts at"))
    warning = await fake.wait_for_message(ADMIN, ps("📅 Shift cover for the next 24 hours"))
    assert ps(COVER_THEN) in text_of(warning)
    clock.advance(timedelta(minutes=6))
    await bot.sweep_now()
    await fake.wait_for_message(BOB, ps("Your shift has started"))

    # -- the admin's commands -------------------------------------------------------
    listing = text_of(await admin.send("/volunteers", expect=ps("Volunteers:")))
    assert ps("🟢 on call") in listing and ps("⚪ off call") in listing
    stats = text_of(await admin.send("/stats", expect=ps("📊 Hearthside, in aggregates")))
    assert (
        ps("Volunteers: {active} active, {on_call} on call now").format(active=2, on_call=1)
        in stats
    )
    await admin.send("/invite admin", expect=ps("Here is a one-time invite to join as an admin"))
    await admin.send("/invites", expect=ps("Open invites"))
    await admin.tap(ps("Revoke #{id}").format(id=3), expect=ps("Its code will stop working"))
    await admin.tap(ps("Yes, revoke #{id}").format(id=3), expect=ps("is revoked"))
    await admin.send("/admins", expect=ps("Admins from the ADMINS setting"))
    await admin.send("/admins grant", expect=ps("Which volunteer should become an admin?"))
    await admin.tap(
        ps("Make {name} admin").format(name="Robin"),
        expect=ps("Make {name} an admin?").format(name="Robin (#3)"),
    )
    await admin.tap(
        ps("Yes, make {name} admin").format(name="Robin (#3)"), expect=ps("is now an admin")
    )
    await fake.wait_for_message(BOB, ps("An admin has made you an admin"))
    await admin.send("/digest", expect=ps("Your weekly digest is off. Turned on"))
    await admin.tap(ps("Turn it on"), expect=ps("Your weekly digest is on:"))
    # Typed in Spanish, too.
    await admin.send("/digest desactivar", expect=ps("Your weekly digest is off. /digest on"))
    await admin.send("/digest activar", expect=ps("Your weekly digest is on:"))
    before_the_chat = marks.now()

    # Nothing outside the catalogs so far, in any of these chats.
    shown_so_far = marks.between(0, before_the_chat)
    assert unlocalised(shown_so_far, [ADMIN, ALICE, BOB]) == []

    # Robin reads English from now on: a report is made in each admin's own language.
    await in_language(bot, BOB, "en")

    # -- a member's report reaches the admins ------------------------------------------
    # The member's sign-up and request, and Sam's Accept, are other areas' journeys: in
    # English, then both speak the pseudo-language again.
    await alice.send("/oncall", expect=ps("You're on call"))
    await in_language(bot, ALICE, "en")
    async with bot.db.transaction() as tx:
        await tx.members.create_for_account(
            Account("telegram", str(MEMBER)), timezone="UTC", now=clock.now(), language="en"
        )
    await onboard_member(member)
    await request_talk(member, expect="I've let the peers on call know")
    await fake.wait_for_message(ALICE, "Quiet Heron would like to talk")
    await alice.tap("Accept", expect="You're now talking with Quiet Heron")
    await fake.wait_for_message(MEMBER, "Sam, a peer volunteer")
    await in_language(bot, ALICE, "qps")
    await in_language(bot, MEMBER, "qps")
    reported_from = marks.now()
    await member.send("/report", expect=ps("What happened?"))
    await member.tap(ps("Something else"), expect=ps("a few words"))
    await member.send(WORDS, expect=ps("Send this report"))
    await member.tap(ps("Send the report"), expect=ps("the admins have your report"))
    report = text_of(await fake.wait_for_message(ADMIN, "🚩"))
    assert ps("In their words: “{words}”").format(words=WORDS) in report
    english = text_of(await fake.wait_for_message(BOB, "🚩"))
    assert english.startswith("🚩 Report from the member of peer chat #1 between Quiet Heron")
    assert f"In their words: “{WORDS}”" in english
    assert "⟦" not in english

    # -- the audit trail, in chat and as a file -----------------------------------------
    shown = text_of(await admin.send("/audit", expect=ps("audit entries, newest first")))
    assert "invite.revoke" in shown
    await admin.send("/audit csv", expect=ps("The audit trail as a CSV file"))
    upload = fake.calls_to("sendDocument", chat_id=ADMIN)[-1].params["document"]
    rows = list(csv.reader(io.StringIO(upload.data.decode("utf-8"))))
    # The file is read by programs: its columns stay the same in every language.
    assert rows[0] == ["id", "at_utc", "actor", "action", "target"]

    since_the_report = marks.between(reported_from)
    stored = [*await audit_words(bot), "settings"]
    assert unlocalised(since_the_report, [ADMIN, ALICE, MEMBER], extra=stored) == []

    # -- Monday morning: the weekly digest and its chart, and the day's shift cover -------
    monday = marks.now()
    clock.set(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    await bot.sweep_now()
    await fake.wait_for_message(ADMIN, ps("📅 Your weekly digest for"))
    chart = await fake.next_call("sendPhoto", chat_id=ADMIN)
    assert chart.params["caption"].startswith("⟦")
    cover = text_of(await fake.wait_for_message(BOB, "📅"))
    assert cover.startswith("📅 Shift cover for the next 24 hours: nobody is on shift")
    # (The quiet peer chat's notices to its two sides are another area's.)
    assert unlocalised(marks.between(monday), [ADMIN]) == []
