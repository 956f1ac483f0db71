"""/safetyplan: a member's own safety plan, built step by step in chat (Stanley–Brown style).

Seven steps, each skippable and editable later: warning signs; things that help me cope on
my own; people and places that take my mind off things; people I can ask for help; my
reasons for living; professionals and lines to call (the deployment's crisis lines offered
as a start); making my space safer. Each answer is saved as soon as it is given, so
stopping part way (/cancel, a lapse, the crisis guard setting the question aside) keeps
the steps already answered, and /cancel says so.

The plan is its owner's alone: shown to them, first in their crisis replies
(`plan_reminder`), in their /export and gone with /delete; never shown to volunteers or
admins, and never counted. Logs say `safety_plan member=<id> step=<step> action=<what>`,
never its words.
"""

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar, TypedDict

from flows.core.commands import Command
from flows.core.context import Context
from flows.core.flow import Answer, Chosen, Flow
from flows.core.language import N_, _, ngettext
from flows.core.safe_text import said
from flows.core.values import Choice, command_choice
from storage import SafetyPlan

log = logging.getLogger(__name__)

NAME = "safety_plan"
# What one answer may hold: enough for what matters, and a whole plan fits one message.
MAX_CHARS = 300
MAX_ITEMS = 10
# The crisis lines added to step 6, at most (a deployment's own wording may be long).
LINES_MAX_CHARS = 500
# The reminder in a crisis reply: a few lines at most.
REMINDER_ITEMS = 3
REMINDER_CHARS = 160


@dataclass(frozen=True, slots=True)
class Step:
    key: str  # its column in storage
    title: str
    prompt: str


STEPS = (
    Step(
        "warning_signs",
        N_("Warning signs"),
        N_(
            "What tells you a hard time might be starting? Thoughts, feelings, places or "
            "situations — for example: not sleeping, staying in my room, wanting to drink."
        ),
    ),
    Step(
        "coping",
        N_("Things that help me cope on my own"),
        N_(
            "What can you do on your own to get through a hard moment, even a little? For "
            "example: a walk, a hot shower, music, slow breathing."
        ),
    ),
    Step(
        "distractions",
        N_("People and places that take my mind off things"),
        N_(
            "Who or where takes your mind off things? For example: my sister, the café on the "
            "corner, a meeting, the allotment."
        ),
    ),
    Step(
        "people_to_ask",
        N_("People I can ask for help"),
        N_(
            "Who could you ask for help when things are hard? A name and a way to reach them "
            "help when it's hard to think — for example: my sponsor Jo 555 0100."
        ),
    ),
    Step(
        "reasons_for_living",
        N_("My reasons for living"),
        N_(
            "What matters most to you — what would you want to be here for? For example: my "
            "kids, my dog, seeing the sea again."
        ),
    ),
    Step(
        "professionals",
        N_("Professionals and lines to call"),
        N_(
            "Which professionals or lines could you call? A counsellor, a doctor, a clinic — and "
            "the crisis lines."
        ),
    ),
    Step(
        "safer_space",
        N_("Making my space safer"),
        N_(
            "What could make where you are safer when things get hard? For example: asking "
            "someone to keep my medicines for a while, keeping no alcohol at home."
        ),
    ),
)
PROFESSIONALS = "professionals"
# What a crisis reply shows of the plan, in this order, at most two of them.
# Each is a whole bullet line, "{items}" its first few things.
REMINDER = (
    ("reasons_for_living", N_("• Your reasons for living: {items}")),
    ("people_to_ask", N_("• People you can ask for help: {items}")),
    ("coping", N_("• Things that help you cope: {items}")),
)

HOW_TO_ANSWER = N_("Put each thing on its own line, or separate them with commas.")


# Buttons are made when asked, so their labels are in the reader's language; the values
# stay as they are.
def _skip() -> Choice:
    return Choice("skip", _("Skip"))


def _keep() -> Choice:
    return Choice("keep", _("Keep as it is"))


def _clear() -> Choice:
    return Choice("clear", _("Clear this step"))


