"""The v3 (UTA) client's wire format and parsing, without any HTTP: bodies, codes, models."""

from __future__ import annotations

import inspect
from decimal import Decimal

import pytest

from bitget import errors
from bitget.auth import Credentials
from bitget.common import order_ref
from bitget.errors import BitgetError
from bitget.options import ClientOptions
from bitget.placement import is_duplicate_refusal
from bitget.transport import classify, is_known_code, serialize_body
from bitget.v2.client import ClassicClient
from bitget.v3.client import UtaClient
from bitget.v3.endpoints import DUPLICATE_CLIENT_OIDS, order_body, side_fields, v3_category, v3_coin
from bitget.v3.parsing import (
    is_perpetual,
    order_intent,
    parse_balance,
    parse_hold_mode,
    parse_instrument,
    parse_order,
    parse_orderbook_quote,
    parse_position,
    parse_ticker_quote,
    rows,
    settings_leverage,
)
from tests.support.fake_bitget import HEDGE, LONG, ONE_WAY, SHORT, assert_exchange_signatures, wire_request
from trading.models import OrderState, OrderType

# ---------------------------------------------------------------- interface


def test_uta_client_matches_the_exchange_protocol_signatures():
    assert_exchange_signatures(UtaClient)


def test_uta_client_takes_the_same_constructor_keywords_as_the_classic_client():
    assert inspect.signature(UtaClient.__init__) == inspect.signature(ClassicClient.__init__)


def test_demo_product_types_and_coins_map_to_v3_names():
    assert v3_category("SUSDT-FUTURES") == "USDT-FUTURES" and v3_category("usdt-futures") == "USDT-FUTURES"
    assert v3_coin("SUSDT") == "USDT" and v3_coin("usdt") == "USDT"
    keys = Credentials("k", "s", "p")
    client = UtaClient(ClientOptions("http://127.0.0.1:1", keys, product_type="SUSDT-FUTURES", margin_coin="SUSDT"))
    assert (client.category, client.product_type, client.margin_coin) == ("USDT-FUTURES", "USDT-FUTURES", "USDT")
    assert repr(client) == "UtaClient(base_url='http://127.0.0.1:1', category='USDT-FUTURES')"
    with pytest.raises(ValueError):
        UtaClient(ClientOptions("http://127.0.0.1:1", keys, margin_mode="cross"))


# ---------------------------------------------------------------- side / posSide / reduceOnly


@pytest.mark.parametrize(
    ("mode", "side", "reduce", "expected"),
    [
        # docs/bitget-api-v3-uta.md §4: side is always the real direction
        (ONE_WAY, LONG, False, {"side": "buy"}),
        (ONE_WAY, SHORT, False, {"side": "sell"}),
        (ONE_WAY, LONG, True, {"side": "sell", "reduceOnly": "yes"}),
        (ONE_WAY, SHORT, True, {"side": "buy", "reduceOnly": "yes"}),
        (HEDGE, LONG, False, {"side": "buy", "posSide": "long"}),
        (HEDGE, SHORT, False, {"side": "sell", "posSide": "short"}),
        (HEDGE, LONG, True, {"side": "sell", "posSide": "long"}),  # v2 would send buy + close
        (HEDGE, SHORT, True, {"side": "buy", "posSide": "short"}),  # v2 would send sell + close
    ],
)
def test_side_fields_follow_the_v3_table(mode, side, reduce, expected):
    assert side_fields(mode, side, reduce) == expected
    body = order_body(wire_request(side, reduce), mode, category="USDT-FUTURES", margin_mode="crossed")
    for key in ("side", "posSide", "reduceOnly"):
        assert body.get(key) == expected.get(key)
    assert not {"tradeSide", "productType", "marginCoin", "size", "force", "holdSide"} & set(body)


