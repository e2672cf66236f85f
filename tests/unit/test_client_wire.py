"""The v2 client's wire format and parsing, without any HTTP: bodies, queries, codes, models."""

from __future__ import annotations

import http.client
from decimal import Decimal

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from bitget import errors
from bitget.common import fmt_decimal, parse_order_state
from bitget.errors import BitgetError
from bitget.transport import _is_connect_failure, build_query, classify, is_known_code, serialize_body
from bitget.v2.client import ClassicClient
from bitget.v2.endpoints import order_body, side_fields
from bitget.v2.parsing import (
    order_intent,
    parse_balance,
    parse_contract,
    parse_depth_quote,
    parse_order,
    parse_position,
    parse_ticker_quote,
)
from tests.support.fake_bitget import HEDGE, LONG, ONE_WAY, SHORT, assert_exchange_signatures, wire_request
from trading.models import OrderState, OrderType

# ---------------------------------------------------------------- interface


def test_client_matches_the_exchange_protocol_signatures():
    assert_exchange_signatures(ClassicClient)


# ---------------------------------------------------------------- query and body


def test_query_sorts_keys_drops_none_and_keeps_plain_values_verbatim():
    query = build_query({"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT", "x": None})
    assert query == "marginCoin=USDT&productType=USDT-FUTURES&symbol=BTCUSDT"


def test_query_escapes_only_what_would_break_it():
    assert build_query({"clientOid": "tv:1/a b&c=d+e"}) == "clientOid=tv:1/a%20b%26c%3Dd%2Be"
    assert build_query({}) == "" and build_query(None) == ""
    assert build_query({"limit": 1, "px": Decimal("1E+2")}) == "limit=1&px=100"


def test_body_is_compact_json_in_insertion_order():
    assert serialize_body({"b": "1", "a": "x y"}) == '{"b":"1","a":"x y"}'


# ---------------------------------------------------------------- side / tradeSide / reduceOnly


@pytest.mark.parametrize(
    ("mode", "side", "reduce", "expected"),
    [
        # docs/bitget-api-v2.md §4 table; hedge: side names the position
        (HEDGE, LONG, False, {"side": "buy", "tradeSide": "open"}),
        (HEDGE, SHORT, False, {"side": "sell", "tradeSide": "open"}),
        (HEDGE, LONG, True, {"side": "buy", "tradeSide": "close"}),
        (HEDGE, SHORT, True, {"side": "sell", "tradeSide": "close"}),
        (ONE_WAY, LONG, False, {"side": "buy"}),
        (ONE_WAY, SHORT, False, {"side": "sell"}),
        (ONE_WAY, LONG, True, {"side": "sell", "reduceOnly": "YES"}),
        (ONE_WAY, SHORT, True, {"side": "buy", "reduceOnly": "YES"}),
    ],
)
def test_side_fields_follow_the_documented_table(mode, side, reduce, expected):
    assert side_fields(mode, side, reduce) == expected
    body = order_body(wire_request(side, reduce), mode, product_type="USDT-FUTURES", margin_coin="USDT",
                      margin_mode="crossed")
    for key in ("side", "tradeSide", "reduceOnly"):
        assert body.get(key) == expected.get(key)


def test_limit_body_has_every_field_as_a_string_in_order():
    body = order_body(wire_request(stop_loss=Decimal("6.4E+4")), ONE_WAY, product_type="USDT-FUTURES",
                      margin_coin="USDT", margin_mode="crossed")
    assert serialize_body(body) == (
        '{"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginMode":"crossed","marginCoin":"USDT",'
        '"size":"0.001","price":"65000.5","side":"buy","orderType":"limit","force":"gtc",'
        '"clientOid":"sig-1-a1","presetStopLossPrice":"64000"}'
    )


def test_market_body_has_no_price_and_no_force():
    body = order_body(wire_request(order_type=OrderType.MARKET, price=None, reduce=True), HEDGE,
                      product_type="USDT-FUTURES", margin_coin="USDT", margin_mode="isolated")
    assert "price" not in body and "force" not in body and "presetStopLossPrice" not in body
    assert body["orderType"] == "market" and body["marginMode"] == "isolated"


