"""Typed Bitget errors: what went wrong, and whether trying again is safe.

Every error carries Bitget's ``code`` and ``msg`` (when the exchange answered) and the HTTP
status, so a log line or a journal entry can say exactly why an order did not happen.
"""

from __future__ import annotations

from trading.errors import ExchangeError


class BitgetError(ExchangeError):
    """Base class. ``retryable`` says whether the same request may simply be sent again."""

    retryable: bool = False

    def __init__(self, msg: str, *, code: str | None = None, http_status: int | None = None) -> None:
        super().__init__(msg)
        self.msg = msg
        self.code = code
        self.http_status = http_status

    def __str__(self) -> str:
        parts = []
        if self.code:
            parts.append(f"code {self.code}")
        if self.http_status:
            parts.append(f"HTTP {self.http_status}")
        where = f" ({', '.join(parts)})" if parts else ""
        return f"{self.msg}{where}"


class BitgetAPIError(BitgetError):
    """The exchange answered with a non-success code that fits no narrower class."""


class AuthenticationError(BitgetAPIError):
    """Key, passphrase, signature, timestamp, permission or IP refused: a configuration problem."""


class RateLimitError(BitgetAPIError):
    """HTTP 429 or code 429/1001: back off and retry."""

    retryable = True


class ExchangeUnavailableError(BitgetAPIError):
    """5xx, maintenance or busy codes: the request was refused before any effect; retry later."""

    retryable = True


class InsufficientBalanceError(BitgetAPIError):
    """Not enough margin for the order."""


class InvalidOrderError(BitgetAPIError):
    """Bad size, price, precision, minimum, side for the position mode, stop-loss side…"""


class UnknownSymbolError(BitgetAPIError):
    """The contract does not exist (40102) or is not tradable."""


class OrderNotFoundError(BitgetAPIError):
    """The order does not exist, or is already final so there is nothing to cancel.

    v2: 40768, 43001, 40109, 43004, 43020, 43025, 45031, 45057, 22001; v3: 25204 (and 22001).
    A cancel that meets one reads the order's final state instead of failing.
    """


class NoPositionError(BitgetAPIError):
    """Nothing to close (22002, 25227)."""


class AccountModeError(BitgetAPIError):
    """Classic key on a v3 path (40084) or UTA key on a v2 path (40085)."""


class AccountSystemMismatch(AccountModeError):
    """The configured account system (classic or UTA) is not the one the API key belongs to."""


class AccountSwitchingError(AccountModeError):
    """The account is being upgraded to, or switched between, account systems: try again later."""

    retryable = True


class NoDataError(BitgetAPIError):
    """The query matched nothing (40054): an empty answer, not a failure of the request."""


class NetworkError(BitgetError):
    """The request never reached the exchange (connection refused, DNS): safe to resend."""

    retryable = True


class AmbiguousResultError(BitgetError):
    """The request may or may not have taken effect (read timeout, reply lost, 5xx after send).

    Never resend an order after this without first asking the exchange whether it exists.
    """

    ambiguous = True
