"""A channel its server paused: admins are told once, on whichever channel they use, and
`/signal_captcha` hands an admin's solved captcha to the channel, which lifts the pause.

Signal pauses an account that sends too much too fast (`RATE_LIMIT_FAILURE`) until a
person solves a captcha. The channel says what happened in its own words
(`tell_admins`), and does the asking itself, outside any transaction; this only checks
that the one asking is an admin and passes their captcha on (`ChannelInfo.captcha`).
"""

import logging
from collections.abc import Callable

from flows.core import audit
from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.engine import Engine
from flows.core.language import N_, _, speaking
from flows.core.values import Outcome, Reply
from flows.peer import admin_accounts_of
from storage import Account, Transaction

log = logging.getLogger(__name__)

# The channel `/signal_captcha` speaks to.
SIGNAL = "signal"
CAPTCHA_HOW = N_(
    "Send /signal_captcha and the captcha link, which starts signalcaptcha:// — you get it "
    "by solving the captcha at https://signalcaptchas.org/challenge/generate.html and "
    "copying where its “Open Signal” link points."
)


async def tell_admins(engine: Engine, text: str | Callable[[], str]) -> Outcome:
    """Commit `text` to every admin, on whichever channel each uses. Sent first and never
    paced, like a crisis reply: it says how to let everything else through again. Given as
    a function, the text is made once in each language the admins read."""
    async with engine.db.transaction() as tx:
        accounts = await admin_accounts_of(tx, engine.config)
        grouped = await _by_language(tx, engine.config.default_language, accounts)
    log.info("admins_told_of_pause admins=%d", len(accounts))
    if isinstance(text, str):
        return await engine.send(accounts, Reply(text, urgent=True))
    outcome = Outcome()
    for language, readers in grouped.items():
        with speaking(language):
            reply = Reply(text(), urgent=True)
        outcome = outcome.then(await engine.send(readers, reply))
    return outcome


async def _by_language(
    tx: Transaction, default: str, accounts: list[Account]
) -> dict[str, list[Account]]:
    """The admins' accounts grouped by the language each reads (an account in ADMINS with
    no member row reads the deployment's default)."""
    grouped: dict[str, list[Account]] = {}
    for account in accounts:
        member = await tx.members.find_by_account(account)
        language = member.language if member is not None and member.language else None
        grouped.setdefault(language or default, []).append(account)
    return grouped


async def signal_captcha(ctx: Context) -> None:
    """`/signal_captcha <signalcaptcha://…>` (admin): lift Signal's pause on sending."""
    challenge = ctx.engine.channels.of(SIGNAL).captcha
    if challenge is None:
        ctx.say(_("Signal isn't running here, so there is nothing to lift."))
        return
    captcha = ctx.input.text.strip()
    if not captcha.startswith("signalcaptcha://"):
        ctx.say(_(CAPTCHA_HOW))
        return
    # A change to how the deployment runs, made from chat: recorded (never the captcha).
    audit.admin_action(ctx, "signal.captcha")
    ctx.say(challenge.submit(captcha, ctx.account))


CAPTCHA_COMMANDS = (
    # Hidden: only the pause's alert needs to name it.
    Command(
        "signal_captcha",
        N_("lift Signal's pause on sending with a solved captcha"),
        signal_captcha,
        audience=Audience.ADMIN,
        hidden=True,
        audits=("signal.captcha",),
    ),
)
