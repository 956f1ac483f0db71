"""A channel its server paused: admins are told once, on whichever channel they use, and
`/signal_captcha` hands an admin's solved captcha to the channel, which lifts the pause.

Signal pauses an account that sends too much too fast (`RATE_LIMIT_FAILURE`) until a
person solves a captcha. The channel says what happened in its own words
(`tell_admins`), and does the asking itself, outside any transaction; this only checks
that the one asking is an admin and passes their captcha on (`ChannelInfo.captcha`).
"""

import logging

from flows.core import audit
from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.engine import Engine
from flows.core.values import Outcome, Reply
from flows.peer import admin_accounts_of

log = logging.getLogger(__name__)

# The channel `/signal_captcha` speaks to.
SIGNAL = "signal"
CAPTCHA_HOW = (
    "Send /signal_captcha and the captcha link, which starts signalcaptcha:// — you get it "
    "by solving the captcha at https://signalcaptchas.org/challenge/generate.html and "
    "copying where its “Open Signal” link points."
)


async def tell_admins(engine: Engine, text: str) -> Outcome:
    """Commit `text` to every admin, on whichever channel each uses. Sent first and never
    paced, like a crisis reply: it says how to let everything else through again."""
    async with engine.db.transaction() as tx:
        accounts = await admin_accounts_of(tx, engine.config)
    log.info("admins_told_of_pause admins=%d", len(accounts))
    return await engine.send(accounts, Reply(text, urgent=True))


async def signal_captcha(ctx: Context) -> None:
    """`/signal_captcha <signalcaptcha://…>` (admin): lift Signal's pause on sending."""
    challenge = ctx.engine.channels.of(SIGNAL).captcha
    if challenge is None:
        ctx.say("Signal isn't running here, so there is nothing to lift.")
        return
    captcha = ctx.input.text.strip()
    if not captcha.startswith("signalcaptcha://"):
        ctx.say(CAPTCHA_HOW)
        return
    # A change to how the deployment runs, made from chat: recorded (never the captcha).
    audit.admin_action(ctx, "signal.captcha")
    ctx.say(challenge.submit(captcha, ctx.account))


CAPTCHA_COMMANDS = (
    # Hidden: only the pause's alert needs to name it.
    Command(
        "signal_captcha",
        "lift Signal's pause on sending with a solved captcha",
        signal_captcha,
        audience=Audience.ADMIN,
        hidden=True,
        audits=("signal.captcha",),
    ),
)
