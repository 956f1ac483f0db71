"""A member's life with Hearthside outside any one conversation: leaving sign-up,
being forgotten, and being back in reach again."""

from flows.checkins import reschedule
from flows.core.context import Context


async def leave_sign_up(ctx: Context) -> None:
    """Stop a half-finished member sign-up and keep nothing from it.

    Someone who is also a volunteer, or an admin granted in chat, keeps that role:
    only what the sign-up stored goes, not the row the role hangs on.
    """
    if ctx.member is not None and (
        ctx.member.is_admin
        or await ctx.volunteer()
        # A request to talk (a crisis one, before sign-up) still needs them reachable.
        or await ctx.tx.handoffs.open_for_member(ctx.member.id)
    ):
        await ctx.tx.members.clear_sign_up(ctx.member.id)
        await ctx.reload_member()
        ctx.finish()
        return
    await forget_member(ctx)


async def forget_member(ctx: Context) -> None:
    """Delete the member and everything stored about them."""
    if ctx.member is not None:
        # Gone from the disk too, not only from the tables (storage/database.py).
        await ctx.tx.wipe_after_commit()
        await ctx.tx.handoffs.anonymise_member(ctx.member.id, ctx.now)
        await ctx.tx.broadcasts.forget_author(ctx.member.id)
        # What they did as staff stays in the audit trail, under a pseudonym.
        await ctx.tx.audit.pseudonymise(ctx.member.id)
        for account in await ctx.tx.members.accounts_of(ctx.member.id):
            await ctx.tx.notices.forget_account(account)
            await ctx.tx.offered.forget_account(account)
        await ctx.tx.members.delete(ctx.member.id)
    ctx.member = None
    ctx.finish()


async def back_in_reach(ctx: Context) -> None:
    """Someone marked unreachable wrote again: their prompts go back on schedule."""
    member = ctx.require_member()
    await reschedule(ctx.tx, member, ctx.now)
    await ctx.reload_member()
