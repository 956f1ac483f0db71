"""What a person who deletes their data has left with other people, taken back.

- **Command buttons** remembered for typing (flows/typed_buttons.py) that act on them
  ("Bar Zebrafish from peer chats", "Suspend Sam", a /switch or /end listing them): dropped,
  since their labels carry the person's chosen name.
"""

import logging

from flows.engine import Context
from storage import Member

log = logging.getLogger(__name__)

# Commands whose buttons act on a chat (and show its member's chosen name), on a person,
# or on an event answer, followed by its id.
CHAT_COMMANDS = ("accept", "bar", "unbar", "handover", "switch", "end")
PERSON_COMMANDS = ("suspend", "reinstate", "removevolunteer")
ANSWER_COMMANDS = ("buddymeet",)


async def withdraw_traces(ctx: Context, member: Member) -> None:
    """Before `member`'s data is deleted: take back what of them is left with others."""
    chats = await ctx.tx.personal.chat_ids(member.id)
    answers = await ctx.tx.personal.buddy_request_ids(member.id)
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
