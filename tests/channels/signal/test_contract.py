"""The contract the real signal-cli satisfies (scripts/contract-signal), held to by the fake."""

import pytest

from tests.channels.signal.contract import CHECKS, check_contract
from tests.fake_signal import FakeSignalDaemon


async def test_the_fake_keeps_the_contract() -> None:
    async with FakeSignalDaemon(multi_account=True) as fake:
        fake.add_user("6f1d2c3b-4a59-4e68-9d7c-0b1a2c3d4e5f", number="+15550002222")
        await check_contract(fake.address)


async def test_the_contract_notices_a_daemon_that_breaks_it() -> None:
    # A single-account daemon has no listAccounts, and sends without an account.
    async with FakeSignalDaemon() as fake:
        with pytest.raises(AssertionError, match="'listAccounts' failed"):
            await check_contract(fake.address)


def test_each_check_has_a_name() -> None:
    names = [name for name, _ in CHECKS]
    assert len(names) == len(set(names)) >= 10
