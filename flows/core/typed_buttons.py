"""Typing a command button's words instead of tapping it.

Signal and the console have no taps, so a person answers a nudge or an event card by
typing "I'll go" or "stop suggestions". Text that answers no open question, typed
outside any peer chat, that names one button of the newest message(s) with command
buttons this chat was sent — by the rules of question choices: its label, emoji,
caption or command, case and punctuation aside — runs that button's command just as
typing the command itself would.

- **Newest only.** The buttons remembered (storage/offered.py) are those of the
  command-button messages of the newest reply that had any; messages without buttons
  leave them be. A tap that marks its message answered (Telegram) takes that message's
  buttons off the list, as the keyboard goes.
- **Not for long.** After `OFFER_WINDOW` the buttons no longer count: the text is
  free text again, as it always was.
- **Unambiguous.** Words that fit buttons of several messages sent together (three
  event cards from /events, each with its own "I'll go") run nothing; the person is
  shown the commands they could mean.
- **Numbers** count only on channels that show command buttons numbered
  (`ChannelInfo.numbered_commands`). None does today: Telegram shows buttons and the
  console shows `• ✅ I'll go: send /rsvp 3 going`. A bare "3" outside a question stays what it was
  (free text), never a guess at a button nobody saw numbered.
- **Safety and peers first.** The crisis guard has read the text before this runs,
  and in an open peer chat (either side) the text is relayed, never taken as a button.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta

from flows.core.context import Context
from flows.core.language import _
from flows.core.matching import match_choice
from flows.core.values import Choice, Input

log = logging.getLogger(__name__)

# Buttons offered longer ago than this are not what typed words refer to.
OFFER_WINDOW = timedelta(hours=24)


def ambiguity_hint(commands: Iterable[str], *, buttons: bool = True) -> str:
    """Which commands the words could mean; `buttons`: the channel shows them as buttons."""
    options = ", ".join(f"/{command}" for command in commands)
    if not buttons:
        return _("I'm not sure which one you mean. Send one of: {options}").format(options=options)
    return _(
        "I'm not sure which one you mean. Tap the button under the one you'd like, "
        "or send one of: {options}"
    ).format(options=options)


class TypedButtons:
    """The engine hook (`Hooks.buttons`): True when the typed text was a button."""

    async def __call__(self, ctx: Context) -> bool:
        inp = ctx.input
        if inp.command is not None or inp.is_tap or inp.edited or inp.media is not None:
            return False
        if not inp.text or (ctx.state is not None and ctx.state.question is not None):
            return False  # an open question takes the answer
        offered = await ctx.tx.offered.latest(ctx.account)
        if offered is None or ctx.now - offered.offered_at >= OFFER_WINDOW:
            return False
        # Where command buttons are shown as numbered lines, "2" can mean one.
        channel = ctx.engine.channels.of(ctx.account)
        numbers = channel.numbered_commands
        meant: dict[str, Choice] = {}
        for message in offered.messages:
            buttons = [Choice(value, label, emoji) for value, label, emoji in message]
            choice = match_choice(inp.text, buttons, numbers=numbers)
            if choice is not None:
                meant.setdefault(choice.value, choice)
        if not meant or await ctx.in_peer_chat():
            return False  # free text, or words for the other side of a chat
        member_id = ctx.member.id if ctx.member is not None else None
        if len(meant) > 1:
            log.info("typed_button_ambiguous member=%s options=%d", member_id, len(meant))
            ctx.say(ambiguity_hint(meant, buttons=channel.buttons))
            return True
        (command,) = meant
        log.info("typed_button member=%s command=%s", member_id, command.split(" ", 1)[0])
        typed = Input.typed(
            "/" + command, message_ref=inp.message_ref, reply_to_ref=inp.reply_to_ref
        )
        await ctx.engine.run_command(ctx, typed)
        return True
