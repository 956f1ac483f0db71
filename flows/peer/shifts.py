"""Weekly on-call shifts in each volunteer's own time zone, and what the sweep does
with them: on and off call at the edges, a reminder ten minutes before, and a
daily warning to admins about uncovered hours in the next day."""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar, TypedDict
from zoneinfo import ZoneInfo

from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.config import FlowConfig
from flows.core.context import Context
from flows.core.engine import Engine
from flows.core.flow import Answer, Chosen, Flow
from flows.core.language import N_, _, format_clock, format_weekday, ngettext, speaking
from flows.core.parsing import parse_time_of_day
from flows.core.sweep import Action
from flows.core.values import Choice, Outcome, Reply
from flows.peer.requests import admin_accounts_of, notify_waiting_to
from storage import Account, Shift, Transaction

log = logging.getLogger(__name__)

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# A day as typed: its first three letters, in English or in Spanish (with or without the
# accent: "mié", "mie", "sáb", "sab").
TYPED_DAYS = {
    **{day.casefold(): n for n, day in enumerate(DAYS)},
    "lun": 0,
    "mar": 1,
    "mié": 2,
    "mie": 2,
    "jue": 3,
    "vie": 4,
    "sáb": 5,
    "sab": 5,
    "dom": 6,
}
A_MONDAY = date(2024, 1, 1)
REMIND_BEFORE = timedelta(minutes=10)
_SHIFT = re.compile(
    r"^\s*([^\W\d_]{3})[^\W\d_]*\.?\s+(.+?)(?:\s*(?:-|–|to)\s*|\s+a\s+)(.+?)\s*$", re.IGNORECASE
)


def day_name(weekday: int) -> str:
    """'Mon' ('lun'): a weekday as a shift is written, in the language being spoken."""
    return format_weekday(A_MONDAY + timedelta(days=weekday), short=True)


def parse_shift(raw: str) -> tuple[int, str, str] | None:
    """'Mon 18:00-22:00' → (0, '18:00', '22:00'); None if it isn't a shift."""
    match = _SHIFT.match(raw)
    if match is None:
        return None
    weekday = TYPED_DAYS.get(match.group(1).casefold())
    if weekday is None:
        return None
    starts, ends = parse_time_of_day(match.group(2)), parse_time_of_day(match.group(3))
    if starts is None or ends is None or starts == ends:
        return None
    return weekday, starts, ends


# A shift this long, or one that runs past midnight, is asked about before it is added:
# "Wed 17:00-16:00" is more often a slip than 23 hours on call.
CONFIRM_FROM = timedelta(hours=12)


def span(weekday: int, starts: str, ends: str) -> str:
    """'Mon 18:00–22:00', or 'Fri 22:00–Sat 02:00' for a shift that runs past midnight."""
    if ends > starts:
        return f"{day_name(weekday)} {starts}–{ends}"
    return f"{day_name(weekday)} {starts}–{day_name((weekday + 1) % 7)} {ends}"


def length(starts: str, ends: str) -> timedelta:
    """How long a shift from `starts` to `ends` lasts (past midnight if `ends` is earlier)."""
    (sh, sm), (eh, em) = (map(int, t.split(":")) for t in (starts, ends))
    minutes = (eh * 60 + em) - (sh * 60 + sm)
    return timedelta(minutes=minutes if minutes > 0 else minutes + 24 * 60)


def describe(shift: Shift) -> str:
    return span(shift.weekday, shift.starts, shift.ends)


