"""/delete: remove everything stored about a person, after a confirmation.

Anyone with a member row may: a member, a volunteer who never joined as one, someone
the crisis guard met before sign-up.
"""

from datetime import timedelta
from typing import ClassVar

from flows.core.context import Context
from flows.core.flow import Chosen, Flow, NoData
from flows.core.language import N_, _
from flows.core.matching import means_yes
from flows.core.menus import reset_menus
from flows.core.values import Choice, Reply
from flows.members.lifecycle import forget_member
from flows.members.settings import and_list
from flows.members.traces import withdraw_traces
from flows.peer import close_chats_of
from storage import EndReason

GOODBYE = N_(
    "Done — everything I stored about you has been deleted. "
    "If you ever want to come back, send /start. Take care of yourself. 💛"
)
# A peer-chat bar outlives deletion (storage/members.py): said when it applies.
GOODBYE_BAR_KEPT = N_(
    "Done — everything I stored about you has been deleted. The one exception: as you were "
    "barred from peer chats, a coded form of your account stays, so that bar applies if you "
    "come back. If you ever want to come back, send /start. Take care of yourself. 💛"
)

IN_A_CHAT = N_(
    "You're in a peer chat, so I won't take a “yes” as the answer to this — it may have "
    "been meant for your peer. To delete everything, choose Yes, delete everything, or type "
    "“delete”."
)


async def _what_goes(ctx: Context) -> str:
    """What deletion removes, in words that fit this person (a volunteer, an admin)."""
    parts = [
        _("your chosen name and settings"),
        _("your check-ins and answers"),
        _("your requests to talk"),
        _("the safety notes about you"),
    ]
    if ctx.member is not None and await ctx.tx.safety_plans.get(ctx.member.id) is not None:
        parts.append(_("your safety plan"))
    if ctx.member is not None and await ctx.tx.recovery.get(ctx.member.id) is not None:
        parts.append(_("your recovery date"))
    if await ctx.volunteer() is not None:
        parts.append(_("your volunteer profile and shifts"))
    if ctx.member is not None and ctx.member.is_admin:
        parts.append(_("your admin role"))
    return and_list(parts)


class DeleteData(Flow[NoData]):
    name = "delete"
    title = N_("deletion request")
    timeout: ClassVar[timedelta] = timedelta(minutes=30)

    async def begin(self, ctx: Context) -> None:
        ctx.ask(
            self.on_confirm,
            _(
                "This deletes everything I store about you: {what}. It can't "
                "be undone. (If you'd like a copy first, choose No and send /export.) "
                "Are you sure?"
            ).format(what=await _what_goes(ctx)),
            [
                Choice("delete", _("Yes, delete everything")),
                Choice("keep", _("No, keep my data")),
            ],
        )

    async def on_confirm(self, ctx: Context, answer: Chosen) -> None:
        if answer.choice.value == "keep":
            ctx.finish()
            ctx.say(_("Okay, nothing was deleted."))
            return
        if not ctx.input.is_tap and means_yes(ctx.input.text) and await ctx.in_peer_chat():
            # In a peer chat a typed "yes" may well be meant for the peer, and this can't be
            # undone: only the button, or words that say "delete", confirm it there.
            ctx.reask(_(IN_A_CHAT))
            return
        member = ctx.require_member()
        # Their chats end first, on either side, so nobody is left talking to no one.
        await close_chats_of(
            ctx,
            member.id,
            as_member=EndReason.MEMBER_DELETED,
            as_volunteer=EndReason.VOLUNTEER_DELETED,
        )
        # Messages still waiting to reach them (an export that failed to send, say) go too.
        # So do their words re-sent into a chat and not yet delivered: those rows name them.
        for account in await ctx.tx.members.accounts_of(member.id):
            await ctx.tx.outbox.drop_for_account(account)
            await ctx.tx.outbox.drop_relayed_from(account)
        ctx.drop_replies_to(ctx.account)
        await withdraw_traces(ctx, member)
        accounts = await ctx.tx.members.accounts_of(member.id)
        staff = member.is_admin or await ctx.volunteer() is not None
        await forget_member(ctx)
        if staff:
            await reset_menus(ctx, accounts)
        goodbye = _(GOODBYE_BAR_KEPT if member.peer_barred else GOODBYE)
        ctx.send_to(ctx.account, Reply(goodbye, forget_chat=True))
