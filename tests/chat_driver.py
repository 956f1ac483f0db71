"""Drive the flow engine like a person in a chat, without any channel."""

from dataclasses import dataclass, field

from flows.core.engine import Engine
from flows.core.values import Input, Outcome, Reply
from storage import Account


@dataclass
class ChatDriver:
    """One person talking to the engine; keeps the last question with choices."""

    engine: Engine
    account: Account
    seen: list[Reply] = field(default_factory=list)
    last_outcome: Outcome | None = None

    @property
    def question(self) -> Reply:
        for reply in reversed(self.seen):
            if reply.choices:
                return reply
        raise AssertionError("no question with choices has been asked")

    async def _run(self, inp: Input) -> list[Reply]:
        outcome = await self.engine.handle(self.account, inp)
        self.last_outcome = outcome
        replies = [d.reply for d in outcome.deliveries if d.account == self.account]
        if outcome.edit is not None:
            replies.append(outcome.edit)
        self.seen.extend(replies)
        return replies

    async def say(self, text: str) -> list[Reply]:
        return await self._run(Input.typed(text))

    async def tap(self, label_or_value: str, *, on: Reply | None = None) -> list[Reply]:
        question = on or self.question
        for choice in question.choices:
            if label_or_value in (choice.value, choice.label, choice.caption):
                return await self._run(Input.tapped(choice.value, question.token))
        raise AssertionError(f"no choice {label_or_value!r} in {question.choices}")

    def last_text(self) -> str:
        return self.seen[-1].text if self.seen else ""

    def all_text(self) -> str:
        return "\n".join(reply.text for reply in self.seen)

    async def onboard(
        self, *, name: str = "Quiet Heron", zone: str = "UTC", at: str = "18:00"
    ) -> None:
        await self.say("/start")
        await self.tap("yes")
        await self.say(name)
        await self.say(zone)
        await self.say(at)
        await self.tap("later")


@dataclass
class Room:
    """Several people talking to one engine; every delivery lands in its recipient's mail."""

    engine: Engine
    mail: dict[Account, list[Reply]] = field(default_factory=dict)
    _refs: int = 0

    def collect(self, outcome: Outcome) -> None:
        for delivery in outcome.deliveries:
            self.mail.setdefault(delivery.account, []).append(delivery.reply)

    def inbox(self, account: Account) -> list[Reply]:
        return self.mail.setdefault(account, [])

    def texts(self, account: Account) -> str:
        return "\n".join(reply.text for reply in self.inbox(account))

    async def say(self, account: Account, text: str, *, reply_to: str | None = None) -> Outcome:
        self._refs += 1
        inp = Input.typed(text, message_ref=str(self._refs), reply_to_ref=reply_to)
        outcome = await self.engine.handle(account, inp)
        self.collect(outcome)
        return outcome

    async def send_media(self, account: Account, kind: str) -> Outcome:
        self._refs += 1
        outcome = await self.engine.handle(account, Input(media=kind, message_ref=str(self._refs)))
        self.collect(outcome)
        return outcome

    async def tap(self, account: Account, label: str) -> Outcome:
        """Tap the newest button with this label (or value) that this person was shown."""
        for reply in reversed(self.inbox(account)):
            for choice in reply.choices:
                if label in (choice.value, choice.label, choice.caption):
                    outcome = await self.engine.handle(
                        account, Input.tapped(choice.value, reply.token)
                    )
                    self.collect(outcome)
                    if outcome.edit is not None:
                        self.inbox(account).append(outcome.edit)
                    return outcome
        raise AssertionError(f"{account} was never offered {label!r}")