def _add_lines() -> Choice:
    return Choice("lines", _("Add these lines"), "☎️")


def _done() -> Choice:
    return Choice("done", _("Done"))


def _never_mind() -> Choice:
    return Choice("none", _("Never mind"))


def _view_buttons() -> tuple[Choice, ...]:
    return (
        command_choice("safetyplan edit", _("Edit a step"), "✏️"),
        command_choice("safetyplan new", _("Start over"), "🔄"),
        command_choice("safetyplan delete", _("Delete the plan"), "🗑️"),
    )


CLEAR_VALUE = "clear"
ADD_LINES_VALUE = "lines"
NEVER_MIND_VALUE = "none"

INTRO = N_(
    "A safety plan is a short list, in your own words, for when things get hard: the signs "
    "to look out for, what helps, and who to reach. There are 7 steps; you can skip any of "
    "them and change any of them later. It's yours alone — volunteers and admins never see "
    "it. When I share the crisis lines with you, I'll show you the heart of it first."
)
FOOTER = N_(
    "Only you can see this. When I share the crisis lines with you, I'll show what it "
    "says first. /safetyplan brings it back any time."
)
OFFER = N_(
    "When you feel up to it, a safety plan can help with harder moments — your own short "
    "list of what helps and who to reach: /safetyplan"
)
# Said on every channel, buttons or numbered lines: "choose" fits both.
NOT_AN_OPTION = N_(
    "That number isn't one of the options — choose one of them, or type a few words of your own."
)
NOTHING_HEARD = N_(
    "I didn't catch anything there — type a few words, or choose one of the options."
)
_TOO_LONG = N_(
    "That's a lot for one step — could you keep it under {max_chars} characters? The "
    "things that matter most are enough, and you can change it any time."
)
_TOO_MANY = N_(
    "That's more than {max_items} things for one step — could you choose the ones that "
    "matter most? You can change it any time."
)
# As English readers see them.
TOO_LONG = _TOO_LONG.format(max_chars=MAX_CHARS)
TOO_MANY = _TOO_MANY.format(max_items=MAX_ITEMS)

# A bullet or number someone typed or pasted in front of an item: "• ", "- ", "2) ".
_BULLET = re.compile(r"^\s*(?:[•·*\-–]|\d{1,2}[.)])\s+")


def parse_items(text: str) -> tuple[str, ...] | str:
    """The items of one typed answer, or a kind hint saying what to change (in the
    language being spoken).

    Items are one a line when the answer has several lines (so a comma inside a line
    stays), else separated by commas. Spacing is tidied; repeats are dropped.
    """
    text = text.strip()
    if text.isdecimal() and len(text) <= 2:
        return _(NOT_AN_OPTION)  # a mistyped option number, not a phone number
    if len(text) > MAX_CHARS:
        return _(_TOO_LONG).format(max_chars=MAX_CHARS)
    lines = [line for line in text.split("\n") if line.strip()]
    parts = lines if len(lines) > 1 else text.split(",")
    cleaned = (" ".join(_BULLET.sub("", part).split()) for part in parts)
    items = tuple(dict.fromkeys(item for item in cleaned if item))
    if not items:
        return _(NOTHING_HEARD)
    if len(items) > MAX_ITEMS:
        return _(_TOO_MANY).format(max_items=MAX_ITEMS)
    return items


