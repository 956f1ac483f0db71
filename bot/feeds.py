"""Fetching Meeting Guide feeds (MEETING_FEEDS) over HTTP, for the sweep's feed step.

Flows do no network I/O (docs/architecture.md): `flows.community.MeetingFeeds` is given
this fetcher by the composition root, and gets bytes (or "not modified", or why it
failed) back. The sweep then reads the bytes in the CPU-capped process and applies them.
Keeping the step in the one sweep means one scheduler, the engine's clock for when a
feed is due (a restart doesn't refetch a feed synced an hour ago), and the sweep's
pacing for whatever the sync tells members; the step runs last, and each fetch is
bounded (`timeout_seconds` in all, `max_bytes` read at most), so a slow server holds
the sweep up by that at most, once per sync.

Conditional requests: the ETag and Last-Modified of the last good sync are sent back
(If-None-Match, If-Modified-Since), so an unchanged feed costs a 304 and no reading.
"""

import asyncio
import logging

import httpx

from flows.community import Fetched

log = logging.getLogger(__name__)

USER_AGENT = "Hearthside meeting sync (Meeting Guide feed reader)"


class HttpFeedFetcher:
    def __init__(
        self,
        *,
        timeout_seconds: float = 30.0,
        max_bytes: int = 5 * 1024 * 1024,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._timeout = timeout_seconds
        self._max_bytes = max_bytes
        self._transport = transport

    async def __call__(self, url: str, *, etag: str | None, last_modified: str | None) -> Fetched:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            # httpx's timeout is per read; the whole fetch has its own, so a server that
            # dribbles bytes can't hold the sweep.
            async with asyncio.timeout(self._timeout):
                return await self._get(url, headers)
        except TimeoutError:
            return _failed(f"it didn't answer within {self._timeout:g} seconds")
        except httpx.TimeoutException:
            return _failed(f"it didn't answer within {self._timeout:g} seconds")
        except httpx.HTTPError as error:
            return _failed(f"it couldn't be reached ({type(error).__name__})")

    async def _get(self, url: str, headers: dict[str, str]) -> Fetched:
        async with (
            httpx.AsyncClient(
                timeout=httpx.Timeout(self._timeout),
                follow_redirects=True,
                max_redirects=3,
                transport=self._transport,
            ) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code == 304:
                return Fetched(
                    "not_modified",
                    etag=headers.get("If-None-Match"),
                    last_modified=headers.get("If-Modified-Since"),
                )
            if response.status_code != 200:
                return _failed(f"the server answered {response.status_code}")
            too_big = _failed(f"it is larger than {self._max_bytes // (1024 * 1024)} MB")
            declared = response.headers.get("Content-Length", "")
            if declared.isdecimal() and int(declared) > self._max_bytes:
                return too_big
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self._max_bytes:
                    return too_big
            return Fetched(
                "ok",
                bytes(body),
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )


def _failed(why: str) -> Fetched:
    log.info("feed_fetch_failed")
    return Fetched("failed", failure=why)
