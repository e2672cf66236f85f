"""Bitget's v3 websocket streams for a unified account: public books1, private order/position/account.

Two connections (``bitget.stream_transport``): ``/v3/ws/public`` carries ``books1`` for each symbol
in use (``{"instType": "usdt-futures", "topic", "symbol"}``, subscribed when first asked for);
``/v3/ws/private`` logs in as v2 does and carries the account-wide topics ``order``, ``position``
and ``account`` (``{"instType": "UTA", "topic"}``). Frames are read by ``bitget.v3.stream_parsing``
and land in the same ``bitget.stream_state.StreamState`` as the classic streams.

Books: Bitget pushes a v3 book only when it changes, so a quiet book's age says nothing about the
stream. ``quiet_quote`` answers for such a book while the public connection is heard from (its
last ``ping`` answered: a frame within 1.5 ping intervals) and the book was pushed on this very
connection (docs/architecture.md, Streams).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from bitget.auth import Credentials
from bitget.errors import BitgetAPIError
from bitget.stream_events import AccountUpdate, BookTop, OrderUpdate, Reply, login_args
from bitget.stream_state import StreamState
from bitget.stream_transport import StreamConnection
from bitget.v3.stream_parsing import (
    BOOK_TOPIC,
    PRIVATE_TOPICS,
    LegsUpdate,
    inst_type_of,
    parse_message,
    private_arg,
    public_arg,
)
from trading.models import PositionMode, Quote

log = logging.getLogger(__name__)

PUBLIC_PATH = "/v3/ws/public"
PRIVATE_PATH = "/v3/ws/private"
QUIET_HEARD = 1.5  # ping intervals: a quiet book counts while the connection answered its last ping


class UtaStreams:
    """The two v3 connections of one unified account, feeding ``state``."""

    def __init__(
        self,
        ws_url: str,
        credentials: Credentials,
        state: StreamState,
        *,
        category: str,
        margin_coin: str,
        position_mode: Callable[[], PositionMode],
        now_ms: Callable[[], int] = lambda: int(time.time() * 1000),
        ping_interval: float = 30.0,
        on_private_up: Callable[[int], None] = lambda epoch: None,
    ) -> None:
        self.state = state
        self.inst_type = inst_type_of(category)
        self.margin_coin = margin_coin
        self._position_mode = position_mode
        self._now_ms = now_ms
        self._on_private_up = on_private_up
        base = ws_url.rstrip("/")
        self.public = StreamConnection(base + PUBLIC_PATH, name="public-v3", on_frame=self._frame,
                                       ping_interval=ping_interval)
        self.private = StreamConnection(
            base + PRIVATE_PATH, name="private-v3", on_frame=self._frame, on_up=self._private_up,
            on_down=self._private_down, login=lambda: login_args(credentials, str(self._now_ms() // 1000)),
            ping_interval=ping_interval,
        )
        self.private.subscribe([private_arg(topic) for topic in PRIVATE_TOPICS])
        self._complained: set[str] = set()

    def start(self) -> None:
        self.private.start()

    def stop(self) -> None:
        self.public.stop()
        self.private.stop()

    def watch_book(self, symbol: str) -> None:
        """Stream the symbol's best bid/ask from now on (the public connection opens on first use)."""
        self.public.subscribe([public_arg(BOOK_TOPIC, symbol.upper(), self.inst_type)])
        self.public.start()

    @property
    def private_live(self) -> bool:
        return self.private.live

    @property
    def public_live(self) -> bool:
        return self.public.live

    def quiet_quote(self, symbol: str) -> Quote | None:
        """The last pushed book, however old, while the public connection answered its last ping and the
        book came on this connection: v3 pushes a book only when it changes."""
        if not self.public.heard_within(QUIET_HEARD * self.public.ping_interval):
            return None
        return self.state.quote_since(symbol.upper(), self.public.opened_at)

    def _private_up(self) -> None:
        self._on_private_up(self.state.private_up())

    def _private_down(self, reason: str) -> None:
        self.state.private_down()

    def _frame(self, text: str) -> None:
        try:
            events = parse_message(text, margin_coin=self.margin_coin, position_mode=self._position_mode())
        except (BitgetAPIError, ValueError, TypeError, IndexError) as exc:
            log.warning("stream frame not understood (%s): ignored", exc)
            return
        for event in events:
            self._apply(event)

    def _apply(self, event: Any) -> None:
        if isinstance(event, BookTop):
            self.state.on_book(Quote(event.symbol, event.bid, event.ask))
        elif isinstance(event, OrderUpdate):
            if not self.state.on_order(event.order):
                log.debug("stream: order %s is not ours; ignored", event.order.client_oid or event.order.order_id)
        elif isinstance(event, LegsUpdate):
            self.state.on_legs([(leg.symbol, leg.side, leg.position) for leg in event.legs])
        elif isinstance(event, AccountUpdate):
            self.state.on_balance(event.balance)
        elif isinstance(event, Reply) and event.event == "error":
            key = f"{event.code}:{event.arg.get('topic')}"
            if key not in self._complained:  # once per kind: a refused topic would repeat at each reconnect
                self._complained.add(key)
                log.warning("stream refused %s: code %s %s", event.arg or "a request", event.code, event.msg)
