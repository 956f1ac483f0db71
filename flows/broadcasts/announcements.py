"""`/announcements on|off`: whether a member gets the admins' broadcasts to members who
take announcements. On by default; kept on the member's row, so /export shows it."""

import logging

from flows.core.commands import Command
from flows.core.context import Context
from flows.core.language import N_, _

log = logging.getLogger(__name__)

# What may be typed after /announcements, in English or Spanish.
SWITCH_WORDS = {
    "on": "on",
    "off": "off",
    "activar": "on",
    "activados": "on",
    "sí": "on",
    "si": "on",
    "desactivar": "off",
    "desactivados": "off",
    "no": "off",
}

ON = N_(
    "Announcements are on: when the people who run Hearthside send news to members (a "
    "meeting that moved, say), you'll get it. /announcements off stops them."
)
OFF = N_(
    "Okay — no more announcements. Only the rare message meant for every member still "
    "reaches you. /announcements on brings them back."
)
HOW = N_(
    "Send /announcements on to get the admins' news to members, or /announcements off to stop it."
)


async def announcements_command(ctx: Context) -> None:
    member = ctx.require_member()
    typed = ctx.input.text.strip().lower()
    choice = SWITCH_WORDS.get(typed, typed)
    if choice in ("on", "off"):
        on = choice == "on"
        await ctx.tx.members.set_announcements(member.id, on)
        log.info("announcements member=%s on=%s", member.id, on)
        ctx.say(_(ON if on else OFF))
        return
    now = (
        _("Announcements are on for you.")
        if member.announcements
        else _("Announcements are off for you.")
    )
    said = f"{now} {_(HOW)}"
    ctx.say(_("I didn't catch that.") + " " + said if choice else said)
    ctx.remind_open_question()


ANNOUNCEMENT_COMMANDS = (
    Command(
        "announcements",
        N_("news from the admins on or off (/announcements off)"),
        announcements_command,
    ),
)
