"""v3 hedge mode: side is the real direction, posSide the position (v2's close side is flipped)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.sim_client import Sim
from tests.support.sim_uta_client import V3, code


@pytest.fixture()
def hedge(uta_hedge: V3, sim: Sim) -> V3:
    sim.control("POST", "/sim/book", {"symbol": "ETHUSDT", "bids": [["3000.00", "10"]], "asks": [["3000.50", "10"]]})
    return uta_hedge


def test_open_both_sides_then_close_each_the_v3_way(hedge: V3, sim: Sim) -> None:
    long_open = hedge.placed(symbol="ETHUSDT", side="buy", posSide="long", orderType="market", qty="1")
    assert (long_open["side"], long_open["posSide"], long_open["reduceOnly"]) == ("buy", "long", "NO")
    assert long_open["holdMode"] == "hedge_mode" and long_open["avgPrice"] == "3000.5"
    hedge.ok(hedge.place(symbol="ETHUSDT", side="sell", posSide="short", orderType="market", qty="2"))
    legs = hedge.legs("ETHUSDT")
    assert (legs["long"]["total"], legs["short"]["total"]) == ("1", "2")
    assert legs["long"]["holdMode"] == "hedge_mode"

    # close long = SELL + posSide long (v2 said buy + close): it sells at the bid
    close_long = hedge.placed(symbol="ETHUSDT", side="sell", posSide="long", orderType="market", qty="1")
    assert (close_long["side"], close_long["posSide"]) == ("sell", "long")
    assert close_long["avgPrice"] == "3000" and close_long["reduceOnly"] == "NO"
    assert set(hedge.legs("ETHUSDT")) == {"short"}

    # close short = BUY + posSide short, a limit at the ask; larger than the leg: capped
    close_short = hedge.placed(
        symbol="ETHUSDT", side="buy", posSide="short", orderType="limit", price="3000.50", qty="5"
    )
    assert close_short["qty"] == "2" and close_short["orderStatus"] == "filled"
    assert (close_short["side"], close_short["posSide"]) == ("buy", "short")
    assert hedge.positions() is None

    fees = (Decimal("3000.5") + Decimal("3000") * 2 + Decimal("3000") + Decimal("3000.5") * 2) * Decimal("0.0006")
    assert Decimal(sim.state()["balance"]) == Decimal(10000) - fees - Decimal("1.5")
    # the control view shows v3 orders like any other: engine side + tradeSide, and the real direction
    mine = {o["orderId"]: o for o in sim.orders()}[close_long["orderId"]]
    assert (mine["side"], mine["tradeSide"], mine["direction"], mine["api"]) == ("buy", "close", "sell", "v3")


def test_buy_with_posside_long_always_opens(hedge: V3) -> None:
    """Porting v2's buy+close literally to v3 adds to the long instead of closing it."""
    hedge.ok(hedge.place(symbol="ETHUSDT", side="buy", posSide="long", orderType="market", qty="1"))
    hedge.ok(hedge.place(symbol="ETHUSDT", side="buy", posSide="long", orderType="market", qty="1"))
    assert hedge.legs("ETHUSDT")["long"]["total"] == "2"


def test_hedge_refusals(hedge: V3) -> None:
    base = {"symbol": "ETHUSDT", "orderType": "market", "qty": "1"}
    assert code(hedge.place(**base, side="buy")) == "25236"  # posSide is required
    assert code(hedge.place(**base, side="buy", posSide="long", reduceOnly="yes")) == "25236"  # that opens
    assert code(hedge.place(**base, side="sell", posSide="long")) == "25227"  # no long to close
    assert code(hedge.place(**base, side="buy", posSide="long", tradeSide="open")) == "25236"
    hedge.ok(hedge.place(**base, side="buy", posSide="long"))
    closed = hedge.placed(**base, side="sell", posSide="long", reduceOnly="yes")  # consistent: accepted
    assert closed["reduceOnly"] == "YES" and closed["orderStatus"] == "filled"
    assert code(hedge.place(**base, side="sell", posSide="long", stopLoss="3100.00")) == "25612"


def test_stop_loss_per_leg(hedge: V3, sim: Sim) -> None:
    base = {"symbol": "ETHUSDT", "orderType": "market", "qty": "1"}
    assert code(hedge.place(**base, side="sell", posSide="short", stopLoss="2900.00")) == "25592"
    hedge.ok(hedge.place(**base, side="sell", posSide="short", stopLoss="3100.00"))
    hedge.ok(hedge.place(**base, side="buy", posSide="long", stopLoss="2900.00"))
    stops = {p["side"]: p["stop_loss"] for p in sim.state()["positions"]}
    assert stops == {"short": "3100", "long": "2900"}


def test_close_positions_by_side_then_all(hedge: V3) -> None:
    base = {"symbol": "ETHUSDT", "orderType": "market", "qty": "1"}
    hedge.ok(hedge.place(**base, side="buy", posSide="long"))
    hedge.ok(hedge.place(**base, side="sell", posSide="short"))
    (item,) = hedge.ok(hedge.close_positions(symbol="ETHUSDT", posSide="long"))["list"]
    closed = hedge.order(orderId=item["orderId"])
    assert (closed["side"], closed["posSide"]) == ("sell", "long")
    assert set(hedge.legs("ETHUSDT")) == {"short"}
    hedge.ok(hedge.place(**base, side="buy", posSide="long"))
    assert len(hedge.ok(hedge.close_positions())["list"]) == 2
    assert hedge.positions() is None


def test_hold_mode_round_trip(hedge: V3) -> None:
    api = hedge.api
    assert api.ok(api.post("/api/v3/account/set-hold-mode", {"holdMode": "one_way_mode"})) == "success"
    base = {"symbol": "ETHUSDT", "orderType": "market", "qty": "1"}
    assert code(hedge.place(**base, side="buy", posSide="long")) == "25236"
    hedge.ok(hedge.place(**base, side="buy"))
