"""Named accounts: ``ACCOUNTS_FILE`` (TOML) read with the standard library, checked at start-up.

Each account names the environment variables that hold its key, secret and passphrase, never the
secrets themselves, so the file can be committed or mounted read-only while the secrets stay in the
environment. Every mistake is refused with one line naming the file, the account and the key.

Without the file the service has one account, ``default``, made of today's variables
(``default_account``), so nothing changes for an existing set-up.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bitget.auth import Credentials
from bitget.options import ACCOUNT_MODES, MARGIN_MODES, ClientOptions
from bitget.sim.paper import PaperSettings
from trading.accounts import DEFAULT_ACCOUNT, MAX_TAG, account_tag
from trading.executor import ExecutionSettings

ALL_ACCOUNTS = "all"  # the alert's word for every enabled account
MODES = ("paper", "demo", "live")
ACCOUNT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,23}$")
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,63}$")  # upper case, as variables are named: a key is not
PAPER_DIR = "accounts"  # under DATA_DIR: one paper account per named paper account
CREDENTIAL_KEYS = ("api_key_env", "secret_key_env", "passphrase_env")
# Keys that would hold a secret itself: refused with a pointer to the *_env key.
INLINE_SECRETS = {
    "api_key": "api_key_env", "secret_key": "secret_key_env", "secret": "secret_key_env",
    "passphrase": "passphrase_env", "key": "api_key_env",
}
KEYS = (
    "name", "mode", "account_system", *CREDENTIAL_KEYS, "base_url", "enabled", "max_purchase_ratio", "leverage",
    "max_leverage", "margin_mode", "symbol_allowlist", "max_position_usdt", "paper_balance",
)


class AccountsFileError(ValueError):
    """A mistake in ACCOUNTS_FILE or DEFAULT_ACCOUNTS; the message is the one line shown at start-up."""


@dataclass(frozen=True)
class AccountSettings:
    """One account: where it trades, with which key, and its own limits. ``repr()`` shows no secret."""

    name: str
    mode: str  # paper, demo or live
    account_mode: str  # auto, classic or uta: how the client picks its adapter (paper: PaperSettings.account_mode)
    exchange: ClientOptions  # base URL, credentials, margin mode, demo flag
    execution: ExecutionSettings
    paper: PaperSettings
    symbol_allowlist: frozenset[str] | None = None  # narrows SYMBOL_ALLOWLIST for this account
    enabled: bool = True
    credential_names: tuple[str, ...] = field(default=())  # the variables named in the file, for messages

    @property
    def tag(self) -> str:
        """What this account adds to its signal ids (and so to its clientOids); "" for ``default``."""
        return account_tag(self.name)

    def secrets(self) -> tuple[str, ...]:
        return self.exchange.credentials.secrets()


def default_account(
    *,
    mode: str,
    account_mode: str,
    exchange: ClientOptions,
    execution: ExecutionSettings,
    paper: PaperSettings,
) -> AccountSettings:
    """The account today's variables describe (BITGET_*, MAX_PURCHASE_RATIO, PAPER_*, ...)."""
    return AccountSettings(
        name=DEFAULT_ACCOUNT,
        mode=mode,
        account_mode=account_mode,
        exchange=exchange,
        execution=execution,
        paper=paper,
    )


@dataclass(frozen=True)
class AccountDefaults:
    """What an account of the file starts from: the service-wide settings it may override."""

    account_mode: str
    exchange: ClientOptions
    execution: ExecutionSettings
    paper: PaperSettings
    data_dir: Path


