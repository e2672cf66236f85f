"""One-way mode: opening, closing, reduce-only caps, validation codes and the money they move."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.sim_client import PRODUCT, Sim

BOOK = {
    "symbol": "BTCUSDT",
    "bids": [["50000", "1"], ["49990", "1"]],
    "asks": [["50010", "1"], ["50020", "1"]],
}


@pytest.fixture()
def btc(sim: Sim) -> Sim:
    sim.control("POST", "/sim/book", BOOK)
    return sim


def _code(resp) -> str:  # type: ignore[no-untyped-def]
    payload = resp.json()
    if payload["code"] != "00000":
        assert resp.status_code == 400 and payload["data"] is None
    return payload["code"]


def test_market_open_then_reduce_only_close_moves_balance_by_pnl_and_fees(btc: Sim) -> None:
    api = btc.api
    ack = api.ok(api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.1", clientOid="open-1"))
    assert ack["clientOid"] == "open-1" and ack["orderId"].isdigit()
    order = api.detail("BTCUSDT", orderId=ack["orderId"])
    assert order["state"] == "filled" and order["baseVolume"] == "0.1" and order["priceAvg"] == "50010"
    assert order["fee"] == "-3.0006" and order["posSide"] == "net" and order["reduceOnly"] == "NO"
    (pos,) = api.positions("BTCUSDT")
    assert (pos["holdSide"], pos["total"], pos["available"], pos["openPriceAvg"]) == (
        "long",
        "0.1",
        "0.1",
        "50010",
    )
    assert pos["marginSize"] == "500.1" and pos["posMode"] == "one_way_mode"
    account = api.account()
    assert Decimal(account["available"]) == Decimal("10000") - Decimal("3.0006") - Decimal("500.1")

    close = api.place(
        symbol="BTCUSDT",
        side="sell",
        orderType="limit",
        price="50000",
        size="0.1",
        reduceOnly="YES",
        clientOid="close-1",
    )
    api.ok(close)
    closed = api.detail("BTCUSDT", clientOid="close-1")
    assert closed["state"] == "filled" and closed["reduceOnly"] == "YES"
    assert closed["totalProfits"] == "-1" and closed["fee"] == "-3"
    assert api.positions("BTCUSDT") == []
    state = btc.state()
    assert Decimal(state["balance"]) == Decimal("10000") - Decimal("3.0006") - Decimal("3") - Decimal("1")
    assert state["available"] == state["balance"]


def test_reduce_only_is_capped_to_the_position_and_never_flips(btc: Sim) -> None:
    api = btc.api
    api.ok(api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.2"))
    ack = api.ok(api.place(symbol="BTCUSDT", side="sell", orderType="market", size="0.5", reduceOnly="YES"))
    order = api.detail("BTCUSDT", orderId=ack["orderId"])
    assert order["size"] == "0.2" and order["baseVolume"] == "0.2" and order["state"] == "filled"
    assert api.positions("BTCUSDT") == []


def test_nothing_to_close_is_22002(btc: Sim) -> None:
    api = btc.api
    assert (
        _code(api.place(symbol="BTCUSDT", side="sell", orderType="market", size="0.1", reduceOnly="YES"))
        == "22002"
    )
    api.ok(api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.1"))
    # a reduce-only buy cannot reduce a long
    assert (
        _code(api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.1", reduceOnly="YES"))
        == "22002"
    )
    # a resting reduce-only order reserves the position; a second one finds nothing left
    api.ok(
        api.place(
            symbol="BTCUSDT", side="sell", orderType="limit", price="51000", size="0.1", reduceOnly="YES"
        )
    )
    (pos,) = api.positions("BTCUSDT")
    assert (pos["available"], pos["locked"]) == ("0", "0.1")
    assert (
        _code(api.place(symbol="BTCUSDT", side="sell", orderType="market", size="0.1", reduceOnly="YES"))
        == "22002"
    )


def test_plain_opposite_order_nets_and_flips_in_one_way_mode(btc: Sim) -> None:
    api = btc.api
    btc.control(
        "POST", "/sim/book", {"symbol": "BTCUSDT", "bids": [["50000", "5"]], "asks": [["50010", "5"]]}
    )
    api.ok(api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.1"))
    api.ok(api.place(symbol="BTCUSDT", side="sell", orderType="market", size="0.3"))
    (pos,) = api.positions("BTCUSDT")
    assert (pos["holdSide"], pos["total"], pos["openPriceAvg"]) == ("short", "0.2", "50000")


def test_limit_order_rests_and_freezes_margin(btc: Sim) -> None:
    api = btc.api
    ack = api.ok(api.place(symbol="BTCUSDT", side="buy", orderType="limit", price="49000", size="0.1"))
    assert api.detail("BTCUSDT", orderId=ack["orderId"])["state"] == "live"
    account = api.account()
    assert account["locked"] == "490" and account["available"] == "9510"
    pending = api.ok(
        api.get("/api/v2/mix/order/orders-pending", {"productType": PRODUCT, "symbol": "BTCUSDT"})
    )
    (item,) = pending["entrustedList"]
    assert item["status"] == "live" and item["orderId"] == ack["orderId"] and "state" not in item
    # the book comes down to the order: it fills as a maker at its level price
    btc.control(
        "POST", "/sim/book", {"symbol": "BTCUSDT", "bids": [["48900", "1"]], "asks": [["48990", "1"]]}
    )
    filled = api.detail("BTCUSDT", orderId=ack["orderId"])
    assert filled["state"] == "filled" and filled["priceAvg"] == "48990"
    assert Decimal(filled["fee"]) == -Decimal("48990") * Decimal("0.1") * Decimal("0.0002")  # maker fee
    empty = api.ok(api.get("/api/v2/mix/order/orders-pending", {"productType": PRODUCT}))
    assert empty["entrustedList"] is None
    history = api.ok(api.get("/api/v2/mix/order/orders-history", {"productType": PRODUCT}))
    assert [o["status"] for o in history["entrustedList"]] == ["filled"]


def test_limit_order_takes_what_the_book_offers_and_rests_the_rest(btc: Sim) -> None:
    api = btc.api
    ack = api.ok(api.place(symbol="BTCUSDT", side="buy", orderType="limit", price="50010", size="1.5"))
    order = api.detail("BTCUSDT", orderId=ack["orderId"])
    assert order["state"] == "partially_filled" and order["baseVolume"] == "1"
    depth = api.ok(api.get("/api/v2/mix/market/merge-depth", {"symbol": "BTCUSDT", "productType": PRODUCT}))
    assert depth["asks"] == [[50020, 1]]  # the 50010 level was taken


def test_market_order_walks_the_book_and_fills_past_its_end(btc: Sim) -> None:
    api = btc.api
    btc.control("POST", "/sim/balance", {"balance": "100000"})
    ack = api.ok(api.place(symbol="BTCUSDT", side="buy", orderType="market", size="3"))
    order = api.detail("BTCUSDT", orderId=ack["orderId"])
    assert order["state"] == "filled" and order["baseVolume"] == "3"
    # 1 @ 50010, 1 @ 50020, and the last 1 at the last level's price
    assert Decimal(order["quoteVolume"]) == Decimal("50010") + Decimal("50020") * 2


def test_market_orders_fill_even_when_limit_fills_are_off(btc: Sim) -> None:
    btc.control("POST", "/sim/fill-mode", {"mode": "none"})
    api = btc.api
    ack = api.ok(api.place(symbol="BTCUSDT", side="sell", orderType="market", size="0.1"))
    assert api.detail("BTCUSDT", orderId=ack["orderId"])["state"] == "filled"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"size": "0.00015"}, "40808"),  # more decimals than volumePlace
        ({"size": "0"}, "40808"),
        ({"size": "1e30"}, "40808"),  # too large to be a whole number of steps
        ({"size": "-1"}, "40808"),
        ({"price": "50000.05"}, "41103"),  # off the 0.1 tick
        ({"size": "abc"}, "40017"),
        ({"side": "long"}, "40017"),
        ({"orderType": "stop"}, "40017"),
        ({"marginCoin": "USDC"}, "40017"),
        ({"productType": "COIN-FUTURES"}, "40017"),
        ({"symbol": "NOPEUSDT"}, "40102"),
        ({"tradeSide": "open"}, "40774"),  # tradeSide in one-way mode
        ({"size": "2"}, "40762"),  # 2 x 50000 / 10 = 10000 margin + fee > 10000
        ({"symbol": ""}, "40019"),
        ({"price": ""}, "40019"),  # a limit order needs its price
    ],
)
def test_order_validation_codes(btc: Sim, fields: dict, code: str) -> None:
    body = {
        "symbol": "BTCUSDT",
        "side": "buy",
        "orderType": "limit",
        "price": "50000",
        "size": "0.1",
        **fields,
    }
    assert _code(btc.api.place(**body)) == code
    assert btc.orders() == []


def test_minimum_notional_is_45110(sim: Sim) -> None:
    api = sim.api
    resp = api.place(symbol="XRPUSDT", side="buy", orderType="limit", price="0.6000", size="5")
    assert _code(resp) == "45110"  # 5 x 0.6 = 3 USDT < 5 USDT
    api.ok(api.place(symbol="XRPUSDT", side="buy", orderType="limit", price="0.6000", size="9"))


def test_insufficient_balance_counts_fees_and_frozen_margin(btc: Sim) -> None:
    api = btc.api
    btc.control("POST", "/sim/balance", {"balance": "1000"})
    # 0.2 x 50000 / 10 = 1000 margin, plus the taker fee: too much
    assert (
        _code(api.place(symbol="BTCUSDT", side="buy", orderType="limit", price="50000", size="0.2"))
        == "40762"
    )
    api.ok(
        api.place(symbol="BTCUSDT", side="buy", orderType="limit", price="40000", size="0.2")
    )  # 800 frozen
    assert (
        _code(api.place(symbol="BTCUSDT", side="buy", orderType="limit", price="40000", size="0.1"))
        == "40762"
    )


def test_duplicate_client_oid_is_43118_even_after_the_first_is_done(btc: Sim) -> None:
    api = btc.api
    api.ok(api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.1", clientOid="dup-1"))
    resp = api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.1", clientOid="dup-1")
    assert _code(resp) == "43118"
    assert len(btc.orders()) == 1


def test_stop_loss_preset_is_kept_and_set_on_the_position(btc: Sim) -> None:
    api = btc.api
    ack = api.ok(
        api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.1", presetStopLossPrice="48000")
    )
    assert api.detail("BTCUSDT", orderId=ack["orderId"])["presetStopLossPrice"] == "48000"
    (pos,) = btc.state()["positions"]
    assert pos["stop_loss"] == "48000" and pos["side"] == "long"
    assert btc.orders()[0]["presetStopLossPrice"] == "48000"


def test_stop_loss_on_the_wrong_side_is_refused(btc: Sim) -> None:
    api = btc.api
    long_bad = api.place(
        symbol="BTCUSDT", side="buy", orderType="market", size="0.1", presetStopLossPrice="51000"
    )
    assert _code(long_bad) == "40917"
    short_bad = api.place(
        symbol="BTCUSDT",
        side="sell",
        orderType="limit",
        price="50000",
        size="0.1",
        presetStopLossPrice="49000",
    )
    assert _code(short_bad) == "45122"
    short_ok = api.place(
        symbol="BTCUSDT",
        side="sell",
        orderType="limit",
        price="50000",
        size="0.1",
        presetStopLossPrice="52000",
    )
    api.ok(short_ok)
    assert btc.state()["positions"][0]["stop_loss"] == "52000"


def test_leverage_changes_margin(btc: Sim) -> None:
    api = btc.api
    body = {"symbol": "BTCUSDT", "productType": PRODUCT, "marginCoin": "USDT", "leverage": "20"}
    assert api.ok(api.post("/api/v2/mix/account/set-leverage", body))["longLeverage"] == "20"
    api.ok(api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.1"))
    (pos,) = api.positions("BTCUSDT")
    assert pos["leverage"] == "20" and pos["marginSize"] == "250.05"
    assert api.account()["crossedMarginLeverage"] == "20"
    too_high = api.post("/api/v2/mix/account/set-leverage", {**body, "leverage": "500"})
    assert _code(too_high) == "40017"


def test_flash_close_closes_at_market(btc: Sim) -> None:
    api = btc.api
    api.ok(api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.1"))
    data = api.ok(
        api.post("/api/v2/mix/order/close-positions", {"productType": PRODUCT, "symbol": "BTCUSDT"})
    )
    (done,) = data["successList"]
    assert data["failureList"] == [] and set(done) == {"orderId", "clientOid"}  # as Bitget's example
    assert api.positions("BTCUSDT") == []
    order = api.detail("BTCUSDT", orderId=done["orderId"])
    assert order["side"] == "sell" and order["reduceOnly"] == "YES" and order["state"] == "filled"
    again = api.post("/api/v2/mix/order/close-positions", {"productType": PRODUCT, "symbol": "BTCUSDT"})
    assert _code(again) == "22002"


def test_sim_orders_lists_every_accepted_order(btc: Sim) -> None:
    api = btc.api
    api.ok(
        api.place(symbol="BTCUSDT", side="buy", orderType="limit", price="49000", size="0.1", clientOid="a")
    )
    api.place(symbol="BTCUSDT", side="buy", orderType="limit", price="49000.05", size="0.1", clientOid="b")
    (only,) = btc.orders()
    assert only["clientOid"] == "a" and only["state"] == "live" and only["price"] == "49000"
    assert only["size"] == "0.1" and only["filled"] == "0" and only["reduceOnly"] is False
