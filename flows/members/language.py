"""`/language`: the language Hearthside speaks to a person, changed at any time. Kept on
their member row (so /export shows it); their command menu follows it."""

import logging

from flows.core.commands import Command
from flows.core.context import Context
from flows.core.language import N_, SHIPPED, _, speaking
from flows.core.menus import show_own_menu
from flows.core.values import command_choice

log = logging.getLogger(__name__)

# Each language's own name says it in that language, so anyone can find theirs.
CHANGED = N_("Okay — I'll speak English with you from now on. /language changes it again.")
WHICH = N_("Which language would you like me to use? You can change it any time with /language.")
UNKNOWN = N_("I don't speak that language yet. These are the ones I can use:")


def _chosen(typed: str) -> str | None:
    words = typed.strip().casefold()
    for code, name in SHIPPED.items():
        if words in (code, name.casefold(), name.casefold().replace("ñ", "n")):
            return code
    return None


async def language_command(ctx: Context) -> None:
    member = await ctx.ensure_member()
    typed = ctx.input.text
    chosen = _chosen(typed) if typed.strip() else None
    if chosen is not None:
        await ctx.tx.members.set_language(member.id, chosen)
        log.info("language_changed member=%s language=%s", member.id, chosen)
        await ctx.reload_member()
        ctx.speak_own_language()
        ctx.say(_(CHANGED))
        await show_own_menu(ctx)
        return
    buttons = [command_choice(f"language {code}", name) for code, name in SHIPPED.items()]
    ctx.say(_(UNKNOWN if typed.strip() else WHICH), commands=buttons)
    ctx.remind_open_question()


def language_names() -> str:
    """Every language offered, each in its own words (the sign-up's welcome lists them)."""
    with speaking("en"):
        return " · ".join(SHIPPED.values())


LANGUAGE_COMMANDS = (Command("language", N_("the language I speak with you"), language_command),)
