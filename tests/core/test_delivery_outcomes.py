"""What the postman does with a send whose outcome the channel can't tell, and with a
delivery a channel's own queue takes to send later."""

from datetime import UTC, datetime

from flows.core.clock import ManualClock
from flows.core.delivery import Postman, SendResult, Sent
from flows.core.outgoing import HeldWords, commit_replies
from flows.core.values import Delivery, Reply
from storage import Account, Database, OutboxRow

ALEX = Account("chat", "alex")


class Chat:
    name = "chat"

    def __init__(self, result: SendResult) -> None:
        self.result = result
        self.sent: list[Reply] = []

    async def send(self, external_id: str, reply: Reply) -> Sent:
        self.sent.append(reply)
        return Sent(self.result)

    async def edit(self, external_id: str, message_ref: str, reply: Reply) -> SendResult:
        return self.result


class Later:
    """A channel's queue that takes everything not urgent."""

    def __init__(self) -> None:
        self.taken: list[Delivery] = []

    def take(self, delivery: Delivery) -> bool:
        if delivery.reply.urgent:
            return False
        self.taken.append(delivery)
        return True


async def committed(
    db: Database, clock: ManualClock, held: HeldWords, *replies: Reply
) -> list[Delivery]:
    async with db.transaction() as tx:
        done = await commit_replies(tx, [(ALEX, r) for r in replies], clock.now(), held)
    return done.deliveries


async def waiting(db: Database) -> list[OutboxRow]:
    async with db.transaction() as tx:
        return await tx.outbox.pending(
            "chat", created_before=datetime.max.replace(tzinfo=UTC), limit=10
        )


async def test_an_unconfirmed_send_is_settled_not_retried(
    db: Database, clock: ManualClock
) -> None:
    held = HeldWords(clock)
    postman = Postman(db, clock, held=held)
    chat = Chat(SendResult.UNCONFIRMED)
    postman.register(chat)
    deliveries = await committed(db, clock, held, Reply("relayed words", transient_text=True))
    assert len(held) == 1
    await postman.deliver(deliveries)
    assert await waiting(db) == []  # sending it again could show it twice
    assert len(held) == 0  # and its words are let go
    assert await postman.drain("chat") == 0
    assert len(chat.sent) == 1


async def test_a_retried_send_stays_for_the_next_try(db: Database, clock: ManualClock) -> None:
    held = HeldWords(clock)
    postman = Postman(db, clock, held=held)
    postman.register(Chat(SendResult.RETRY))
    await postman.deliver(await committed(db, clock, held, Reply("hello")))
    [row] = await waiting(db)
    assert row.attempts == 1


async def test_a_channels_queue_takes_deliveries_and_the_rows_wait(
    db: Database, clock: ManualClock
) -> None:
    held = HeldWords(clock)
    postman = Postman(db, clock, held=held)
    chat, later = Chat(SendResult.SENT), Later()
    postman.register(chat, queue=later)
    deliveries = await committed(db, clock, held, Reply("scheduled"), Reply("crisis", urgent=True))
    await postman.deliver(deliveries)
    assert [r.text for r in chat.sent] == ["crisis"]  # not taken: sent at once
    assert [d.reply.text for d in later.taken] == ["scheduled"]
    assert [row.attempts for row in await waiting(db)] == [0]  # kept, no attempt spent