def test_the_read_side_inverts_the_write_side_in_both_modes():
    for mode in (ONE_WAY, HEDGE):
        for side in (LONG, SHORT):
            for reduce in (False, True):
                fields = side_fields(mode, side, reduce)
                row = {**fields, "reduceOnly": fields.get("reduceOnly", "no").upper()}
                assert order_intent(row, mode) == (side, reduce), (mode, side, reduce)


def test_limit_body_has_every_field_as_a_string_in_order():
    body = order_body(wire_request(stop_loss=Decimal("6.4E+4")), ONE_WAY, category="USDT-FUTURES",
                      margin_mode="crossed")
    assert serialize_body(body) == (
        '{"category":"USDT-FUTURES","symbol":"BTCUSDT","qty":"0.001","price":"65000.5","side":"buy",'
        '"orderType":"limit","timeInForce":"gtc","marginMode":"crossed","clientOid":"sig-1-a1",'
        '"stopLoss":"64000","slOrderType":"market"}'
    )


def test_market_close_in_hedge_mode_has_no_price_no_time_in_force_no_reduce_only():
    body = order_body(wire_request(order_type=OrderType.MARKET, price=None, reduce=True), HEDGE,
                      category="USDT-FUTURES", margin_mode="isolated")
    assert serialize_body(body) == (
        '{"category":"USDT-FUTURES","symbol":"BTCUSDT","qty":"0.001","side":"sell","posSide":"long",'
        '"orderType":"market","marginMode":"isolated","clientOid":"sig-1-a1"}'
    )


def test_limit_without_price_and_empty_size_are_refused():
    with pytest.raises(ValueError):
        order_body(wire_request(price=None), ONE_WAY, category="USDT-FUTURES", margin_mode="crossed")
    with pytest.raises(ValueError):
        order_body(wire_request(size=Decimal(0)), ONE_WAY, category="USDT-FUTURES", margin_mode="crossed")


def test_order_ref_prefers_the_order_id():
    assert order_ref("1", "c") == {"orderId": "1"} and order_ref(None, "c") == {"clientOid": "c"}
    with pytest.raises(ValueError):
        order_ref(None, None)


# ---------------------------------------------------------------- error codes (docs/bitget-api-v3-uta.md §5.2)


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("40084", errors.AccountModeError),
        ("40085", errors.AccountModeError),
        ("400172", errors.InvalidOrderError),
        ("25236", errors.InvalidOrderError),
        ("25202", errors.InsufficientBalanceError),
        ("25203", errors.InsufficientBalanceError),
        ("25204", errors.OrderNotFoundError),
        ("22001", errors.OrderNotFoundError),
        ("25227", errors.NoPositionError),
        ("22002", errors.NoPositionError),
        ("1001", errors.RateLimitError),
        ("40054", errors.NoDataError),
        ("40014", errors.AuthenticationError),
    ],
)
def test_v3_codes_map_to_typed_errors(code, cls):
    err = classify(code, "bitget says no", 400)
    assert type(err) is cls and err.code == code and "bitget says no" in err.msg
    assert is_known_code(code)


def test_account_mode_errors_explain_themselves_and_the_new_classes_fit_the_tree():
    assert "classic account" in str(classify("40084", "Classic Account mode", 400))
    assert "classic-only (v2) parameter" in str(classify("25236", "holdSide not supported", 400))
    assert issubclass(errors.AccountSystemMismatch, errors.AccountModeError)
    assert issubclass(errors.AccountSwitchingError, errors.AccountModeError)
    assert errors.AccountSwitchingError("x").retryable and not errors.AccountSystemMismatch("x").retryable
    assert issubclass(errors.NoDataError, errors.BitgetAPIError)


@pytest.mark.parametrize(
    ("code", "msg", "duplicate"),
    [
        ("43118", "clientOrderId duplicate", True),
        ("25999", "Duplicate clientOid", True),
        ("25998", "The clientOid already exists", True),
        ("25204", "Order does not exist", False),
        ("400172", "Parameter verification failed", False),
    ],
)
def test_duplicate_client_oid_refusals_are_recognised(code, msg, duplicate):
    assert is_duplicate_refusal(errors.BitgetAPIError(msg, code=code)) is duplicate


