"""A chat in the terminal. Choices are numbered (except where the answer is itself a number
or a time); type a number, an emoji or the words.

`/as <id>` switches the person you are acting as (so a member and a volunteer
can talk through the bot; `/as2`, without the space, only says how); `/quit`
leaves. Messages for someone other than the current person are shown with who
they are for. `#<n> text` replies to message number n, as a volunteer with
several chats picks whom to answer. `/file <path>` sends a file from this computer, as a
chat app's attachment would: an admin's calendar (.ics) or meeting list (.json) is
imported; anyone else's file gets the usual answer to files, and is not read.

A picture or file sent to someone (their /chart, their /export) is written to the
exports folder next to the database, readable by its owner only (0600), and its path
is printed. When that person deletes their data, their files there are removed.
"""

import asyncio
import itertools
import os
import re
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from pathlib import Path, PurePath
from typing import TextIO

from flows.community import (
    CalendarFile,
    FeedFile,
    FeedRefusal,
    admin_file_limit,
    is_calendar_file,
    is_feed_file,
    may_import_calendar,
    read_admin_file,
    too_big_to_read,
)
from flows.core.delivery import Postman, SendResult, Sent
from flows.core.engine import Engine
from flows.core.language import N_, _, speaking
from flows.core.values import Input, Reply
from handlers.console.capabilities import CHANNEL, console_info
from handlers.languages import language_of
from storage import Account

# Lines typed in this session, by message number, so a peer chat can relay
# ("copy") them. Kept in memory only, like a chat app's own history.
_KEEP_TYPED = 500
# What the console says itself, in its reader's language: around a reply, the language
# the reply was made in (`Reply.language`); to the person at the terminal, the language
# of the user they act as.
PICTURE_NAME = N_("chart.png")
_AS_RUN_TOGETHER = re.compile(r"/as\d+")
FILE_USAGE = N_("Usage: /file <path>, for example /file ~/Downloads/meetings.ics")
PICTURE_SAVED = N_("[picture saved to {path}]")
FILE_SAVED = N_("[file saved to {path}]")
FILE_ATTACHED = N_("[a file was attached]")
SEND_COMMAND = N_("• {label}: send /{command}")
TYPE_ANSWER = N_("(type your answer)")
NUMBER_OR_ANSWER = N_("(reply with a number, or type your answer)")
NO_LONGER_AVAILABLE = N_("(a message that is no longer available)")
MESSAGE_NUMBER = N_("[message #{number}]")
REMOVES_MESSAGE = N_("Hearthside (removes message #{number}): {text}")
UPDATES_MESSAGE = N_("Hearthside (updates message #{number}): {text}")
FOR_USER = N_("[to user {user}]")
PROMPT = N_("you (user {user})> ")
GOODBYE = N_("Goodbye — take care.")
AS_USAGE = N_("Usage: /as <user id>, for example /as 2")
NOW_USER = N_("You are now user {user}.")
STILL_USER = N_(
    "You're still user {user}. To act as user {other}, put a space after /as: /as {other}"
)
NO_FILE = N_("There is no file at {path}.")
UNREADABLE = N_("I couldn't read {path}: {error}.")


def render(reply: Reply, saved: Path | None = None) -> str:
    """A reply as printed, with the words the console adds in the reply's language."""
    with speaking(reply.language):
        return _render(reply, saved)


def _render(reply: Reply, saved: Path | None) -> str:
    lines = [reply.text]
    if saved is not None:
        shown = PICTURE_SAVED if reply.image_png is not None else FILE_SAVED
        lines.append(_(shown).format(path=saved))
    elif reply.image_png is not None or reply.document is not None:
        lines.append(_(FILE_ATTACHED))
    if reply.has_commands:
        for choice in reply.choices:
            lines.append("  " + _(SEND_COMMAND).format(label=choice.caption, command=choice.value))
        return "\n".join(lines)
    if reply.choices and not reply.numbered:
        # The answer is itself a number or a time: a numbered list would read "1) 0".
        lines.append("  " + "  ·  ".join(choice.caption for choice in reply.choices))
        lines.append("  " + _(TYPE_ANSWER))
        return "\n".join(lines)
    for number, choice in enumerate(reply.choices, start=1):
        lines.append(f"  {number}) {choice.caption}")
    if reply.choices:
        lines.append("  " + _(NUMBER_OR_ANSWER))
    return "\n".join(lines)


