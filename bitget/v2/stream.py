"""Bitget's v2 websocket streams for a classic account: public books, private orders/positions/account.

Two connections (``bitget.stream_client``): ``/v2/ws/public`` carries ``books1`` for each symbol
in use (subscribed when first asked for), ``/v2/ws/private`` logs in and carries ``orders``,
``positions`` and ``account`` for the whole product type. Frames are read by
``bitget.v2.stream_parsing`` and land in a ``bitget.stream_state.StreamState``; a ``positions``
push lists every open leg of the account.
"""

from __future__ import annotations

from typing import Any, Unpack

from bitget.auth import Credentials
from bitget.stream_client import AccountStreams, StreamOptions
from bitget.stream_state import StreamState
from bitget.v2.stream_parsing import BOOK_CHANNEL, PRIVATE_CHANNELS, PositionsUpdate, parse_message, subscription

PUBLIC_PATH = "/v2/ws/public"
PRIVATE_PATH = "/v2/ws/private"
LIVE_WS_URL = "wss://ws.bitget.com"
DEMO_WS_URL = "wss://wspap.bitget.com"  # demo trading's streams (not on Bitget's websocket page; see docs)


class ClassicStreams(AccountStreams):
    """The two v2 connections of one account, feeding ``state``."""

    public_path = PUBLIC_PATH
    private_path = PRIVATE_PATH
    parse = staticmethod(parse_message)
    channel_key = "channel"

    def __init__(self, ws_url: str, credentials: Credentials, state: StreamState, *, product_type: str,
                 **options: Unpack[StreamOptions]) -> None:
        self.product_type = product_type
        super().__init__(ws_url, credentials, state, **options)

    def _private_args(self) -> list[dict[str, str]]:
        return [subscription(ch, "default", self.product_type) for ch in PRIVATE_CHANNELS]

    def _book_arg(self, symbol: str) -> dict[str, str]:
        return subscription(BOOK_CHANNEL, symbol, self.product_type)

    def _apply_positions(self, event: Any) -> None:
        if isinstance(event, PositionsUpdate):
            self.state.on_positions(event.positions)
