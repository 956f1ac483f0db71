"""Members and the channel accounts that belong to them."""

from datetime import date, datetime
from typing import Any, Literal, get_args

import aiosqlite

from storage.records import Account, Member
from storage.secret import account_hash
from storage.timeutil import (
    date_to_db,
    from_db,
    maybe_date_from_db,
    maybe_from_db,
    maybe_to_db,
    to_db,
)

_COLUMNS = (
    "id, created_at, pseudonym, timezone, prompt_time, consent_version, consented_at, "
    "onboarded_at, paused, unreachable_at, checkin_count, last_checkin_date, streak_days, "
    "next_prompt_at, next_connect_at, is_admin, peer_barred, same_volunteer, "
    "last_volunteer_id, quiet_until, followup_at, safety_check_due_at, "
    "nudges_off, last_ucla3, last_contact_at, low_mood_run, last_nudge_at, next_nudge_at, "
    "meeting_preference, announcements, language"
)

# The member columns that say when something is next due. Each has a partial index
# (`... WHERE <column> IS NOT NULL`) that `_due` reads in order, never the whole table;
# the names are written here, never taken from a caller.
_DueColumn = Literal[
    "next_prompt_at", "next_connect_at", "followup_at", "safety_check_due_at", "next_nudge_at"
]
_DUE_COLUMNS: frozenset[str] = frozenset(get_args(_DueColumn))


def _member(row: Any) -> Member:
    return Member(
        id=row["id"],
        created_at=from_db(row["created_at"]),
        pseudonym=row["pseudonym"],
        timezone=row["timezone"],
        prompt_time=row["prompt_time"],
        consent_version=row["consent_version"],
        consented_at=maybe_from_db(row["consented_at"]),
        onboarded_at=maybe_from_db(row["onboarded_at"]),
        paused=bool(row["paused"]),
        unreachable_at=maybe_from_db(row["unreachable_at"]),
        checkin_count=row["checkin_count"],
        last_checkin_date=maybe_date_from_db(row["last_checkin_date"]),
        streak_days=row["streak_days"],
        next_prompt_at=maybe_from_db(row["next_prompt_at"]),
        next_connect_at=maybe_from_db(row["next_connect_at"]),
        is_admin=bool(row["is_admin"]),
        peer_barred=bool(row["peer_barred"]),
        same_volunteer=bool(row["same_volunteer"]),
        last_volunteer_id=row["last_volunteer_id"],
        quiet_until=maybe_from_db(row["quiet_until"]),
        followup_at=maybe_from_db(row["followup_at"]),
        safety_check_due_at=maybe_from_db(row["safety_check_due_at"]),
        nudges_off=bool(row["nudges_off"]),
        last_ucla3=row["last_ucla3"],
        last_contact_at=maybe_from_db(row["last_contact_at"]),
        low_mood_run=row["low_mood_run"],
        last_nudge_at=maybe_from_db(row["last_nudge_at"]),
        next_nudge_at=maybe_from_db(row["next_nudge_at"]),
        meeting_preference=row["meeting_preference"],
        announcements=bool(row["announcements"]),
        language=row["language"],
    )


