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
    stock: bool = False  # a U.S. stock perpetual: isolated margin only, 5 x 24 hours, classic accounts only

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
            "isRwa": "YES" if self.stock else "NO",  # stock perpetuals are Bitget's RWA contracts
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


def _coin(symbol: str, price_place: int, volume_place: int, max_lever: int, price: str) -> ContractSpec:
    step = Decimal(1).scaleb(-volume_place)
    return ContractSpec(symbol=symbol, base_coin=symbol.removesuffix(USDT), price_place=price_place, price_end_step=1,
                        volume_place=volume_place, size_multiplier=step, min_trade_num=step, max_lever=max_lever,
                        reference_price=Decimal(price))


def _stock(symbol: str, price: str) -> ContractSpec:
    """A U.S. stock perpetual: two price decimals, 0.01 share steps, up to 25x (Bitget's stock futures)."""
    return ContractSpec(symbol=symbol, base_coin=symbol.removesuffix(USDT), price_place=2, price_end_step=1,
                        volume_place=2, size_multiplier=Decimal("0.01"), min_trade_num=Decimal("0.01"), max_lever=25,
                        reference_price=Decimal(price), stock=True)


# The rest of the built-in set: major coins (20 crypto contracts in all, so a load can spread over 20 symbols),
# and a few stock perpetuals (TSLA is the example alert's ticker).
MORE_CONTRACTS: tuple[ContractSpec, ...] = (
    _coin("BNBUSDT", 2, 2, 75, "600.00"),
    _coin("ADAUSDT", 4, 0, 75, "0.4500"),
    _coin("LINKUSDT", 3, 1, 75, "15.000"),
    _coin("AVAXUSDT", 3, 1, 75, "30.000"),
    _coin("LTCUSDT", 2, 1, 75, "80.00"),
    _coin("TRXUSDT", 5, 0, 75, "0.12000"),
    _coin("SUIUSDT", 4, 1, 50, "1.5000"),
    _coin("PEPEUSDT", 8, 0, 50, "0.00001000"),
    _coin("BCHUSDT", 2, 2, 75, "350.00"),
    _coin("ETCUSDT", 3, 1, 75, "20.000"),
    _coin("DOTUSDT", 3, 1, 75, "5.000"),
    _coin("NEARUSDT", 3, 1, 75, "5.000"),
    _coin("UNIUSDT", 3, 1, 75, "8.000"),
    _coin("APTUSDT", 4, 2, 50, "8.0000"),
    _coin("ARBUSDT", 4, 1, 50, "0.8000"),
    _stock("TSLAUSDT", "250.00"),
    _stock("NVDAUSDT", "120.00"),
    _stock("AAPLUSDT", "220.00"),
    _stock("CRCLUSDT", "100.00"),
)
BUILT_IN_CONTRACTS: tuple[ContractSpec, ...] = DEFAULT_CONTRACTS + MORE_CONTRACTS


def spec_from_row(row: dict[str, Any], reference_price: Decimal | None = None) -> ContractSpec:
    """A contract from one row of Bitget's v2 contract list (every value a string), e.g. for paper mode."""
    volume_place = int(row["volumePlace"])
    step = Decimal(str(row.get("sizeMultiplier") or Decimal(1).scaleb(-volume_place)))
    price_place = int(row["pricePlace"])
    end_step = int(Decimal(str(row.get("priceEndStep") or "1")))
    tick = Decimal(end_step).scaleb(-price_place)
    price = reference_price if reference_price and reference_price > 0 else tick * 1000
    return ContractSpec(
        symbol=str(row["symbol"]).upper(),
        base_coin=str(row.get("baseCoin") or ""),
        price_place=price_place,
        price_end_step=end_step,
        volume_place=volume_place,
        size_multiplier=step,
        min_trade_num=Decimal(str(row.get("minTradeNum") or step)),
        max_lever=int(Decimal(str(row.get("maxLever") or "20"))),
        min_lever=int(Decimal(str(row.get("minLever") or "1"))),
        reference_price=(price // tick) * tick or tick,
        min_trade_usdt=Decimal(str(row.get("minTradeUSDT") or "5")),
        maker_fee_rate=Decimal(str(row.get("makerFeeRate") or "0.0002")),
        taker_fee_rate=Decimal(str(row.get("takerFeeRate") or "0.0006")),
        stock=str(row.get("isRwa") or "").upper() == "YES",
    )


def contracts_by_symbol(specs: tuple[ContractSpec, ...] = DEFAULT_CONTRACTS) -> dict[str, ContractSpec]:
    return {spec.symbol: spec for spec in specs}
