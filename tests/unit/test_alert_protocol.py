"""The alert protocol's extensions, field by field: refusals at parse time, then what the executor
places for each of them against the in-memory exchange (sizes, partial exits, exit, cancel, stop and
target moves, trailing stops, market entries, leverage)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_exchange import FakeExchange
from trading.executor import ExecutionSettings, Executor, Outcome
from trading.journal import Journal, OrderStep, SignalStatus
from trading.models import OrderRequest, OrderType, PositionSide
from trading.signals import TRADING_FIELDS, Intent, SignalRejected, parse_signal, trading_content

LONG, SHORT = PositionSide.LONG, PositionSide.SHORT
FAST = {"order_timeout": 0.05, "poll_interval": 0.005}
BUY_LONG = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT"}


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    journal = Journal(tmp_path / "journal.sqlite3")
    yield journal
    journal.close()


def run(exchange: FakeExchange, journal: Journal, body: dict[str, Any], signal_id: str = "s1",
        executor: Executor | None = None, **settings: object) -> Outcome:
    signal = parse_signal({"ticker": "BTCUSDT", **body})
    own = executor is None
    executor = executor or Executor(exchange, ExecutionSettings(**{**FAST, **settings}), journal)  # type: ignore[arg-type]
    try:
        return executor.execute(signal_id, signal)
    finally:
        if own:
            executor.close()


def refused(body: dict[str, Any]) -> SignalRejected:
    with pytest.raises(SignalRejected) as err:
        parse_signal({"ticker": "BTCUSDT", **body})
    return err.value


# -- refusals -----------------------------------------------------------------------------------


def test_two_sizing_fields_are_refused_naming_both() -> None:
    err = refused({**BUY_LONG, "quantity": "0.1", "size_usdt": "500"})
    assert err.code == "conflicting-sizing" and "quantity and size_usdt" in err.error


@pytest.mark.parametrize("name", ["qty", "size", "contracts", "amount", "Qty"])
def test_a_misspelled_sizing_field_is_refused_naming_the_accepted_ones(name: str) -> None:
    err = refused({**BUY_LONG, name: "0.1"})
    assert err.code == "unknown-sizing-field"
    assert all(field in err.error for field in ("quantity", "size_usdt", "size_pct", "risk_pct"))


def test_risk_pct_without_a_stop_is_refused() -> None:
    assert refused({**BUY_LONG, "risk_pct": "1"}).code == "risk-pct-needs-stop-loss"


@pytest.mark.parametrize("value", ["0", "-5", "100.01", "abc"])
def test_exit_pct_out_of_range_is_refused(value: str) -> None:
    assert refused({"action": "sell", "sentiment": "long", "exit_pct": value}).code == "invalid-exit-pct"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({**BUY_LONG, "take_profit_price": "60000", "price": "65000"}, "take-profit-wrong-side"),
        ({"action": "sell", "sentiment": "short", "take_profit_price": "70000", "price": "65000"},
         "take-profit-wrong-side"),
        ({**BUY_LONG, "trailing_stop_pct": "11"}, "invalid-trailing-stop-pct"),
        ({**BUY_LONG, "order_type": "stop"}, "invalid-order-type"),
        ({**BUY_LONG, "leverage": "2.5"}, "invalid-leverage"),
        ({**BUY_LONG, "size_pct": "120"}, "invalid-size-pct"),
        ({"action": "sell", "sentiment": "flat", "size_usdt": "100"}, "invalid-size-usdt"),
        ({"action": "exit", "exit_pct": "50"}, "invalid-exit-pct"),
        ({"action": "sell", "sentiment": "long", "quantity": "0.1", "exit_pct": "50"}, "conflicting-sizing"),
    ],
)
def test_each_new_field_is_validated_with_a_code_naming_it(body: dict[str, Any], code: str) -> None:
    assert refused(body).code == code


def test_exit_and_cancel_take_no_sentiment_or_flat() -> None:
    assert parse_signal({"action": "exit", "ticker": "BTCUSDT"}).intent is Intent.EXIT
    assert parse_signal({"action": "cancel", "sentiment": "flat", "ticker": "BTCUSDT"}).intent is Intent.CANCEL


def test_every_field_that_changes_the_trade_changes_the_trading_content() -> None:
    base = parse_signal({**BUY_LONG, "stop_loss_price": "60000"})
    for name in ("quantity", "take_profit_price", "trailing_stop_pct", "order_type", "leverage"):
        assert name in TRADING_FIELDS
    one = trading_content(base, {**BUY_LONG, "quantity": "0.1"})
    other = trading_content(base, {**BUY_LONG, "quantity": "0.2"})
    assert one != other


# -- what reaches the exchange ------------------------------------------------------------------


def test_quantity_opens_that_many_contracts_and_the_reason_names_the_rule(journal) -> None:
    exchange = FakeExchange(available=Decimal("1000"))
    outcome = run(exchange, journal, {**BUY_LONG, "quantity": "0.05"})
    assert exchange.placed[0].size == Decimal("0.050")
    assert "sized by quantity 0.05 BTC" in outcome.reason


def test_a_size_above_the_ratio_is_capped_and_the_reason_says_by_what(journal) -> None:
    exchange = FakeExchange(available=Decimal("1000"))
    outcome = run(exchange, journal, {**BUY_LONG, "size_usdt": "9000"})
    # 1000 × 0.5 × 10 / 50000.2 = 0.0999… → 0.099
    assert exchange.placed[0].size == Decimal("0.099")
    assert "capped by MAX_PURCHASE_RATIO 0.5 → 0.099" in outcome.reason


def test_sell_long_with_exit_pct_closes_that_share_reduce_only(journal) -> None:
    exchange = FakeExchange()
    exchange.hold(LONG, "0.3")
    outcome = run(exchange, journal, {"action": "sell", "sentiment": "long", "exit_pct": "50"})
    (order,) = exchange.placed
    assert order.reduce and order.position_side is LONG and order.size == Decimal("0.150")
    assert exchange.size_of(LONG) == Decimal("0.150")
    assert outcome.status is SignalStatus.DONE and "reduced long by 0.150" in outcome.reason


def test_a_reduction_larger_than_the_position_closes_it_and_never_flips(journal) -> None:
    exchange = FakeExchange()
    exchange.hold(SHORT, "0.2")
    run(exchange, journal, {"action": "buy", "sentiment": "short", "quantity": "5"})
    assert [o.size for o in exchange.placed] == [Decimal("0.2")]
    assert exchange.legs == {}


def test_a_resumed_partial_exit_does_not_close_twice(journal) -> None:
    exchange = FakeExchange()
    exchange.hold(LONG, "0.4")
    run(exchange, journal, {"action": "sell", "sentiment": "long", "exit_pct": "50"})
    again = run(exchange, journal, {"action": "sell", "sentiment": "long", "exit_pct": "50"})  # same signal id
    assert exchange.size_of(LONG) == Decimal("0.200") and len(exchange.placed) == 1
    assert again.status is SignalStatus.DONE


def test_a_partial_exit_with_nothing_held_is_skipped(journal) -> None:
    outcome = run(FakeExchange(), journal, {"action": "sell", "sentiment": "long", "exit_pct": "100"})
    assert outcome.status is SignalStatus.SKIPPED and "no long position" in outcome.reason


def test_exit_closes_both_legs(journal) -> None:
    exchange = FakeExchange()
    exchange.hold(LONG, "0.1")
    exchange.hold(SHORT, "0.2")
    outcome = run(exchange, journal, {"action": "exit"})
    assert exchange.legs == {} and all(o.reduce for o in exchange.placed)
    assert "closed long 0.1" in outcome.reason and "closed short 0.2" in outcome.reason


def test_cancel_cancels_the_resting_orders_and_places_nothing(journal) -> None:
    exchange = FakeExchange()
    exchange.plan = ["rest", "rest"]
    for oid in ("manual-1", "manual-2"):
        resting = OrderRequest("BTCUSDT", LONG, False, OrderType.LIMIT, Decimal("0.01"), oid, Decimal("49000"))
        exchange.place_order(resting)
    placed = len(exchange.placed)
    outcome = run(exchange, journal, {"action": "cancel"})
    assert exchange.cancelled == ["manual-1", "manual-2"] and exchange.open_orders("BTCUSDT") == []
    assert len(exchange.placed) == placed
    assert outcome.status is SignalStatus.DONE and "cancelled 2 of 2" in outcome.reason


def test_cancel_with_nothing_resting_is_skipped(journal) -> None:
    outcome = run(FakeExchange(), journal, {"action": "cancel"})
    assert outcome.status is SignalStatus.SKIPPED and "no resting orders" in outcome.reason


def test_take_profit_is_preset_on_the_opening_order_rounded_towards_the_entry(journal) -> None:
    exchange = FakeExchange()
    run(exchange, journal, {**BUY_LONG, "stop_loss_price": "49000.07", "take_profit_price": "52000.07"})
    order = exchange.placed[0]
    assert order.stop_loss == Decimal("49000.0") and order.take_profit == Decimal("52000.0")
    exchange = FakeExchange()
    run(exchange, journal, {"action": "sell", "sentiment": "short", "stop_loss_price": "51000.01",
                            "take_profit_price": "48000.01"}, signal_id="s2")
    assert exchange.placed[0].stop_loss == Decimal("51000.1") and exchange.placed[0].take_profit == Decimal("48000.1")


def test_an_alert_for_the_position_held_moves_its_stop_and_target(journal) -> None:
    exchange = FakeExchange()
    exchange.hold(LONG, "0.1")
    outcome = run(exchange, journal, {**BUY_LONG, "stop_loss_price": "49500", "take_profit_price": "53000"})
    assert exchange.placed == []
    assert exchange.protection[("BTCUSDT", LONG)] == (Decimal("49500.0"), Decimal("53000.0"))
    assert outcome.status is SignalStatus.DONE and "stop-loss moved to 49500.0" in outcome.reason


def test_a_moved_stop_on_the_wrong_side_of_the_book_fails_and_moves_nothing(journal) -> None:
    exchange = FakeExchange()
    exchange.hold(LONG, "0.1")
    outcome = run(exchange, journal, {**BUY_LONG, "stop_loss_price": "50500"})
    assert outcome.status is SignalStatus.FAILED and exchange.protection == {}


def test_a_trailing_stop_is_placed_for_the_whole_position_after_the_open(journal) -> None:
    exchange = FakeExchange(available=Decimal("1000"))
    outcome = run(exchange, journal, {**BUY_LONG, "trailing_stop_pct": "1.5"})
    assert exchange.trailing == [("BTCUSDT", LONG, Decimal("0.099"), Decimal("1.5"), "s1-t1")]
    assert "trailing stop 1.5%" in outcome.reason
    assert [row.step for row in journal.orders("s1")] == [OrderStep.OPEN, OrderStep.TRAIL]


def test_order_type_market_opens_with_one_market_order(journal) -> None:
    exchange = FakeExchange()
    exchange.plan = ["rest"]  # a limit order would rest; a market order fills
    outcome = run(exchange, journal, {**BUY_LONG, "order_type": "market", "quantity": "0.01"})
    (order,) = exchange.placed
    assert order.order_type is OrderType.MARKET and order.price is None and order.client_oid == "s1-k1"
    assert outcome.status is SignalStatus.DONE and exchange.size_of(LONG) == Decimal("0.010")


def test_leverage_per_alert_is_set_before_the_order_sizes_it_and_is_remembered(journal) -> None:
    exchange = FakeExchange(available=Decimal("1000"), leverage=Decimal("10"))
    executor = Executor(exchange, ExecutionSettings(**FAST), journal)  # type: ignore[arg-type]
    run(exchange, journal, {**BUY_LONG, "leverage": "3"}, executor=executor)
    assert exchange.leverage_set == [("BTCUSDT", 3)]
    assert exchange.placed[0].size == Decimal("0.029")  # 1000 × 0.5 × 3 / 50000.2
    exchange.legs.clear()
    run(exchange, journal, BUY_LONG, signal_id="s2", executor=executor)
    assert exchange.leverage_set == [("BTCUSDT", 3)]  # remembered: not set again
    executor.close()


def test_leverage_above_max_leverage_fails_and_places_nothing(journal) -> None:
    exchange = FakeExchange()
    outcome = run(exchange, journal, {**BUY_LONG, "leverage": "50"}, max_leverage=20)
    assert outcome.status is SignalStatus.FAILED and "MAX_LEVERAGE=20" in outcome.reason
    assert exchange.placed == [] and exchange.leverage_set == []
