"""Drive the flow engine like a person in a chat, without any channel."""

from dataclasses import dataclass, field

from flows.engine import Engine
from flows.values import Input, Outcome, Reply
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
