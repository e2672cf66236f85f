"""One account's two Bitget websocket connections, whichever its account system.

Classic (``bitget.v2.stream``) and unified (``bitget.v3.stream``) accounts differ in the paths, the
subscription args, the frame reader and how positions come (v2 pushes every open leg, v3 the legs
that changed). Logging in, the connections' life and applying books, orders, the balance and error
replies to ``bitget.stream_state.StreamState`` are the same, so they live here once and each system
supplies only what differs.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar, Protocol, Required, TypedDict

from bitget.auth import Credentials
from bitget.errors import BitgetAPIError
from bitget.stream_events import AccountUpdate, BookTop, OrderUpdate, Reply, login_args
from bitget.stream_state import StreamState
from bitget.stream_transport import StreamConnection
from trading.models import PositionMode, Quote

log = logging.getLogger(__name__)


class StreamOptions(TypedDict, total=False):
    """What both systems' streams take besides their own words (see ``AccountStreams.__init__``)."""

    margin_coin: Required[str]
    position_mode: Required[Callable[[], PositionMode]]
    now_ms: Callable[[], int]
    ping_interval: float
    on_private_up: Callable[[int], None]


class FrameReader(Protocol):
    """A system's ``parse_message``: one text frame → its events."""

    def __call__(self, text: str | bytes, /, *, margin_coin: str, position_mode: PositionMode) -> list[Any]: ...


class AccountStreams(ABC):
    """The public and private connections of one account, feeding ``state``.

    A system names its ``public_path``/``private_path``, its connections (``name_suffix`` in logs),
    its frame reader (``parse``) and the arg field that names a channel (``channel_key``: a
    refused channel is logged once).
    """

    public_path: ClassVar[str]
    private_path: ClassVar[str]
    name_suffix: ClassVar[str] = ""
    parse: ClassVar[FrameReader]
    channel_key: ClassVar[str]

    def __init__(
        self,
        ws_url: str,
        credentials: Credentials,
        state: StreamState,
        *,
        margin_coin: str,
        position_mode: Callable[[], PositionMode],
        now_ms: Callable[[], int] = lambda: int(time.time() * 1000),
        ping_interval: float = 30.0,
        on_private_up: Callable[[int], None] = lambda epoch: None,
    ) -> None:
        self.state = state
        self.margin_coin = margin_coin
        self._position_mode = position_mode
        self._now_ms = now_ms
        self._on_private_up = on_private_up
        base = ws_url.rstrip("/")
        self.public = StreamConnection(base + self.public_path, name="public" + self.name_suffix,
                                       on_frame=self._frame, ping_interval=ping_interval)
        self.private = StreamConnection(
            base + self.private_path, name="private" + self.name_suffix, on_frame=self._frame,
            on_up=self._private_up, on_down=self._private_down,
            login=lambda: login_args(credentials, str(self._now_ms() // 1000)), ping_interval=ping_interval,
        )
        self.private.subscribe(self._private_args())
        self._complained: set[str] = set()

    # ------------------------------------------------------------------ what a system supplies

    @abstractmethod
    def _private_args(self) -> list[dict[str, str]]:
        """The private subscriptions: orders, positions and the account."""

    @abstractmethod
    def _book_arg(self, symbol: str) -> dict[str, str]:
        """The public subscription of one symbol's best bid/ask."""

    @abstractmethod
    def _apply_positions(self, event: Any) -> None:
        """Apply the system's positions event (any event but a book, order, account or reply)."""

    # ------------------------------------------------------------------ control

    def start(self) -> None:
        self.private.start()

    def stop(self) -> None:
        self.public.stop()
        self.private.stop()

    def watch_book(self, symbol: str) -> None:
        """Stream the symbol's best bid/ask from now on (the public connection opens on first use)."""
        self.public.subscribe([self._book_arg(symbol.upper())])
        self.public.start()

    @property
    def private_live(self) -> bool:
        return self.private.live

    @property
    def public_live(self) -> bool:
        return self.public.live

    # ------------------------------------------------------------------ frames

    def _private_up(self) -> None:
        self._on_private_up(self.state.private_up())

    def _private_down(self, reason: str) -> None:
        self.state.private_down()

    def _frame(self, text: str) -> None:
        try:
            events = self.parse(text, margin_coin=self.margin_coin, position_mode=self._position_mode())
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
        elif isinstance(event, AccountUpdate):
            self.state.on_balance(event.balance)
        elif isinstance(event, Reply):
            if event.event == "error":
                self._refused(event)
        else:
            self._apply_positions(event)

    def _refused(self, event: Reply) -> None:
        key = f"{event.code}:{event.arg.get(self.channel_key)}"
        if key not in self._complained:  # once per kind: a refused channel would repeat at each reconnect
            self._complained.add(key)
            log.warning("stream refused %s: code %s %s", event.arg or "a request", event.code, event.msg)
