"""What the fake signal-cli daemon and the real one must both do: framing, and error shapes.

`check_contract(address)` talks to a multi-account daemon that has no account numbered
UNKNOWN_ACCOUNT: through the client (`handlers/signal/rpc.py`) where it can, and line by line
where the client would hide what is on the wire. pytest runs it against the fake
(test_contract.py); scripts/contract-signal runs it against a real signal-cli:

    python -m tests.channels.signal.contract tcp://127.0.0.1:PORT

Each check is one line of `CHECKS`, so a failure says which.
"""

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from handlers.signal.rpc import RpcError, SignalRpc, UserError
from tests.channels.signal.raw import RawClient

UNKNOWN_ACCOUNT = "+15559990000"
SOMEONE = "+15550002222"


async def check_contract(address: str) -> None:
    """Raises AssertionError, naming the check, at the first thing the daemon does otherwise."""
    for name, check in CHECKS:
        try:
            await check(address)
        except Exception as e:  # an unexpected error response or a hang-up fails it too
            raise AssertionError(f"contract check {name!r} failed: {e!r}") from e


async def _rpc(address: str, account: str | None = None) -> SignalRpc:
    rpc = SignalRpc(address, account=account, call_timeout=20)
    await rpc.start()
    return rpc


async def _error(call: Awaitable[Any]) -> RpcError:
    try:
        result = await call
    except RpcError as e:
        return e
    raise AssertionError(f"expected an error response, got the result {result!r}")


def _is_error(response: Any, code: int, message: str | None, request_id: Any) -> None:
    assert isinstance(response, dict), response
    assert set(response) == {"jsonrpc", "error", "id"}, response
    assert response["jsonrpc"] == "2.0", response
    assert response["id"] == request_id, response
    error = response["error"]
    assert set(error) == {"code", "message", "data"}, response
    assert error["code"] == code, response
    assert error["data"] is None, response
    if message is not None:
        assert error["message"] == message, response


# --- through the client -----------------------------------------------------------------


async def version(address: str) -> None:
    rpc = await _rpc(address)
    try:
        result = await rpc.call("version")
        assert isinstance(result, dict) and isinstance(result.get("version"), str), result
    finally:
        await rpc.close()


async def list_accounts(address: str) -> None:
    rpc = await _rpc(address)
    try:
        accounts = await rpc.call("listAccounts")
        assert isinstance(accounts, list), accounts
        for entry in accounts:
            assert isinstance(entry, dict) and isinstance(entry.get("number"), str), accounts
        assert UNKNOWN_ACCOUNT not in [a["number"] for a in accounts], accounts
    finally:
        await rpc.close()


async def send_without_account(address: str) -> None:
    rpc = await _rpc(address)
    try:
        error = await _error(rpc.call("send", {"recipient": [SOMEONE], "message": "contract"}))
        assert type(error) is RpcError, repr(error)
        assert (error.code, error.message, error.data) == (
            -32602,
            "Method requires valid account parameter",
            None,
        ), repr(error)
    finally:
        await rpc.close()


async def send_with_unknown_account(address: str) -> None:
    rpc = await _rpc(address, account=UNKNOWN_ACCOUNT)
    try:
        error = await _error(rpc.call("send", {"recipient": [SOMEONE], "message": "contract"}))
        assert (error.code, error.message, error.data) == (
            -32602,
            "Specified account does not exist",
            None,
        ), repr(error)
    finally:
        await rpc.close()


async def unknown_method(address: str) -> None:
    rpc = await _rpc(address)
    try:
        error = await _error(rpc.call("noSuchMethod"))
        assert (error.code, error.message, error.data) == (-32601, "Method not implemented", None)
    finally:
        await rpc.close()


async def subscriptions(address: str) -> None:
    rpc = await _rpc(address)
    try:
        subscription = await rpc.call("subscribeReceive")
        assert isinstance(subscription, int) and not isinstance(subscription, bool), subscription
        missing = await _error(rpc.call("unsubscribeReceive"))
        assert isinstance(missing, UserError), repr(missing)
        assert missing.message == "Missing subscription parameter with subscription id"
        unknown = await _error(
            rpc.call("unsubscribeReceive", {"subscription": subscription + 1000})
        )
        assert (unknown.code, unknown.message) == (-1, "Unknown subscription id"), repr(unknown)
        assert await rpc.call("unsubscribeReceive", {"subscription": subscription}) == {}
    finally:
        await rpc.close()


# --- line by line ---------------------------------------------------------------------------


async def _raw(address: str, work: Callable[[RawClient], Awaitable[None]]) -> None:
    client = await RawClient.connect(address)
    try:
        await work(client)
    finally:
        await client.close()


async def unreadable_lines(address: str) -> None:
    async def work(raw: RawClient) -> None:
        for line, code, message in [
            ('{"jsonrpc":"2.0"}', -32600, "method field must be set"),
            ("not json", -32700, None),
            ('{"jsonrpc":"2.0","method":', -32700, None),
            ("   ", -32700, "Empty input line"),
            ("[]", -32600, "invalid request"),
            ("42", -32600, "unexpected type: NUMBER"),
            ("null", -32600, "unexpected type: NULL"),
        ]:
            await raw.send_line(line)
            _is_error(await raw.read(), code, message, None)
        # The connection is still usable after all of that.
        assert "result" in await raw.request("version")

    await _raw(address, work)


