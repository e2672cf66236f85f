"""One symbol's order book: the liquidity the simulator's orders trade against.

The book holds the market's levels only (synthetic, set by a control call, or copied from
Bitget's public depth); the account's own resting orders are kept by the engine, not here.
Taking liquidity shrinks a level, so a second order sees what the first left.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bitget.sim.contracts import ContractSpec

BUY = "buy"
SELL = "sell"
DEFAULT_DEPTH = 5
LEVEL_NOTIONAL = Decimal("250000")  # USDT per synthetic level: generous, so normal orders fill at the top


@dataclass
class Level:
    price: Decimal
    size: Decimal


class OrderBook:
    """Asks ascending from the best, bids descending from the best."""

    def __init__(self, bids: list[Level] | None = None, asks: list[Level] | None = None) -> None:
        self.bids = sorted((lv for lv in bids or [] if lv.size > 0), key=lambda lv: lv.price, reverse=True)
        self.asks = sorted((lv for lv in asks or [] if lv.size > 0), key=lambda lv: lv.price)

    @classmethod
    def from_pairs(
        cls, bids: list[tuple[Decimal, Decimal]], asks: list[tuple[Decimal, Decimal]]
    ) -> OrderBook:
        return cls([Level(p, s) for p, s in bids], [Level(p, s) for p, s in asks])

    @classmethod
    def synthetic(
        cls,
        spec: ContractSpec,
        mid: Decimal | None = None,
        *,
        spread: Decimal | None = None,
        depth: int = DEFAULT_DEPTH,
        level_size: Decimal | None = None,
    ) -> OrderBook:
        """A book around ``mid``: ``depth`` levels a side, one tick apart, ``spread`` between the tops.

        With the default one-tick spread the best bid sits at ``mid`` and the best ask a tick above
        (so the mark price, the floored middle, equals ``mid``). Defaults: mid = the contract's
        reference price, each level worth about 250,000 USDT.
        """
        mid = spec.reference_price if mid is None else mid
        tick = spec.tick
        spread = tick if spread is None or spread < tick else spec.floor_price(spread)
        half_ticks = (spread / 2) // tick
        best_bid = spec.floor_price(mid) - half_ticks * tick
        if best_bid <= 0:
            best_bid = tick
        best_ask = best_bid + spread
        if level_size is None:
            level_size = max(spec.floor_size(LEVEL_NOTIONAL / mid), spec.min_trade_num)
        bids = [Level(best_bid - tick * i, level_size) for i in range(depth) if best_bid - tick * i > 0]
        asks = [Level(best_ask + tick * i, level_size) for i in range(depth)]
        return cls(bids, asks)

    @property
    def best_bid(self) -> Level | None:
        return self.bids[0] if self.bids else None

    @property
    def best_ask(self) -> Level | None:
        return self.asks[0] if self.asks else None

    def mid(self) -> Decimal | None:
        if self.bids and self.asks:
            return (self.bids[0].price + self.asks[0].price) / 2
        if self.bids:
            return self.bids[0].price
        if self.asks:
            return self.asks[0].price
        return None

    def _opposite(self, side: str) -> list[Level]:
        """A buy trades with the asks, a sell with the bids."""
        return self.asks if side == BUY else self.bids

    @staticmethod
    def _acceptable(side: str, level_price: Decimal, limit: Decimal | None) -> bool:
        if limit is None:
            return True
        return level_price <= limit if side == BUY else level_price >= limit

    def liquidity(self, side: str, limit: Decimal | None) -> Decimal:
        """How much a ``side`` order limited at ``limit`` could take right now."""
        return sum(
            (lv.size for lv in self._opposite(side) if self._acceptable(side, lv.price, limit)), Decimal(0)
        )

    def take(self, side: str, qty: Decimal, limit: Decimal | None) -> list[tuple[Decimal, Decimal]]:
        """Consume up to ``qty`` from the best levels priced within ``limit``; returns (price, size) fills."""
        fills: list[tuple[Decimal, Decimal]] = []
        levels = self._opposite(side)
        while qty > 0 and levels and self._acceptable(side, levels[0].price, limit):
            level = levels[0]
            size = min(qty, level.size)
            fills.append((level.price, size))
            level.size -= size
            qty -= size
            if level.size <= 0:
                levels.pop(0)
        return fills

    def estimate(self, side: str, qty: Decimal) -> Decimal | None:
        """Average price a market order of ``qty`` would get (the last level's price past the book)."""
        remaining = qty
        cost = Decimal(0)
        last: Decimal | None = None
        for level in self._opposite(side):
            size = min(remaining, level.size)
            cost += size * level.price
            remaining -= size
            last = level.price
            if remaining <= 0:
                break
        if last is None:
            return None
        cost += remaining * last
        return cost / qty if qty > 0 else last

    def levels(self, limit: int | None) -> tuple[list[list[Decimal]], list[list[Decimal]]]:
        """(asks, bids) as [price, size] pairs, best first, at most ``limit`` a side."""
        asks = [[lv.price, lv.size] for lv in self.asks[:limit]]
        bids = [[lv.price, lv.size] for lv in self.bids[:limit]]
        return asks, bids
