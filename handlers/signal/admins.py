"""ADMINS given on Signal as a phone number (`signal:+<number>`), looked up once.

At start the channel asks signal-cli (`getUserStatus`) for the account behind each number
and hands the engine only the account (`Engine.resolve_admins`): Hearthside keeps no phone
numbers, and an admin's Signal account is their ACI like everyone's. A number Signal does
not know stays unresolved (and is no admin), and is counted in the log, never named.
"""

import logging
from collections.abc import Iterable

from handlers.signal.capabilities import CHANNEL
from handlers.signal.rpc import SignalRpc
from storage import Account

log = logging.getLogger(__name__)


async def find_admins(rpc: SignalRpc, to_resolve: Iterable[str]) -> dict[str, Account]:
    """{"signal:+<number>": its Signal account} for the Signal numbers in `to_resolve`."""
    prefix = f"{CHANNEL}:"
    numbers = sorted(
        entry.removeprefix(prefix) for entry in to_resolve if entry.startswith(prefix)
    )
    if not numbers:
        return {}
    statuses = await rpc.call("getUserStatus", {"recipient": numbers})
    found: dict[str, Account] = {}
    for status in statuses if isinstance(statuses, list) else []:
        if not isinstance(status, dict) or not status.get("isRegistered"):
            continue
        number, uuid = status.get("recipient"), status.get("uuid")
        if number in numbers and isinstance(uuid, str) and uuid:
            found[f"{prefix}{number}"] = Account(CHANNEL, uuid.lower())
    if len(found) < len(numbers):
        log.warning("signal_admins_not_found count=%d", len(numbers) - len(found))
    return found