def test_the_v3_client_also_treats_25212_as_a_duplicate_client_oid():
    assert is_duplicate_refusal(errors.BitgetAPIError("refused", code="25212"), DUPLICATE_CLIENT_OIDS)
    assert not is_duplicate_refusal(errors.BitgetAPIError("refused", code="25212"))


# ---------------------------------------------------------------- parsing: market data


INSTRUMENT = {
    "category": "USDT-FUTURES", "symbol": "BTCUSDT", "baseCoin": "BTC", "quoteCoin": "USDT",
    "pricePrecision": "1", "priceMultiplier": "0.5", "quantityPrecision": "4", "quantityMultiplier": "0.0001",
    "minOrderQty": "0.0001", "maxOrderQty": "", "minOrderAmount": "5", "minLeverage": "1",
    "maxLeverage": "125", "takerFeeRate": "0.0006", "makerFeeRate": "0.0002", "status": "online",
    "type": "perpetual", "quotePrecision": None, "offTime": "-1", "maintainTime": "",
}


def test_instrument_steps_come_from_the_multipliers():
    c = parse_instrument(INSTRUMENT)
    assert (c.price_tick, c.size_step) == (Decimal("0.5"), Decimal("0.0001"))
    assert (c.min_size, c.min_notional, c.max_leverage) == (Decimal("0.0001"), Decimal(5), Decimal(125))
    assert c.taker_fee_rate == Decimal("0.0006") and c.tradable and c.base_coin == "BTC"
    assert c.round_price(Decimal("100.2"), up=True) == Decimal("100.5")


def test_instrument_falls_back_to_precisions_and_only_online_trades():
    c = parse_instrument({**INSTRUMENT, "priceMultiplier": "0", "quantityMultiplier": None, "maxLeverage": "",
                          "takerFeeRate": "", "status": "limit_open"})
    assert (c.price_tick, c.size_step) == (Decimal("0.1"), Decimal("0.0001"))
    assert c.max_leverage is None and c.taker_fee_rate == Decimal("0.0006") and not c.tradable


def test_only_perpetuals_count():
    assert is_perpetual(INSTRUMENT) and is_perpetual({"symbol": "X"})
    assert not is_perpetual({**INSTRUMENT, "type": "delivery"})


def test_ticker_and_orderbook_quotes():
    data = [{"symbol": "ETHUSDT", "bid1Price": "1", "ask1Price": "2"},
            {"symbol": "BTCUSDT", "bid1Price": "104992.6", "ask1Price": "104992.7", "lastPrice": "104992.6"}]
    q = parse_ticker_quote("BTCUSDT", data)
    assert (q.bid, q.ask) == (Decimal("104992.6"), Decimal("104992.7"))
    assert parse_ticker_quote("BTCUSDT", [{"symbol": "BTCUSDT", "bid1Price": "", "ask1Price": "2"}]) is None
    assert parse_ticker_quote("BTCUSDT", []) is None
    book = parse_orderbook_quote("BTCUSDT", {"a": [[104992.7, 0.018411]], "b": [[104992.6, 1.5]], "ts": "1"})
    assert (book.bid, book.ask) == (Decimal("104992.6"), Decimal("104992.7"))
    assert parse_orderbook_quote("BTCUSDT", {"a": [], "b": [[1, 1]]}) is None


# ---------------------------------------------------------------- parsing: account


ASSETS = {
    "accountEquity": "1000.5", "usdtEquity": "1000.25", "effEquity": "990", "unrealisedPnl": "0",
    "assets": [{"coin": "BTC", "equity": "0.01", "available": "0.01", "balance": "0.01"},
               {"coin": "USDT", "equity": "900", "available": "850.75", "balance": "900", "debt": "0"}],
}


