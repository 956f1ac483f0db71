"""The flow engine: one input in, replies out, state and domain change in one transaction.

For every input the engine loads the member and their open conversation from
storage, runs the current step, and commits the new conversation state, the
domain change and the outgoing replies (to the outbox) together. A crash
before the commit changes nothing; after it, the outbox still holds the replies.
"""

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from flows.core import notice_keys
from flows.core.channels import Channels
from flows.core.clock import Clock
from flows.core.commands import Command, CommandHandler, may_run, run_named
from flows.core.config import FlowConfig
from flows.core.context import Context
from flows.core.conversation import load_state, save_state
from flows.core.flow import Flow, pick_an_option
from flows.core.hooks import Hooks
from flows.core.inbox import UpdateKey
from flows.core.language import N_, _, speaking
from flows.core.limits import RateLimiter
from flows.core.matching import match_choice
from flows.core.outgoing import HeldWords, commit_replies
from flows.core.safe_text import said
from flows.core.values import Delivery, Input, Outcome, Reply
from storage import Account, Database, Member, Transaction

log = logging.getLogger(__name__)
# The "account" of work run for no one (`Engine.run_unattended`): no channel has it.
UNATTENDED = Account("unattended", "")
# A sweep's due members share a transaction this many at a time (`run_for_members`): one
# BEGIN and COMMIT for them all, the database held for a few milliseconds.
MEMBERS_PER_TRANSACTION = 10

NOT_TEXT = N_(
    "Thank you for sending that! I can only read text messages, though. /help shows what I can do."
)
RATE_LIMITED = N_(
    "You're sending messages faster than I can pass them on, so I've paused for a moment — "
    "nothing is lost by waiting a few seconds. If you need help right now, these lines are "
    "open:"
)

Deliver = Callable[[list[Delivery]], Awaitable[None]]


