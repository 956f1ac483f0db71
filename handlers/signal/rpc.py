"""A JSON-RPC 2.0 client of the signal-cli daemon (`signal-cli daemon --tcp` or `--socket`).

One persistent connection carries newline-delimited UTF-8 JSON both ways: requests matched
to their responses by id (responses may come in any order), and `receive` notifications in
between, which a reader task queues for `receive()`. When the connection drops, or reading
from it fails in any way (a reset, a TLS or OS error, anything), calls in flight raise
NotConnected at once (a send may still have gone out: the daemon does not say), the
notifications already read stay queued, and the client reconnects with jittered exponential
backoff; calls made meanwhile wait for the connection, up to their timeout. Should the reader
itself ever end on a fault of ours, the client closes, so `receive()` says so and the
channel's `ended` is set, rather than run deaf.

Error responses become typed exceptions by signal-cli's codes (`SignalJsonRpcCommandHandler`):
-1 UserError (e.g. "The user … is not registered."), -4 UntrustedIdentity, -5 RateLimited
(with the captcha token and retry-after from `data.response.results`), any other RpcError.
Their `str()` hides phone numbers and ACIs, so logging one leaks nobody; `.message` is as sent.
Logs here name the daemon's address, ids and event types, never parameters or results.
"""

import asyncio
import itertools
import json
import logging
import random
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

# A whole line is one message, and getAttachment answers with the file as base64 in it:
# Signal's 100 MiB attachment limit is about 134 MiB of base64.
LINE_LIMIT = 256 * 2**20

# A call's timeout: this long for the daemon to answer, plus the time a request this big
# takes at this rate (signal-cli decodes a `data:` URI attachment, encrypts it and uploads it
# to Signal's servers before it answers; 20 MB takes minutes on a slow uplink).
CALL_TIMEOUT_SECONDS = 30.0
BYTES_PER_SECOND = 128 * 1024

USER_ERROR = -1
UNTRUSTED_IDENTITY = -4
RATE_LIMITED = -5

_NUMBER = re.compile(r"\+?\d[\d ()-]{5,}\d")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class RpcError(Exception):
    """An error response from the daemon: code, message and data as it sent them."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(code, message, data)
        self.code = code
        self.message = message
        self.data = data

    def __str__(self) -> str:
        return f"signal-cli error {self.code}: {redact(self.message)}"


class UserError(RpcError):
    """-1: the request cannot be done as asked (an unregistered recipient, a bad group…)."""


class UntrustedIdentity(RpcError):
    """-4: every recipient's safety number changed and is not trusted yet."""


