"""What a person who deletes their data has left in other people's chats, taken back.

Their pseudonym and words reach others in a few recorded ways, and each is undone:

- **Requests to talk** (`handoff:<chat>`, sent to volunteers and admins, with the chosen
  name), **reports** of their chats to admins (`report:<chat>`), admins' notices of a crisis
  flagged in their chat (`chat-safety:<chat>`, with the chosen name) and **requests for a peer
  at an event** (`buddy:<answer>`): edited to a neutral text, without buttons.
- **Relayed copies** of their messages in the volunteer's chat (`relay:<chat>:<message>`)
  and the "💬 name:" lines before them (`relay:<chat>`): deleted where the channel can
  (Telegram lets a bot delete for 48 hours), replaced by a neutral text where it can't,
  and forgotten. Copies still waiting in the outbox are not sent at all.
- **Command buttons** remembered for typing (flows/core/typed_buttons.py) that act on them
  ("Bar Zebrafish from peer chats", "Suspend Sam", "Make Sam admin", a /switch or /end
  listing them): dropped.

Sent messages are remembered for a week (flows/sweeper.py NOTICE_KEEP), so older ones
can no longer be found. What a volunteer wrote stays in the chats of the members they talked
with: it is part of those members' own conversations.
"""

import logging
from collections import defaultdict

from flows.core import notice_keys
from flows.core.context import Context
from flows.core.language import N_, _, speaking
from flows.core.values import Reply
from storage import Account, Member

log = logging.getLogger(__name__)

REQUEST_CLOSED = N_(
    "This request to talk is closed: the person has left Hearthside, and what was stored "
    "about them is deleted."
)
REPORT_CLOSED = N_(
    "🚩 A report about peer chat #{chat}: the member has since left Hearthside, and what was "
    "stored about them is deleted."
)
CHAT_SAFETY_CLOSED = N_(
    "🔴 A crisis was flagged in peer chat #{chat}: the member has since left Hearthside, and "
    "what was stored about them is deleted."
)
BUDDY_CLOSED = N_(
    "🤝 This request has passed: the member has left Hearthside. Thank you for offering!"
)
COPY_REMOVED = N_("(Removed: the person who wrote this has left Hearthside.)")

# Commands whose buttons act on a chat (and show its member's chosen name), on a person,
# or on an event answer, followed by its id.
CHAT_COMMANDS = ("accept", "bar", "unbar", "handover", "switch", "end")
PERSON_COMMANDS = ("suspend", "reinstate", "removevolunteer", "admins grant", "demote")
ANSWER_COMMANDS = ("buddymeet",)


async def withdraw_traces(ctx: Context, member: Member) -> None:
    """Before `member`'s data is deleted: take back what of them is in others' chats."""
    own = set(await ctx.tx.members.accounts_of(member.id))
    chats = await ctx.tx.personal.chat_ids(member.id)
    answers = await ctx.tx.personal.buddy_request_ids(member.id)
    for chat in chats:
        await _replace(ctx, own, notice_keys.request(chat), REQUEST_CLOSED)
        await _replace(ctx, own, notice_keys.report(chat), REPORT_CLOSED, chat=chat)
        await _replace(ctx, own, notice_keys.chat_safety(chat), CHAT_SAFETY_CLOSED, chat=chat)
        await _take_back(ctx, own, notice_keys.relay(chat))
        await _take_back(ctx, own, notice_keys.copy(chat, ""), prefix=True)
    for answer in answers:
        await _replace(ctx, own, notice_keys.buddy(answer), BUDDY_CLOSED)
    targets = (
        [f"{command} {chat}" for chat in chats for command in CHAT_COMMANDS]
        + [f"{command} {member.id}" for command in PERSON_COMMANDS]
        + [f"{command} {answer}" for answer in answers for command in ANSWER_COMMANDS]
    )
    offers = await ctx.tx.offered.withdraw_everywhere(targets)
    log.info(
        "traces_withdrawn member=%s chats=%d answers=%d offers=%d",
        member.id,
        len(chats),
        len(answers),
        offers,
    )


async def _sent_to_others(
    ctx: Context, own: set[Account], notice: str, *, prefix: bool = False
) -> dict[tuple[Account, str], list[str]]:
    """The messages recorded under `notice`, by recipient and notice, not to `own`
    accounts. Those still in the outbox are dropped there, so they are never sent."""
    found: dict[tuple[Account, str], list[str]] = defaultdict(list)
    for account, ref, key in await ctx.tx.notices.recorded(notice, prefix=prefix):
        if account in own:
            continue  # their own chat: forgotten with their account
        outbox_id = notice_keys.pending_outbox_id(ref)
        if outbox_id is not None:
            await ctx.tx.outbox.drop_notice(outbox_id, account, key)
            await ctx.tx.notices.forget_message(account, ref)
            continue
        found[(account, key)].append(ref)
    return found


async def _in_their_language(ctx: Context, account: Account, text: str, **values: object) -> str:
    """`text` (a marked source) as the person at `account` reads it."""
    reader = await ctx.tx.members.find_by_account(account)
    # None would mean the person deleting; someone with no row reads the default.
    language = ctx.language_of(reader) if reader is not None else ctx.config.default_language
    with speaking(language):
        return _(text).format(**values)


async def _replace(
    ctx: Context, own: set[Account], notice: str, text: str, **values: object
) -> None:
    """Edit every sent message under `notice` to a neutral `text`, in each reader's language."""
    for account, key in await _sent_to_others(ctx, own, notice):
        said = await _in_their_language(ctx, account, text, **values)
        ctx.send_to(account, Reply(said, replaces_notice=key))


async def _take_back(
    ctx: Context, own: set[Account], notice: str, *, prefix: bool = False
) -> None:
    """Delete every sent message under `notice` (or, where that can't be, neutralise it)."""
    for account, key in await _sent_to_others(ctx, own, notice, prefix=prefix):
        said = await _in_their_language(ctx, account, COPY_REMOVED)
        ctx.send_to(account, Reply(said, replaces_notice=key, withdraw=True))
