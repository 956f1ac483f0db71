"""The engine's plug points: what features run around the flows, for every input."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from flows.core.commands import PEOPLES_COMMANDS, Command, CommandHandler
from flows.core.context import Context
from flows.core.values import Input

# Returns True when it took care of the input (the flow must not see it).
InputHook = Callable[[Context], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class Hooks:
    """What runs around the flows for free text and attachments, in the order listed
    (`reachable_again` aside: it runs first, for anyone marked unreachable who writes)."""

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
    # An open peer chat: relays the input to the other side (an edit: edits its copies; a
    # deletion: withdraws them).
    relay: InputHook | None = None
    # Attachments that reach no chat (e.g. an admin's calendar file).
    media: InputHook | None = None
    # Someone marked unreachable writes again (they unblocked the bot): the member
    # package puts their prompts back on schedule.
    reachable_again: CommandHandler | None = None

    async def guard_reads(self, inp: Input, commands: Mapping[str, Command]) -> bool:
        """Whether the guard reads `inp` first: typed words that `alarmed` finds need it."""
        if self.guard is None or not inp.text or inp.is_tap:
            return False
        if inp.command is not None:
            # What people type after a command ("/talk i want to die") is theirs to read too;
            # staff commands carry event texts, references and codes, not a person's words.
            command = commands.get(inp.command)
            if command is None or command.audience not in PEOPLES_COMMANDS:
                return False
        return self.alarmed is None or await self.alarmed(inp.text)