class RateLimited(RpcError):
    """-5: Signal's server refused the send for now; `token` is the captcha challenge to
    submit (`submitRateLimitChallenge`), `retry_after` the seconds to wait, when given."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(code, message, data)
        self.token: str | None = None
        self.retry_after: int | None = None
        for entry in _results(data):
            token, retry = entry.get("token"), entry.get("retryAfterSeconds")
            if isinstance(token, str) and self.token is None:
                self.token = token
            if isinstance(retry, int) and not isinstance(retry, bool):
                self.retry_after = max(retry, self.retry_after or 0)


class NotConnected(Exception):
    """No connection to the daemon, or it dropped before the response came."""


class Unconfirmed(TimeoutError):
    """The request went to the daemon but no answer came in time: it may have been done
    (a send may have gone out), or not. A late answer is logged and dropped."""


def error_for(code: int, message: str, data: Any = None) -> RpcError:
    kind = {
        USER_ERROR: UserError,
        UNTRUSTED_IDENTITY: UntrustedIdentity,
        RATE_LIMITED: RateLimited,
    }
    return kind.get(code, RpcError)(code, message, data)


def redact(text: str) -> str:
    """`text` without phone numbers and ACIs (signal-cli's messages name recipients)."""
    return _NUMBER.sub("<number>", _UUID.sub("<aci>", text))


def _results(data: Any) -> list[dict[str, Any]]:
    response = data.get("response") if isinstance(data, dict) else None
    results = response.get("results") if isinstance(response, dict) else None
    return [r for r in results if isinstance(r, dict)] if isinstance(results, list) else []


@dataclass(frozen=True)
class Target:
    """Where the daemon listens: a TCP host and port, or a UNIX socket's path."""

    host: str = ""
    port: int = 0
    path: str = ""

    @classmethod
    def parse(cls, address: str) -> "Target":
        parts = urlsplit(address)
        if parts.scheme == "unix" and parts.path and not parts.netloc:
            return cls(path=parts.path)
        if parts.scheme == "tcp" and not parts.path.strip("/"):
            try:
                port = parts.port
            except ValueError:
                port = None
            if parts.hostname and port:
                return cls(host=parts.hostname, port=port)
        raise ValueError(
            f"a signal-cli address is tcp://HOST:PORT or unix:///path/to/socket, not {address!r}"
        )

    async def open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.path:
            return await asyncio.open_unix_connection(self.path, limit=LINE_LIMIT)
        return await asyncio.open_connection(self.host, self.port, limit=LINE_LIMIT)


class SignalRpc:
    def __init__(
        self,
        address: str,
        *,
        account: str | None = None,
        call_timeout: float = CALL_TIMEOUT_SECONDS,
        backoff: tuple[float, float] = (0.5, 30.0),
    ) -> None:
        self.address = address
        self._target = Target.parse(address)
        self.account = account
        self.call_timeout = call_timeout
        self._backoff = backoff
        # Set while a connection is up.
        self.connected = asyncio.Event()
        self._writer: asyncio.StreamWriter | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)
        self._received: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._runner: asyncio.Task[None] | None = None
        self._closed = False
        self._jitter = random.Random()

    async def start(self) -> None:
        """Connects for the first time; NotConnected, naming the address, if it can't."""
        try:
            async with asyncio.timeout(self.call_timeout):
                reader, writer = await self._target.open()
        except (OSError, TimeoutError) as e:
            reason = "timed out" if isinstance(e, TimeoutError) else (e.strerror or str(e))
            raise NotConnected(
                f"cannot reach the signal-cli daemon at {self.address}: {reason} "
                f"(is `signal-cli daemon` running there?)"
            ) from e
        self._attach(writer)
        log.info("signal_rpc_connected address=%s", self.address)
        self._runner = asyncio.create_task(self._run(reader), name="signal-rpc-reader")
        self._runner.add_done_callback(self._reader_ended)

    async def close(self) -> None:
        self._closed = True
        if self._runner is not None:
            self._runner.cancel()
            # A reader that had ended on a fault was logged when it did (`_reader_ended`).
            await asyncio.gather(self._runner, return_exceptions=True)
            self._runner = None
        self._detach("the client was closed")
        self._received.put_nowait(None)  # wakes a receive() waiting for more

    async def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 (it also bounds the wait to reconnect)
    ) -> Any:
        """The `result` of `method`; a typed RpcError for an error response.

        The timeout, unless given, is `call_timeout` plus the time the request's size takes
        at BYTES_PER_SECOND (`timeout_for`). Waits for the connection if it is down.
        NotConnected if it does not come back within the timeout, or drops before the
        response; Unconfirmed (a TimeoutError) if the request went out but no response
        came in time.
        """
        if self._closed:
            raise NotConnected(f"the signal-cli client for {self.address} is closed")
        body = dict(params or {})
        if self.account is not None:
            body.setdefault("account", self.account)
        request_id = next(self._ids)
        request: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": request_id}
        if body:
            request["params"] = body
        line = json.dumps(request, ensure_ascii=False).encode() + b"\n"
        limit = self.timeout_for(len(line)) if timeout is None else timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        try:
            async with asyncio.timeout_at(deadline):
                await self.connected.wait()
        except TimeoutError:
            raise NotConnected(
                f"not connected to the signal-cli daemon at {self.address} (waited {limit:g} s)"
            ) from None
        writer = self._writer
        assert writer is not None  # set whenever `connected` is
        future: asyncio.Future[Any] = loop.create_future()
        self._pending[request_id] = future
        try:
            async with asyncio.timeout_at(deadline):
                writer.write(line)
                try:
                    await writer.drain()
                except ConnectionError:
                    raise NotConnected(
                        f"the connection to {self.address} dropped during {method}"
                    ) from None
                return await future
        except TimeoutError:
            # Written (or being written): whether the daemon did it, nobody can say yet.
            log.warning("signal_rpc_timeout method=%s id=%d after=%gs", method, request_id, limit)
            raise Unconfirmed(
                f"signal-cli did not answer {method} within {limit:g} s; it may have been done"
            ) from None
        finally:
            self._pending.pop(request_id, None)

    def timeout_for(self, request_bytes: int) -> float:
        """How long a call of this many bytes may take: the daemon's answer, plus the
        upload of what it carries."""
        return self.call_timeout + request_bytes / BYTES_PER_SECOND

    async def receive(self) -> dict[str, Any]:
        """The next `receive` notification's params: {"account", "envelope"}, and
        "exception" when the daemon could not decrypt it. NotConnected once closed."""
        if self._closed and self._received.empty():
            raise NotConnected(f"the signal-cli client for {self.address} is closed")
        params = await self._received.get()
        if params is None:
            self._received.put_nowait(None)  # for any other waiter
            raise NotConnected(f"the signal-cli client for {self.address} is closed")
        return params

    # --- the connection ------------------------------------------------------------------

    def _attach(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self.connected.set()

    def _detach(self, why: str) -> None:
        self.connected.clear()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(NotConnected(f"{why} before signal-cli answered"))

    def _reader_ended(self, task: asyncio.Task[None]) -> None:
        """The reader only ends when closed; if it ends otherwise, nothing would read any
        more: close, so calls and `receive()` fail instead of waiting forever."""
        if task.cancelled() or self._closed:
            return
        error = task.exception()
        log.error(
            "signal_rpc_reader_ended address=%s error=%s",
            self.address,
            type(error).__name__ if error else None,
            exc_info=error,
        )
        self._closed = True
        self._detach("the signal-cli client stopped reading")
        self._received.put_nowait(None)

    async def _run(self, reader: asyncio.StreamReader) -> None:
        """Reads until the connection drops or fails, then reconnects, until closed."""
        while True:
            await self._read(reader)
            self._detach(f"the connection to {self.address} dropped")
            log.warning("signal_rpc_disconnected address=%s", self.address)
            reader = await self._reconnect()

    async def _reconnect(self) -> asyncio.StreamReader:
        first, cap = self._backoff
        for attempt in itertools.count():
            # Equal jitter: half the exponential delay for sure, the other half at random, so
            # several clients do not knock on a restarted daemon at the same instant.
            delay = min(cap, first * 2**attempt)
            await asyncio.sleep(delay / 2 + self._jitter.uniform(0, delay / 2))
            try:
                async with asyncio.timeout(self.call_timeout):
                    reader, writer = await self._target.open()
            except (OSError, TimeoutError):
                log.info(
                    "signal_rpc_reconnect_failed address=%s attempt=%d", self.address, attempt + 1
                )
                continue
            self._attach(writer)
            log.info("signal_rpc_reconnected address=%s attempts=%d", self.address, attempt + 1)
            return reader
        raise AssertionError("unreachable")  # itertools.count() does not end

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while True:
            try:
                line = await reader.readline()
            except ValueError:
                # Longer than LINE_LIMIT: asyncio drops it; whatever it answered times out.
                log.error("signal_rpc_line_too_long limit=%d", LINE_LIMIT)
                continue
            except Exception as error:
                # A reset, an OS error, anything: this connection is done; `_run` reconnects.
                log.warning(
                    "signal_rpc_read_failed address=%s error=%s",
                    self.address,
                    type(error).__name__,
                )
                return
            if not line.endswith(b"\n"):
                return  # end of stream; a half-written last line is no message
            try:
                self._dispatch(line)
            except Exception:
                # Whatever one odd line does, the reader must go on: calls wait on it.
                log.exception("signal_rpc_dispatch_failed bytes=%d", len(line))

    def _dispatch(self, line: bytes) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            log.warning("signal_rpc_unreadable_line bytes=%d", len(line))
            return
        # A batch's responses come back as one array.
        for item in message if isinstance(message, list) else [message]:
            if not isinstance(item, dict):
                log.warning("signal_rpc_unexpected_message type=%s", type(item).__name__)
            elif "method" in item and "result" not in item and "error" not in item:
                self._notification(item)
            else:
                self._response(item)

    def _notification(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        params = message.get("params")
        if method != "receive":
            log.debug("signal_rpc_notification_ignored method=%s", method)
            return
        # Manual mode wraps each one as {"subscription": id, "result": {...}}.
        if isinstance(params, dict) and "subscription" in params and "result" in params:
            params = params["result"]
        if not isinstance(params, dict):
            log.warning("signal_rpc_receive_without_params")
            return
        self._received.put_nowait(params)

    def _response(self, message: dict[str, Any]) -> None:
        request_id = message.get("id")
        future = self._pending.pop(request_id, None) if isinstance(request_id, int) else None
        if future is None:
            # A late answer to a call that timed out, or (id null) to a line the daemon could
            # not read at all.
            error = message.get("error")
            code = error.get("code") if isinstance(error, dict) else None
            log.warning("signal_rpc_unmatched_response id=%s code=%s", request_id, code)
            return
        if future.done():
            return
        error = message.get("error")
        if error is None:
            future.set_result(message.get("result"))
            return
        if not isinstance(error, dict):
            error = {}
        code = error.get("code")
        future.set_exception(
            error_for(
                code if isinstance(code, int) else 0,
                str(error.get("message", "")),
                error.get("data"),
            )
        )
