"""The deployment's key: made once beside the database, owner-only, the same ever after."""

import os
import stat
from pathlib import Path

import pytest

from storage import Account
from storage.secret import SecretError, account_hash, load_secret, log_tag, secret_path


def test_key_is_made_once_beside_the_database_for_its_owner_only(tmp_path: Path) -> None:
    db_path = str(tmp_path / "hearthside.db")
    previous = os.umask(0o022)
    try:
        key = load_secret(db_path)
    finally:
        os.umask(previous)
    path = secret_path(db_path)
    assert path == tmp_path / "hearthside.db.secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) == 32 and load_secret(db_path) == key
    assert [p.name for p in tmp_path.iterdir()] == ["hearthside.db.secret"]
    # Another deployment has another key.
    assert load_secret(str(tmp_path / "other.db")) != key


def test_a_key_file_readable_by_others_is_tightened_and_a_broken_one_stops_start(
    tmp_path: Path,
) -> None:
    db_path = str(tmp_path / "hearthside.db")
    key = load_secret(db_path)
    secret_path(db_path).chmod(0o644)
    assert load_secret(db_path) == key
    assert stat.S_IMODE(secret_path(db_path).stat().st_mode) == 0o600
    secret_path(db_path).write_text("not a key\n")
    with pytest.raises(SecretError, match=r"hearthside\.db\.secret"):
        load_secret(db_path)


def test_hashes_depend_on_key_account_and_purpose() -> None:
    key, other_key = b"k" * 32, b"o" * 32
    alice, bob = Account("telegram", "604118327"), Account("telegram", "615290443")
    assert account_hash(key, alice) == account_hash(key, alice)
    assert (
        len({account_hash(key, alice), account_hash(key, bob), account_hash(other_key, alice)})
        == 3
    )
    assert log_tag(key, alice) != account_hash(key, alice)[:12]
    assert "604118327" not in account_hash(key, alice) + log_tag(key, alice)
    assert load_secret(":memory:") == load_secret(":memory:")