class MemberRepository:
    def __init__(self, conn: aiosqlite.Connection, secret: bytes) -> None:
        self._conn = conn
        self._secret = secret

    def _bar_key(self, account: Account) -> str:
        return account_hash(self._secret, account, purpose="peer-bar")

    async def _one(self, sql: str, params: tuple[Any, ...]) -> Member | None:
        rows = list(await self._conn.execute_fetchall(sql, params))
        return _member(rows[0]) if rows else None

    async def _due(self, column: _DueColumn, now: datetime, limit: int) -> list[Member]:
        """Members whose `column` time has come, the longest waiting first."""
        if column not in _DUE_COLUMNS:  # a column name is SQL: only ours get this far
            raise ValueError(f"not a due column: {column!r}")
        rows = await self._conn.execute_fetchall(
            f"SELECT {_COLUMNS} FROM member WHERE {column} IS NOT NULL "
            f"AND {column} <= ? ORDER BY {column} LIMIT ?",
            (to_db(now), limit),
        )
        return [_member(row) for row in rows]

    async def get(self, member_id: int) -> Member | None:
        return await self._one(f"SELECT {_COLUMNS} FROM member WHERE id = ?", (member_id,))

    async def find_by_account(self, account: Account) -> Member | None:
        return await self._one(
            f"SELECT {_COLUMNS} FROM member WHERE id = "
            "(SELECT member_id FROM account WHERE channel = ? AND external_id = ?)",
            (account.channel, account.external_id),
        )

    async def create_for_account(
        self, account: Account, *, timezone: str, now: datetime, language: str | None = None
    ) -> Member:
        cursor = await self._conn.execute(
            "INSERT INTO member (created_at, timezone, language) VALUES (?, ?, ?)",
            (to_db(now), timezone, language),
        )
        member_id = cursor.lastrowid
        assert member_id is not None
        await self._conn.execute(
            "INSERT INTO account (channel, external_id, member_id) VALUES (?, ?, ?)",
            (account.channel, account.external_id, member_id),
        )
        # Someone barred from peer chats who deleted their data and came back: the bar
        # applies again, and lives on the member row as before.
        kept = await self._conn.execute(
            "DELETE FROM peer_bar WHERE account_hash = ?", (self._bar_key(account),)
        )
        if kept.rowcount:
            await self._set(member_id, peer_barred=1)
        member = await self.get(member_id)
        assert member is not None
        return member

    async def accounts_of(self, member_id: int) -> list[Account]:
        rows = await self._conn.execute_fetchall(
            "SELECT channel, external_id FROM account WHERE member_id = ? ORDER BY channel",
            (member_id,),
        )
        return [Account(row["channel"], row["external_id"]) for row in rows]

    async def delete(self, member_id: int) -> None:
        """Remove the member and, by cascade, everything stored about them.

        A peer-chat bar is the one thing that stays: as a keyed hash of each account,
        which tells nobody who they were but is known again if they sign up again.
        """
        member = await self.get(member_id)
        if member is not None and member.peer_barred:
            await self._conn.executemany(
                "INSERT OR IGNORE INTO peer_bar (account_hash) VALUES (?)",
                [(self._bar_key(account),) for account in await self.accounts_of(member_id)],
            )
        await self._conn.execute("DELETE FROM member WHERE id = ?", (member_id,))

    async def _set(self, member_id: int, **columns: object) -> None:
        assignments = ", ".join(f"{name} = ?" for name in columns)
        await self._conn.execute(
            f"UPDATE member SET {assignments} WHERE id = ?", (*columns.values(), member_id)
        )

    async def record_consent(self, member_id: int, *, version: int, now: datetime) -> None:
        await self._set(member_id, consent_version=version, consented_at=to_db(now))

    async def clear_sign_up(self, member_id: int) -> None:
        """Undo a member sign-up that was not finished (consent, name, reminder time)."""
        await self._set(
            member_id, consent_version=None, consented_at=None, pseudonym=None, prompt_time=None
        )

    async def rename(self, member_id: int, pseudonym: str) -> None:
        await self._set(member_id, pseudonym=pseudonym)

    async def set_timezone(self, member_id: int, timezone: str) -> None:
        await self._set(member_id, timezone=timezone)

    async def set_prompt_time(self, member_id: int, prompt_time: str | None) -> None:
        await self._set(member_id, prompt_time=prompt_time)

    async def complete_onboarding(self, member_id: int, *, now: datetime) -> None:
        await self._set(member_id, onboarded_at=to_db(now))

    async def set_paused(self, member_id: int, paused: bool) -> None:
        await self._set(member_id, paused=int(paused))

    async def mark_unreachable(self, member_id: int, *, now: datetime) -> None:
        """The member blocked the bot: stop every scheduled prompt."""
        await self._set(
            member_id, unreachable_at=to_db(now), next_prompt_at=None, next_connect_at=None
        )

    async def mark_reachable(self, member_id: int) -> None:
        await self._set(member_id, unreachable_at=None)

    async def schedule_prompt(self, member_id: int, due: datetime | None) -> None:
        await self._set(member_id, next_prompt_at=maybe_to_db(due))

    async def schedule_connect(self, member_id: int, due: datetime | None) -> None:
        await self._set(member_id, next_connect_at=maybe_to_db(due))

    async def record_checkin_day(
        self, member_id: int, *, count: int, last_date: date, streak: int
    ) -> None:
        await self._set(
            member_id,
            checkin_count=count,
            last_checkin_date=date_to_db(last_date),
            streak_days=streak,
        )

    async def due_for_prompt(self, now: datetime, *, limit: int) -> list[Member]:
        return await self._due("next_prompt_at", now, limit)

    async def due_for_connect(self, now: datetime, *, limit: int) -> list[Member]:
        return await self._due("next_connect_at", now, limit)

    async def grant_admin(self, member_id: int) -> None:
        await self._set(member_id, is_admin=1)

    async def revoke_admin(self, member_id: int) -> None:
        await self._set(member_id, is_admin=0)

    async def granted_admins(self) -> list[int]:
        rows = await self._conn.execute_fetchall("SELECT id FROM member WHERE is_admin = 1")
        return [row["id"] for row in rows]

    async def set_peer_barred(self, member_id: int, barred: bool) -> None:
        await self._set(member_id, peer_barred=int(barred))

    async def set_same_volunteer(self, member_id: int, volunteer_id: int | None) -> None:
        """Opt in (with whom) or out of "the same peer next time"."""
        await self._set(
            member_id, same_volunteer=int(volunteer_id is not None), last_volunteer_id=volunteer_id
        )

    async def hold_after_safety_event(
        self, member_id: int, *, quiet_until: datetime, followup_at: datetime
    ) -> None:
        """Pause nudges and surveys, and plan a gentle follow-up."""
        await self._set(member_id, quiet_until=to_db(quiet_until), followup_at=to_db(followup_at))

    async def clear_followup(self, member_id: int) -> None:
        await self._set(member_id, followup_at=None)

    async def set_safety_check_due(self, member_id: int, due: datetime | None) -> None:
        await self._set(member_id, safety_check_due_at=maybe_to_db(due))

    async def due_for_followup(self, now: datetime, *, limit: int) -> list[Member]:
        return await self._due("followup_at", now, limit)

    async def due_for_safety_check(self, now: datetime, *, limit: int) -> list[Member]:
        return await self._due("safety_check_due_at", now, limit)

    # -- isolation and nudges (flows/community/isolation.py keeps these consistent) ----------
    async def set_isolation_signals(
        self,
        member_id: int,
        *,
        last_ucla3: int | None,
        last_contact_at: datetime | None,
        low_mood_run: int,
    ) -> None:
        await self._set(
            member_id,
            last_ucla3=last_ucla3,
            last_contact_at=maybe_to_db(last_contact_at),
            low_mood_run=low_mood_run,
        )

    async def set_nudges_off(self, member_id: int, off: bool) -> None:
        await self._set(member_id, nudges_off=int(off))

    async def set_announcements(self, member_id: int, on: bool) -> None:
        await self._set(member_id, announcements=int(on))

    async def set_language(self, member_id: int, language: str | None) -> None:
        await self._set(member_id, language=language)

    async def set_meeting_preference(self, member_id: int, preference: str | None) -> None:
        await self._set(member_id, meeting_preference=preference)

    async def record_nudge_sent(self, member_id: int, *, now: datetime) -> None:
        await self._set(member_id, last_nudge_at=to_db(now))

    async def schedule_nudge(self, member_id: int, due: datetime | None) -> None:
        await self._set(member_id, next_nudge_at=maybe_to_db(due))

    async def due_for_nudge(self, now: datetime, *, limit: int) -> list[Member]:
        return await self._due("next_nudge_at", now, limit)

    async def count(self) -> int:
        rows = await self._conn.execute_fetchall("SELECT count(*) FROM member")
        return int(next(iter(rows))[0])
