"""The simulator answers Bitget's rarer replies when a test switches them on (``/sim/quirks``, code faults)."""

from __future__ import annotations

import pytest
import requests

from tests.support.sim_uta_client import code


def test_an_off_tick_preset_stop_is_refused_with_45035(api):
    resp = api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.1", presetStopLossPrice="48000.05")
    assert resp.json()["code"] == "45035"


def test_an_off_tick_v3_stop_is_refused_with_25607(uta):
    resp = uta.place(symbol="BTCUSDT", side="buy", orderType="market", qty="0.1", stopLoss="48000.05")
    assert code(resp) == "25607"


def test_a_one_way_reduce_only_reply_can_leave_the_order_id_out(sim, api):
    sim.control("POST", "/sim/position", {"symbol": "BTCUSDT", "side": "long", "size": "0.2"})
    sim.control("POST", "/sim/quirks", {"omit_order_id": True})
    data = api.ok(api.place(symbol="BTCUSDT", side="sell", orderType="market", size="0.2", reduceOnly="YES",
                            clientOid="close-1"))
    assert data == {"clientOid": "close-1"}
    assert api.detail("BTCUSDT", clientOid="close-1")["state"] == "filled"


@pytest.mark.parametrize("duplicate", ["43118", "45034", "40786"])
def test_a_reused_client_oid_is_refused_with_the_chosen_code(sim, api, duplicate):
    sim.control("POST", "/sim/quirks", {"duplicate_code": duplicate})
    api.ok(api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.1", clientOid="dup-1"))
    again = api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.1", clientOid="dup-1")
    assert again.json()["code"] == duplicate


def test_a_cancel_that_loses_the_race_meets_a_filled_order(sim, api):
    sim.control("POST", "/sim/fill-mode", {"symbol": "BTCUSDT", "mode": "none"})
    sim.control("POST", "/sim/quirks", {"cancel_fills_first": True, "final_order_code": "43004"})
    ack = api.ok(api.place(symbol="BTCUSDT", side="buy", orderType="limit", price="65000.1", size="0.1"))
    body = {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "orderId": ack["orderId"]}
    assert api.post("/api/v2/mix/order/cancel-order", body).json()["code"] == "43004"
    assert api.detail("BTCUSDT", orderId=ack["orderId"])["state"] == "filled"


def test_rejected_and_odd_states_are_shown_as_bitget_words(sim, api):
    sim.control("POST", "/sim/quirks", {"reject_next": 1, "reject_word": "reject"})
    first = api.ok(api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.1"))
    assert api.detail("BTCUSDT", orderId=first["orderId"])["state"] == "reject"
    sim.control("POST", "/sim/quirks", {"odd_state": {"word": "auditing", "count": 1}})
    second = api.ok(api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.1"))
    assert api.detail("BTCUSDT", orderId=second["orderId"])["state"] == "auditing"


def test_a_restricted_contract_is_listed_so_and_takes_closes_only(sim, api):
    sim.control("POST", "/sim/position", {"symbol": "BTCUSDT", "side": "long", "size": "0.2"})
    sim.control("POST", "/sim/quirks", {"symbol_status": {"BTCUSDT": "limit_open"}})
    listed = api.ok(api.get("/api/v2/mix/market/contracts", {"productType": "USDT-FUTURES", "symbol": "BTCUSDT"}))
    assert listed[0]["symbolStatus"] == "limit_open"
    opened = api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.1")
    assert opened.json()["code"] == "22004"
    api.ok(api.place(symbol="BTCUSDT", side="sell", orderType="market", size="0.2", reduceOnly="YES"))


def test_a_v3_hold_mode_mismatch_can_answer_25237(sim, uta):
    sim.control("POST", "/sim/quirks", {"mode_mismatch_code": "25237"})
    resp = uta.place(symbol="BTCUSDT", side="buy", orderType="market", qty="0.1", posSide="long")
    assert code(resp) == "25237"


def test_v2_isolated_hedge_leverage_needs_the_leg(sim, api):
    sim.control("POST", "/sim/reset", {"position_mode": "hedge_mode"})
    sim.control("POST", "/sim/margin-mode", {"symbol": "BTCUSDT", "mode": "isolated"})
    body = {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT", "leverage": "5"}
    assert api.post("/api/v2/mix/account/set-leverage", body).json()["code"] == "40019"
    api.ok(api.post("/api/v2/mix/account/set-leverage", {**body, "holdSide": "long"}))


@pytest.mark.parametrize("process", [True, False])
def test_a_code_fault_answers_bitgets_code_and_may_still_place_the_order(sim, api, process):
    rule = {"path": "/api/v2/mix/order/place-order", "kind": "code", "code": "40010", "process": process}
    sim.control("POST", "/sim/faults", {"rules": [rule]})
    resp = api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.1")
    assert resp.json()["code"] == "40010"
    assert len(sim.control("GET", "/sim/orders")["orders"]) == (1 if process else 0)


def test_a_bad_quirk_is_refused_and_changes_nothing(sim):
    resp = requests.post(sim.base_url + "/sim/quirks", json={"duplicate_code": "99999"}, timeout=5)
    assert resp.status_code == 400 and "duplicate_code" in resp.json()["error"]
    assert sim.control("GET", "/sim/quirks")["quirks"]["duplicate_code"] == ""
