"""The signal-cli JSON-RPC client against the fake daemon over loopback TCP.

A few tests use a scripted server instead, where a line must be exactly so (an array of
responses, unknown fields, garbage) or the daemon must listen on a UNIX socket.
"""

import asyncio
import base64
import json
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from handlers.signal.rpc import (
    NotConnected,
    RateLimited,
    RpcError,
    SignalRpc,
    Target,
    UntrustedIdentity,
    UserError,
    error_for,
    redact,
)
from tests.fake_signal import VERSION, FakeSignalDaemon

ACCOUNT = "+15550001111"
ALEX = "6f1d2c3b-4a59-4e68-9d7c-0b1a2c3d4e5f"
ALEX_NUMBER = "+15550002222"
FAST = (0.01, 0.05)  # reconnect backoff for tests: first delay, cap

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSignalDaemon]:
    async with FakeSignalDaemon(account=ACCOUNT) as daemon:
        daemon.add_user(ALEX, number=ALEX_NUMBER)
        yield daemon


@pytest.fixture
async def rpc(fake: FakeSignalDaemon) -> AsyncIterator[SignalRpc]:
    client = SignalRpc(fake.address, call_timeout=5, backoff=FAST)
    await client.start()
    yield client
    await client.close()


@asynccontextmanager
async def scripted(handler: Handler, unix_path: Path | None = None) -> AsyncIterator[str]:
    """A server answering each connection with `handler`, which should end when the client
    hangs up; on leaving, those still running are waited for."""
    running: list[asyncio.Task[None]] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        running.append(task)
        try:
            await handler(reader, writer)
        finally:
            writer.close()

    if unix_path is None:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        address = f"tcp://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    else:
        server = await asyncio.start_unix_server(serve, unix_path)
        address = f"unix://{unix_path}"
    try:
        yield address
    finally:
        server.close()
        await server.wait_closed()
        await asyncio.wait_for(asyncio.gather(*running), 5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


# --- calls ---------------------------------------------------------------------------------


async def test_a_call_returns_the_result(rpc: SignalRpc) -> None:
    assert rpc.connected.is_set()
    assert await rpc.call("version") == {"version": VERSION}


async def test_the_account_is_added_when_one_is_configured(fake: FakeSignalDaemon) -> None:
    async with FakeSignalDaemon(account=ACCOUNT, multi_account=True) as multi:
        multi.add_user(ALEX)
        client = SignalRpc(multi.address, account=ACCOUNT, call_timeout=5)
        await client.start()
        try:
            result = await client.call("send", {"recipient": [ALEX], "message": "hi"})
            assert result["results"][0]["type"] == "SUCCESS"
            assert multi.calls == [
                ("send", {"recipient": [ALEX], "message": "hi", "account": ACCOUNT})
            ]
        finally:
            await client.close()
    # Without one, params are sent as given (and none at all when there are none).
    plain = SignalRpc(fake.address, call_timeout=5)
    await plain.start()
    try:
        await plain.call("listGroups")
        await plain.call("send", {"recipient": ALEX, "message": "hi"})
    finally:
        await plain.close()
    assert fake.calls == [("listGroups", {}), ("send", {"recipient": ALEX, "message": "hi"})]


async def test_concurrent_calls_get_their_own_answers(
    fake: FakeSignalDaemon, rpc: SignalRpc
) -> None:
    fake.delay("listGroups", 0.1)
    slow = asyncio.create_task(rpc.call("listGroups"))
    await fake.next_call("listGroups")
    # The fast one is answered first, on the same connection.
    assert await rpc.call("version") == {"version": VERSION}
    assert not slow.done()
    assert await slow == []


async def test_a_notification_between_a_request_and_its_response(
    fake: FakeSignalDaemon, rpc: SignalRpc
) -> None:
    fake.push_between()
    assert await rpc.call("version") == {"version": VERSION}
    received = await rpc.receive()
    assert received["envelope"]["typingMessage"]["action"] == "STARTED"
    assert received["account"] == ACCOUNT


async def test_a_large_line_is_read_whole(fake: FakeSignalDaemon, rpc: SignalRpc) -> None:
    photo = bytes(range(256)) * 20_000  # 5 MB: 6.8 MB of base64 in one line
    fake.user_sends(ALEX, None, attachments=[("image/jpeg", photo)])
    (attachment,) = (await rpc.receive())["envelope"]["dataMessage"]["attachments"]
    result = await rpc.call("getAttachment", {"id": attachment["id"]})
    assert base64.b64decode(result["data"]) == photo


async def test_a_call_times_out_and_the_client_goes_on(
    fake: FakeSignalDaemon, rpc: SignalRpc
) -> None:
    fake.delay("listGroups", 0.3)
    with pytest.raises(TimeoutError):
        await rpc.call("listGroups", timeout=0.05)
    assert await rpc.call("version") == {"version": VERSION}
    assert rpc.connected.is_set()


# --- errors --------------------------------------------------------------------------------


async def test_error_responses_become_typed_errors(fake: FakeSignalDaemon, rpc: SignalRpc) -> None:
    with pytest.raises(UserError) as unregistered:
        await rpc.call("send", {"recipient": "+15557778888", "message": "x"})
    assert unregistered.value.code == -1
    assert unregistered.value.message == "The user +15557778888 is not registered."
    assert unregistered.value.data is None

    fake.untrusted(ALEX)
    with pytest.raises(UntrustedIdentity) as untrusted:
        await rpc.call("send", {"recipient": ALEX, "message": "x"})
    assert untrusted.value.code == -4
    assert untrusted.value.data["response"]["results"][0]["type"] == "IDENTITY_FAILURE"
    await rpc.call("trust", {"recipient": ALEX, "trustAllKnownKeys": True})

    fake.rate_limit_sends(token="captcha-token", retry_after=86400)
    with pytest.raises(RateLimited) as limited:
        await rpc.call("send", {"recipient": ALEX, "message": "x"})
    assert (limited.value.code, limited.value.token, limited.value.retry_after) == (
        -5,
        "captcha-token",
        86400,
    )

    with pytest.raises(RpcError) as unknown:
        await rpc.call("send", {"recipient": ALEX, "mesage": "typo"})
    assert type(unknown.value) is RpcError
    assert unknown.value.code == -32602

    fake.fail_next("listGroups", -3, "Failed to read groups", {"any": ["thing"]})
    with pytest.raises(RpcError) as io:
        await rpc.call("listGroups")
    assert (io.value.code, io.value.message, io.value.data) == (
        -3,
        "Failed to read groups",
        {"any": ["thing"]},
    )


def test_rate_limited_reads_token_and_retry_after_from_any_result() -> None:
    data = {
        "response": {
            "timestamp": 1,
            "results": [
                {"type": "RATE_LIMIT_FAILURE", "retryAfterSeconds": 60},
                {"type": "RATE_LIMIT_FAILURE", "token": "t", "retryAfterSeconds": 3600},
            ],
        }
    }
    error = error_for(-5, "Failed to send message due to rate limiting", data)
    assert isinstance(error, RateLimited)
    assert (error.token, error.retry_after) == ("t", 3600)
    bare = error_for(-5, "Rate limit reached", None)
    assert isinstance(bare, RateLimited)
    assert (bare.token, bare.retry_after) == (None, None)


def test_an_errors_text_names_nobody() -> None:
    sent = f"The user +1 555 000-2222 is not registered. ({ALEX})"
    error = error_for(-1, sent)
    assert isinstance(error, UserError)
    assert str(error) == "signal-cli error -1: The user <number> is not registered. (<aci>)"
    assert error.message == sent  # kept as sent, for code that needs it
    assert redact("id 42 at 09:30") == "id 42 at 09:30"


# --- receiving -----------------------------------------------------------------------------


async def test_receive_gives_account_and_envelope(fake: FakeSignalDaemon, rpc: SignalRpc) -> None:
    ts = fake.user_sends(ALEX, "hello")
    received = await rpc.receive()
    assert set(received) == {"account", "envelope"}
    assert received["envelope"]["timestamp"] == ts
    fake.noise(ALEX, "exception")
    undecryptable = await rpc.receive()
    assert undecryptable["exception"]["type"] == "UntrustedIdentityException"


async def test_manual_mode_is_unwrapped() -> None:
    async with FakeSignalDaemon(account=ACCOUNT, mode="manual") as fake:
        fake.add_user(ALEX)
        client = SignalRpc(fake.address, call_timeout=5)
        await client.start()
        try:
            ts = fake.user_sends(ALEX, "queued until subscribed")
            subscription = await client.call("subscribeReceive")
            assert isinstance(subscription, int)
            received = await client.receive()
            assert set(received) == {"account", "envelope"}
            assert received["envelope"]["timestamp"] == ts
        finally:
            await client.close()


async def test_unknown_fields_and_odd_lines_are_tolerated() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = json.loads(await reader.readline())
        writer.write(b"this is not json\n")
        writer.write(b"[1, 2]\n")
        writer.write(b'{"jsonrpc":"2.0","method":"callEvent","params":{"x":1}}\n')
        writer.write(b'{"jsonrpc":"2.0","method":"receive","params":"not an object"}\n')
        writer.write(b'{"jsonrpc":"2.0","result":{},"id":424242}\n')
        writer.write(
            b'{"jsonrpc":"2.0","error":{"code":-32700,"message":"x","data":null},"id":null}\n'
        )
        note = {
            "jsonrpc": "2.0",
            "method": "receive",
            "params": {"account": ACCOUNT, "envelope": {"timestamp": 5, "newThing": [1]}},
            "extension": True,
        }
        writer.write(json.dumps(note).encode() + b"\n")
        answer = {"jsonrpc": "2.0", "result": {"version": "9", "more": {}}, "id": request["id"]}
        writer.write(json.dumps({**answer, "extra": "ignored"}).encode() + b"\n")
        await writer.drain()
        await reader.read()

    async with scripted(handler) as address:
        client = SignalRpc(address, call_timeout=5)
        await client.start()
        try:
            assert await client.call("version") == {"version": "9", "more": {}}
            assert (await client.receive())["envelope"] == {"timestamp": 5, "newThing": [1]}
        finally:
            await client.close()


async def test_responses_in_one_array_out_of_order() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        first = json.loads(await reader.readline())
        second = json.loads(await reader.readline())
        answers = [
            {
                "jsonrpc": "2.0",
                "error": {"code": -1, "message": "no", "data": None},
                "id": second["id"],
            },
            {"jsonrpc": "2.0", "result": first["method"], "id": first["id"]},
        ]
        writer.write(json.dumps(answers).encode() + b"\n")
        await writer.drain()
        await reader.read()

    async with scripted(handler) as address:
        client = SignalRpc(address, call_timeout=5)
        await client.start()
        try:
            one = asyncio.create_task(client.call("listGroups"))
            two = asyncio.create_task(client.call("version"))
            assert await one == "listGroups"
            with pytest.raises(UserError, match="no"):
                await two
        finally:
            await client.close()


async def test_a_unix_socket(tmp_path: Path) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = json.loads(await reader.readline())
        answer = {"jsonrpc": "2.0", "result": "ok", "id": request["id"]}
        writer.write(json.dumps(answer).encode() + b"\n")
        await writer.drain()
        await reader.read()

    async with scripted(handler, unix_path=tmp_path / "signal-cli.sock") as address:
        assert address.startswith("unix:///")
        client = SignalRpc(address, call_timeout=5)
        await client.start()
        try:
            assert await client.call("version") == "ok"
        finally:
            await client.close()


# --- connection ----------------------------------------------------------------------------


async def test_an_unreachable_address_at_start_is_named(tmp_path: Path) -> None:
    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(NotConnected, match=f"cannot reach the signal-cli daemon at {address}"):
        await SignalRpc(address, call_timeout=5).start()
    socket_path = tmp_path / "missing.sock"
    with pytest.raises(NotConnected, match=str(socket_path)):
        await SignalRpc(f"unix://{socket_path}", call_timeout=5).start()


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1:7583", "tcp://127.0.0.1", "http://127.0.0.1:7583", "unix://", "tcp://:1"],
)
def test_a_malformed_address_is_refused(address: str) -> None:
    with pytest.raises(ValueError, match="tcp://HOST:PORT or unix:///path"):
        SignalRpc(address)