class Engine:
    """Runs the flows: each input, or an action for a member, in one transaction."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        config: FlowConfig,
        flows: Iterable[Flow[Any]],
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
        self.flows: dict[str, Flow[Any]] = {flow.name: flow for flow in flows}
        self.commands: dict[str, Command] = {command.name: command for command in commands}
        self._outside_flow = outside_flow
        self.hooks = hooks or Hooks()
        self.rng = rng or random.Random()
        self.limits = limits
        # The words of replies never to be stored, while they wait to be sent: the postman
        # that sends this engine's replies reads them here (flows/core/outgoing.py).
        self.held = HeldWords(clock)

    def resolve_admins(self, found: Mapping[str, Account]) -> None:
        """A channel found the accounts behind admins named by a phone number in ADMINS
        (`config.admins_to_resolve`, e.g. "signal:+15551234567" → its Signal account): those
        accounts are admins from now on, and the numbers are forgotten."""
        config = self.config
        known = {key: account for key, account in found.items() if key in config.admins_to_resolve}
        self.config = replace(
            config,
            admins=config.admins | {f"{a.channel}:{a.external_id}" for a in known.values()},
            admins_to_resolve=config.admins_to_resolve - known.keys(),
        )
        log.info(
            "admins_resolved count=%d left=%d", len(known), len(self.config.admins_to_resolve)
        )

    def new_token(self) -> int:
        # Random rather than sequential so a tap on a question from an earlier,
        # finished conversation can never match a new one.
        return self.rng.randrange(1, 2**31)

    async def handle(
        self,
        account: Account,
        inp: Input,
        *,
        dedupe: UpdateKey | None = None,
        deliver_first: Deliver | None = None,
    ) -> Outcome:
        """Apply one input from `account`; `dedupe` = (source, update key) applies it once.

        Words the crisis guard must read are guarded first, in a transaction of their own
        that is committed, and handed to `deliver_first` to send, before the rest runs: a
        failure anywhere later (a flow, the relay, storage) cannot take back the crisis
        reply or the page. The returned outcome holds what was not yet handed over.
        """
        guarded = Outcome()
        if await self.hooks.guard_reads(inp, self.commands):
            guarded, settled = await self._guard_first(account, inp, dedupe)
            if deliver_first is not None and guarded.deliveries:
                await deliver_first(guarded.deliveries)
                guarded = Outcome(duplicate=guarded.duplicate)
            if settled:
                return guarded
        if self.limits is not None and not self.limits.take(account):
            # Held back after the guard, never before it: the crisis reply is not limited.
            return guarded.then(await self._held_back(account, dedupe))
        prepared = await self._prepare(account, inp)
        async with self.db.transaction() as tx:
            if dedupe is not None and not await tx.inbox.mark_applied(*dedupe, self.clock.now()):
                return guarded.then(Outcome(duplicate=True))  # nothing was written
            ctx = await self._context(tx, account, inp)
            ctx.prepared = prepared
            await self._dispatch(ctx, inp)
            return guarded.then(await self._commit(ctx))

    async def _prepare(self, account: Account, inp: Input) -> object:
        """A command's slow work (drawing a chart), done before its transaction and outside
        any: the database is held only while it reads. Nothing is written, so a crash here
        leaves the update to be applied, whole, when it comes again."""
        command = self.commands.get(inp.command) if inp.command is not None else None
        if command is None or command.prepare is None:
            return None
        async with self.db.transaction() as tx:
            ctx = await self._context(tx, account, inp)
            work = await command.prepare(ctx) if await may_run(ctx, command) else None
        return await work() if work is not None else None

    async def _held_back(self, account: Account, dedupe: UpdateKey | None) -> Outcome:
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
            member = await tx.members.find_by_account(account)
            language = member.language if member is not None else None
            # It carries the crisis lines: made so that nothing about language can stop it.
            with speaking(language or self.config.default_language):
                # The lines are never a placeholder a translation could lose.
                reply = Reply(f"{said(RATE_LIMITED)}\n{self.config.crisis.short_text()}")
            committed = await commit_replies(tx, [(account, reply)], now, self.held, self.channels)
        return Outcome(deliveries=committed.deliveries)

    async def _guard_first(
        self, account: Account, inp: Input, dedupe: UpdateKey | None
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
            return await self._for_member(tx, member_id, action)

    async def run_for_members(
        self, work: Sequence[tuple[int, Callable[[Context], Awaitable[None]]]]
    ) -> list[Outcome]:
        """`run_for_member` for each (member, action) in turn, MEMBERS_PER_TRANSACTION of
        them to a transaction (a sweep's due members: one BEGIN and one COMMIT for many).

        Each member's work is still all or nothing: it runs inside a savepoint, undone by
        itself if it fails. Then the members before it are committed and the error goes
        on, as it would have after their own transactions; those after it stay due.
        """
        outcomes: list[Outcome] = []
        for first in range(0, len(work), MEMBERS_PER_TRANSACTION):
            failure: Exception | None = None
            async with self.db.transaction() as tx:
                for member_id, action in work[first : first + MEMBERS_PER_TRANSACTION]:
                    # The loop serves other chats between members (their own database
                    # work waits for this group's commit).
                    await asyncio.sleep(0)
                    try:
                        async with tx.savepoint():
                            outcome = await self._for_member(tx, member_id, action)
                    except Exception as error:
                        failure = error
                        break
                    outcomes.append(outcome)
            if failure is not None:
                raise failure
        return outcomes

    async def _for_member(
        self, tx: Transaction, member_id: int, action: Callable[[Context], Awaitable[None]]
    ) -> Outcome:
        member = await tx.members.get(member_id)
        if member is None:
            return Outcome()
        accounts = await tx.members.accounts_of(member_id)
        if not accounts:
            return Outcome()
        ctx = await self._context(tx, accounts[0], Input(), member)
        await action(ctx)
        return await self._commit(ctx)

    async def run_unattended(self, action: Callable[[Context], Awaitable[None]]) -> Outcome:
        """Run `action` for no one's input and in no one's chat (e.g. a meeting feed's
        sync): it tells people with `send_to`, and has no member of its own."""
        async with self.db.transaction() as tx:
            ctx = await self._context(tx, UNATTENDED, Input(), None)
            await action(ctx)
            return await self._commit(ctx)

    async def send(self, accounts: Iterable[Account], reply: Reply) -> Outcome:
        """Commit one message to several people (e.g. an alert to admins)."""
        async with self.db.transaction() as tx:
            replies = [(account, reply) for account in dict.fromkeys(accounts)]
            committed = await commit_replies(
                tx, replies, self.clock.now(), self.held, self.channels
            )
        return Outcome(deliveries=committed.deliveries)

    async def _context(
        self, tx: Transaction, account: Account, inp: Input, member: Member | None = None
    ) -> Context:
        """The context for `account`'s input; `member` when it is known already."""
        now = self.clock.now()
        if member is None:
            member = await tx.members.find_by_account(account)
        state = await load_state(tx, member.id, now, self.flows) if member is not None else None
        ctx = Context(
            engine=self, tx=tx, account=account, member=member, state=state, now=now, inp=inp
        )
        # Everything the step makes is in its person's language, unless it says otherwise
        # (`Context.speaking_to`, for a message to someone else).
        ctx.speak_own_language()
        return ctx

    async def _dispatch(self, ctx: Context, inp: Input) -> None:
        if ctx.member is not None and ctx.member.unreachable_at is not None:
            # They are writing to us again, so they unblocked the bot.
            await self._on_reachable_again(ctx)
        if inp.reaction is not None:
            await self._reacted(ctx, inp.reaction)
            return
        if inp.edited or inp.deleted:
            # An edit never answers a question or runs a command; the guard has read the
            # new words (in `handle`), and an open peer chat passes them on. A deletion
            # likewise means something only there: its copies are withdrawn.
            if self.hooks.relay is not None:
                await self.hooks.relay(ctx)
            return
        if inp.command is not None:
            await run_named(ctx, inp.command)
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
                    ctx.say(_(NOT_TEXT))
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
            await self.flows[state.flow].answer(ctx, state.step, "", choice)
            return
        if state is not None and state.question is not None:
            question = state.question
            # A free-text question's step reads its words itself (the safety check has its
            # own, careful list of what is a clear "no"), so only a question that takes
            # nothing but its choices reads a bare "yes" or "no" for them.
            choice = (
                match_choice(
                    inp.text,
                    question.choices,
                    numbers=question.numbered,
                    yes_no=not question.free_text,
                )
                if question.choices
                else None
            )
            if choice is None and not question.free_text:
                ctx.reask(pick_an_option(ctx))
                return
            await self.flows[state.flow].answer(ctx, state.step, inp.text, choice)
            return
        await self._outside_flow(ctx)

    async def _reacted(self, ctx: Context, emoji: str) -> None:
        """A reaction answers the open question when it is to a message asking it and its
        emoji (or keycap) is one of the choices; anything else is a reaction to a message,
        which asks for no reply."""
        state = ctx.state
        target = ctx.input.reply_to_ref
        if state is None or state.question is None or target is None:
            return
        notice = await ctx.tx.notices.notice_of(ctx.account, target)
        if notice_keys.question_token(notice) != state.token:
            return
        question = state.question
        choice = match_choice(emoji, question.choices, numbers=question.numbered)
        if choice is None:
            return
        ctx.answered = choice.caption
        await self.flows[state.flow].answer(ctx, state.step, "", choice)

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
        await run_named(ctx, inp.command)

    async def _commit(self, ctx: Context) -> Outcome:
        tx = ctx.tx
        if ctx.member is not None:
            await save_state(tx, ctx.member.id, ctx.state, now=ctx.now)
        for actor, action, target in ctx.audited:
            await tx.audit.record(actor, action, target, ctx.now)
        committed = await commit_replies(tx, ctx.outgoing, ctx.now, self.held, self.channels)
        inp = ctx.input
        if (
            inp.is_command_tap
            and ctx.answered is not None
            and ctx.account not in committed.offered_to
        ):
            # The tapped message is marked answered and loses its buttons, so typing
            # their words no longer means them.
            assert inp.choice is not None
            await tx.offered.withdraw(ctx.account, inp.choice)
        return Outcome(
            deliveries=committed.deliveries, answered=ctx.answered, stale=ctx.stale, edit=ctx.edit
        )