def test_balance_takes_the_coin_row_available_and_account_equity():
    b = parse_balance(ASSETS, "usdt")
    assert (b.coin, b.available, b.equity) == ("USDT", Decimal("850.75"), Decimal("1000.25"))
    no_usdt_equity = {**ASSETS, "usdtEquity": None}
    assert parse_balance(no_usdt_equity, "USDT").equity == Decimal("1000.5")


def test_balance_without_the_coin_is_zero_and_never_negative():
    assert parse_balance({"accountEquity": "5", "assets": None}, "USDT").available == 0
    debt = {"assets": [{"coin": "USDT", "available": "-3", "equity": "-3"}]}
    b = parse_balance(debt, "USDT")
    assert b.available == 0 and b.equity == Decimal(-3)
    with pytest.raises(errors.BitgetAPIError):
        parse_balance([], "USDT")


SETTINGS = {
    "uid": "1", "accountMode": "unified", "assetMode": "multi_assets", "accountLevel": "advanced",
    "holdMode": "hedge_mode", "stpMode": "none",
    "symbolConfigList": [
        {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "marginMode": "isolated", "leverage": "5"},
        {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "marginMode": "crossed", "leverage": "20"},
        {"category": "USDT-FUTURES", "symbol": "ETHUSDT", "marginMode": "isolated", "leverage": "7"},
        {"category": "COIN-FUTURES", "symbol": "SOLUSDT", "marginMode": "crossed", "leverage": "3"},
    ],
    "coinConfigList": [{"coin": "USDT", "leverage": "3"}],
}


def test_settings_give_hold_mode_and_per_symbol_leverage_for_the_margin_mode():
    assert parse_hold_mode(SETTINGS) is HEDGE
    assert parse_hold_mode({**SETTINGS, "holdMode": "one_way_mode"}) is ONE_WAY
    crossed = settings_leverage(SETTINGS, "USDT-FUTURES", "crossed")
    assert crossed == {"BTCUSDT": Decimal(20), "ETHUSDT": Decimal(7)}
    assert settings_leverage(SETTINGS, "USDT-FUTURES", "isolated")["BTCUSDT"] == Decimal(5)
    assert settings_leverage({**SETTINGS, "symbolConfigList": None}, "USDT-FUTURES", "crossed") == {}
    with pytest.raises(errors.BitgetAPIError):
        parse_hold_mode({"holdMode": "net"})


def test_null_and_empty_lists_are_no_rows():
    assert rows({"list": None}) == [] and rows({"list": []}) == [] and rows(None) == [] and rows({}) == []
    assert rows({"list": [{"a": 1}, None]}) == [{"a": 1}] and rows([{"b": 2}]) == [{"b": 2}]


def test_positions_read_pos_side_and_skip_empty_rows():
    leg = parse_position({"category": "USDT-FUTURES", "symbol": "BTCUSDT", "posSide": "short", "total": "0.5",
                          "available": "0.4", "frozen": "0.1", "avgPrice": "60000", "leverage": "10",
                          "liquidationPrice": "0", "holdMode": "one_way_mode"})
    assert (leg.side, leg.size, leg.available, leg.entry_price) == (SHORT, Decimal("0.5"), Decimal("0.4"), 60000)
    assert leg.leverage == 10 and leg.stop_loss is None
    assert parse_position({"symbol": "BTCUSDT", "posSide": "long", "total": "0"}) is None
    with pytest.raises(BitgetError, match="posSide"):
        parse_position({"symbol": "BTCUSDT", "posSide": "net", "total": "1"})


# ---------------------------------------------------------------- parsing: orders


