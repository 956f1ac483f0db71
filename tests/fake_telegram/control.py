"""A small HTTP control surface, for driving the fake from another process (the benchmark).

All routes take and return JSON:

- POST /__control/backlog   {"updates": [raw update, ...],
                             "messages": [{"user_id": 1, "text": "hi"}, ...]}
                            -> {"update_ids": [...], "at": injection time}
                            (updates first, then messages)
- POST /__control/delay     {"ms": 5}  -> {"delay_ms": 5}
- POST /__control/fail      {"method": "sendMessage", "fault": "429", "times": 1,
                             "retry_after": 1, "chat_id": null, "hold_seconds": 30}
- POST /__control/wait      {"method": "sendMessage", "count": 1000, "status": 200,
                             "started": false, "timeout": 60}
                            -> stats, once that many calls were answered (or, with
                            "started", had arrived: {"method": "getUpdates", "count": 1,
                            "started": true} returns once the bot's first poll is waiting)
- GET  /__control/stats     -> calls per method and status, pending updates, offsets
- GET  /__control/calls?method=sendMessage&since=0
                            -> [{"method", "status", "at", "answered_at", "params"}, ...]
- GET  /__control/messages?chat_id=42  -> the bot's messages in that chat, current state

Times are time.monotonic() in the server process; on Linux that clock is shared by all
processes, so a benchmark can compare them with its own readings.
"""

import base64
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fake_telegram.records import Upload

if TYPE_CHECKING:
    from tests.fake_telegram.server import FakeTelegram

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_control_routes(app: web.Application, fake: "FakeTelegram") -> None:
    async def backlog(request: web.Request) -> web.Response:
        spec = await _json(request)
        at = time.monotonic()
        ids = [fake.push_update(update) for update in spec.get("updates", [])]
        for message in spec.get("messages", []):
            ids.append(
                fake.user_sends(
                    int(message["user_id"]),
                    str(message["text"]),
                    first_name=message.get("first_name"),
                )
            )
        return web.json_response({"update_ids": ids, "at": at})

    async def delay(request: web.Request) -> web.Response:
        spec = await _json(request)
        fake.delay = float(spec["ms"]) / 1000
        return web.json_response({"delay_ms": fake.delay * 1000})

    async def fail(request: web.Request) -> web.Response:
        spec = await _json(request)
        try:
            fake.fail_next(
                str(spec["method"]),
                spec["fault"],
                times=int(spec.get("times", 1)),
                retry_after=int(spec.get("retry_after", 1)),
                chat_id=spec.get("chat_id"),
                hold_seconds=float(spec.get("hold_seconds", 30.0)),
            )
        except ValueError as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        return web.json_response({"ok": True})

    async def wait(request: web.Request) -> web.Response:
        spec = await _json(request)
        try:
            await fake.wait_for_calls(
                str(spec["method"]),
                int(spec["count"]),
                status=int(spec.get("status", 200)),
                started=bool(spec.get("started", False)),
                timeout=float(spec.get("timeout", 60.0)),
            )
        except TimeoutError as error:
            return web.json_response({"error": str(error), **fake.stats()}, status=504)
        return web.json_response(fake.stats())

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(fake.stats())

    async def calls(request: web.Request) -> web.Response:
        method = request.query.get("method")
        since = int(request.query.get("since", "0"))
        return web.json_response(
            [
                {
                    "method": call.method,
                    "status": call.status,
                    "at": call.at,
                    "answered_at": call.answered_at,
                    "params": {key: _jsonable(value) for key, value in call.params.items()},
                }
                for call in fake.calls[since:]
                if method is None or call.method == method
            ]
        )

    async def messages(request: web.Request) -> web.Response:
        chat_id = int(request.query["chat_id"])
        found = [asdict(m) | {"file": _jsonable(m.file)} for m in fake.messages(chat_id)]
        return web.json_response(found)

    routes: list[tuple[str, str, Handler]] = [
        ("POST", "backlog", backlog),
        ("POST", "delay", delay),
        ("POST", "fail", fail),
        ("POST", "wait", wait),
        ("GET", "stats", stats),
        ("GET", "calls", calls),
        ("GET", "messages", messages),
    ]
    for method, name, handler in routes:
        app.router.add_route(method, f"/__control/{name}", handler)


async def _json(request: web.Request) -> dict[str, Any]:
    data = await request.json()
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, Upload):
        return {
            "upload": value.filename,
            "content_type": value.content_type,
            "size": value.size,
            "data_base64": base64.b64encode(value.data).decode(),
        }
    return value
