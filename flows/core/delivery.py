"""Delivering committed replies through the channels, and what happens when that fails.

Channels implement `Channel.send`; the `Postman` sends outbox rows in order,
deletes the delivered ones, keeps the ones worth retrying, and marks a member
who blocked the bot as unreachable so nothing more is sent to them.

A reply whose words are never stored (what a peer chat passes on) is sent from the
words held in memory (`HeldWords`), however often it is retried. Once they are gone (the
process restarted, or they were held as long as they may be) or the message is given up
on, it is not sent without them: the person who wrote it is told, kindly and without
the words, that it couldn't be delivered, and asked to send it again.
"""

import enum
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from flows.core import notice_keys
from flows.core.clock import Clock
from flows.core.inbox import UpdateKey
from flows.core.language import SOURCE_LANGUAGE, _, ngettext, speaking
from flows.core.outgoing import HeldWords, commit_replies
from flows.core.values import Delivery, Menu, Reply
from storage import Account, Database, Transaction

log = logging.getLogger(__name__)

# A message that still fails after this many sweeps is given up on.
MAX_ATTEMPTS = 20


def undelivered_text(name: str, count: int = 1, *, edit: bool = False) -> str:
    """What someone whose relayed message to `name` could not be delivered is told."""
    if edit:
        return _(
            "I'm sorry — I couldn't pass on your change to a message to {name}, so they "
            "still see it as it was. If it matters, please send it again as a new message."
        ).format(name=name)
    return ngettext(
        "I'm sorry — I couldn't deliver your message to {name}. Words in peer chats are never "
        "stored, so I can't send it for you later: please send it again. 💛",
        "I'm sorry — I couldn't deliver {count} of your messages to {name}. Words in peer "
        "chats are never stored, so I can't send them for you later: please send them "
        "again. 💛",
        count,
    ).format(count=count, name=name)


def undelivered_notices(
    replies: Iterable[Reply], languages: Mapping[Account, str] | None = None
) -> list[tuple[Account, Reply]]:
    """For relayed replies that will never be sent: one word to each sender per recipient,
    in the sender's language (`languages`; English for anyone not in it)."""
    counts: dict[tuple[Account, str, bool], int] = {}
    for reply in replies:
        if reply.relayed_from is None:
            continue
        edit = reply.replaces_notice is not None
        key = (reply.relayed_from.sender, reply.relayed_from.recipient_name, edit)
        counts[key] = counts.get(key, 0) + 1
    notices = []
    for (sender, name, edit), count in counts.items():
        with speaking((languages or {}).get(sender, SOURCE_LANGUAGE)):
            notices.append((sender, Reply(undelivered_text(name, count, edit=edit))))
    return notices


class SendResult(enum.Enum):
    SENT = "sent"
    BLOCKED = "blocked"  # the person blocked the bot or deleted their account
    RETRY = "retry"  # a network or server problem: try again later
    REJECTED = "rejected"  # the channel will never accept this message
    # The channel holds its scheduled sends for now (its server paused it until a person
    # lifts a limit): kept for later, and not counted as a failed attempt.
    HELD = "held"
    # The channel cannot tell whether it went out (the request left, no answer came in
    # time): sending it again could show it twice, so it is settled as sent, not retried.
    # A channel answers RETRY instead for a crisis message, where a repeat is the lesser harm.
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True, slots=True)
class Sent:
    result: SendResult
    # The channel's id for the message it created (to edit it or recognise replies).
    message_ref: str | None = None
    # Where it went in several pieces (Signal cuts long bodies), each one's own id: a reply
    # to any of them is a reply to the message; `message_ref` names them all, for edits.
    parts: tuple[str, ...] = ()


class Channel(Protocol):
    name: str

    async def send(self, external_id: str, reply: Reply) -> Sent: ...

    async def edit(self, external_id: str, message_ref: str, reply: Reply) -> SendResult:
        """Replace a sent message's text and buttons (a notice that was taken)."""
        ...


@runtime_checkable
class MenuChannel(Protocol):
    """A channel that shows each chat a command menu (`ChannelInfo.menus`)."""

    async def set_menu(self, external_id: str, menu: Menu) -> SendResult:
        """Show this chat `menu`'s commands. A refusal is never a reason to think the
        person unreachable: a menu is no message."""
        ...


class Queue(Protocol):
    """A channel's own queue for sends it paces (Signal's proactive sends): it takes a
    delivery to send later, through this postman again, so nobody waits for its pace."""

    def take(self, delivery: Delivery) -> bool:
        """True if queued (the postman goes on without it); False: send it now."""
        ...