def test_limit_without_price_and_empty_size_are_refused():
    with pytest.raises(ValueError):
        order_body(wire_request(price=None), ONE_WAY, product_type="P", margin_coin="USDT", margin_mode="crossed")
    with pytest.raises(ValueError):
        order_body(wire_request(size=Decimal(0)), ONE_WAY, product_type="P", margin_coin="USDT",
                   margin_mode="crossed")


@pytest.mark.parametrize(
    ("value", "text"),
    [("0.001", "0.001"), ("0.0010", "0.001"), ("1E+2", "100"), ("1E-7", "0.0000001"), ("65000.50", "65000.5"),
     ("0", "0"), ("0E-8", "0"), ("123456789.123456789", "123456789.123456789")],
)
def test_decimal_formatting_never_uses_an_exponent(value, text):
    assert fmt_decimal(Decimal(value)) == text


def test_non_finite_amounts_are_refused():
    with pytest.raises(ValueError):
        fmt_decimal(Decimal("NaN"))


# ---------------------------------------------------------------- error codes


@pytest.mark.parametrize(
    ("code", "status", "cls"),
    [
        *[(c, 400, errors.AuthenticationError) for c in (
            "40001", "40002", "40003", "40011", "40004", "40005", "40008", "40006", "40009",
            "40012", "40014", "40018", "40037", "40099")],
        ("429", 429, errors.RateLimitError),
        ("1001", 400, errors.RateLimitError),
        ("40762", 429, errors.RateLimitError),  # HTTP 429 wins
        ("40200", 400, errors.ExchangeUnavailableError),
        ("40308", 400, errors.ExchangeUnavailableError),
        ("41114", 400, errors.ExchangeUnavailableError),
        ("99999", 503, errors.ExchangeUnavailableError),
        *[(c, 400, errors.InsufficientBalanceError) for c in ("40762", "43012", "40711", "40712")],
        ("40102", 400, errors.UnknownSymbolError),
        *[(c, 400, errors.OrderNotFoundError) for c in ("40768", "43001", "40109", "25204")],
        *[(c, 400, errors.NoPositionError) for c in ("22002", "25227")],
        *[(c, 400, errors.AccountModeError) for c in ("40084", "40085")],
        *[(c, 400, errors.InvalidOrderError) for c in (
            "43006", "45110", "40808", "41103", "40774", "40917", "45122", "43118", "40017", "40019")],
        ("12345", 400, errors.BitgetAPIError),
    ],
)
def test_codes_map_to_typed_errors(code, status, cls):
    err = classify(code, "bitget says no", status)
    assert type(err) is cls
    assert (err.code, err.http_status) == (code, status)
    assert "bitget says no" in err.msg


def test_retryable_flags_follow_the_error_class():
    assert classify("429", "", 429).retryable and classify("40200", "", 400).retryable
    assert not classify("40009", "", 400).retryable and not classify("40762", "", 400).retryable
    assert not classify("12345", "", 400).retryable


def test_signature_refusal_points_at_the_secret_key():
    err = classify("40009", "sign signature error", 400)
    assert "signature was refused" in str(err)
    assert "check the secret key" in str(err) and "40009" in str(err)


def test_known_codes_are_definitive_unknown_are_not():
    assert is_known_code("40762") and is_known_code("429") and not is_known_code("50001")


def test_connect_failures_are_told_apart_from_lost_replies():
    refused = requests.exceptions.ConnectionError(MaxRetryError(None, "/", NewConnectionError(None, "refused")))
    assert _is_connect_failure(requests.exceptions.ConnectTimeout())
    assert _is_connect_failure(refused)
    dropped = requests.exceptions.ConnectionError(
        ProtocolError("Connection aborted.", http.client.RemoteDisconnected("closed")))
    assert not _is_connect_failure(dropped)
    assert not _is_connect_failure(requests.exceptions.ReadTimeout())
    assert not _is_connect_failure(requests.exceptions.ChunkedEncodingError())


