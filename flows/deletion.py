"""/delete: remove everything stored about a member, after a confirmation."""

from datetime import timedelta
from typing import ClassVar

from flows.engine import Answer, Context, Flow
from flows.relay import close_chats_of
from flows.values import Choice


class DeleteData(Flow):
    name = "delete"
    title = "deletion request"
    timeout: ClassVar[timedelta] = timedelta(minutes=30)

    async def begin(self, ctx: Context) -> None:
        ctx.ask(
            "confirm",
            "This deletes everything I store about you: your check-ins, your chosen name "
            "and your settings. It can't be undone. (If you'd like a copy first, choose No "
            "and send /export.) Are you sure?",
            [Choice("delete", "Yes, delete everything"), Choice("keep", "No, keep my data")],
        )

    async def on_confirm(self, ctx: Context, answer: Answer) -> None:
        assert answer.choice is not None
        if answer.choice.value == "keep":
            ctx.finish()
            ctx.say("Okay, nothing was deleted.")
            return
        member = ctx.require_member()
        # Their chats end first, on either side, so nobody is left talking to no one.
        await close_chats_of(
            ctx, member.id, as_member="member_deleted", as_volunteer="volunteer_deleted"
        )
        # Messages still waiting to reach them (an export that failed to send, say) go too.
        for account in await ctx.tx.members.accounts_of(member.id):
            await ctx.tx.outbox.drop_for_account(account)
        ctx.outgoing = [(a, r) for a, r in ctx.outgoing if a != ctx.account]
        await ctx.forget_member()
        # A peer-chat bar outlives deletion (storage/members.py): say so.
        kept = (
            " The one exception: as you were barred from peer chats, a coded form of your "
            "account stays, so that bar applies if you come back."
            if member.peer_barred
            else ""
        )
        ctx.say(
            f"Done — everything I stored about you has been deleted.{kept} "
            "If you ever want to come back, tap /start. Take care of yourself. 💛"
        )
