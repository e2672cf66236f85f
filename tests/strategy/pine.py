"""Reads the message templates out of the Pine scripts and fills them as the script and TradingView would."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

STRATEGY_DIR = Path(__file__).resolve().parents[2] / "strategy"
SCRIPTS = ("ema_cross.pine", "mean_reversion_rsi.pine", "supertrend_breakout.pine")
_TEMPLATE = re.compile(r"^string\s+(MSG_\w+)\s*=\s*'(.*)'\s*$", re.MULTILINE)
_USE = re.compile(r"\balert_(message|loss|profit)\s*=\s*(\w+)\((\w+)")
_ANY_USE = re.compile(r"\balert_(message|loss|profit)\s*=")


def templates(script: str) -> dict[str, str]:
    """Template name → template text, as written in the script."""
    return dict(_TEMPLATE.findall((STRATEGY_DIR / script).read_text(encoding="utf-8")))


def used_templates(script: str) -> list[str]:
    """The template behind every ``alert_message`` / ``alert_loss`` / ``alert_profit`` argument.

    Fails when one of them is not ``makeMsg(<template>, ...)`` of a template defined in the script,
    so no alert can escape the checks.
    """
    text = (STRATEGY_DIR / script).read_text(encoding="utf-8")
    uses = _USE.findall(text)
    assert len(uses) == len(_ANY_USE.findall(text)), f"{script}: an alert argument is not makeMsg(<template>, ...)"
    defined = templates(script)
    names = []
    for _, function, name in uses:
        assert function == "makeMsg" and name in defined, f"{script}: {function}({name}) is not a known template"
        names.append(name)
    return names


def fill(template: str, *, token: str, ticker: str, close: str, sl: str, tp: str, pct: str, placeholders: bool) -> str:
    """The message as sent: the script's own markers first, then TradingView's placeholders.

    ``placeholders=False`` is the script's default (it writes the time itself); ``True`` leaves
    ``{{timenow}}`` for TradingView, which this then fills the way TradingView does.
    """
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = template.replace("<token>", token).replace("<sl>", sl).replace("<tp>", tp).replace("<pct>", pct)
    text = text.replace("{{ticker}}", ticker).replace("{{close}}", close)
    assert "<" not in text, f"unfilled script marker in {text}"
    if placeholders:
        assert "{{timenow}}" in text
    return text.replace("{{timenow}}", now)
