"""The language to write in for someone outside any step: what a channel says itself (an
apology after a fault, the answer to a tap on a question that has passed, a note to an
admin from the channel's own work), and what it reads for them before the engine's step
(an admin's calendar file, whose refusals are texts too)."""

from flows.core.config import FlowConfig
from flows.core.engine import Engine
from flows.core.language import offered_language
from storage import Account, Transaction


async def language_in(
    tx: Transaction, config: FlowConfig, account: Account, app_language: str | None = None
) -> str:
    """`account`'s language: the one its person chose (or started in), else the one their
    app asks for (`app_language`, an IETF tag), else the deployment's default."""
    member = await tx.members.find_by_account(account)
    if member is not None and member.language:
        return member.language
    return offered_language(app_language, config.default_language)


async def language_of(engine: Engine, account: Account, app_language: str | None = None) -> str:
    """`language_in`, in a transaction of its own."""
    async with engine.db.transaction() as tx:
        return await language_in(tx, engine.config, account, app_language)
