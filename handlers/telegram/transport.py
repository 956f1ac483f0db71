"""The Bot API transport for sends: python-telegram-bot's `BaseRequest` over aiohttp.

PTB's default transport (httpx over httpcore) costs far more CPU per call than the call
itself: its connection pool walks every connection for every request, and anyio's
socket layer adds its own. aiohttp's client does the same work (keep-alive connections,
form and multipart bodies) for a fraction of it. Polling keeps PTB's own transport
(`intake.InboxFlushingRequest`): one long call at a time, where this cost is nothing.

Timeouts and failures mean what they mean with PTB's HTTPXRequest: a timeout raises
`TimedOut`, any other failure to talk to the server `NetworkError`; the answer's status
and body go back to PTB, which turns Telegram's errors into its exceptions. A timeout
after the connection was made is `AnsweredLate`, a `TimedOut`: the request may have
reached Telegram and been carried out, so a send is not simply tried again.
"""

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# PTB's HTTPXRequest defaults, seconds.
CONNECT_TIMEOUT = READ_TIMEOUT = WRITE_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
MEDIA_WRITE_TIMEOUT = 20.0
# The slowest upload allowed to finish: a media call's whole time grows by a second for
# each this many bytes it carries.
MIN_UPLOAD_BYTES_PER_SECOND = 64 * 1024


class AnsweredLate(TimedOut):
    """No answer in time from a request that may have reached Telegram."""


class AiohttpRequest(BaseRequest):
    """Bot API calls over one aiohttp session, at most `connection_pool_size` at once."""

    __slots__ = ("_pool_size", "_session")

    def __init__(self, *, connection_pool_size: int = 8) -> None:
        self._pool_size = connection_pool_size
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return READ_TIMEOUT

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        body: aiohttp.FormData | dict[str, str] | None = None
        if files:
            body = aiohttp.FormData()
            for name, value in (request_data.json_parameters if request_data else {}).items():
                body.add_field(name, value)
            for name, (filename, content, mime) in files.items():
                body.add_field(name, content, filename=filename, content_type=mime)
        elif request_data is not None and request_data.json_parameters:
            body = request_data.json_parameters
        read = _given(read_timeout, READ_TIMEOUT)
        write = _given(write_timeout, MEDIA_WRITE_TIMEOUT if files else WRITE_TIMEOUT)
        # aiohttp's connect timeout includes waiting for a free connection of the pool.
        connect = _sum(
            _given(connect_timeout, CONNECT_TIMEOUT), _given(pool_timeout, POOL_TIMEOUT)
        )
        # aiohttp has no write timeout of its own: writing is bounded by the whole call's,
        # which grows with what an upload carries. A download (no body) is bounded by its
        # reads alone, as httpx bounded each read, so a slow file that keeps coming arrives.
        if request_data is None or read is None or write is None or connect is None:
            total = None
        else:
            carried = sum(_size(part[1]) for part in files.values()) if files else 0
            total = read + write + connect + carried / MIN_UPLOAD_BYTES_PER_SECOND
        timeout = aiohttp.ClientTimeout(total=total, connect=connect, sock_read=read)
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as answer:
                return answer.status, await answer.read()
        except aiohttp.SocketTimeoutError as error:
            # No answer to a request written whole (aiohttp reads only after writing).
            raise AnsweredLate from error
        except TimeoutError as error:  # not connected, or the body not all written
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _size(content: Any) -> int:
    """An upload's length in bytes (0 for a stream, whose length is not known here)."""
    return len(content) if isinstance(content, bytes | bytearray) else 0


def _given(value: Any, default: float) -> float | None:
    """A timeout PTB passed (None: none at all), or ours when it left it unset."""
    if isinstance(value, DefaultValue):
        return default
    return None if value is None else float(value)


def _sum(first: float | None, second: float | None) -> float | None:
    return None if first is None or second is None else first + second
