"""Milestones, opt-in: a member may count days from a recovery date, and have them celebrated.

Not everyone counts days, and harm reduction is as welcome here as abstinence: nothing is
set unless the member sets it, and nothing about it is ever shown to anyone else.

- `/milestones` (also reached from /settings): set a date, start again, correct it, or turn
  milestones off. Nothing is saved until the last step, and replacing or forgetting a date
  is confirmed first, so /cancel at any step changes nothing.
- The milestones: 1 day, 1 week, 30, 60 and 90 days, 6 and 9 months, 1 year, then every year.
  Days are the member's local days; months and years go by the calendar (six months from
  31 August is the end of February).
- The sweep sends each on its day at `MILESTONE_TIME`, the member's own time (so a
  daylight-saving change moves nothing), never inside quiet hours, and not into a peer chat
  or a pause after a safety event (it waits). `celebrated_through` moves on in the same
  transaction that puts the message in the outbox: each is sent once, across restarts.
  A member who paused reminders, or can't be reached, is not written to: that milestone
  passes quietly. One more than `LATE_LIMIT` late (the bot was down) passes quietly too.
- Starting again is met warmly, with no shame. The check-in streak counts check-ins, not
  days since a date: the date never changes it, and the two are shown apart.
"""

import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import ClassVar, Literal, TypedDict

from flows.core.commands import Command
from flows.core.context import Context
from flows.core.engine import Engine
from flows.core.flow import Answer, Chosen, Flow
from flows.core.language import N_, _, ngettext
from flows.core.local_time import at_local, day_label, local_today
from flows.core.quiet_hours import quiet_hours_of
from flows.core.sweep import BATCH, BUSY_RETRY, Action
from flows.core.values import Choice, Outcome
from storage import Member, RecoveryDate, Transaction

log = logging.getLogger(__name__)

# The member-local time a milestone is sent on its day: a morning note, apart from the
# check-in reminder.
MILESTONE_TIME = "10:00"
LATE_LIMIT = timedelta(days=7)
EARLIEST_YEAR = 1930


# -- the milestones ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Milestone:
    day: date  # member-local
    count: int  # of `unit`s: 30 (days), 6 (months), 2 (years)
    unit: Literal["day", "week", "month", "year"]
    emoji: str
    source_words: str  # a kind sentence to go with it (a marked source)

    @property
    def label(self) -> str:
        """'30 days', '6 months', '2 years', in the language being spoken."""
        n = self.count
        if self.unit == "week":
            return ngettext("{count} week", "{count} weeks", n).format(count=n)
        if self.unit == "month":
            return ngettext("{count} month", "{count} months", n).format(count=n)
        if self.unit == "year":
            return ngettext("{count} year", "{count} years", n).format(count=n)
        return ngettext("{count} day", "{count} days", n).format(count=n)

    @property
    def words(self) -> str:
        return _(self.source_words)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day if it has no such day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")


# (days, months, emoji, words): the milestones of the first year, in order.
FIRST_YEAR = (
    (1, 0, "🌱", N_("One day at a time is how it's done, and you did it.")),
    (7, 0, "🌿", N_("Seven days, each one taken as it came. That's worth celebrating.")),
    (30, 0, "🌟", N_("A month of days, one at a time. Be proud of that.")),
    (60, 0, "🌟", N_("Two months of showing up for yourself.")),
    (90, 0, "🎉", N_("That's a real milestone, reached one day at a time.")),
    (0, 6, "🎉", N_("Half a year. Look how far you've come.")),
    (0, 9, "🎉", N_("Nine months of days. Keep going gently — you're doing this.")),
)
YEARLY_WORDS = N_("Thank you for letting me celebrate it with you.")


def milestones_from(since: date) -> Iterator[Milestone]:
    """Every milestone of a date, in order, for ever (one a year after the first year)."""
    for days, months, emoji, words in FIRST_YEAR:
        day = add_months(since, months) + timedelta(days=days)
        if months:
            yield Milestone(day, months, "month", emoji, words)
        elif days == 7:
            yield Milestone(day, 1, "week", emoji, words)
        else:
            yield Milestone(day, days, "day", emoji, words)
    years = 1
    while True:
        yield Milestone(add_months(since, 12 * years), years, "year", "🎂", YEARLY_WORDS)
        years += 1


def next_milestone(since: date, after: date) -> Milestone:
    """The first milestone of `since` on a day after `after`."""
    return next(m for m in milestones_from(since) if m.day > after)


