"""ADMINS given as Signal numbers: resolved once to ACIs over the real client and the fake."""

from collections.abc import AsyncIterator

import pytest

from handlers.signal.admins import AdminNotOnSignal, resolve_admins
from handlers.signal.rpc import SignalRpc
from tests.fake_signal import FakeSignalDaemon
from tests.signal_harness import aci


@pytest.fixture
async def rpc() -> AsyncIterator[tuple[FakeSignalDaemon, SignalRpc]]:
    async with FakeSignalDaemon() as fake:
        client = SignalRpc(fake.address, account=fake.account)
        await client.start()
        yield fake, client
        await client.close()


async def test_numbers_become_acis_and_the_rest_stays(
    rpc: tuple[FakeSignalDaemon, SignalRpc],
) -> None:
    fake, client = rpc
    adaeze = aci("adaeze")
    fake.add_user(adaeze, number="+15551112222")
    admins = ("telegram:598002114", "signal:+15551112222", f"signal:{aci('robin')}")
    resolved = await resolve_admins(client, admins)
    assert resolved == ("telegram:598002114", f"signal:{adaeze}", f"signal:{aci('robin')}")
    assert not any("+1555" in entry for entry in resolved)
    assert [m for m, _ in fake.calls] == ["getUserStatus"]


async def test_nothing_to_look_up_asks_nothing(rpc: tuple[FakeSignalDaemon, SignalRpc]) -> None:
    fake, client = rpc
    assert await resolve_admins(client, ["telegram:1"]) == ("telegram:1",)
    assert fake.calls == []


async def test_an_unknown_number_is_named(rpc: tuple[FakeSignalDaemon, SignalRpc]) -> None:
    _fake, client = rpc
    with pytest.raises(AdminNotOnSignal, match=r"signal:\+15550000000 is not registered"):
        await resolve_admins(client, ["signal:+15550000000"])
