"""The daily mood check-in: mood, optional life areas, an optional "what helped?" note.

Answers can be typed as people say them: a mood as a number, a face or a word ("meh",
"not great", "amazing"), several life areas at once ("work, cravings" or "1 3").

Checking in again the same day updates that day's entry: the areas chosen earlier are
chosen again to start with, an earlier note stays unless replaced or removed, and the
thanks says what changed.
"""

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, timedelta
from typing import ClassVar, TypedDict

from flows.checkins.prompt_times import next_daily_prompt
from flows.community import after_mood_checkin
from flows.core.context import Context
from flows.core.flow import Answer, Flow
from flows.core.language import N_, _
from flows.core.local_time import local_today
from flows.core.matching import match_choice
from flows.core.mood import is_low_mood
from flows.core.values import Choice, command_choice
from storage import Member, MoodCheckin

# Labels are marked sources: `translated` gives them in the language being spoken.
MOODS = (
    Choice("1", N_("Very low"), "😣"),
    Choice("2", N_("Low"), "🙁"),
    Choice("3", N_("Okay"), "😐"),
    Choice("4", N_("Good"), "🙂"),
    Choice("5", N_("Great"), "😄"),
)
MOOD_BY_VALUE = {int(choice.value): choice for choice in MOODS}


def translated(choices: Iterable[Choice]) -> list[Choice]:
    """Choices whose labels are marked sources, in the language being spoken."""
    return [Choice(c.value, _(c.label), c.emoji) for c in choices]


def mood_caption(mood: int) -> str:
    """'🙂 Good', in the language being spoken."""
    choice = MOOD_BY_VALUE[mood]
    return f"{choice.emoji} {_(choice.label)}"


# What people type for each level, besides its label ("Okay"), number and face. The middle
# is "meh", as on the common five-point mood scales (awful, bad, meh, good, rad).
MOOD_WORDS = {
    1: (
        "very low", "really low", "awful", "terrible", "horrible", "dreadful", "miserable",
        "very bad", "really bad", "the worst", "worst", "rock bottom", "crap", "shit", "shite",
    ),
    2: (
        "low", "bad", "not great", "not good", "not so good", "not too good", "not ok",
        "not okay", "not well", "not the best", "down", "sad", "rough", "poor", "struggling",
    ),
    3: (
        "ok", "okay", "okish", "ok ish", "meh", "fine", "alright", "all right", "so so",
        "average", "middling", "neutral", "mixed", "not too bad", "not so bad", "could be better",
        "could be worse", "same as usual", "normal",
    ),
    4: (
        "good", "well", "pretty good", "quite good", "not bad", "decent", "better", "happy",
        "content", "positive", "nice", "good thanks",
    ),
    5: (
        "great", "amazing", "awesome", "fantastic", "wonderful", "excellent", "brilliant",
        "very good", "really good", "rad", "super", "terrific", "perfect", "fabulous", "fab",
        "the best", "on top of the world",
    ),
}  # fmt: skip
# The same, as Spanish speakers say them (typed accents are dropped before matching).
MOOD_WORDS_ES = {
    1: (
        "muy mal", "muy bajo", "muy baja", "fatal", "pesimo", "pesima", "lo peor",
        "de lo peor", "hecho polvo", "hecha polvo", "horrible", "terrible",
    ),
    2: (
        "mal", "bajo", "baja", "no muy bien", "no tan bien", "no bien", "triste",
        "decaido", "decaida", "bajoneado", "bajoneada", "regular tirando a mal",
    ),
    3: (
        "regular", "mas o menos", "normal", "ahi", "ahi vamos", "ni bien ni mal",
        "tranquilo", "tranquila", "igual que siempre", "podria estar mejor",
    ),
    4: ("bien", "bastante bien", "contento", "contenta", "mejor", "bien gracias"),
    5: (
        "muy bien", "genial", "excelente", "increible", "super bien", "de maravilla",
        "feliz", "estupendo", "estupenda", "fenomenal",
    ),
}  # fmt: skip
_MOOD_BY_WORDS = {
    words: mood
    for table in (MOOD_WORDS_ES, MOOD_WORDS)
    for mood, all_words in table.items()
    for words in all_words
}
# Said around a mood without changing it: "I'm feeling pretty good today", "hoy estoy bien".
_MOOD_LEADS = (
    "im feeling", "i am feeling", "feeling", "im", "i am", "i feel", "honestly",
    "hoy me siento", "me siento", "hoy estoy", "estoy", "la verdad", "hoy",
)  # fmt: skip
_MOOD_TAILS = ("today", "thanks", "thank you", "tbh", "hoy", "gracias")
_OUT_OF_FIVE = re.compile(r"^([1-5])\s*(?:/|out of)\s*5$")
MOOD_HINT = N_(
    "I didn't quite catch that. Choose a face, or type a number from 1 (very low) to 5 (great), "
    "or a word like “okay”, “not great” or “good”."
)

