"""What a step sees and does: the person, their conversation, replies, and the clock.

A `Context` lives for one input (or one scheduled action) inside one transaction. Steps
reply through it and move the conversation on through it; the engine commits both.
"""

from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Literal, overload

from flows.core.conversation import ConversationState, Question, save_state_unless_open
from flows.core.flow import ChoiceStep, TextStep
from flows.core.language import _, offered_language, speak, speaking
from flows.core.values import COMMAND_TOKEN, Choice, Input, Reply
from storage import Account, Member, Transaction, Volunteer

if TYPE_CHECKING:
    import random

    from flows.core.config import FlowConfig
    from flows.core.engine import Engine


class Context:
    """What a step sees: the transaction, the person, their conversation, and the clock."""

    def __init__(
        self,
        *,
        engine: "Engine",
        tx: Transaction,
        account: Account,
        member: Member | None,
        state: ConversationState | None,
        now: datetime,
        inp: Input,
    ) -> None:
        self.engine = engine
        self.tx = tx
        self.account = account
        self.member = member
        self.state = state
        self.now = now
        self.input = inp
        self.config: FlowConfig = engine.config
        self.rng: random.Random = engine.rng
        self.outgoing: list[tuple[Account, Reply]] = []
        self.edit: Reply | None = None
        self.answered: str | None = None
        self.stale = False
        # What the command's `prepare` work made, after its own commit (flows/core/commands.py).
        self.prepared: object = None
        # Audit rows (actor, action, target) written with this step's change at the commit
        # (flows/core/audit.py).
        self.audited: list[tuple[str, str, int | None]] = []

    # -- language ------------------------------------------------------------
    def app_language(self) -> str | None:
        """The language this person's app asks for, when Hearthside speaks it (the one a
        new member row starts in); None when the channel does not say."""
        code = self.input.language_code
        return offered_language(code, self.config.default_language) if code else None

    def language_of(self, member: Member | None) -> str:
        """The language `member` is spoken to in (None: the person this step is for)."""
        if member is not None and member.language:
            return member.language
        if member is None or (self.member is not None and member.id == self.member.id):
            return self.app_language() or self.config.default_language
        return self.config.default_language

    def speaking_to(self, member: Member | None) -> AbstractContextManager[None]:
        """Inside the block, texts are made in `member`'s language: a message for someone
        other than the person this step is for (a page to a volunteer, an alert)."""
        return speaking(self.language_of(member))

    def speak_own_language(self) -> None:
        """From here on, speak the language of the person this step is for (again: after
        their row was made, or their language changed)."""
        speak(self.language_of(self.member))

    # -- replies -------------------------------------------------------------
    def say(
        self, text: str, *, image_png: bytes | None = None, commands: Iterable[Choice] = ()
    ) -> None:
        """Reply; `commands` are buttons that run commands (see `command_choice`)."""
        choices = tuple(commands)
        token = COMMAND_TOKEN if choices else None
        self.outgoing.append(
            (self.account, Reply(text, choices, token=token, image_png=image_png))
        )

    def say_urgent(self, text: str, *, commands: Iterable[Choice] = ()) -> None:
        """A crisis reply: ahead of everything else this input produced, never paced."""
        choices = tuple(commands)
        reply = Reply(text, choices, token=COMMAND_TOKEN if choices else None, urgent=True)
        self.outgoing.insert(0, (self.account, reply))

    def send_to(self, account: Account, reply: Reply) -> None:
        """Queue a message to someone else (it is delivered after the commit)."""
        self.outgoing.append((account, reply))

    def drop_replies_to(self, account: Account) -> None:
        """Take back everything queued so far for `account`: nothing more is to reach them
        (they left, or deleted their data)."""
        self.outgoing = [(to, reply) for to, reply in self.outgoing if to != account]

    @overload
    def ask(
        self,
        step: ChoiceStep,
        text: str,
        choices: Iterable[Choice] = (),
        *,
        columns: int = 1,
        in_place: bool = False,
        numbered: bool = True,
    ) -> None: ...

    @overload
    def ask(
        self,
        step: TextStep,
        text: str,
        choices: Iterable[Choice] = (),
        *,
        columns: int = 1,
        free_text: Literal[True],
        in_place: bool = False,
        numbered: bool = True,
    ) -> None: ...

    def ask(
        self,
        step: ChoiceStep | TextStep,
        text: str,
        choices: Iterable[Choice] = (),
        *,
        columns: int = 1,
        free_text: bool = False,
        in_place: bool = False,
        numbered: bool = True,
    ) -> None:
        """Ask a question and wait at `step`, the handler of this flow that takes its answer:
        one taking `Chosen` for choices only, one taking `Answer` with `free_text`.

        With `in_place`, a tapped question is replaced by this one instead of
        sending a new message (used for multi-select questions). Without `numbered`, the
        choices are never shown numbered and a typed number is taken as itself: for
        answers that are numbers or times ("how many people?", "what time?").
        """
        state = self._require_state()
        flow = self.engine.flows[state.flow]
        question = Question(text, tuple(choices), columns, free_text, numbered)
        state.step = flow.step_name(step)
        state.question = question
        state.token = self.engine.new_token()
        state.expires_at = self.now + flow.timeout
        reply = Reply(
            text, question.choices, token=state.token, columns=columns, numbered=numbered
        )
        if in_place and self.input.is_tap:
            self.edit = reply
            self.answered = None
        else:
            self.outgoing.append((self.account, reply))

    def reask(self, hint: str) -> None:
        """Say what was wrong and ask the open question again; nothing else changes."""
        state = self._require_state()
        if state.question is None:
            self.say(hint)
            return
        question = state.question
        self.outgoing.append(
            (
                self.account,
                Reply(
                    f"{hint}\n\n{question.text}",
                    question.choices,
                    token=state.token,
                    columns=question.columns,
                    numbered=question.numbered,
                ),
            )
        )

    # -- conversation --------------------------------------------------------
    def finish(self) -> None:
        self.state = None

    async def set_aside_for_safety(self) -> None:
        """Close the open conversation for the crisis guard, keeping what the flow keeps."""
        if self.state is not None and self.state.flow in self.engine.flows:
            await self.engine.flows[self.state.flow].keep_on_set_aside(self)
        self.finish()

    async def save_state_for(
        self,
        member_id: int,
        *,
        flow: str,
        step: ChoiceStep | TextStep,
        question: Question,
        data: Mapping[str, object],
        token: int,
    ) -> bool:
        """Open `question` at `step` of `flow` in someone else's conversation, durably;
        False if they are in one."""
        state = ConversationState(
            flow=flow,
            step=self.engine.flows[flow].step_name(step),
            token=token,
            expires_at=self.now + self.engine.flows[flow].timeout,
            data=dict(data),
            question=question,
        )
        return await save_state_unless_open(self.tx, member_id, state, now=self.now)

    async def start_flow(self, name: str, *, intro: str | None = None) -> None:
        """Begin flow `name`, setting aside any unfinished conversation."""
        flow = self.engine.flows[name]
        if self.state is not None:
            previous = self.engine.flows.get(self.state.flow)
            settled = previous is not None and self.state.step in {
                previous.step_name(step) for step in previous.settled_steps()
            }
            if previous is not None and previous.name != name and not settled:
                self.say(
                    _("I've set aside your unfinished {title}.").format(title=_(previous.title))
                )
        self.state = ConversationState(
            flow=name, step="", token=0, expires_at=self.now + flow.timeout
        )
        if intro:
            self.say(intro)
        await flow.begin(self)

    def remind_open_question(self) -> None:
        """Ask the open question again, so no conversation is left without a way on."""
        if self.state is None or self.state.question is None:
            return
        title = _(self.engine.flows[self.state.flow].title)
        question = self.state.question
        middle = _("You're in the middle of your {title} — answer below, or /cancel.").format(
            title=title
        )
        self.outgoing.append(
            (
                self.account,
                Reply(
                    f"{middle}\n\n{question.text}",
                    question.choices,
                    token=self.state.token,
                    columns=question.columns,
                    numbered=question.numbered,
                ),
            )
        )

    # -- member --------------------------------------------------------------
    async def reload_member(self) -> Member:
        assert self.member is not None
        member = await self.tx.members.get(self.member.id)
        assert member is not None
        self.member = member
        return member

    def require_member(self) -> Member:
        assert self.member is not None, "this step needs a member"
        return self.member

    @property
    def account_key(self) -> str:
        return f"{self.account.channel}:{self.account.external_id}"

    @property
    def is_admin(self) -> bool:
        """Admins: the accounts in ADMINS, and members granted the role in chat."""
        if self.account_key in self.config.admins:
            return True
        return self.member is not None and self.member.is_admin

    async def in_peer_chat(self) -> bool:
        """Whether this person is in an open peer chat, as the member or as the volunteer."""
        # One indexed query: the sweep asks this of every member it prompts.
        return self.member is not None and await self.tx.handoffs.in_active_chat(self.member.id)

    async def volunteer(self) -> Volunteer | None:
        """This person's volunteer profile, if they have one (active or not)."""
        if self.member is None:
            return None
        return await self.tx.volunteers.get(self.member.id)

    async def ensure_member(self) -> Member:
        """The person's member row, created bare (no consent, no prompts) if missing.

        Used where someone must be reachable without having joined as a member:
        a volunteer redeeming an invite, or a person in crisis before sign-up.
        """
        if self.member is None:
            self.member = await self.tx.members.create_for_account(
                self.account,
                timezone=self.config.default_timezone,
                now=self.now,
                language=self.app_language(),
            )
        return self.member

    def _require_state(self) -> ConversationState:
        assert self.state is not None, "no conversation is open"
        return self.state
