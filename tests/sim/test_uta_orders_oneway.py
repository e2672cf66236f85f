"""v3 orders in one-way mode: place, look up, cancel, reduce-only closes and every refusal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.sim_client import Sim
from tests.support.sim_uta_client import V3, code


@pytest.fixture()
def eth(uta: V3, sim: Sim) -> V3:
    sim.control("POST", "/sim/book", {"symbol": "ETHUSDT", "bids": [["3000.00", "10"]], "asks": [["3000.50", "10"]]})
    return uta


def test_resting_order_lookup_cancel_and_lists(eth: V3) -> None:
    assert eth.unfilled() == {"list": None, "cursor": ""}
    assert eth.history() == {"list": None, "cursor": ""}
    ack = eth.ok(eth.place(symbol="ETHUSDT", side="buy", orderType="limit", price="2900.00", qty="1", clientOid="r-1"))
    assert ack["clientOid"] == "r-1" and ack["orderId"]
    order = eth.order(clientOid="r-1")
    assert order == eth.order(orderId=ack["orderId"])
    expected = {
        "orderId": ack["orderId"],
        "clientOid": "r-1",
        "category": "USDT-FUTURES",
        "symbol": "ETHUSDT",
        "orderType": "limit",
        "side": "buy",
        "price": "2900",
        "qty": "1",
        "cumExecQty": "0",
        "avgPrice": "0",
        "timeInForce": "gtc",
        "orderStatus": "live",
        "posSide": "long",
        "holdMode": "one_way_mode",
        "reduceOnly": "NO",
        "marginMode": "crossed",
        "feeDetail": [{"feeCoin": "", "fee": ""}],
        "stopLoss": None,
    }
    assert {k: order[k] for k in expected} == expected
    assert "tradeSide" not in order  # Bitget's v3 rows carry none
    assert isinstance(order["createdTime"], str) and order["createdTime"].isdigit()
    (row,) = eth.unfilled(symbol="ETHUSDT")["list"]
    assert row["orderId"] == ack["orderId"]

    assert eth.ok(eth.cancel(clientOid="r-1")) == {"orderId": ack["orderId"], "clientOid": "r-1"}
    order = eth.order(orderId=ack["orderId"])
    assert order["orderStatus"] == "cancelled" and order["cancelReason"] == "normal_cancel"
    assert code(eth.cancel(clientOid="r-1")) == "25204"  # already final
    assert code(eth.cancel(orderId="123")) == "25204"  # unknown
    assert code(eth.api.get("/api/v3/trade/order-info", {"clientOid": "nope"})) == "25204"
    assert code(eth.api.get("/api/v3/trade/order-info", {})) == "400172"
    assert eth.unfilled()["list"] is None
    assert [o["orderId"] for o in eth.history(symbol="ETHUSDT")["list"]] == [ack["orderId"]]
    assert code(eth.api.get("/api/v3/trade/history-orders", {})) == "400172"  # category is required


def test_cancel_with_symbol_of_another_order_is_unknown(eth: V3) -> None:
    eth.ok(eth.place(symbol="ETHUSDT", side="buy", orderType="limit", price="2900.00", qty="1", clientOid="s-1"))
    assert code(eth.cancel(clientOid="s-1", symbol="BTCUSDT")) == "25204"
    eth.ok(eth.cancel(clientOid="s-1", symbol="ETHUSDT"))


def test_market_open_then_reduce_only_close(eth: V3) -> None:
    opened = eth.placed(symbol="ETHUSDT", side="buy", orderType="market", qty="2")
    assert opened["orderStatus"] == "filled" and opened["avgPrice"] == "3000.5" and opened["price"] == "0"
    assert opened["feeDetail"] == [{"feeCoin": "USDT", "fee": "3.6006"}]  # 2 x 3000.5 x 0.0006
    assert eth.legs("ETHUSDT")["long"]["total"] == "2"
    # close long = sell + reduceOnly yes; larger than the position: capped to it, never flips
    closed = eth.placed(symbol="ETHUSDT", side="sell", orderType="market", qty="5", reduceOnly="yes")
    assert closed["side"] == "sell" and closed["reduceOnly"] == "YES" and closed["posSide"] == "long"
    assert closed["qty"] == "2" and closed["cumExecQty"] == "2" and closed["avgPrice"] == "3000"
    assert eth.positions("ETHUSDT") is None
    resp = eth.place(symbol="ETHUSDT", side="sell", orderType="market", qty="1", reduceOnly="yes")
    assert code(resp) == "25227"


def test_plain_opposite_order_nets_in_one_way_mode(eth: V3) -> None:
    eth.ok(eth.place(symbol="ETHUSDT", side="buy", orderType="market", qty="1"))
    eth.ok(eth.place(symbol="ETHUSDT", side="sell", orderType="market", qty="3"))
    legs = eth.legs("ETHUSDT")
    assert set(legs) == {"short"} and legs["short"]["total"] == "2"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"posSide": "long"}, "25236"),  # posSide belongs to hedge mode
        ({"holdSide": "long"}, "25236"),  # v2-only fields
        ({"oneWayMode": True}, "25236"),
        ({"tradeSide": "open"}, "25236"),
        ({"reduceOnly": "YES"}, "400172"),  # v3 spells it lower-case
        ({"side": "Buy"}, "400172"),
        ({"clientOid": "x" * 33}, "400172"),
        ({"clientOid": "has space"}, "400172"),
        ({"qty": "0.015"}, "400172"),  # off the quantity step
        ({"qty": ""}, "400172"),
        ({"orderType": "limit", "price": "3000.005"}, "25244"),  # off the price step
        ({"orderType": "limit"}, "400172"),  # limit without price
        ({"marginMode": "isolated"}, "400172"),  # differs from the symbol's margin mode
        ({"symbol": "NOPEUSDT"}, "25100"),
        ({"category": "USDT-futures"}, "400172"),
    ],
)
def test_refusals(eth: V3, fields: dict, expected: str) -> None:
    body = {"symbol": "ETHUSDT", "side": "buy", "orderType": "market", "qty": "1", **fields}
    resp = eth.api.post("/api/v3/trade/place-order", {"category": "USDT-FUTURES", **body})
    assert resp.status_code == 400 and code(resp) == expected
    assert eth.positions() is None


def test_duplicate_client_oid_minimum_amount_and_margin(eth: V3, sim: Sim) -> None:
    eth.ok(eth.place(symbol="ETHUSDT", side="buy", orderType="market", qty="1", clientOid="dup:1/a.b_c-d"))
    assert code(eth.place(symbol="ETHUSDT", side="buy", orderType="market", qty="1", clientOid="dup:1/a.b_c-d")) == (
        "25212"
    )
    assert code(eth.place(symbol="XRPUSDT", side="buy", orderType="market", qty="1")) == "25611"  # 0.6 USDT
    sim.control("POST", "/sim/balance", {"balance": "10"})
    assert code(eth.place(symbol="BTCUSDT", side="buy", orderType="market", qty="1")) == "25203"


def test_stop_loss_preset(eth: V3, sim: Sim) -> None:
    order = eth.placed(symbol="ETHUSDT", side="buy", orderType="market", qty="1", stopLoss="2900.00")
    assert order["stopLoss"] == "2900" and order["slTriggerBy"] == "mark" and order["takeProfit"] is None
    assert order["tpTriggerBy"] is None
    assert sim.state()["positions"][0]["stop_loss"] == "2900"
    bad = {"symbol": "ETHUSDT", "orderType": "market", "qty": "1"}
    assert code(eth.place(**bad, side="buy", stopLoss="3100.00")) == "25590"  # long: below the mark
    assert code(eth.place(**bad, side="sell", stopLoss="2900.00", reduceOnly="yes")) == "25612"  # closes
    eth.ok(eth.place(**bad, side="sell", reduceOnly="yes"))
    assert code(eth.place(**bad, side="sell", stopLoss="2900.00")) == "25592"  # short: above the mark
    assert code(eth.place(**bad, side="sell", stopLoss="3100.001")) == "25607"
    assert code(eth.place(**bad, side="sell", stopLoss="0")) == "25603"
    assert code(eth.place(**bad, side="sell", takeProfit="2900.001")) == "25606"
    assert eth.positions() is None


def test_partial_fill_mode(eth: V3, sim: Sim) -> None:
    sim.control("POST", "/sim/book", {"symbol": "SOLUSDT", "bids": [["100.000", "100"]], "asks": [["100.010", "100"]]})
    sim.control("POST", "/sim/fill-mode", {"symbol": "SOLUSDT", "mode": "partial", "ratio": "0.3"})
    order = eth.placed(symbol="SOLUSDT", side="buy", orderType="limit", price="100.010", qty="10.5")
    assert order["orderStatus"] == "partially_filled" and order["cumExecQty"] == "3.1"
    assert eth.legs("SOLUSDT")["long"]["total"] == "3.1"
    assert eth.unfilled()["list"][0]["orderStatus"] == "partially_filled"
    sim.control("POST", "/sim/book", {"symbol": "SOLUSDT", "bids": [["100.000", "100"]], "asks": [["100.010", "100"]]})
    order = eth.order(orderId=order["orderId"])
    assert order["orderStatus"] == "filled" and order["cumExecQty"] == "10.5"


def test_time_in_force(eth: V3) -> None:
    ioc = eth.placed(symbol="ETHUSDT", side="buy", orderType="limit", price="2900.00", qty="1", timeInForce="ioc")
    assert ioc["orderStatus"] == "cancelled" and ioc["cancelReason"] == "ioc_not_full_cancel"
    post = eth.placed(
        symbol="ETHUSDT", side="buy", orderType="limit", price="3000.50", qty="1", timeInForce="post_only"
    )
    assert post["orderStatus"] == "cancelled" and post["timeInForce"] == "post_only"


def test_unfilled_orders_pages_with_a_cursor(eth: V3) -> None:
    ids = [
        eth.ok(eth.place(symbol="ETHUSDT", side="buy", orderType="limit", price=f"{2900 + i}.00", qty="1"))["orderId"]
        for i in range(3)
    ]
    first = eth.unfilled(limit="2")
    assert [o["orderId"] for o in first["list"]] == [ids[2], ids[1]] and first["cursor"] == ids[1]
    second = eth.unfilled(limit="2", cursor=first["cursor"])
    # the last page carries a cursor too (Bitget's recorded replies); the next page is empty
    assert [o["orderId"] for o in second["list"]] == [ids[0]] and second["cursor"] == ids[0]
    assert eth.unfilled(limit="2", cursor=second["cursor"])["list"] is None
    assert code(eth.api.get("/api/v3/trade/unfilled-orders", {"limit": "101"})) == "400172"
    assert len(eth.ok(eth.api.get("/api/v3/trade/unfilled-orders"))["list"]) == 3  # category optional


def test_close_positions_one_way(eth: V3) -> None:
    eth.ok(eth.place(symbol="ETHUSDT", side="buy", orderType="market", qty="1"))
    assert code(eth.close_positions(symbol="ETHUSDT", posSide="short")) == "25227"
    data = eth.ok(eth.close_positions(symbol="ETHUSDT", posSide="long"))
    (item,) = data["list"]
    assert set(item) == {"orderId", "clientOid"} and item["orderId"]
    closed = eth.order(orderId=item["orderId"])
    # as Bitget shows a flash close: reduceOnly "NO", execType "normal"; the sell on the long leg says close
    assert (closed["side"], closed["posSide"], closed["reduceOnly"]) == ("sell", "long", "NO")
    assert closed["orderStatus"] == "filled"
    assert eth.positions() is None
    assert code(eth.close_positions()) == "25227"
    assert code(eth.api.post("/api/v3/trade/close-positions", {})) == "400172"
    assert Decimal(eth.assets()["assets"][0]["balance"]) < Decimal(10000)
