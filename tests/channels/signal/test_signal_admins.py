"""ADMINS given as Signal numbers: looked up once, over the real client and the fake, and
only the accounts kept."""

from collections.abc import AsyncIterator

import pytest

from handlers.signal.admins import find_admins
from handlers.signal.rpc import SignalRpc
from storage import Account
from tests.fake_signal import FakeSignalDaemon
from tests.signal_harness import aci


@pytest.fixture
async def rpc() -> AsyncIterator[tuple[FakeSignalDaemon, SignalRpc]]:
    async with FakeSignalDaemon() as fake:
        client = SignalRpc(fake.address, account=fake.account)
        await client.start()
        yield fake, client
        await client.close()


async def test_numbers_are_found_and_unknown_ones_left_out(
    rpc: tuple[FakeSignalDaemon, SignalRpc],
) -> None:
    fake, client = rpc
    adaeze = aci("adaeze")
    fake.add_user(adaeze, number="+15551112222")
    found = await find_admins(client, {"signal:+15551112222", "signal:+15550000000"})
    assert found == {"signal:+15551112222": Account("signal", adaeze)}
    assert [m for m, _ in fake.calls] == ["getUserStatus"]


async def test_nothing_to_look_up_asks_nothing(rpc: tuple[FakeSignalDaemon, SignalRpc]) -> None:
    fake, client = rpc
    assert await find_admins(client, set()) == {}
    assert fake.calls == []