def plan_text(plan: SafetyPlan) -> str:
    """The whole plan, step by step, as its owner sees it."""
    parts = [_("🧭 Your safety plan")]
    for number, step in enumerate(STEPS, 1):
        items = plan.items(step.key)
        body = "\n".join(f"• {item}" for item in items) if items else _("(nothing here yet)")
        parts.append(f"{number}. {_(step.title)}\n{body}")
    return "\n\n".join(parts)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def plan_reminder(ctx: Context) -> str | None:
    """A few lines of this person's own plan for their crisis reply, or None.

    Their reasons for living and the people they can ask come first. Never fails: a crisis
    reply must go out whatever state the plan is in (or the catalogs are in), and a bare
    row has no plan.
    """
    if ctx.member is None:
        return None
    try:
        plan = await ctx.tx.safety_plans.get(ctx.member.id)
    except Exception:  # the crisis reply matters more than the reminder in it
        log.exception("plan_reminder_failed member=%s", ctx.member.id)
        return None
    if plan is None:
        return None
    lines: list[str] = []
    for key, label in REMINDER:
        items = plan.items(key)
        if items:
            shown = ", ".join(items[:REMINDER_ITEMS]) + (
                ", …" if len(items) > REMINDER_ITEMS else ""
            )
            lines.append(said(label, items=_shorten(shown, REMINDER_CHARS)))
        if len(lines) == 2:
            break
    return said(N_("Your plan says:")) + "\n" + "\n".join(lines) if lines else None


async def plan_offer(ctx: Context) -> str | None:
    """A sentence offering /safetyplan to a member who may build one and has none yet."""
    member = ctx.member
    if member is None or not member.is_onboarded:
        return None
    plan = await ctx.tx.safety_plans.get(member.id)
    return said(OFFER) if plan is None or not plan.filled else None


def _crisis_line_items(ctx: Context) -> tuple[str, ...]:
    """The deployment's crisis lines, one item each, as a start for step 6."""
    items: list[str] = []
    total = 0
    for line in ctx.config.crisis.lines_text().split("\n"):
        item = " ".join(_BULLET.sub("", line).split())
        if not item:
            continue
        total += len(item)
        if total > LINES_MAX_CHARS:
            break
        items.append(item)
    return tuple(items)


async def _plan(ctx: Context) -> SafetyPlan | None:
    return await ctx.tx.safety_plans.get(ctx.require_member().id)


async def _save(ctx: Context, key: str, items: tuple[str, ...], action: str) -> None:
    member = ctx.require_member()
    await ctx.tx.safety_plans.save_step(member.id, key, items, now=ctx.now)
    SafetyPlanFlow.data(ctx)["changed"] = True
    log.info("safety_plan member=%s step=%s action=%s", member.id, key, action)


async def _show(ctx: Context, lead: str = "") -> None:
    plan = await _plan(ctx)
    if plan is None or not plan.filled:
        ctx.say(lead + _("Your safety plan has nothing in it yet. /safetyplan builds it."))
        return
    ctx.say(f"{lead}{plan_text(plan)}\n\n{_(FOOTER)}", commands=_view_buttons())


class SafetyPlanData(TypedDict, total=False):
    mode: str  # the way in: "build", "edit", "restart" or "delete"
    index: int  # the step of STEPS being asked
    changed: bool  # whether anything was saved on the way


