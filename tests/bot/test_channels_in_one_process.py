"""Several channels in one process: every channel the settings set up runs, side by side,
over one engine, one postman and one sweep; the console runs when none is set up, or alone
with --console. The Signal settings and the forms ADMINS takes for Signal are checked."""

import asyncio
import io
import logging
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import pytest

from bot import app
from bot.app import StartupError, flow_config, run
from bot.settings import ConfigError, Settings, load_settings
from flows.core.delivery import Postman, SendResult, Sent
from flows.core.engine import Engine
from flows.core.values import Input, Reply
from storage import Account

ACI = "3b8d1c4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
BOT_NUMBER = "+15550001111"
ADMIN_NUMBER = "+15550002222"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def both(tmp_path: Path, **more: object) -> Settings:
    return load_settings(
        telegram_bot_token="123456:ABC-def",
        signal_account=BOT_NUMBER,
        signal_rpc="tcp://127.0.0.1:7583",
        database_url=f"sqlite:///{tmp_path / 'both.db'}",
        **more,
    )


# -- the settings -------------------------------------------------------------------------
def test_the_channels_set_up_are_those_with_all_their_settings(tmp_path: Path) -> None:
    assert load_settings().configured_channels == ()
    assert load_settings(telegram_bot_token="1:a").configured_channels == ("telegram",)
    signal = load_settings(signal_account=BOT_NUMBER, signal_rpc="unix:///run/signal/socket")
    assert signal.configured_channels == ("signal",)
    assert signal.signal_send_interval_seconds == 3  # slow by default
    assert both(tmp_path).configured_channels == ("telegram", "signal")
    # Empty values (as .env.example leaves them) set up nothing.
    assert load_settings(signal_account="", signal_rpc=" ").configured_channels == ()


@pytest.mark.parametrize(
    "address",
    ["tcp://127.0.0.1:7583", "tcp://localhost:7583", "tcp://[::1]:7583", "unix:///tmp/s.sock"],
)
def test_the_signal_socket_may_be_on_this_machine(address: str) -> None:
    settings = load_settings(signal_account=BOT_NUMBER, signal_rpc=address)
    assert settings.signal_rpc == address


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1:7583", "tcp://HOST:PORT or unix://"),
        ("tcp://127.0.0.1", "tcp://HOST:PORT"),
        ("tcp://127.0.0.1:7583/x", "tcp://HOST:PORT"),
        ("tcp://10.0.0.7:7583", "on this machine"),
        ("tcp://signal.example.org:7583", "on this machine"),
        ("unix://relative/socket", "full path"),
        ("http://127.0.0.1:8080", "tcp://HOST:PORT or unix://"),
    ],
)
def test_a_bad_signal_socket_names_the_setting(address: str, why: str) -> None:
    with pytest.raises(ConfigError, match=f"^SIGNAL_RPC: .*{why}"):
        load_settings(signal_account=BOT_NUMBER, signal_rpc=address)


@pytest.mark.parametrize("number", ["15550001111", "+0155500011", "+1 555 000 1111", "+4420"])
def test_the_signal_account_is_a_number_in_international_form(number: str) -> None:
    with pytest.raises(ConfigError, match=r"^SIGNAL_ACCOUNT: ") as raised:
        load_settings(signal_account=number, signal_rpc="tcp://127.0.0.1:7583")
    assert number not in str(raised.value)  # a phone number is never repeated back


def test_signal_needs_both_its_settings() -> None:
    with pytest.raises(ConfigError, match=r"^SIGNAL_RPC: Signal needs both"):
        load_settings(signal_account=BOT_NUMBER)
    with pytest.raises(ConfigError, match=r"^SIGNAL_ACCOUNT: Signal needs both"):
        load_settings(signal_rpc="tcp://127.0.0.1:7583")
    with pytest.raises(ConfigError, match=r"^SIGNAL_SEND_INTERVAL_SECONDS: "):
        load_settings(signal_send_interval_seconds=0)


def test_admins_take_a_signal_account_or_a_number_to_look_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ADMINS", f"telegram:1, signal:{ACI.upper()}, signal:{ADMIN_NUMBER}")
    settings = load_settings()
    # An ACI as signal-cli writes it, in lower case.
    assert settings.admin_accounts == {"telegram:1", f"signal:{ACI}"}
    assert settings.admins_to_resolve == {f"signal:{ADMIN_NUMBER}"}
    config = flow_config(settings)
    assert config.admins == {"telegram:1", f"signal:{ACI}"}
    assert config.admins_to_resolve == {f"signal:{ADMIN_NUMBER}"}
    for bad in ("signal:alice", "signal:15550002222", "signal:", "matrix:@a:b"):
        monkeypatch.setenv("ADMINS", bad)
        with pytest.raises(ConfigError, match=r"^ADMINS: .*signal:"):
            load_settings()


