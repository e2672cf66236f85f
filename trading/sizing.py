"""How much to open: available margin × MAX_PURCHASE_RATIO × leverage ÷ price, floored to the step.

The margin of the new position plus the taker fee must fit in what is available, so when the
ratio is close to 1 the size shrinks just enough to leave room for the fee.
"""

from __future__ import annotations

from decimal import Decimal

from trading.models import Contract


def open_size(contract: Contract, *, available: Decimal, ratio: Decimal, leverage: Decimal, price: Decimal) -> Decimal:
    """Size in base coin, floored to the contract's size step (zero when nothing fits)."""
    if available <= 0 or price <= 0 or leverage <= 0:
        return contract.floor_size(Decimal(0))
    notional = available * ratio * leverage
    affordable = available * leverage / (1 + contract.taker_fee_rate * leverage)
    return contract.floor_size(min(notional, affordable) / price)


def below_minimum(contract: Contract, size: Decimal, price: Decimal) -> str | None:
    """Why an order of ``size`` at ``price`` is too small for the contract, or None."""
    if size < contract.min_size or size <= 0:
        return (
            f"order size {size} {contract.base_coin} is below the contract's minimum order size "
            f"{contract.min_size} {contract.base_coin}"
        )
    notional = size * price
    if notional < contract.min_notional:
        return (
            f"order value {notional:.2f} {contract.quote_coin} is below the contract's minimum order value "
            f"{contract.min_notional} {contract.quote_coin}"
        )
    return None