async def bad_requests_keep_their_id(address: str) -> None:
    async def work(raw: RawClient) -> None:
        await raw.send({"jsonrpc": "1.0", "method": "version", "id": 1})
        _is_error(await raw.read(), -32600, "only jsonrpc version 2.0 is supported", 1)
        await raw.send({"jsonrpc": "2.0", "method": "version", "id": 2, "extra": True})
        response = await raw.read()
        _is_error(response, -32600, None, 2)
        assert response["error"]["message"].startswith('Unrecognized field "extra"'), response
        await raw.send({"jsonrpc": "2.0", "method": "version", "params": [1], "id": 3})
        _is_error(await raw.read(), -32600, None, 3)
        await raw.send({"jsonrpc": "2.0", "method": "version", "params": 5, "id": 4})
        _is_error(await raw.read(), -32600, None, 4)
        await raw.send({"jsonrpc": "2.0", "method": "version", "id": {"not": "a value"}})
        _is_error(await raw.read(), -32600, None, None)

    await _raw(address, work)


async def ids_are_echoed(address: str) -> None:
    async def work(raw: RawClient) -> None:
        for request_id in ["é😊 id", 12345678901234567890, None, True]:
            await raw.send({"jsonrpc": "2.0", "method": "version", "id": request_id})
            response = await raw.read()
            assert set(response) == {"jsonrpc", "result", "id"}, response
            assert response["id"] == request_id, response
        await raw.send({"jsonrpc": "2.0", "method": "version", "params": None, "id": 9})
        assert "result" in await raw.read()

    await _raw(address, work)


async def no_id_no_answer(address: str) -> None:
    async def work(raw: RawClient) -> None:
        await raw.send({"jsonrpc": "2.0", "method": "version"})
        await raw.send({"jsonrpc": "2.0", "method": "noSuchMethod"})
        await raw.send({"jsonrpc": "2.0", "result": {}, "id": 77})  # a "response": dropped
        await raw.send([{"jsonrpc": "2.0", "method": "version"}])
        await raw.send({"jsonrpc": "2.0", "method": "version", "id": "after"})
        # Had any of the first four been answered, its answer would come first.
        assert (await raw.read())["id"] == "after"

    await _raw(address, work)


async def batch(address: str) -> None:
    async def work(raw: RawClient) -> None:
        await raw.send(
            [
                {"jsonrpc": "2.0", "method": "version", "id": 1},
                {"jsonrpc": "2.0", "method": "listAccounts", "id": 2},
                {"jsonrpc": "2.0", "method": "version"},
                {"jsonrpc": "2.0", "method": "noSuchMethod", "id": 3},
                {"jsonrpc": "2.0", "id": 4},
                5,
            ]
        )
        answers = await raw.read()
        assert isinstance(answers, list), answers
        by_id = {a["id"]: a for a in answers}
        assert len(answers) == 5 and set(by_id) == {1, 2, 3, 4, None}, answers
        assert isinstance(by_id[1]["result"]["version"], str), answers
        assert isinstance(by_id[2]["result"], list), answers
        _is_error(by_id[3], -32601, "Method not implemented", 3)
        _is_error(by_id[4], -32600, "method field must be set", 4)
        _is_error(by_id[None], -32600, None, None)

    await _raw(address, work)


async def what_follows_a_value_is_ignored(address: str) -> None:
    async def work(raw: RawClient) -> None:
        await raw.send_line('{"jsonrpc":"2.0","method":"version","id":1} trailing words')
        assert (await raw.read())["id"] == 1
        await raw.send_line('{"jsonrpc":"2.0","method":"version","id":2}\r')
        assert (await raw.read())["id"] == 2

    await _raw(address, work)


async def a_long_line(address: str) -> None:
    async def work(raw: RawClient) -> None:
        # A message with an attachment inline is one long line. (The fake refuses the
        # unknown parameter that signal-cli ignores: either way the line was read whole.)
        padding = "x" * (3 * 2**20)
        await raw.send(
            {"jsonrpc": "2.0", "method": "listAccounts", "params": {"pad": padding}, "id": 1}
        )
        assert (await raw.read(timeout=30))["id"] == 1

    await _raw(address, work)


async def invalid_utf8_hangs_up(address: str) -> None:
    async def work(raw: RawClient) -> None:
        await raw.send_line(b'{"jsonrpc":"2.0","method":"version","id":"\xff"}')
        try:
            message = await raw.read()
        except EOFError:
            return
        raise AssertionError(f"expected the daemon to close the connection, got {message!r}")

    await _raw(address, work)


CHECKS: list[tuple[str, Callable[[str], Awaitable[None]]]] = [
    ("version", version),
    ("listAccounts", list_accounts),
    ("send without account: -32602", send_without_account),
    ("send with an unknown account: -32602", send_with_unknown_account),
    ("unknown method: -32601", unknown_method),
    ("subscribeReceive and unsubscribeReceive", subscriptions),
    ("unreadable lines: -32700/-32600 with id null", unreadable_lines),
    ("bad requests: -32600 with their id", bad_requests_keep_their_id),
    ("ids echoed", ids_are_echoed),
    ("no answer without an id", no_id_no_answer),
    ("a batch is answered in one array", batch),
    ("what follows a value on its line is ignored", what_follows_a_value_is_ignored),
    ("a 3 MiB line", a_long_line),
    ("invalid UTF-8 closes the connection", invalid_utf8_hangs_up),
]


async def _main(address: str) -> int:
    await check_contract(address)
    rpc = await _rpc(address)
    try:
        found = (await rpc.call("version"))["version"]
    finally:
        await rpc.close()
    print(f"contract: {len(CHECKS)} passed, 0 failed (signal-cli {found} at {address})")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m tests.channels.signal.contract tcp://HOST:PORT", file=sys.stderr)
        sys.exit(2)
    try:
        sys.exit(asyncio.run(_main(sys.argv[1])))
    except AssertionError as e:
        print(f"contract: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
