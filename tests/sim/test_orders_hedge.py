"""Hedge mode: side names the position, tradeSide says open or close."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.sim_client import PRODUCT, Sim


@pytest.fixture()
def hedge(sim: Sim) -> Sim:
    sim.control("POST", "/sim/reset", {"position_mode": "hedge_mode"})
    sim.control(
        "POST", "/sim/book", {"symbol": "ETHUSDT", "bids": [["3000.00", "10"]], "asks": [["3000.50", "10"]]}
    )
    return sim


def _legs(sim: Sim) -> dict[str, dict]:
    return {p["holdSide"]: p for p in sim.api.positions("ETHUSDT")}


def test_open_long_and_short_then_close_each(hedge: Sim) -> None:
    api = hedge.api
    api.ok(api.place(symbol="ETHUSDT", side="buy", tradeSide="open", orderType="market", size="1"))
    api.ok(api.place(symbol="ETHUSDT", side="sell", tradeSide="open", orderType="market", size="2"))
    legs = _legs(hedge)
    assert (legs["long"]["total"], legs["long"]["openPriceAvg"]) == ("1", "3000.5")
    assert (legs["short"]["total"], legs["short"]["openPriceAvg"]) == ("2", "3000")
    assert legs["long"]["posMode"] == "hedge_mode"

    # close long = side buy + tradeSide close: it SELLS at the bid
    ack = api.ok(api.place(symbol="ETHUSDT", side="buy", tradeSide="close", orderType="market", size="1"))
    order = api.detail("ETHUSDT", orderId=ack["orderId"])
    assert order["priceAvg"] == "3000" and order["tradeSide"] == "close" and order["posSide"] == "long"
    assert order["totalProfits"] == "-0.5"
    assert set(_legs(hedge)) == {"short"}

    # close short = side sell + tradeSide close: it BUYS at the ask; capped to the leg
    ack = api.ok(
        api.place(
            symbol="ETHUSDT", side="sell", tradeSide="close", orderType="limit", price="3000.50", size="5"
        )
    )
    order = api.detail("ETHUSDT", orderId=ack["orderId"])
    assert order["size"] == "2" and order["state"] == "filled" and order["priceAvg"] == "3000.5"
    assert order["totalProfits"] == "-1"
    assert _legs(hedge) == {}
    fees = (
        Decimal("3000.5") * 1 + Decimal("3000") * 2 + Decimal("3000") * 1 + Decimal("3000.5") * 2
    ) * Decimal("0.0006")
    assert Decimal(hedge.state()["balance"]) == Decimal("10000") - fees - Decimal("1.5")


def test_tradeside_is_required_in_hedge_mode(hedge: Sim) -> None:
    resp = hedge.api.place(symbol="ETHUSDT", side="buy", orderType="market", size="1")
    assert resp.status_code == 400 and resp.json()["code"] == "40774"


def test_reduce_only_flag_is_ignored_in_hedge_mode(hedge: Sim) -> None:
    api = hedge.api
    api.ok(
        api.place(
            symbol="ETHUSDT", side="buy", tradeSide="open", orderType="market", size="1", reduceOnly="YES"
        )
    )
    assert _legs(hedge)["long"]["total"] == "1"


def test_close_without_the_leg_is_22002(hedge: Sim) -> None:
    api = hedge.api
    api.ok(api.place(symbol="ETHUSDT", side="sell", tradeSide="open", orderType="market", size="1"))
    resp = api.place(symbol="ETHUSDT", side="buy", tradeSide="close", orderType="market", size="1")
    assert resp.json()["code"] == "22002"


def test_stop_loss_per_leg(hedge: Sim) -> None:
    api = hedge.api
    bad = api.place(
        symbol="ETHUSDT",
        side="sell",
        tradeSide="open",
        orderType="market",
        size="1",
        presetStopLossPrice="2900.00",
    )
    assert bad.json()["code"] == "45122"
    api.ok(
        api.place(
            symbol="ETHUSDT",
            side="sell",
            tradeSide="open",
            orderType="market",
            size="1",
            presetStopLossPrice="3100.00",
        )
    )
    api.ok(
        api.place(
            symbol="ETHUSDT",
            side="buy",
            tradeSide="open",
            orderType="market",
            size="1",
            presetStopLossPrice="2900.00",
        )
    )
    stops = {p["side"]: p["stop_loss"] for p in hedge.state()["positions"]}
    assert stops == {"short": "3100", "long": "2900"}


def test_flash_close_one_side_or_both(hedge: Sim) -> None:
    api = hedge.api
    api.ok(api.place(symbol="ETHUSDT", side="buy", tradeSide="open", orderType="market", size="1"))
    api.ok(api.place(symbol="ETHUSDT", side="sell", tradeSide="open", orderType="market", size="1"))
    body = {"productType": PRODUCT, "symbol": "ETHUSDT", "holdSide": "long"}
    api.ok(api.post("/api/v2/mix/order/close-positions", body))
    assert set(_legs(hedge)) == {"short"}
    api.ok(api.place(symbol="ETHUSDT", side="buy", tradeSide="open", orderType="market", size="1"))
    data = api.ok(
        api.post("/api/v2/mix/order/close-positions", {"productType": PRODUCT, "symbol": "ETHUSDT"})
    )
    assert len(data["successList"]) == 2 and _legs(hedge) == {}


def test_position_mode_switch_refused_while_busy(sim: Sim) -> None:
    api = sim.api
    body = {"productType": PRODUCT, "posMode": "hedge_mode"}
    api.ok(api.place(symbol="ETHUSDT", side="buy", orderType="limit", price="1000.00", size="1"))
    resp = api.post("/api/v2/mix/account/set-position-mode", body)
    assert resp.status_code == 400 and resp.json()["code"] == "40920"
    (order,) = sim.orders()
    api.ok(
        api.post(
            "/api/v2/mix/order/cancel-order",
            {"symbol": "ETHUSDT", "productType": PRODUCT, "orderId": order["orderId"]},
        )
    )
    assert api.ok(api.post("/api/v2/mix/account/set-position-mode", body)) == {"posMode": "hedge_mode"}
    assert api.account("ETHUSDT")["posMode"] == "hedge_mode"
    api.ok(api.place(symbol="ETHUSDT", side="buy", tradeSide="open", orderType="market", size="1"))
    body = {"productType": PRODUCT, "posMode": "one_way_mode"}
    assert api.post("/api/v2/mix/account/set-position-mode", body).json()["code"] == "40920"


def test_margin_mode_switch(sim: Sim) -> None:
    api = sim.api
    body = {"symbol": "ETHUSDT", "productType": PRODUCT, "marginCoin": "USDT", "marginMode": "isolated"}
    assert api.ok(api.post("/api/v2/mix/account/set-margin-mode", body))["marginMode"] == "isolated"
    assert api.account("ETHUSDT")["marginMode"] == "isolated"
    api.ok(api.place(symbol="ETHUSDT", side="buy", orderType="market", size="1"))
    back = api.post("/api/v2/mix/account/set-margin-mode", {**body, "marginMode": "crossed"})
    assert back.json()["code"] == "45117"
