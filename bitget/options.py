"""How a Bitget client reaches the exchange and trades there: one object, with every default held here.

Both clients (``bitget.v2.client.ClassicClient``, ``bitget.v3.client.UtaClient``), the account-system
probe (``bitget.accounts``) and the exchange link (``bitget.link``) take a ``ClientOptions``; the
settings module builds one from the environment. The secrets travel inside ``Credentials``, and
neither that nor this object ever shows them in ``repr()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import requests

from bitget.auth import Credentials
from bitget.common import PUBLIC_TIME
from bitget.transport import SignedTransport

MARGIN_MODES = ("crossed", "isolated")
ACCOUNT_MODES = ("auto", "classic", "uta")  # BITGET_ACCOUNT_MODE: detect the account system, or force one
BITGET_URL = "https://api.bitget.com"


@dataclass(frozen=True)
class ClientOptions:
    """Where Bitget is, whose key, which market, and how patiently to talk to it.

    ``product_type``/``margin_coin`` are v2 names; the unified client maps them to its own
    (``bitget.v3.endpoints.v3_category``). Timeouts and waits are seconds. ``retry_*`` bound the
    transport's retries of transient failures; ``lookup_delay`` and ``max_order_sends`` shape the
    exactly-once placement rule (``bitget.placement``); ``contracts_ttl`` is how long the contract
    list is cached. ``rate_limits`` paces every call to Bitget's documented limits
    (``bitget.ratelimit``; off only for tests that want to see the exchange's own 429).
    ``streams`` puts Bitget's websocket streams in front of REST reads (``bitget.streaming``).
    ``session`` is an HTTP session to share (one is made per client when None).
    """

    base_url: str
    credentials: Credentials = field(repr=False)
    product_type: str = "USDT-FUTURES"
    margin_coin: str = "USDT"
    margin_mode: str = "crossed"
    demo: bool = False
    connect_timeout: float = 3.05
    read_timeout: float = 5.0
    retry_attempts: int = 4
    retry_deadline: float = 8.0
    retry_wait_initial: float = 0.25
    retry_wait_max: float = 2.0
    contracts_ttl: float = 3600.0
    lookup_delay: float = 0.5
    max_order_sends: int = 2
    rate_limits: bool = True
    streams: bool = False  # STREAMS: books, orders, positions and account over Bitget's websockets
    ws_url: str = ""  # the streams' base (+ /v2/ws/public|private); "" picks Bitget's live or demo one
    stream_max_age: float = 1.0  # STREAM_MAX_AGE: a streamed book older than this is read over REST
    stream_ping_interval: float = 30.0  # Bitget's keep-alive: "ping" at least every 30 s
    session: requests.Session | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.margin_mode not in MARGIN_MODES:
            raise ValueError(f"margin_mode must be one of {MARGIN_MODES}, got {self.margin_mode!r}")

    def with_session(self, session: requests.Session) -> ClientOptions:
        """The same options over ``session`` (e.g. one that reports the exchange's health)."""
        return replace(self, session=session)

    def signed_transport(self, *, time_path: str = PUBLIC_TIME) -> SignedTransport:
        """A signed transport for these options; the caller closes it."""
        return SignedTransport(
            self.base_url,
            self.credentials,
            demo=self.demo,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retry_attempts=self.retry_attempts,
            retry_deadline=self.retry_deadline,
            retry_wait_initial=self.retry_wait_initial,
            retry_wait_max=self.retry_wait_max,
            session=self.session,
            rate_limits=self.rate_limits,
            time_path=time_path,
        )
