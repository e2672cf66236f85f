"""Reading request parameters the way Bitget checks them: 40019 when absent, 40017 when wrong."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from bitget.sim.errors import SimError, invalid, missing
from bitget.sim.wire import loads

PRODUCT_TYPE = "USDT-FUTURES"
MARGIN_COIN = "USDT"
# Every productType Bitget's v2 futures pages list (live and demo); market data answers for each, only
# USDT-FUTURES trades here.
PRODUCT_TYPES = ("USDT-FUTURES", "COIN-FUTURES", "USDC-FUTURES", "SUSDT-FUTURES", "SCOIN-FUTURES", "SUSDC-FUTURES")


def parse_body(raw: bytes) -> dict[str, Any]:
    """A POST body as a JSON object (numbers kept exact); empty body = {}."""
    if not raw.strip():
        return {}
    try:
        body = loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SimError("40017", "Parameter verification failed: the request body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise SimError("40017", "Parameter verification failed: the request body must be a JSON object")
    return body


class Params:
    """Query-string or JSON-body parameters with Bitget's presence and value checks."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = values

    def has(self, name: str) -> bool:
        """Sent with a value (any type): how v3 spots a v2-only field such as ``holdSide``."""
        value = self._values.get(name)
        return value is not None and not (isinstance(value, str) and value.strip() == "")

    def text(self, name: str, *, required: bool = False) -> str:
        value = self._values.get(name)
        if value is None or (isinstance(value, str) and value.strip() == ""):
            if required:
                raise missing(name)
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            raise invalid(f"Parameter {name} has an invalid value")
        return str(value).strip()

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        raw = self.text(name, required=required)
        if raw == "":
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation as exc:
            raise invalid(f"Parameter {name} is not a number") from exc
        if not value.is_finite():
            raise invalid(f"Parameter {name} is not a number")
        return value

    def required_decimal(self, name: str) -> Decimal:
        value = self.decimal(name, required=True)
        if value is None:  # unreachable: required=True raises first
            raise missing(name)
        return value

    def choice(
        self, name: str, allowed: tuple[str, ...], *, required: bool = False, default: str = ""
    ) -> str:
        """A lower-cased enum value (Bitget accepts 'Open', 'GTC' and the like)."""
        raw = self.text(name, required=required).lower()
        if raw == "":
            return default
        if raw not in allowed:
            raise invalid(f"Parameter {name} must be one of {', '.join(allowed)}")
        return raw

    def product_type(self, *, any_listed: bool = False) -> str:
        """``USDT-FUTURES`` (any case); with ``any_listed`` every type Bitget lists (market data)."""
        value = self.text("productType", required=True).upper()
        if value == PRODUCT_TYPE or (any_listed and value in PRODUCT_TYPES):
            return value
        raise invalid(f"Parameter productType error: {value}")

    def margin_coin(self, *, required: bool = True) -> str:
        """``USDT`` in any case (Bitget's own examples send ``usdt``)."""
        value = self.text("marginCoin", required=required)
        if value and value.upper() != MARGIN_COIN:
            raise invalid(f"Parameter marginCoin error: {value}")
        return MARGIN_COIN

    def symbol(self, *, required: bool = True) -> str:
        """Upper-cased: Bitget's examples send ``btcusdt`` and the exchange answers for BTCUSDT."""
        return self.text("symbol", required=required).upper()

    def usdt_m_symbol(self, *, margin_coin: bool = False) -> str:
        """The checks of a v2 trading request about one contract: symbol, ``productType`` (and
        ``marginCoin`` where Bitget requires it); returns the symbol."""
        symbol = self.symbol()
        self.product_type()
        if margin_coin:
            self.margin_coin()
        return symbol
