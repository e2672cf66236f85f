"""Bitget's v2 websocket streams for a classic account: public books, private orders/positions/account.

Two connections (``bitget.stream_transport``): ``/v2/ws/public`` carries ``books1`` for each symbol
in use (subscribed when first asked for), ``/v2/ws/private`` logs in and carries ``orders``,
``positions`` and ``account`` for the whole product type. Frames are read by
``bitget.v2.stream_parsing`` and land in a ``bitget.stream_state.StreamState``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from bitget.auth import Credentials
from bitget.errors import BitgetAPIError
from bitget.stream_events import login_args
from bitget.stream_state import StreamState
from bitget.stream_transport import StreamConnection
from bitget.v2.stream_parsing import (
    BOOK_CHANNEL,
    PRIVATE_CHANNELS,
    AccountUpdate,
    BookTop,
    OrderUpdate,
    PositionsUpdate,
    Reply,
    parse_message,
    subscription,
)
from trading.models import PositionMode, Quote

log = logging.getLogger(__name__)

PUBLIC_PATH = "/v2/ws/public"
PRIVATE_PATH = "/v2/ws/private"
LIVE_WS_URL = "wss://ws.bitget.com"
DEMO_WS_URL = "wss://wspap.bitget.com"  # demo trading's streams (not on Bitget's websocket page; see docs)


class ClassicStreams:
    """The two v2 connections of one account, feeding ``state``."""

    def __init__(
        self,
        ws_url: str,
        credentials: Credentials,
        state: StreamState,
        *,
        product_type: str,
        margin_coin: str,
        position_mode: Callable[[], PositionMode],
        now_ms: Callable[[], int] = lambda: int(time.time() * 1000),
        ping_interval: float = 30.0,
        on_private_up: Callable[[int], None] = lambda epoch: None,
    ) -> None:
        self.state = state
        self.product_type = product_type
        self.margin_coin = margin_coin
        self._position_mode = position_mode
        self._now_ms = now_ms
        self._on_private_up = on_private_up
        base = ws_url.rstrip("/")
        self.public = StreamConnection(base + PUBLIC_PATH, name="public", on_frame=self._frame,
                                       ping_interval=ping_interval)
        self.private = StreamConnection(
            base + PRIVATE_PATH, name="private", on_frame=self._frame, on_up=self._private_up,
            on_down=self._private_down, login=lambda: login_args(credentials, str(self._now_ms() // 1000)),
            ping_interval=ping_interval,
        )
        channels = [subscription(ch, "default", product_type) for ch in PRIVATE_CHANNELS]
        self.private.subscribe(channels)
        self._complained: set[str] = set()

    def start(self) -> None:
        self.private.start()

    def stop(self) -> None:
        self.public.stop()
        self.private.stop()

    def watch_book(self, symbol: str) -> None:
        """Stream the symbol's best bid/ask from now on (the public connection opens on first use)."""
        self.public.subscribe([subscription(BOOK_CHANNEL, symbol.upper(), self.product_type)])
        self.public.start()

    @property
    def private_live(self) -> bool:
        return self.private.live

    @property
    def public_live(self) -> bool:
        return self.public.live

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
        elif isinstance(event, PositionsUpdate):
            self.state.on_positions(event.positions)
        elif isinstance(event, AccountUpdate):
            self.state.on_balance(event.balance)
        elif isinstance(event, Reply) and event.event == "error":
            key = f"{event.code}:{event.arg.get('channel')}"
            if key not in self._complained:  # once per kind: a refused channel would repeat at each reconnect
                self._complained.add(key)
                log.warning("stream refused %s: code %s %s", event.arg or "a request", event.code, event.msg)