def _safe_name(name: str) -> str:
    """A file name that stays inside the folder, whatever it was given."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", Path(name).name).lstrip(".")
    return cleaned or "file"


def write_private_file(folder: Path, name: str, data: bytes) -> Path:
    """Write `data` to a new file in `folder` readable by its owner only; returns its path.

    An existing file is never overwritten: a number is added to the name instead.
    """
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stem, dot, suffix = _safe_name(name).rpartition(".")
    if not dot:
        stem, suffix = suffix, ""
    for number in itertools.count(1):
        candidate = f"{stem}-{number}" if number > 1 else stem
        path = folder / (f"{candidate}.{suffix}" if suffix else candidate)
        try:
            # Created 0600 (O_EXCL: never someone else's file, nor through a link).
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(descriptor, "wb") as sink:
            os.fchmod(sink.fileno(), 0o600)  # whatever the umask
            sink.write(data)
        return path.resolve()
    raise AssertionError("unreachable")


def remove_files_starting(folder: Path, prefix: str) -> int:
    """Delete the files in `folder` whose names start with `prefix`; returns how many."""
    if not folder.is_dir():
        return 0
    removed = 0
    for path in folder.iterdir():
        if path.name.startswith(prefix) and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


class ConsoleChannel:
    """Delivers replies by printing them (and saving their attachments)."""

    name = CHANNEL

    def __init__(
        self, out: TextIO, current_user: Callable[[], str], exports: Path | None = None
    ) -> None:
        self._out = out
        self._current_user = current_user
        self._exports = exports if exports is not None else Path("exports")
        self._numbers = itertools.count(1)
        self.typed: dict[tuple[str, str], str] = {}

    def next_ref(self) -> str:
        return str(next(self._numbers))

    def remember_typed(self, user: str, ref: str, line: str) -> None:
        self.typed[(user, ref)] = line
        if len(self.typed) > _KEEP_TYPED:
            del self.typed[next(iter(self.typed))]

    def _print(self, external_id: str, text: str, reply: Reply) -> None:
        prefix = ""
        if external_id != self._current_user():
            with speaking(reply.language):
                prefix = _(FOR_USER).format(user=external_id) + " "
        self._out.write(f"\n{prefix}{text}\n")
        self._out.flush()

    async def _save(self, external_id: str, reply: Reply) -> Path | None:
        """Write the reply's attachment, if any, to the exports folder."""
        if reply.image_png is not None:
            with speaking(reply.language):
                name, data = _(PICTURE_NAME), reply.image_png
        elif reply.document is not None:
            name, data = reply.document.file_name, reply.document.data
        else:
            return None
        return await asyncio.to_thread(
            write_private_file, self._exports, self._prefix(external_id) + _safe_name(name), data
        )

    def _prefix(self, external_id: str) -> str:
        # Files are named for whom they are, since several people may share this terminal.
        return _safe_name(f"user-{external_id}-")

    async def _forget(self, external_id: str) -> None:
        """The person deleted their data: their saved files and typed lines go too."""
        await asyncio.to_thread(remove_files_starting, self._exports, self._prefix(external_id))
        for key in [key for key in self.typed if key[0] == external_id]:
            del self.typed[key]

    async def send(self, external_id: str, reply: Reply) -> Sent:
        if reply.forget_chat:
            await self._forget(external_id)
        ref = self.next_ref()
        saved = await self._save(external_id, reply)
        if reply.copy_of is not None:
            source = reply.copy_of.source
            if source.channel != CHANNEL:
                # Only lines typed here can be copied; the relay re-sends anything else.
                return Sent(SendResult.REJECTED)
            with speaking(reply.language):
                number = _(MESSAGE_NUMBER).format(number=ref)
                original = self.typed.get(
                    (source.external_id, reply.copy_of.message_ref), _(NO_LONGER_AVAILABLE)
                )
            self._print(external_id, f"{number} {original}", reply)
        elif reply.notice is not None:
            # A notice may be edited later ("taken") or replied to: show its number.
            with speaking(reply.language):
                number = _(MESSAGE_NUMBER).format(number=ref)
            self._print(external_id, f"{number} Hearthside: {render(reply, saved)}", reply)
        else:
            self._print(external_id, f"Hearthside: {render(reply, saved)}", reply)
        return Sent(SendResult.SENT, ref)

    async def edit(self, external_id: str, message_ref: str, reply: Reply) -> SendResult:
        with speaking(reply.language):
            if reply.withdraw:
                # A terminal can't take back what it printed; say the message is withdrawn.
                text = _(REMOVES_MESSAGE).format(number=message_ref, text=reply.text)
            else:
                text = _(UPDATES_MESSAGE).format(number=message_ref, text=render(reply))
        self._print(external_id, text, reply)
        return SendResult.SENT


