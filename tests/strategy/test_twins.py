"""The twins: rules on hand-built bars, and the same messages as the Pine scripts' templates."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from strategy import ema_cross, mean_reversion_rsi, supertrend_breakout
from strategy.alerts import MessageContext
from strategy.bars import Bar, load_bars
from tests.strategy.pine import STRATEGY_DIR, templates, used_templates
from tests.strategy.test_indicators import flat_rise_fall

HOUR = 3_600_000
SAMPLE = STRATEGY_DIR / "samples" / "sample_bars.csv"


def constructed(loud_bars: set[int], *, base_volume: float = 100.0) -> list[Bar]:
    """The flat-rise-fall series (up flip on bar 36, down flip on bar 46) with volume bursts."""
    high, low, close = flat_rise_fall()
    return [
        Bar(i * HOUR, close[i - 1] if i else close[0], high[i], low[i], close[i],
            base_volume * (3 if i in loud_bars else 1))
        for i in range(len(close))
    ]


def kinds(alerts) -> list[tuple[int, str]]:
    return [(a.bar, a.name) for a in alerts]


def test_supertrend_flip_without_volume_is_not_traded() -> None:
    assert supertrend_breakout.run(constructed(set())) == []


def test_supertrend_flip_confirmed_by_volume_and_close_beyond_the_flip_level() -> None:
    """Bar 36 flips up with 3× volume and closes 107, beyond the broken line (106) by more than
    0.2 ATR: long at 107, stop 107 - 2 × 2 = 103, target 107 + 3 × 2 = 113. The fall reaches
    103 on bar 45 (low 103), before the down flip: the stop exit fires, at its level."""
    alerts = supertrend_breakout.run(constructed({36}))
    assert kinds(alerts) == [(36, "ST-Long"), (45, "ST-SLLong")]
    entry, stop = alerts
    assert (entry.action, entry.sentiment) == ("buy", "long")
    assert entry.fields["price"] == Decimal("107.0")
    assert entry.fields["stop_loss_price"] == Decimal("103.0")
    assert entry.fields["take_profit_price"] == Decimal("113.0")
    assert (stop.action, stop.sentiment, stop.fields["price"]) == ("sell", "flat", Decimal("103.0"))
    assert "time" not in stop.fields


def test_supertrend_confirmation_may_come_later_within_the_window() -> None:
    """Volume bursts on the bar after the flip (close 108): still inside the 3-bar window, so long
    at 108 with its stop at 104 (reached on bar 44). Three bars after the flip it is too late."""
    assert kinds(supertrend_breakout.run(constructed({37}))) == [(37, "ST-Long"), (44, "ST-SLLong")]
    assert supertrend_breakout.run(constructed({39}), supertrend_breakout.Params(confirm_bars=3)) == []


def test_supertrend_opposite_flip_closes_or_reverses() -> None:
    wide = supertrend_breakout.Params(stop_atr=6)  # stop 95: the down flip on bar 46 comes first
    assert kinds(supertrend_breakout.run(constructed({36}), wide)) == [(36, "ST-Long"), (46, "ST-FlipCloseLong")]
    reversal = supertrend_breakout.run(constructed({36, 46}), wide)
    # short at 103, target 103 - 3 × 2 = 97, reached by bar 51's low
    assert kinds(reversal) == [(36, "ST-Long"), (46, "ST-Short"), (51, "ST-TPShort")]
    assert (reversal[1].action, reversal[1].sentiment) == ("sell", "short")


def test_twins_are_deterministic_and_ids_never_collide() -> None:
    bars = load_bars(SAMPLE)
    for module in (ema_cross, mean_reversion_rsi, supertrend_breakout):
        first, second = module.run(bars), module.run(bars)
        assert [a.text() for a in first] == [a.text() for a in second]
        ids = [a.fields["id"] for a in first]
        assert len(ids) == len(set(ids)), module.__name__
        for alert in first:
            assert f"-{alert.action}-{alert.sentiment}-" in alert.fields["id"]


def _shape(message: str) -> tuple[str, str, str, tuple[str, ...]]:
    """(order name, action, sentiment, keys) of a message or template."""
    fields = json.loads(re.sub(r"<\w+>|\{\{close\}\}", "1", message))
    name = fields["id"].split(f"-{fields['action']}-{fields['sentiment']}-")[0]
    return name, fields["action"], fields["sentiment"], tuple(fields)


@pytest.mark.parametrize(
    ("script", "module", "params"),
    [
        ("ema_cross.pine", ema_cross, ema_cross.Params(direction="Both")),
        ("mean_reversion_rsi.pine", mean_reversion_rsi, mean_reversion_rsi.Params()),
        ("supertrend_breakout.pine", supertrend_breakout, supertrend_breakout.Params(stop_atr=3, target_atr=4)),
    ],
)
def test_twin_sends_what_the_script_sends(script: str, module, params) -> None:
    """Every alert of the twin on the sample has the name, action, sentiment and fields (in order) of
    one of the script's templates (exits without "time", as the script sends them in computed mode)."""
    shapes = {_shape(templates(script)[name]) for name in used_templates(script)}
    without_time = {(n, a, s, tuple(k for k in keys if k != "time")) for n, a, s, keys in shapes}
    alerts = module.run(load_bars(SAMPLE), params, MessageContext(token="t"))
    assert alerts
    for alert in alerts:
        shape = _shape(alert.text())
        assert shape in (shapes if "time" in alert.fields else without_time), alert.text()
