"""signal-cli's JSON-RPC framing: what a line is, how a request is read, how errors look.

Transcribed from `jsonrpc/JsonRpcReader.java`, `JsonRpcRequest.java`, `JsonRpcResponse.java`
and `SignalJsonRpcCommandHandler.java`. One JSON value per `\\n`-terminated UTF-8 line; an
array is a batch, answered by one array line; an object with `result` or `error` is a
response from the client, and ignored; an error is
`{"jsonrpc":"2.0","error":{"code":…,"message":…,"data":…},"id":…}` with `data` null when
there is none, and `id` null when the request's id could not be read.
"""

import json
from dataclasses import dataclass
from typing import Any

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
USER_ERROR = -1
IO_ERROR = -3
UNTRUSTED_KEY_ERROR = -4
RATELIMIT_ERROR = -5
CAPTCHA_REJECTED_ERROR = -6

# The fields of JsonRpcRequest; Jackson fails on any other (FAIL_ON_UNKNOWN_PROPERTIES).
REQUEST_FIELDS = ("jsonrpc", "method", "params", "id")


class Fault(Exception):
    """An error response to send: code, message and data exactly as they go on the wire."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.data = data


@dataclass(frozen=True)
class Request:
    method: str
    params: dict[str, Any] | list[Any] | None
    id: Any
    # A request without an `id` member is a notification: it is run, and never answered.
    has_id: bool


def encode(message: Any) -> bytes:
    # Jackson writes compact JSON and UTF-8 as is.
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def success(result: Any, request_id: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "result": result, "id": request_id}


def error(fault: Fault, request_id: Any) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "error": {"code": fault.code, "message": fault.message, "data": fault.data},
        "id": request_id,
    }


def notification(method: str, params: Any) -> dict[str, Any]:
    # JsonRpcRequest.forNotification with a null id, which Jackson leaves out (NON_NULL).
    return {"jsonrpc": "2.0", "method": method, "params": params}


def node_type(value: Any) -> str:
    """Jackson's JsonNodeType name for a parsed JSON value."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int | float):
        return "NUMBER"
    if isinstance(value, str):
        return "STRING"
    if isinstance(value, list):
        return "ARRAY"
    return "OBJECT"


def id_of(node: Any) -> Any:
    """The id to answer an unreadable request with: its `id` if that is a plain value."""
    if isinstance(node, dict):
        value = node.get("id")
        if not isinstance(value, dict | list):
            return value
    return None


def parse_line(line: str) -> Any:
    """The JSON value on one line, or a Fault (-32700) to answer with id null."""
    if not line.strip():
        raise Fault(PARSE_ERROR, "Empty input line")
    try:
        # Jackson's readTree reads the first value and ignores whatever follows it.
        value, _ = _DECODER.raw_decode(line.lstrip(" \t\r\n"))
    except ValueError as e:
        raise Fault(PARSE_ERROR, f"Unexpected character: {e}") from None
    return value


def _no_constant(name: str) -> Any:
    # Jackson rejects NaN and Infinity, which Python's parser accepts.
    raise ValueError(f"Non-standard token '{name}'")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def parse_request(node: dict[str, Any]) -> Request:
    """A request object read as JsonRpcReader.parseJsonRpcRequest does, or a Fault (-32600)."""
    if "params" in node and node["params"] is None:
        # signal-cli's workaround for clients that send "params": null.
        node = {k: v for k, v in node.items() if k != "params"}
    for key in node:
        if key not in REQUEST_FIELDS:
            raise Fault(
                INVALID_REQUEST,
                f'Unrecognized field "{key}" (class org.asamk.signal.jsonrpc.JsonRpcRequest), '
                f"not marked as ignorable (4 known properties: "
                f'"jsonrpc", "method", "params", "id"])',
            )
    params = node.get("params")
    if params is not None and not isinstance(params, dict | list):
        raise Fault(
            INVALID_REQUEST,
            "Cannot deserialize value of type `com.fasterxml.jackson.databind.node.ContainerNode`"
            f" from {node_type(params).capitalize()} value",
        )
    if isinstance(node.get("id"), dict | list):
        raise Fault(
            INVALID_REQUEST,
            "Cannot deserialize value of type `com.fasterxml.jackson.databind.node.ValueNode`"
            f" from {node_type(node['id']).capitalize()} value",
        )
    for key in ("jsonrpc", "method"):
        if isinstance(node.get(key), dict | list):
            raise Fault(
                INVALID_REQUEST,
                f"Cannot deserialize value of type `java.lang.String` from "
                f"{node_type(node[key]).capitalize()} value",
            )
    # Jackson reads a number or boolean into a String field as its text.
    jsonrpc = _text(node.get("jsonrpc"))
    method = _text(node.get("method"))
    if jsonrpc != "2.0":
        raise Fault(INVALID_REQUEST, "only jsonrpc version 2.0 is supported")
    if method is None:
        raise Fault(INVALID_REQUEST, "method field must be set")
    return Request(method=method, params=params, id=node.get("id"), has_id="id" in node)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
