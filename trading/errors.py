"""The trading rules' view of an exchange failure: did it take effect, and may it simply be retried?

Adapters raise subclasses of ``ExchangeError`` (bitget/ raises ``BitgetError``), so the rules decide
what to do from two facts and never from an exchange's codes.
"""

from __future__ import annotations


class ExchangeError(Exception):
    """An exchange call failed.

    ``retryable``: the same request may simply be sent again (it had no effect, or the exchange
    asked to wait). ``ambiguous``: it may or may not have taken effect — never resend an order
    after it without first asking the exchange whether the order exists.
    """

    retryable: bool = False
    ambiguous: bool = False

