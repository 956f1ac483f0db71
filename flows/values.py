"""The plain values exchanged between channel adapters and the flow engine."""

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from storage import Account


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer a question offers: a button on Telegram, a numbered line elsewhere."""

    value: str
    label: str
    emoji: str = ""

    @property
    def caption(self) -> str:
        return f"{self.emoji} {self.label}" if self.emoji else self.label


@dataclass(frozen=True, slots=True)
class Reply:
    """Something to show one person."""

    text: str
    choices: tuple[Choice, ...] = ()
    # The question number the choices belong to; a tap carrying an older one has passed.
    token: int | None = None
    columns: int = 1
    image_png: bytes | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "text": self.text,
                "choices": [[c.value, c.label, c.emoji] for c in self.choices],
                "token": self.token,
                "columns": self.columns,
                "image": base64.b64encode(self.image_png).decode() if self.image_png else None,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str) -> "Reply":
        data: dict[str, Any] = json.loads(raw)
        return cls(
            text=data["text"],
            choices=tuple(Choice(*c) for c in data["choices"]),
            token=data["token"],
            columns=data["columns"],
            image_png=base64.b64decode(data["image"]) if data["image"] else None,
        )


@dataclass(frozen=True, slots=True)
class Input:
    """What a person did: typed text, a command, or a tap on a choice."""

    text: str = ""
    command: str | None = None  # lower-case, without the slash
    choice: str | None = None  # the tapped choice's value
    token: int | None = None  # the question number the tapped button carried

    @classmethod
    def typed(cls, raw: str) -> "Input":
        """Parse typed text; `/cmd@botname args` becomes command `cmd` with text `args`."""
        stripped = raw.strip()
        if stripped.startswith("/") and len(stripped) > 1:
            head, _, rest = stripped[1:].partition(" ")
            name = head.split("@", 1)[0].lower()
            if name.replace("_", "").isalnum():
                return cls(text=rest.strip(), command=name)
        return cls(text=stripped)

    @classmethod
    def tapped(cls, value: str, token: int | None) -> "Input":
        return cls(choice=value, token=token)

    @property
    def is_tap(self) -> bool:
        return self.choice is not None


@dataclass(frozen=True, slots=True)
class Delivery:
    """A reply committed to the outbox, waiting to be sent."""

    outbox_id: int
    account: Account
    reply: Reply


@dataclass(slots=True)
class Outcome:
    """What handling one input produced."""

    deliveries: list[Delivery] = field(default_factory=list)
    # Label of the accepted tapped choice: the adapter marks the question answered.
    answered: str | None = None
    # The tapped question had passed; nothing changed.
    stale: bool = False
    # A new version of the tapped question, to replace it in place (multi-select).
    edit: Reply | None = None
    # The update was applied before; nothing was done.
    duplicate: bool = False
