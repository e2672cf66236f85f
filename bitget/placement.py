"""Exactly-once order placement, shared by the classic (v2) and unified (v3) clients.

An order POST whose reply is lost may or may not have reached the book, so it is never simply
resent: the exchange is first asked for the order's ``clientOid``. This module holds that rule once;
each client supplies only how to send its body and how to look an order up, so the two account
systems cannot drift apart on the one behaviour where a bug costs money (a doubled position).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from typing import Any

from bitget.common import DUPLICATE_CLIENT_OID
from bitget.errors import AmbiguousResultError, BitgetAPIError, BitgetError
from trading.models import Order, OrderAck, OrderRequest

log = logging.getLogger(__name__)

# Bitget's "clientOid already used" code; each client passes its full list (v2/endpoints.py, v3/endpoints.py).
DUPLICATE_CLIENT_OID_CODES = frozenset({DUPLICATE_CLIENT_OID})


def is_duplicate_refusal(err: BitgetAPIError, codes: Collection[str] = DUPLICATE_CLIENT_OID_CODES) -> bool:
    """True when a refusal says the clientOid is already taken.

    Besides the known codes, a message naming a duplicate client id counts too: the v3 code is
    unconfirmed, and a needless lookup costs one GET while a missed one surfaces a false failure.
    """
    if err.code in codes:
        return True
    words = err.msg.lower()
    return ("duplicate" in words or "repeat" in words or "already" in words) and (
        "clientoid" in words or "client oid" in words or "clientorderid" in words
    )


def place_exactly_once(
    request: OrderRequest,
    send: Callable[[], Any],
    lookup: Callable[[], Order | None],
    *,
    max_sends: int = 2,
    lookup_delay: float = 0.5,
    duplicate_codes: Collection[str] = DUPLICATE_CLIENT_OID_CODES,
    retry_refusal: Callable[[BitgetAPIError], bool] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> OrderAck:
    """Send ``request`` once and return its ack, resolving every ambiguity by a clientOid lookup.

    ``send`` builds the body from the client's current state (so a re-read position mode takes
    effect) and POSTs it, returning the envelope's ``data``. ``lookup`` returns the order holding
    ``request.client_oid`` or None, and raises when it cannot tell.

    - Ambiguous send (read timeout, connection lost, 5xx): look up at once; found → that order; not
      found → send again with the same clientOid, at most ``max_sends`` sends in all. Each later
      lookup of the same order backs off (``lookup_delay``, doubled each time): the first one costs
      no dead time, and a copy still in flight meets the resend as a duplicate clientOid.
    - Duplicate-clientOid refusal: the order exists already → look it up (no wait).
    - ``retry_refusal(err)`` True → the caller fixed its state (e.g. re-read the position mode);
      rebuild and send once more. Asked at most once per order.
    - A lookup that itself fails raises ``AmbiguousResultError``: never guess.
    """
    max_sends = max(1, max_sends)
    sends = 0
    lookups = 0
    refusal_retried = False
    while True:
        sends += 1
        try:
            data = send()
        except AmbiguousResultError as err:
            log.warning("order %s: %s; looking it up", request.client_oid, err)
            found = _find_placed(request, lookup, delay=backoff(lookups, lookup_delay), sleep=sleep)
            lookups += 1
            if found is not None:
                return found
            if sends >= max_sends:
                raise AmbiguousResultError(
                    f"order {request.client_oid}: not found after {sends} ambiguous sends"
                ) from err
            log.warning("order %s: not on the exchange; sending it again (same clientOid)", request.client_oid)
            continue
        except BitgetAPIError as err:
            if is_duplicate_refusal(err, duplicate_codes):
                found = _find_placed(request, lookup, delay=0.0, sleep=sleep)
                if found is not None:
                    log.info("order %s: already placed as %s", request.client_oid, found.order_id)
                    return found
                raise
            if retry_refusal is not None and not refusal_retried and retry_refusal(err):
                refusal_retried = True
                continue
            raise
        return _ack(request, data, lookup, lookup_delay=lookup_delay, sleep=sleep)


def backoff(earlier_lookups: int, lookup_delay: float) -> float:
    """The wait before a clientOid lookup: none for the first, then ``lookup_delay`` doubling."""
    if earlier_lookups <= 0:
        return 0.0
    return lookup_delay * 2 ** (earlier_lookups - 1)


def _ack(request: OrderRequest, data: Any, lookup: Callable[[], Order | None],
         *, lookup_delay: float, sleep: Callable[[float], None]) -> OrderAck:
    """The ack of an accepted order; its id is asked by clientOid when the reply leaves it out.

    Bitget documents replies without ``orderId`` for some one-way reduce-only orders. The order was
    accepted, so it is looked up (at once, then once more after ``lookup_delay``, as the clientOid
    index may trail the order). If it still cannot be found the ack carries the clientOid alone:
    the order is then followed by its clientOid, never sent again.
    """
    order_id = str(data.get("orderId") or "") if isinstance(data, dict) else ""
    client_oid = str(data.get("clientOid") or "") if isinstance(data, dict) else ""
    if not order_id:
        for delay in (0.0, lookup_delay):
            try:
                found = _find_placed(request, lookup, delay=delay, sleep=sleep)
            except AmbiguousResultError:
                found = None
            if found is not None and found.order_id:
                return found
        log.warning("order %s: accepted without an orderId and not found yet; following it by clientOid",
                    request.client_oid)
    return OrderAck(order_id=order_id, client_oid=client_oid or request.client_oid)


def _find_placed(request: OrderRequest, lookup: Callable[[], Order | None], *, delay: float,
                 sleep: Callable[[float], None]) -> OrderAck | None:
    """The order with ``request.client_oid`` if the exchange has it; raises Ambiguous if unsure."""
    if delay > 0:
        sleep(delay)
    try:
        order = lookup()
    except BitgetError as err:
        raise AmbiguousResultError(
            f"order {request.client_oid}: outcome unknown and the lookup failed: {err}"
        ) from err
    if order is None:
        return None
    return OrderAck(order_id=order.order_id, client_oid=order.client_oid or request.client_oid)
