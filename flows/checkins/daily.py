"""The daily mood check-in: mood, optional life areas, an optional "what helped?" note."""

from datetime import date, timedelta
from typing import ClassVar, TypedDict

from flows.checkins.prompt_times import next_daily_prompt
from flows.community import after_mood_checkin
from flows.core.context import Context
from flows.core.flow import Answer, Chosen, Flow
from flows.core.local_time import local_today
from flows.core.mood import is_low_mood
from flows.core.values import Choice, command_choice
from storage import Member

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
NOTE_MAX = 300


def _areas_question(selected: list[str]) -> tuple[str, list[Choice]]:
    choices = [
        Choice(c.value, c.label, "✔️" if c.value in selected else c.emoji) for c in LIFE_AREAS
    ]
    chosen = ", ".join(AREA_LABELS[v] for v in selected) if selected else "nothing yet"
    text = (
        "Is anything weighing on you today? Choose any that apply, then Done "
        f"(or just Done if nothing does).\nChosen: {chosen}"
    )
    return text, [*choices, DONE]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class CheckInData(TypedDict, total=False):
    mood: int
    areas: list[str]  # the life areas chosen so far


class CheckIn(Flow[CheckInData]):
    name = "checkin"
    title = "check-in"
    timeout: ClassVar[timedelta] = timedelta(hours=12)

    async def begin(self, ctx: Context) -> None:
        ctx.ask(self.on_mood, "How are you feeling today?", MOODS, columns=5)

    async def on_mood(self, ctx: Context, answer: Chosen) -> None:
        self.data(ctx)["mood"] = int(answer.choice.value)
        self.data(ctx)["areas"] = []
        text, choices = _areas_question([])
        ctx.ask(self.on_areas, text, choices, columns=2)

    async def on_areas(self, ctx: Context, answer: Chosen) -> None:
        selected = self.data(ctx)["areas"]
        if answer.choice.value != DONE.value:
            if answer.choice.value in selected:
                selected.remove(answer.choice.value)
            else:
                selected.append(answer.choice.value)
            text, choices = _areas_question(selected)
            ctx.ask(self.on_areas, text, choices, columns=2, in_place=True)
            return
        ctx.ask(
            self.on_helped,
            "What helped today, even a little? Type a few words, or choose Skip.",
            [SKIP],
            free_text=True,
        )

    async def on_helped(self, ctx: Context, answer: Answer) -> None:
        note: str | None = None
        if answer.choice is None:
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

    async def _store(self, ctx: Context, note: str | None) -> tuple[bool, Member]:
        """Record today's check-in; whether it was today's first, and the member after."""
        member = ctx.require_member()
        today = local_today(member.timezone, ctx.now)
        mood = self.data(ctx)["mood"]
        areas = tuple(self.data(ctx).get("areas", ()))
        first_today = await ctx.tx.checkins.record_mood(
            member.id, local_date=today, mood=mood, tags=areas, helped=note, now=ctx.now
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
        return first_today, member

    async def _record(self, ctx: Context, note: str | None) -> None:
        mood = self.data(ctx)["mood"]
        first_today, member = await self._store(ctx, note)
        if first_today:
            thanks = (
                f"Thank you, {member.pseudonym}. That's your "
                f"{_ordinal(member.checkin_count)} check-in"
            )
            streak = member.streak_days
            thanks += f" — {streak} days in a row! 🔥" if streak >= 2 else "."
        else:
            thanks = f"Thank you, {member.pseudonym}. I've updated today's check-in."
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


def _next_streak(last: date | None, streak: int, today: date) -> int:
    if last == today - timedelta(days=1):
        return streak + 1
    return 1