def _load(raw: str, limit: int) -> bytes | str | None:
    """A file's bytes; None if it is over `limit`; what went wrong, to show, if it can't
    be read."""
    path = Path(raw).expanduser()
    try:
        if not path.is_file():
            return _(NO_FILE).format(path=path)
        if path.stat().st_size > limit:
            return None
        return path.read_bytes()
    except OSError as error:
        # The system's own words for what went wrong stay as the system gives them.
        return _(UNREADABLE).format(path=path, error=error.strerror or error)


def _start_line_reader(
    stream: TextIO, loop: asyncio.AbstractEventLoop
) -> "asyncio.Queue[str | None]":
    """Read lines on a daemon thread, so a blocked read never holds up shutdown."""
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def post(item: str | None) -> None:
        # The loop may have closed first (the session ended): nobody reads any more.
        with suppress(RuntimeError):
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def pump() -> None:
        for line in stream:
            post(line)
        post(None)

    threading.Thread(target=pump, name="console-input", daemon=True).start()
    return queue


class ConsoleSession:
    """The console channel, running: reads lines until /quit, the input ends, or `stop`.

    Scheduled work (the sweep) is run by the composition root, for every channel.
    """

    name = CHANNEL

    def __init__(
        self,
        engine: Engine,
        postman: Postman,
        *,
        stdin: TextIO,
        stdout: TextIO,
        user: str = "1",
        exports: Path | None = None,
    ) -> None:
        self._engine = engine
        self._postman = postman
        self._stdin = stdin
        self._out = stdout
        self.user = user
        self._channel = ConsoleChannel(stdout, lambda: self.user, exports)
        postman.register(self._channel)
        engine.channels.declare(console_info())
        # Set when the session ended on its own: /quit, or the end of the input.
        self.ended = asyncio.Event()
        self._quit = asyncio.Event()
        self._reading: asyncio.Task[None] | None = None

    def bulk(self) -> AbstractContextManager[None]:
        """A terminal needs no pacing of scheduled sends."""
        return nullcontext()

    async def start(self) -> None:
        """Show what was left unsent, then read lines in the background."""
        await self._postman.drain(CHANNEL)
        self._reading = asyncio.create_task(self._read(), name="console")
        self._reading.add_done_callback(lambda _task: self.ended.set())

    async def stop(self) -> None:
        self._quit.set()
        if self._reading is not None:
            await self._reading

    def _show(self, line: str) -> None:
        self._out.write(line + "\n")
        self._out.flush()

    async def _language(self) -> str:
        """The language of the user the person at the terminal acts as."""
        return await language_of(self._engine, Account(CHANNEL, self.user))

    async def _prompt(self) -> None:
        with speaking(await self._language()):
            prompt = _(PROMPT).format(user=self.user)
        self._out.write(f"\n{prompt}")
        self._out.flush()

    async def _read(self) -> None:
        lines = _start_line_reader(self._stdin, asyncio.get_running_loop())
        await self._prompt()
        while not self._quit.is_set():
            next_line = asyncio.ensure_future(lines.get())
            stopped = asyncio.ensure_future(self._quit.wait())
            done, _pending = await asyncio.wait(
                {next_line, stopped}, return_when=asyncio.FIRST_COMPLETED
            )
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
            await self._prompt()

    async def _send_file(self, raw: str) -> None:
        """A file "attached" from this computer: an admin's calendar or meeting list is
        read (in the capped process, as on every channel); nobody else's is opened."""
        if not raw:
            self._show(_(FILE_USAGE))
            return
        name = PurePath(raw).name
        account = Account(CHANNEL, self.user)
        calendar: CalendarFile | str | FeedFile | FeedRefusal | None = None
        wanted = is_calendar_file(name, "") or is_feed_file(name, "")
        if wanted and await may_import_calendar(self._engine, account):
            feed = is_feed_file(name, "")
            config = self._engine.config
            # Why a file can't be read is said to its sender, in their language.
            data = await asyncio.to_thread(_load, raw, admin_file_limit(feed=feed, config=config))
            if isinstance(data, str):
                self._show(data)
                return
            calendar = (
                too_big_to_read(feed=feed, config=config)
                if data is None
                else await read_admin_file(
                    data, feed=feed, config=config, now=self._engine.clock.now()
                )
            )
        inp = Input(media="document", calendar=calendar, message_ref=self._channel.next_ref())
        outcome = await self._engine.handle(account, inp, deliver_first=self._postman.deliver)
        await self._postman.deliver(outcome.deliveries)

    async def handle_line(self, line: str) -> bool:
        """Handle one typed line; False when the person asked to leave."""
        if not line:
            return True
        word, _space, rest = line.partition(" ")
        if (
            line in ("/quit", "/exit")
            or word in ("/as", "/file")
            or _AS_RUN_TOGETHER.fullmatch(word)
        ):
            # The console's own lines, to the person at the terminal: in the language of
            # the user they act as.
            with speaking(await self._language()):
                return await self._console_command(line, word, rest)
        reply_to = None
        if line.startswith("#") and " " in line:
            # "#12 text" answers message #12 (a volunteer choosing which chat to answer).
            number, _space, rest = line[1:].partition(" ")
            if number.isdigit():
                reply_to, line = number, rest.strip()
        ref = self._channel.next_ref()
        self._channel.remember_typed(self.user, ref, line)
        inp = Input.typed(line, message_ref=ref, reply_to_ref=reply_to)
        outcome = await self._engine.handle(
            Account(CHANNEL, self.user), inp, deliver_first=self._postman.deliver
        )
        if outcome.edit is not None:
            self._show(f"\nHearthside: {render(outcome.edit)}")
        await self._postman.deliver(outcome.deliveries)
        return True

    async def _console_command(self, line: str, word: str, rest: str) -> bool:
        """/quit, /as and /file: the console's own commands, not the bot's."""
        if line in ("/quit", "/exit"):
            self._show(_(GOODBYE))
            return False
        if word == "/as":
            who = rest.strip()
            if not who.isdigit():
                self._show(_(AS_USAGE))
            else:
                self.user = who
                with speaking(await self._language()):  # theirs now
                    self._show(_(NOW_USER).format(user=who))
            return True
        if word == "/file":
            await self._send_file(rest.strip())
            return True
        # "/as12" switching people unasked would be a surprise: say how, change nothing.
        who = word[3:]
        self._show(_(STILL_USER).format(user=self.user, other=who))
        return True
