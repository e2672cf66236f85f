"""Bitget's awkward replies, read right: over real HTTP against the simulator, classic and UTA accounts.

Each test switches the simulator to answer the way Bitget does in one such case (``/sim/quirks``,
``/sim/faults``) and then checks what a trader would see: the signal's outcome and the orders and
positions on the exchange.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bitget.errors import InvalidOrderError
from trading.models import OrderRequest, OrderType, PositionSide

BUY_LONG = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "price": "65000"}
SELL_SHORT = {"action": "sell", "sentiment": "short", "ticker": "BTCUSDT", "price": "65000"}
SELL_FLAT = {"action": "sell", "sentiment": "flat", "ticker": "BTCUSDT"}
OTHER_MODE = {"one_way_mode": "hedge_mode", "hedge_mode": "one_way_mode"}


# How a reply code or an order state is read does not depend on the position mode: those tables run in
# one-way mode on both account systems; the rules that do depend on it (stop rounding, restricted
# contracts, mode mismatches, leverage per leg) run in both modes.
ONE_WAY = pytest.mark.parametrize("position_mode", ["one_way_mode"])


def quirks(sim, **switches: Any) -> None:
    sim._post("/sim/quirks", switches)


# -- prices on the tick ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signal", "asked", "sent"),
    [(BUY_LONG, "60000.05", "60000.0"), (SELL_SHORT, "70000.01", "70000.1")],
    ids=["long-stop-rounded-down", "short-stop-rounded-up"],
)
def test_a_stop_loss_with_more_decimals_than_the_tick_reaches_the_exchange_on_the_tick(sim, service, signal, asked,
                                                                                        sent):
    outcome = service.signal({**signal, "stop_loss_price": asked})
    assert outcome["status"] == "done", outcome
    [order] = sim.orders()
    assert Decimal(order["presetStopLossPrice"]) == Decimal(sent)
    [position] = sim.state()["positions"]
    assert Decimal(position["stop_loss"]) == Decimal(sent)


def test_the_exchange_refuses_an_off_tick_stop_with_bitgets_code(sim, service, account_system):
    exchange = service.runtime.exchange
    request = OrderRequest("BTCUSDT", PositionSide.LONG, False, OrderType.LIMIT, Decimal("0.01"), "tick-check-1",
                           price=Decimal("65000.1"), stop_loss=Decimal("60000.05"))
    with pytest.raises(InvalidOrderError) as refused:
        exchange.place_order(request)
    assert refused.value.code == {"classic": "45035", "uta": "25607"}[account_system]
    assert sim.orders() == []


# -- place-order replies ----------------------------------------------------------------------


@pytest.mark.parametrize("position_mode", ["one_way_mode"])
def test_a_reduce_only_reply_without_order_id_is_followed_by_client_oid(sim, service):
    sim.position("BTCUSDT", "long", "0.5", "64000")
    quirks(sim, omit_order_id=True, lookup_misses=2)  # and the clientOid index trails the order
    outcome = service.signal(SELL_FLAT)
    assert outcome["status"] == "done", outcome
    [order] = sim.orders()
    assert order["reduce"] is True and order["state"] == "filled"
    assert sim.legs("BTCUSDT") == {}


@ONE_WAY
@pytest.mark.parametrize("code", ["40010", "40015"])
@pytest.mark.parametrize("placed", [True, False], ids=["order-placed", "order-not-placed"])
def test_a_timed_out_or_abnormal_place_order_is_looked_up_before_any_resend(sim, service, code, placed):
    path = sim.place_order_path
    sim.faults({"path": path, "kind": "code", "code": code, "process": placed, "times": 1})
    outcome = service.signal(BUY_LONG)
    assert outcome["status"] == "done", outcome
    [order] = sim.orders()
    assert order["state"] == "filled"
    assert sim.requests()["by_path"][path] == (1 if placed else 2)


@ONE_WAY
@pytest.mark.parametrize(
    ("account_system", "code"),
    [("classic", "43118"), ("classic", "45034"), ("classic", "40786"), ("uta", "")],
)
def test_a_duplicate_client_oid_refusal_takes_over_the_order_already_placed(sim, service, code):
    path = sim.place_order_path
    if code:
        quirks(sim, duplicate_code=code)
    quirks(sim, lookup_misses=1)  # the lookup after the lost reply misses; the resend meets the order
    sim.faults({"path": path, "kind": "lost_reply", "times": 1})
    outcome = service.signal(BUY_LONG)
    assert outcome["status"] == "done", outcome
    assert len(sim.orders()) == 1
    assert sim.requests()["by_path"][path] == 2


# -- cancels and order states ---------------------------------------------------------------------


@ONE_WAY
@pytest.mark.parametrize(
    ("account_system", "code"),
    [("classic", c) for c in ("40768", "43001", "40109", "43004", "43020", "43025", "45031", "45057", "22001")]
    + [("uta", "25204"), ("uta", "22001")],
)
def test_a_cancel_that_meets_a_filled_order_reads_the_order_instead_of_failing(sim, service, code):
    sim.fill_mode("none", "BTCUSDT")
    quirks(sim, cancel_fills_first=True, final_order_code=code)
    outcome = service.signal(BUY_LONG)
    assert outcome["status"] == "done", outcome
    [order] = sim.orders()
    assert order["state"] == "filled"
    assert sim.legs("BTCUSDT") == {"long": Decimal(order["size"])}


@ONE_WAY
@pytest.mark.parametrize("word", ["rejected", "reject"])
def test_a_rejected_order_is_final_and_the_open_is_re_priced(sim, service, word):
    quirks(sim, reject_next=1, reject_word=word)
    outcome = service.signal(BUY_LONG)
    assert outcome["status"] == "done", outcome
    rejected, filled = sim.orders()
    assert (rejected["state"], filled["state"]) == ("rejected", "filled")
    assert [o["state"] for o in outcome["orders"]] == ["rejected", "filled"]


@ONE_WAY
def test_an_order_in_an_undocumented_state_is_watched_for_a_bounded_time_only(sim, service):
    quirks(sim, odd_state={"word": "auditing", "count": 1})
    sim.fill_mode("none", "BTCUSDT")
    outcome = service.signal(BUY_LONG, timeout=15)
    assert outcome["status"] == "failed"
    assert "state Bitget did not document" in outcome["reason"]
    assert sim.state()["open_orders"] == []
    assert sim.legs("BTCUSDT") == {}


# -- contracts, modes and settings ----------------------------------------------------------------


@pytest.mark.parametrize("status", ["limit_open", "restrictedAPI"])
def test_a_restricted_contract_takes_closes_and_refuses_opens_with_its_state(sim, make_service, status):
    quirks(sim, symbol_status={"BTCUSDT": status})
    service = make_service()
    refused = service.signal(BUY_LONG)
    assert refused["status"] == "failed" and status in refused["reason"]
    assert sim.orders() == []
    sim.position("BTCUSDT", "short", "0.3", "65000")
    closed = service.signal(BUY_LONG)
    assert closed["status"] == "done", closed
    assert "closed short 0.3" in closed["reason"] and status in closed["reason"]
    assert sim.legs("BTCUSDT") == {}


@pytest.mark.parametrize(
    ("account_system", "code"),
    [("classic", "40774"), ("classic", "45021"), ("classic", "43075"), ("uta", "25236"), ("uta", "25237")],
)
def test_a_position_mode_changed_behind_the_service_is_read_again_and_the_order_sent_once_more(
    sim, service, position_mode, code
):
    quirks(sim, mode_mismatch_code=code)
    sim._post("/sim/position-mode", {"mode": OTHER_MODE[position_mode]})
    outcome = service.signal(BUY_LONG)
    assert outcome["status"] == "done", outcome
    [order] = sim.orders()
    assert order["posMode"] == OTHER_MODE[position_mode] and order["state"] == "filled"
    assert sim.requests()["by_path"][sim.place_order_path] == 2


@pytest.mark.parametrize("position_mode", ["hedge_mode"])
def test_isolated_margin_in_hedge_mode_sets_the_leverage_of_each_leg(sim, make_service):
    sim._post("/sim/margin-mode", {"symbol": "BTCUSDT", "mode": "isolated"})
    service = make_service(MARGIN_MODE="isolated", LEVERAGE="5")
    outcome = service.signal(BUY_LONG)
    assert outcome["status"] == "done", outcome
    assert sim.state()["leverage"]["BTCUSDT"] == "5"
    assert sim.legs("BTCUSDT")


@pytest.mark.parametrize("account_system", ["uta"])
def test_a_v3_stop_loss_says_its_order_type(sim, service):
    outcome = service.signal({**BUY_LONG, "stop_loss_price": "60000"})
    assert outcome["status"] == "done", outcome
    [order] = sim.orders()
    assert order["slOrderType"] == "market"


def test_demo_trading_leaves_paptrading_off_the_public_server_time_only(sim, make_service):
    service = make_service(BITGET_MODE="demo")
    outcome = service.signal(BUY_LONG)
    assert outcome["status"] == "done", outcome
    requests = sim.requests()
    flagged = requests["paptrading_by_path"]
    assert requests["by_path"].get("/api/v2/public/time")
    assert "/api/v2/public/time" not in flagged
    assert flagged.get(sim.place_order_path) == requests["by_path"][sim.place_order_path]


@pytest.mark.parametrize("account_system", ["uta"])
def test_a_dated_contract_named_only_by_its_symbol_type_is_not_traded(sim, make_service):
    quirks(sim, listing_fields={"ETHUSDT": {"type": "", "symbolType": "delivery"}})
    service = make_service()
    reply = service.post({**BUY_LONG, "ticker": "ETHUSDT", "price": "3500"})
    assert reply.status_code != 200 or service.wait(reply.get_json()["signal_id"])["status"] == "failed"
    assert sim.orders() == []
