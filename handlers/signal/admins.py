"""ADMINS entries on Signal: `signal:<ACI>` as they are, `signal:+<number>` looked up once.

A number is resolved at start with signal-cli's `getUserStatus` and only the ACI is kept
(in the running config, never stored): Hearthside keeps no phone numbers, and an admin's
account is their ACI like everyone's.
"""

import logging
import re
from collections.abc import Iterable

from handlers.signal.capabilities import CHANNEL
from handlers.signal.rpc import SignalRpc

log = logging.getLogger(__name__)

_NUMBER = re.compile(r"\+[1-9][0-9]{6,14}")


class AdminNotOnSignal(Exception):
    """An ADMINS number that Signal doesn't know; the message names the entry."""


async def resolve_admins(rpc: SignalRpc, admins: Iterable[str]) -> tuple[str, ...]:
    """`admins` with every `signal:+<number>` replaced by `signal:<its ACI>`, in order."""
    entries = tuple(admins)
    prefix = f"{CHANNEL}:"
    numbers = [
        entry.removeprefix(prefix)
        for entry in entries
        if entry.startswith(prefix) and _NUMBER.fullmatch(entry.removeprefix(prefix))
    ]
    if not numbers:
        return entries
    statuses = await rpc.call("getUserStatus", {"recipient": numbers})
    found: dict[str, str] = {}
    for status in statuses if isinstance(statuses, list) else []:
        if isinstance(status, dict) and status.get("isRegistered") and status.get("uuid"):
            found[str(status.get("recipient"))] = str(status["uuid"])
    resolved: list[str] = []
    for entry in entries:
        number = entry.removeprefix(prefix)
        if entry.startswith(prefix) and number in numbers:
            if number not in found:
                raise AdminNotOnSignal(f"ADMINS: {entry} is not registered on Signal")
            entry = f"{prefix}{found[number]}"
        resolved.append(entry)
    log.info("signal_admins_resolved count=%d", len(numbers))
    return tuple(dict.fromkeys(resolved))
