"""A chat in the terminal. Choices are numbered; type a number, an emoji or the words.

`/as <id>` switches the person you are acting as (so a second member, and later a
volunteer or admin, can be tried); `/quit` leaves. Messages for someone other
than the current person are shown with who they are for.
"""

import asyncio
import threading
from collections.abc import Callable
from typing import TextIO

from flows.delivery import Postman, SendResult
from flows.engine import Engine
from flows.values import Input, Reply
from storage import Account

CHANNEL = "console"


def render(reply: Reply) -> str:
    lines = [reply.text]
    if reply.image_png is not None:
        lines.append("[a picture was attached]")
    for number, choice in enumerate(reply.choices, start=1):
        lines.append(f"  {number}) {choice.caption}")
    if reply.choices:
        lines.append("  (reply with a number, or type your answer)")
    return "\n".join(lines)


class ConsoleChannel:
    """Delivers replies by printing them."""

    name = CHANNEL

    def __init__(self, out: TextIO, current_user: Callable[[], str]) -> None:
        self._out = out
        self._current_user = current_user

    async def send(self, external_id: str, reply: Reply) -> SendResult:
        prefix = "" if external_id == self._current_user() else f"[to user {external_id}] "
        self._out.write(f"\n{prefix}Hearthside: {render(reply)}\n")
        self._out.flush()
        return SendResult.SENT


def _start_line_reader(
    stream: TextIO, loop: asyncio.AbstractEventLoop
) -> "asyncio.Queue[str | None]":
    """Read lines on a daemon thread, so a blocked read never holds up shutdown."""
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def pump() -> None:
        for line in stream:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, name="console-input", daemon=True).start()
    return queue


class ConsoleSession:
    def __init__(
        self,
        engine: Engine,
        postman: Postman,
        *,
        stdin: TextIO,
        stdout: TextIO,
        user: str = "1",
    ) -> None:
        self._engine = engine
        self._postman = postman
        self._stdin = stdin
        self._out = stdout
        self.user = user
        postman.register(ConsoleChannel(stdout, lambda: self.user))

    def _show(self, line: str) -> None:
        self._out.write(line + "\n")
        self._out.flush()

    def _prompt(self) -> None:
        self._out.write(f"\nyou (user {self.user})> ")
        self._out.flush()

    async def run(self, stop: asyncio.Event) -> None:
        await self._postman.drain(CHANNEL)
        lines = _start_line_reader(self._stdin, asyncio.get_running_loop())
        self._prompt()
        while not stop.is_set():
            next_line = asyncio.ensure_future(lines.get())
            stopped = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({next_line, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if next_line not in done:
                next_line.cancel()
                stopped.cancel()
                return
            stopped.cancel()
            line = next_line.result()
            if line is None:
                self._show("")
                return
            if not await self.handle_line(line.strip()):
                return
            self._prompt()

    async def handle_line(self, line: str) -> bool:
        """Handle one typed line; False when the person asked to leave."""
        if not line:
            return True
        if line in ("/quit", "/exit"):
            self._show("Goodbye — take care.")
            return False
        if line.startswith("/as"):
            who = line[3:].strip()
            if not who.isdigit():
                self._show("Usage: /as <user id>, for example /as 2")
            else:
                self.user = who
                self._show(f"You are now user {who}.")
            return True
        outcome = await self._engine.handle(Account(CHANNEL, self.user), Input.typed(line))
        if outcome.edit is not None:
            self._show(f"\nHearthside: {render(outcome.edit)}")
        await self._postman.deliver(outcome.deliveries)
        return True
