"""Unsafe or malformed settings stop start-up with one line naming the variable.

Checked twice: ``Settings.from_env`` raises ConfigError, and ``python app.py`` with the same
environment exits non-zero at once, printing that one line (no traceback, nothing served).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config import ConfigError, Settings

ROOT = Path(__file__).resolve().parents[2]
KEYS = {
    "BITGET_API_KEY": "refusal-key-value",
    "BITGET_SECRET_KEY": "refusal-secret-value",
    "BITGET_PASSPHRASE": "refusal-passphrase",
}
LONG_TOKEN = "a-sixteen-chars+"  # exactly MIN_TOKEN_LENGTH
assert len(LONG_TOKEN) == 16

# (case id, environment, variable the message must name)
REFUSALS: list[tuple[str, dict[str, str], str]] = [
    ("live-default-token", {**KEYS}, "WEBHOOK_EXPECTED_TOKEN"),
    ("live-explicit-1234", {**KEYS, "BITGET_MODE": "live", "WEBHOOK_EXPECTED_TOKEN": "1234"}, "WEBHOOK_EXPECTED_TOKEN"),
    ("demo-default-token", {**KEYS, "BITGET_MODE": "demo"}, "WEBHOOK_EXPECTED_TOKEN"),
    ("live-15-char-token", {**KEYS, "WEBHOOK_EXPECTED_TOKEN": LONG_TOKEN[:-1]}, "WEBHOOK_EXPECTED_TOKEN"),
    (
        "demo-15-char-token",
        {**KEYS, "BITGET_MODE": "demo", "WEBHOOK_EXPECTED_TOKEN": "x" * 15},
        "WEBHOOK_EXPECTED_TOKEN",
    ),
    ("trusted-ips-prefix-33", {"TRUSTED_IPS": "10.0.0.0/33"}, "TRUSTED_IPS"),
    ("trusted-ips-hostname", {"TRUSTED_IPS": "52.89.214.238, tradingview.com"}, "TRUSTED_IPS"),
    ("trusted-ips-octet-999", {"TRUSTED_IPS": "999.1.1.1"}, "TRUSTED_IPS"),
    ("trust-proxy-word", {"TRUST_PROXY": "localhost"}, "TRUST_PROXY"),
    ("trust-proxy-yes", {"TRUST_PROXY": "yes"}, "TRUST_PROXY"),
    ("trust-proxy-prefix-40", {"TRUST_PROXY": "127.0.0.1/40"}, "TRUST_PROXY"),
    ("ratio-1.5", {"MAX_PURCHASE_RATIO": "1.5"}, "MAX_PURCHASE_RATIO"),
    ("ratio-0", {"MAX_PURCHASE_RATIO": "0"}, "MAX_PURCHASE_RATIO"),
    ("ratio-negative", {"MAX_PURCHASE_RATIO": "-0.1"}, "MAX_PURCHASE_RATIO"),
    ("ratio-abc", {"MAX_PURCHASE_RATIO": "abc"}, "MAX_PURCHASE_RATIO"),
    ("ratio-infinity", {"MAX_PURCHASE_RATIO": "Infinity"}, "MAX_PURCHASE_RATIO"),
    ("leverage-above-max", {"LEVERAGE": "20", "MAX_LEVERAGE": "10"}, "LEVERAGE"),
    ("partial-keys", {"BITGET_API_KEY": "only-the-key"}, "BITGET_API_KEY"),
]

NAN_REFUSALS: list[tuple[str, dict[str, str], str]] = [
    ("ratio-nan", {"MAX_PURCHASE_RATIO": "NaN"}, "MAX_PURCHASE_RATIO"),
    ("ratio-snan", {"MAX_PURCHASE_RATIO": "sNaN"}, "MAX_PURCHASE_RATIO"),
    ("paper-balance-nan", {"PAPER_BALANCE": "nan"}, "PAPER_BALANCE"),
    ("slippage-nan", {"MAX_SLIPPAGE_PCT": "NaN"}, "MAX_SLIPPAGE_PCT"),
    ("max-position-nan", {"MAX_POSITION_USDT": "NaN"}, "MAX_POSITION_USDT"),
]
DIGIT_REFUSALS: list[tuple[str, dict[str, str], str]] = [
    ("leverage-superscript", {"LEVERAGE": "\u00b2"}, "LEVERAGE"),
    ("auth-fail-limit-superscript", {"AUTH_FAIL_LIMIT": "1\u00b2"}, "AUTH_FAIL_LIMIT"),
]


def check_line(message: str, variable: str) -> None:
    assert "\n" not in message.strip(), message
    assert variable in message, message


@pytest.mark.parametrize(("env", "variable"), [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS])
def test_settings_refuse_with_one_line_naming_the_variable(env: dict[str, str], variable: str) -> None:
    """Each unsafe or malformed value raises ConfigError whose single line names the variable."""
    with pytest.raises(ConfigError) as err:
        Settings.from_env(env, dotenv=False)
    check_line(str(err.value), variable)


@pytest.mark.parametrize(
    ("env", "variable"),
    [pytest.param(*c[1:], id=c[0]) for c in NAN_REFUSALS]
    + [
        pytest.param(*c[1:], id=c[0]) for c in DIGIT_REFUSALS
    ],
)
def test_nan_and_non_ascii_digits_are_refused_like_any_bad_number(env: dict[str, str], variable: str) -> None:
    """NaN for a decimal setting and '²' for a whole-number setting are ConfigErrors naming the variable."""
    with pytest.raises(ConfigError) as err:
        Settings.from_env(env, dotenv=False)
    check_line(str(err.value), variable)


def test_the_boundaries_are_accepted() -> None:
    """The limits themselves start: a 16-character live token, ratio 1, LEVERAGE equal to MAX_LEVERAGE."""
    live = Settings.from_env({**KEYS, "WEBHOOK_EXPECTED_TOKEN": LONG_TOKEN}, dotenv=False)
    assert live.mode == "live"
    settings = Settings.from_env(
        {
            "MAX_PURCHASE_RATIO": "1",
            "LEVERAGE": "10",
            "MAX_LEVERAGE": "10",
            "TRUSTED_IPS": "tradingview, 10.0.0.0/8",
            "TRUST_PROXY": "127.0.0.1",
        },
        dotenv=False,
    )
    assert settings.execution.leverage == settings.execution.max_leverage == 10
    assert len(settings.guard.trusted_ips) == 5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_app(env: dict[str, str], tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """``python app.py`` from the repository root with only the given BITGET_*/service variables."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BITGET_", "SIM_"))}
    for name in (
        "WEBHOOK_EXPECTED_TOKEN",
        "TRUSTED_IPS",
        "TRUST_PROXY",
        "MAX_PURCHASE_RATIO",
        "LEVERAGE",
        "MAX_LEVERAGE",
        "PAPER_BALANCE",
        "MAX_SLIPPAGE_PCT",
        "MAX_POSITION_USDT",
        "AUTH_FAIL_LIMIT",
    ):
        base.pop(name, None)
    full = {
        **base,
        "HOST": "127.0.0.1",
        "PORT": str(free_port()),
        "DATA_DIR": str(tmp_path / "data"),
        "PAPER_MARKET": "synthetic",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=full, capture_output=True, text=True, timeout=20, check=False
    )
    return done, time.monotonic() - started


