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
from flows.core.values import command_choice

log = logging.getLogger(__name__)

CHAT_CONSENT = (
    "You can talk with a peer without signing up: I'll keep only this request and a way to "
    "reach you here — never your name or what you write — and /delete removes it. Okay?"
)
CONSENT_BUTTONS = (
    command_choice("talk yes", "Yes, find me a peer", "💬"),
    command_choice("start", "Sign me up instead", "🌱"),
    command_choice("talk no", "Not now"),
)


async def consented_to_chat(ctx: Context) -> bool:
    """`/talk` before sign-up: True once the person said yes (`/talk yes`, its button);
    otherwise they are asked, or told that nothing was kept."""
    answer = ctx.input.text.strip().casefold()
    if answer == "yes":
        ctx.answered = "Yes, find me a peer"
        member = await ctx.ensure_member()
        log.info("talk_without_sign_up member=%s", member.id)
        return True
    if answer == "no":
        ctx.answered = "Not now"
        ctx.say(
            "Okay — I haven't kept anything. /talk whenever you'd like a person. If things "
            f"get hard, these lines are open:\n{ctx.config.crisis_resources}"
        )
        return False
    ctx.say(CHAT_CONSENT, commands=CONSENT_BUTTONS)
    return False
