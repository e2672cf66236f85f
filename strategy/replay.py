"""Replay bars through a strategy's twin: print its alerts, or send them to a running service.

    python -m strategy.replay bars.csv --strategy supertrend
    python -m strategy.replay bars.csv --strategy supertrend --url http://127.0.0.1:8080 --token T \
        [--sim-url http://127.0.0.1:PORT] [--html equity.html]

Sending, each alert goes out in bar order with ``time`` set to the moment it is sent (the service
refuses stale alerts) and the run's tag appended to its ``id`` (a second replay is not a
duplicate of the first); the next alert waits until the service has finished this one. With
``--sim-url`` the simulator's book is first moved to the alert's price, so orders fill at the
strategy's prices. The summary is computed from the orders the service reports.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from tqdm import tqdm

from strategy.alerts import Alert, MessageContext
from strategy.bars import Bar, BarsError, load_bars
from strategy.chart import Marker, write_html
from strategy.ledger import TAKER_FEE_RATE, Ledger, max_drawdown
from strategy.strategies import ALIASES, MODULES, runner

TERMINAL = {"done", "skipped", "failed", "rejected", "expired", "duplicate", "refused"}
PROGRESS_FROM_BARS = 300


@dataclass
class Outcome:
    """What became of one sent alert."""

    alert: Alert
    http_status: int
    reply: dict[str, Any]
    record: dict[str, Any] | None = None
    exchange_fills: list[dict[str, Any]] = field(default_factory=list)  # stops/targets that fired just before

    @property
    def status(self) -> str:
        if self.record is not None:
            return str(self.record.get("status"))
        return str(self.reply.get("status") or self.reply.get("code") or self.http_status)


@dataclass
class Summary:
    """The replay's figures: what was sent and accepted, and what the fills made."""

    alerts: int = 0
    sent: int = 0
    accepted: int = 0
    statuses: Counter = field(default_factory=Counter)
    fills: int = 0
    round_trips: int = 0
    fees: Decimal = Decimal(0)
    realized_pnl: Decimal = Decimal(0)
    net_pnl: Decimal = Decimal(0)
    max_drawdown: Decimal = Decimal(0)
    position: Decimal = Decimal(0)
    equity: list[Decimal] = field(default_factory=list)

    def rows(self) -> list[tuple[str, str]]:
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items())) or "-"
        return [
            ("alerts", str(self.alerts)),
            ("sent", str(self.sent)),
            ("accepted", str(self.accepted)),
            ("outcomes", statuses),
            ("fills", str(self.fills)),
            ("round trips", str(self.round_trips)),
            ("fees (USDT)", f"{self.fees:.4f}"),
            ("realized PnL (USDT)", f"{self.realized_pnl:.4f}"),
            ("net PnL incl. fees and open position (USDT)", f"{self.net_pnl:.4f}"),
            ("max drawdown (USDT)", f"{self.max_drawdown:.4f}"),
            ("open position at the end", f"{self.position}"),
        ]


