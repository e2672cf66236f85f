"""The contracts the simulator lists, with Bitget's own trading rules.

The rules (price decimals and step, size step, minimums, fee rates) are the values Bitget's
``/api/v2/mix/market/contracts`` publishes, so a client that rounds wrongly is refused here the
way the exchange would refuse it. ``reference_price`` only seeds the synthetic order book.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

USDT = "USDT"


@dataclass(frozen=True)
class ContractSpec:
    """One USDT-M perpetual and the rules an order for it must follow."""

    symbol: str
    base_coin: str
    price_place: int  # price decimals
    price_end_step: int  # price step in units of the last decimal
    volume_place: int  # size decimals
    size_multiplier: Decimal  # size step
    min_trade_num: Decimal  # smallest order size, base coin
    max_lever: int
    reference_price: Decimal  # centre of the synthetic book
    min_trade_usdt: Decimal = Decimal("5")
    min_lever: int = 1
    maker_fee_rate: Decimal = Decimal("0.0002")
    taker_fee_rate: Decimal = Decimal("0.0006")
    quote_coin: str = USDT

    @property
    def tick(self) -> Decimal:
        """Smallest price increment: priceEndStep x 10^-pricePlace."""
        return Decimal(self.price_end_step).scaleb(-self.price_place)

    def price_valid(self, price: Decimal) -> bool:
        """A price must be positive and a whole number of ticks."""
        try:
            return price > 0 and price % self.tick == 0
        except InvalidOperation:  # absurdly large: more ticks than Decimal can count
            return False

    def size_valid(self, size: Decimal) -> bool:
        """A size must be positive, within volumePlace decimals and a multiple of sizeMultiplier."""
        if size <= 0:
            return False
        decimals = max(0, -int(size.normalize().as_tuple().exponent))
        try:
            return decimals <= self.volume_place and size % self.size_multiplier == 0
        except InvalidOperation:
            return False

    def floor_size(self, size: Decimal) -> Decimal:
        """Round a size down to the size step (never more than asked)."""
        if size <= 0:
            return Decimal(0)
        return (size // self.size_multiplier) * self.size_multiplier

    def floor_price(self, price: Decimal) -> Decimal:
        return (price // self.tick) * self.tick

    def to_api(self) -> dict[str, Any]:
        """The contract as Bitget's v2 contracts endpoint shows it (every value a string)."""
        return {
            "symbol": self.symbol,
            "baseCoin": self.base_coin,
            "quoteCoin": self.quote_coin,
            "buyLimitPriceRatio": "0.05",
            "sellLimitPriceRatio": "0.05",
            "feeRateUpRatio": "0.005",
            "makerFeeRate": str(self.maker_fee_rate),
            "takerFeeRate": str(self.taker_fee_rate),
            "openCostUpRatio": "0.01",
            "supportMarginCoins": [USDT],
            "minTradeNum": str(self.min_trade_num),
            "priceEndStep": str(self.price_end_step),
            "volumePlace": str(self.volume_place),
            "pricePlace": str(self.price_place),
            "sizeMultiplier": str(self.size_multiplier),
            "symbolType": "perpetual",
            "minTradeUSDT": str(self.min_trade_usdt),
            "maxSymbolOrderNum": "200",
            "maxProductOrderNum": "1000",
            "maxPositionNum": "150",
            "symbolStatus": "normal",
            "offTime": "-1",
            "limitOpenTime": "-1",
            "deliveryTime": "",
            "deliveryStartTime": "",
            "deliveryPeriod": "",
            "launchTime": "",
            "fundInterval": "8",
            "minLever": str(self.min_lever),
            "maxLever": str(self.max_lever),
            "posLimit": "0.1",
            "maintainTime": "",
            "openTime": "",
            "maxOrderQty": "",  # no per-order cap is simulated (Bitget lists these on every row)
            "maxMarketOrderQty": "",
        }


DEFAULT_CONTRACTS: tuple[ContractSpec, ...] = (
    ContractSpec(
        symbol="BTCUSDT",
        base_coin="BTC",
        price_place=1,
        price_end_step=1,
        volume_place=4,
        size_multiplier=Decimal("0.0001"),
        min_trade_num=Decimal("0.0001"),
        max_lever=125,
        reference_price=Decimal("65000.0"),
    ),
    ContractSpec(
        symbol="ETHUSDT",
        base_coin="ETH",
        price_place=2,
        price_end_step=1,
        volume_place=2,
        size_multiplier=Decimal("0.01"),
        min_trade_num=Decimal("0.01"),
        max_lever=100,
        reference_price=Decimal("3500.00"),
    ),
    ContractSpec(
        symbol="SOLUSDT",
        base_coin="SOL",
        price_place=3,
        price_end_step=1,
        volume_place=1,
        size_multiplier=Decimal("0.1"),
        min_trade_num=Decimal("0.1"),
        max_lever=100,
        reference_price=Decimal("150.000"),
    ),
    ContractSpec(
        symbol="XRPUSDT",
        base_coin="XRP",
        price_place=4,
        price_end_step=1,
        volume_place=0,
        size_multiplier=Decimal("1"),
        min_trade_num=Decimal("1"),
        max_lever=125,
        reference_price=Decimal("0.6000"),
    ),
    ContractSpec(
        symbol="DOGEUSDT",
        base_coin="DOGE",
        price_place=5,
        price_end_step=1,
        volume_place=0,
        size_multiplier=Decimal("1"),
        min_trade_num=Decimal("1"),
        max_lever=75,
        reference_price=Decimal("0.15000"),
    ),
)


def contracts_by_symbol(specs: tuple[ContractSpec, ...] = DEFAULT_CONTRACTS) -> dict[str, ContractSpec]:
    return {spec.symbol: spec for spec in specs}
