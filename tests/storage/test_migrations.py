"""Migrations applied to a database made by an earlier version keep what it held."""

import sqlite3
from importlib import resources
from pathlib import Path

from storage import Role, open_database
from storage.timeutil import from_db

JOINED = "2026-09-01T10:00:00.000000Z"
CONTACT = "2026-11-15T18:00:00.000000Z"


def make_version_2(path: Path) -> None:
    """A database as the release with migrations 0001-0002 left it, with two members."""
    conn = sqlite3.connect(path)
    folder = resources.files("storage") / "migrations"
    for name in ("0001_foundation.sql", "0002_peers_and_safety.sql"):
        conn.executescript((folder / name).read_text(encoding="utf-8"))
    conn.execute("PRAGMA user_version = 2")
    for member_id in (1, 2):
        conn.execute(
            "INSERT INTO member (id, created_at, timezone, consent_version, consented_at, "
            "onboarded_at) VALUES (?, ?, 'UTC', 1, ?, ?)",
            (member_id, JOINED, JOINED, JOINED),
        )
    # Member 1 talked with people from the community in mid-November, then felt alone.
    conn.executemany(
        "INSERT INTO connection_checkin (member_id, local_date, lack_companionship, left_out, "
        "isolated, ucla3_total, community_contacts, created_at) VALUES (1, ?, 3, 3, 2, ?, ?, ?)",
        [
            ("2026-11-08", 5, 0, "2026-11-08T18:00:00.000000Z"),
            ("2026-11-15", 6, 2, CONTACT),
            ("2026-11-22", 8, 0, "2026-11-22T18:00:00.000000Z"),
        ],
    )
    conn.commit()
    conn.close()


async def test_events_migration_fills_isolation_signals_from_earlier_check_ins(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    make_version_2(path)
    db = await open_database(str(path))
    try:
        assert await db.schema_version() >= 3
        async with db.transaction() as tx:
            talked = await tx.members.get(1)
            never = await tx.members.get(2)
    finally:
        await db.close()
    assert talked is not None and never is not None
    assert talked.last_ucla3 == 8  # the newest check-in's total
    assert talked.last_contact_at == from_db(CONTACT)  # the newest with someone in it
    assert (never.last_ucla3, never.last_contact_at) == (None, None)
    # Both are looked at by the next sweeps, which work out their own next_nudge_at.
    assert talked.next_nudge_at == from_db(JOINED) == never.next_nudge_at


async def test_invites_made_before_ids_existed_get_ids_in_the_order_they_were_made(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    make_version_2(path)
    conn = sqlite3.connect(path)
    conn.executemany(
        "INSERT INTO invite (code, role, created_at, expires_at) VALUES (?, ?, ?, ?)",
        [
            ("vzzz-later", "admin", "2026-11-20T09:00:00.000000Z", "2026-11-27T09:00:00.000000Z"),
            ("vaaa-first", "volunteer", JOINED, "2026-12-30T10:00:00.000000Z"),
        ],
    )
    conn.commit()
    conn.close()
    db = await open_database(str(path))
    try:
        async with db.transaction() as tx:
            before = await tx.volunteers.open_invites(from_db(JOINED))
            await tx.volunteers.create_invite(
                "vnew", role=Role.VOLUNTEER, now=from_db(CONTACT), expires_at=from_db(CONTACT)
            )
            ids = await tx.volunteers.open_invites(from_db(JOINED))
    finally:
        await db.close()
    assert [(i.id, i.role) for i in before] == [(1, "volunteer"), (2, "admin")]
    # A new invite takes the next id.
    assert [i.id for i in ids] == [1, 2, 3]


def make_version_5(path: Path, invites: list[tuple[str, str | None]]) -> None:
    """A database as migrations 0001-0005 left it, with invites kept by their codes."""
    conn = sqlite3.connect(path)
    folder = resources.files("storage") / "migrations"
    for name in sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".sql")):
        if int(name.split("_", 1)[0]) <= 5:
            conn.executescript((folder / name).read_text(encoding="utf-8"))
    conn.execute("PRAGMA user_version = 5")
    conn.executemany(
        "INSERT INTO invite (code, role, created_at, expires_at, used_at) "
        "VALUES (?, 'admin', ?, '2099-01-01T00:00:00.000000Z', ?)",
        [(code, JOINED, used_at) for code, used_at in invites],
    )
    conn.commit()
    conn.close()


async def test_invite_codes_kept_in_clear_stop_working_and_leave_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    old_codes = ["vUnusedOldCode123", "vUsedOldCode456"]
    make_version_5(path, [(old_codes[0], None), (old_codes[1], JOINED)])
    db = await open_database(str(path))
    try:
        async with db.transaction() as tx:
            found = [await tx.volunteers.find_invite(code) for code in old_codes]
    finally:
        await db.close()
    assert found == [None, None]
    # The rows stay, for the record of who was invited when, without their codes.
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT role, used_at FROM invite ORDER BY used_at").fetchall()
    conn.close()
    assert rows == [("admin", None), ("admin", JOINED)]
    data = path.read_bytes()
    assert not [code for code in old_codes if code.encode() in data]


async def test_admins_made_hearthside_team_volunteers_become_coordinators(
    tmp_path: Path,
) -> None:
    """Before 0014 an admin who answered a request became a volunteer "Hearthside team",
    listed with the peers. Those rows become coordinators; an admin who had also redeemed
    a volunteer invite (whose profile was overwritten) stays a peer."""
    path = tmp_path / "old.db"
    make_version_2(path)
    conn = sqlite3.connect(path)
    folder = resources.files("storage") / "migrations"
    for number in range(3, 12):
        (script,) = [e for e in folder.iterdir() if e.name.startswith(f"{number:04d}_")]
        conn.executescript(script.read_text(encoding="utf-8"))
    conn.execute("PRAGMA user_version = 11")
    conn.execute("INSERT INTO member (id, created_at, timezone) VALUES (3, ?, 'UTC')", (JOINED,))
    conn.executemany(
        "INSERT INTO volunteer (member_id, display_name, capacity, on_call, joined_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [(1, "Hearthside team", 5, 1, JOINED), (2, "Hearthside team", 5, 0, JOINED),
         (3, "Sam", 2, 1, JOINED)],
    )  # fmt: skip
    conn.execute(
        "INSERT INTO shift (volunteer_id, weekday, starts, ends) VALUES (1, 0, '09:00', '12:00')"
    )
    conn.execute(
        "INSERT INTO invite (digest, role, created_at, expires_at, used_at, used_by) "
        "VALUES ('d', 'volunteer', ?, ?, ?, 2)",
        (JOINED, JOINED, JOINED),
    )
    conn.commit()
    conn.close()
    db = await open_database(str(path))
    try:
        async with db.transaction() as tx:
            admin, peer_admin, sam = [await tx.volunteers.get(i) for i in (1, 2, 3)]
            listed = [v.member_id for v in await tx.volunteers.all()]
            on_call = await tx.volunteers.on_call_count()
            shifts = await tx.volunteers.shifts_of(1)
    finally:
        await db.close()
    assert admin is not None and peer_admin is not None and sam is not None
    assert admin.coordinator and not admin.is_peer and not admin.on_call
    assert admin.display_name == "A Hearthside coordinator" and shifts == []
    assert peer_admin.is_peer and sam.is_peer
    assert listed == [2, 3] and on_call == 1
