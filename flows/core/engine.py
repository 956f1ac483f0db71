"""The flow engine: one input in, replies out, state and domain change in one transaction.

For every input the engine loads the member and their open conversation from
storage, runs the current step, and commits the new conversation state, the
domain change and the outgoing replies (to the outbox) together. A crash
before the commit changes nothing; after it, the outbox still holds the replies.
"""

import json
import logging
import random
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from flows.core import audit, notice_keys
from flows.core.channels import Channels
from flows.core.clock import Clock
from flows.core.config import FlowConfig
from flows.core.limits import RateLimiter
from flows.core.values import COMMAND_TOKEN, Choice, Delivery, Input, Outcome, Reply
from storage import Account, Database, Member, Transaction, Volunteer

log = logging.getLogger(__name__)

PICK_AN_OPTION = "Please choose one of the options: tap a button or type its number."
NOT_TEXT = (
    "Thank you for sending that! I can only read text messages, though. /help shows what I can do."
)
AUDIENCE_REFUSAL = {
    "member": "Let's get you set up first — it takes a minute. Tap /start to begin.",
    # Someone with no member row: nothing is stored about them to export or delete.
    "person": "I don't store anything about you, so there's nothing to export or delete. "
    "If you'd like to join, tap /start.",
    "volunteer": "That command is for peer volunteers. /help shows what you can do.",
    "admin": "That command is for admins. /help shows what you can do.",
    "community": (
        "Community events are shared with members of Hearthside. Tap /start to join — "
        "then /events shows what's coming up."
    ),
}


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer to the open question: a matched choice, or free text."""

    text: str
    choice: Choice | None


@dataclass(slots=True)
class Question:
    """The open question, kept so it can be asked again exactly."""

    text: str
    choices: tuple[Choice, ...]
    columns: int
    free_text: bool

    def to_data(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "choices": [[c.value, c.label, c.emoji] for c in self.choices],
            "columns": self.columns,
            "free_text": self.free_text,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> "Question":
        return cls(
            text=data["text"],
            choices=tuple(Choice(*c) for c in data["choices"]),
            columns=data["columns"],
            free_text=data["free_text"],
        )


@dataclass(slots=True)
class ConversationState:
    flow: str
    step: str
    token: int
    expires_at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    question: Question | None = None


class Flow:
    """A conversation: `begin` asks the first question, `on_<step>` handles answers."""

    name: ClassVar[str]
    title: ClassVar[str]  # e.g. "check-in", as in "your unfinished check-in"
    timeout: ClassVar[timedelta]
    # Steps after the flow's work is done (an offer), so leaving is not "unfinished".
    settled_steps: ClassVar[frozenset[str]] = frozenset()

    async def begin(self, ctx: "Context") -> None:
        raise NotImplementedError

    async def keep_on_set_aside(self, ctx: "Context") -> None:
        """Safety sets this conversation aside: keep what must not be lost (a mood given)."""

    async def answer(self, ctx: "Context", step: str, answer: Answer) -> None:
        handler: Callable[[Context, Answer], Awaitable[None]] | None = getattr(
            self, f"on_{step}", None
        )
        if handler is None:
            # The step no longer exists (changed between versions): end kindly.
            log.warning("flow_step_missing flow=%s step=%s", self.name, step)
            ctx.finish()
            ctx.say("Sorry, I lost track of that question. Let's start again: /help")
            return
        await handler(ctx, answer)


def _normalise(text: str) -> str:
    # Drop emoji variation selectors so a typed "☺" matches "☺️".
    return unicodedata.normalize("NFKC", text).replace("\ufe0f", "").strip().casefold()


def _bare(normalised: str) -> str:
    # Without punctuation or spaces, so "I’ll go!" (a phone's curly apostrophe) or
    # "stop-suggestions" still reads as "I'll go" or "Stop suggestions". Emoji stay.
    return "".join(
        c for c in normalised if not unicodedata.category(c).startswith(("P", "Z")) and c.strip()
    )


def match_choice(text: str, choices: Iterable[Choice], *, numbers: bool = True) -> Choice | None:
    """The choice a typed answer means: its value, label, emoji, caption or (with
    `numbers`, when the choices were shown numbered) its number. Case is ignored, and
    punctuation and spacing too when nothing matches exactly."""
    typed = _normalise(text)
    if not typed:
        return None
    options = list(choices)
    names_of = [
        {_normalise(n) for n in (c.value, c.label, c.caption, c.emoji) if n} for c in options
    ]
    for choice, names in zip(options, names_of, strict=True):
        if typed in names:
            return choice
    if typed.isdecimal():
        if numbers and 1 <= int(typed) <= len(options):
            return options[int(typed) - 1]
        return None
    bare = _bare(typed)
    if bare and not bare.isdecimal():  # a number counts only typed as one
        for choice, names in zip(options, names_of, strict=True):
            if bare in {_bare(name) for name in names}:
                return choice
    return None


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

    def ask(
        self,
        step: str,
        text: str,
        choices: Iterable[Choice] = (),
        *,
        columns: int = 1,
        free_text: bool = False,
        in_place: bool = False,
    ) -> None:
        """Ask a question and wait at `step` for its answer.

        With `in_place`, a tapped question is replaced by this one instead of
        sending a new message (used for multi-select questions).
        """
        state = self._require_state()
        question = Question(text, tuple(choices), columns, free_text)
        state.step = step
        state.question = question
        state.token = self.engine.new_token()
        state.expires_at = self.now + self.engine.flows[state.flow].timeout
        reply = Reply(text, question.choices, token=state.token, columns=columns)
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
                ),
            )
        )

    # -- conversation --------------------------------------------------------
    @property
    def data(self) -> dict[str, Any]:
        return self._require_state().data

    def finish(self) -> None:
        self.state = None

    async def set_aside_for_safety(self) -> None:
        """Close the open conversation for the crisis guard, keeping what the flow keeps."""
        if self.state is not None and self.state.flow in self.engine.flows:
            await self.engine.flows[self.state.flow].keep_on_set_aside(self)
        self.finish()

    async def start_flow(self, name: str, *, intro: str | None = None) -> None:
        """Begin flow `name`, setting aside any unfinished conversation."""
        flow = self.engine.flows[name]
        if self.state is not None:
            previous = self.engine.flows.get(self.state.flow)
            settled = previous is not None and self.state.step in previous.settled_steps
            if previous is not None and previous.name != name and not settled:
                self.say(f"I've set aside your unfinished {previous.title}.")
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
        title = self.engine.flows[self.state.flow].title
        question = self.state.question
        self.outgoing.append(
            (
                self.account,
                Reply(
                    f"You're in the middle of your {title} — answer below, or /cancel.\n\n"
                    f"{question.text}",
                    question.choices,
                    token=self.state.token,
                    columns=question.columns,
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
                self.account, timezone=self.config.default_timezone, now=self.now
            )
        return self.member

    async def leave_sign_up(self) -> None:
        """Stop a half-finished member sign-up and keep nothing from it.

        Someone who is also a volunteer, or an admin granted in chat, keeps that role:
        only what the sign-up stored goes, not the row the role hangs on.
        """
        if self.member is not None and (
            self.member.is_admin
            or await self.volunteer()
            # A request to talk (a crisis one, before sign-up) still needs them reachable.
            or await self.tx.handoffs.open_for_member(self.member.id)
        ):
            await self.tx.members.clear_sign_up(self.member.id)
            self.member = await self.reload_member()
            self.finish()
            return
        await self.forget_member()

    async def forget_member(self) -> None:
        """Delete the member and everything stored about them."""
        if self.member is not None:
            # Gone from the disk too, not only from the tables (storage/database.py).
            await self.tx.wipe_after_commit()
            await self.tx.handoffs.anonymise_member(self.member.id, self.now)
            for account in await self.tx.members.accounts_of(self.member.id):
                await self.tx.notices.forget_account(account)
                await self.tx.offered.forget_account(account)
            await self.tx.members.delete(self.member.id)
        self.member = None
        self.state = None

    def _require_state(self) -> ConversationState:
        assert self.state is not None, "no conversation is open"
        return self.state


async def remember_offers(
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


# Command audiences whose arguments are a person's own words, read by the crisis guard.
PEOPLES_COMMANDS = frozenset({"anyone", "person", "member", "community"})

CommandHandler = Callable[[Context], Awaitable[None]]
# Returns True when it took care of the input (the flow must not see it).
InputHook = Callable[[Context], Awaitable[bool]]
Deliver = Callable[[list[Delivery]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    description: str
    run: CommandHandler
    # Who may run it: 'anyone', 'person' (anyone with a member row, onboarded or not:
    # data rights), 'member' (finished onboarding), 'volunteer', 'admin', or 'community'
    # (a member, an active volunteer or an admin).
    audience: str = "member"
    # Left out of /help and the channel's command menu (e.g. buttons' commands).
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class Hooks:
    """What runs around the flows for free text and attachments, in this order."""

    # The crisis guard: sees every typed text first, in every state. It runs in a
    # transaction of its own, committed (and sent) before anything else runs, when
    # `alarmed` says the words need it; words it finds nothing in skip it.
    guard: InputHook | None = None
    alarmed: Callable[[str], Awaitable[bool]] | None = None
    # Runs in a fresh transaction when the guard itself failed on alarming words: the
    # crisis reply and a page, from as little as possible.
    guard_fallback: CommandHandler | None = None
    # Typed words of a command button just offered (outside any question or peer chat):
    # runs the button's command.
    buttons: InputHook | None = None
    # An open peer chat: relays the input to the other side (an edit: edits its copies).
    relay: InputHook | None = None
    # Attachments that reach no chat (e.g. an admin's calendar file).
    media: InputHook | None = None
    # Someone marked unreachable writes again (they unblocked the bot): the member
    # package puts their prompts back on schedule.
    reachable_again: CommandHandler | None = None


class Engine:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        config: FlowConfig,
        flows: Iterable[Flow],
        commands: Iterable[Command],
        outside_flow: CommandHandler,
        hooks: Hooks | None = None,
        rng: random.Random | None = None,
        limits: RateLimiter | None = None,
        channels: Channels | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.config = config
        # What each account's channel can do and says of itself (flows/core/channels.py).
        self.channels = channels or Channels()
        self.flows: dict[str, Flow] = {flow.name: flow for flow in flows}
        self.commands: dict[str, Command] = {command.name: command for command in commands}
        self._outside_flow = outside_flow
        self.hooks = hooks or Hooks()
        self.rng = rng or random.Random()
        self.limits = limits

    def new_token(self) -> int:
        # Random rather than sequential so a tap on a question from an earlier,
        # finished conversation can never match a new one.
        return self.rng.randrange(1, 2**31)

    async def handle(
        self,
        account: Account,
        inp: Input,
        *,
        dedupe: tuple[str, int] | None = None,
        deliver_first: Deliver | None = None,
    ) -> Outcome:
        """Apply one input from `account`; `dedupe` = (source, update id) applies it once.

        Words the crisis guard must read are guarded first, in a transaction of their own
        that is committed, and handed to `deliver_first` to send, before the rest runs: a
        failure anywhere later (a flow, the relay, storage) cannot take back the crisis
        reply or the page. The returned outcome holds what was not yet handed over.
        """
        guarded = Outcome()
        if await self._alarmed(inp):
            guarded, settled = await self._guard_first(account, inp, dedupe)
            if deliver_first is not None and guarded.deliveries:
                await deliver_first(guarded.deliveries)
                guarded = Outcome(duplicate=guarded.duplicate)
            if settled:
                return guarded
        if self.limits is not None and not self.limits.take(account):
            # Held back after the guard, never before it: the crisis reply is not limited.
            return guarded.then(await self._held_back(account, dedupe))
        async with self.db.transaction() as tx:
            if dedupe is not None and not await tx.inbox.mark_applied(*dedupe, self.clock.now()):
                return guarded.then(Outcome(duplicate=True))  # nothing was written
            ctx = await self._context(tx, account, inp)
            await self._dispatch(ctx, inp)
            return guarded.then(await self._commit(ctx))

    async def _held_back(self, account: Account, dedupe: tuple[str, int] | None) -> Outcome:
        """Someone is sending faster than is fair to whoever is on the other end: the input
        is applied as nothing, and they are told once per stretch."""
        log.info("rate_limited channel=%s", account.channel)
        tell = self.limits is not None and self.limits.should_tell(account)
        async with self.db.transaction() as tx:
            now = self.clock.now()
            if dedupe is not None and not await tx.inbox.mark_applied(*dedupe, now):
                return Outcome(duplicate=True)
            if not tell:
                return Outcome()
            reply = Reply(
                "You're sending messages faster than I can pass them on, so I've paused for "
                "a moment — nothing is lost by waiting a few seconds. If you need help right "
                f"now, these lines are open:\n{self.config.crisis.short_text()}"
            )
            outbox_id = await tx.outbox.add(account, reply.to_json(), now)
        return Outcome(deliveries=[Delivery(outbox_id, account, reply)])

    async def _alarmed(self, inp: Input) -> bool:
        hooks = self.hooks
        if hooks.guard is None or not inp.text or inp.is_tap:
            return False
        if inp.command is not None:
            # What people type after a command ("/talk i want to die") is theirs to read too;
            # staff commands carry event texts, references and codes, not a person's words.
            command = self.commands.get(inp.command)
            if command is None or command.audience not in PEOPLES_COMMANDS:
                return False
        return hooks.alarmed is None or await hooks.alarmed(inp.text)

    async def _guard_first(
        self, account: Account, inp: Input, dedupe: tuple[str, int] | None
    ) -> tuple[Outcome, bool]:
        """The guard's own committed transaction; True with it when nothing else is to run.

        The guard's stage is recorded under a key of its own, so an update replayed after
        a crash between the two transactions is guarded once and then applied once.
        """
        assert self.hooks.guard is not None
        guard_key = (f"{dedupe[0]}:guard", dedupe[1]) if dedupe is not None else None
        try:
            async with self.db.transaction() as tx:
                now = self.clock.now()
                if dedupe is not None and await tx.inbox.is_applied(*dedupe):
                    return Outcome(duplicate=True), True
                if guard_key is not None and not await tx.inbox.mark_applied(*guard_key, now):
                    return Outcome(), False  # guarded before the crash: on to the rest
                ctx = await self._context(tx, account, inp)
                settled = await self.hooks.guard(ctx)
                if settled and dedupe is not None:
                    await tx.inbox.mark_applied(*dedupe, now)
                return await self._commit(ctx), settled
        except Exception:
            if self.hooks.guard_fallback is None:
                raise
            log.exception("guard_failed fallback=yes")
        async with self.db.transaction() as tx:
            now = self.clock.now()
            if guard_key is not None:
                await tx.inbox.mark_applied(*guard_key, now)
            if dedupe is not None:
                await tx.inbox.mark_applied(*dedupe, now)
            ctx = await self._context(tx, account, inp)
            await self.hooks.guard_fallback(ctx)
            return await self._commit(ctx), True

    async def run_for_member(
        self, member_id: int, action: Callable[[Context], Awaitable[None]]
    ) -> Outcome:
        """Run `action` for a member outside any input of theirs (e.g. a scheduled prompt)."""
        async with self.db.transaction() as tx:
            member = await tx.members.get(member_id)
            if member is None:
                return Outcome()
            accounts = await tx.members.accounts_of(member_id)
            if not accounts:
                return Outcome()
            ctx = Context(
                engine=self,
                tx=tx,
                account=accounts[0],
                member=member,
                state=await self._load_state(tx, member, self.clock.now()),
                now=self.clock.now(),
                inp=Input(),
            )
            await action(ctx)
            return await self._commit(ctx)

    async def send(self, accounts: Iterable[Account], reply: Reply) -> Outcome:
        """Commit one message to several people (e.g. an alert to admins)."""
        deliveries = []
        async with self.db.transaction() as tx:
            for account in dict.fromkeys(accounts):
                outbox_id = await tx.outbox.add(account, reply.to_json(), self.clock.now())
                if reply.notice is not None:
                    now = self.clock.now()
                    await tx.notices.record(
                        account, notice_keys.pending(outbox_id), reply.notice, now
                    )
                deliveries.append(Delivery(outbox_id, account, reply))
            await remember_offers(tx, [(d.account, d.reply) for d in deliveries], self.clock.now())
        return Outcome(deliveries=deliveries)

    async def save_state_for(
        self,
        tx: Transaction,
        member_id: int,
        *,
        flow: str,
        step: str,
        data: dict[str, Any],
        token: int,
        now: datetime,
    ) -> bool:
        """Open a question in someone else's conversation; False if they are in one."""
        existing = await tx.conversations.load(member_id)
        if existing is not None and existing.expires_at > now:
            return False
        await tx.conversations.save(
            member_id,
            flow=flow,
            step=step,
            data=json.dumps(data, ensure_ascii=False),
            token=token,
            expires_at=now + self.flows[flow].timeout,
            now=now,
        )
        return True

    async def _context(self, tx: Transaction, account: Account, inp: Input) -> Context:
        now = self.clock.now()
        member = await tx.members.find_by_account(account)
        state = await self._load_state(tx, member, now) if member is not None else None
        return Context(
            engine=self, tx=tx, account=account, member=member, state=state, now=now, inp=inp
        )

    async def _load_state(
        self, tx: Transaction, member: Member, now: datetime
    ) -> ConversationState | None:
        row = await tx.conversations.load(member.id)
        if row is None:
            return None
        if row.expires_at <= now or row.flow not in self.flows:
            # An abandoned conversation lapses quietly.
            await tx.conversations.clear(member.id)
            return None
        data: dict[str, Any] = json.loads(row.data)
        question = data.pop("_question", None)
        return ConversationState(
            flow=row.flow,
            step=row.step,
            token=row.token,
            expires_at=row.expires_at,
            data=data,
            question=Question.from_data(question) if question else None,
        )

    async def _dispatch(self, ctx: Context, inp: Input) -> None:
        if ctx.member is not None and ctx.member.unreachable_at is not None:
            # They are writing to us again, so they unblocked the bot.
            await self._on_reachable_again(ctx)
        if inp.edited:
            # An edit never answers a question or runs a command; the guard has read the
            # new words (in `handle`), and an open peer chat passes them on.
            if self.hooks.relay is not None:
                await self.hooks.relay(ctx)
            return
        if inp.command is not None:
            await self._run_command(ctx, inp.command)
            return
        state = ctx.state
        hooks = self.hooks
        if not inp.is_tap:
            # A command button's words, typed (not in a question or peer chat: it checks).
            if inp.text and inp.media is None and hooks.buttons and await hooks.buttons(ctx):
                return
            if hooks.relay is not None and await hooks.relay(ctx):
                return
            if inp.media is not None:
                if hooks.media is None or not await hooks.media(ctx):
                    ctx.say(NOT_TEXT)
                    ctx.remind_open_question()
                return
        if inp.is_tap:
            choice = None
            if state is not None and state.question is not None and inp.token == state.token:
                choice = next((c for c in state.question.choices if c.value == inp.choice), None)
            if state is None or choice is None:
                ctx.stale = True
                return
            ctx.answered = choice.caption
            await self.flows[state.flow].answer(ctx, state.step, Answer("", choice))
            return
        if state is not None and state.question is not None:
            question = state.question
            choice = match_choice(inp.text, question.choices) if question.choices else None
            if choice is None and not question.free_text:
                ctx.reask(PICK_AN_OPTION)
                return
            await self.flows[state.flow].answer(ctx, state.step, Answer(inp.text, choice))
            return
        await self._outside_flow(ctx)

    async def _on_reachable_again(self, ctx: Context) -> None:
        member = ctx.require_member()
        await ctx.tx.members.mark_reachable(member.id)
        await ctx.reload_member()
        if self.hooks.reachable_again is not None:
            await self.hooks.reachable_again(ctx)

    async def run_command(self, ctx: Context, inp: Input) -> None:
        """Run the command `inp` carries in place of the input `ctx` was made for."""
        assert inp.command is not None
        ctx.input = inp
        await self._run_command(ctx, inp.command)

    async def _run_command(self, ctx: Context, name: str) -> None:
        command = self.commands.get(name)
        if command is None:
            ctx.say("I don't know that command. /help lists what I can do.")
            ctx.remind_open_question()
            return
        if not await self.may_run(ctx, command):
            ctx.say(AUDIENCE_REFUSAL[command.audience])
            ctx.remind_open_question()
            return
        log.info("command name=%s member=%s", name, ctx.member.id if ctx.member else None)
        if command.audience == "admin":
            audit.admin_command(ctx, name, ctx.input.text)
        await command.run(ctx)

    async def may_run(self, ctx: Context, command: Command) -> bool:
        if command.audience == "anyone":
            return True
        if command.audience == "admin":
            return ctx.is_admin
        if command.audience == "person":
            return ctx.member is not None
        is_member = ctx.member is not None and ctx.member.is_onboarded
        if command.audience == "community" and (is_member or ctx.is_admin):
            return True
        if command.audience in ("volunteer", "community"):
            volunteer = await ctx.volunteer()
            return volunteer is not None and volunteer.is_active
        return is_member

    async def _commit(self, ctx: Context) -> Outcome:
        tx = ctx.tx
        if ctx.member is not None:
            if ctx.state is None:
                await tx.conversations.clear(ctx.member.id)
            else:
                data = dict(ctx.state.data)
                if ctx.state.question is not None:
                    data["_question"] = ctx.state.question.to_data()
                await tx.conversations.save(
                    ctx.member.id,
                    flow=ctx.state.flow,
                    step=ctx.state.step,
                    data=json.dumps(data, ensure_ascii=False),
                    token=ctx.state.token,
                    expires_at=ctx.state.expires_at,
                    now=ctx.now,
                )
        deliveries = []
        for account, reply in ctx.outgoing:
            outbox_id = await tx.outbox.add(account, reply.to_json(), ctx.now)
            if reply.notice is not None:
                # Known recipients from the start, so a notice can be withdrawn even
                # before it is sent; the channel's message id replaces this on sending.
                await tx.notices.record(
                    account, notice_keys.pending(outbox_id), reply.notice, ctx.now
                )
            deliveries.append(Delivery(outbox_id, account, reply))
        offered_to = await remember_offers(tx, ctx.outgoing, ctx.now)
        inp = ctx.input
        if inp.is_command_tap and ctx.answered is not None and ctx.account not in offered_to:
            # The tapped message is marked answered and loses its buttons, so typing
            # their words no longer means them.
            assert inp.choice is not None
            await tx.offered.withdraw(ctx.account, inp.choice)
        return Outcome(
            deliveries=deliveries, answered=ctx.answered, stale=ctx.stale, edit=ctx.edit
        )
