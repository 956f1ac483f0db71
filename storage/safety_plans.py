"""Members' own safety plans: seven steps of their own words, one row per member.

Read only for the member it belongs to (their /safetyplan, their crisis replies, their
/export); nothing here lists or counts plans across members.
"""

from datetime import datetime

import aiosqlite

from storage.records import SafetyPlan
from storage.timeutil import from_db, to_db

# The steps, in the plan's order; each is a column of `safety_plan`.
PLAN_STEPS = (
    "warning_signs",
    "coping",
    "distractions",
    "people_to_ask",
    "reasons_for_living",
    "professionals",
    "safer_space",
)


def _items(raw: str | None) -> tuple[str, ...]:
    return tuple(item for item in raw.split("\n") if item) if raw else ()


class SafetyPlanRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def get(self, member_id: int) -> SafetyPlan | None:
        rows = list(
            await self._conn.execute_fetchall(
                f"SELECT {', '.join(PLAN_STEPS)}, created_at, updated_at FROM safety_plan "
                "WHERE member_id = ?",
                (member_id,),
            )
        )
        if not rows:
            return None
        row = rows[0]
        return SafetyPlan(
            steps={step: _items(row[step]) for step in PLAN_STEPS},
            created_at=from_db(row["created_at"]),
            updated_at=from_db(row["updated_at"]),
        )

    async def save_step(
        self, member_id: int, step: str, items: tuple[str, ...], *, now: datetime
    ) -> None:
        """Replace one step's items (none: the step is empty), creating the plan if needed."""
        if step not in PLAN_STEPS:
            raise ValueError(f"unknown safety plan step {step!r}")
        # Items never hold a newline (the flow splits on them), so one per line is exact.
        value = "\n".join(items) or None
        await self._conn.execute(
            f"INSERT INTO safety_plan (member_id, {step}, created_at, updated_at) "
            f"VALUES (?, ?, ?, ?) ON CONFLICT (member_id) DO UPDATE SET {step} = excluded.{step}, "
            "updated_at = excluded.updated_at",
            (member_id, value, to_db(now), to_db(now)),
        )

    async def delete(self, member_id: int) -> bool:
        """Remove the member's plan; whether there was one."""
        cursor = await self._conn.execute(
            "DELETE FROM safety_plan WHERE member_id = ?", (member_id,)
        )
        return cursor.rowcount > 0
