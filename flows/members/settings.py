"""/settings: change the chosen name, time zone or reminder time, or go on to milestones
(/milestones, the member's own recovery date)."""

from datetime import timedelta
from typing import ClassVar, Literal

from flows.checkins import Milestones, milestones_setting
from flows.core.context import Context
from flows.core.flow import Answer, Chosen, Flow
from flows.core.language import N_, _
from flows.core.local_time import timezone_choices, zone_confirmation
from flows.core.parsing import timezone_label
from flows.core.values import Choice
from flows.members.onboarding import (
    PROMPT_TIME_QUESTION,
    TIMEZONE_QUESTION,
    PseudonymData,
    apply_prompt_time,
    apply_pseudonym,
    apply_timezone,
    ask_pseudonym,
    prompt_time_choices,
    schedule_summary,
)

Setting = Literal["pseudonym", "timezone", "prompt_time"]


class SettingsData(PseudonymData, total=False):
    saved: list[Setting]  # what this visit to /settings has changed (each saved at once)


MENU = (
    Choice("pseudonym", N_("Chosen name")),
    Choice("timezone", N_("Time zone")),
    Choice("prompt_time", N_("Reminder time")),
    Choice("milestones", N_("Milestones")),
    Choice("done", N_("Done")),
)


def and_list(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c', in the language being spoken."""
    if len(items) == 1:
        return items[0]
    return _("{items} and {last}").format(items=", ".join(items[:-1]), last=items[-1])


class SettingsFlow(Flow[SettingsData]):
    """A member's own settings (not to be confused with `bot.settings.Settings`, the
    deployment's)."""

    name = "settings"
    title = N_("settings")
    timeout: ClassVar[timedelta] = timedelta(hours=1)

    async def begin(self, ctx: Context) -> None:
        await self._menu(ctx, "")

    async def _menu(self, ctx: Context, lead: str) -> None:
        """The settings as they are; `lead`, what to say first, ending in a space or a
        blank line ("Saved. ")."""
        member = ctx.require_member()
        reminder = member.prompt_time or _("none")
        ctx.ask(
            self.on_menu,
            lead
            + _("Your settings:")
            + "\n"
            + _("• Name: {name}").format(name=member.pseudonym)
            + "\n"
            + _("• Time zone: {zone}").format(zone=timezone_label(member.timezone))
            + "\n"
            + _("• Daily reminder: {time}").format(time=reminder)
            + "\n"
            + _("• Milestones: {milestones}").format(
                milestones=await milestones_setting(ctx.tx, member, ctx.now)
            )
            + "\n\n"
            + _("What would you like to change?"),
            [Choice(choice.value, _(choice.label)) for choice in MENU],
            columns=2,
        )

    async def on_menu(self, ctx: Context, answer: Chosen) -> None:
        choice = answer.choice.value
        if choice == "done":
            ctx.finish()
            ctx.say(_("All saved. 👍"))
        elif choice == "milestones":
            # Its own conversation, with its own confirmations; what was changed here is
            # saved already.
            ctx.finish()
            await ctx.start_flow(Milestones.name)
        elif choice == "pseudonym":
            ask_pseudonym(ctx, self)
        elif choice == "timezone":
            member = ctx.require_member()
            ctx.ask(
                self.on_timezone,
                _(TIMEZONE_QUESTION),
                timezone_choices(member.timezone),
                columns=2,
                free_text=True,
            )
        else:
            ctx.ask(
                self.on_prompt_time,
                _(PROMPT_TIME_QUESTION),
                prompt_time_choices(),
                columns=2,
                free_text=True,
                numbered=False,  # "4" is 04:00, not the fourth option
            )

    async def on_pseudonym(self, ctx: Context, answer: Answer) -> None:
        if await apply_pseudonym(ctx, self, answer) is not None:
            self._saved(ctx, "pseudonym")
            await self._menu(ctx, _("Saved.") + " ")

    async def on_timezone(self, ctx: Context, answer: Answer) -> None:
        zone = await apply_timezone(ctx, answer, step=self.on_timezone)
        if zone is not None:
            self._saved(ctx, "timezone")
            await self._menu(ctx, f"{_('Saved.')} {zone_confirmation(zone, ctx.now)}\n\n")

    async def on_prompt_time(self, ctx: Context, answer: Answer) -> None:
        if await apply_prompt_time(ctx, answer):
            self._saved(ctx, "prompt_time")
            member = ctx.require_member()
            await self._menu(
                ctx, f"{_('Saved.')} {schedule_summary(member.prompt_time, member.timezone)}\n\n"
            )

    def _saved(self, ctx: Context, setting: Setting) -> None:
        saved = self.data(ctx).setdefault("saved", [])
        if setting not in saved:
            saved.append(setting)

    async def cancelled(self, ctx: Context) -> str:
        # Each change is saved as it is made: /cancel stops the menu, not those.
        saved = self.data(ctx).get("saved", [])
        if not saved:
            return _("Okay, I've closed your settings. Nothing was changed.")
        member = ctx.require_member()
        what = {
            "pseudonym": _("your name ({name})").format(name=member.pseudonym),
            "timezone": _("your time zone ({zone})").format(zone=member.timezone),
            "prompt_time": _("your reminder time ({time})").format(
                time=member.prompt_time or _("none")
            ),
        }
        listed = and_list([what[setting] for setting in saved])
        return _("Okay, I've closed your settings. What you changed is saved: {changes}.").format(
            changes=listed
        )
