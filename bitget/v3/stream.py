"""Bitget's v3 websocket streams for a unified account: public books1, private order/position/account.

Two connections (``bitget.stream_client``): ``/v3/ws/public`` carries ``books1`` for each symbol
in use (``{"instType": "usdt-futures", "topic", "symbol"}``, subscribed when first asked for);
``/v3/ws/private`` logs in as v2 does and carries the account-wide topics ``order``, ``position``
and ``account`` (``{"instType": "UTA", "topic"}``). Frames are read by ``bitget.v3.stream_parsing``
and land in the same ``bitget.stream_state.StreamState`` as the classic streams; a ``position``
push lists only the legs that changed.

Books: Bitget pushes a v3 book only when it changes, so a quiet book's age says nothing about the
stream. ``quiet_quote`` answers for such a book while the public connection is heard from (its
last ``ping`` answered: a frame within 1.5 ping intervals) and the book was pushed on this very
connection (docs/architecture.md, Streams).
"""

from __future__ import annotations

from typing import Any, Unpack

from bitget.auth import Credentials
from bitget.stream_client import AccountStreams, StreamOptions
from bitget.stream_state import StreamState
from bitget.v3.stream_parsing import (
    BOOK_TOPIC,
    PRIVATE_TOPICS,
    LegsUpdate,
    inst_type_of,
    parse_message,
    private_arg,
    public_arg,
)
from trading.models import Quote

PUBLIC_PATH = "/v3/ws/public"
PRIVATE_PATH = "/v3/ws/private"
QUIET_HEARD = 1.5  # ping intervals: a quiet book counts while the connection answered its last ping


class UtaStreams(AccountStreams):
    """The two v3 connections of one unified account, feeding ``state``."""

    public_path = PUBLIC_PATH
    private_path = PRIVATE_PATH
    name_suffix = "-v3"
    parse = staticmethod(parse_message)
    channel_key = "topic"

    def __init__(self, ws_url: str, credentials: Credentials, state: StreamState, *, category: str,
                 **options: Unpack[StreamOptions]) -> None:
        self.inst_type = inst_type_of(category)
        super().__init__(ws_url, credentials, state, **options)

    def quiet_quote(self, symbol: str) -> Quote | None:
        """The last pushed book, however old, while the public connection answered its last ping and the
        book came on this connection: v3 pushes a book only when it changes."""
        if not self.public.heard_within(QUIET_HEARD * self.public.ping_interval):
            return None
        return self.state.quote_since(symbol.upper(), self.public.opened_at)

    def _private_args(self) -> list[dict[str, str]]:
        return [private_arg(topic) for topic in PRIVATE_TOPICS]

    def _book_arg(self, symbol: str) -> dict[str, str]:
        return public_arg(BOOK_TOPIC, symbol, self.inst_type)

    def _apply_positions(self, event: Any) -> None:
        if isinstance(event, LegsUpdate):
            self.state.on_legs([(leg.symbol, leg.side, leg.position) for leg in event.legs])