class SafetyPlanFlow(Flow[SafetyPlanData]):
    """Building the plan (every step in turn), editing one step, or deleting it."""

    name = NAME
    title = N_("safety plan")
    timeout: ClassVar[timedelta] = timedelta(hours=12)

    async def begin(self, ctx: Context) -> None:
        pass  # the command says which way in (build, edit, delete) and asks the first question

    @staticmethod
    async def ask_step(ctx: Context, index: int) -> None:
        step = STEPS[index]
        SafetyPlanFlow.data(ctx)["index"] = index
        editing = SafetyPlanFlow.data(ctx)["mode"] == "edit"
        plan = await _plan(ctx)
        current = plan.items(step.key) if plan is not None else ()
        heading = _("Step {number} of {total} — {title}").format(
            number=index + 1, total=len(STEPS), title=_(step.title)
        )
        text = f"{heading}\n{_(step.prompt)}"
        if index == 0 or editing:  # said once on the way through
            text += f" {_(HOW_TO_ANSWER)}"
        choices: list[Choice] = []
        if step.key == PROFESSIONALS:
            text += "\n\n{where}\n{lines}\n\n{choose}".format(
                where=_("The lines where Hearthside runs:"),
                lines=ctx.config.crisis.lines_text(),
                choose=_("Choose “Add these lines” to put them in your plan, or type your own."),
            )
            choices.append(_add_lines())
        if editing and current:
            listed = "\n".join(f"• {item}" for item in current)
            text += "\n\n" + _(
                "Right now it says:\n{listed}\n\nType the new version — it takes the "
                "place of this one — or choose below."
            ).format(listed=listed)
            choices += [_keep(), _clear()]
        else:
            choices.append(_skip())
        ctx.ask(SafetyPlanFlow.on_step, text, choices, free_text=True)

    async def on_step(self, ctx: Context, answer: Answer) -> None:
        step = STEPS[int(self.data(ctx)["index"])]
        if answer.choice is not None:
            value = answer.choice.value
            if value == ADD_LINES_VALUE:
                await _save(ctx, step.key, _crisis_line_items(ctx), "lines")
                ctx.ask(
                    self.on_more,
                    _(
                        "I've added them. Is there anyone else you'd call — a counsellor, a "
                        "doctor, a clinic? Type them, or choose Done. {how_to_answer}"
                    ).format(how_to_answer=_(HOW_TO_ANSWER)),
                    [_done()],
                    free_text=True,
                )
                return
            if value == CLEAR_VALUE:
                await _save(ctx, step.key, (), "cleared")
            await self._after_step(ctx)  # Skip and Keep change nothing
            return
        items = parse_items(answer.text)
        if isinstance(items, str):
            ctx.reask(items)
            return
        await _save(ctx, step.key, items, "saved")
        await self._after_step(ctx)

    async def on_more(self, ctx: Context, answer: Answer) -> None:
        if answer.choice is None:
            items = parse_items(answer.text)
            if isinstance(items, str):
                ctx.reask(items)
                return
            plan = await _plan(ctx)
            lines = plan.items(PROFESSIONALS) if plan is not None else ()
            await _save(ctx, PROFESSIONALS, tuple(dict.fromkeys((*lines, *items))), "saved")
        await self._after_step(ctx)

    async def _after_step(self, ctx: Context) -> None:
        index = int(self.data(ctx)["index"])
        if self.data(ctx)["mode"] == "build" and index + 1 < len(STEPS):
            await self.ask_step(ctx, index + 1)
            return
        built, changed = self.data(ctx)["mode"] == "build", bool(self.data(ctx).get("changed"))
        ctx.finish()
        plan = await _plan(ctx)
        if plan is None or not plan.filled:
            ctx.say(
                _(
                    "You skipped every step, so nothing is saved yet — and that's okay. "
                    "Whenever you'd like, /safetyplan starts again."
                )
                if built
                else _(
                    "Your safety plan has nothing in it now. /safetyplan builds it again "
                    "whenever you'd like."
                )
            )
            return
        if built:
            lead = _("That's your safety plan, saved. 💛") + "\n\n"
        else:
            lead = (_("Saved. 💛") if changed else _("Nothing changed.")) + "\n\n"
        await _show(ctx, lead=lead)

    async def on_pick(self, ctx: Context, answer: Chosen) -> None:
        if answer.choice.value == NEVER_MIND_VALUE:
            ctx.finish()
            ctx.say(_("Okay, your plan is as it was. /safetyplan shows it any time."))
            return
        await self.ask_step(ctx, int(answer.choice.value) - 1)

    async def on_delete(self, ctx: Context, answer: Chosen) -> None:
        ctx.finish()
        if answer.choice.value != "delete":
            ctx.say(_("Okay, your safety plan stays as it is."))
            return
        await _delete_plan(ctx, "deleted")
        ctx.say(
            _(
                "Done — your safety plan is deleted. /safetyplan builds a new one whenever "
                "you'd like."
            )
        )

    async def on_restart(self, ctx: Context, answer: Chosen) -> None:
        if answer.choice.value != "restart":
            ctx.finish()
            ctx.say(_("Okay, your safety plan stays as it is."))
            return
        await _delete_plan(ctx, "restarted")
        self.data(ctx).update({"mode": "build", "changed": False})
        ctx.say(_("Okay — a fresh start."))
        await self.ask_step(ctx, 0)


