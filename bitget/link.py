"""The service's way to the exchange: an adapter built when Bitget answers, and the health it reports.

Start-up work is asking Bitget which account system the key belongs to (``bitget.accounts``), then
reading the contract list and the position mode. When Bitget cannot be reached the service still
starts: signals go to a stand-in (``bitget.deferred``) that raises a retryable error, and the
background loop (``trading.reconnect``) calls ``connect`` again until it succeeds.
"""

from __future__ import annotations

import logging

from bitget.accounts import make_exchange, with_streams
from bitget.adapter import BitgetAdapter
from bitget.deferred import DeferredExchange
from bitget.errors import AuthenticationError, BitgetError, NetworkError
from bitget.observed import ObservedSession
from bitget.options import ClientOptions
from bitget.streaming import StreamingExchange
from trading.exchange import Exchange
from trading.health import ExchangeHealth

log = logging.getLogger(__name__)


class ExchangeLink:
    """One exchange adapter (once known), its HTTP session and its health."""

    def __init__(self, account_mode: str, options: ClientOptions, health: ExchangeHealth) -> None:
        self.health = health
        self.session = ObservedSession(health)
        self._mode = account_mode
        self._options = options.with_session(self.session)
        self.adapter: BitgetAdapter | StreamingExchange | None = None
        self.system: str | None = None if account_mode == "auto" else account_mode
        self.confirmed = False
        self.stand_in = DeferredExchange("the exchange is not reachable yet: start-up work unfinished")

    @property
    def exchange(self) -> Exchange:
        """The adapter once start-up work is done, else the stand-in (which then forwards to it)."""
        return self.adapter if self.confirmed and self.adapter is not None else self.stand_in

    def connect(self) -> None:
        """Detect (or confirm) the account system, then read the contract list and the position mode.

        Raises ``BitgetError``: retryable when Bitget could not be reached or asked to wait, otherwise
        a configuration problem (refused key, wrong account system). A non-retryable refusal of the
        two reads is logged and left to each signal to report, as before.
        """
        if self.adapter is None:
            adapter, system = make_exchange(self._mode, self._options, trust_unverified=False)
            self.adapter, self.system = with_streams(adapter, system, self._options), system
        try:
            contracts = self.adapter.contracts()
            mode = self.adapter.position_mode()
        except BitgetError as exc:
            if exc.retryable or isinstance(exc, AuthenticationError):
                raise
            log.warning("exchange refused a start-up read (%s); each signal reports its own failure", exc)
        else:
            log.info("exchange reachable: %d contracts, position mode %s", len(contracts), mode.value)
        self.confirmed = True
        if isinstance(self.adapter, StreamingExchange):
            self.adapter.start()
        self.stand_in.resolve(self.adapter)
        self.health.set_ready()

    def ping(self) -> None:
        """One cheap unsigned call: Bitget's clock."""
        if self.adapter is None:
            raise NetworkError("no exchange adapter yet")
        self.adapter.server_time()

    def close(self) -> None:
        if self.adapter is not None:
            self.adapter.close()
        self.session.close()

