"""`/talk` from someone who hasn't signed up: one line of consent for the chat alone.

A person who only wants to talk needn't join first. Until they say yes nothing is kept
(the question's buttons are commands, so no conversation is stored for them). Then what
is kept is what a crisis request before sign-up keeps (flows/safety/guard.py): a bare
member row with the account it came from, so the peer's answers reach them, and the
request with its topic, status and times; their words are relayed, never stored. No name,
no check-ins, no reminders; /delete removes it all.
"""

import logging

from flows.core.context import Context
from flows.core.language import N_, _
from flows.core.values import command_choice

log = logging.getLogger(__name__)

CHAT_CONSENT = N_(
    "You can talk with a peer without signing up: I'll keep only this request and a way to "
    "reach you here — never your name, and what you write only until a peer reads it — and "
    "/delete removes it. Okay?"
)
# A command of its own (`/talkconsent`), so that what follows `/talk` is always the
# person's own words about what they'd like to talk about.
CONSENT_COMMAND = "talkconsent"
YES = N_("Yes, find me a peer")
NOT_NOW = N_("Not now")


def ask_consent(ctx: Context) -> None:
    """`/talk` before sign-up: the one line of consent, with its buttons."""
    buttons = (
        command_choice(f"{CONSENT_COMMAND} yes", _(YES), "💬"),
        command_choice("start", _("Sign me up instead"), "🌱"),
        command_choice(f"{CONSENT_COMMAND} no", _(NOT_NOW)),
    )
    ctx.say(_(CHAT_CONSENT), commands=buttons)


async def consented_to_chat(ctx: Context) -> bool:
    """The answer to `ask_consent` (`/talkconsent yes|no`, its buttons): True once the
    person said yes; otherwise they are told that nothing was kept, or asked again."""
    answer = ctx.input.text.strip().casefold()
    if answer == "yes":
        ctx.answered = _(YES)
        member = await ctx.ensure_member()
        log.info("talk_without_sign_up member=%s", member.id)
        return True
    if answer == "no":
        ctx.answered = _(NOT_NOW)
        ctx.say(
            _(
                "Okay — I haven't kept anything. /talk whenever you'd like a person. If things "
                "get hard, these lines are open:\n{lines}"
            ).format(lines=ctx.config.crisis.short_text())
        )
        return False
    ask_consent(ctx)
    return False
