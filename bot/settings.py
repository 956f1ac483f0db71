"""Deployment settings, from the environment and `.env`, checked at start-up."""

import ipaddress
import re
import uuid
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from flows.core.language import SHIPPED
from flows.core.parsing import is_known_timezone
from flows.core.quiet_hours import QuietHours
from flows.safety import CrisisResources, load_catalog
from storage.database import sqlite_path


def _is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: a request to it never leaves this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# A phone number in E.164 form: +, a country code, at most 15 digits in all.
E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def _is_aci(value: str) -> bool:
    """A Signal account id (ACI): a UUID, written as signal-cli writes it."""
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _signal_rpc(value: str) -> str:
    """`tcp://HOST:PORT` on this machine, or `unix:///path/to/socket`."""
    if value.startswith("unix://"):
        path = value.removeprefix("unix://")
        if not path.startswith("/") or len(path) == 1:
            raise ValueError(
                "must name the socket's full path, e.g. unix:///run/signal-cli/socket"
            )
        return value
    if not value.startswith("tcp://"):
        raise ValueError("must be tcp://HOST:PORT or unix:///path/to/socket")
    try:
        parts = urlsplit(value)
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or port is None or parts.path or parts.query or parts.username:
        raise ValueError("must be tcp://HOST:PORT, e.g. tcp://127.0.0.1:7583")
    # The daemon's socket takes no password and is not encrypted: whoever reaches it reads
    # and sends as the bot. So in clear only to this machine.
    if not _is_loopback(host):
        raise ValueError(
            "must be on this machine (127.0.0.1, ::1 or localhost): the signal-cli socket has "
            "no password or encryption; reach a daemon elsewhere through a tunnel or a socket"
        )
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    # Signal, through a signal-cli daemon: the bot's own number, and where its JSON-RPC
    # socket listens. Both set, or neither.
    signal_account: str | None = None
    signal_rpc: str | None = None
    # Seconds between two proactive Signal sends (prompts, nudges, pages): Signal limits
    # bots that write first, with no published rate, so slowly by default.
    signal_send_interval_seconds: float = Field(default=3.0, ge=0.5, le=600)
    # Telegram's bulk limit: messages a second to many different chats (an admin's
    # broadcast, scheduled work). Telegram asks for about 30.
    telegram_bulk_per_second: float = Field(default=30.0, gt=0, le=1000)
    database_url: str = "sqlite:///hearthside.db"
    admins: Annotated[tuple[str, ...], NoDecode] = ()
    default_timezone: str = "UTC"
    # The language of anyone who has not chosen one, and whose app's language Hearthside
    # does not speak.
    default_language: str = "en"
    # The deployment's own wording of its crisis lines. None (the default): the curated
    # lines of CRISIS_COUNTRY from the catalog, the US's by default.
    crisis_resources: str | None = None
    crisis_country: str = "US"
    # The number members are told to call in danger, in place of the country's own.
    emergency_number: str | None = None
    # A whole crisis catalog in the format of flows/safety/crisis/resources.toml, in place of it.
    crisis_resources_file: str | None = None
    handoff_escalate_minutes: int = Field(default=5, ge=1, le=120)
    crisis_escalate_minutes: int = Field(default=2, ge=1, le=30)
    invite_days: int = Field(default=7, ge=1, le=90)
    scheduler_tick_seconds: int = Field(default=60, ge=1, le=3600)
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "NORMAL"
    # Community events and isolation-aware nudges (flows/community/isolation.py).
    nudge_min_days: int = Field(default=3, ge=1, le=60)
    quiet_hours: str = "21:00-09:00"
    isolation_ucla_min: int = Field(default=6, ge=0, le=9)
    isolation_days: int = Field(default=14, ge=0, le=365)
    isolation_low_mood_run: int = Field(default=3, ge=0, le=60)
    # Meeting Guide feeds (flows/community/meeting_feed.py): URLs, comma-separated, synced
    # every MEETING_FEEDS_SYNC_HOURS by bot/feeds.py.
    meeting_feeds: Annotated[tuple[str, ...], NoDecode] = ()
    meeting_feeds_sync_hours: int = Field(default=24, ge=1, le=168)
    # A peer chat nobody writes in for this many hours is wrapped up kindly; 0: never.
    peer_chat_idle_hours: int = Field(default=12, ge=0, le=24 * 14)
    # Days kept before the daily sweep deletes it; 0 keeps it (flows/core/retention.py).
    retention_days_checkins: int = Field(default=730, ge=0, le=36500)
    retention_days_safety: int = Field(default=365, ge=0, le=36500)
    retention_days_chats: int = Field(default=365, ge=0, le=36500)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # In the console: logs to `<database file>.log` beside the database, or in the terminal
    # between the messages.
    console_logs: Literal["file", "terminal"] = "file"

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            head, _, tail = value.get_secret_value().partition(":")
            if not head.isdigit() or not tail:
                raise ValueError("does not look like a bot token from @BotFather (123456:ABC...)")
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        try:
            host = urlsplit(value).hostname
        except ValueError:
            host = None
        if not host:
            raise ValueError("must name a server, e.g. https://api.telegram.org/bot")
        # The token travels in every request's path: in clear only to this machine.
        if value.startswith("http://") and not _is_loopback(host):
            raise ValueError(
                "must use https:// (http:// is allowed only for 127.0.0.1, ::1 or localhost)"
            )
        return value.rstrip("/")

    @field_validator("signal_account", "signal_rpc", mode="before")
    @classmethod
    def _empty_signal_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("signal_account")
    @classmethod
    def _signal_number(cls, value: str | None) -> str | None:
        if value is not None and not E164.fullmatch(value.strip()):
            # The value is a phone number: the message doesn't repeat it.
            raise ValueError("must be the bot's number in international form, e.g. +15551234567")
        return value.strip() if value is not None else None

    @field_validator("signal_rpc")
    @classmethod
    def _signal_socket(cls, value: str | None) -> str | None:
        return _signal_rpc(value.strip()) if value is not None else None

    @model_validator(mode="after")
    def _signal_both_or_neither(self) -> "Settings":
        if (self.signal_account is None) != (self.signal_rpc is None):
            missing = "SIGNAL_RPC" if self.signal_rpc is None else "SIGNAL_ACCOUNT"
            raise ValueError(f"{missing}: Signal needs both SIGNAL_ACCOUNT and SIGNAL_RPC")
        return self

    @field_validator("database_url")
    @classmethod
    def _sqlite_url(cls, value: str) -> str:
        sqlite_path(value)
        return value

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("admins")
    @classmethod
    def _admin_accounts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        accounts = []
        for account in value:
            channel, _, external_id = account.partition(":")
            if channel == "signal":
                # An ACI as signal-cli writes it (lower case), or a number to resolve.
                if _is_aci(external_id):
                    accounts.append(f"signal:{external_id.lower()}")
                    continue
                if E164.fullmatch(external_id):
                    accounts.append(account)
                    continue
                raise ValueError(
                    "a Signal admin should look like signal:<ACI> (a UUID) or signal:+15551234567"
                )
            if channel not in {"telegram", "console"} or not external_id:
                raise ValueError(
                    f"{account!r} should look like telegram:123456789, signal:<ACI> or "
                    "signal:+15551234567"
                )
            accounts.append(account)
        return tuple(accounts)

    @field_validator("meeting_feeds", mode="before")
    @classmethod
    def _split_feeds(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("meeting_feeds")
    @classmethod
    def _feed_urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            try:
                host = urlsplit(url).hostname
            except ValueError:
                host = None
            if not url.startswith(("https://", "http://")) or not host:
                raise ValueError(
                    f"{url!r} should be a feed's address, like https://example.org/wp-admin/admin-ajax.php?action=meetings"
                )
        return tuple(dict.fromkeys(value))

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        if not is_known_timezone(value):
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/London)")
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in SHIPPED:
            spoken = ", ".join(SHIPPED)
            raise ValueError(f"{value!r} is not a language Hearthside speaks ({spoken})")
        return value

    @field_validator("crisis_resources")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.strip():
            raise ValueError("must not be empty: members in danger need somewhere to turn")
        return value.strip()

    @field_validator("crisis_country")
    @classmethod
    def _country(cls, value: str) -> str:
        return value.strip().upper()  # checked against the catalog in _crisis_catalog

    @field_validator("emergency_number", "crisis_resources_file", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("emergency_number")
    @classmethod
    def _emergency(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\+?[0-9][0-9 -]{1,14}", value.strip()):
            raise ValueError(f"{value!r} is not a phone number to call (e.g. 000, 112, 999)")
        return value.strip() if value is not None else None

    @model_validator(mode="after")
    def _crisis_catalog(self) -> "Settings":
        # Unknown codes and bad files fail here, naming the setting and the known codes.
        if self.crisis_resources_file:
            try:
                load_catalog(Path(self.crisis_resources_file))
            except (OSError, ValueError) as error:
                raise ValueError(f"CRISIS_RESOURCES_FILE: {error}") from None
        try:
            self.crisis_lines()
        except ValueError as error:
            raise ValueError(f"CRISIS_COUNTRY: {error}") from None
        return self

    def crisis_lines(self) -> CrisisResources:
        """The deployment's crisis resources, as these settings describe them."""
        catalog = (
            load_catalog(Path(self.crisis_resources_file)) if self.crisis_resources_file else None
        )
        return CrisisResources.for_deployment(
            self.crisis_country, self.crisis_resources, catalog, emergency=self.emergency_number
        )

    @field_validator("console_logs", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        QuietHours.parse(value)  # a bad window fails here, saying what it should look like
        return value.strip()

    @field_validator("isolation_ucla_min")
    @classmethod
    def _ucla_total(cls, value: int) -> int:
        if value and not 3 <= value <= 9:
            raise ValueError("a UCLA-3 total runs 3-9 (0 turns this part of the rule off)")
        return value

    @property
    def database_path(self) -> str:
        return sqlite_path(self.database_url)

    @property
    def configured_channels(self) -> tuple[str, ...]:
        """The channels these settings set up, in the order they start: Telegram with a
        token, Signal with an account and a socket. None: the console."""
        channels = []
        if self.telegram_bot_token is not None:
            channels.append("telegram")
        if self.signal_account is not None and self.signal_rpc is not None:
            channels.append("signal")
        return tuple(channels)

    @property
    def admin_accounts(self) -> frozenset[str]:
        """ADMINS that name an account ("telegram:123", "signal:<ACI>")."""
        return frozenset(a for a in self.admins if not _is_number_admin(a))

    @property
    def admins_to_resolve(self) -> frozenset[str]:
        """ADMINS that name a phone number ("signal:+15551234567"): the channel finds the
        account behind each when it starts, and keeps only that (`Engine.resolve_admins`)."""
        return frozenset(a for a in self.admins if _is_number_admin(a))


def _is_number_admin(account: str) -> bool:
    channel, _, external_id = account.partition(":")
    return channel == "signal" and external_id.startswith("+")


class ConfigError(Exception):
    """A setting is missing or wrong; the message names it in one line."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        if not first["loc"]:  # a check across settings names its setting itself
            raise ConfigError(message) from None
        raise ConfigError(f"{str(first['loc'][0]).upper()}: {message}") from None