async def mark_unreachable(tx: Transaction, account: Account, now: datetime) -> int | None:
    """Nothing more goes to `account`: what waits for it is dropped and its member (if
    any) marked unreachable. Returns that member's id."""
    await tx.outbox.drop_for_account(account)
    member = await tx.members.find_by_account(account)
    if member is None:
        return None
    await tx.members.mark_unreachable(member.id, now=now)
    log.info("member_unreachable member=%s channel=%s", member.id, account.channel)
    return member.id


class Postman:
    def __init__(self, db: Database, clock: Clock, *, held: HeldWords) -> None:
        """`held`: the words the engine whose replies this postman sends holds for them
        (`Engine.held`)."""
        self._db = db
        self._clock = clock
        self._held = held
        self._channels: dict[str, Channel] = {}
        self._queues: dict[str, Queue] = {}
        self._in_flight: set[int] = set()
        # Called with a member's id once they are found unreachable (blocked the bot),
        # so open peer chats can close and the other side be told.
        self.on_unreachable: Callable[[int], Awaitable[None]] | None = None

    def register(self, channel: Channel, *, queue: Queue | None = None) -> None:
        """`queue`: where the channel's paced sends wait their turn (`Queue`), if it has one."""
        self._channels[channel.name] = channel
        if queue is not None:
            self._queues[channel.name] = queue

    def channel(self, name: str) -> Channel | None:
        """The running channel `name`, for work with a queue of its own (a broadcast's)."""
        return self._channels.get(name)

    async def unreachable(self, account: Account, *, dedupe: UpdateKey | None = None) -> None:
        """The channel says `account` can't be reached any more (the person blocked the bot
        or left): nothing more is sent to them and their peer chats close. With `dedupe`
        (the channel's update saying so), this happens once however often it arrives."""
        async with self._db.transaction() as tx:
            if dedupe is not None and not await tx.inbox.mark_applied(*dedupe, self._clock.now()):
                return
            member_id = await mark_unreachable(tx, account, self._clock.now())
        if member_id is not None and self.on_unreachable is not None:
            await self.on_unreachable(member_id)

    async def is_member(self, account: Account) -> bool:
        """Whether `account` is a member's: someone who wrote to Hearthside and joined (a
        channel that must not write first asks this before a scheduled send)."""
        async with self._db.single_statement() as tx:
            return await tx.members.find_by_account(account) is not None

    async def deliver(self, deliveries: Iterable[Delivery]) -> None:
        """Send now, in order, what an engine call just committed for live channels."""
        items = [d for d in deliveries if d.account.channel in self._channels]
        if not items:
            return
        # Crisis replies go first, whatever else the same change produced.
        items.sort(key=lambda d: not d.reply.urgent)
        delivered: list[int] = []
        retry: list[int] = []
        blocked: set[Account] = set()
        notices: list[tuple[Account, Sent, int]] = []
        for item in items:
            if item.account in blocked or item.outbox_id in self._in_flight:
                continue
            queue = self._queues.get(item.account.channel)
            if queue is not None and queue.take(item):
                continue  # its channel's queue sends it in its turn; the row waits till then
            self._in_flight.add(item.outbox_id)
            try:
                sent = await self._send(item)
            finally:
                self._in_flight.discard(item.outbox_id)
            if sent.result is SendResult.RETRY:
                retry.append(item.outbox_id)  # its words, if any, stay held for the retry
                continue
            if sent.result is SendResult.HELD:
                continue  # kept as it is, words and all, until the channel sends again
            if sent.result is SendResult.UNCONFIRMED:
                log.warning("delivery_unconfirmed outbox=%s", item.outbox_id)
            self._held.release(item.reply)
            if sent.result is SendResult.BLOCKED:
                blocked.add(item.account)
                continue
            delivered.append(item.outbox_id)
            if sent.message_ref is not None and item.reply.notice is not None:
                notices.append((item.account, sent, item.outbox_id))
        await self._settle(delivered, retry, blocked, notices)

    async def _send(self, item: Delivery) -> Sent:
        channel = self._channels[item.account.channel]
        reply = item.reply
        if reply.lost_text:
            # Its words were never stored and are no longer held: never sent without them.
            log.info("delivery_dropped outbox=%s reason=text_not_stored", item.outbox_id)
            return Sent(SendResult.REJECTED)
        if reply.menu is not None:
            if not isinstance(channel, MenuChannel):
                return Sent(SendResult.SENT)  # no menus here: nothing to show
            return Sent(await channel.set_menu(item.account.external_id, reply.menu))
        if reply.replaces_notice is None:
            return await channel.send(item.account.external_id, reply)
        async with self._db.single_statement() as tx:
            refs = await tx.notices.refs(item.account, reply.replaces_notice)
        result = SendResult.SENT  # nothing left to edit is nothing to do
        for ref in refs:
            result = await channel.edit(item.account.external_id, ref, reply)
            if result is SendResult.RETRY:
                break
        if reply.withdraw and result is not SendResult.RETRY:
            # Withdrawn for good: nothing is left to edit or to match replies to.
            async with self._db.single_statement() as tx:
                await tx.notices.forget_sent(item.account, reply.replaces_notice)
        return Sent(result)

    async def drain(
        self, channel: str, *, min_age: timedelta = timedelta(0), limit: int = 500
    ) -> int:
        """Send what is left in the outbox for `channel` (after a restart or a failure).

        `min_age` leaves alone rows so new that their own handler may still be sending them.
        """
        if channel not in self._channels:
            return 0
        held = self._held.keys
        async with self._db.transaction() as tx:
            rows = await tx.outbox.pending(
                channel, created_before=self._clock.now() - min_age, limit=limit
            )
            # Words held for rows that left the outbox some other way (their sender deleted
            # their data, their recipient blocked the bot) are let go too.
            still = await tx.outbox.holding(held)
        self._held.keep_only(still | (self._held.keys - held))
        deliveries: list[Delivery] = []
        lost: list[tuple[int, Reply]] = []
        for row in rows:
            if row.id in self._in_flight:
                continue
            reply = Reply.from_json(row.payload, channel=row.channel)
            if reply.transient_text:
                whole = self._held.words_for(reply)
                if whole is None:
                    lost.append((row.id, reply))
                    continue
                reply = whole
            deliveries.append(Delivery(row.id, Account(row.channel, row.external_id), reply))
        if lost:
            await self._drop_lost(lost)
        await self.deliver(deliveries)
        return len(deliveries) + len(lost)

    async def _drop_lost(self, lost: Sequence[tuple[int, Reply]]) -> None:
        """Rows whose words are gone: dropped, and their senders told (never the words)."""
        log.info("delivery_dropped count=%d reason=words_not_held", len(lost))
        async with self._db.transaction() as tx:
            await tx.outbox.delete([outbox_id for outbox_id, _reply in lost])
            told = await self._tell_senders(tx, [reply for _id, reply in lost])
        await self._db.after_delivery()
        await self.deliver(told)

    async def _tell_senders(self, tx: Transaction, replies: Sequence[Reply]) -> list[Delivery]:
        languages: dict[Account, str] = {}
        for reply in replies:
            if reply.relayed_from is not None and reply.relayed_from.sender not in languages:
                sender = reply.relayed_from.sender
                member = await tx.members.find_by_account(sender)
                languages[sender] = (member.language if member else None) or SOURCE_LANGUAGE
        notices = undelivered_notices(replies, languages)
        if not notices:
            return []
        log.info("delivery_undelivered_told count=%d", len(notices))
        committed = await commit_replies(tx, notices, self._clock.now(), self._held)
        return committed.deliveries

    async def _settle(
        self,
        delivered: Sequence[int],
        retry: Sequence[int],
        blocked: set[Account],
        notices: Sequence[tuple[Account, Sent, int]] = (),
    ) -> None:
        if not (delivered or retry or blocked):
            return
        if not (retry or blocked or notices):
            # The common case, after every reply: one statement, atomic on its own.
            async with self._db.single_statement() as tx:
                await tx.outbox.delete(delivered)
            await self._db.after_delivery()
            return
        now = self._clock.now()
        unreachable: list[int] = []
        told: list[Delivery] = []
        async with self._db.transaction() as tx:
            await tx.outbox.delete(delivered)
            for account, sent, outbox_id in notices:
                assert sent.message_ref is not None
                pending = notice_keys.pending(outbox_id)
                await tx.notices.sent(account, pending, sent.message_ref, sent.parts)
            for outbox_id in retry:
                await tx.outbox.record_attempt(outbox_id)
            for account in blocked:
                member_id = await mark_unreachable(tx, account, now)
                if member_id is not None:
                    unreachable.append(member_id)
            if retry:
                given_up = [
                    Reply.from_json(payload) for payload in await tx.outbox.give_up(MAX_ATTEMPTS)
                ]
                for reply in given_up:
                    self._held.release(reply)
                told = await self._tell_senders(tx, given_up)
        await self._db.after_delivery()
        if retry:
            log.warning("delivery_deferred count=%d", len(retry))
        if told:
            await self.deliver(told)
        if self.on_unreachable is not None:
            for member_id in unreachable:
                await self.on_unreachable(member_id)