def test_addresses() -> None:
    assert Target.parse("tcp://127.0.0.1:7583") == Target(host="127.0.0.1", port=7583)
    assert Target.parse("tcp://[::1]:7583") == Target(host="::1", port=7583)
    assert Target.parse("unix:///run/signal-cli/socket") == Target(path="/run/signal-cli/socket")


async def test_a_dropped_connection_mid_stream(fake: FakeSignalDaemon, rpc: SignalRpc) -> None:
    fake.delay("listGroups", 30)
    in_flight = asyncio.create_task(rpc.call("listGroups", timeout=30))
    await fake.next_call("listGroups")
    first = fake.user_sends(ALEX, "one")
    second = fake.user_sends(ALEX, "two")
    # Answered after both notifications on the same stream: the reader has read them.
    assert await rpc.call("version") == {"version": VERSION}
    fake.drop_connections(partial_line=True)
    with pytest.raises(NotConnected):
        await in_flight
    # What was read before the drop is still there.
    assert [(await rpc.receive())["envelope"]["timestamp"] for _ in range(2)] == [first, second]
    # A call made now waits for the reconnection, then goes through.
    assert await rpc.call("version") == {"version": VERSION}
    assert rpc.connected.is_set()


async def test_the_daemon_restarting_mid_stream(fake: FakeSignalDaemon, rpc: SignalRpc) -> None:
    before = fake.user_sends(ALEX, "before")
    assert (await rpc.receive())["envelope"]["timestamp"] == before
    await fake.restart()
    during = fake.user_sends(ALEX, "while it restarted")
    assert (await rpc.receive())["envelope"]["timestamp"] == during
    result = await rpc.call("send", {"recipient": ALEX, "message": "after"})
    assert result["results"][0]["type"] == "SUCCESS"
    assert [m.text for m in fake.transcript(ALEX)] == ["after"]


