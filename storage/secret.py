"""The deployment's secret key, and keyed hashes of channel accounts made with it.

A keyed hash (HMAC-SHA256) lets Hearthside recognise an account again without
keeping it: a peer-chat bar outlives the barred person's deletion, and log lines
can be told apart by chat without naming the chat. The key is made at first start
and kept beside the database in `<database>.secret`, readable by its owner only,
never inside the database, so a copy of the database alone cannot test a guess.
Back it up with the database: without it, bars kept of deleted people no longer
match and log tags change. An in-memory database (tests) gets a key that lives as
long as the process.
"""

import hashlib
import hmac
import logging
import os
import secrets
import stat
from contextlib import suppress
from pathlib import Path

from storage.records import Account

log = logging.getLogger(__name__)

SUFFIX = ".secret"
KEY_BYTES = 32
# Enough to tell the chats in a log apart, too little to stand for the account.
LOG_TAG_CHARS = 12
_PROCESS_KEY = secrets.token_bytes(KEY_BYTES)


class SecretError(Exception):
    """The key file exists but holds no key; the message says which file."""


def secret_path(db_path: str) -> Path:
    return Path(db_path + SUFFIX)


def load_secret(db_path: str) -> bytes:
    """The key kept beside the database at `db_path`, made (0600) if there is none."""
    if db_path == ":memory:":
        return _PROCESS_KEY
    path = secret_path(db_path)
    if not path.exists():
        _create(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("file_too_open file=%s mode=%o now=600", path, mode)
        path.chmod(0o600)
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except ValueError:  # not ASCII, or not hex
        key = b""
    if len(key) != KEY_BYTES:
        raise SecretError(f"{path} does not hold a Hearthside key ({KEY_BYTES * 2} hex digits)")
    return key


def _create(path: Path) -> None:
    # Written whole under a temporary name, then linked into place: two processes
    # starting at once both end up reading the same complete key.
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as sink:
            os.fchmod(sink.fileno(), 0o600)  # whatever the umask
            sink.write(secrets.token_hex(KEY_BYTES) + "\n")
            sink.flush()
            os.fsync(sink.fileno())
        # If another process made it first, theirs counts.
        with suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    log.info("secret_created file=%s", path)


def account_hash(key: bytes, account: Account, purpose: str = "account") -> str:
    """A keyed hash of the account (hex); `purpose` keeps each use's hashes apart."""
    message = f"{purpose}\x00{account.channel}:{account.external_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def log_tag(key: bytes, account: Account) -> str:
    """What log lines show for a chat: the same tag for the same chat, never its id."""
    return account_hash(key, account, purpose="log")[:LOG_TAG_CHARS]