# ---------------------------------------------------------------- parsing


CONTRACT = {
    "symbol": "BTCUSDT", "baseCoin": "BTC", "quoteCoin": "USDT", "makerFeeRate": "0.0002",
    "takerFeeRate": "0.0006", "minTradeNum": "0.001", "priceEndStep": "5", "volumePlace": "3",
    "pricePlace": "2", "sizeMultiplier": "0.001", "minTradeUSDT": "5", "maxLever": "125",
    "symbolStatus": "normal",
}


def test_contract_tick_is_end_step_times_ten_to_minus_price_place():
    c = parse_contract(CONTRACT)
    assert c.price_tick == Decimal("0.05") and c.size_step == Decimal("0.001")
    assert (c.min_size, c.min_notional, c.max_leverage) == (Decimal("0.001"), Decimal(5), Decimal(125))
    assert c.taker_fee_rate == Decimal("0.0006") and c.tradable
    assert c.round_price(Decimal("100.01"), up=True) == Decimal("100.05")


def test_contract_fallbacks_for_demo_style_empty_fields():
    c = parse_contract({**CONTRACT, "sizeMultiplier": "", "maxLever": "", "symbolStatus": "maintain",
                        "priceEndStep": 1, "pricePlace": 1})
    assert c.size_step == Decimal("0.001") and c.max_leverage is None and not c.tradable
    assert c.price_tick == Decimal("0.1")


def test_quotes_from_ticker_and_depth_accept_strings_and_numbers():
    assert parse_ticker_quote("BTCUSDT", [{"bidPr": "1.5", "askPr": "1.6"}]).ask == Decimal("1.6")
    assert parse_ticker_quote("BTCUSDT", {"bidPr": "1.5", "askPr": "1.6"}).bid == Decimal("1.5")
    assert parse_ticker_quote("BTCUSDT", [{"bidPr": "0", "askPr": "1.6"}]) is None
    assert parse_ticker_quote("BTCUSDT", [{"bidPr": "", "askPr": "1.6"}]) is None
    depth = parse_depth_quote("BTCUSDT", {"asks": [[26347.5, 0.25]], "bids": [["26347.4", "1"]]})
    assert (depth.bid, depth.ask) == (Decimal("26347.4"), Decimal("26347.5"))
    assert parse_depth_quote("BTCUSDT", {"asks": [], "bids": [[1, 1]]}) is None


def test_balance_uses_the_margin_modes_max_available_and_account_equity():
    data = [
        {"marginCoin": "BTC", "available": "1", "accountEquity": "1"},
        {"marginCoin": "USDT", "available": "-4500.1", "crossedMaxAvailable": "82755.86",
         "isolatedMaxAvailable": "80000", "accountEquity": "-4767.7"},
    ]
    assert parse_balance(data, "USDT", "crossed").available == Decimal("82755.86")
    assert parse_balance(data, "usdt", "isolated").available == Decimal("80000")
    assert parse_balance(data, "USDT", "crossed").equity == Decimal("-4767.7")
    only_available = [{"marginCoin": "USDT", "available": "-3", "crossedMaxAvailable": "", "accountEquity": "9"}]
    assert parse_balance(only_available, "USDT", "crossed").available == Decimal(0)
    with pytest.raises(errors.BitgetAPIError, match="no SUSDT"):
        parse_balance(data, "SUSDT", "crossed")


def test_positions_skip_empty_legs_and_read_hold_side():
    leg = parse_position({"symbol": "BTCUSDT", "holdSide": "short", "total": "0.5", "available": "0.4",
                          "openPriceAvg": "60000", "leverage": 10, "stopLoss": ""})
    assert (leg.side, leg.size, leg.available, leg.leverage) == (SHORT, Decimal("0.5"), Decimal("0.4"), 10)
    assert leg.stop_loss is None
    assert parse_position({"symbol": "BTCUSDT", "holdSide": "long", "total": "0"}) is None


