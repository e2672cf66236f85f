"""The executor's rules against an in-memory exchange: what it places, at what price and size, and when.

The integration suite checks the same rules over real HTTP against the simulator; these pin each
rule on its own, with the exchange's answers scripted (tests/unit/fake_exchange.py).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.support.fake_exchange import Ambiguous, FakeExchange, Refused, Transient, btc_contract
from trading.executor import ExecutionSettings, Executor, Outcome, client_oid
from trading.journal import Journal, OrderRowState, OrderStep, SignalStatus
from trading.models import OrderType, PositionSide
from trading.signals import parse_signal

LONG, SHORT = PositionSide.LONG, PositionSide.SHORT
FAST = {"order_timeout": 0.05, "poll_interval": 0.005}


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    journal = Journal(tmp_path / "journal.sqlite3")
    yield journal
    journal.close()


def run(
    exchange: FakeExchange, journal: Journal, action: str, sentiment: str, signal_id: str = "s1", **settings: object
) -> Outcome:
    """Execute a signal as a worker would (the journal keeps its orders, as in the service)."""
    signal = parse_signal({"action": action, "sentiment": sentiment, "ticker": "BTCUSDT"})
    executor = Executor(exchange, ExecutionSettings(**{**FAST, **settings}), journal)  # type: ignore[arg-type]
    try:
        return executor.execute(signal_id, signal)
    finally:
        executor.close()


# -- sizing ----------------------------------------------------------------------------------


def test_size_is_available_margin_times_ratio_times_leverage_over_price_floored_to_the_step(journal) -> None:
    exchange = FakeExchange(available=Decimal("1000"), leverage=Decimal("10"))
    outcome = run(exchange, journal, "buy", "long")
    (order,) = exchange.placed
    # 1000 × 0.5 × 10 = 5000 USDT at the ask 50000.2: 0.09999… BTC, floored to the 0.001 step
    assert order.size == Decimal("0.099")
    assert outcome.status is SignalStatus.DONE and "opened long 0.099" in outcome.reason


def test_configured_leverage_is_set_on_the_symbol_and_sizes_the_order(journal) -> None:
    exchange = FakeExchange(available=Decimal("1000"), leverage=Decimal("10"))
    run(exchange, journal, "buy", "long", leverage=5)
    assert exchange.leverage_set == [("BTCUSDT", 5)]
    assert exchange.placed[0].size == Decimal("0.049")  # 1000 × 0.5 × 5 / 50000.2


def test_a_ratio_of_one_leaves_room_for_the_taker_fee(journal) -> None:
    exchange = FakeExchange(available=Decimal("1000"), leverage=Decimal("10"))
    run(exchange, journal, "buy", "long", max_purchase_ratio=Decimal("1"))
    order = exchange.placed[0]
    margin_and_fee = order.size * order.price / 10 + order.size * order.price * Decimal("0.0006")
    assert margin_and_fee <= Decimal("1000")
    assert order.size == Decimal("0.198")  # not 0.199, which the margin alone would allow


def test_an_order_below_the_contracts_minimum_is_not_placed(journal) -> None:
    exchange = FakeExchange(available=Decimal("0.5"), leverage=Decimal("1"))
    outcome = run(exchange, journal, "buy", "long")
    assert exchange.placed == []
    assert outcome.status is SignalStatus.FAILED and "below the contract's minimum" in outcome.reason


# -- prices ----------------------------------------------------------------------------------


def test_buys_rest_at_the_ask_rounded_up_and_sells_at_the_bid_rounded_down(journal) -> None:
    exchange = FakeExchange()
    run(exchange, journal, "buy", "long", "s1")
    run(exchange, journal, "sell", "flat", "s2")
    opening, closing = exchange.placed
    assert (opening.order_type, opening.position_side, opening.reduce) == (OrderType.LIMIT, LONG, False)
    assert opening.price == Decimal("50000.2")  # ask 50000.15 on a 0.1 tick, never under the ask
    assert (closing.order_type, closing.position_side, closing.reduce) == (OrderType.LIMIT, LONG, True)
    assert closing.price == Decimal("49999.9")  # bid 49999.95, never over the bid


def test_a_short_opens_at_the_bid(journal) -> None:
    exchange = FakeExchange()
    run(exchange, journal, "sell", "short")
    (order,) = exchange.placed
    assert (order.position_side, order.reduce, order.price) == (SHORT, False, Decimal("49999.9"))


# -- waiting, cancelling, re-pricing ---------------------------------------------------------------


def test_an_unfilled_open_is_cancelled_at_the_timeout_and_re_priced_at_the_new_book(journal) -> None:
    exchange = FakeExchange()
    exchange.plan = ["rest"]

    original_quote = exchange.quote

    def moving_quote(symbol: str):
        quote = original_quote(symbol)
        if exchange.cancelled:  # the book moved up while the first order rested
            return type(quote)(symbol, Decimal("50010.05"), Decimal("50010.15"))
        return quote

    exchange.quote = moving_quote  # type: ignore[method-assign]
    outcome = run(exchange, journal, "buy", "long")
    first, second = exchange.placed
    assert exchange.cancelled == [first.client_oid]
    assert (first.client_oid, second.client_oid) == ("s1-o1", "s1-o2")
    assert second.price == Decimal("50010.2") and second.size == first.size
    assert outcome.status is SignalStatus.DONE and exchange.size_of(LONG) == first.size


def test_a_partial_fill_re_prices_only_the_rest(journal) -> None:
    exchange = FakeExchange()
    exchange.plan = ["half", "fill"]
    run(exchange, journal, "buy", "long")
    first, second = exchange.placed
    assert second.size == first.size - exchange.orders[first.client_oid].filled
    assert exchange.size_of(LONG) == first.size


def test_an_open_never_filled_fails_after_the_bounded_re_prices(journal) -> None:
    exchange = FakeExchange()
    exchange.plan = ["rest"] * 10
    outcome = run(exchange, journal, "buy", "long", max_reprices=2)
    assert len(exchange.placed) == 3 and len(exchange.cancelled) == 3
    assert all(order.order_type is OrderType.LIMIT for order in exchange.placed)
    assert outcome.status is SignalStatus.FAILED and "not filled after 3 attempts" in outcome.reason
    assert exchange.size_of(LONG) == 0


def test_a_close_the_limit_orders_cannot_finish_falls_back_to_a_market_order(journal) -> None:
    exchange = FakeExchange()
    exchange.hold(LONG, "0.3")
    exchange.plan = ["half", "rest", "rest"]
    outcome = run(exchange, journal, "sell", "flat", max_reprices=2)
    *limits, market = exchange.placed
    assert [o.order_type for o in limits] == [OrderType.LIMIT] * 3
    assert market.order_type is OrderType.MARKET and market.reduce and market.client_oid == "s1-m1"
    assert market.size == Decimal("0.3") - exchange.orders[limits[0].client_oid].filled
    assert exchange.size_of(LONG) == 0
    assert outcome.status is SignalStatus.DONE and outcome.reason == "closed long 0.3"


# -- the position decides ---------------------------------------------------------------------------


def test_a_reversal_closes_the_other_leg_before_opening(journal) -> None:
    exchange = FakeExchange()
    exchange.hold(SHORT, "0.2")
    outcome = run(exchange, journal, "buy", "long")
    close, open_ = exchange.placed
    assert (close.position_side, close.reduce, close.size, close.client_oid) == (SHORT, True, Decimal("0.2"), "s1-c1")
    assert (open_.position_side, open_.reduce, open_.client_oid) == (LONG, False, "s1-o1")
    assert exchange.size_of(SHORT) == 0 and exchange.size_of(LONG) == open_.size
    assert outcome.reason.startswith("closed short 0.2; opened long")
    steps = [row.step for row in journal.orders("s1")]
    assert steps == [OrderStep.CLOSE, OrderStep.OPEN]


def test_a_signal_for_the_position_already_held_places_nothing(journal) -> None:
    exchange = FakeExchange()
    exchange.hold(LONG, "0.1")
    outcome = run(exchange, journal, "buy", "long")
    assert exchange.placed == []
    assert outcome == Outcome(SignalStatus.SKIPPED, "already long 0.1: nothing opened")


def test_allow_add_opens_on_top_of_the_position_held(journal) -> None:
    exchange = FakeExchange()
    exchange.hold(LONG, "0.01")
    outcome = run(exchange, journal, "buy", "long", allow_add=True)
    (order,) = exchange.placed
    assert (order.position_side, order.reduce) == (LONG, False)
    assert outcome.status is SignalStatus.DONE and exchange.size_of(LONG) == Decimal("0.01") + order.size


def test_a_close_with_nothing_to_close_is_skipped(journal) -> None:
    exchange = FakeExchange()
    outcome = run(exchange, journal, "buy", "flat")
    assert exchange.placed == []
    assert outcome == Outcome(SignalStatus.SKIPPED, "no short position on BTCUSDT: nothing to close")


# -- clientOids and transient errors ------------------------------------------------------------------


def test_client_oids_are_the_signal_the_step_and_the_attempt() -> None:
    assert client_oid("s1", OrderStep.OPEN, 1) == client_oid("s1", OrderStep.OPEN, 1) == "s1-o1"
    assert len({client_oid("s1", step, n) for step in OrderStep for n in (1, 2)}) == 2 * len(OrderStep)


def test_an_order_journaled_but_never_sent_is_sent_under_its_own_client_oid(journal) -> None:
    """A crash between journaling and sending: the restart sends that very clientOid, once."""
    exchange = FakeExchange()
    first = FakeExchange()
    run(first, journal, "buy", "long")  # journals s1-o1 (filled on the first exchange)
    journal.update_order("s1-o1", state=OrderRowState.SENDING)
    run(exchange, journal, "buy", "long")
    (order,) = exchange.placed
    assert order.client_oid == "s1-o1" and order.size == first.placed[0].size


def test_a_retryable_error_on_placing_starts_a_new_round_with_the_same_client_oid(journal) -> None:
    exchange = FakeExchange()
    exchange.fail["place_order"] = [Transient("502 Bad Gateway")]
    outcome = run(exchange, journal, "buy", "long")
    (order,) = exchange.placed
    assert order.client_oid == "s1-o1"
    assert outcome.status is SignalStatus.DONE
    assert [row.state for row in journal.orders("s1")] == [OrderRowState.FILLED]


def test_a_lost_reply_is_looked_up_by_client_oid_and_never_placed_twice(journal) -> None:
    exchange = FakeExchange()
    exchange.lose_next_reply = True
    outcome = run(exchange, journal, "buy", "long")
    assert len(exchange.placed) == 1 and exchange.size_of(LONG) == exchange.placed[0].size
    assert outcome.status is SignalStatus.DONE


def test_a_transient_error_reading_the_position_resumes_from_the_exchanges_state(journal) -> None:
    exchange = FakeExchange()
    exchange.hold(SHORT, "0.2")
    exchange.fail["positions"] = [Transient("timeout"), Ambiguous("connection reset")]
    outcome = run(exchange, journal, "buy", "long")
    assert [o.client_oid for o in exchange.placed] == ["s1-c1", "s1-o1"]
    assert outcome.status is SignalStatus.DONE


def test_a_refusal_fails_the_signal_with_the_exchanges_reason(journal) -> None:
    exchange = FakeExchange()
    exchange.fail["place_order"] = [Refused("40762 order amount exceeds balance")]
    outcome = run(exchange, journal, "buy", "long")
    assert exchange.placed == []
    assert outcome.status is SignalStatus.FAILED and "40762 order amount exceeds balance" in outcome.reason
    assert [row.state for row in journal.orders("s1")] == [OrderRowState.REJECTED]


# -- restricted contracts ---------------------------------------------------------------------------


def test_a_restricted_contract_closes_but_opens_nothing(journal) -> None:
    exchange = FakeExchange()
    exchange.contract_list["BTCUSDT"] = btc_contract(tradable=False, closable=True, status="limit_open")
    exchange.hold(SHORT, "0.2")
    outcome = run(exchange, journal, "buy", "long")
    (close,) = exchange.placed
    assert (close.position_side, close.reduce) == (SHORT, True) and exchange.size_of(SHORT) == 0
    assert outcome.status is SignalStatus.DONE
    assert "long not opened: BTCUSDT is limit_open on Bitget, which takes closes only" in outcome.reason


def test_a_restricted_contract_with_nothing_to_close_fails_the_open(journal) -> None:
    exchange = FakeExchange()
    exchange.contract_list["BTCUSDT"] = btc_contract(tradable=False, closable=True, status="limit_open")
    outcome = run(exchange, journal, "buy", "long")
    assert exchange.placed == [] and outcome.status is SignalStatus.FAILED


def test_a_contract_taking_no_orders_at_all_fails_before_anything_is_sent(journal) -> None:
    exchange = FakeExchange()
    exchange.contract_list["BTCUSDT"] = btc_contract(tradable=False, status="maintain")
    exchange.hold(SHORT, "0.2")
    outcome = run(exchange, journal, "buy", "long")
    assert exchange.placed == [] and exchange.size_of(SHORT) == Decimal("0.2")
    assert outcome == Outcome(SignalStatus.FAILED, "BTCUSDT is not tradable now (Bitget state maintain)")
