"""Settings: defaults, validation with one-line reasons, and no secrets in repr."""

from decimal import Decimal

import pytest

from config import ConfigError, Settings

KEYS = {"BITGET_API_KEY": "key-value-123", "BITGET_SECRET_KEY": "secret-value-456", "BITGET_PASSPHRASE": "pass-789"}


def test_defaults_are_paper_mode_with_the_seed_values():
    settings = Settings.from_env({})
    assert settings.mode == "paper"
    assert settings.webhook_expected_token == "1234"
    assert settings.max_purchase_ratio == Decimal("0.5")
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
