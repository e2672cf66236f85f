"""The replay tool through the running service (over HTTP) against the simulator.

The expected sequence comes from the twin; the test checks that the service turns every alert into
the position it asks for (opens, partial exits, closes, reversals) and that the summary's PnL is
the simulator's own.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from strategy import replay
from strategy.alerts import MessageContext
from strategy.bars import load_bars
from strategy.ledger import Ledger
from strategy.strategies import runner
from tests.strategy.conftest import START_BALANCE
from tests.strategy.pine import STRATEGY_DIR
from tests.support.service import TOKEN, SimControl

SAMPLE = STRATEGY_DIR / "samples" / "sample_bars.csv"
CASES = {
    "supertrend": (["stop_atr=3", "target_atr=4"], {"open", "close", "reversal"}),
    "mean_reversion": ([], {"open", "partial", "close", "exit"}),
}


def kind(before: Decimal, alert) -> str:
    """What an alert does to the position it meets."""
    if alert.action == "exit":
        return "exit"
    if alert.sentiment == "flat":
        return "close"
    wanted = 1 if alert.sentiment == "long" else -1
    if before * wanted > 0:
        return "partial"
    return "reversal" if before != 0 else "open"


def expected_sign(alert) -> int:
    return {"long": 1, "short": -1, "flat": 0}[alert.sentiment]


@pytest.mark.parametrize("strategy", sorted(CASES))
def test_replay_trades_every_alert_and_reports_the_simulators_pnl(
    strategy: str, sim: SimControl, service_url: str, tmp_path: Path
) -> None:
    settings, wanted_kinds = CASES[strategy]
    bars = load_bars(SAMPLE)
    alerts = runner(strategy, settings)(bars, MessageContext(token=TOKEN, ticker="BTCUSDT.P"))
    link = replay.ServiceLink(service_url, TOKEN, sim.base_url, timeout=20)
    summary, outcomes = replay.send_all(bars, alerts, link, "BTCUSDT", Decimal("0.0006"), "t1")

    assert [o.alert for o in outcomes] == alerts
    seen, ledger = set(), Ledger()
    for outcome in outcomes:
        ledger.apply_orders(outcome.exchange_fills)  # a preset stop or target the book move fired first
        before = ledger.position
        seen.add(kind(before, outcome.alert))
        if outcome.exchange_fills and before == 0 and expected_sign(outcome.alert) == 0:
            # The exchange's stop or target closed the position as the price got there; the strategy's
            # own exit then finds nothing to close, as it would on Bitget.
            assert outcome.status == "skipped", (outcome.alert.text(), outcome.record)
        else:
            assert outcome.status == "done", (outcome.alert.text(), outcome.reply, outcome.record)
        ledger.apply_orders(outcome.record["orders"])
        after = ledger.position
        sign = (after > 0) - (after < 0)
        assert sign == expected_sign(outcome.alert), outcome.alert.text()
        if kind(before, outcome.alert) == "partial":
            assert abs(after) < abs(before)
    assert wanted_kinds <= seen
    assert summary.sent == summary.accepted == len(alerts)

    state = sim.state()
    # the simulator shows its balance to 8 decimals
    assert Decimal(state["balance"]) - Decimal(START_BALANCE) == (summary.realized_pnl - summary.fees).quantize(
        Decimal("1e-8")
    )
    held = {p["side"]: Decimal(p["size"]) for p in state["positions"] if p["symbol"] == "BTCUSDT"}
    assert summary.position == held.get("long", Decimal(0)) - held.get("short", Decimal(0))
    assert summary.fills == sum(1 for o in sim.orders() if Decimal(o["filled"]) > 0)
    exchange_closes = sum(len(o.exchange_fills) for o in outcomes)
    print(f"\n[replay {strategy}] alerts={len(alerts)} fills={summary.fills} closed by the exchange's own "
          f"stop/target={exchange_closes} realized={summary.realized_pnl:.4f} fees={summary.fees:.4f}")
    assert summary.max_drawdown >= 0 and len(summary.equity) == len(bars)


def test_cli_prints_alerts_and_writes_the_page(sim: SimControl, service_url: str, tmp_path: Path, capsys) -> None:
    wide = ["--set", "stop_atr=3", "--set", "target_atr=4"]
    assert replay.main([str(SAMPLE), "--strategy", "supertrend", *wide]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed and all(line.startswith('{"token":"CHANGE-ME","action":') for line in printed)

    page = tmp_path / "equity.html"
    code = replay.main([
        str(SAMPLE), "--strategy", "supertrend", "--url", service_url, "--token", TOKEN,
        "--sim-url", sim.base_url, "--html", str(page), *wide,
    ])
    out = capsys.readouterr().out
    assert code == 0
    assert f"accepted: {len(printed)}" in out and "realized PnL (USDT)" in out and "max drawdown" in out
    html = page.read_text(encoding="utf-8")
    assert html.count("<svg") == 2 and "<script" not in html and "http" not in html.split("<svg")[0]


def test_cli_refuses_an_unknown_parameter(capsys) -> None:
    assert replay.main([str(SAMPLE), "--strategy", "supertrend", "--set", "stop=3"]) == 2
    assert "unknown parameter 'stop'" in capsys.readouterr().err