def milestone_on(since: date, day: date) -> Milestone | None:
    """The milestone that falls on `day`, if one does."""
    found = next_milestone(since, day - timedelta(days=1))
    return found if found.day == day else None


def send_at(milestone: Milestone, timezone: str) -> datetime:
    return at_local(milestone.day, MILESTONE_TIME, timezone)


def celebration(milestone: Milestone, today: date) -> str:
    if milestone.day == today:
        reached = _("{emoji} {milestone} today.").format(
            emoji=milestone.emoji, milestone=milestone.label
        )
    else:
        reached = _("{emoji} {milestone} on {day}.").format(
            emoji=milestone.emoji, milestone=milestone.label, day=day_label(milestone.day)
        )
    return f"{reached} {milestone.words}\n\n" + _(
        "However today feels, this is yours. 💛 (/milestones to change or turn these off)"
    )


# -- words about a date -------------------------------------------------------------------
def full_day(day: date) -> str:
    """'Sat 5 Dec 2026'."""
    return f"{day_label(day)} {day.year}"


def days_so_far(since: date, today: date) -> str:
    count = (today - since).days
    if count == 0:
        return _("your count starts today")
    return ngettext("{count} day so far", "{count} days so far", count).format(count=count)


def streak_running(member: Member, today: date) -> bool:
    """Whether the check-in streak still stands today (it lapses after a day without one)."""
    last = member.last_checkin_date
    return last is not None and today - last <= timedelta(days=1) and member.streak_days > 0


def streak_text(member: Member, today: date) -> str:
    """The check-in streak as it stands today."""
    if not streak_running(member, today):
        return _("none running right now — your next /checkin starts one")
    if member.streak_days == 1:
        return ngettext("{count} day so far", "{count} days so far", 1).format(count=1)
    return ngettext("{count} day in a row", "{count} days in a row", member.streak_days).format(
        count=member.streak_days
    )