LIFE_AREAS = (
    Choice("sleep", N_("Sleep"), "😴"),
    Choice("cravings", N_("Cravings"), "🌊"),
    Choice("family", N_("Family"), "👪"),
    Choice("work", N_("Work/money"), "💼"),
    Choice("housing", N_("Housing"), "🏠"),
    Choice("health", N_("Health"), "🩺"),
    Choice("loneliness", N_("Loneliness"), "🫂"),
)
AREA_LABELS = {choice.value: choice.label for choice in LIFE_AREAS}  # marked sources
DONE = Choice("done", N_("Done"), "✅")
SKIP = Choice("skip", N_("Skip"))
# Asked again the same day, with a note from earlier: Skip keeps it (typed "skip" too).
KEEP_NOTE = Choice(SKIP.value, N_("Keep"))
REMOVE_NOTE = Choice("remove", N_("Remove"))
NOTE_MAX = 300
# "Is anything weighing on you?" — "no", "nothing" ("nada"): nothing (more) does.
_NO_AREAS = frozenset(
    {"no", "none", "nothing", "nope", "nah", "not really", "nothing else"}
    | {"nada", "ninguno", "ninguna", "no realmente", "nada mas"}
)
# Between several areas typed at once: "work, cravings", "sleep and family", "sueño y
# familia", "1 3".
_AREA_SEPARATORS = re.compile(r"\s*(?:[,;&+]|\band\b|\by\b)\s*")
HELPED_QUESTION = N_("What helped today, even a little? Type a few words, or choose Skip.")


def area_label(value: str) -> str:
    """A life area's label in the language being spoken (an unknown tag as it is)."""
    return _(AREA_LABELS[value]) if value in AREA_LABELS else value


def _areas(values: Iterable[str]) -> str:
    return ", ".join(area_label(v) for v in values) or _("nothing")


def _areas_question(selected: list[str], *, again: bool = False) -> tuple[str, list[Choice]]:
    choices = [
        Choice(c.value, _(c.label), "✔️" if c.value in selected else c.emoji) for c in LIFE_AREAS
    ]
    chosen = _areas(selected) if selected else _("nothing yet")
    text = _(
        "Is anything weighing on you today? Choose any that apply, then Done "
        "(or just Done if nothing does)."
    )
    if again and selected:
        text += "\n" + _("Chosen: {areas} (as in your earlier check-in today)").format(
            areas=chosen
        )
    else:
        text += "\n" + _("Chosen: {areas}").format(areas=chosen)
    return text, [*choices, *translated([DONE])]


