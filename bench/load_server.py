"""The fake Bot API in its own process, with a control surface for the throughput benchmark.

`python -m bench.load_server <port> <delay_ms>`. POST /__control/load injects a
backlog (each chat sends its script at once) after the bot's first poll and
answers with the figures once every expected reply has arrived.
"""

import asyncio
import json
import sys
import time
from typing import Any

from aiohttp import web

from tests.fake_bot_api import FakeTelegram

TOKEN = "123456:BENCH-token"


class LoadServer(FakeTelegram):
    def __init__(self, port: int, delay: float) -> None:
        super().__init__(TOKEN, port=port)
        self.delay = delay
        self._first_poll = asyncio.Event()
        self._replies: dict[int, list[tuple[float, str]]] = {}
        self._expected_total = 0
        self._all_replied = asyncio.Event()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/__control/load", self._load)

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        self._first_poll.set()
        return await super()._m_getUpdates(params)

    async def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        message = await super()._m_sendMessage(params)
        replies = self._replies.setdefault(params["chat_id"], [])
        replies.append((time.monotonic(), str(params["text"])))
        if sum(len(r) for r in self._replies.values()) >= self._expected_total > 0:
            self._all_replied.set()
        return message

    async def _load(self, request: web.Request) -> web.Response:
        spec = await request.json()
        chats: list[int] = spec["chats"]
        script: list[str] = spec["script"]
        expect: list[str] = spec["expect"]
        await self._first_poll.wait()
        self._replies = {}
        self._expected_total = len(chats) * len(expect)
        started = time.monotonic()
        for chat in chats:
            for text in script:
                self.user_sends(chat, text)
        await asyncio.wait_for(self._all_replied.wait(), spec.get("timeout", 600))
        finished = time.monotonic()
        latencies = sorted(at - started for replies in self._replies.values() for at, _ in replies)
        violations = sum(
            1
            for replies in self._replies.values()
            for (_, text), fragment in zip(replies, expect, strict=False)
            if fragment not in text
        )
        figures = {
            "updates": len(chats) * len(script),
            "seconds": finished - started,
            "p50": latencies[len(latencies) // 2],
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "order_violations": violations,
        }
        return web.json_response(figures)


async def serve(port: int, delay_ms: float) -> None:
    server = LoadServer(port, delay_ms / 1000)
    await server.start()
    print(json.dumps({"port": server.port}), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), float(sys.argv[2])))