async def milestones_setting(tx: Transaction, member: Member, now: datetime) -> str:
    """One line for /settings: off, or the date and the days so far."""
    recovery = await tx.recovery.get(member.id)
    if recovery is None:
        return _("off")
    today = local_today(member.timezone, now)
    return _("counting from {day} ({so_far})").format(
        day=full_day(recovery.since), so_far=days_so_far(recovery.since, today)
    )


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTHS_ES = {
    name: number
    for number, names in enumerate(
        (
            ("enero", "ene"), ("febrero", "feb"), ("marzo", "mar"), ("abril", "abr"),
            ("mayo", "may"), ("junio", "jun"), ("julio", "jul"), ("agosto", "ago"),
            ("septiembre", "setiembre", "sep", "sept", "set"), ("octubre", "oct"),
            ("noviembre", "nov"), ("diciembre", "dic"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_FILLER = {"st", "nd", "rd", "th", "of", "the", "on", "de", "del", "el"}
_TODAY_WORDS = {"today", "now", "hoy", "ahora"}
_YESTERDAY_WORDS = {"yesterday", "ayer"}
DATE_HINT = N_(
    "I couldn't read that as a date. Type it like 2026-03-14 or 14 March 2026, or choose "
    "Today or Yesterday."
)


def _unaccented(text: str) -> str:
    """'septiembre' for 'séptiembre': typed month names match with or without accents."""
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c))


def read_day(text: str, today: date) -> date | str:
    """The day a member typed ("2026-03-14", "14 March 2026", "March 14th", "yesterday"),
    or what to tell them. A date without a year is its latest one up to today."""
    words = " ".join(_unaccented(text.casefold()).split())
    if words in _TODAY_WORDS:
        return today
    if words in _YESTERDAY_WORDS:
        return today - timedelta(days=1)
    if (iso := _ISO.match(words)) is not None:
        year, month, day = (int(part) for part in iso.groups())
        return _checked(year, month, day, today, text)
    tokens = [t for t in re.findall(r"[a-z]+|\d+", words) if t not in _FILLER]
    month_names = _MONTHS_ES | _MONTHS
    months = [month_names[t] for t in tokens if t in month_names]
    numbers = [int(t) for t in tokens if t.isdecimal()]
    if len(months) != 1 or len(tokens) != len(numbers) + 1 or not 1 <= len(numbers) <= 2:
        return _(DATE_HINT)
    years = [n for n in numbers if n >= 1000]
    days = [n for n in numbers if n < 1000]
    if len(days) != 1 or len(years) > 1:
        return _(DATE_HINT)
    if years:
        return _checked(years[0], months[0], days[0], today, text)
    found = _checked(today.year, months[0], days[0], today, text, future_ok=True)
    if isinstance(found, date) and found > today:
        return _checked(today.year - 1, months[0], days[0], today, text)
    return found


def _checked(
    year: int, month: int, day: int, today: date, typed: str, *, future_ok: bool = False
) -> date | str:
    try:
        found = date(year, month, day)
    except ValueError:
        shown = " ".join(typed.split())[:30]
        return (
            _("“{typed}” isn't a date on the calendar.").format(typed=shown) + " " + _(DATE_HINT)
        )
    if found > today and not future_ok:
        return _("That day is still to come. Choose Today, or type a day before it.")
    if found.year < EARLIEST_YEAR:
        return _("That's a very long time ago — could you check the year?")
    return found


# -- /milestones --------------------------------------------------------------------------
Mode = Literal["set", "restart", "correct"]
TODAY, YESTERDAY = Choice("today", N_("Today")), Choice("yesterday", N_("Yesterday"))
YES, NO = "yes", "no"


class MilestonesData(TypedDict, total=False):
    mode: Mode
    since: str  # the new date chosen (ISO), waiting to be confirmed


INTRO = N_(
    "Some people like to count days from a recovery date — the day they stopped, cut down, "
    "or started again. Many don't count at all, and that's just as welcome here.\n\n"
    "If you'd like, I'll celebrate milestones with you: 1 day, 1 week, 30, 60 and 90 days, "
    "6 and 9 months, 1 year and every year after — a short note in the morning, your time. "
    "Only you ever see your date, and you can change it or turn this off whenever you like."
)
DATE_QUESTIONS: dict[Mode, str] = {
    "set": N_(
        "From which day would you like to count? Choose Today or Yesterday, or type a "
        "date (like 2026-03-14 or 14 March 2026)."
    ),
    "restart": N_(
        "That's okay — starting again is part of recovery for a lot of people. From "
        "which day would you like to count now? Choose Today or Yesterday, or type a date "
        "(like 2026-03-14 or 14 March 2026)."
    ),
    "correct": N_(
        "Which date should it be? Type it (like 2026-03-14 or 14 March 2026), or choose "
        "Today or Yesterday."
    ),
}


def _status(recovery: RecoveryDate, member: Member, today: date) -> str:
    upcoming = next_milestone(recovery.since, max(recovery.celebrated_through, today))
    lines = [
        _("You're counting from {day}: {so_far}.").format(
            day=full_day(recovery.since), so_far=days_so_far(recovery.since, today)
        )
    ]
    if (milestone := milestone_on(recovery.since, today)) is not None:
        lines.append(_("That's {milestone} today. 🎉").format(milestone=milestone.label))
    lines += [
        _("Next milestone: {milestone}, on {day}.").format(
            milestone=upcoming.label, day=full_day(upcoming.day)
        ),
        _("Your check-in streak (kept apart from your date): {streak}.").format(
            streak=streak_text(member, today)
        ),
        "",
        _("What would you like to do?"),
    ]
    return "\n".join(lines)


class Milestones(Flow[MilestonesData]):
    """`/milestones`: a member's own recovery date, set, started again, corrected or off."""

    name = "milestones"
    title = N_("milestones")
    timeout: ClassVar[timedelta] = timedelta(hours=1)

    async def begin(self, ctx: Context) -> None:
        member = ctx.require_member()
        recovery = await ctx.tx.recovery.get(member.id)
        if recovery is None:
            ctx.ask(
                self.on_start,
                _(INTRO),
                [Choice("set", _("Set a date"), "📅"), Choice("no", _("Not now"))],
            )
            return
        today = local_today(member.timezone, ctx.now)
        ctx.ask(
            self.on_menu,
            _status(recovery, member, today),
            [
                Choice("restart", _("Start again"), "🌱"),
                Choice("correct", _("Correct the date"), "📅"),
                Choice("off", _("Turn milestones off")),
                Choice("done", _("Keep it as it is")),
            ],
            columns=2,
        )

    async def on_start(self, ctx: Context, answer: Chosen) -> None:
        if answer.choice.value == "no":
            ctx.finish()
            ctx.say(
                _(
                    "No problem — nothing is set. If you'd ever like it, /milestones is here. "
                    "Your check-ins work just the same either way."
                )
            )
            return
        self._ask_date(ctx, "set")

    async def on_menu(self, ctx: Context, answer: Chosen) -> None:
        choice = answer.choice.value
        if choice == "done":
            ctx.finish()
            ctx.say(_("Okay, your milestones stay as they are."))
        elif choice == "off":
            recovery = await self._recovery(ctx)
            since = full_day(recovery.since) if recovery is not None else _("your date")
            ctx.ask(
                self.on_off,
                _(
                    "Turn milestones off? I'll forget your date ({day}) and send no more "
                    "milestone notes. Your check-ins and your streak stay just as they are."
                ).format(day=since),
                [Choice(YES, _("Yes, turn them off")), Choice(NO, _("No, keep them"))],
            )
        else:
            self._ask_date(ctx, "restart" if choice == "restart" else "correct")

    def _ask_date(self, ctx: Context, mode: Mode) -> None:
        self.data(ctx)["mode"] = mode
        days = [Choice(c.value, _(c.label)) for c in (TODAY, YESTERDAY)]
        ctx.ask(self.on_date, _(DATE_QUESTIONS[mode]), days, free_text=True)

    async def _recovery(self, ctx: Context) -> RecoveryDate | None:
        return await ctx.tx.recovery.get(ctx.require_member().id)

    async def on_date(self, ctx: Context, answer: Answer) -> None:
        member = ctx.require_member()
        today = local_today(member.timezone, ctx.now)
        chosen: date | str
        if answer.choice is not None:
            yesterday = answer.choice.value == YESTERDAY.value
            chosen = today - timedelta(days=1) if yesterday else today
        else:
            chosen = read_day(answer.text, today)
        if isinstance(chosen, str):
            ctx.reask(chosen)
            return
        recovery = await self._recovery(ctx)
        if recovery is None:
            # Nothing to replace (or it was turned off meanwhile): saved at once.
            await self._save(ctx, chosen, restart=self.data(ctx).get("mode") == "restart")
            return
        if recovery.since == chosen:
            ctx.finish()
            ctx.say(
                _("That's already your date ({day}), so nothing changed.").format(
                    day=full_day(chosen)
                )
            )
            return
        self.data(ctx)["since"] = chosen.isoformat()
        ctx.ask(
            self.on_confirm,
            _(
                "Count from {day} in place of {earlier}? Your check-in streak stays as it is."
            ).format(day=full_day(chosen), earlier=full_day(recovery.since)),
            [
                Choice(YES, _("Yes, from {day}").format(day=day_label(chosen))),
                Choice(NO, _("No, keep {day}").format(day=day_label(recovery.since))),
            ],
        )

    async def on_confirm(self, ctx: Context, answer: Chosen) -> None:
        if answer.choice.value == NO:
            recovery = await self._recovery(ctx)
            ctx.finish()
            if recovery is not None:
                said = _("Okay, your date stays as it was ({day}). Nothing changed.").format(
                    day=full_day(recovery.since)
                )
            else:
                said = _("Okay, your date stays as it was. Nothing changed.")
            ctx.say(said)
            return
        chosen = date.fromisoformat(self.data(ctx)["since"])
        await self._save(ctx, chosen, restart=self.data(ctx).get("mode") == "restart")

    async def on_off(self, ctx: Context, answer: Chosen) -> None:
        ctx.finish()
        if answer.choice.value == NO:
            ctx.say(_("Okay, your milestones stay on."))
            return
        await ctx.tx.recovery.clear(ctx.require_member().id)
        log.info("milestones_off member=%s", ctx.require_member().id)
        ctx.say(
            _(
                "Done — milestones are off, and I've forgotten your date. Your check-ins and "
                "your check-in streak are just as they were. If you'd ever like to count again, "
                "/milestones is here."
            )
        )

    async def _save(self, ctx: Context, since: date, *, restart: bool) -> None:
        member = ctx.require_member()
        today = local_today(member.timezone, ctx.now)
        upcoming = next_milestone(since, today)
        # Milestones up to today are done: today's is said here, not again by the sweep.
        await ctx.tx.recovery.set(
            member.id,
            since,
            celebrated_through=today,
            next_at=send_at(upcoming, member.timezone),
            now=ctx.now,
        )
        log.info("milestones_set member=%s", member.id)
        ctx.finish()
        day, so_far = full_day(since), days_so_far(since, today)
        if since == today and restart:
            counting = _("Your new count starts today, {day}.").format(day=day)
        elif since == today:
            counting = _("Your count starts today, {day}.").format(day=day)
        elif restart:
            counting = _("Your count starts again from {day}: {so_far}.").format(
                day=day, so_far=so_far
            )
        else:
            counting = _("You're counting from {day}: {so_far}.").format(day=day, so_far=so_far)
        if restart:
            lines = [
                _(
                    "Thank you for telling me. 💛 Starting again takes courage, and nothing "
                    "you've learned along the way is lost."
                ),
                counting,
            ]
        else:
            lines = [f"{_('Saved.')} {counting}"]
        if (milestone := milestone_on(since, today)) is not None:
            lines.append(
                _("{emoji} That's {milestone} today — congratulations!").format(
                    emoji=milestone.emoji, milestone=milestone.label
                )
            )
        lines.append(
            _(
                "Next milestone: {milestone}, on {day}. I'll send a short "
                "note that morning, your time."
            ).format(milestone=upcoming.label, day=full_day(upcoming.day))
        )
        if streak_running(member, today):
            lines.append(
                _("Your check-in streak is a separate thing and stays as it is: {streak}.").format(
                    streak=streak_text(member, today)
                )
            )
        else:
            lines.append(_("Your check-ins are a separate thing, untouched by this."))
        lines.append(_("Only you ever see your date. /milestones changes it or turns this off."))
        ctx.say("\n".join(lines))

    async def cancelled(self, ctx: Context) -> str:
        return _("Okay, I've stopped. Your milestones are just as they were — nothing changed.")


async def milestones(ctx: Context) -> None:
    await ctx.start_flow(Milestones.name)


MILESTONE_COMMANDS = (
    Command("milestones", N_("celebrate days from a recovery date, if you'd like"), milestones),
)


# -- scheduling and the sweep -------------------------------------------------------------
async def reschedule_milestone(tx: Transaction, member: Member) -> None:
    """After the member's time zone changed: the next milestone at their new morning."""
    recovery = await tx.recovery.get(member.id)
    if recovery is None:
        return
    upcoming = next_milestone(recovery.since, recovery.celebrated_through)
    await tx.recovery.schedule(
        member.id,
        celebrated_through=recovery.celebrated_through,
        next_at=send_at(upcoming, member.timezone),
    )


@dataclass(slots=True)
class MilestoneReport:
    sent: int = 0
    deferred: int = 0  # quiet hours, a safety pause or a peer chat: due again later
    passed: int = 0  # paused, unreachable or too late: not sent, and not due again


def _milestone(report: MilestoneReport) -> Action:
    async def action(ctx: Context) -> None:
        member = ctx.require_member()
        recovery = await ctx.tx.recovery.get(member.id)
        if recovery is None or recovery.next_at is None or recovery.next_at > ctx.now:
            return  # changed since the sweep looked
        today = local_today(member.timezone, ctx.now)
        # The newest milestone reached by today that is not yet done (several, if the bot
        # was down long enough: only the newest is said).
        due = None
        for milestone in milestones_from(recovery.since):
            if milestone.day > today:
                break
            if milestone.day > recovery.celebrated_through:
                due = milestone
        if due is None:
            # Not yet today in their zone (it changed): at its own morning.
            await reschedule_milestone(ctx.tx, member)
            return

        async def later(moment: datetime) -> None:
            await ctx.tx.recovery.schedule(
                member.id, celebrated_through=recovery.celebrated_through, next_at=moment
            )
            report.deferred += 1

        passes = (
            member.paused
            or member.unreachable_at is not None
            or not member.is_onboarded
            or today - due.day > LATE_LIMIT
        )
        if not passes:
            if member.is_quiet(ctx.now):
                assert member.quiet_until is not None
                await later(member.quiet_until)  # after a safety event, the follow-up first
                return
            quiet = quiet_hours_of(ctx.config.quiet_hours)
            if quiet is not None and quiet.contains(ctx.now, member.timezone):
                await later(quiet.next_allowed(ctx.now, member.timezone))
                return
            if await ctx.in_peer_chat():
                await later(ctx.now + BUSY_RETRY)
                return
            ctx.say(celebration(due, today))
            report.sent += 1
            log.info("milestone_sent member=%s", member.id)
        else:
            report.passed += 1
        upcoming = next_milestone(recovery.since, due.day)
        await ctx.tx.recovery.schedule(
            member.id, celebrated_through=due.day, next_at=send_at(upcoming, member.timezone)
        )

    return action


async def send_milestones(engine: Engine, now: datetime) -> tuple[MilestoneReport, list[Outcome]]:
    """Each due milestone, all or nothing for each member (one indexed read to find them)."""
    report = MilestoneReport()
    async with engine.db.transaction() as tx:
        due = await tx.recovery.due(now, limit=BATCH)
    milestone = _milestone(report)
    outcomes = await engine.run_for_members([(member_id, milestone) for member_id in due])
    return report, outcomes