def _thanks(name: str, count: int, streak: int) -> str:
    """'Thank you, Sam. That's your 3rd check-in — 3 days in a row! 🔥': each English
    ordinal ending, with a streak of two days or more and without, is a sentence of its own."""
    ending = "th" if 10 <= count % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(count % 10, "th")
    if streak >= 2:
        text = {
            "st": _(
                "Thank you, {name}. That's your {count}st check-in — {streak} days in a row! 🔥"
            ),
            "nd": _(
                "Thank you, {name}. That's your {count}nd check-in — {streak} days in a row! 🔥"
            ),
            "rd": _(
                "Thank you, {name}. That's your {count}rd check-in — {streak} days in a row! 🔥"
            ),
            "th": _(
                "Thank you, {name}. That's your {count}th check-in — {streak} days in a row! 🔥"
            ),
        }[ending]
    else:
        text = {
            "st": _("Thank you, {name}. That's your {count}st check-in."),
            "nd": _("Thank you, {name}. That's your {count}nd check-in."),
            "rd": _("Thank you, {name}. That's your {count}rd check-in."),
            "th": _("Thank you, {name}. That's your {count}th check-in."),
        }[ending]
    return text.format(name=name, count=count, streak=streak)


class CheckInData(TypedDict, total=False):
    mood: int
    areas: list[str]  # the life areas chosen so far
    again: bool  # today has a check-in already: this one updates it


class CheckIn(Flow[CheckInData]):
    name = "checkin"
    title = N_("check-in")
    timeout: ClassVar[timedelta] = timedelta(hours=12)

    async def begin(self, ctx: Context) -> None:
        ctx.ask(
            self.on_mood,
            _("How are you feeling today?"),
            translated(MOODS),
            columns=5,
            free_text=True,
        )

    async def on_mood(self, ctx: Context, answer: Answer) -> None:
        mood = int(answer.choice.value) if answer.choice else typed_mood(answer.text)
        if mood is None:
            ctx.reask(_(MOOD_HINT))
            return
        earlier = await _earlier_today(ctx)
        data = self.data(ctx)
        data["mood"] = mood
        # Checking in again: what they chose earlier stays chosen unless they change it.
        data["areas"] = list(earlier.tags) if earlier is not None else []
        data["again"] = earlier is not None
        self._ask_areas(ctx)

    def _ask_areas(self, ctx: Context, *, in_place: bool = False) -> None:
        data = self.data(ctx)
        text, choices = _areas_question(data["areas"], again=bool(data.get("again")))
        ctx.ask(self.on_areas, text, choices, columns=2, free_text=True, in_place=in_place)

    async def on_areas(self, ctx: Context, answer: Answer) -> None:
        selected = self.data(ctx)["areas"]
        if answer.choice is None:
            # Several typed at once: each is chosen (none unchosen), Done among them ends.
            picked = typed_areas(answer.text)
            if isinstance(picked, str):
                ctx.reask(
                    _(
                        "I didn't recognise “{typed}”. Choose any from the list — you can type "
                        "several, like “sleep, work” or “1 3” — then Done."
                    ).format(typed=picked)
                )
                return
            selected.extend(v for v in picked if v not in selected and v != DONE.value)
            if DONE.value not in picked:
                self._ask_areas(ctx)
                return
        elif answer.choice.value != DONE.value:
            if answer.choice.value in selected:
                selected.remove(answer.choice.value)
            else:
                selected.append(answer.choice.value)
            self._ask_areas(ctx, in_place=True)
            return
        earlier = await _earlier_today(ctx)
        if earlier is not None and earlier.helped:
            ctx.ask(
                self.on_helped,
                _(
                    "What helped today, even a little? Earlier today you wrote: "
                    "“{note}”\nType new words to put in their place, or keep them."
                ).format(note=earlier.helped),
                translated([KEEP_NOTE, REMOVE_NOTE]),
                free_text=True,
            )
            return
        ctx.ask(self.on_helped, _(HELPED_QUESTION), translated([SKIP]), free_text=True)

    async def on_helped(self, ctx: Context, answer: Answer) -> None:
        if answer.choice is not None:
            # Skip (or Keep) leaves an earlier note as it is; Remove clears it.
            await self._record(ctx, None, remove_note=answer.choice.value == REMOVE_NOTE.value)
            return
        note = " ".join(answer.text.split())
        if len(note) > NOTE_MAX:
            ctx.reask(_("Could you keep it under {count} characters?").format(count=NOTE_MAX))
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
            thanks = _thanks(str(member.pseudonym), member.checkin_count, member.streak_days)
        else:
            changes = _changes(
                earlier,
                mood=mood,
                areas=tuple(self.data(ctx).get("areas", ())),
                note=note,
                removed=remove_note,
            )
            thanks = (
                _("Thank you, {name}. I've updated today's check-in:").format(
                    name=member.pseudonym
                )
                + "\n"
                + "\n".join(f"• {line}" for line in changes)
            )
        if note:
            thanks += " " + _("It's good to notice what helps.")
        ctx.finish()
        if is_low_mood(mood):
            thanks += "\n\n" + _(
                "That sounds like a hard day. You don't have to carry it alone. "
                "Would you like to talk to a peer volunteer now? If you need support "
                "right now, the lines in /help are there day and night."
            )
            ctx.say(thanks, commands=[command_choice("talk", _("Talk to a peer"), "🤝")])
            return
        ctx.say(thanks)


