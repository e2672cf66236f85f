"""ACCOUNTS_FILE and DEFAULT_ACCOUNTS: what a correct file gives each account, and the one-line refusal of
every mistake (naming the file, the account and the key), never showing a secret."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from config import ConfigError, Settings

KEYS = {"MAIN_KEY": "main-api-key", "MAIN_SECRET": "main-secret-key", "MAIN_PASS": "main-passphrase"}
TOKEN = "a-long-webhook-token-0123456789"
MAIN = """
[[account]]
name = "main"
mode = "live"
account_system = "classic"
api_key_env = "MAIN_KEY"
secret_key_env = "MAIN_SECRET"
passphrase_env = "MAIN_PASS"
max_purchase_ratio = 0.25
leverage = 3
max_leverage = 5
margin_mode = "isolated"
symbol_allowlist = ["BTCUSDT", "ETHUSDT.P"]
max_position_usdt = "2500"
"""
PAPER = """
[[account]]
name = "paper-one"
paper_balance = "500"
"""


def settings(tmp_path: Path, text: str, **env: str) -> Settings:
    path = tmp_path / "accounts.toml"
    path.write_text(text)
    return Settings.from_env(
        {"ACCOUNTS_FILE": str(path), "WEBHOOK_EXPECTED_TOKEN": TOKEN, "DATA_DIR": str(tmp_path), **KEYS, **env},
        dotenv=False,
    )


def refusal(tmp_path: Path, text: str, **env: str) -> str:
    with pytest.raises(ConfigError) as caught:
        settings(tmp_path, text, **env)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_without_a_file_todays_variables_make_one_account_called_default() -> None:
    found = Settings.from_env({"MAX_PURCHASE_RATIO": "0.3", "LEVERAGE": "4"}, dotenv=False)
    assert [a.name for a in found.all_accounts] == ["default"]
    account = found.all_accounts[0]
    assert (account.mode, account.execution.max_purchase_ratio, account.execution.leverage) == (
        "paper", Decimal("0.3"), 4,
    )
    assert found.alert_accounts == ("default",)
    assert account.tag == ""  # its clientOids stay as they were


def test_an_account_takes_its_key_from_the_named_variables_and_its_own_limits(tmp_path: Path) -> None:
    found = settings(tmp_path, MAIN + PAPER, MAX_PURCHASE_RATIO="0.5", BITGET_READ_TIMEOUT="7")
    main, paper = found.all_accounts
    assert found.mode == "live"  # the most real account decides the service's mode (token rules)
    assert main.exchange.credentials.api_key == "main-api-key"
    assert (main.mode, main.account_mode, main.exchange.margin_mode) == ("live", "classic", "isolated")
    assert main.execution.max_purchase_ratio == Decimal("0.25")
    assert (main.execution.leverage, main.execution.max_leverage) == (3, 5)
    assert main.execution.max_position_usdt == Decimal("2500")
    assert main.symbol_allowlist == frozenset({"BTCUSDT", "ETHUSDT"})
    assert main.exchange.read_timeout == 7  # what the file leaves out comes from the environment
    assert paper.mode == "paper" and paper.paper.balance == Decimal("500")
    assert paper.execution.max_purchase_ratio == Decimal("0.5")
    assert paper.paper.account_dir == tmp_path / "accounts" / "paper-one"  # its own paper account
    assert found.alert_accounts == ("main", "paper-one")
    assert "main-secret-key" in found.secrets()
    assert "main-secret-key" not in repr(found)
    assert not any("MAIN_KEY" in w for w in found.warnings)


def test_default_accounts_chooses_where_an_alert_without_account_goes(tmp_path: Path) -> None:
    assert settings(tmp_path, MAIN + PAPER, DEFAULT_ACCOUNTS="paper-one").alert_accounts == ("paper-one",)
    assert settings(tmp_path, MAIN + PAPER, DEFAULT_ACCOUNTS="all").alert_accounts == ("main", "paper-one")
    disabled = PAPER + '\n[[account]]\nname = "off"\nenabled = false\n'
    assert settings(tmp_path, disabled).alert_accounts == ("paper-one",)
    message = refusal(tmp_path, MAIN, DEFAULT_ACCOUNTS="main,typo")
    assert message == "DEFAULT_ACCOUNTS=main,typo: no account named 'typo'; known: main"


def test_long_names_get_distinct_short_tags(tmp_path: Path) -> None:
    text = '[[account]]\nname = "portfolio-alpha"\n[[account]]\nname = "portfolio-beta"\n'
    alpha, beta = settings(tmp_path, text).all_accounts
    assert alpha.tag != beta.tag and len(alpha.tag) <= 8 and alpha.tag.startswith("port")


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        (MAIN.replace('margin_mode = "isolated"', 'colour = "red"'), {}, "account 'main': colour: unknown key"),
        (MAIN, {"MAIN_PASS": ""}, "account 'main': passphrase_env: the environment variable MAIN_PASS is not set"),
        (MAIN + MAIN, {}, "account 'main': the name is used twice"),
        (MAIN.replace("leverage = 3", "leverage = 300"), {}, "account 'main': leverage: 300: must be a whole number"),
        (MAIN.replace("max_purchase_ratio = 0.25", "max_purchase_ratio = 2"), {},
         "account 'main': max_purchase_ratio: 2: must be a number > 0 and ≤ 1"),
        (MAIN.replace('mode = "live"', 'mode = "real"'), {}, "account 'main': mode: 'real': must be one of"),
        (MAIN.replace('"classic"', '"v2"'), {}, "account 'main': account_system: 'v2': must be one of"),
        (MAIN.replace('["BTCUSDT", "ETHUSDT.P"]', '"BTCUSDT"'), {}, "account 'main': symbol_allowlist: must be a list"),
        (MAIN.replace('passphrase_env = "MAIN_PASS"', ""), {}, "account 'main': passphrase_env: set api_key_env"),
        ('[[account]]\nname = "Main Account"\n', {}, "account #1: name: 'Main Account'"),
        ('[[account]]\nname = "all"\n', {}, "account #1: name: 'all'"),
        ('[account]\nname = "x"\n', {}, "no account; add at least one [[account]]"),
        ('[[account]]\nname = "x"\nenabled = false\n', {}, "every account has enabled = false"),
        ('[[account]]\nname = "x"\nenabled = "no"\n', {}, "account 'x': enabled: 'no': must be true or false"),
        ("[[account]\n", {}, "not valid TOML"),
        ('[[account]]\nname = "p"\napi_key_env = "K"\nsecret_key_env = "S"\npassphrase_env = "P"\nmode = "paper"\n',
         {"K": "k", "S": "s", "P": "p"}, "account 'p': api_key_env: a paper account trades its own built-in"),
    ],
)
def test_each_mistake_is_refused_with_one_line_naming_file_account_and_key(
    tmp_path: Path, text: str, env: dict[str, str], expected: str
) -> None:
    message = refusal(tmp_path, text, **env)
    assert message.startswith(f"ACCOUNTS_FILE={tmp_path / 'accounts.toml'}: ")
    assert expected in message


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"ACCOUNTS_FILE=.*nowhere\.toml: no such file"):
        Settings.from_env({"ACCOUNTS_FILE": str(tmp_path / "nowhere.toml")}, dotenv=False)


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('api_key = "bg_0123456789abcdef0123456789abcdef"', "api_key"),
        ('passphrase = "hunter2hunter2"', "passphrase"),
        ('api_key_env = "bg_0123456789abcdef0123456789abcdef"', "api_key_env"),
        ('secret_key_env = "0123456789ABCDEF0123456789ABCDEF"', "secret_key_env"),
    ],
)
def test_a_secret_written_inline_is_refused_without_repeating_it(tmp_path: Path, line: str, key: str) -> None:
    text = MAIN.replace('margin_mode = "isolated"', "").replace(f"{key} = ", "# ").replace("[[account]]",
                                                                                          f"[[account]]\n{line}")
    message = refusal(tmp_path, text)
    assert f"account 'main': {key}:" in message
    secret = line.split('"')[1]
    assert secret not in message
    assert "environment variable" in message


def test_live_accounts_still_refuse_the_default_webhook_token(tmp_path: Path) -> None:
    path = tmp_path / "accounts.toml"
    path.write_text(MAIN)
    with pytest.raises(ConfigError, match="live mode refuses the default token"):
        Settings.from_env({"ACCOUNTS_FILE": str(path), **KEYS}, dotenv=False)


def test_a_notification_names_a_named_account_and_says_nothing_new_for_default() -> None:
    from trading.events import ENTRY_FILLED, Event
    from trading.notify import message, webhook_body

    fill = {"side": "long", "size": "0.1", "price": "65000"}
    named = Event(ENTRY_FILLED, "s1-main", "BTCUSDT", fill, account="main")
    assert message(named).startswith("[main] Entry filled: BTCUSDT long 0.1 @ 65000")
    assert webhook_body("json", named, message(named))["account"] == "main"
    assert message(Event(ENTRY_FILLED, "s1", "BTCUSDT", fill, account="default")).startswith("Entry filled:")
