"""`/feedback` for admins: the words members added after a peer chat, without who wrote them.

Members are told their words are read "only by the team, without your name": this is
where the team reads them. Each is shown on its own, newest first, with no name, no chat
or request number, no volunteer and no date, so nothing points back at a person beyond
what the words say themselves. The message is protected from forwarding, like everything
else admins are sent about members. A member's words go with their /delete (the chat's
row stays for statistics, without them), so they go from here too.
"""

import logging
from datetime import timedelta

from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.language import N_, _
from flows.core.values import Reply

log = logging.getLogger(__name__)

WINDOW = timedelta(days=30)
MOST = 20
# One message: well inside a chat message's limit (Telegram's is 4,096 characters).
BUDGET = 3_500

NONE_YET = N_(
    "No words from members after peer chats in the last 30 days. After each chat, members "
    "may add a few words; they show here, without names."
)


def feedback_text(words: list[str]) -> str:
    """The words, newest first, as many as fit in one message."""
    lines = [
        _(
            "💬 What members said after peer chats, last 30 days, newest first. Without names, "
            "as they were promised: please keep it that way if you pass any of it on."
        ),
        "",
    ]
    used = sum(len(line) + 1 for line in lines)
    shown = 0
    for said in words:
        entry = _("• “{words}”").format(words=said.strip())
        if used + len(entry) + 1 > BUDGET:
            break
        lines.append(entry)
        used += len(entry) + 1
        shown += 1
    if shown < len(words):
        lines += ["", _("Older words didn't fit in this message.")]
    return "\n".join(lines)


async def show_feedback(ctx: Context) -> None:
    """`/feedback`: members' recent words after peer chats, without who wrote them."""
    words = await ctx.tx.stats.feedback_words(since=ctx.now - WINDOW, limit=MOST)
    log.info("feedback_shown admin=%s", ctx.member.id if ctx.member else None)
    if not words:
        ctx.say(_(NONE_YET))
        return
    ctx.send_to(ctx.account, Reply(feedback_text(words), protect_content=True))


FEEDBACK_COMMANDS = (
    Command(
        "feedback",
        N_("members' words after peer chats, without names"),
        show_feedback,
        audience=Audience.ADMIN,
        audits=(),
    ),
)
