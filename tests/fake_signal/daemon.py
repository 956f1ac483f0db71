"""The fake signal-cli daemon: a JSON-RPC server on loopback TCP with a Signal account's state.

See the package docstring for how tests drive it. The behaviour follows signal-cli 0.14.6's
source (`jsonrpc/`, `commands/`, `json/`); where the fake is stricter, it says so.
"""

import asyncio
import base64
import binascii
import itertools
import re
import secrets
import time
import urllib.parse
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from tests.fake_signal import params as P
from tests.fake_signal.protocol import (
    CAPTCHA_REJECTED_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    RATELIMIT_ERROR,
    UNTRUSTED_KEY_ERROR,
    USER_ERROR,
    Fault,
    Request,
    encode,
    error,
    id_of,
    node_type,
    notification,
    parse_line,
    parse_request,
    success,
)
from tests.fake_signal.records import BotReaction, Group, SentMessage, User

T = TypeVar("T")
Mode = Literal["on-connection", "manual"]
NoiseKind = Literal["receipt", "typing", "sync", "exception"]

# The version the fake's methods and parameters were taken from.
VERSION = "0.14.6"
# signal-cli reads lines without a length limit; attachments come as base64 in one line.
LINE_LIMIT = 64 * 2**20
# A stranger's ACI, for a notification when the fake knows nobody yet.
STRANGER = "00000000-0000-4000-8000-00000000beef"

# Methods a multi-account daemon runs without an account (JsonRpcMultiCommand), and those
# that need one (JsonRpcSingleCommand). version and the subscriptions are both.
_MULTI = frozenset({"version", "listAccounts", "subscribeReceive", "unsubscribeReceive"})
_SINGLE = frozenset(P.SPECS) - {"listAccounts"}

_UUID = re.compile(r"\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z", re.I)
_E164 = re.compile(r"\A\+[1-9][0-9]{6,14}\Z")
_RANGE = re.compile(r"\A(\d+):(\d+):(.+)\Z")
_STYLES = frozenset({"NONE", "BOLD", "ITALIC", "SPOILER", "STRIKETHROUGH", "MONOSPACE"})
# lib/…/util/DataURI.java
_DATA_URI = re.compile(
    r"\Adata:(?P<type>.+?/.+?)?(?P<parameters>;.+?=.+?)?(?P<base64>;base64)?,(?P<data>.+)\Z",
    re.IGNORECASE | re.DOTALL,
)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Connection:
    writer: asyncio.StreamWriter
    # subscription id → wrapped as {"subscription", "result"} (True) or not (False: the
    # internal subscription every client gets in on-connection mode).
    subs: dict[int, bool] = field(default_factory=dict)

    @property
    def open(self) -> bool:
        return not self.writer.is_closing()

    def write(self, message: Any) -> bool:
        if not self.open:
            return False
        self.writer.write(encode(message))
        return True


@dataclass
class _Outcome:
    """What one recipient's send came to: its result entry, and whether it arrived."""

    entry: dict[str, Any]
    user: User | None

    @property
    def ok(self) -> bool:
        return bool(self.entry["type"] == "SUCCESS")