def _hours(duration: timedelta) -> str:
    hours, rest = divmod(int(duration.total_seconds()) // 60, 60)
    if rest:
        return ngettext("{hours} hour {minutes} min", "{hours} hours {minutes} min", hours).format(
            hours=hours, minutes=rest
        )
    return ngettext("{hours} hour", "{hours} hours", hours).format(hours=hours)


@dataclass(frozen=True, slots=True)
class Occurrence:
    start: datetime  # UTC
    end: datetime


def _local(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def occurrences(shift: Shift, timezone: str, around: datetime, days: int = 2) -> list[Occurrence]:
    """The shift's occurrences from a day before `around` to `days` after, in UTC."""
    zone = ZoneInfo(timezone)
    today = around.astimezone(zone).date()
    found = []
    for offset in range(-1, days + 1):
        day = today + timedelta(days=offset)
        if day.weekday() != shift.weekday:
            continue
        start = _local(day, shift.starts, zone)
        end_day = day if shift.ends > shift.starts else day + timedelta(days=1)
        end = _local(end_day, shift.ends, zone)
        found.append(Occurrence(start.astimezone(UTC), end.astimezone(UTC)))
    return found


class ShiftsData(TypedDict, total=False):
    # A shift asked about before it is added (overnight or long): weekday, start, end.
    weekday: int
    starts: str
    ends: str
    changed: bool  # a shift was added or removed (each is saved at once)


class Shifts(Flow[ShiftsData]):
    """`/shifts`: see, add and remove weekly shifts."""

    name = "shifts"
    title = N_("shift settings")
    timeout: ClassVar[timedelta] = timedelta(hours=1)

    async def begin(self, ctx: Context) -> None:
        await self._menu(ctx, lead="")

    async def _menu(self, ctx: Context, *, lead: str) -> None:
        member = ctx.require_member()
        shifts = await ctx.tx.volunteers.shifts_of(member.id)
        listing = "\n".join(f"• {describe(s)}" for s in shifts) or _("No shifts yet.")
        choices = [Choice("add", _("Add a shift"))]
        if shifts:
            choices.append(Choice("remove", _("Remove a shift")))
        choices.append(Choice("done", _("Done")))
        ctx.ask(
            self.on_menu,
            lead
            + _("Your weekly shifts ({zone} time):").format(zone=member.timezone)
            + f"\n{listing}\n\n"
            + _(
                "During a shift you're on call automatically, and I remind you ten minutes before."
            ),
            choices,
            columns=3,
        )

    async def cancelled(self, ctx: Context) -> str:
        # Each shift is added or removed as soon as it is confirmed.
        if self.data(ctx).get("changed"):
            return _(
                "Okay, I've stopped. Shifts you added or removed just now are saved; /shifts "
                "shows them."
            )
        return _("Okay, I've stopped. Your shifts are as they were.")

    async def on_menu(self, ctx: Context, answer: Chosen) -> None:
        if answer.choice.value == "add":
            ctx.ask(
                self.on_add,
                _("Which day and hours? For example: Mon 18:00-22:00"),
                free_text=True,
            )
            return
        if answer.choice.value == "remove":
            member = ctx.require_member()
            shifts = await ctx.tx.volunteers.shifts_of(member.id)
            ctx.ask(
                self.on_remove,
                _("Which shift should I remove?"),
                [Choice(str(s.id), describe(s)) for s in shifts] + [Choice("none", _("None"))],
            )
            return
        ctx.finish()
        ctx.say(_("Shifts saved. Thank you for giving your time. 💛"))

    async def on_add(self, ctx: Context, answer: Answer) -> None:
        parsed = parse_shift(answer.text)
        if parsed is None:
            ctx.reask(_("I couldn't read that. Try a day and two times, like Wed 9:00-13:00."))
            return
        weekday, starts, ends = parsed
        duration = length(starts, ends)
        if ends < starts or duration >= CONFIRM_FROM:
            self.data(ctx).update(ShiftsData(weekday=weekday, starts=starts, ends=ends))
            question = (
                _("That shift runs past midnight and lasts {length}: {shift}. Is that right?")
                if ends < starts
                else _("That shift lasts {length}: {shift}. Is that right?")
            )
            ctx.ask(
                self.on_confirm,
                question.format(length=_hours(duration), shift=span(weekday, starts, ends)),
                [Choice("yes", _("Yes, add it")), Choice("no", _("No, let me retype it"))],
            )
            return
        await self._add(ctx, weekday, starts, ends)

    async def on_confirm(self, ctx: Context, answer: Chosen) -> None:
        data = self.data(ctx)
        weekday, starts, ends = data.pop("weekday"), data.pop("starts"), data.pop("ends")
        if answer.choice.value != "yes":
            ctx.ask(
                self.on_add,
                _(
                    "Which day and hours, then? For example: Mon 18:00-22:00, or Fri "
                    "22:00-02:00 for a shift past midnight."
                ),
                free_text=True,
            )
            return
        await self._add(ctx, weekday, starts, ends)

    async def _add(self, ctx: Context, weekday: int, starts: str, ends: str) -> None:
        member = ctx.require_member()
        await ctx.tx.volunteers.add_shift(member.id, weekday=weekday, starts=starts, ends=ends)
        self.data(ctx)["changed"] = True
        added = _("Added {shift}.").format(shift=span(weekday, starts, ends))
        await self._menu(ctx, lead=f"{added}\n\n")

    async def on_remove(self, ctx: Context, answer: Chosen) -> None:
        member = ctx.require_member()
        lead = ""
        if answer.choice.value != "none" and await ctx.tx.volunteers.remove_shift(
            member.id, int(answer.choice.value)
        ):
            lead = _("Removed.") + "\n\n"
            self.data(ctx)["changed"] = True
        await self._menu(ctx, lead=lead)


async def shifts_command(ctx: Context) -> None:
    await ctx.start_flow("shifts")


SHIFT_COMMANDS = (
    Command("shifts", N_("your weekly on-call shifts"), shifts_command, audience=Audience.PEER),
)


# -- the sweep ----------------------------------------------------------------------
@dataclass(slots=True)
class ShiftReport:
    started: int = 0
    ended: int = 0
    reminded: int = 0
    coverage_warned: bool = False


async def sweep_shifts(engine: Engine, now: datetime) -> tuple[ShiftReport, list[Outcome]]:
    report = ShiftReport()
    outcomes: list[Outcome] = []
    async with engine.db.transaction() as tx:
        shifts = await tx.volunteers.all_shifts()
        volunteers = {v.member_id: v for v in await tx.volunteers.all()}
    current: dict[int, Occurrence] = {}
    upcoming: dict[int, Occurrence] = {}
    for shift, zone in shifts:
        for occ in occurrences(shift, zone, now):
            if occ.start <= now < occ.end:
                current[shift.volunteer_id] = occ
            elif now < occ.start <= now + REMIND_BEFORE:
                upcoming[shift.volunteer_id] = occ
    for member_id, volunteer in volunteers.items():
        if not volunteer.is_active:
            continue
        running = current.get(member_id)
        if running is not None and volunteer.shift_started != running.start:
            outcomes.append(await engine.run_for_member(member_id, _start(running)))
            report.started += 1
        elif running is None and volunteer.on_call_by_shift:
            outcomes.append(await engine.run_for_member(member_id, _end))
            report.ended += 1
        soon = upcoming.get(member_id)
        if soon is not None and volunteer.shift_reminded != soon.start:
            outcomes.append(await engine.run_for_member(member_id, _remind(soon)))
            report.reminded += 1
    outcome = await _warn_uncovered(engine, now, shifts)
    if outcome is not None:
        outcomes.append(outcome)
        report.coverage_warned = True
    return report, outcomes


def _start(occ: Occurrence) -> Action:
    async def action(ctx: Context) -> None:
        member = ctx.require_member()
        await ctx.tx.volunteers.mark_shift_started(member.id, occ.start)
        await ctx.tx.volunteers.set_on_call(member.id, True, by_shift=True)
        end = occ.end.astimezone(ZoneInfo(member.timezone))
        ctx.say(
            _("Your shift has started — you're on call until {time}. 💛 /offcall to stop.").format(
                time=format_clock(end)
            )
        )
        volunteer = await ctx.volunteer()
        assert volunteer is not None
        await notify_waiting_to(ctx, volunteer)

    return action


async def _end(ctx: Context) -> None:
    member = ctx.require_member()
    await ctx.tx.volunteers.set_on_call(member.id, False)
    ctx.say(
        _("Your shift has ended — you're off call now. Thank you! Open chats continue until /end.")
    )


def _remind(occ: Occurrence) -> Action:
    async def action(ctx: Context) -> None:
        member = ctx.require_member()
        await ctx.tx.volunteers.mark_shift_reminded(member.id, occ.start)
        start = occ.start.astimezone(ZoneInfo(member.timezone))
        minutes = max(1, round((occ.start - ctx.now).total_seconds() / 60))
        ctx.say(
            _("Reminder: your on-call shift starts at {time} (in {minutes} min).").format(
                time=format_clock(start), minutes=minutes
            )
        )

    return action


def uncovered_hours(
    shifts: list[tuple[Shift, str]], now: datetime, hours: int = 24
) -> list[datetime]:
    """The starts (UTC, on the hour) of the next `hours` hours nobody's shift covers."""
    occs = [occ for shift, zone in shifts for occ in occurrences(shift, zone, now)]
    first = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    gaps = []
    for n in range(hours):
        hour = first + timedelta(hours=n)
        if not any(o.start <= hour and hour + timedelta(hours=1) <= o.end for o in occs):
            gaps.append(hour)
    return gaps


async def _warn_uncovered(
    engine: Engine, now: datetime, shifts: list[tuple[Shift, str]]
) -> Outcome | None:
    zone = ZoneInfo(engine.config.default_timezone)
    today = now.astimezone(zone).date().isoformat()
    async with engine.db.transaction() as tx:
        if await tx.safety.get_state("coverage_warned_on") == today:
            return None
        if not await tx.volunteers.all():
            return None  # no volunteers yet: nothing to plan
        gaps = uncovered_hours(shifts, now)
        await tx.safety.set_state("coverage_warned_on", today)
        if not gaps:
            return None
    return await _send_to_admins(engine, lambda: _coverage_text(gaps, zone))


COVER_THEN = N_(
    "Members asking for a peer then will be offered the crisis lines and a place in line."
)


def _coverage_text(gaps: list[datetime], zone: ZoneInfo) -> str:
    ranges: list[tuple[datetime, datetime]] = []
    for hour in gaps:
        if ranges and ranges[-1][1] == hour:
            ranges[-1] = (ranges[-1][0], hour + timedelta(hours=1))
        else:
            ranges.append((hour, hour + timedelta(hours=1)))
    if len(gaps) >= 24:
        return (
            _("📅 Shift cover for the next 24 hours: nobody is on shift at all.")
            + " "
            + _(COVER_THEN)
        )
    spans = ", ".join(_gap(a.astimezone(zone), b.astimezone(zone)) for a, b in ranges)
    return (
        _(
            "📅 Shift cover for the next 24 hours: nobody is on shift {spans} ({zone} time)."
        ).format(spans=spans, zone=zone.key)
        + " "
        + _(COVER_THEN)
    )


def _gap(start: datetime, end: datetime) -> str:
    """'Wed 19:00–23:00', or 'Wed 19:00–Thu 03:00' when it ends on another day."""
    if end.date() == start.date() or end == datetime.combine(
        start.date() + timedelta(days=1), time(0), tzinfo=end.tzinfo
    ):
        return f"{day_name(start.weekday())} {format_clock(start)}–{format_clock(end)}"
    return (
        f"{day_name(start.weekday())} {format_clock(start)}–"
        f"{day_name(end.weekday())} {format_clock(end)}"
    )


async def accounts_by_language(
    tx: Transaction, config: FlowConfig, accounts: list[Account]
) -> dict[str, list[Account]]:
    """`accounts` grouped by the language each person reads (their member row's, or the
    deployment's default for an account in ADMINS with no row): a text for several people
    is made once in each."""
    grouped: dict[str, list[Account]] = {}
    for account in accounts:
        member = await tx.members.find_by_account(account)
        language = member.language if member is not None and member.language else None
        grouped.setdefault(language or config.default_language, []).append(account)
    return grouped


async def _send_to_admins(engine: Engine, text: Callable[[], str]) -> Outcome | None:
    async with engine.db.transaction() as tx:
        accounts = await admin_accounts_of(tx, engine.config)
        grouped = await accounts_by_language(tx, engine.config, accounts)
    if not accounts:
        return None
    outcome = Outcome()
    for language, readers in grouped.items():
        with speaking(language):
            reply = Reply(text())
        outcome = outcome.then(await engine.send(readers, reply))
    return outcome
