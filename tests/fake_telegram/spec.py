"""The Bot API description the fake checks requests and its own replies against.

It reads only `bot_api_subset.json` beside this file (see make_subset.py), so a fresh
clone needs nothing else.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

Json = dict[str, Any]

SUBSET_PATH = Path(__file__).with_name("bot_api_subset.json")

# Field types whose form values are used verbatim: everything else arrives JSON-encoded.
_VERBATIM_TYPES = frozenset({"String", "InputFile"})


@dataclass(frozen=True)
class Field:
    name: str
    types: tuple[str, ...]
    required: bool


class BotApiSpec:
    """Method and type descriptions from the subset file."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.version: str = data["version"]
        self.all_methods: frozenset[str] = frozenset(data["all_methods"])
        # Telegram matches method names case-insensitively.
        self._canonical = {name.lower(): name for name in data["all_methods"]}
        self._methods = {name: _fields(entry) for name, entry in data["methods"].items()}
        self.returns: dict[str, tuple[str, ...]] = {
            name: tuple(entry["returns"]) for name, entry in data["methods"].items()
        }
        self._types = {name: _fields(entry) for name, entry in data["types"].items()}
        self._subtypes: dict[str, tuple[str, ...]] = {
            name: tuple(entry["subtypes"])
            for name, entry in data["types"].items()
            if entry.get("subtypes")
        }

    def canonical(self, method: str) -> str | None:
        """The method's documented spelling, or None if the Bot API has no such method."""
        return self._canonical.get(method.lower())

    def fields(self, method: str) -> tuple[Field, ...]:
        return tuple(self._methods.get(method, {}).values())

    def decode(self, method: str, raw: Mapping[str, Any]) -> Json:
        """Turn wire values into Python values using each field's declared types.

        PTB sends strings verbatim and JSON-encodes everything else (chat_id="42",
        reply_markup='{"inline_keyboard": ...}'); JSON bodies may do the same. A value that
        does not parse is kept as sent, for the method to reject.
        """
        fields = self._methods.get(method, {})
        params: Json = {}
        for name, value in raw.items():
            field = fields.get(name)
            if (
                isinstance(value, str)
                and field is not None
                and not set(field.types) <= _VERBATIM_TYPES
            ):
                try:
                    params[name] = json.loads(value)
                    continue
                except ValueError:
                    pass
            params[name] = value
        return params

    def first_missing(self, method: str, params: Mapping[str, Any]) -> str | None:
        for field in self.fields(method):
            if field.required and field.name not in params:
                return field.name
        return None

    def check_object(self, type_name: str, value: Any, path: str = "") -> list[str]:
        """Problems that keep `value` from being a valid `type_name`; empty when valid.

        Checks required fields, unknown fields and the shape of each field, descending
        into the types the subset describes (others are only checked to be objects).
        """
        where = path or type_name
        if type_name in self._subtypes:
            attempts = [self.check_object(sub, value, where) for sub in self._subtypes[type_name]]
            return [] if any(not a for a in attempts) else _fewest(attempts)
        if not isinstance(value, dict):
            return [f"{where}: expected {type_name} object, got {type(value).__name__}"]
        fields = self._types.get(type_name)
        if fields is None:
            return []
        problems = [
            f"{where}: missing required field {name!r}"
            for name, field in fields.items()
            if field.required and name not in value
        ]
        for name, item in value.items():
            field = fields.get(name)
            if field is None:
                problems.append(f"{where}: unknown field {name!r}")
                continue
            attempts = [self.check_value(t, item, f"{where}.{name}") for t in field.types]
            if all(attempts):
                problems.extend(_fewest(attempts))
        return problems

    def check_value(self, type_expr: str, value: Any, path: str = "") -> list[str]:
        """Like check_object, for a type expression such as "Array of Update" or "Boolean"."""
        path = path or type_expr
        if type_expr.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{path}: expected {type_expr}"]
            inner = type_expr.removeprefix("Array of ")
            return [
                p for i, v in enumerate(value) for p in self.check_value(inner, v, f"{path}[{i}]")
            ]
        checks = {
            "Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "Float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
            "String": lambda v: isinstance(v, str),
            "Boolean": lambda v: isinstance(v, bool),
            "True": lambda v: v is True,
        }
        check = checks.get(type_expr)
        if check is not None:
            return [] if check(value) else [f"{path}: expected {type_expr}, got {value!r}"]
        return self.check_object(type_expr, value, path)


def _fewest(attempts: list[list[str]]) -> list[str]:
    # Of several ways a value could have been valid, report the closest miss.
    return sorted(attempts, key=len)[0]


@cache
def load_spec() -> BotApiSpec:
    """The subset beside this file, read once per process."""
    return BotApiSpec(json.loads(SUBSET_PATH.read_text(encoding="utf-8")))


def _fields(entry: Mapping[str, Any]) -> dict[str, Field]:
    return {
        f["name"]: Field(f["name"], tuple(f["types"]), bool(f["required"]))
        for f in entry.get("fields", [])
    }
