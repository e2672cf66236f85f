"""Order size and price rounding follow the contract's own precision and steps."""

from decimal import Decimal

from trading.models import Contract
from trading.sizing import below_minimum, open_size

BTC = Contract(
    symbol="BTCUSDT",
    base_coin="BTC",
    quote_coin="USDT",
    price_tick=Decimal("0.1"),
    size_step=Decimal("0.0001"),
    min_size=Decimal("0.0001"),
    min_notional=Decimal("5"),
    max_leverage=Decimal("125"),
    taker_fee_rate=Decimal("0.0006"),
    tradable=True,
)


def test_size_is_available_times_ratio_times_leverage_over_price_floored():
    size = open_size(
        BTC, available=Decimal("10000"), ratio=Decimal("0.5"), leverage=Decimal("10"), price=Decimal("60000.1")
    )
    # 10000 × 0.5 × 10 / 60000.1 = 0.83333194… → floored to 0.0001
    assert size == Decimal("0.8333")


def test_fee_headroom_shrinks_a_full_ratio_order():
    size = open_size(BTC, available=Decimal("1000"), ratio=Decimal("1"), leverage=Decimal("10"), price=Decimal("50000"))
    # without headroom 0.2; margin 1000 + fee 6 would exceed 1000
    assert size == Decimal("0.1988")
    assert size * Decimal("50000") / 10 + size * Decimal("50000") * Decimal("0.0006") <= 1000


def test_nothing_available_gives_zero():
    assert open_size(BTC, available=Decimal("0"), ratio=Decimal("0.5"), leverage=Decimal("10"), price=Decimal("1")) == 0


def test_minimums_are_reported_with_their_names():
    assert "minimum order size 0.0001 BTC" in below_minimum(BTC, Decimal("0"), Decimal("60000"))
    assert "minimum order value 5 USDT" in below_minimum(BTC, Decimal("0.0001"), Decimal("40000"))
    assert below_minimum(BTC, Decimal("0.001"), Decimal("60000")) is None


def test_price_rounds_up_for_buys_and_down_for_sells():
    assert BTC.round_price(Decimal("60000.123"), up=True) == Decimal("60000.2")
    assert BTC.round_price(Decimal("60000.123"), up=False) == Decimal("60000.1")
    half = Contract(**{**BTC.__dict__, "price_tick": Decimal("0.5")})
    assert half.round_price(Decimal("100.2"), up=True) == Decimal("100.5")
    assert half.round_price(Decimal("100.2"), up=False) == Decimal("100.0")


def test_floor_size_never_rounds_up():
    assert BTC.floor_size(Decimal("0.99999")) == Decimal("0.9999")