async def _delete_plan(ctx: Context, action: str) -> None:
    member = ctx.require_member()
    await ctx.tx.safety_plans.delete(member.id)
    # Its words leave the disk too, not only the table (storage/database.py).
    await ctx.tx.wipe_after_commit()
    log.info("safety_plan member=%s action=%s", member.id, action)


async def cancelled(ctx: Context) -> str:
    """What /cancel says when it stops the plan's conversation: truthfully, what is kept."""
    mode = SafetyPlanFlow.data(ctx).get("mode")
    if mode == "build":
        plan = await _plan(ctx)
        filled = plan.filled if plan is not None else 0
        if not filled:
            return _(
                "Okay, I've stopped. Nothing was saved yet — /safetyplan whenever you'd like "
                "to begin."
            )
        return ngettext(
            "Okay, I've stopped here. Your plan keeps the step you've filled in so far — "
            "/safetyplan shows it, and you can add the rest any time.",
            "Okay, I've stopped here. Your plan keeps the {count} steps you've filled in so "
            "far — /safetyplan shows it, and you can add the rest any time.",
            filled,
        ).format(count=filled)
    if SafetyPlanFlow.data(ctx).get("changed"):
        return _("Okay, I've stopped. What you changed is saved — /safetyplan shows your plan.")
    return _("Okay, I've stopped. Your safety plan is as it was.")


def _step_number(text: str) -> int | None:
    return int(text) - 1 if text.isdecimal() and 1 <= int(text) <= len(STEPS) else None


async def safety_plan(ctx: Context) -> None:
    """`/safetyplan` shows the plan (or builds one); `edit [step]`, `new`, `delete`."""
    member = ctx.require_member()
    word, _space, rest = ctx.input.text.strip().casefold().partition(" ")
    state = ctx.state
    if not word and state is not None and state.flow == NAME and state.question is not None:
        ctx.remind_open_question()
        return
    plan = await ctx.tx.safety_plans.get(member.id)
    if plan is None or not plan.filled:
        if word == "delete":
            ctx.say(
                _(
                    "You don't have a safety plan, so there's nothing to delete. /safetyplan "
                    "builds one whenever you'd like."
                )
            )
            ctx.remind_open_question()
            return
        await ctx.start_flow(NAME)
        SafetyPlanFlow.data(ctx).update({"mode": "build", "changed": False})
        ctx.say(_(INTRO))
        await SafetyPlanFlow.ask_step(ctx, 0)
        return
    if word == "edit":
        await ctx.start_flow(NAME)
        SafetyPlanFlow.data(ctx).update({"mode": "edit", "changed": False})
        index = _step_number(rest.strip())
        if index is not None:
            await SafetyPlanFlow.ask_step(ctx, index)
            return
        ctx.ask(
            SafetyPlanFlow.on_pick,
            _("Which step would you like to change?"),
            [*(Choice(str(n), _(step.title)) for n, step in enumerate(STEPS, 1)), _never_mind()],
        )
        return
    if word in ("new", "delete"):
        await ctx.start_flow(NAME)
        SafetyPlanFlow.data(ctx).update(
            {"mode": "restart" if word == "new" else "delete", "changed": False}
        )
        if word == "new":
            ctx.ask(
                SafetyPlanFlow.on_restart,
                _(
                    "Start over? What your plan says now will be cleared, and we'll build it "
                    "again from step 1."
                ),
                [Choice("restart", _("Yes, start over")), Choice("keep", _("No, keep my plan"))],
            )
        else:
            ctx.ask(
                SafetyPlanFlow.on_delete,
                _(
                    "Delete your safety plan? All of it goes, and it can't be undone. (If "
                    "you'd like a copy first, choose No and send /export.)"
                ),
                [Choice("delete", _("Yes, delete it")), Choice("keep", _("No, keep it"))],
            )
        return
    await _show(ctx)
    ctx.remind_open_question()


SAFETY_PLAN_COMMANDS = (
    Command("safetyplan", N_("your own safety plan, for harder moments"), safety_plan),
)