ORDER = {
    "orderId": "1311", "clientOid": "sig-9", "category": "USDT-FUTURES", "symbol": "btcusdt",
    "orderType": "limit", "side": "sell", "price": "65000", "qty": "0.002", "amount": "0",
    "cumExecQty": "0.001", "cumExecValue": "65", "avgPrice": "65000", "timeInForce": "gtc",
    "orderStatus": "partially_filled", "posSide": "long", "holdMode": "hedge_mode", "tradeSide": "close",
    "reduceOnly": "NO", "marginMode": "crossed", "stopLoss": None, "takeProfit": None,
    "feeDetail": [{"feeCoin": "USDT", "fee": "0.039"}], "execType": "normal",
    "createdTime": "1750496809871", "updatedTime": "1750496809871",
}


def test_order_info_parses_amounts_state_and_hedge_intent():
    order = parse_order(ORDER, ONE_WAY)  # the row's own holdMode wins
    assert (order.order_id, order.client_oid, order.symbol) == ("1311", "sig-9", "BTCUSDT")
    assert (order.position_side, order.reduce) == (LONG, True)
    assert (order.size, order.filled, order.remaining) == (Decimal("0.002"), Decimal("0.001"), Decimal("0.001"))
    assert order.avg_price == Decimal(65000) and order.state is OrderState.PARTIALLY_FILLED
    assert order.stop_loss is None and order.order_type is OrderType.LIMIT


@pytest.mark.parametrize(
    ("status", "state"),
    [("live", OrderState.LIVE), ("new", OrderState.LIVE), ("partially_filled", OrderState.PARTIALLY_FILLED),
     ("filled", OrderState.FILLED), ("cancelled", OrderState.CANCELED), ("CANCELLED", OrderState.CANCELED)],
)
def test_order_status_spellings(status, state):
    assert parse_order({**ORDER, "orderStatus": status}, HEDGE).state is state


def test_market_order_without_fills_has_no_prices():
    order = parse_order({**ORDER, "orderType": "market", "price": "0", "avgPrice": "", "cumExecQty": "",
                         "orderStatus": "new", "stopLoss": "59000"}, HEDGE)
    assert order.price is None and order.avg_price is None and order.filled == 0
    assert order.order_type is OrderType.MARKET and order.stop_loss == Decimal(59000)


@pytest.mark.parametrize(
    ("mode", "fields", "expected"),
    [
        (ONE_WAY, {"side": "buy", "reduceOnly": "NO"}, (LONG, False)),
        (ONE_WAY, {"side": "sell", "reduceOnly": "no", "posSide": "short"}, (SHORT, False)),
        (ONE_WAY, {"side": "sell", "reduceOnly": "YES"}, (LONG, True)),
        (ONE_WAY, {"side": "buy", "reduceOnly": "Yes", "posSide": "short"}, (SHORT, True)),
        (ONE_WAY, {"side": "buy", "reduceOnly": "yes"}, (SHORT, True)),
        (ONE_WAY, {"side": "sell", "execType": "liquidation"}, (LONG, True)),
        (ONE_WAY, {"side": "buy", "tradeSide": "close"}, (SHORT, True)),
        (HEDGE, {"side": "buy", "posSide": "long", "reduceOnly": "NO"}, (LONG, False)),
        (HEDGE, {"side": "sell", "posSide": "SHORT"}, (SHORT, False)),
        (HEDGE, {"side": "sell", "posSide": "long"}, (LONG, True)),
        (HEDGE, {"side": "buy", "posSide": "short", "reduceOnly": "YES"}, (SHORT, True)),
        (HEDGE, {"side": "sell", "reduceOnly": "YES"}, (LONG, True)),  # no posSide: read like one-way
    ],
)
def test_order_intent_from_side_pos_side_and_reduce_only(mode, fields, expected):
    assert order_intent(fields, mode) == expected


def test_unreadable_order_rows_raise_a_bitget_error_not_a_crash():
    with pytest.raises(BitgetError, match="side"):
        parse_order({**ORDER, "side": "open_long"}, HEDGE)
    with pytest.raises(BitgetError, match="unreadable"):
        parse_order({**ORDER, "qty": "abc"}, HEDGE)
