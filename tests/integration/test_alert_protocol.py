"""The alert protocol's fields reach Bitget: sizes, take-profit on the opening order, a moved stop
and target, trailing stops, market entries, leverage, partial exits, exit and cancel; the refusals;
and the dry run, which places nothing. Real service, real signed clients, the simulator over HTTP,
on the classic (v2) and the unified (v3) account, in one-way and hedge mode.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.support.service import TOKEN, Service, SimControl
from trading.models import OrderRequest, OrderType, PositionSide

BUY_LONG = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT.P"}
SELL_SHORT = {"action": "sell", "sentiment": "short", "ticker": "BTCUSDT.P"}
ASK, BID = Decimal("65000.1"), Decimal("65000.0")
FEE = Decimal("0.0006")
ONE_WAY = pytest.mark.parametrize("position_mode", ["one_way_mode"])


def opening(sim: SimControl) -> dict[str, Any]:
    (order,) = [o for o in sim.orders() if not o["reduce"]]
    return order


def dec(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def status(service: Service, signal_id: str) -> dict[str, Any]:
    return service.client.get(f"/api/signals/{signal_id}", headers={"X-Webhook-Token": TOKEN}).get_json()


# -- sizing ---------------------------------------------------------------------------------------


def test_quantity_reaches_the_exchange_and_the_record_names_the_rule(sim: SimControl, service: Service) -> None:
    reply = service.post({**BUY_LONG, "quantity": "0.05"})
    outcome = service.wait(reply.get_json()["signal_id"])
    assert outcome["status"] == "done", outcome
    assert dec(opening(sim)["size"]) == Decimal("0.05")
    assert sim.legs("BTCUSDT") == {"long": Decimal("0.05")}
    assert "sized by quantity 0.05 BTC" in status(service, reply.get_json()["signal_id"])["reason"]


def test_size_usdt_is_notional_at_the_book(sim: SimControl, service: Service) -> None:
    outcome = service.signal({**SELL_SHORT, "size_usdt": "1300"})
    assert outcome["status"] == "done", outcome
    # 1300 / 65000.0 (a short sells at the bid) = 0.02
    assert dec(opening(sim)["size"]) == Decimal("0.02")


def test_size_pct_is_capped_by_max_purchase_ratio(sim: SimControl, make_service) -> None:
    service = make_service(MAX_PURCHASE_RATIO="0.1")
    outcome = service.signal({**BUY_LONG, "size_pct": "50"})
    # wanted 10000 × 50 % × 10 / 65000.1 = 0.7692; the ratio allows 10000 × 0.1 × 10 / 65000.1 = 0.15384… → 0.1538
    assert dec(opening(sim)["size"]) == Decimal("0.1538")
    assert "capped by MAX_PURCHASE_RATIO 0.1 → 0.1538" in outcome["reason"]


def test_risk_pct_sizes_from_equity_and_the_stop_fees_included(sim: SimControl, service: Service) -> None:
    outcome = service.signal({**BUY_LONG, "risk_pct": "1", "stop_loss_price": "64000"})
    assert outcome["status"] == "done", outcome
    # 1 % of 10000 = 100; per BTC 1000.1 + 0.0006 × (65000.1 + 64000) = 1077.50006 → 0.092807… → 0.0928
    size = dec(opening(sim)["size"])
    assert size == Decimal("0.0928")
    loss = size * (ASK - 64000) + size * (ASK + 64000) * FEE
    assert loss <= 100 < (size + Decimal("0.0001")) * (ASK - 64000 + (ASK + 64000) * FEE)
    assert dec(opening(sim)["presetStopLossPrice"]) == Decimal("64000")


# -- take-profit, moved stop, trailing stop ------------------------------------------------------------


def test_take_profit_is_preset_on_the_opening_order(sim: SimControl, service: Service) -> None:
    outcome = service.signal({**BUY_LONG, "stop_loss_price": "63000.04", "take_profit_price": "68000.07"})
    assert outcome["status"] == "done", outcome
    order = opening(sim)
    assert dec(order["presetStopLossPrice"]) == Decimal("63000.0")  # away from the entry
    assert dec(order["presetStopSurplusPrice"]) == Decimal("68000.0")  # towards the entry


def test_an_alert_for_the_position_held_moves_its_stop_and_target(sim: SimControl, service: Service) -> None:
    sim.position("BTCUSDT", "long", "0.2", "65000")
    outcome = service.signal({**BUY_LONG, "stop_loss_price": "64000", "take_profit_price": "70000"})
    assert outcome["status"] == "done", outcome
    assert "stop-loss moved to 64000.0" in outcome["reason"] and "take-profit moved to 70000.0" in outcome["reason"]
    assert sim.orders() == []  # nothing opened
    (leg,) = [p for p in sim.state()["positions"] if p["symbol"] == "BTCUSDT"]
    assert dec(leg["stop_loss"]) == Decimal("64000") and dec(leg["take_profit"]) == Decimal("70000")
    moved = service.signal({**BUY_LONG, "stop_loss_price": "64500"})
    assert moved["status"] == "done", moved
    (leg,) = [p for p in sim.state()["positions"] if p["symbol"] == "BTCUSDT"]
    assert dec(leg["stop_loss"]) == Decimal("64500") and dec(leg["take_profit"]) == Decimal("70000")
    sim.book("BTCUSDT", bids=[["64400.0", "50"]], asks=[["64400.1", "50"]])  # through the moved stop
    assert sim.legs("BTCUSDT") == {}


@pytest.mark.parametrize("account_system", ["classic"])
def test_a_trailing_stop_is_placed_for_the_position(sim: SimControl, service: Service) -> None:
    outcome = service.signal({**BUY_LONG, "quantity": "0.1", "trailing_stop_pct": "1"})
    assert outcome["status"] == "done", outcome
    (trail,) = sim.state()["trailing_stops"]
    assert dec(trail["size"]) == Decimal("0.1") and trail["posSide"] in ("long", "net")
    assert Decimal(trail["callbackRatio"]) in (Decimal("1"), Decimal("0.01"))
    assert [o["step"] for o in outcome["orders"]] == ["o", "t"]


@pytest.mark.parametrize("account_system", ["uta"])
def test_on_the_unified_account_a_trailing_stop_is_reported_as_not_placed(sim: SimControl, service: Service) -> None:
    outcome = service.signal({**BUY_LONG, "quantity": "0.1", "trailing_stop_pct": "1"})
    assert outcome["status"] == "done" and "trailing stop NOT placed" in outcome["reason"], outcome
    assert sim.legs("BTCUSDT") == {"long": Decimal("0.1")}


# -- order type and leverage ------------------------------------------------------------------------


def test_order_type_market_opens_at_market(sim: SimControl, service: Service) -> None:
    outcome = service.signal({**BUY_LONG, "quantity": "0.01", "order_type": "market", "take_profit_price": "70000"})
    assert outcome["status"] == "done", outcome
    order = opening(sim)
    assert order["orderType"] == "market" and dec(order["size"]) == Decimal("0.01")
    assert dec(order["presetStopSurplusPrice"]) == Decimal("70000")


def test_leverage_per_alert_is_set_before_the_order_and_sizes_it(sim: SimControl, service: Service) -> None:
    outcome = service.signal({**BUY_LONG, "leverage": "3"})
    assert outcome["status"] == "done", outcome
    order = opening(sim)
    assert dec(order["leverage"]) == Decimal("3")
    assert dec(order["size"]) == Decimal("0.2307")  # 10000 × 0.5 × 3 / 65000.1 = 0.230768… → 0.2307


# -- partial exits, exit, cancel ------------------------------------------------------------------------


def test_sell_long_with_exit_pct_reduces_the_long(sim: SimControl, service: Service) -> None:
    sim.position("BTCUSDT", "long", "0.4", "65000")
    outcome = service.signal({"action": "sell", "sentiment": "long", "ticker": "BTCUSDT", "exit_pct": "25"})
    assert outcome["status"] == "done", outcome
    assert sim.legs("BTCUSDT") == {"long": Decimal("0.3")}
    assert all(o["reduce"] for o in sim.orders())


def test_buy_short_with_quantity_above_the_short_closes_it_and_never_flips(sim: SimControl, service: Service) -> None:
    sim.position("BTCUSDT", "short", "0.1", "65000")
    outcome = service.signal({"action": "buy", "sentiment": "short", "ticker": "BTCUSDT", "quantity": "1"})
    assert outcome["status"] == "done", outcome
    assert sim.legs("BTCUSDT") == {}
    assert all(o["reduce"] for o in sim.orders())


def test_exit_closes_whatever_is_held(sim: SimControl, service: Service) -> None:
    sim.position("BTCUSDT", "short", "0.1", "65000")
    outcome = service.signal({"action": "exit", "ticker": "BTCUSDT"})
    assert outcome["status"] == "done", outcome
    assert sim.legs("BTCUSDT") == {} and all(o["reduce"] for o in sim.orders())


def test_cancel_cancels_the_resting_orders(sim: SimControl, service: Service) -> None:
    exchange = service.runtime.service.exchange  # the real signed client: a resting order placed by hand
    for n in (1, 2):
        exchange.place_order(OrderRequest("BTCUSDT", PositionSide.LONG, False, OrderType.LIMIT, Decimal("0.01"),
                                          f"manual{n}", Decimal("60000.0")))
    assert len(sim.state()["open_orders"]) == 2
    outcome = service.signal({"action": "cancel", "ticker": "BTCUSDT"})
    assert outcome["status"] == "done" and "cancelled 2 of 2" in outcome["reason"], outcome
    assert sim.state()["open_orders"] == [] and sim.legs("BTCUSDT") == {}
    assert len(sim.orders()) == 2  # nothing new placed


# -- refusals ------------------------------------------------------------------------------------------


@ONE_WAY
@pytest.mark.parametrize(
    ("body", "code", "named"),
    [
        ({**BUY_LONG, "quantity": "0.1", "size_usdt": "100"}, "conflicting-sizing", "quantity and size_usdt"),
        ({**BUY_LONG, "risk_pct": "1"}, "risk-pct-needs-stop-loss", "stop_loss_price"),
        ({**BUY_LONG, "qty": "0.1"}, "unknown-sizing-field", "quantity, size_usdt, size_pct, risk_pct"),
        ({"action": "sell", "sentiment": "long", "ticker": "BTCUSDT", "exit_pct": "150"}, "invalid-exit-pct",
         "exit_pct"),
    ],
)
def test_refusals_name_the_field_and_place_nothing(
    sim: SimControl, service: Service, body: dict[str, Any], code: str, named: str
) -> None:
    sim.position("BTCUSDT", "long", "0.1", "65000")
    reply = service.post(body)
    assert reply.status_code == 422
    assert reply.get_json()["code"] == code and named in reply.get_json()["error"]
    assert sim.orders() == [] and sim.legs("BTCUSDT") == {"long": Decimal("0.1")}


# -- dry run -------------------------------------------------------------------------------------------


def test_the_dry_run_answers_what_would_happen_and_places_nothing(sim: SimControl, service: Service) -> None:
    sim.position("BTCUSDT", "short", "0.1", "65000")
    before = len(sim.orders())
    body = {**BUY_LONG, "token": TOKEN, "risk_pct": "1", "stop_loss_price": "64000", "take_profit_price": "70000"}
    reply = service.client.post("/api/webhook/test", json=body)
    assert reply.status_code == 200, reply.get_json()
    plan = reply.get_json()
    assert plan["symbol"] == "BTCUSDT" and plan["intent"] == "hold_long" and plan["guards"] == []
    assert plan["position"] == [{"side": "short", "size": "0.1", "entry_price": plan["position"][0]["entry_price"]}]
    close, open_ = plan["orders"]
    assert close["kind"] == "close" and close["size"] == "0.1" and close["price"] == str(ASK)
    assert open_["kind"] == "open" and open_["price"] == str(ASK) and open_["size"] == "0.0928"
    assert open_["stop_loss"] == "64000.0" and open_["take_profit"] == "70000.0" and "risk_pct 1%" in open_["sized_by"]
    assert len(sim.orders()) == before and sim.legs("BTCUSDT") == {"short": Decimal("0.1")}
    assert service.runtime.journal.signals() == []


@ONE_WAY
def test_the_dry_run_names_the_guard_that_would_stop_the_alert(sim: SimControl, make_service) -> None:
    service = make_service(MAX_SLIPPAGE_PCT="0.1")
    reply = service.client.post("/api/webhook/test", json={**BUY_LONG, "token": TOKEN, "price": "60000"})
    plan = reply.get_json()
    assert reply.status_code == 200 and not plan["would_trade"]
    assert any("MAX_SLIPPAGE_PCT" in guard for guard in plan["guards"]), plan
    assert sim.orders() == []


@ONE_WAY
def test_the_dry_run_validates_and_authenticates_like_the_webhook(sim: SimControl, service: Service) -> None:
    wrong = service.client.post("/api/webhook/test", json={**BUY_LONG, "token": "nope"})
    assert wrong.status_code == 401
    bad = service.client.post("/api/webhook/test", json={**BUY_LONG, "token": TOKEN, "size": "1"})
    assert bad.status_code == 422 and bad.get_json()["code"] == "unknown-sizing-field"
    assert sim.orders() == []