async def test_an_admin_named_by_number_is_an_admin_once_their_account_is_found(
    engine: Engine,
) -> None:
    found = Account("signal", ACI)
    engine.config = flow_config(load_settings(admins=f"signal:{ADMIN_NUMBER}"))
    refused = await engine.handle(found, Input.typed("/admins"))
    assert "for admins" in refused.deliveries[-1].reply.text
    engine.resolve_admins({f"signal:{ADMIN_NUMBER}": found, "signal:+15559999999": found})
    assert engine.config.admins == {f"signal:{ACI}"}
    assert engine.config.admins_to_resolve == frozenset()  # the number is let go
    listed = await engine.handle(found, Input.typed("/admins"))
    assert "Admins from the ADMINS setting: 1." in listed.deliveries[-1].reply.text


async def test_admins_still_to_be_found_are_counted_apart(engine: Engine) -> None:
    engine.config = flow_config(load_settings(admins=f"console:9,signal:{ADMIN_NUMBER}"))
    listed = await engine.handle(Account("console", "9"), Input.typed("/admins"))
    text = listed.deliveries[-1].reply.text
    assert "Admins from the ADMINS setting: 1 (and 1 named by a phone number" in text
    assert ADMIN_NUMBER not in text


# -- running them -------------------------------------------------------------------------
class FakeService:
    """A channel service as the root sees one: it registers a channel with the postman,
    records its start and stop, and can end on its own."""

    def __init__(
        self, name: str, engine: Engine, postman: Postman, log: list[str], *, ends: bool
    ) -> None:
        self.name = name
        self.engine = engine
        self.postman = postman
        self.log = log
        self.ends = ends
        self.ended = asyncio.Event()
        postman.register(self)

    def bulk(self) -> AbstractContextManager[None]:
        return nullcontext()

    async def start(self) -> None:
        self.log.append(f"start {self.name}")
        if self.ends:
            self.ended.set()  # as a refused token ends Telegram: the process stops

    async def stop(self) -> None:
        self.log.append(f"stop {self.name}")

    async def send(self, external_id: str, reply: Reply) -> Sent:
        return Sent(SendResult.SENT, "1")

    async def edit(self, external_id: str, message_ref: str, reply: Reply) -> SendResult:
        return SendResult.SENT


async def test_every_channel_set_up_runs_side_by_side(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    events: list[str] = []
    built: list[FakeService] = []

    def factory(name: str) -> app.ServiceFactory:
        def build(settings: Settings, engine: Engine, postman: Postman) -> FakeService:
            # Signal, started last, ends on its own, which stops the process.
            service = FakeService(name, engine, postman, events, ends=name == "signal")
            built.append(service)
            return service

        return build

    monkeypatch.setattr(
        app, "SERVICES", {"telegram": factory("telegram"), "signal": factory("signal")}
    )
    out = io.StringIO()
    with caplog.at_level(logging.INFO, logger="bot.app"):
        assert await run(both(tmp_path), stdout=out) == 0
    assert events == ["start telegram", "start signal", "stop signal", "stop telegram"]
    telegram, signal = built
    assert telegram.engine is signal.engine and telegram.postman is signal.postman
    assert "channels_live names=telegram,signal" in caplog.text
    assert out.getvalue() == ""  # no console


async def test_with_console_the_console_runs_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(settings: Settings, engine: Engine, postman: Postman) -> FakeService:
        raise AssertionError("no other channel is built with --console")

    monkeypatch.setattr(app, "SERVICES", {"telegram": refuse})  # and none for Signal
    out = io.StringIO()
    with caplog.at_level(logging.INFO, logger="bot.app"):
        code = await run(both(tmp_path), console=True, stdin=io.StringIO("/quit\n"), stdout=out)
    assert code == 0
    first = out.getvalue().splitlines()[0]
    assert "(console channel) as asked (--console), and no other channel runs" in first
    assert "channels_live names=console" in caplog.text


async def test_with_no_channel_set_up_the_console_runs_and_says_how_to_add_one(
    tmp_path: Path,
) -> None:
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'c.db'}")
    out = io.StringIO()
    assert await run(settings, stdin=io.StringIO("/quit\n"), stdout=out) == 0
    banner = out.getvalue()
    assert "because no channel is set up" in banner.splitlines()[0]
    assert "TELEGRAM_BOT_TOKEN" in banner and "SIGNAL_ACCOUNT and SIGNAL_RPC" in banner


async def test_a_channel_set_up_without_its_adapter_stops_start_up_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delitem(app.SERVICES, "signal", raising=False)
    settings = both(tmp_path)
    with pytest.raises(StartupError, match=r"^signal is set up in the settings, but"):
        await run(settings, stdout=io.StringIO())
    assert not (tmp_path / "both.db").exists()  # nothing was started


async def test_a_channel_that_cannot_be_reached_stops_start_up_with_one_line(
    tmp_path: Path,
) -> None:
    # Nothing listens on port 9 of this machine: Telegram's start says so, naming the server.
    settings = load_settings(
        telegram_bot_token="123456:ABC-def",
        telegram_api_base_url="http://127.0.0.1:9/bot",
        database_url=f"sqlite:///{tmp_path / 'down.db'}",
    )
    with pytest.raises(StartupError) as raised:
        await run(settings, stdout=io.StringIO())
    assert str(raised.value).startswith(
        "cannot reach the Telegram Bot API at http://127.0.0.1:9/bot ("
    )
    assert "ABC-def" not in str(raised.value)
