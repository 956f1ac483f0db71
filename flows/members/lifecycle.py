"""A member's life with Hearthside outside any one conversation: back in reach again."""

from flows.checkins import reschedule
from flows.core.context import Context


async def back_in_reach(ctx: Context) -> None:
    """Someone marked unreachable wrote again: their prompts go back on schedule."""
    member = ctx.require_member()
    await reschedule(ctx.tx, member, ctx.now)
    await ctx.reload_member()
