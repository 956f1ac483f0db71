"""A stateful fake of the Telegram Bot API, served over HTTP on loopback.

The real python-telegram-bot stack talks to it through `base_url`. It speaks the
wire protocol PTB uses (form, JSON and multipart bodies; long-polling
getUpdates whose offset confirms updates), keeps the messages it sent so edits
apply, checks each request against a copy of the Bot API description (unknown
method: 404; missing required field: 400), and can inject faults.

Tests drive it as people would: `user_sends`, `user_clicks`, `user_blocks_bot`;
and inspect it: `next_call`, `wait_for_message`, `messages`, `transcript`.
"""

import asyncio
import contextlib
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

SPEC = json.loads((Path(__file__).parent / "bot_api_subset.json").read_text(encoding="utf-8"))
_ALL_METHODS = {name.lower(): name for name in SPEC["all_methods"]}
BOT_ID = 7000001
BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Hearthside",
    "username": "hearthside_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

Json = dict[str, Any]


@dataclass
class Call:
    method: str
    params: Json
    status: int
    at: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    method: str
    kind: str  # "429", "500", "403", "timeout"
    times: int
    retry_after: int
    chat_id: int | None
    hold_seconds: float


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: Json | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def _decode(method: str, raw: dict[str, Any]) -> Json:
    """Values arrive as strings; PTB JSON-encodes everything that is not a string."""
    types = {f["name"]: f["types"] for f in SPEC["methods"].get(method, {}).get("fields", [])}
    params: Json = {}
    for name, value in raw.items():
        if isinstance(value, str) and types.get(name) != ["String"]:
            try:
                params[name] = json.loads(value)
                continue
            except ValueError:
                pass
        params[name] = value
    return params


