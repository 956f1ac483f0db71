"""Replies leave through here: into the outbox, in the same transaction as the change.

One path for every message the engine commits (a step's replies, an alert to several
people, the rate limiter's notice): each becomes an outbox row, a notice is recorded
under it, and the command buttons it offers are remembered for typed words.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from flows.core import notice_keys
from flows.core.channels import Channels
from flows.core.values import Delivery, Reply
from storage import Account, Transaction


@dataclass(frozen=True, slots=True)
class Committed:
    """Replies written to the outbox, waiting for the postman."""

    deliveries: list[Delivery]
    # Who was offered command buttons in them (flows/core/typed_buttons.py).
    offered_to: set[Account]


async def commit_replies(
    tx: Transaction,
    replies: Iterable[tuple[Account, Reply]],
    now: datetime,
    channels: Channels | None = None,
) -> Committed:
    """Write each (recipient, reply) to the outbox, in order.

    On a channel answered by reactions (`channels`), a message asking a question is
    remembered under its question, so a reaction to it can name the question it answers.
    """
    sent = [
        (account, _asking(reply) if channels and channels.of(account).reactions else reply)
        for account, reply in replies
    ]
    deliveries = []
    for account, reply in sent:
        outbox_id = await tx.outbox.add(account, reply.to_json(), now)
        if reply.notice is not None:
            # Known recipients from the start, so a notice can be withdrawn even
            # before it is sent; the channel's message id replaces this on sending.
            await tx.notices.record(account, notice_keys.pending(outbox_id), reply.notice, now)
        deliveries.append(Delivery(outbox_id, account, reply))
    return Committed(deliveries, await _remember_offers(tx, sent, now))


def _asking(reply: Reply) -> Reply:
    if not reply.asks or reply.notice is not None or reply.replaces_notice is not None:
        return reply
    assert reply.token is not None
    return replace(reply, notice=notice_keys.question(reply.token))


async def _remember_offers(
    tx: Transaction, sent: Iterable[tuple[Account, Reply]], now: datetime
) -> set[Account]:
    """Keep the buttons of the command-button messages each person is being sent now,
    in place of those offered them before (flows/core/typed_buttons.py); returns who got any.

    Only commands, labels and emoji are kept, never the messages' text. Edits of
    earlier messages are not new messages and change nothing here.
    """
    offers: dict[Account, list[tuple[tuple[str, str, str], ...]]] = {}
    # In the order the postman sends them: crisis replies first.
    for account, reply in sorted(sent, key=lambda item: not item[1].urgent):
        if reply.has_commands and reply.replaces_notice is None:
            buttons = tuple((c.value, c.label, c.emoji) for c in reply.choices)
            offers.setdefault(account, []).append(buttons)
    for account, messages in offers.items():
        await tx.offered.remember(account, tuple(messages), now)
    return set(offers)
