"""The webhook protocol: what is accepted, how it is normalized, and how each mistake is named."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from trading.signals import Intent, SignalRejected, parse_signal
from trading.symbols import normalize_ticker

KNOWN = {"BTCUSDT", "ETHUSDT"}


def payload(**overrides):
    body = {"token": "x", "action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "price": "60000"}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


@pytest.mark.parametrize(
    ("action", "sentiment", "intent"),
    [
        ("buy", "long", Intent.HOLD_LONG),
        ("sell", "short", Intent.HOLD_SHORT),
        ("buy", "flat", Intent.NO_SHORT),
        ("sell", "flat", Intent.NO_LONG),
        ("BUY", "Long", Intent.HOLD_LONG),
    ],
)
def test_the_four_combinations_map_to_intents(action, sentiment, intent):
    assert parse_signal(payload(action=action, sentiment=sentiment), KNOWN).intent is intent


@pytest.mark.parametrize(("action", "sentiment"), [("exit", "long"), ("cancel", "short")])
def test_contradictory_combinations_name_the_allowed_ones(action, sentiment):
    with pytest.raises(SignalRejected) as err:
        parse_signal(payload(action=action, sentiment=sentiment), KNOWN)
    assert err.value.code == "invalid-sentiment-action"
    assert "buy+long" in err.value.error


@pytest.mark.parametrize(("action", "sentiment"), [("buy", "short"), ("sell", "long")])
def test_a_partial_exit_without_its_size_names_quantity_and_exit_pct(action, sentiment):
    with pytest.raises(SignalRejected) as err:
        parse_signal(payload(action=action, sentiment=sentiment), KNOWN)
    assert err.value.code == "missing-exit-size"
    assert "quantity" in err.value.error and "exit_pct" in err.value.error


@pytest.mark.parametrize(
    "ticker", ["BTCUSDT", "BTCUSDT.P", "BITGET:BTCUSDT.P", "BTCUSDT_UMCBL", "btcusdt", "BTC/USDT:USDT", " btcusdt.p "]
)
def test_ticker_forms_normalize_to_the_v2_symbol(ticker):
    assert parse_signal(payload(ticker=ticker), KNOWN).symbol == "BTCUSDT"


@pytest.mark.parametrize("ticker", ["BTCUSD", "NOPEUSDT", "../etc", "", "NASDAQ:NOPE"])
def test_unknown_or_malformed_tickers_are_refused(ticker):
    with pytest.raises(SignalRejected) as err:
        parse_signal(payload(ticker=ticker), KNOWN)
    assert err.value.code in ("unknown-ticker", "missing-field")


def test_unlisted_symbol_passes_when_listing_is_unknown():
    assert parse_signal(payload(ticker="NOPEUSDT"), None).symbol == "NOPEUSDT"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("action", None, "missing-field"),
        ("action", 1, "invalid-field"),
        ("action", "hold", "invalid-action"),
        ("sentiment", "up", "invalid-sentiment"),
        ("sentiment", ["long"], "invalid-field"),
        ("ticker", 42, "invalid-field"),
        ("price", "-1", "invalid-price"),
        ("price", 0, "invalid-price"),
        ("price", "abc", "invalid-price"),
        ("price", "NaN", "invalid-price"),
        ("price", "Infinity", "invalid-price"),
        ("price", float("inf"), "invalid-price"),
        ("price", True, "invalid-price"),
        ("price", {"v": 1}, "invalid-price"),
        ("price", "1e400", "invalid-price"),
        ("stop_loss_price", "-5", "invalid-price"),
        ("time", "yesterday", "invalid-time"),
        ("id", {"a": 1}, "invalid-field"),
        ("id", "x" * 200, "invalid-field"),
    ],
)
def test_bad_fields_are_refused_with_a_stable_code(field, value, code):
    body = payload()
    if value is None:
        body.pop(field)
    else:
        body[field] = value
    with pytest.raises(SignalRejected) as err:
        parse_signal(body, KNOWN)
    assert err.value.code == code
    assert field.split("_")[0] in err.value.error or field in err.value.error


def test_prices_are_decimals_from_numbers_or_strings():
    signal = parse_signal(payload(price=60000.5, stop_loss_price="59000.25"), KNOWN)
    assert signal.price == Decimal("60000.5")
    assert signal.stop_loss == Decimal("59000.25")


@pytest.mark.parametrize(
    ("action", "sentiment", "stop"), [("buy", "long", "61000"), ("sell", "short", "59000")]
)
def test_stop_loss_on_the_wrong_side_of_the_price_is_refused(action, sentiment, stop):
    with pytest.raises(SignalRejected) as err:
        parse_signal(payload(action=action, sentiment=sentiment, stop_loss_price=stop), KNOWN)
    assert err.value.code == "stop-loss-wrong-side"


def test_stop_loss_on_a_close_is_refused():
    with pytest.raises(SignalRejected) as err:
        parse_signal(payload(action="sell", sentiment="flat", stop_loss_price="59000"), KNOWN)
    assert err.value.code == "invalid-stop-loss"


@pytest.mark.parametrize(
    "value", ["2026-11-27T10:00:00Z", "2026-11-27T10:00:00+00:00", 1795773600, 1795773600000, "1795773600"]
)
def test_time_accepts_iso_and_epoch_seconds_or_ms(value):
    assert parse_signal(payload(time=value), KNOWN).sent_at.tzinfo is not None


def test_epoch_ms_and_seconds_agree():
    a = parse_signal(payload(time=1795773600), KNOWN).sent_at
    b = parse_signal(payload(time=1795773600000), KNOWN).sent_at
    assert a == b == datetime.fromtimestamp(1795773600, tz=UTC)


def test_normalize_rejects_non_usdt_pairs():
    assert normalize_ticker("BTCUSD.P") is None
    assert normalize_ticker("BITGET:ETHUSDT.P") == "ETHUSDT"