class FakeSignalDaemon:
    def __init__(
        self,
        *,
        account: str = "+15550001111",
        multi_account: bool = False,
        mode: Mode = "on-connection",
    ) -> None:
        self.account = account
        self.self_aci = str(uuid.uuid5(uuid.NAMESPACE_URL, f"hearthside-fake-signal:{account}"))
        self.multi_account = multi_account
        self.mode = mode
        # Every request with a known method and valid parameters, as sent (with "account").
        self.calls: list[tuple[str, dict[str, Any]]] = []
        # Requests the fake refused for their method or parameters: (method, params, code,
        # message). An adapter under test should leave this empty.
        self.rejected: list[tuple[str, Any, int, str]] = []
        self.users: dict[str, User] = {}
        self.groups: dict[str, Group] = {}
        self.reactions_sent: list[BotReaction] = []
        self.receipts_sent: list[tuple[str, list[int], str]] = []  # (ACI, timestamps, type)
        self.profile: dict[str, Any] = {}
        self.contacts: dict[str, dict[str, Any]] = {}  # ACI → updateContact's fields
        # submitRateLimitChallenge's (challenge, captcha), in order.
        self.challenges: list[tuple[str, str]] = []
        # Timestamps of the envelopes written to a client, in order.
        self.delivered: list[int] = []
        self._normalised: list[dict[str, Any]] = []
        self._taken: set[int] = set()
        self._read: dict[str, int] = {}
        self._transcripts: dict[str, list[SentMessage]] = {}
        self._attachments: dict[str, bytes] = {}
        self._queue: list[tuple[int, dict[str, Any]]] = []
        self._conns: list[_Connection] = []
        # The connections' readers, and the requests being answered.
        self._serving: set[asyncio.Task[None]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self._port = 0
        self._faults: dict[str, list[tuple[int, Fault]]] = {}  # (calls to let by first, …)
        self._delays: dict[str, float] = {}
        self._rate_limit: tuple[str, int] | None = None
        self._push_between = False
        self._subscription_ids = itertools.count()
        self._last_ts = 0
        self._changed = asyncio.Event()

    # --- running -------------------------------------------------------------------------

    async def start(self) -> str:
        """Listens on 127.0.0.1 (a free port the first time); returns "tcp://127.0.0.1:PORT"."""
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self._port, limit=LINE_LIMIT, reuse_address=True
        )
        self._port = self._server.sockets[0].getsockname()[1]
        return self.address

    @property
    def address(self) -> str:
        return f"tcp://127.0.0.1:{self._port}"

    @property
    def port(self) -> int:
        return self._port

    async def stop(self) -> None:
        await self._close_server()
        # Readers end by themselves once their connection is cut (asyncio's server callback
        # cannot take a cancelled one); requests still being answered are cancelled.
        await asyncio.gather(*self._serving, return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def restart(self) -> None:
        """Drops every connection and listens again on the same port; state is kept."""
        await self._close_server()
        await self.start()

    def drop_connections(self, *, partial_line: bool = False) -> None:
        """Cuts every client off at once (a reset, not a goodbye).

        With `partial_line`, half a notification line goes out first, as when a daemon dies
        while writing.
        """
        for conn in list(self._conns):
            if partial_line and conn.open:
                conn.writer.write(b'{"jsonrpc":"2.0","method":"receive","params":{"acc')
            conn.writer.transport.abort()
        self._conns.clear()
        self._notify()

    async def __aenter__(self) -> "FakeSignalDaemon":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _close_server(self) -> None:
        if self._server is not None:
            self._server.close()
            self.drop_connections()
            await self._server.wait_closed()
            self._server = None

    @property
    def connection_count(self) -> int:
        return sum(1 for conn in self._conns if conn.open)

    async def wait_connected(self, count: int = 1, timeout: float = 10) -> None:
        """Until at least `count` clients are connected."""

        def probe() -> bool | None:
            return True if self.connection_count >= count else None

        await self._wait_for(probe, timeout, f"{count} connection(s)")

    async def wait_disconnected(self, timeout: float = 10) -> None:
        """Until no client is connected."""

        def probe() -> bool | None:
            return True if self.connection_count == 0 else None

        await self._wait_for(probe, timeout, "no connection")

    # --- people ----------------------------------------------------------------------------

    def add_user(
        self,
        aci: str,
        *,
        number: str | None = None,
        username: str | None = None,
        name: str | None = None,
    ) -> None:
        """A registered Signal account; `number` None is a hidden number, `name` its profile."""
        if not _UUID.match(aci):
            raise ValueError(f"an ACI is a UUID: {aci!r}")
        user = self.users.get(aci)
        if user is None:
            self.users[aci] = User(aci=aci, number=number, username=username, name=name)
            return
        if number is not None:
            user.number = number
        if username is not None:
            user.username = username
        if name is not None:
            user.name = name

    def unregister(self, aci: str) -> None:
        """The person deleted their Signal account: sends to them fail UNREGISTERED_FAILURE."""
        self._user(aci).registered = False

    def user_sends(
        self,
        aci: str,
        text: str | None = None,
        *,
        number: str | None = None,
        quote: tuple[str, int] | None = None,
        attachments: Sequence[tuple[str, bytes]] = (),
        expires_in: int = 0,
    ) -> int:
        """A person sends the bot a message; returns its timestamp (the message's id)."""
        self.add_user(aci, number=number)
        user = self.users[aci]
        ts = self._tick()
        data = self._data_message(ts, text, expires_in)
        if quote is not None:
            data["quote"] = self._quote(aci, *quote)
        if attachments:
            data["attachments"] = [self._incoming_attachment(ct, b, ts) for ct, b in attachments]
        return self._push(self._envelope(user, ts, dataMessage=data))

    def user_reacts(
        self, aci: str, emoji: str, target_author: str, target_ts: int, remove: bool = False
    ) -> int:
        """A person reacts to a message (the bot's, when `target_author` is the bot)."""
        user = self._user(aci)
        ts = self._tick()
        author_number, author_uuid = self._address_of(target_author)
        data = self._data_message(ts, None, 0)
        data["reaction"] = {
            "emoji": emoji,
            "targetAuthor": author_number or author_uuid,
            "targetAuthorNumber": author_number,
            "targetAuthorUuid": author_uuid,
            "targetSentTimestamp": target_ts,
            "isRemove": remove,
        }
        if author_uuid == self.self_aci:
            for sent in self._transcripts.get(aci, []):
                if sent.timestamp == target_ts:
                    # One reaction per person per message: a new one replaces the old.
                    if remove:
                        sent.reactions = [e for e in sent.reactions if e != emoji]
                    else:
                        sent.reactions = [emoji]
        return self._push(self._envelope(user, ts, dataMessage=data))

    def user_edits(self, aci: str, target_ts: int, text: str) -> int:
        """A person edits a message they sent at `target_ts`."""
        user = self._user(aci)
        ts = self._tick()
        edit = {"targetSentTimestamp": target_ts, "dataMessage": self._data_message(ts, text, 0)}
        return self._push(self._envelope(user, ts, editMessage=edit))

    def user_deletes(self, aci: str, target_ts: int) -> int:
        """A person deletes, for everyone, a message they sent at `target_ts`."""
        user = self._user(aci)
        ts = self._tick()
        data = self._data_message(ts, None, 0)
        data["remoteDelete"] = {"timestamp": target_ts}
        return self._push(self._envelope(user, ts, dataMessage=data))

    def noise(self, aci: str, kind: NoiseKind) -> int:
        """An envelope a bot should record and ignore: a delivery receipt, a typing
        indicator, a sync message from the bot's own linked device, or one that failed to
        decrypt (`exception`)."""
        user = self._user(aci)
        ts = self._tick()
        if kind == "receipt":
            sent = self._transcripts.get(aci)
            receipt = {
                "when": ts,
                "isDelivery": True,
                "isRead": False,
                "isViewed": False,
                "timestamps": [sent[-1].timestamp if sent else ts - 1],
            }
            return self._push(self._envelope(user, ts, receiptMessage=receipt))
        if kind == "typing":
            return self._push(
                self._envelope(user, ts, typingMessage={"action": "STARTED", "timestamp": ts})
            )
        if kind == "sync":
            me = User(aci=self.self_aci, number=self.account, name=self.profile.get("givenName"))
            sent_message = {
                "destination": user.number or user.aci,
                "destinationNumber": user.number,
                "destinationUuid": user.aci,
                **self._data_message(ts, "sent from a linked device", 0),
            }
            envelope = self._envelope(me, ts, syncMessage={"sentMessage": sent_message})
            envelope["sourceDevice"] = 2
            return self._push(envelope)
        exception = {"message": "Untrusted identity key!", "type": "UntrustedIdentityException"}
        return self._push(self._envelope(user, ts), exception=exception)

    # --- what the bot did ------------------------------------------------------------------

    async def next_call(self, method: str, timeout: float = 10, **match: Any) -> dict[str, Any]:
        """The params of the first call of `method` not yet taken whose params include
        `match` (each key compared as sent, or normalised: lists under the singular name)."""

        def probe() -> dict[str, Any] | None:
            for i, (m, params) in enumerate(self.calls):
                if i in self._taken or m != method:
                    continue
                norm = self._normalised[i]
                if all(params.get(k, _MISSING) == v or norm.get(k) == v for k, v in match.items()):
                    self._taken.add(i)
                    return params
            return None

        return await self._wait_for(probe, timeout, f"a {method} call matching {match}")

    def transcript(self, aci: str) -> list[SentMessage]:
        """What the bot sent that person, oldest first (live: later edits show)."""
        return list(self._transcripts.get(aci, []))

    async def next_message(self, aci: str, timeout: float = 10) -> SentMessage:
        """The next message to that person that this method has not returned yet."""

        def probe() -> SentMessage | None:
            sent = self._transcripts.get(aci, [])
            seen = self._read.get(aci, 0)
            if seen < len(sent):
                self._read[aci] = seen + 1
                return sent[seen]
            return None

        return await self._wait_for(probe, timeout, "a message to that person")

    @property
    def pending(self) -> int:
        """Envelopes waiting for a client, as Signal's server keeps them."""
        return len(self._queue)

    async def wait_delivered(self, timestamp: int, timeout: float = 10) -> None:
        """Until the envelope with that timestamp has been written to a client."""

        def probe() -> bool | None:
            return True if timestamp in self.delivered else None

        await self._wait_for(probe, timeout, f"envelope {timestamp} delivered")

    # --- faults ------------------------------------------------------------------------------

    def fail_next(
        self, method: str, code: int, message: str, data: Any = None, *, after: int = 0
    ) -> None:
        """The next call of `method` (with valid params) gets this error and has no effect;
        with `after`, that many calls go through first (the second piece of a long send)."""
        self._faults.setdefault(method, []).append((after, Fault(code, message, data)))

    def rate_limit_sends(self, token: str = "tok", retry_after: int = 86400) -> None:
        """Every send fails RATE_LIMIT_FAILURE with a captcha token until it is lifted."""
        self._rate_limit = (token, retry_after)

    def lift_rate_limit(self) -> None:
        self._rate_limit = None

    def untrusted(self, aci: str) -> None:
        """That person's safety number changed: sends to them fail -4 until `trust`."""
        self._user(aci).untrusted = True

    def delay(self, method: str, seconds: float) -> None:
        """Calls of `method` are answered `seconds` later (their effect happens then too)."""
        if seconds > 0:
            self._delays[method] = seconds
        else:
            self._delays.pop(method, None)

    def push_between(self) -> None:
        """The next response goes out just after a notification (a typing indicator)."""
        self._push_between = True

    # --- connections -------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._serving.add(task)
        conn = _Connection(writer)
        self._conns.append(conn)
        if self.mode == "on-connection":
            conn.subs[next(self._subscription_ids)] = False
            self._flush()
        self._notify()
        try:
            while True:
                try:
                    line = await reader.readline()
                except (ValueError, ConnectionError):
                    break
                if not line:
                    break
                try:
                    text = line.decode()
                except UnicodeDecodeError:
                    break  # signal-cli's reader throws MalformedInputException and hangs up
                self._spawn(self._handle_line(conn, text))
        finally:
            if conn in self._conns:
                self._conns.remove(conn)
            conn.subs.clear()
            writer.close()
            self._serving.discard(task)
            self._notify()

    def _spawn(self, work: Awaitable[None]) -> None:
        # signal-cli runs every line on a thread of its own, so answers overtake each other.
        async def run() -> None:
            await work

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle_line(self, conn: _Connection, line: str) -> None:
        try:
            node = parse_line(line)
        except Fault as fault:
            self._respond(conn, error(fault, None))
            return
        if isinstance(node, list):
            await self._handle_batch(conn, node)
        elif isinstance(node, dict):
            if "result" in node or "error" in node:
                return  # a response to nothing the daemon asked: dropped
            try:
                request = parse_request(node)
            except Fault as fault:
                self._respond(conn, error(fault, id_of(node)))
                return
            response, after = await self._answer(conn, request)
            if response is not None:
                self._respond(conn, response)
            if after is not None:
                after()
        else:
            unexpected = Fault(INVALID_REQUEST, f"unexpected type: {node_type(node)}")
            self._respond(conn, error(unexpected, None))

    async def _handle_batch(self, conn: _Connection, nodes: list[Any]) -> None:
        if not nodes:
            self._respond(conn, error(Fault(INVALID_REQUEST, "invalid request"), None))
            return
        immediate: list[dict[str, Any]] = []
        pending: list[Awaitable[tuple[dict[str, Any] | None, Callable[[], None] | None]]] = []
        for node in nodes:
            try:
                if not isinstance(node, dict):
                    raise Fault(
                        INVALID_REQUEST,
                        f"Cannot deserialize value of type `org.asamk.signal.jsonrpc."
                        f"JsonRpcRequest` from {node_type(node).capitalize()} value",
                    )
                request = parse_request(node)
            except Fault as fault:
                immediate.append(error(fault, id_of(node)))
                continue
            pending.append(self._answer(conn, request))
        answered = await asyncio.gather(*pending)
        responses = immediate + [r for r, _ in answered if r is not None]
        if responses:
            # Collected from threads as they finish: any order. The fake answers the
            # requests in reverse, so a client that assumes the order fails.
            self._respond(conn, list(reversed(responses)))
        for _, after in answered:
            if after is not None:
                after()

    def _respond(self, conn: _Connection, message: Any) -> None:
        if self._push_between and conn.open:
            self._push_between = False
            params = self._between_notification()
            if conn.subs:
                self._push_to(conn, params)
            else:
                conn.write(notification("receive", params))
        conn.write(message)

    async def _answer(
        self, conn: _Connection, request: Request
    ) -> tuple[dict[str, Any] | None, Callable[[], None] | None]:
        after: Callable[[], None] | None = None
        try:
            result, after = await self._dispatch(conn, request.method, request.params)
            response = success(result, request.id)
        except Fault as fault:
            response = error(fault, request.id)
        return (response if request.has_id else None), after

    # --- dispatch ----------------------------------------------------------------------------

    async def _dispatch(
        self, conn: _Connection, method: str, params: dict[str, Any] | list[Any] | None
    ) -> tuple[Any, Callable[[], None] | None]:
        raw = params if isinstance(params, dict) else {}
        try:
            if method not in P.SPECS:
                raise Fault(METHOD_NOT_FOUND, "Method not implemented")
            given = raw.get("account")
            if self.multi_account:
                if method in _SINGLE and given is not None:
                    if given != self.account:
                        raise Fault(INVALID_PARAMS, "Specified account does not exist")
                elif method not in _MULTI:
                    # signal-cli falls back to its only account when it has exactly one; the
                    # fake always wants it, as a daemon with two accounts would.
                    raise Fault(INVALID_PARAMS, "Method requires valid account parameter")
            else:
                if method not in _SINGLE:
                    raise Fault(METHOD_NOT_FOUND, "Method not implemented")
                if given is not None and given != self.account:
                    # signal-cli ignores it here; an account mix-up is worth a failure.
                    raise Fault(INVALID_PARAMS, "Specified account does not exist")
            if method == "unsubscribeReceive" and isinstance(params, list):
                params = {"subscription": params[0]} if params else {}
            elif isinstance(params, list):
                raise Fault(
                    INVALID_REQUEST,
                    "Cannot deserialize value of type `java.util.LinkedHashMap<java.lang.String,"
                    "java.lang.Object>` from Array value (token `JsonToken.START_ARRAY`)",
                )
            body = {k: v for k, v in (params or {}).items() if k != "account"}
            try:
                norm = P.check(method, body)
            except P.ParamError as e:
                raise Fault(INVALID_PARAMS, str(e)) from None
            if method == "send":
                self._strict_send(norm)
        except Fault as fault:
            if fault.code in (INVALID_PARAMS, METHOD_NOT_FOUND, INVALID_REQUEST):
                self.rejected.append((method, params, fault.code, fault.message))
            raise
        self.calls.append((method, dict(raw)))
        self._normalised.append(norm)
        self._notify()
        if method in self._delays:
            await asyncio.sleep(self._delays[method])
        faults = self._faults.get(method)
        if faults:
            let_by, planned = faults[0]
            if let_by > 0:
                faults[0] = (let_by - 1, planned)
            else:
                faults.pop(0)
                raise planned
        if method == "subscribeReceive":
            sid = next(self._subscription_ids)
            conn.subs[sid] = True
            return sid, self._flush
        if method == "unsubscribeReceive":
            return self._unsubscribe(conn, norm.get("subscription")), None
        handler: Callable[[dict[str, Any]], Any] = getattr(self, f"_m_{method}")
        result = handler(norm)
        self._notify()
        return result, None

    def _unsubscribe(self, conn: _Connection, sid: int | None) -> dict[str, Any]:
        if sid is None:
            if self.multi_account:
                raise Fault(USER_ERROR, "Missing subscription parameter with subscription id")
            if conn.subs:
                del conn.subs[min(conn.subs)]
            return {}
        if sid not in conn.subs:
            raise Fault(USER_ERROR, "Unknown subscription id")
        del conn.subs[sid]
        return {}

    # --- methods -----------------------------------------------------------------------------

    def _m_version(self, _: dict[str, Any]) -> Any:
        return {"version": VERSION}

    def _m_listAccounts(self, _: dict[str, Any]) -> Any:
        return [{"number": self.account}]

    def _m_send(self, p: dict[str, Any]) -> Any:
        if p.get("messageFromStdin"):
            raise Fault(INVALID_PARAMS, "send: messageFromStdin reads the daemon's own stdin")
        text: str = p.get("message") or ""
        attachments = [self._decode_attachment(a) for a in p.get("attachment", [])]
        styles = self._text_styles(p.get("textStyle", []))
        for mention in p.get("mention", []):
            if not _RANGE.match(mention):
                raise Fault(
                    USER_ERROR,
                    f"Invalid mention syntax ({mention}) expected 'start:length:recipientNumber'",
                )
        quote: tuple[str, int] | None = None
        if "quoteTimestamp" in p:
            author = p.get("quoteAuthor")
            if author is None:
                raise Fault(USER_ERROR, "Quote author parameter is missing")
            self._identifier(author)
            quote = (author, p["quoteTimestamp"])
        if not text and not attachments and p.get("sticker") is None and quote is None:
            raise Fault(
                USER_ERROR,
                "Sending empty message is not allowed, either a message, attachment or sticker "
                "must be given.",
            )
        edit_of = p.get("editTimestamp")
        ts = self._tick()

        def deliver(transcript: list[SentMessage]) -> None:
            if edit_of is not None:
                for sent in transcript:
                    if sent.timestamp == edit_of:
                        sent.edits.append(text)
                return
            transcript.append(
                SentMessage(
                    timestamp=ts,
                    text=text,
                    text_styles=styles,
                    quote=quote,
                    attachments=attachments,
                    view_once=bool(p.get("viewOnce")),
                    voice_note=bool(p.get("voiceNote")),
                    no_urgent=bool(p.get("noUrgent")),
                )
            )

        return self._send(p, ts, deliver)

    def _m_sendReaction(self, p: dict[str, Any]) -> Any:
        self._identifier(p["targetAuthor"])
        ts = self._tick()
        reactions: list[BotReaction] = []

        def deliver(_: list[SentMessage], aci: str) -> None:
            remove = bool(p.get("remove"))
            target = (p["targetAuthor"], p["targetTimestamp"])
            reactions.append(BotReaction(aci, p["emoji"], *target, remove))

        result = self._send(p, ts, deliver_to=deliver)
        self.reactions_sent.extend(reactions)
        return result

    def _m_sendTyping(self, p: dict[str, Any]) -> Any:
        ts = self._tick()
        stop = bool(p.get("stop"))

        def deliver(_: list[SentMessage], aci: str) -> None:
            if aci in self.users:
                self.users[aci].bot_typing = not stop

        return self._send(p, ts, deliver_to=deliver)

    def _m_sendReceipt(self, p: dict[str, Any]) -> Any:
        ts = self._tick()
        kind = p.get("type", "read")

        def deliver(_: list[SentMessage], aci: str) -> None:
            self.receipts_sent.append((aci, list(p["targetTimestamp"]), kind))

        return self._send({"recipient": [p["recipient"]]}, ts, deliver_to=deliver)

    def _m_remoteDelete(self, p: dict[str, Any]) -> Any:
        ts = self._tick()

        def deliver(transcript: list[SentMessage]) -> None:
            for sent in transcript:
                if sent.timestamp == p["targetTimestamp"]:
                    sent.deleted = True

        return self._send(p, ts, deliver)

    def _m_listGroups(self, p: dict[str, Any]) -> Any:
        wanted = set(p.get("groupId", []))
        return [self._group_json(g) for g in self.groups.values() if not wanted or g.id in wanted]

    def _m_updateGroup(self, p: dict[str, Any]) -> Any:
        members = [self._existing(m).aci for m in p.get("member", [])]
        ts = self._tick()
        gid = p.get("groupId")
        created = gid is None
        if gid is None:
            gid = base64.b64encode(secrets.token_bytes(32)).decode()
            self.groups[gid] = Group(id=gid, name=p.get("name", ""), members=[], admins=[])
        group = self._group(gid)
        group.members += [m for m in members if m not in group.members]
        removed = {self._existing(m).aci for m in p.get("removeMember", [])}
        group.members = [m for m in group.members if m not in removed]
        group.admins += [self._existing(m).aci for m in p.get("admin", [])]
        if "name" in p:
            group.name = p["name"]
        if "description" in p:
            group.description = p["description"]
        if "expiration" in p:
            group.expiration = p["expiration"]
        result: dict[str, Any] = {
            "timestamp": ts,
            "results": [self._result(self.users[m], gid)[0] for m in group.members],
        }
        if created:
            result["groupId"] = gid
        return result

    def _m_quitGroup(self, p: dict[str, Any]) -> Any:
        try:
            group = self._group(p["groupId"])
        except Fault as e:
            raise Fault(USER_ERROR, f"Failed to send to group: {e.message}") from None
        ts = self._tick()
        results = [self._result(self.users[m], group.id)[0] for m in group.members]
        if p.get("delete"):
            del self.groups[group.id]
        return {"timestamp": ts, "results": results}

    def _m_updateProfile(self, p: dict[str, Any]) -> Any:
        self.profile.update(p)
        return {}

    def _m_updateContact(self, p: dict[str, Any]) -> Any:
        user = self._existing(p["recipient"])
        self.contacts.setdefault(user.aci, {}).update(
            {k: v for k, v in p.items() if k != "recipient"}
        )
        return {}

    def _m_submitRateLimitChallenge(self, p: dict[str, Any]) -> Any:
        self.challenges.append((p["challenge"], p["captcha"]))
        if self._rate_limit is not None:
            if p["challenge"] != self._rate_limit[0]:
                raise Fault(
                    CAPTCHA_REJECTED_ERROR,
                    "Captcha rejected, it may be outdated, already used or solved from a "
                    "different IP address.",
                )
            self._rate_limit = None
        return {}

    def _m_getUserStatus(self, p: dict[str, Any]) -> Any:
        statuses: list[dict[str, Any]] = []
        for number in p.get("recipient", []):
            if not _E164.match(number):
                raise Fault(USER_ERROR, f"Invalid phone number '{number}'")
            user = next((u for u in self.users.values() if u.number == number), None)
            registered = user is not None and user.registered
            statuses.append(
                {
                    "recipient": number,
                    "number": number,
                    "uuid": user.aci if registered and user else None,
                    "isRegistered": registered,
                }
            )
        for name in p.get("username", []):
            user = next((u for u in self.users.values() if u.username == name), None)
            registered = user is not None and user.registered
            statuses.append(
                {
                    "recipient": name,
                    "username": name,
                    "uuid": user.aci if registered and user else None,
                    "isRegistered": registered,
                }
            )
        return statuses

    def _m_getAttachment(self, p: dict[str, Any]) -> Any:
        data = self._attachments.get(p["id"])
        if data is None:
            raise Fault(USER_ERROR, f"Could not find attachment with ID: {p['id']}")
        return {"data": base64.b64encode(data).decode()}

    def _m_trust(self, p: dict[str, Any]) -> Any:
        user = self._existing(p["recipient"])
        if not p.get("trustAllKnownKeys"):
            number = p.get("verifiedSafetyNumber")
            if number is None:
                raise Fault(
                    USER_ERROR,
                    "You need to specify the fingerprint/safety number you have verified with "
                    "-v SAFETY_NUMBER",
                )
            if not re.fullmatch(r"[0-9]{60}|[0-9a-fA-F]{66}", number):
                raise Fault(
                    USER_ERROR,
                    "Safety number has invalid format, either specify the old hex fingerprint "
                    "or the new safety number",
                )
        user.untrusted = False
        return {}

    # --- sending -------------------------------------------------------------------------------

    def _send(
        self,
        p: dict[str, Any],
        ts: int,
        deliver: Callable[[list[SentMessage]], None] | None = None,
        *,
        deliver_to: Callable[[list[SentMessage], str], None] | None = None,
    ) -> dict[str, Any]:
        """Sends to every target in `p`; signal-cli's result, or its error when all failed."""
        outcomes: list[tuple[_Outcome, list[SentMessage]]] = []
        targets = list(p.get("recipient", [])) + [f"u:{u}" for u in p.get("username", [])]
        if p.get("noteToSelf"):
            targets.append(self.self_aci)
        if not targets and not p.get("groupId"):
            raise Fault(USER_ERROR, "No recipients given")
        for target in targets:
            user = self._recipient(target)
            entry, ok = self._result(user, None, target)
            transcript = self._transcripts.setdefault(user.aci, []) if ok and user else []
            outcomes.append((_Outcome(entry, user if ok else None), transcript))
        for gid in p.get("groupId", []):
            group = self._group(gid)
            for aci in group.members:
                member = self.users[aci]
                entry, ok = self._result(member, gid)
                outcomes.append((_Outcome(entry, member if ok else None), group.transcript))
        results = [o.entry for o, _ in outcomes]
        response = {"timestamp": ts, "results": results}
        if outcomes and not any(o.ok for o, _ in outcomes):
            types = {r["type"] for r in results}
            data = {"response": response}
            if types == {"IDENTITY_FAILURE"}:
                message = "Failed to send message due to untrusted identities"
                raise Fault(UNTRUSTED_KEY_ERROR, message, data)
            if types == {"RATE_LIMIT_FAILURE"}:
                raise Fault(RATELIMIT_ERROR, "Failed to send message due to rate limiting", data)
            raise Fault(USER_ERROR, "Failed to send message", data)
        delivered: set[int] = set()
        for outcome, transcript in outcomes:
            if outcome.user is None:
                continue
            if deliver is not None and id(transcript) not in delivered:
                delivered.add(id(transcript))  # a group's transcript gets the message once
                deliver(transcript)
            if deliver_to is not None:
                deliver_to(transcript, outcome.user.aci)
        return response

    def _result(
        self, user: User | None, group_id: str | None, given: str | None = None
    ) -> tuple[dict[str, Any], bool]:
        """A JsonSendMessageResult for one recipient, and whether the message arrived."""
        if user is None:
            address = {"uuid": given, "number": None, "username": None}
            kind = "UNREGISTERED_FAILURE"
        else:
            address = {"uuid": user.aci, "number": user.number, "username": user.username}
            if user.aci == self.self_aci:
                kind = "SUCCESS"
            elif self._rate_limit is not None:
                kind = "RATE_LIMIT_FAILURE"
            elif not user.registered:
                kind = "UNREGISTERED_FAILURE"
            elif user.untrusted:
                kind = "IDENTITY_FAILURE"
            else:
                kind = "SUCCESS"
        entry: dict[str, Any] = {"recipientAddress": address}
        if group_id is not None:
            entry["groupId"] = group_id
        entry["type"] = kind
        if kind == "RATE_LIMIT_FAILURE" and self._rate_limit is not None:
            entry["token"], entry["retryAfterSeconds"] = self._rate_limit
        return entry, kind == "SUCCESS"

    def _recipient(self, identifier: str) -> User | None:
        """The user a recipient string names. An unknown number or username is refused before
        anything is sent (UnregisteredRecipientException); an unknown ACI is tried and comes
        back UNREGISTERED_FAILURE (None here)."""
        kind = self._identifier(identifier)
        if kind == "aci":
            if identifier == self.self_aci:
                return User(aci=self.self_aci, number=self.account)
            return self.users.get(identifier)
        if kind == "username":
            found = next((u for u in self.users.values() if u.username == identifier[2:]), None)
        else:
            if identifier == self.account:
                return User(aci=self.self_aci, number=self.account)
            found = next((u for u in self.users.values() if u.number == identifier), None)
        if found is None:
            raise Fault(USER_ERROR, f"The user {identifier} is not registered.")
        return found

    def _existing(self, identifier: str) -> User:
        user = self._recipient(identifier)
        if user is None:
            raise Fault(USER_ERROR, f"The user {identifier} is not registered.")
        return user

    def _identifier(self, identifier: str) -> Literal["aci", "username", "number"]:
        """What kind of recipient string this is (RecipientIdentifier.Single.fromString)."""
        if _UUID.match(identifier):
            return "aci"
        if identifier.startswith("u:"):
            return "username"
        if identifier.startswith("PNI:"):
            raise Fault(INVALID_PARAMS, "the fake daemon does not address people by PNI")
        if not _E164.match(identifier):
            raise Fault(
                USER_ERROR,
                f"Invalid phone number '{identifier}': the fake daemon takes E.164 numbers only",
            )
        return "number"

    def _group(self, gid: str) -> Group:
        try:
            raw = base64.b64decode(gid, validate=True)
        except binascii.Error:
            raise Fault(USER_ERROR, f"Invalid group id: {gid}") from None
        if len(raw) != 32:
            raise Fault(USER_ERROR, f"Invalid group id: {gid}")
        group = self.groups.get(gid)
        if group is None:
            raise Fault(USER_ERROR, f"Group not found: {gid}")
        return group

    def _group_json(self, group: Group) -> dict[str, Any]:
        def member(aci: str) -> dict[str, Any]:
            return {"number": self.users[aci].number, "uuid": aci}

        return {
            "id": group.id,
            "name": group.name,
            "description": group.description,
            "isMember": True,
            "isBlocked": False,
            "messageExpirationTime": group.expiration,
            "members": [{**member(aci), "isAdmin": aci in group.admins} for aci in group.members],
            "pendingMembers": [],
            "requestingMembers": [],
            "admins": [member(aci) for aci in group.admins],
            "banned": [],
            "permissionAddMember": "EVERY_MEMBER",
            "permissionEditDetails": "EVERY_MEMBER",
            "permissionSendMessage": "EVERY_MEMBER",
            "groupInviteLink": None,
        }

    def _decode_attachment(self, value: str) -> tuple[str, str | None, bytes]:
        if not value.lower().startswith("data:"):
            raise Fault(
                INVALID_PARAMS,
                "send: the fake daemon takes attachments as data: URIs only (no file paths)",
            )
        match = _DATA_URI.match(value)
        if match is None:
            raise Fault(INVALID_PARAMS, "send: The given string is not a valid data URI.")
        parameters: dict[str, str] = {}
        if match["parameters"]:
            for part in match["parameters"][1:].split(";"):
                key, _, val = part.partition("=")
                parameters[key] = urllib.parse.unquote(val)
        if match["base64"]:
            try:
                data = base64.b64decode(match["data"], validate=True)
            except binascii.Error:
                raise Fault(INVALID_PARAMS, "send: the data: URI's base64 is invalid") from None
        else:
            data = urllib.parse.unquote(match["data"]).encode()
        return match["type"] or "text/plain", parameters.get("filename"), data

    def _text_styles(self, values: Iterable[str]) -> list[tuple[int, int, str]]:
        styles: list[tuple[int, int, str]] = []
        for value in values:
            match = _RANGE.match(value)
            if match is None:
                raise Fault(
                    USER_ERROR, f"Invalid textStyle syntax ({value}) expected 'start:length:STYLE'"
                )
            start, length, style = int(match[1]), int(match[2]), match[3]
            if style not in _STYLES:
                raise Fault(USER_ERROR, f"Invalid style: {style}")
            styles.append((start, length, style))
        return styles

    def _strict_send(self, p: dict[str, Any]) -> None:
        """What the fake refuses in a send that signal-cli would take (-32602)."""
        for attachment in p.get("attachment", []):
            self._decode_attachment(attachment)
        size = utf16_len(p.get("message") or "")
        for value in p.get("textStyle", []):
            match = _RANGE.match(value)
            if match and int(match[1]) + int(match[2]) > size:
                # signal-cli passes it on; the member's app would style the wrong letters.
                raise Fault(
                    INVALID_PARAMS,
                    f"send: textStyle {value} runs past the text's {size} UTF-16 code units",
                )

    # --- envelopes -----------------------------------------------------------------------------

    def _tick(self) -> int:
        """A millisecond timestamp later than every one before (Signal's message ids)."""
        self._last_ts = max(int(time.time() * 1000), self._last_ts + 1)
        return self._last_ts

    def _user(self, aci: str) -> User:
        if aci not in self.users:
            self.add_user(aci)
        return self.users[aci]

    def _envelope(self, user: User, ts: int, **content: Any) -> dict[str, Any]:
        # JsonMessageEnvelope: every field is written, null or not, then exactly one content.
        received = self._tick()
        return {
            "source": user.number or user.aci,
            "sourceNumber": user.number,
            "sourceUuid": user.aci,
            "sourceName": user.name,
            "sourceDevice": 1,
            "timestamp": ts,
            "serverReceivedTimestamp": received,
            "serverDeliveredTimestamp": received + 1,
            **content,
        }

    def _data_message(self, ts: int, text: str | None, expires_in: int) -> dict[str, Any]:
        return {
            "timestamp": ts,
            "message": text,
            "expiresInSeconds": expires_in,
            "isExpirationUpdate": False,
            "viewOnce": False,
        }

    def _address_of(self, who: str) -> tuple[str | None, str | None]:
        """(number, ACI) of a message author given by ACI or number."""
        if who in (self.self_aci, self.account):
            return self.account, self.self_aci
        if who in self.users:
            return self.users[who].number, who
        user = next((u for u in self.users.values() if u.number == who), None)
        if user is not None:
            return user.number, user.aci
        return (None, who) if _UUID.match(who) else (who, None)

    def _quote(self, aci: str, author: str, quoted_ts: int) -> dict[str, Any]:
        number, author_uuid = self._address_of(author)
        text: str | None = None
        if author_uuid == self.self_aci:
            for sent in self._transcripts.get(aci, []):
                if sent.timestamp == quoted_ts:
                    text = sent.current_text
        return {
            "id": quoted_ts,
            "author": number or author_uuid,
            "authorNumber": number,
            "authorUuid": author_uuid,
            "text": text,
            "attachments": [],
        }

    def _incoming_attachment(self, content_type: str, data: bytes, ts: int) -> dict[str, Any]:
        extension = content_type.rpartition("/")[2].split("+")[0] or "bin"
        attachment_id = f"{secrets.token_urlsafe(15)}.{extension}"
        self._attachments[attachment_id] = data
        return {
            "contentType": content_type,
            "filename": None,
            "id": attachment_id,
            "size": len(data),
            "width": None,
            "height": None,
            "caption": None,
            "uploadTimestamp": ts,
        }

    def _push(self, envelope: dict[str, Any], *, exception: dict[str, str] | None = None) -> int:
        """Hands an envelope to every receiving client, or keeps it until one comes."""
        params: dict[str, Any] = {"envelope": envelope, "account": self.account}
        if exception is not None:
            params["exception"] = exception
        ts: int = envelope["timestamp"]
        if any(conn.subs for conn in self._conns if conn.open):
            for conn in self._conns:
                self._push_to(conn, params)
            self.delivered.append(ts)
        else:
            self._queue.append((ts, params))
        self._notify()
        return ts

    def _push_to(self, conn: _Connection, params: dict[str, Any]) -> None:
        for sid, wrapped in sorted(conn.subs.items()):
            body = {"subscription": sid, "result": params} if wrapped else params
            conn.write(notification("receive", body))

    def _flush(self) -> None:
        if not any(conn.subs for conn in self._conns if conn.open):
            return
        queued, self._queue = self._queue, []
        for ts, params in queued:
            for conn in self._conns:
                self._push_to(conn, params)
            self.delivered.append(ts)
        self._notify()

    def _between_notification(self) -> dict[str, Any]:
        user = next(iter(self.users.values()), None) or User(aci=STRANGER)
        ts = self._tick()
        envelope = self._envelope(user, ts, typingMessage={"action": "STARTED", "timestamp": ts})
        self.delivered.append(ts)
        return {"envelope": envelope, "account": self.account}

    # --- waiting -------------------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_for(self, probe: Callable[[], T | None], timeout: float, what: str) -> T:
        try:
            async with asyncio.timeout(timeout):
                while True:
                    found = probe()
                    if found is not None:
                        return found
                    await self._changed.wait()
        except TimeoutError:
            methods = [m for m, _ in self.calls]
            raise AssertionError(
                f"fake signal-cli: no {what} within {timeout}s (calls so far: {methods}, "
                f"rejected: {self.rejected})"
            ) from None


_MISSING = object()
