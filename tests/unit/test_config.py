"""Settings: defaults, validation with one-line reasons, and no secrets in repr."""

from decimal import Decimal
from pathlib import Path

import pytest

from config import ConfigError, Settings

KEYS = {"BITGET_API_KEY": "key-value-123", "BITGET_SECRET_KEY": "secret-value-456", "BITGET_PASSPHRASE": "pass-789"}


def test_defaults_are_paper_mode_with_the_seed_values():
    settings = Settings.from_env({})
    assert settings.mode == "paper"
    assert settings.service.token == "1234"
    assert settings.execution.max_purchase_ratio == Decimal("0.5")
    assert (settings.host, settings.port) == ("0.0.0.0", 8080)


def test_keys_mean_live_and_live_refuses_the_default_token():
    with pytest.raises(ConfigError, match="WEBHOOK_EXPECTED_TOKEN"):
        Settings.from_env(KEYS)
    settings = Settings.from_env({**KEYS, "WEBHOOK_EXPECTED_TOKEN": "a-long-random-token-value"})
    assert settings.mode == "live"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAX_PURCHASE_RATIO", "1.5"),
        ("MAX_PURCHASE_RATIO", "0"),
        ("MAX_PURCHASE_RATIO", "half"),
        ("LEVERAGE", "0"),
        ("LEVERAGE", "200"),
        ("BITGET_MODE", "yolo"),
        ("MARGIN_MODE", "cross"),
        ("ORDER_TIMEOUT", "-1"),
        ("PORT", "http"),
        ("ALLOW_ADD", "maybe"),
    ],
)
def test_bad_values_stop_start_up_naming_the_variable(name, value):
    with pytest.raises(ConfigError) as err:
        Settings.from_env({name: value})
    line = str(err.value)
    assert line.startswith(f"{name}={value}") and "\n" not in line


def test_partial_keys_are_refused():
    with pytest.raises(ConfigError, match="all three"):
        Settings.from_env({"BITGET_API_KEY": "k"})


def test_secrets_are_not_in_repr():
    settings = Settings.from_env({**KEYS, "WEBHOOK_EXPECTED_TOKEN": "a-long-random-token-value"})
    text = repr(settings)
    for secret in (*KEYS.values(), "a-long-random-token-value"):
        assert secret not in text


@pytest.mark.parametrize("mode", ["demo", "live"])
@pytest.mark.parametrize("token", ["change-me-to-a-long-random-string", "my-CHANGE-ME-token-0123456789"])
def test_the_example_token_is_refused_like_the_default_one(mode: str, token: str) -> None:
    """.env.example's value must not survive into a deployment that trades."""
    with pytest.raises(ConfigError, match="example token") as refused:
        Settings.from_env({**KEYS, "BITGET_MODE": mode, "WEBHOOK_EXPECTED_TOKEN": token})
    assert token not in str(refused.value)
    assert Settings.from_env({"WEBHOOK_EXPECTED_TOKEN": token}).mode == "paper"  # paper mode lets it pass


@pytest.mark.parametrize(
    ("name", "value"),
    [("LEVERAGE", "5   # applied once per symbol"), ("MAX_PURCHASE_RATIO", "0.5\t# half"), ("BITGET_MODE", "paper #")],
)
def test_a_trailing_comment_kept_by_docker_env_file_is_named(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match="trailing comment") as refused:
        Settings.from_env({name: value})
    assert str(refused.value).startswith(f"{name}=")


def test_a_trailing_comment_on_a_secret_does_not_show_the_secret() -> None:
    with pytest.raises(ConfigError, match="trailing comment") as refused:
        Settings.from_env({**KEYS, "BITGET_SECRET_KEY": "secret-value-456 # mine"})
    assert "secret-value-456" not in str(refused.value)


def test_a_hash_inside_a_value_is_not_a_comment() -> None:
    settings = Settings.from_env({"WEBHOOK_EXPECTED_TOKEN": "abc#def-0123456789"})
    assert settings.service.token == "abc#def-0123456789"


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("WEBHOOK_TOKEN", "WEBHOOK_EXPECTED_TOKEN"),
        ("MAX_PURCHASE_RATE", "MAX_PURCHASE_RATIO"),
        ("BITGET_APIKEY", "BITGET_API_KEY"),
        ("PAPER_BALANSE", "PAPER_BALANCE"),
        ("TRADING_ENABLE", "TRADING_ENABLED"),
    ],
)
def test_a_near_miss_variable_is_named_with_the_one_it_probably_meant(name: str, meant: str) -> None:
    warnings = Settings.from_env({name: "1"}).warnings
    assert len(warnings) == 1 and name in warnings[0] and f"did you mean {meant}?" in warnings[0], warnings


def test_an_unknown_variable_with_our_prefix_is_named() -> None:
    (warning,) = Settings.from_env({"SIM_WHATEVER_ELSE": "1"}).warnings
    assert "SIM_WHATEVER_ELSE" in warning


def test_ordinary_environment_variables_are_not_warned_about() -> None:
    env = {"PATH": "/usr/bin", "HOME": "/root", "HOSTNAME": "box", "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1",
           "SIM_ACCOUNT_MODE": "uta", "CI": "true", "GPG_KEY": "x", "PYTHON_VERSION": "3.11"}
    assert Settings.from_env(env).warnings == ()


def _docker_env_file(path: Path) -> dict[str, str]:
    """Read a file as `docker run --env-file` does: KEY=VALUE taken literally, lines starting with # skipped."""
    env = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    return env


def test_env_example_reads_the_same_under_docker_and_python_dotenv() -> None:
    from dotenv import dotenv_values

    example = Path(__file__).resolve().parents[2] / ".env.example"
    docker = _docker_env_file(example)
    assert docker == {k: v for k, v in dotenv_values(example).items() if v is not None}
    settings = Settings.from_env(docker)
    assert settings.warnings == ()
    # Un-commenting every example line, as a user filling it in does, still reads under Docker's rules.
    filled = _docker_env_file_uncommented(example)
    Settings.from_env({**filled, **KEYS, "WEBHOOK_EXPECTED_TOKEN": "a-long-random-token-value"})


def _docker_env_file_uncommented(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        text = line.lstrip("# ").strip()
        name, sep, value = text.partition("=")
        if sep and name.isupper() and " " not in name:
            env[name] = value
    return env


def test_symbol_map_is_read_and_a_bad_pair_named() -> None:
    settings = Settings.from_env({"SYMBOL_MAP": "TSLL=TSLAUSDT, xbtusd=btcusdt"})
    assert settings.service.symbol_map["TSLL"] == "TSLAUSDT" and settings.service.symbol_map["XBTUSD"] == "BTCUSDT"
    with pytest.raises(ConfigError, match=r"^SYMBOL_MAP=TSLL: "):
        Settings.from_env({"SYMBOL_MAP": "TSLL"})
