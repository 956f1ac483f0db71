"""Starting Hearthside with Signal set up: `python -m bot`'s run, as the settings describe it."""

import asyncio
import io
from pathlib import Path

import pytest

from bot.app import StartupError, run
from bot.settings import load_settings
from flows.core.clock import ManualClock
from tests.fake_signal import FakeSignalDaemon
from tests.signal_harness import SignalPerson, aci, start_bot


async def test_a_daemon_that_cannot_be_reached_stops_start_up_with_one_line(
    tmp_path: Path,
) -> None:
    # Nothing listens on port 9 of this machine.
    settings = load_settings(
        signal_account="+15550001111",
        signal_rpc="tcp://127.0.0.1:9",
        database_url=f"sqlite:///{tmp_path / 'down.db'}",
    )
    with pytest.raises(StartupError) as raised:
        await run(settings, stdout=io.StringIO())
    line = str(raised.value)
    assert line.startswith("cannot reach the signal-cli daemon at tcp://127.0.0.1:9")
    assert "\n" not in line and "+15550001111" not in line


async def test_an_admin_given_by_number_is_known_by_their_account(
    db_path: Path, clock: ManualClock
) -> None:
    async with FakeSignalDaemon() as signal:
        adaeze = SignalPerson(signal, aci("adaeze"), number="+15551112222")
        bot = await start_bot(signal, db_path, clock, admins_to_resolve=["signal:+15551112222"])
        try:
            assert bot.engine.config.admins == {f"signal:{adaeze.aci}"}
            assert bot.engine.config.admins_to_resolve == frozenset()
            stats = await adaeze.send("/stats")
            assert "That command is for admins" not in stats.text
        finally:
            await bot.stop()


async def test_admins_stay_unresolved_when_signal_cannot_say(
    db_path: Path, clock: ManualClock
) -> None:
    async with FakeSignalDaemon() as signal:
        signal.fail_next("getUserStatus", -3, "Unable to check if users are registered")
        bot = await start_bot(signal, db_path, clock, admins_to_resolve=["signal:+15551112222"])
        try:
            assert bot.engine.config.admins_to_resolve == {"signal:+15551112222"}
            alex = SignalPerson(signal, aci("alex"))
            assert "Here's what I can do" in (await alex.send("/help")).text  # still running
        finally:
            await bot.stop()


async def test_a_channel_that_stops_receiving_on_its_own_ends(
    db_path: Path, clock: ManualClock
) -> None:
    async with FakeSignalDaemon() as signal:
        bot = await start_bot(signal, db_path, clock)
        try:
            await bot.signal.rpc.close()  # as if the client gave up: nothing more would come
            async with asyncio.timeout(5):
                await bot.signal.ended.wait()  # so the process ends rather than run deaf
        finally:
            await bot.stop()
