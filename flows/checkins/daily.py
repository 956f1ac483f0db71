"""The daily mood check-in: mood, optional life areas, an optional "what helped?" note.

Checking in again the same day updates that day's entry: the areas chosen earlier are
chosen again to start with, an earlier note stays unless replaced or removed, and the
thanks says what changed.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from typing import ClassVar, TypedDict

from flows.checkins.prompt_times import next_daily_prompt
from flows.community import after_mood_checkin
from flows.core.context import Context
from flows.core.flow import Answer, Chosen, Flow
from flows.core.local_time import local_today
from flows.core.mood import is_low_mood
from flows.core.values import Choice, command_choice
from storage import Member, MoodCheckin

MOODS = (
    Choice("1", "Very low", "😣"),
    Choice("2", "Low", "🙁"),
    Choice("3", "Okay", "😐"),
    Choice("4", "Good", "🙂"),
    Choice("5", "Great", "😄"),
)
MOOD_BY_VALUE = {int(choice.value): choice for choice in MOODS}

LIFE_AREAS = (
    Choice("sleep", "Sleep", "😴"),
    Choice("cravings", "Cravings", "🌊"),
    Choice("family", "Family", "👪"),
    Choice("work", "Work/money", "💼"),
    Choice("housing", "Housing", "🏠"),
    Choice("health", "Health", "🩺"),
    Choice("loneliness", "Loneliness", "🫂"),
)
AREA_LABELS = {choice.value: choice.label for choice in LIFE_AREAS}
DONE = Choice("done", "Done", "✅")
SKIP = Choice("skip", "Skip")
# Asked again the same day, with a note from earlier: Skip keeps it (typed "skip" too).
KEEP_NOTE = Choice(SKIP.value, "Keep")
REMOVE_NOTE = Choice("remove", "Remove")
NOTE_MAX = 300
HELPED_QUESTION = "What helped today, even a little? Type a few words, or choose Skip."


def _areas(values: Iterable[str]) -> str:
    return ", ".join(AREA_LABELS.get(v, v) for v in values) or "nothing"


def _areas_question(selected: list[str], *, again: bool = False) -> tuple[str, list[Choice]]:
    choices = [
        Choice(c.value, c.label, "✔️" if c.value in selected else c.emoji) for c in LIFE_AREAS
    ]
    chosen = _areas(selected) if selected else "nothing yet"
    text = (
        "Is anything weighing on you today? Choose any that apply, then Done "
        f"(or just Done if nothing does).\nChosen: {chosen}"
    )
    if again and selected:
        text += " (as in your earlier check-in today)"
    return text, [*choices, DONE]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class CheckInData(TypedDict, total=False):
    mood: int
    areas: list[str]  # the life areas chosen so far
    again: bool  # today has a check-in already: this one updates it


class CheckIn(Flow[CheckInData]):
    name = "checkin"
    title = "check-in"
    timeout: ClassVar[timedelta] = timedelta(hours=12)

    async def begin(self, ctx: Context) -> None:
        ctx.ask(self.on_mood, "How are you feeling today?", MOODS, columns=5)

    async def on_mood(self, ctx: Context, answer: Chosen) -> None:
        earlier = await _earlier_today(ctx)
        data = self.data(ctx)
        data["mood"] = int(answer.choice.value)
        # Checking in again: what they chose earlier stays chosen unless they change it.
        data["areas"] = list(earlier.tags) if earlier is not None else []
        data["again"] = earlier is not None
        text, choices = _areas_question(data["areas"], again=data["again"])
        ctx.ask(self.on_areas, text, choices, columns=2)

    async def on_areas(self, ctx: Context, answer: Chosen) -> None:
        selected = self.data(ctx)["areas"]
        if answer.choice.value != DONE.value:
            if answer.choice.value in selected:
                selected.remove(answer.choice.value)
            else:
                selected.append(answer.choice.value)
            text, choices = _areas_question(selected, again=bool(self.data(ctx).get("again")))
            ctx.ask(self.on_areas, text, choices, columns=2, in_place=True)
            return
        earlier = await _earlier_today(ctx)
        if earlier is not None and earlier.helped:
            ctx.ask(
                self.on_helped,
                "What helped today, even a little? Earlier today you wrote: "
                f"“{earlier.helped}”\nType new words to put in their place, or keep them.",
                [KEEP_NOTE, REMOVE_NOTE],
                free_text=True,
            )
            return
        ctx.ask(self.on_helped, HELPED_QUESTION, [SKIP], free_text=True)

    async def on_helped(self, ctx: Context, answer: Answer) -> None:
        if answer.choice is not None:
            # Skip (or Keep) leaves an earlier note as it is; Remove clears it.
            await self._record(ctx, None, remove_note=answer.choice.value == REMOVE_NOTE.value)
            return
        note = " ".join(answer.text.split())
        if len(note) > NOTE_MAX:
            ctx.reask(f"Could you keep it under {NOTE_MAX} characters?")
            return
        await self._record(ctx, note or None)

    async def keep_on_set_aside(self, ctx: Context) -> None:
        # A mood already given is kept when safety sets the check-in aside: it is theirs,
        # and it is what they said just before.
        if "mood" in self.data(ctx):
            await self._store(ctx, None)

    async def _store(
        self, ctx: Context, note: str | None, *, remove_note: bool = False
    ) -> tuple[MoodCheckin | None, Member]:
        """Record today's check-in, keeping an earlier note unless it is replaced or removed;
        the check-in it updated (None for today's first), and the member after."""
        member = ctx.require_member()
        today = local_today(member.timezone, ctx.now)
        mood = self.data(ctx)["mood"]
        areas = tuple(self.data(ctx).get("areas", ()))
        earlier = await _earlier_today(ctx)
        helped = note
        if note is None and not remove_note and earlier is not None:
            helped = earlier.helped
        first_today = await ctx.tx.checkins.record_mood(
            member.id, local_date=today, mood=mood, tags=areas, helped=helped, now=ctx.now
        )
        if first_today:
            streak = _next_streak(member.last_checkin_date, member.streak_days, today)
            await ctx.tx.members.record_checkin_day(
                member.id, count=member.checkin_count + 1, last_date=today, streak=streak
            )
            member = await ctx.reload_member()
            # Today's prompt is no longer needed.
            await ctx.tx.members.schedule_prompt(
                member.id, next_daily_prompt(member, ctx.now, checked_in_today=True)
            )
        await after_mood_checkin(
            ctx.tx, member.id, mood=mood, first_today=first_today, now=ctx.now, config=ctx.config
        )
        return (None if first_today else earlier), member

    async def _record(self, ctx: Context, note: str | None, *, remove_note: bool = False) -> None:
        mood = self.data(ctx)["mood"]
        earlier, member = await self._store(ctx, note, remove_note=remove_note)
        if earlier is None:
            thanks = (
                f"Thank you, {member.pseudonym}. That's your "
                f"{_ordinal(member.checkin_count)} check-in"
            )
            streak = member.streak_days
            thanks += f" — {streak} days in a row! 🔥" if streak >= 2 else "."
        else:
            changes = _changes(
                earlier,
                mood=mood,
                areas=tuple(self.data(ctx).get("areas", ())),
                note=note,
                removed=remove_note,
            )
            thanks = f"Thank you, {member.pseudonym}. I've updated today's check-in:\n" + (
                "\n".join(f"• {line}" for line in changes)
            )
        if note:
            thanks += " It's good to notice what helps."
        ctx.finish()
        if is_low_mood(mood):
            thanks += (
                "\n\nThat sounds like a hard day. You don't have to carry it alone. "
                "Would you like to talk to a peer volunteer now? If you need support "
                "right now, the lines in /help are there day and night."
            )
            ctx.say(thanks, commands=[command_choice("talk", "Talk to a peer", "🤝")])
            return
        ctx.say(thanks)


async def _earlier_today(ctx: Context) -> MoodCheckin | None:
    """Today's check-in, if the member has checked in already today (their local day)."""
    member = ctx.require_member()
    today = local_today(member.timezone, ctx.now)
    newest = await ctx.tx.checkins.recent_moods(member.id, limit=1)
    return newest[0] if newest and newest[0].local_date == today else None


def _changes(
    earlier: MoodCheckin, *, mood: int, areas: tuple[str, ...], note: str | None, removed: bool
) -> list[str]:
    """What a second check-in of the day changed, and what it kept, one line each."""
    lines = []
    if mood != earlier.mood:
        lines.append(
            f"Mood: {MOOD_BY_VALUE[earlier.mood].caption} → {MOOD_BY_VALUE[mood].caption}"
        )
    else:
        lines.append(f"Mood: {MOOD_BY_VALUE[mood].caption}, as before")
    if set(areas) != set(earlier.tags):
        lines.append(f"Weighing on you: {_areas(areas)} (before: {_areas(earlier.tags)})")
    else:
        lines.append(f"Weighing on you: {_areas(areas)}, as before")
    if note and earlier.helped:
        lines.append("What helped: your new words, in place of the earlier ones")
    elif note:
        lines.append("What helped: your words are saved")
    elif removed and earlier.helped:
        lines.append("What helped: the earlier note is removed")
    elif earlier.helped:
        lines.append("What helped: your earlier note is kept")
    return lines


def _next_streak(last: date | None, streak: int, today: date) -> int:
    if last == today - timedelta(days=1):
        return streak + 1
    return 1