class ServiceLink:
    """The service's webhook and signal-status routes, plus the simulator's book control."""

    def __init__(self, url: str, token: str, sim_url: str | None = None, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.sim_url = sim_url.rstrip("/") if sim_url else None
        self.timeout = timeout
        self.http = requests.Session()

    def move_book(self, symbol: str, price: Decimal) -> None:
        if self.sim_url:
            reply = self.http.post(f"{self.sim_url}/sim/book", json={"symbol": symbol, "price": str(price)}, timeout=5)
            reply.raise_for_status()

    def triggered_fills(self, symbol: str, seen: set[str]) -> list[dict[str, Any]]:
        """Fills the exchange made on its own (a preset stop or target, a trailing stop) not seen yet.

        They are read from the simulator's control API (only with ``--sim-url``) and returned in the
        service's order-row form, so the ledger counts them like the service's own orders.
        """
        if not self.sim_url:
            return []
        reply = self.http.get(f"{self.sim_url}/sim/orders", timeout=5)
        reply.raise_for_status()
        rows = []
        for order in reply.json()["orders"]:
            if not order.get("triggeredBy") or order["symbol"] != symbol or order["orderId"] in seen:
                continue
            seen.add(order["orderId"])
            leg = order["posSide"] if order["posSide"] in ("long", "short") else None
            side = leg or ("long" if order["side"] == "sell" else "short")  # a close sells a long
            row = {"position_side": side, "reduce": True, "filled": order["filled"], "avg_price": order["avgPrice"]}
            rows.append(row)
        return rows

    def send(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        body = {key: str(value) if isinstance(value, Decimal) else value for key, value in payload.items()}
        reply = self.http.post(f"{self.url}/api/webhook", json=body, timeout=10)
        try:
            return reply.status_code, reply.json()
        except ValueError:
            return reply.status_code, {"error": reply.text[:200]}

    def wait(self, signal_id: str) -> dict[str, Any]:
        """Poll the signal until it reaches a final status (or the timeout: the last record seen)."""
        deadline = time.monotonic() + self.timeout
        record: dict[str, Any] = {}
        while time.monotonic() < deadline:
            reply = self.http.get(
                f"{self.url}/api/signals/{signal_id}", headers={"X-Webhook-Token": self.token}, timeout=10
            )
            record = reply.json()
            if record.get("status") in TERMINAL:
                return record
            time.sleep(0.05)
        return record


def symbol_of(ticker: str) -> str:
    """The exchange symbol for the simulator's book: no exchange prefix, no ``.P`` suffix."""
    return ticker.split(":")[-1].upper().removesuffix(".P")


def send_all(
    bars: list[Bar], alerts: list[Alert], link: ServiceLink, symbol: str, fee_rate: Decimal, run_tag: str
) -> tuple[Summary, list[Outcome]]:
    """Send every alert in bar order, each after the previous one finished; mark equity at each close."""
    ledger, summary, outcomes = Ledger(fee_rate=fee_rate), Summary(alerts=len(alerts)), []
    triggered: set[str] = set()
    by_bar: dict[int, list[Alert]] = {}
    for alert in alerts:
        by_bar.setdefault(alert.bar, []).append(alert)
    disable = True if len(bars) < PROGRESS_FROM_BARS else None
    for i, bar in enumerate(tqdm(bars, desc="bars", unit="bar", disable=disable, file=sys.stderr)):
        for alert in by_bar.get(i, []):
            link.move_book(symbol, alert.fields["price"])
            fired = link.triggered_fills(symbol, triggered)  # the exchange's own stop or target, if it fired
            ledger.apply_orders(fired)
            payload = alert.payload(time=int(time.time() * 1000), id=f"{alert.fields['id']}-{run_tag}")
            status, reply = link.send(payload)
            summary.sent += 1
            outcome = Outcome(alert, status, reply, exchange_fills=fired)
            if status == 200 and reply.get("status") == "accepted":
                summary.accepted += 1
                outcome.record = link.wait(reply["signal_id"])
                ledger.apply_orders(outcome.record.get("orders", []))
            summary.statuses[outcome.status] += 1
            outcomes.append(outcome)
        summary.equity.append(ledger.net(Decimal(repr(bar.close))))
    summary.fills, summary.round_trips, summary.position = ledger.fills, ledger.round_trips, ledger.position
    summary.fees, summary.realized_pnl = ledger.fees, ledger.realized
    summary.net_pnl = summary.equity[-1] if summary.equity else Decimal(0)
    summary.max_drawdown = max_drawdown(summary.equity)
    return summary, outcomes


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m strategy.replay", description=__doc__.split("\n\n")[0])
    parser.add_argument("bars", help="CSV with time, open, high, low, close, volume (oldest first)")
    parser.add_argument("--strategy", required=True, choices=sorted([*MODULES, *ALIASES]))
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                        help="change a strategy parameter (repeatable), e.g. --set stop_atr=3")
    parser.add_argument("--ticker", default="BTCUSDT.P", help="ticker sent in the alerts (default BTCUSDT.P)")
    parser.add_argument("--tick", default="0.1", help="price tick the alert prices are rounded to (default 0.1)")
    parser.add_argument("--token", default="CHANGE-ME", help="webhook token (WEBHOOK_EXPECTED_TOKEN)")
    parser.add_argument("--url", help="send the alerts to the service at this address")
    parser.add_argument("--sim-url", help="simulator address: move its book to each alert's price first")
    parser.add_argument("--fee-rate", default=str(TAKER_FEE_RATE), help="fee per fill value (default 0.0006)")
    parser.add_argument("--html", default="replay.html", help="equity-curve page to write (default replay.html)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for each signal")
    parser.add_argument("--tag", default=None, help="suffix for the ids (default: the start time)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        bars = load_bars(args.bars)
        run = runner(args.strategy, args.settings)
    except (BarsError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    ctx = MessageContext(token=args.token, ticker=args.ticker, tick=Decimal(args.tick))
    alerts = run(bars, ctx)
    if not args.url:
        for alert in alerts:
            print(alert.text())
        print(f"{len(alerts)} alerts from {len(bars)} bars", file=sys.stderr)
        return 0
    link = ServiceLink(args.url, args.token, args.sim_url, args.timeout)
    tag = args.tag or time.strftime("%Y%m%dT%H%M%S")
    try:
        summary, outcomes = send_all(bars, alerts, link, symbol_of(args.ticker), Decimal(args.fee_rate), tag)
    except requests.RequestException as exc:
        print(f"error: cannot reach {exc.request.url if exc.request else args.url}: {exc}", file=sys.stderr)
        return 1
    for outcome in outcomes:
        if outcome.status not in ("done", "skipped"):
            reason = (outcome.record or {}).get("reason") or outcome.reply.get("error") or ""
            print(f"bar {outcome.alert.bar} {outcome.alert.name}: {outcome.status} {reason}", file=sys.stderr)
    for key, value in summary.rows():
        print(f"{key:>44}: {value}")
    markers = [
        Marker(o.alert.bar, float(o.alert.fields["price"]), o.alert.action, f"{o.alert.name}: {o.status}")
        for o in outcomes
    ]
    page = write_html(
        args.html, f"{args.strategy} replay of {Path(args.bars).name}", [b.time for b in bars],
        [b.close for b in bars], [float(v) for v in summary.equity], markers, summary.rows(),
    )
    print(f"{'equity curve':>44}: {page}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
