"""A bare newline-delimited JSON client, for talking to a signal-cli daemon line by line.

The fake's own tests and the contract check use it where the real client would hide what
is on the wire: lines that are not JSON, batches, requests without an id.
"""

import asyncio
import contextlib
import json
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

LIMIT = 64 * 2**20


class RawClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        # Notifications read while looking for a response, oldest first.
        self.notifications: list[dict[str, Any]] = []
        self._next_id = 0

    @classmethod
    async def connect(cls, address: str) -> "RawClient":
        parts = urlsplit(address)
        if parts.scheme != "tcp" or parts.hostname is None or parts.port is None:
            raise ValueError(f"not a tcp://HOST:PORT address: {address}")
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port, limit=LIMIT)
        return cls(reader, writer)

    async def __aenter__(self) -> "RawClient":
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):  # the daemon may have cut it first
            await self.writer.wait_closed()

    async def send_line(self, line: str | bytes) -> None:
        data = line.encode() if isinstance(line, str) else line
        self.writer.write(data if data.endswith(b"\n") else data + b"\n")
        await self.writer.drain()

    async def send(self, message: Any) -> None:
        await self.send_line(json.dumps(message))

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    async def request(self, method: str, params: Any = None, *, timeout: float = 10) -> Any:
        """Sends one request and returns its whole response object."""
        request_id = self.new_id()
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": request_id}
        if params is not None:
            message["params"] = params
        await self.send(message)
        return await self.response(request_id, timeout=timeout)

    async def read(self, timeout: float = 10) -> Any:
        """The next line, parsed (EOFError when the daemon closed the connection)."""
        async with asyncio.timeout(timeout):
            line = await self.reader.readline()
        if not line:
            raise EOFError("the daemon closed the connection")
        return json.loads(line)

    async def response(self, request_id: Any, timeout: float = 10) -> Any:
        """The response with that id, keeping the notifications read on the way."""
        async with asyncio.timeout(timeout):
            while True:
                message = await self.read(timeout)
                if isinstance(message, dict) and "method" in message and "id" not in message:
                    self.notifications.append(message)
                    continue
                if isinstance(message, dict) and message.get("id") == request_id:
                    return message
                raise AssertionError(f"expected the response to {request_id!r}, got {message!r}")

    async def notification(self, timeout: float = 10) -> dict[str, Any]:
        """The next notification (one kept earlier first)."""
        if self.notifications:
            return self.notifications.pop(0)
        message = await self.read(timeout)
        if not (isinstance(message, dict) and "method" in message and "id" not in message):
            raise AssertionError(f"expected a notification, got {message!r}")
        return message
