"""Service settings: one frozen object read from the environment (and `.env`), validated at start-up.

A bad value stops start-up with one line naming the variable and what is allowed, so a typo
never turns into a wrong order size at 3 a.m.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bitget.auth import Credentials
from bitget.options import ACCOUNT_MODES, BITGET_URL, MARGIN_MODES, ClientOptions
from bitget.sim.paper import ACCOUNT_SYSTEMS, MARKETS, PaperSettings
from config_accounts import (
    DEFAULT_ACCOUNT,
    AccountDefaults,
    AccountSettings,
    AccountsFileError,
    default_account,
    load_accounts,
    parse_default_accounts,
)
from trading.access import MIN_ADMIN_TOKEN_LENGTH, AccessSettings
from trading.claims import InstanceSettings
from trading.events import KINDS
from trading.executor import ExecutionSettings
from trading.guard import GuardSettings, Network, parse_networks
from trading.journal import JournalTargetError, database_password, mask_url, normalize_url
from trading.log_setup import LOG_FORMATS
from trading.notify import WEBHOOK_FORMATS, NotifySettings
from trading.service import DEFAULT_TOKEN, ServiceSettings

MIN_TOKEN_LENGTH = 16
MODES = ("paper", "demo", "live")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
PLACEHOLDER_TOKEN_MARK = "change-me"  # .env.example's token says this; a real deployment must not keep it
SECRET_NAMES = ("BITGET_API_KEY", "BITGET_SECRET_KEY", "BITGET_PASSPHRASE", "WEBHOOK_EXPECTED_TOKEN", "ADMIN_TOKEN")
SECRET_NAMES += ("TELEGRAM_BOT_TOKEN", "NOTIFY_WEBHOOK_URL")  # a bot token; a webhook URL embeds its key
SECRET_NAMES += ("DATABASE_URL",)  # embeds the database password
# Read by the simulator (`python -m bitget.sim`), not by the service: known, so never warned about.
SIMULATOR_NAMES = (
    "SIM_ACCOUNT_MODE", "SIM_API_KEY", "SIM_LEVERAGE", "SIM_PASSPHRASE", "SIM_POSITION_MODE", "SIM_SECRET_KEY",
    "SIM_START_BALANCE", "SIM_UID",
)
OUR_PREFIXES = ("BITGET_", "PAPER_", "SIM_", "NOTIFY_", "TELEGRAM_")
_TRAILING_COMMENT = re.compile(r"\s#")
INSTANCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
TRUE_WORDS = ("1", "true", "yes", "on")
# Whose contract list tickers are resolved against, as said in an unknown ticker's reply.
MARKET_NAMES = {"paper": "the paper exchange", "demo": "Bitget demo trading", "live": "live Bitget"}
FALSE_WORDS = ("0", "false", "no", "off", "")


class ConfigError(ValueError):
    """A setting is missing or out of range; the message is the one line shown at start-up."""


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment. Secrets are excluded from repr().

    Each group of settings is defined, with its defaults, next to the code that uses it; this
    object holds the groups and the few settings of the process itself.
    """

    mode: str = "paper"
    execution: ExecutionSettings = field(default_factory=ExecutionSettings)
    service: ServiceSettings = field(default_factory=ServiceSettings)
    guard: GuardSettings = field(default_factory=GuardSettings)
    access: AccessSettings = field(default_factory=AccessSettings)
    exchange: ClientOptions = field(default_factory=lambda: ClientOptions(BITGET_URL, Credentials("", "", "")))
    account_mode: str = "auto"  # which adapter: detected (auto), or forced (classic, uta)
    paper: PaperSettings = field(default_factory=PaperSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    instance: InstanceSettings = field(default_factory=InstanceSettings)  # INSTANCE_NAME, LEASE_SECONDS
    # ACCOUNTS_FILE's accounts; empty: the one account ``default`` of the settings above (see ``all_accounts``)
    accounts: tuple[AccountSettings, ...] = ()
    default_accounts: tuple[str, ...] = ()  # DEFAULT_ACCOUNTS; empty: every enabled account
    # the process
    host: str = "0.0.0.0"
    port: int = 8080
    data_dir: Path = Path("data")
    database_url: str = field(default="", repr=False)  # DATABASE_URL: the journal in PostgreSQL; "" = SQLite
    log_level: str = "INFO"
    log_format: str = "text"
    warnings: tuple[str, ...] = ()

    @property
    def journal_path(self) -> Path:
        return self.data_dir / "journal.sqlite3"

    @property
    def journal_target(self) -> str | Path:
        """Where the journal lives: DATABASE_URL (PostgreSQL) when set, else the SQLite file under DATA_DIR."""
        return self.database_url or self.journal_path

    @property
    def all_accounts(self) -> tuple[AccountSettings, ...]:
        """Every account, enabled or not: ACCOUNTS_FILE's, or ``default`` made of today's variables."""
        if self.accounts:
            return self.accounts
        return (
            default_account(
                mode=self.mode, account_mode=self.account_mode, exchange=self.exchange, execution=self.execution,
                paper=self.paper,
            ),
        )

    @property
    def alert_accounts(self) -> tuple[str, ...]:
        """Where an alert without ``account`` goes: DEFAULT_ACCOUNTS, else every enabled account."""
        return self.default_accounts or tuple(a.name for a in self.all_accounts if a.enabled)

    def secrets(self) -> tuple[str, ...]:
        """Values that must never be written anywhere (used by the log redactor)."""
        keys = self.exchange.credentials
        values = (keys.api_key, keys.secret_key, keys.passphrase)
        token = self.service.token
        notify = (self.notify.telegram_token, self.notify.webhook_url)
        accounts = tuple(v for account in self.accounts for v in account.secrets())
        database = (self.database_url, database_password(self.database_url))
        return tuple(v for v in (*values, token, self.access.admin_token) if v and v != DEFAULT_TOKEN) + tuple(
            v for v in (*notify, *accounts, *database) if v
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
        """Read settings from ``env`` (default: ``os.environ`` after loading ``.env``)."""
        if env is None:
            if dotenv:
                from dotenv import load_dotenv

                load_dotenv(override=False)
            env = os.environ
        reader = _Reader(env)
        settings = reader.settings()
        return replace(settings, warnings=reader.unknown_names())


def _share_word(a: str, b: str) -> bool:
    """Two names share a word of three letters or more (MAX_PURCHASE_RATE ~ MAX_PURCHASE_RATIO)."""
    return bool({w for w in a.split("_") if len(w) >= 3} & {w for w in b.split("_") if len(w) >= 3})


class _Reader:
    """Parses one variable at a time, failing with a message that names it."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.read: set[str] = set()

    def raw(self, name: str) -> str | None:
        self.read.add(name)
        value = self.env.get(name)
        if value is None:
            return None
        value = value.strip()
        if _TRAILING_COMMENT.search(value):
            shown = "…" if name in SECRET_NAMES else value
            raise ConfigError(
                f"{name}={shown}: the value carries a trailing comment; Docker's --env-file keeps it as part of"
                " the value: put the comment on its own line"
            )
        return value if value else None

    def unknown_names(self) -> tuple[str, ...]:
        """Warnings for variables that look like ours but are not (typos, wrong prefixes)."""
        known = self.read | set(SIMULATOR_NAMES)
        found = []
        for name in sorted(self.env):
            if name in known or not name.isupper():
                continue
            close = [k for k in difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.7) if _share_word(name, k)]
            if close:
                found.append(f"{name} is not a setting of this service; did you mean {close[0]}?")
            elif name.startswith(OUR_PREFIXES):
                found.append(f"{name} is not a setting of this service (no known setting is close); it is ignored")
        return tuple(found)

    def text(self, name: str, default: str) -> str:
        return self.raw(name) or default

    def choice(self, name: str, default: str, allowed: tuple[str, ...], *, upper: bool = False) -> str:
        value = self.text(name, default)
        value = value.upper() if upper else value.lower()
        if value not in allowed:
            raise ConfigError(f"{name}={value}: must be one of {', '.join(allowed)}")
        return value

    def decimal(self, name: str, default: Decimal, *, low: Decimal, high: Decimal, low_open: bool) -> Decimal:
        raw = self.raw(name)
        if raw is None:
            return default
        bound = f"{'>' if low_open else '≥'} {low} and ≤ {high}"
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ConfigError(f"{name}={raw}: must be a number {bound}") from None
        if not value.is_finite():
            raise ConfigError(f"{name}={raw}: must be a number {bound}")
        too_low = value <= low if low_open else value < low
        if too_low or value > high:
            raise ConfigError(f"{name}={raw}: must be a number {bound}")
        return value

    def number(self, name: str, default: float, *, low: float, high: float) -> float:
        raw = self.raw(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw}: must be a number from {low} to {high}") from None
        if not (low <= value <= high):
            raise ConfigError(f"{name}={raw}: must be a number from {low} to {high}")
        return value

    def integer(self, name: str, default: int | None, *, low: int, high: int) -> int | None:
        raw = self.raw(name)
        if raw is None:
            return default
        if not raw.isascii() or not raw.isdigit() or not (low <= int(raw) <= high):
            raise ConfigError(f"{name}={raw}: must be a whole number from {low} to {high}")
        return int(raw)

    def flag(self, name: str, default: bool) -> bool:
        raw = self.raw(name)
        if raw is None:
            return default
        if raw.lower() in TRUE_WORDS:
            return True
        if raw.lower() in FALSE_WORDS:
            return False
        raise ConfigError(f"{name}={raw}: must be true or false")

    def networks(self, name: str) -> tuple[Network, ...]:
        raw = self.raw(name)
        if raw is None:
            return ()
        try:
            return parse_networks(raw)
        except ValueError as exc:
            raise ConfigError(f"{name}={raw}: {exc}; use addresses or CIDRs separated by commas") from None

    def symbol_map(self, name: str) -> dict[str, str]:
        from trading.symbols import parse_symbol_map

        raw = self.raw(name)
        if raw is None:
            return {}
        try:
            return parse_symbol_map(raw)
        except ValueError as exc:
            raise ConfigError(f"{name}={raw}: {exc}") from None

    def symbols(self, name: str) -> frozenset[str] | None:
        from trading.symbols import normalize_ticker

        raw = self.raw(name)
        if raw is None:
            return None
        found = set()
        for item in (part.strip() for part in raw.split(",") if part.strip()):
            symbol = normalize_ticker(item)
            if symbol is None:
                raise ConfigError(f"{name}={raw}: {item!r} is not a USDT-M symbol such as BTCUSDT")
            found.add(symbol)
        return frozenset(found)

    def settings(self) -> Settings:
        key = self.raw("BITGET_API_KEY") or ""
        secret = self.raw("BITGET_SECRET_KEY") or ""
        passphrase = self.raw("BITGET_PASSPHRASE") or ""
        given = [bool(key), bool(secret), bool(passphrase)]
        if any(given) and not all(given):
            raise ConfigError(
                "BITGET_API_KEY, BITGET_SECRET_KEY and BITGET_PASSPHRASE: set all three or none"
            )
        default_mode = "live" if all(given) else "paper"
        mode = self.choice("BITGET_MODE", default_mode, MODES)
        accounts_file = self.raw("ACCOUNTS_FILE")
        if mode in ("demo", "live") and not all(given) and accounts_file is None:
            raise ConfigError(
                f"BITGET_MODE={mode}: needs BITGET_API_KEY, BITGET_SECRET_KEY and BITGET_PASSPHRASE"
            )
        data_dir = Path(self.text("DATA_DIR", str(Settings.data_dir)))
        account_mode = self.choice("BITGET_ACCOUNT_MODE", Settings.account_mode, ACCOUNT_MODES)
        exchange = self.exchange(Credentials(key, secret, passphrase), demo=mode == "demo")
        execution = self.execution()
        paper = self.paper(data_dir)
        accounts: tuple[AccountSettings, ...] = ()
        if accounts_file is not None:
            accounts = self.accounts(Path(accounts_file), AccountDefaults(account_mode, exchange, execution, paper,
                                                                          data_dir))
            enabled = {a.mode for a in accounts if a.enabled}
            mode = next(m for m in ("live", "demo", "paper") if m in enabled)  # the most real one decides
        default_accounts = self.default_accounts(accounts)
        token = self.raw("WEBHOOK_EXPECTED_TOKEN") or DEFAULT_TOKEN
        if mode in ("demo", "live") and token == DEFAULT_TOKEN:
            raise ConfigError(
                f"WEBHOOK_EXPECTED_TOKEN=1234: {mode} mode refuses the default token; set a long random one"
            )
        if mode in ("demo", "live") and PLACEHOLDER_TOKEN_MARK in token.lower():
            raise ConfigError(
                f"WEBHOOK_EXPECTED_TOKEN: {mode} mode refuses the example token from .env.example;"
                " set a long random one"
            )
        if mode in ("demo", "live") and len(token) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"WEBHOOK_EXPECTED_TOKEN: {mode} mode needs a token of at least {MIN_TOKEN_LENGTH} characters"
                f" (this one has {len(token)})"
            )
        return Settings(
            mode=mode,
            execution=execution,
            service=self.service(token, mode),
            guard=self.guard(),
            access=self.access(token, mode),
            exchange=exchange,
            account_mode=account_mode,
            paper=paper,
            accounts=accounts,
            default_accounts=default_accounts,
            host=self.text("HOST", Settings.host),
            port=self.integer("PORT", Settings.port, low=1, high=65535) or Settings.port,
            data_dir=data_dir,
            database_url=self.database_url(),
            log_level=self.choice("LOG_LEVEL", Settings.log_level, LOG_LEVELS, upper=True),
            log_format=self.choice("LOG_FORMAT", Settings.log_format, LOG_FORMATS),
            notify=self.notify(),
            instance=self.instance(),
        )

    def accounts(self, path: Path, defaults: AccountDefaults) -> tuple[AccountSettings, ...]:
        """ACCOUNTS_FILE's accounts; the variables they name count as read (never warned about)."""
        try:
            accounts = load_accounts(path, self.env, defaults)
        except AccountsFileError as exc:
            raise ConfigError(str(exc)) from None
        self.read.update(name for account in accounts for name in account.credential_names if name)
        return accounts

    def default_accounts(self, accounts: tuple[AccountSettings, ...]) -> tuple[str, ...]:
        """DEFAULT_ACCOUNTS, checked against the accounts; without a file only ``default`` exists."""
        raw = self.raw("DEFAULT_ACCOUNTS")
        known = tuple((a.name, a.enabled) for a in accounts) or ((DEFAULT_ACCOUNT, True),)
        try:
            return parse_default_accounts(raw, known) if raw is not None else ()
        except AccountsFileError as exc:
            raise ConfigError(str(exc)) from None

    def exchange(self, credentials: Credentials, *, demo: bool) -> ClientOptions:
        default = ClientOptions(BITGET_URL, credentials)
        return replace(
            default,
            base_url=self.text("BITGET_BASE_URL", default.base_url).rstrip("/"),
            product_type=self.choice("BITGET_PRODUCT_TYPE", default.product_type, ("USDT-FUTURES",), upper=True),
            margin_coin=self.choice("MARGIN_COIN", default.margin_coin, ("USDT",), upper=True),
            margin_mode=self.choice("MARGIN_MODE", default.margin_mode, MARGIN_MODES),
            demo=demo,
            connect_timeout=self.number("BITGET_CONNECT_TIMEOUT", default.connect_timeout, low=0.1, high=60),
            read_timeout=self.number("BITGET_READ_TIMEOUT", default.read_timeout, low=0.1, high=120),
            **self.streams(credentials, default),
        )

    def streams(self, credentials: Credentials, default: ClientOptions) -> dict[str, object]:
        """STREAMS (on by default against Bitget itself with keys; off in paper mode and against another
        BITGET_BASE_URL unless BITGET_WS_URL says where its streams are), STREAM_MAX_AGE, BITGET_WS_URL."""
        ws_url = self.text("BITGET_WS_URL", default.ws_url).rstrip("/")
        if ws_url and not ws_url.startswith(("ws://", "wss://")):
            raise ConfigError(f"BITGET_WS_URL={ws_url}: must start with wss:// (or ws://)")
        ours = self.text("BITGET_BASE_URL", BITGET_URL).rstrip("/") == BITGET_URL
        known = bool(credentials.api_key) and (ours or bool(ws_url))
        return {
            "streams": self.flag("STREAMS", known),
            "ws_url": ws_url,
            "stream_max_age": self.number("STREAM_MAX_AGE", default.stream_max_age, low=0.05, high=60),
            "stream_ping_interval": self.number(
                "STREAM_PING_INTERVAL", default.stream_ping_interval, low=0.1, high=30
            ),
        }

    def paper(self, data_dir: Path | None = None) -> PaperSettings:
        """Paper trading; its account is kept under ``data_dir`` (PAPER_RESET=true starts a fresh one)."""
        default = PaperSettings()
        return PaperSettings(
            market=self.choice("PAPER_MARKET", default.market, MARKETS),
            balance=self.decimal(
                "PAPER_BALANCE", default.balance, low=Decimal(0), high=Decimal(10) ** 12, low_open=True
            ),
            account_mode=self.choice("PAPER_ACCOUNT_MODE", default.account_mode, ACCOUNT_SYSTEMS),
            market_url=self.text("PAPER_MARKET_URL", default.market_url),
            account_dir=data_dir,
            reset=self.flag("PAPER_RESET", default.reset),
        )

    def execution(self) -> ExecutionSettings:
        default = ExecutionSettings()
        slippage = self.raw("MAX_SLIPPAGE_PCT")
        max_position = self.raw("MAX_POSITION_USDT")
        leverage = self.integer("LEVERAGE", default.leverage, low=1, high=125)
        max_leverage = self.integer("MAX_LEVERAGE", default.max_leverage, low=1, high=125)
        if leverage and max_leverage and leverage > max_leverage:
            raise ConfigError(f"LEVERAGE={leverage}: must not exceed MAX_LEVERAGE={max_leverage}")
        return ExecutionSettings(
            max_purchase_ratio=self.decimal(
                "MAX_PURCHASE_RATIO", default.max_purchase_ratio, low=Decimal(0), high=Decimal(1), low_open=True
            ),
            leverage=leverage,
            allow_add=self.flag("ALLOW_ADD", default.allow_add),
            max_slippage_pct=default.max_slippage_pct
            if slippage is None
            else self.decimal("MAX_SLIPPAGE_PCT", Decimal(0), low=Decimal(0), high=Decimal(100), low_open=True),
            order_timeout=self.number("ORDER_TIMEOUT", default.order_timeout, low=0.1, high=600),
            max_reprices=self.integer("MAX_REPRICES", default.max_reprices, low=0, high=10) or 0,
            poll_interval=self.number("POLL_INTERVAL", default.poll_interval, low=0.05, high=30),
            max_leverage=max_leverage,
            max_position_usdt=default.max_position_usdt
            if max_position is None
            else self.decimal("MAX_POSITION_USDT", Decimal(0), low=Decimal(0), high=Decimal(10) ** 12, low_open=True),
        )

    def service(self, token: str, mode: str) -> ServiceSettings:
        default = ServiceSettings()
        return ServiceSettings(
            token=token,
            dedup_window=self.number("DEDUP_WINDOW", default.dedup_window, low=0, high=86400),
            signal_max_age=self.number("SIGNAL_MAX_AGE", default.signal_max_age, low=1, high=86400),
            workers=self.integer("WORKERS", default.workers, low=1, high=64) or 1,
            max_queue=self.integer("MAX_QUEUE", default.max_queue, low=1, high=100000) or 1,
            trading_enabled=self.flag("TRADING_ENABLED", default.trading_enabled),
            symbol_allowlist=self.symbols("SYMBOL_ALLOWLIST"),
            refused_keep=self.integer("REFUSED_KEEP", default.refused_keep, low=1, high=10_000_000) or 1,
            symbol_map=self.symbol_map("SYMBOL_MAP"),
            market_name=MARKET_NAMES.get(mode, "live Bitget"),
            shutdown_grace=self.number("SHUTDOWN_GRACE", default.shutdown_grace, low=0, high=600),
            reconnect_max_wait=self.number("RECONNECT_MAX_WAIT", default.reconnect_max_wait, low=0.1, high=600),
        )

    def access(self, webhook_token: str, mode: str) -> AccessSettings:
        admin = self.raw("ADMIN_TOKEN") or ""
        if admin and len(admin) < MIN_ADMIN_TOKEN_LENGTH:
            raise ConfigError(
                f"ADMIN_TOKEN: needs at least {MIN_ADMIN_TOKEN_LENGTH} characters (this one has {len(admin)})"
            )
        if admin and admin == webhook_token:
            raise ConfigError(
                "ADMIN_TOKEN: must differ from WEBHOOK_EXPECTED_TOKEN (the webhook token travels in every alert)"
            )
        return AccessSettings(admin_token=admin, loopback_open=mode == "paper")

    def url(self, name: str, default: str = "") -> str:
        raw = self.raw(name)
        if raw is None:
            return default
        if not raw.lower().startswith(("http://", "https://")) or len(raw) < 10:
            shown = "…" if name in SECRET_NAMES else raw
            raise ConfigError(f"{name}={shown}: must be an http:// or https:// URL")
        return raw

    def notify(self) -> NotifySettings:
        default = NotifySettings()
        token = self.raw("TELEGRAM_BOT_TOKEN") or ""
        chat = self.raw("TELEGRAM_CHAT_ID") or ""
        if bool(token) != bool(chat):
            raise ConfigError("TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID: set both or neither")
        wanted = (self.raw("NOTIFY_ON") or "all").lower()
        if wanted == "all":
            events = frozenset(KINDS)
        else:
            events = frozenset(part.strip() for part in wanted.split(",") if part.strip())
            unknown = sorted(events - set(KINDS))
            if unknown or not events:
                raise ConfigError(f"NOTIFY_ON={wanted}: {', '.join(unknown) or 'empty'} not known; use all or some"
                                  f" of {', '.join(KINDS)}")
        return NotifySettings(
            telegram_token=token,
            telegram_chat_id=chat,
            telegram_api_url=self.url("TELEGRAM_API_URL", default.telegram_api_url).rstrip("/"),
            webhook_url=self.url("NOTIFY_WEBHOOK_URL"),
            webhook_format=self.choice("NOTIFY_WEBHOOK_FORMAT", default.webhook_format, WEBHOOK_FORMATS),
            events=events,
            queue_size=self.integer("NOTIFY_QUEUE", default.queue_size, low=1, high=100_000) or 1,
            timeout=self.number("NOTIFY_TIMEOUT", default.timeout, low=0.1, high=60),
            retries=self.integer("NOTIFY_RETRIES", default.retries, low=0, high=10) or 0,
        )

    def database_url(self) -> str:
        """DATABASE_URL: the journal in PostgreSQL (instances share it); postgres:// is read as postgresql+psycopg://."""
        raw = self.raw("DATABASE_URL")
        if raw is None:
            return ""
        try:
            return normalize_url(raw)
        except JournalTargetError:
            raise ConfigError(
                f"DATABASE_URL={mask_url(raw)}: must be a postgresql://user:password@host:port/database URL"
            ) from None

    def instance(self) -> InstanceSettings:
        """This instance among those sharing a journal: its name (stable across restarts) and lease."""
        default = InstanceSettings()
        name = self.text("INSTANCE_NAME", default.name)
        if not INSTANCE_NAME.fullmatch(name):
            raise ConfigError(
                f"INSTANCE_NAME={name}: use 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit"
            )
        lease = self.number("LEASE_SECONDS", default.lease, low=1, high=3600)
        return replace(default, name=name, lease=lease)

    def guard(self) -> GuardSettings:
        default = GuardSettings()
        return GuardSettings(
            trusted_ips=self.networks("TRUSTED_IPS"),
            trust_proxy=self.networks("TRUST_PROXY"),
            auth_fail_limit=self.integer("AUTH_FAIL_LIMIT", default.auth_fail_limit, low=1, high=100000) or 1,
            auth_fail_window=self.number("AUTH_FAIL_WINDOW", default.auth_fail_window, low=1, high=86400),
        )