def _plain(text: str) -> str:
    """Typed words without case, accents, apostrophes or punctuation: "I’m OK!" → "im ok"."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(
        " " if unicodedata.category(c).startswith(("P", "S", "Z")) and c not in "'’/" else c
        for c in folded
        if not unicodedata.combining(c) and c not in "'’"
    )
    return " ".join(kept.split())


def typed_mood(text: str) -> int | None:
    """The mood level (1-5) typed words mean: "meh" is 3, "not great" 2, "amazing" 5."""
    words = _plain(text)
    if (out_of_five := _OUT_OF_FIVE.match(" ".join(text.casefold().split()))) is not None:
        return int(out_of_five.group(1))
    for lead in _MOOD_LEADS:
        words = words.removeprefix(lead + " ")
    for tail in _MOOD_TAILS:
        words = words.removesuffix(" " + tail)
    return _MOOD_BY_WORDS.get(words)


def typed_areas(text: str) -> list[str] | str:
    """The life areas (values, DONE among them) typed at once, or the part not understood."""
    picked: list[str] = []
    options = translated([*LIFE_AREAS, DONE])
    parts: list[str] = [part for part in _AREA_SEPARATORS.split(text.strip()) if part]
    for part in parts:
        if _plain(part) in _NO_AREAS:
            picked.append(DONE.value)
            continue
        choice = match_choice(part, options)
        if choice is not None:
            picked.append(choice.value)
            continue
        for word in part.split():  # "1 3", "sleep family"
            choice = match_choice(word, options)
            if choice is None:
                return word if len(part.split()) > 1 else part
            picked.append(choice.value)
    return picked


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
            _("Mood: {before} → {now}").format(
                before=mood_caption(earlier.mood), now=mood_caption(mood)
            )
        )
    else:
        lines.append(_("Mood: {mood}, as before").format(mood=mood_caption(mood)))
    if set(areas) != set(earlier.tags):
        lines.append(
            _("Weighing on you: {areas} (before: {before})").format(
                areas=_areas(areas), before=_areas(earlier.tags)
            )
        )
    else:
        lines.append(_("Weighing on you: {areas}, as before").format(areas=_areas(areas)))
    if note and earlier.helped:
        lines.append(_("What helped: your new words, in place of the earlier ones"))
    elif note:
        lines.append(_("What helped: your words are saved"))
    elif removed and earlier.helped:
        lines.append(_("What helped: the earlier note is removed"))
    elif earlier.helped:
        lines.append(_("What helped: your earlier note is kept"))
    return lines


def _next_streak(last: date | None, streak: int, today: date) -> int:
    if last == today - timedelta(days=1):
        return streak + 1
    return 1