def load_accounts(path: Path, env: Mapping[str, str], defaults: AccountDefaults) -> tuple[AccountSettings, ...]:
    """Read ACCOUNTS_FILE; raises AccountsFileError (one line naming the file, account and key)."""
    where = f"ACCOUNTS_FILE={path}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AccountsFileError(f"{where}: no such file") from None
    except OSError as exc:
        raise AccountsFileError(f"{where}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise AccountsFileError(f"{where}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise AccountsFileError(f"{where}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"account"})
    if unknown:
        raise AccountsFileError(f"{where}: unknown key {unknown[0]!r}; the file holds [[account]] tables only")
    tables = data.get("account")
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        raise AccountsFileError(f"{where}: no account; add at least one [[account]] table with a name")
    accounts: list[AccountSettings] = []
    for number, table in enumerate(tables, start=1):
        account = _Account(where, number, table, env, defaults).settings()
        if any(a.name == account.name for a in accounts):
            raise AccountsFileError(f"{where}: account {account.name!r}: the name is used twice; names must differ")
        tags = {a.tag: a.name for a in accounts}
        if account.tag in tags:
            raise AccountsFileError(
                f"{where}: account {account.name!r}: its signal-id tag {account.tag!r} is the same as account"
                f" {tags[account.tag]!r}'s; make the first {MAX_TAG - 4} characters differ"
            )
        accounts.append(account)
    if not any(a.enabled for a in accounts):
        raise AccountsFileError(f"{where}: every account has enabled = false; enable at least one")
    return tuple(accounts)


def parse_default_accounts(raw: str | None, accounts: tuple[tuple[str, bool], ...]) -> tuple[str, ...]:
    """DEFAULT_ACCOUNTS: where an alert without ``account`` goes (names, or ``all``).

    ``accounts`` are (name, enabled) pairs. Unset: every enabled account.
    """
    enabled = tuple(name for name, on in accounts if on)
    if raw is None:
        return enabled
    names = tuple(dict.fromkeys(part.strip().lower() for part in raw.split(",") if part.strip()))
    if not names:
        raise AccountsFileError(f"DEFAULT_ACCOUNTS={raw}: name at least one account, or all")
    if ALL_ACCOUNTS in names:
        if len(names) > 1:
            raise AccountsFileError(f"DEFAULT_ACCOUNTS={raw}: all already means every enabled account")
        return enabled
    known = {name for name, _ in accounts}
    for name in names:
        if name not in known:
            raise AccountsFileError(
                f"DEFAULT_ACCOUNTS={raw}: no account named {name!r}; known: {', '.join(sorted(known))}"
            )
    return names


class _Account:
    """One [[account]] table, read key by key."""

    def __init__(
        self, where: str, number: int, table: dict[str, Any], env: Mapping[str, str], defaults: AccountDefaults
    ) -> None:
        self.table = table
        self.env = env
        self.defaults = defaults
        name = table.get("name")
        if not isinstance(name, str) or not ACCOUNT_NAME.match(name) or name == ALL_ACCOUNTS:
            shown = f"{name!r}" if isinstance(name, str) else "missing"
            raise AccountsFileError(
                f"{where}: account #{number}: name: {shown}; give each account a name of 1-24 lower-case letters,"
                " digits, - or _ (not 'all')"
            )
        self.name = name
        self.where = f"{where}: account {name!r}"

    def fail(self, key: str, problem: str) -> AccountsFileError:
        return AccountsFileError(f"{self.where}: {key}: {problem}")

    def settings(self) -> AccountSettings:
        for key in self.table:
            if key in INLINE_SECRETS:
                raise self.fail(
                    key, f"secrets never go in the file; put it in an environment variable and write that"
                         f" variable's name as {INLINE_SECRETS[key]}"
                )
            if key not in KEYS:
                raise self.fail(key, f"unknown key; allowed: {', '.join(KEYS)}")
        names = tuple(self._env_name(key) for key in CREDENTIAL_KEYS)
        given = [bool(n) for n in names]
        if any(given) and not all(given):
            missing = next(k for k, n in zip(CREDENTIAL_KEYS, names, strict=True) if not n)
            raise self.fail(missing, "set api_key_env, secret_key_env and passphrase_env together")
        mode = self._choice("mode", "live" if all(given) else "paper", MODES)
        base = self.defaults
        if mode == "paper":
            return self._paper(names)
        if not all(given):
            raise self.fail("api_key_env", f"a {mode} account needs api_key_env, secret_key_env and passphrase_env")
        credentials = Credentials(*(self._secret(key, var) for key, var in zip(CREDENTIAL_KEYS, names, strict=True)))
        exchange = replace(
            base.exchange,
            base_url=self._url("base_url", base.exchange.base_url),
            credentials=credentials,
            demo=mode == "demo",
            margin_mode=self._choice("margin_mode", base.exchange.margin_mode, MARGIN_MODES),
        )
        return AccountSettings(
            name=self.name,
            mode=mode,
            account_mode=self._choice("account_system", base.account_mode, ACCOUNT_MODES),
            exchange=exchange,
            execution=self._execution(),
            paper=base.paper,
            symbol_allowlist=self._symbols("symbol_allowlist"),
            enabled=self._flag("enabled", True),
            credential_names=names,
        )

    def _paper(self, names: tuple[str, ...]) -> AccountSettings:
        for key in (*CREDENTIAL_KEYS, "base_url"):
            if key in self.table:
                raise self.fail(key, "a paper account trades its own built-in simulator; remove it (or set mode)")
        base = self.defaults
        system = self._choice("account_system", base.paper.account_mode, ("classic", "uta"))
        directory = base.data_dir if self.name == DEFAULT_ACCOUNT else base.data_dir / PAPER_DIR / self.name
        balance = self._decimal("paper_balance", base.paper.balance, most=Decimal(10) ** 12)
        paper = replace(base.paper, balance=balance, account_mode=system, account_dir=directory)
        exchange = replace(base.exchange, margin_mode=self._choice("margin_mode", base.exchange.margin_mode,
                                                                   MARGIN_MODES))
        return AccountSettings(
            name=self.name,
            mode="paper",
            account_mode=base.account_mode,  # the simulator plays ``system``; the client finds it out
            exchange=exchange,
            execution=self._execution(),
            paper=paper,
            symbol_allowlist=self._symbols("symbol_allowlist"),
            enabled=self._flag("enabled", True),
            credential_names=names,
        )

    def _execution(self) -> ExecutionSettings:
        base = self.defaults.execution
        leverage = self._integer("leverage", base.leverage)
        cap = self._integer("max_leverage", base.max_leverage)
        if leverage and cap and leverage > cap:
            raise self.fail("leverage", f"{leverage} is above max_leverage {cap}")
        return replace(
            base,
            max_purchase_ratio=self._decimal("max_purchase_ratio", base.max_purchase_ratio, most=Decimal(1)),
            leverage=leverage,
            max_leverage=cap,
            max_position_usdt=self._decimal("max_position_usdt", base.max_position_usdt, most=Decimal(10) ** 12),
        )

    # -- one key each ---------------------------------------------------------------------------

    def _env_name(self, key: str) -> str:
        value = self.table.get(key)
        if value is None:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be the name of an environment variable, e.g. MAIN_BITGET_API_KEY")
        if not ENV_NAME.match(value) or sum(c.isdigit() for c in value) >= 8:
            raise self.fail(
                key, "this is not a variable name (is it the secret itself?); write the name of the environment"
                     " variable that holds it, e.g. MAIN_BITGET_API_KEY"
            )
        return value

    def _secret(self, key: str, variable: str) -> str:
        value = (self.env.get(variable) or "").strip()
        if not value:
            raise self.fail(key, f"the environment variable {variable} is not set")
        return value

    def _choice(self, key: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.table.get(key, default)
        if not isinstance(value, str) or value.strip().lower() not in allowed:
            raise self.fail(key, f"{value!r}: must be one of {', '.join(allowed)}")
        return value.strip().lower()

    def _flag(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"{value!r}: must be true or false (without quotes)")
        return value

    def _integer(self, key: str, default: int | None) -> int | None:
        value = self.table.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 125:
            raise self.fail(key, f"{value!r}: must be a whole number from 1 to 125")
        return value

    def _decimal(self, key: str, default: Decimal | None, *, most: Decimal) -> Any:
        value = self.table.get(key)
        if value is None:
            return default
        problem = f"{value!r}: must be a number > 0 and ≤ {most}"
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self.fail(key, problem)
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise self.fail(key, problem) from None
        if not number.is_finite() or number <= 0 or number > most:
            raise self.fail(key, problem)
        return number

    def _url(self, key: str, default: str) -> str:
        value = self.table.get(key)
        if value is None:
            return default
        if not isinstance(value, str) or not value.lower().startswith(("http://", "https://")) or len(value) < 10:
            raise self.fail(key, f"{value!r}: must be an http:// or https:// URL")
        return value.rstrip("/")

    def _symbols(self, key: str) -> frozenset[str] | None:
        from trading.symbols import normalize_ticker

        value = self.table.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.fail(key, 'must be a list of symbols, e.g. ["BTCUSDT", "ETHUSDT"]')
        found = set()
        for item in value:
            symbol = normalize_ticker(item)
            if symbol is None:
                raise self.fail(key, f"{item!r} is not a USDT-M symbol such as BTCUSDT")
            found.add(symbol)
        return frozenset(found)