PROCESS_CASES = [
    c
    for c in REFUSALS
    if c[0]
    in (
        "live-default-token",
        "demo-default-token",
        "live-15-char-token",
        "trusted-ips-prefix-33",
        "trust-proxy-word",
        "ratio-1.5",
        "leverage-above-max",
    )
]


@pytest.mark.parametrize(("env", "variable"), [c[1:] for c in PROCESS_CASES], ids=[c[0] for c in PROCESS_CASES])
def test_the_process_exits_at_once_with_one_line(env: dict[str, str], variable: str, tmp_path: Path) -> None:
    """``python app.py`` refuses to start: non-zero exit, no traceback, one output line naming the variable."""
    done, elapsed = run_app(env, tmp_path)
    output = (done.stdout + done.stderr).strip()
    assert done.returncode != 0, output
    assert "Traceback" not in output, output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    check_line(lines[0], variable)
    assert not (tmp_path / "data" / "journal.sqlite3").exists(), "a refused start must not open the journal"
    assert elapsed < 20


def test_the_process_refuses_a_nan_ratio_with_one_line(tmp_path: Path) -> None:
    """MAX_PURCHASE_RATIO=NaN stops ``python app.py`` with one line naming the variable, not a traceback."""
    done, _ = run_app({"MAX_PURCHASE_RATIO": "NaN"}, tmp_path)
    output = (done.stdout + done.stderr).strip()
    assert done.returncode != 0, output
    assert "Traceback" not in output and len(output.splitlines()) == 1, output
    check_line(output, "MAX_PURCHASE_RATIO")