async def test_calls_wait_for_a_daemon_that_is_down_then_fail_naming_it(
    fake: FakeSignalDaemon, rpc: SignalRpc, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="handlers.signal.rpc")
    await fake.stop()
    with pytest.raises(
        NotConnected, match=f"not connected to the signal-cli daemon at {fake.address}"
    ):
        await rpc.call("version", timeout=0.3)
    assert not rpc.connected.is_set()
    failed = [
        r for r in caplog.records if r.getMessage().startswith("signal_rpc_reconnect_failed")
    ]
    assert failed  # it kept trying meanwhile
    waiting = asyncio.create_task(rpc.call("version", timeout=10))
    await fake.start()  # the same port again
    assert await waiting == {"version": VERSION}
    assert any(r.getMessage().startswith("signal_rpc_reconnected") for r in caplog.records)


async def test_close_ends_receive_and_calls(fake: FakeSignalDaemon) -> None:
    client = SignalRpc(fake.address, call_timeout=5)
    await client.start()
    waiting = asyncio.create_task(client.receive())
    await client.close()
    with pytest.raises(NotConnected):
        await waiting
    with pytest.raises(NotConnected):
        await client.receive()
    with pytest.raises(NotConnected):
        await client.call("version")
    assert not client.connected.is_set()


async def test_logs_name_no_text_and_no_number(
    fake: FakeSignalDaemon, rpc: SignalRpc, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "my sponsor's name is Robin"
    fake.user_sends(ALEX, secret)
    await rpc.receive()
    await rpc.call("send", {"recipient": ALEX, "message": secret})
    with pytest.raises(UserError):
        await rpc.call("send", {"recipient": "+15557778888", "message": secret})
    fake.delay("send", 0.2)
    with pytest.raises(TimeoutError):
        await rpc.call("send", {"recipient": ALEX, "message": secret}, timeout=0.05)
    fake.drop_connections()
    await fake.wait_connected()
    await rpc.call("version")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "signal_rpc_reconnected" in text  # the logs were captured
    for private in (secret, "Robin", ALEX, ALEX_NUMBER, "5557778888", ACCOUNT):
        assert private not in text


async def test_the_reader_outlives_a_line_it_fails_on(
    fake: FakeSignalDaemon, rpc: SignalRpc, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = SignalRpc._notification
    seen: list[int] = []

    def failing_once(self: SignalRpc, message: dict[str, Any]) -> None:
        seen.append(1)
        if len(seen) == 1:
            raise RuntimeError("a bug in handling one line")
        original(self, message)

    monkeypatch.setattr(SignalRpc, "_notification", failing_once)
    fake.user_sends(ALEX, "the line that fails")
    kept = fake.user_sends(ALEX, "the next one")
    assert (await rpc.receive())["envelope"]["timestamp"] == kept
    assert await rpc.call("version") == {"version": VERSION}


class _FailingReader:
    """A connection's reader whose next read fails with an OS error once `trip` is set."""

    def __init__(self, reader: asyncio.StreamReader, trip: asyncio.Event) -> None:
        self._reader = reader
        self._trip = trip

    async def readline(self) -> bytes:
        read = asyncio.ensure_future(self._reader.readline())
        tripped = asyncio.ensure_future(self._trip.wait())
        await asyncio.wait({read, tripped}, return_when=asyncio.FIRST_COMPLETED)
        if read.done():
            tripped.cancel()
            return read.result()
        read.cancel()
        self._trip.clear()  # once
        raise OSError(5, "Input/output error")  # EIO: an OSError, not a ConnectionError


async def test_any_read_failure_fails_calls_at_once_and_reconnects(
    fake: FakeSignalDaemon, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    trip = asyncio.Event()
    plain_open = Target.open

    async def open_failing(self: Target) -> tuple[Any, asyncio.StreamWriter]:
        reader, writer = await plain_open(self)
        return _FailingReader(reader, trip), writer

    monkeypatch.setattr(Target, "open", open_failing)
    caplog.set_level(logging.INFO, logger="handlers.signal.rpc")
    rpc = SignalRpc(fake.address, call_timeout=60, backoff=FAST)
    await rpc.start()
    try:
        fake.delay("version", 30)
        waiting = asyncio.create_task(rpc.call("version"))
        await fake.next_call("version")
        trip.set()
        # Well within the call's own minute: it fails as soon as the read does.
        async with asyncio.timeout(10):
            with pytest.raises(NotConnected):
                await waiting
        fake.delay("version", 0)
        async with asyncio.timeout(10):
            assert await rpc.call("version") == {"version": VERSION}  # reconnected
        log_text = "\n".join(r.getMessage() for r in caplog.records)
        assert "signal_rpc_read_failed" in log_text and "error=OSError" in log_text
        assert "signal_rpc_reconnected" in log_text
        assert "Input/output error" not in log_text  # the error's type, not its words
    finally:
        await rpc.close()


async def test_a_reader_that_ends_on_a_fault_closes_the_client(
    fake: FakeSignalDaemon, rpc: SignalRpc, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(self: SignalRpc) -> asyncio.StreamReader:
        raise RuntimeError("a bug while reconnecting")

    monkeypatch.setattr(SignalRpc, "_reconnect", broken)
    fake.drop_connections()
    # receive() says the client is gone instead of waiting forever, so the channel ends.
    async with asyncio.timeout(10):
        with pytest.raises(NotConnected):
            await rpc.receive()
    with pytest.raises(NotConnected):
        await rpc.call("version")