@pytest.mark.parametrize(
    ("value", "state"),
    [("live", OrderState.LIVE), ("new", OrderState.LIVE), ("partially_filled", OrderState.PARTIALLY_FILLED),
     ("filled", OrderState.FILLED), ("canceled", OrderState.CANCELED), ("cancelled", OrderState.CANCELED),
     ("CANCELED", OrderState.CANCELED), ("something_new", OrderState.UNKNOWN),
     ("reject", OrderState.REJECTED), ("rejected", OrderState.REJECTED)],
)
def test_order_states(value, state):
    assert parse_order_state(value) is state


@pytest.mark.parametrize(
    ("mode", "fields", "expected"),
    [
        (ONE_WAY, {"side": "buy", "reduceOnly": "NO", "tradeSide": ""}, (LONG, False)),
        (ONE_WAY, {"side": "sell"}, (SHORT, False)),
        (ONE_WAY, {"side": "sell", "reduceOnly": "YES"}, (LONG, True)),
        (ONE_WAY, {"side": "buy", "reduceOnly": "yes", "posSide": "long"}, (SHORT, True)),  # doc example
        (ONE_WAY, {"side": "buy", "tradeSide": "buy_single"}, (LONG, False)),
        (ONE_WAY, {"side": "buy", "tradeSide": "reduce_buy_single"}, (SHORT, True)),
        (HEDGE, {"side": "buy", "tradeSide": "open"}, (LONG, False)),
        (HEDGE, {"side": "sell", "tradeSide": "Open"}, (SHORT, False)),
        (HEDGE, {"side": "buy", "tradeSide": "close"}, (LONG, True)),
        (HEDGE, {"side": "sell", "tradeSide": "CLOSE"}, (SHORT, True)),
        (HEDGE, {"side": "sell", "tradeSide": "close", "posSide": "long"}, (LONG, True)),
        (HEDGE, {"side": "sell", "tradeSide": "burst_close_short"}, (SHORT, True)),
    ],
)
def test_order_intent_from_side_trade_side_and_reduce_only(mode, fields, expected):
    assert order_intent(fields, mode) == expected


def test_order_detail_parses_decimals_state_and_uses_its_own_pos_mode():
    item = {"symbol": "ethusdt", "size": "2", "orderId": "123456", "clientOid": "77777", "baseVolume": "1.5",
            "priceAvg": "1900", "fee": "", "price": "1900", "state": "partially_filled", "side": "buy",
            "posSide": "long", "marginMode": "cross", "reduceOnly": "yes", "tradeSide": "",
            "posMode": "one_way_mode", "orderType": "limit", "presetStopLossPrice": "1890"}
    order = parse_order(item, HEDGE)
    assert (order.order_id, order.client_oid, order.symbol) == ("123456", "77777", "ETHUSDT")
    assert (order.position_side, order.reduce) == (SHORT, True)
    assert (order.size, order.filled, order.remaining) == (Decimal(2), Decimal("1.5"), Decimal("0.5"))
    assert order.state is OrderState.PARTIALLY_FILLED and order.stop_loss == Decimal(1890)


def test_pending_order_uses_status_and_market_orders_have_no_price():
    item = {"symbol": "BTCUSDT", "size": "0.01", "orderId": "1", "clientOid": "c", "baseVolume": "",
            "priceAvg": "", "price": "0", "status": "live", "side": "sell", "tradeSide": "close",
            "orderType": "market"}
    order = parse_order(item, HEDGE)
    assert order.state is OrderState.LIVE and order.price is None and order.avg_price is None
    assert order.filled == 0 and order.order_type is OrderType.MARKET and order.reduce


def test_unreadable_numbers_raise_a_bitget_error_not_a_crash():
    with pytest.raises(BitgetError, match="unreadable"):
        parse_position({"symbol": "X", "holdSide": "long", "total": "abc"})