class FakeTelegram:
    def __init__(self, token: str = "123456:TEST-token", *, port: int = 0) -> None:
        self.token = token
        self._port = port
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.delay = 0.0
        self.calls: list[Call] = []
        self.started: list[Call] = []  # requests as they arrive, before any answer
        self.confirmed_offset = 0
        self.commands: list[Json] = []
        self._pending: list[Json] = []
        self._history: dict[int, Json] = {}
        self._next_update_id = 1
        self._updates_arrived = asyncio.Event()
        self._call_arrived = asyncio.Condition()
        self._consumed: set[int] = set()  # indexes into calls taken by next_call
        self._messages: dict[int, dict[int, Json]] = defaultdict(dict)
        self._next_message_id: dict[int, int] = defaultdict(lambda: 1)
        self._transcripts: dict[int, list[str]] = defaultdict(list)
        self._blocked: set[int] = set()
        self._faults: list[Fault] = []
        self._stopping = asyncio.Event()

    # -- life cycle ------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self.add_routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    def add_routes(self, app: web.Application) -> None:
        """Extra routes a subclass serves (the benchmark's control surface)."""

    async def stop(self) -> None:
        self._stopping.set()
        self._updates_arrived.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> "FakeTelegram":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- people ----------------------------------------------------------------
    def _user(self, user_id: int, first_name: str, username: str | None) -> Json:
        user: Json = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        return user

    def _chat(self, user_id: int, first_name: str = "Alex") -> Json:
        return {"id": user_id, "type": "private", "first_name": first_name}

    def push_update(self, update: Json) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self._history[update_id] = {"update_id": update_id, **update}
        self._pending.append(self._history[update_id])
        self._updates_arrived.set()
        return update_id

    def redeliver(self, update_id: int) -> None:
        """Send an update again, as Telegram does when it never saw it confirmed."""
        self._pending.append(self._history[update_id])
        self._updates_arrived.set()

    def _user_message(self, user_id: int, first_name: str, username: str | None) -> Json:
        chat = self._chat(user_id, first_name)
        message_id = self._next_message_id[user_id]
        self._next_message_id[user_id] += 1
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": self._user(user_id, first_name, username),
        }

    def user_sends(
        self, user_id: int, text: str, *, first_name: str = "Alex", username: str | None = None
    ) -> int:
        message = self._user_message(user_id, first_name, username)
        message["text"] = text
        if text.startswith("/"):
            length = len(text.split(" ", 1)[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        self._transcripts[user_id].append(f"user: {text}")
        return self.push_update({"message": message})

    def user_sends_sticker(self, user_id: int) -> int:
        message = self._user_message(user_id, "Alex", None)
        message["sticker"] = {
            "file_id": "sticker-1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self.push_update({"message": message})

    def user_sends_voice(self, user_id: int) -> int:
        message = self._user_message(user_id, "Alex", None)
        message["voice"] = {"file_id": "voice-1", "file_unique_id": "v1", "duration": 3}
        return self.push_update({"message": message})

    def user_edits(self, user_id: int, message_id: int, text: str) -> int:
        message = self._user_message(user_id, "Alex", None)
        message.update(message_id=message_id, text=text, edit_date=int(time.time()))
        return self.push_update({"edited_message": message})

    def user_clicks(self, user_id: int, message_id: int, data: str) -> int:
        message = self._messages[user_id].get(message_id)
        if message is None:
            raise KeyError(f"no bot message {message_id} in chat {user_id}")
        return self.push_update(
            {
                "callback_query": {
                    "id": f"cq-{self._next_update_id}",
                    "from": self._user(user_id, "Alex", None),
                    "message": message,
                    "chat_instance": f"ci-{user_id}",
                    "data": data,
                }
            }
        )

    def user_blocks_bot(self, user_id: int) -> int:
        self._blocked.add(user_id)
        return self.push_update(
            {
                "my_chat_member": {
                    "chat": self._chat(user_id),
                    "from": self._user(user_id, "Alex", None),
                    "date": int(time.time()),
                    "old_chat_member": {"status": "member", "user": BOT_USER},
                    "new_chat_member": {
                        "status": "kicked",
                        "user": BOT_USER,
                        "until_date": 0,
                    },
                }
            }
        )

    def user_unblocks_bot(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    async def wait_for_call_started(
        self, method: str, *, since: int = 0, timeout: float = 5.0, **match: Any
    ) -> None:
        """Until a request to `method` matching `match` arrived, answered or not.

        Only requests from index `since` of `started` on count.
        """

        def arrived() -> bool:
            return any(
                c.method == method and all(c.params.get(k) == v for k, v in match.items())
                for c in self.started[since:]
            )

        async with self._call_arrived:
            await asyncio.wait_for(self._call_arrived.wait_for(arrived), timeout)

    async def wait_confirmed(self, update_id: int, *, timeout: float = 15.0) -> None:
        """Until the bot has confirmed `update_id` (asked for updates after it)."""
        async with self._call_arrived:
            await asyncio.wait_for(
                self._call_arrived.wait_for(lambda: self.confirmed_offset > update_id), timeout
            )

    def pending_update_ids(self) -> list[int]:
        return [u["update_id"] for u in self._pending]

    # -- faults ----------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        kind: str,
        *,
        times: int = 1,
        retry_after: int = 1,
        chat_id: int | None = None,
        hold_seconds: float = 30.0,
    ) -> None:
        if kind not in {"429", "500", "403", "timeout"}:
            raise ValueError(kind)
        self._faults.append(Fault(method, kind, times, retry_after, chat_id, hold_seconds))

    def _take_fault(self, method: str, params: Json) -> Fault | None:
        for fault in self._faults:
            if fault.method == method and fault.chat_id in (None, params.get("chat_id")):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    # -- inspection ------------------------------------------------------------
    def calls_to(self, method: str, **match: Any) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method and all(c.params.get(k) == v for k, v in match.items())
        ]

    async def next_call(
        self, method: str, *, timeout: float = 5.0, status: int = 200, **match: Any
    ) -> Call:
        """The next call to `method` answered with `status`, matching `match`, not yet taken."""
        return await self._take((method,), status, match, timeout)

    async def _take(
        self, methods: tuple[str, ...], status: int, match: Json, timeout: float
    ) -> Call:
        """Wait for, and mark as taken, the first untaken call that fits."""

        def find() -> Call | None:
            for index, call in enumerate(self.calls):
                if (
                    index not in self._consumed
                    and call.status == status
                    and call.method in methods
                    and all(call.params.get(k) == v for k, v in match.items())
                ):
                    self._consumed.add(index)
                    return call
            return None

        async with self._call_arrived:
            found = await asyncio.wait_for(self._call_arrived.wait_for(find), timeout)
        assert found is not None
        return found

    def message(self, chat_id: int, message_id: int) -> Json:
        """One of the bot's messages, in its current state."""
        return self._messages[chat_id][message_id]

    def messages(self, chat_id: int) -> list[Json]:
        """The bot's messages in a chat, in their current state after edits."""
        return list(self._messages[chat_id].values())

    async def wait_for_message(
        self, chat_id: int, contains: str | None = None, *, timeout: float = 5.0
    ) -> Json:
        """The next new bot message in `chat_id` (with `contains` in its text, if given)."""
        while True:
            call = await self._take(
                ("sendMessage", "sendPhoto", "sendDocument", "copyMessage"),
                200,
                {"chat_id": chat_id},
                timeout,
            )
            message = self._messages[chat_id][call.params["_message_id"]]
            text = message.get("text") or message.get("caption") or ""
            if contains is None or contains in text:
                return message

    @staticmethod
    def keyboard(message: Json) -> list[tuple[str, str]]:
        markup = message.get("reply_markup") or {}
        return [
            (button["text"], button.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for button in row
        ]

    def transcript(self, chat_id: int) -> list[str]:
        return list(self._transcripts[chat_id])

    # -- HTTP ------------------------------------------------------------------
    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json() if request.can_read_body else {}
            return {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
        if request.content_type == "multipart/form-data":
            raw: dict[str, Any] = {}
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename:
                    raw[part.name] = {"upload": part.filename, "size": len(await part.read())}
                else:
                    raw[part.name] = await part.text()
            return raw
        if request.can_read_body:
            form = await request.post()
            return {k: v for k, v in form.items() if isinstance(v, str)}
        return dict(request.query)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = _ALL_METHODS.get(request.match_info["method"].lower())
        if method is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        params = _decode(method, await self._read_params(request))
        async with self._call_arrived:
            self.started.append(Call(method, params, 0))
            self._call_arrived.notify_all()
        if method != "getUpdates" and self.delay:
            await asyncio.sleep(self.delay)
        try:
            result = await self._dispatch(method, params)
            status, body = 200, {"ok": True, "result": result}
        except ApiError as error:
            status = error.status
            body = {"ok": False, "error_code": error.status, "description": error.description}
            if error.parameters:
                body["parameters"] = error.parameters
        await self._record(Call(method, params, status))
        return web.json_response(body, status=status)

    async def _record(self, call: Call) -> None:
        async with self._call_arrived:
            self.calls.append(call)
            self._call_arrived.notify_all()

    async def _dispatch(self, method: str, params: Json) -> Any:
        spec = SPEC["methods"].get(method)
        if spec is None:
            raise ApiError(400, f"Bad Request: the fake does not implement {method}")
        for field_spec in spec["fields"]:
            if field_spec["required"] and field_spec["name"] not in params:
                raise ApiError(400, f"Bad Request: {field_spec['name']} is required")
        fault = self._take_fault(method, params)
        if fault is not None:
            await self._apply_fault(fault)
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int) and chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return True
        return await handler(params)

    async def _apply_fault(self, fault: Fault) -> None:
        if fault.kind == "429":
            raise ApiError(
                429,
                f"Too Many Requests: retry after {fault.retry_after}",
                {"retry_after": fault.retry_after},
            )
        if fault.kind == "500":
            raise ApiError(500, "Internal Server Error")
        if fault.kind == "403":
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        # A timeout: hold the answer until the client gives up (or the fake stops).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), fault.hold_seconds)
        raise ApiError(504, "Gateway Timeout")

    # -- methods ---------------------------------------------------------------
    async def _m_getMe(self, params: Json) -> Json:
        return BOT_USER

    async def _m_getUpdates(self, params: Json) -> list[Json]:
        offset = int(params.get("offset") or 0)
        if offset:
            # Asking from `offset` confirms everything before it, as on Telegram.
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
            async with self._call_arrived:
                self.confirmed_offset = max(self.confirmed_offset, offset)
                self._call_arrived.notify_all()
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while not self._pending and not self._stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._updates_arrived.clear()
            try:
                await asyncio.wait_for(self._updates_arrived.wait(), remaining)
            except TimeoutError:
                break
        return self._pending[:limit]

    def _new_message(self, chat_id: int, content: Json, params: Json) -> Json:
        message_id = self._next_message_id[chat_id]
        self._next_message_id[chat_id] += 1
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": BOT_USER,
            **content,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        if params.get("protect_content"):
            message["has_protected_content"] = True
        self._messages[chat_id][message_id] = message
        params["_message_id"] = message_id
        shown = content.get("text") or content.get("caption") or f"[{next(iter(content))}]"
        self._transcripts[chat_id].append(f"bot: {shown}")
        return message

    async def _m_sendMessage(self, params: Json) -> Json:
        if not str(params["text"]).strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(str(params["text"])) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return self._new_message(params["chat_id"], {"text": str(params["text"])}, params)

    async def _m_sendPhoto(self, params: Json) -> Json:
        content: Json = {
            "photo": [{"file_id": "photo-1", "file_unique_id": "p1", "width": 800, "height": 600}]
        }
        if params.get("caption"):
            content["caption"] = str(params["caption"])
        return self._new_message(params["chat_id"], content, params)

    async def _m_sendDocument(self, params: Json) -> Json:
        content: Json = {"document": {"file_id": "doc-1", "file_unique_id": "d1"}}
        if params.get("caption"):
            content["caption"] = str(params["caption"])
        return self._new_message(params["chat_id"], content, params)

    def _find(self, params: Json) -> Json:
        message = self._messages[params.get("chat_id", 0)].get(params.get("message_id", 0))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    async def _m_editMessageText(self, params: Json) -> Json:
        message = self._find(params)
        markup = params.get("reply_markup")
        if message.get("text") == params["text"] and message.get("reply_markup") == markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message["text"] = str(params["text"])
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        return message

    async def _m_editMessageReplyMarkup(self, params: Json) -> Json:
        message = self._find(params)
        markup = params.get("reply_markup")
        if message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message

    async def _m_copyMessage(self, params: Json) -> Json:
        source = self._messages[params["from_chat_id"]].get(params["message_id"])
        if source is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        content = {k: v for k, v in source.items() if k in ("text", "caption", "photo", "voice")}
        message = self._new_message(params["chat_id"], content, params)
        return {"message_id": message["message_id"]}

    async def _m_forwardMessage(self, params: Json) -> Json:
        source = self._messages[params["from_chat_id"]].get(params["message_id"])
        if source is None:
            raise ApiError(400, "Bad Request: message to forward not found")
        content = {k: v for k, v in source.items() if k in ("text", "caption")}
        content["forward_origin"] = {"type": "user", "date": source["date"], "sender_user": {}}
        return self._new_message(params["chat_id"], content, params)

    async def _m_deleteMessage(self, params: Json) -> bool:
        self._messages[params["chat_id"]].pop(params["message_id"], None)
        return True

    async def _m_setMyCommands(self, params: Json) -> bool:
        self.commands = list(params["commands"])
        return True

    async def _m_getMyCommands(self, params: Json) -> list[Json]:
        return self.commands

    async def _m_deleteMyCommands(self, params: Json) -> bool:
        self.commands = []
        return True
