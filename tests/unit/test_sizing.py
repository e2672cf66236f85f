"""Order size and price rounding follow the contract's own precision and steps."""

from decimal import Decimal

from trading.models import Contract
from trading.sizing import Account, SizeRequest, below_minimum, open_size, plan_size

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


# -- per-alert sizing (plan_size): every figure below is worked by hand ------------------------

RICH = Account(available=Decimal("10000"), equity=Decimal("10000"), leverage=Decimal("10"), ratio=Decimal("0.5"))


def test_quantity_is_taken_as_is_when_within_the_caps():
    sizing = plan_size(BTC, SizeRequest(quantity=Decimal("0.5")), RICH, Decimal("65000.1"))
    # cap: 10000 × 0.5 × 10 / 65000.1 = 0.76922… BTC, above 0.5
    assert sizing.size == Decimal("0.5")
    assert sizing.capped_by == ()
    assert sizing.describe().startswith("sized by quantity 0.5 BTC")


def test_quantity_above_max_purchase_ratio_is_capped_and_says_so():
    sizing = plan_size(BTC, SizeRequest(quantity=Decimal("1")), RICH, Decimal("65000.1"))
    assert sizing.size == Decimal("0.7692")  # 50000 / 65000.1 = 0.769229… floored to 0.0001
    assert "capped by MAX_PURCHASE_RATIO 0.5 → 0.7692" in sizing.describe()


def test_size_usdt_is_notional_over_price():
    sizing = plan_size(BTC, SizeRequest(size_usdt=Decimal("1000")), RICH, Decimal("50000"))
    assert sizing.size == Decimal("0.02")  # 1000 / 50000
    assert "size_usdt 1000 USDT" in sizing.describe() and not sizing.capped_by


def test_size_pct_is_a_share_of_available_margin_times_leverage():
    account = Account(Decimal("1000"), Decimal("1000"), Decimal("5"), Decimal("0.5"))
    assert plan_size(BTC, SizeRequest(size_pct=Decimal("20")), account, Decimal("50000")).size == Decimal("0.02")
    # 1000 × 20 % × 5 / 50000 = 0.02; 80 % would be 0.08, but MAX_PURCHASE_RATIO allows 1000 × 0.5 × 5 / 50000 = 0.05
    capped = plan_size(BTC, SizeRequest(size_pct=Decimal("80")), account, Decimal("50000"))
    assert capped.size == Decimal("0.05")
    assert capped.capped_by == ("MAX_PURCHASE_RATIO 0.5",)


def test_risk_pct_loses_that_share_of_equity_at_the_stop_fees_included():
    ask = SizeRequest(risk_pct=Decimal("1"), stop_loss=Decimal("49000"))
    sizing = plan_size(BTC, ask, RICH, Decimal("50000"))
    # 1 % of 10000 = 100 USDT; per BTC: 1000 price move + 0.0006 × (50000 + 49000) = 59.4 fees → 1059.4
    # 100 / 1059.4 = 0.094393… → 0.0943
    assert sizing.size == Decimal("0.0943")
    fee = BTC.taker_fee_rate

    def loss(size: Decimal) -> Decimal:
        move = size * (Decimal("50000") - Decimal("49000"))
        return move + size * Decimal("50000") * fee + size * Decimal("49000") * fee

    assert loss(sizing.size) == Decimal("99.90142")  # 94.3 + 2.829 + 2.77242
    assert loss(sizing.size) <= 100 < loss(sizing.size + BTC.size_step)
    assert "risk_pct 1% of equity 10000 = 100.00 USDT" in sizing.describe()


def test_risk_pct_for_a_short_measures_the_stop_above():
    ask = SizeRequest(risk_pct=Decimal("1"), stop_loss=Decimal("51000"))
    # per BTC: 1000 + 0.0006 × (50000 + 51000) = 1060.6; 100 / 1060.6 = 0.094286… → 0.0942
    assert plan_size(BTC, ask, RICH, Decimal("50000")).size == Decimal("0.0942")


def test_risk_pct_with_a_tight_stop_is_capped_by_max_purchase_ratio():
    ask = SizeRequest(risk_pct=Decimal("2"), stop_loss=Decimal("49990"))
    sizing = plan_size(BTC, ask, RICH, Decimal("50000"))
    # 200 / (10 + 0.0006 × 99990 = 69.994) = 2.857… BTC wanted; ratio allows 10000 × 0.5 × 10 / 50000 = 1
    assert sizing.size == Decimal("1.0000")
    assert sizing.capped_by == ("MAX_PURCHASE_RATIO 0.5",)


def test_the_taker_fee_leaves_room_in_the_margin():
    account = Account(Decimal("1000"), Decimal("1000"), Decimal("10"), Decimal("1"))
    sizing = plan_size(BTC, SizeRequest(size_pct=Decimal("100")), account, Decimal("50000"))
    # wanted 1000 × 10 / 50000 = 0.2; margin 0.2 × 5000 = 1000 leaves nothing for the 6 USDT fee:
    # 1000 × 10 / (1 + 0.0006 × 10) / 50000 = 0.198807… → 0.1988
    assert sizing.size == Decimal("0.1988")
    assert sizing.capped_by == ("the margin available after the taker fee",)


def test_max_position_usdt_caps_what_is_left_of_it():
    account = Account(Decimal("10000"), Decimal("10000"), Decimal("10"), Decimal("0.5"), room_usdt=Decimal("2000"))
    sizing = plan_size(BTC, SizeRequest(quantity=Decimal("0.1")), account, Decimal("50000"))
    assert sizing.size == Decimal("0.04")  # 2000 / 50000
    assert "MAX_POSITION_USDT (room 2000 USDT)" in sizing.describe()


def test_the_default_rule_is_max_purchase_ratio():
    sizing = plan_size(BTC, SizeRequest(), RICH, Decimal("60000.1"))
    assert sizing.size == Decimal("0.8333")  # as open_size: 10000 × 0.5 × 10 / 60000.1
    assert sizing.describe().startswith("sized by MAX_PURCHASE_RATIO 0.5")
