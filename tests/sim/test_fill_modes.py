"""Fill modes, cancels, order lookups and re-matching when the book moves."""

from __future__ import annotations

import pytest

from tests.support.sim_client import PRODUCT, Sim


@pytest.fixture()
def sol(sim: Sim) -> Sim:
    sim.control(
        "POST", "/sim/book", {"symbol": "SOLUSDT", "bids": [["100.000", "100"]], "asks": [["100.010", "100"]]}
    )
    return sim


def _cancel(sim: Sim, **ref: str):  # type: ignore[no-untyped-def]
    return sim.api.post(
        "/api/v2/mix/order/cancel-order", {"symbol": "SOLUSDT", "productType": PRODUCT, **ref}
    )


def test_partial_mode_fills_a_ratio_then_waits_for_the_book(sol: Sim) -> None:
    api = sol.api
    sol.control("POST", "/sim/fill-mode", {"symbol": "SOLUSDT", "mode": "partial", "ratio": "0.3"})
    ack = api.ok(api.place(symbol="SOLUSDT", side="buy", orderType="limit", price="100.010", size="10.5"))
    order = api.detail("SOLUSDT", orderId=ack["orderId"])
    assert order["state"] == "partially_filled" and order["baseVolume"] == "3.1"  # 0.3 x 10.5 floored to 0.1
    assert api.positions("SOLUSDT")[0]["total"] == "3.1"
    # nothing more happens by itself
    assert api.detail("SOLUSDT", orderId=ack["orderId"])["baseVolume"] == "3.1"
    # the book is set again: the rest meets it
    sol.control(
        "POST", "/sim/book", {"symbol": "SOLUSDT", "bids": [["100.000", "100"]], "asks": [["100.010", "100"]]}
    )
    assert api.detail("SOLUSDT", orderId=ack["orderId"])["state"] == "filled"


def test_changing_the_mode_releases_resting_orders(sol: Sim) -> None:
    api = sol.api
    sol.control("POST", "/sim/fill-mode", {"mode": "none"})
    ack = api.ok(api.place(symbol="SOLUSDT", side="buy", orderType="limit", price="100.010", size="1"))
    assert api.detail("SOLUSDT", orderId=ack["orderId"])["state"] == "live"
    sol.control("POST", "/sim/fill-mode", {"mode": "normal"})
    assert api.detail("SOLUSDT", orderId=ack["orderId"])["state"] == "filled"


def test_none_mode_then_cancel(sol: Sim) -> None:
    api = sol.api
    sol.control("POST", "/sim/fill-mode", {"symbol": "SOLUSDT", "mode": "none"})
    ack = api.ok(
        api.place(
            symbol="SOLUSDT", side="buy", orderType="limit", price="100.010", size="1", clientOid="rest-1"
        )
    )
    assert api.detail("SOLUSDT", clientOid="rest-1")["state"] == "live"
    assert sol.state()["open_orders"][0]["clientOid"] == "rest-1"
    assert api.ok(_cancel(sol, clientOid="rest-1")) == {"orderId": ack["orderId"], "clientOid": "rest-1"}
    assert api.detail("SOLUSDT", orderId=ack["orderId"])["state"] == "canceled"
    # cancelling again, or something that never existed: 40768
    again = _cancel(sol, orderId=ack["orderId"])
    assert again.status_code == 400 and again.json()["code"] == "40768"
    assert _cancel(sol, orderId="999").json()["code"] == "40768"
    assert _cancel(sol).json()["code"] == "40019"


def test_cancel_keeps_the_filled_part(sol: Sim) -> None:
    api = sol.api
    sol.control("POST", "/sim/fill-mode", {"mode": "partial", "ratio": "0.5"})
    ack = api.ok(api.place(symbol="SOLUSDT", side="buy", orderType="limit", price="100.010", size="2"))
    api.ok(_cancel(sol, orderId=ack["orderId"]))
    order = api.detail("SOLUSDT", orderId=ack["orderId"])
    assert (order["state"], order["baseVolume"]) == ("canceled", "1")
    history = api.ok(
        api.get("/api/v2/mix/order/orders-history", {"productType": PRODUCT, "symbol": "SOLUSDT"})
    )
    assert history["entrustedList"][0]["status"] == "canceled"


def test_filled_order_cannot_be_cancelled(sol: Sim) -> None:
    api = sol.api
    ack = api.ok(api.place(symbol="SOLUSDT", side="buy", orderType="market", size="1"))
    assert _cancel(sol, orderId=ack["orderId"]).json()["code"] == "40768"


def test_unknown_order_detail_is_40109(sol: Sim) -> None:
    resp = sol.api.get(
        "/api/v2/mix/order/detail", {"symbol": "SOLUSDT", "productType": PRODUCT, "orderId": "1"}
    )
    assert resp.status_code == 400 and resp.json()["code"] == "40109"


def test_ioc_fok_and_post_only(sol: Sim) -> None:
    api = sol.api
    ioc = api.ok(
        api.place(symbol="SOLUSDT", side="buy", orderType="limit", price="100.010", size="150", force="ioc")
    )
    order = api.detail("SOLUSDT", orderId=ioc["orderId"])
    assert (order["state"], order["baseVolume"]) == ("canceled", "100")
    sol.control(
        "POST", "/sim/book", {"symbol": "SOLUSDT", "bids": [["100.000", "100"]], "asks": [["100.010", "1"]]}
    )
    fok = api.ok(
        api.place(symbol="SOLUSDT", side="sell", orderType="limit", price="100.000", size="150", force="fok")
    )
    assert api.detail("SOLUSDT", orderId=fok["orderId"])["baseVolume"] == "0"
    post = api.ok(
        api.place(
            symbol="SOLUSDT", side="sell", orderType="limit", price="100.000", size="1", force="post_only"
        )
    )
    assert api.detail("SOLUSDT", orderId=post["orderId"])["state"] == "canceled"
    maker = api.ok(
        api.place(
            symbol="SOLUSDT", side="sell", orderType="limit", price="100.020", size="1", force="post_only"
        )
    )
    assert api.detail("SOLUSDT", orderId=maker["orderId"])["state"] == "live"


def test_seeded_position_and_resting_close_cancelled_with_it(sol: Sim) -> None:
    api = sol.api
    sol.control("POST", "/sim/position", {"symbol": "SOLUSDT", "side": "short", "size": "5", "price": "110"})
    (pos,) = api.positions("SOLUSDT")
    assert (pos["holdSide"], pos["total"], pos["openPriceAvg"]) == ("short", "5", "110")
    rest = api.ok(
        api.place(symbol="SOLUSDT", side="buy", orderType="limit", price="90.000", size="3", reduceOnly="YES")
    )
    # 3 of 5 are reserved by the resting close, so this close is capped to 2
    capped = api.ok(api.place(symbol="SOLUSDT", side="buy", orderType="market", size="5", reduceOnly="YES"))
    assert api.detail("SOLUSDT", orderId=capped["orderId"])["size"] == "2"
    (pos,) = api.positions("SOLUSDT")
    assert (pos["total"], pos["available"], pos["locked"]) == ("3", "0", "3")
    # a plain buy closes the rest; the resting close has nothing left and goes with the position
    api.ok(api.place(symbol="SOLUSDT", side="buy", orderType="market", size="3"))
    assert api.positions("SOLUSDT") == []
    assert api.detail("SOLUSDT", orderId=rest["orderId"])["state"] == "canceled"
