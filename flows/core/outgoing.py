"""Replies leave through here: into the outbox, in the same transaction as the change.

One path for every message the engine commits (a step's replies, an alert to several
people, the rate limiter's notice): each becomes an outbox row, a notice is recorded
under it, and the command buttons it offers are remembered for typed words.

Words that are never to be stored (`Reply.transient_text`: what a peer chat passes on, an
invite code) are left out of the row and held in memory instead (`HeldWords`), for the
postman, for as long as it may still try to send them; once they are gone the row can only
be dropped (flows/core/delivery.py says what the sender is told).
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flows.core import notice_keys
from flows.core.channels import Channels
from flows.core.clock import Clock
from flows.core.values import Delivery, Reply
from storage import Account, Transaction

# How long words that are never stored are held for a send that keeps failing: long enough
# to ride out a network blip or a channel's brief outage, short enough that a peer chat's
# message is not delivered long after the conversation moved on.
HOLD_WORDS_FOR = timedelta(minutes=10)


class HeldWords:
    """The words of transient replies waiting in the outbox, in this process's memory only.

    Kept under each reply's random `held_as` key from the moment it is committed until it
    is sent, dropped, or `HOLD_WORDS_FOR` has passed; a restart forgets them all.
    """

    def __init__(self, clock: Clock, *, keep: timedelta = HOLD_WORDS_FOR) -> None:
        self._clock = clock
        self._keep = keep
        self._held: dict[str, tuple[Reply, datetime]] = {}

    def hold(self, reply: Reply) -> Reply:
        """Keep `reply`'s words; returns it with the key they are kept under."""
        held = replace(reply, held_as=secrets.token_hex(12))
        assert held.held_as is not None
        self._held[held.held_as] = (held, self._clock.now() + self._keep)
        return held

    def words_for(self, stored: Reply) -> Reply | None:
        """The whole reply an outbox row stands for, if its words are still held."""
        if stored.held_as is None:
            return None
        found = self._held.get(stored.held_as)
        if found is None:
            return None
        reply, until = found
        if self._clock.now() >= until:
            del self._held[stored.held_as]
            return None
        return reply

    def release(self, reply: Reply) -> None:
        """Forget the words of a reply that was sent or dropped."""
        if reply.held_as is not None:
            self._held.pop(reply.held_as, None)

    def keep_only(self, keys: Iterable[str]) -> None:
        """Forget the words of every reply but these (the rest left the outbox some other way,
        e.g. their sender deleted their data), and of any held too long."""
        wanted = set(keys)
        now = self._clock.now()
        for key in [k for k, (_r, until) in self._held.items() if k not in wanted or now >= until]:
            del self._held[key]

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self._held)

    def __len__(self) -> int:
        return len(self._held)


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
    held: HeldWords,
    channels: Channels | None = None,
) -> Committed:
    """Write each (recipient, reply) to the outbox, in order; transient words go to `held`.

    On a channel answered by reactions (`channels`), a message asking a question is
    remembered under its question, so a reaction to it can name the question it answers.
    """
    sent = [
        (account, _asking(reply) if channels and channels.of(account).reactions else reply)
        for account, reply in replies
    ]
    deliveries = []
    for account, reply in sent:
        if reply.transient_text:
            reply = held.hold(reply)
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
