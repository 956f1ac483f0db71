"""A member's open conversation, and the one codec between it and its stored row.

The row keeps the flow's own data as JSON, with the open question under `_question`
beside it, so a restart asks it again exactly. Everything that reads or writes a
conversation row goes through here, so the stored format is written down once.
"""

import json
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flows.core.values import Choice
from storage import ConversationRow, Transaction

QUESTION_KEY = "_question"


@dataclass(slots=True)
class Question:
    """The open question, kept so it can be asked again exactly."""

    text: str
    choices: tuple[Choice, ...]
    columns: int
    free_text: bool
    # Shown numbered, so that a typed number picks a choice (flows/core/values.py, Reply).
    numbered: bool = True

    def to_data(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "choices": [[c.value, c.label, c.emoji] for c in self.choices],
            "columns": self.columns,
            "free_text": self.free_text,
            "numbered": self.numbered,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> "Question":
        return cls(
            text=data["text"],
            choices=tuple(Choice(*c) for c in data["choices"]),
            columns=data["columns"],
            free_text=data["free_text"],
            numbered=bool(data.get("numbered", True)),
        )


@dataclass(slots=True)
class ConversationState:
    """Where someone is: the flow, the step waiting for an answer, and what it keeps."""

    flow: str
    step: str  # the step handler's name without `on_` (flows/core/flow.py)
    token: int
    expires_at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    question: Question | None = None


def split_data(raw: str) -> tuple[dict[str, Any], object]:
    """A stored row's data column: the flow's data, and the open question as stored."""
    data: dict[str, Any] = json.loads(raw)
    return data, data.pop(QUESTION_KEY, None)


def state_from_row(row: ConversationRow) -> ConversationState:
    """The conversation a stored row holds."""
    data, stored = split_data(row.data)
    question = Question.from_data(stored) if isinstance(stored, Mapping) and stored else None
    return ConversationState(
        flow=row.flow,
        step=row.step,
        token=row.token,
        expires_at=row.expires_at,
        data=data,
        question=question,
    )


async def load_state(
    tx: Transaction, member_id: int, now: datetime, flows: Container[str]
) -> ConversationState | None:
    """The member's open conversation, if it is still live and its flow one of `flows`."""
    row = await tx.conversations.load(member_id)
    if row is None:
        return None
    if row.expires_at <= now or row.flow not in flows:
        # An abandoned conversation lapses quietly.
        await tx.conversations.clear(member_id)
        return None
    return state_from_row(row)


async def save_state(
    tx: Transaction, member_id: int, state: ConversationState | None, *, now: datetime
) -> None:
    """Store `state` as the member's conversation, in place of any before it (None: none)."""
    if state is None:
        await tx.conversations.clear(member_id)
        return
    data = dict(state.data)
    if state.question is not None:
        data[QUESTION_KEY] = state.question.to_data()
    await tx.conversations.save(
        member_id,
        flow=state.flow,
        step=state.step,
        data=json.dumps(data, ensure_ascii=False),
        token=state.token,
        expires_at=state.expires_at,
        now=now,
    )


async def save_state_unless_open(
    tx: Transaction, member_id: int, state: ConversationState, *, now: datetime
) -> bool:
    """Store `state` for someone else unless they are in a live conversation of their own."""
    existing = await tx.conversations.load(member_id)
    if existing is not None and existing.expires_at > now:
        return False
    await save_state(tx, member_id, state, now=now)
    return True
