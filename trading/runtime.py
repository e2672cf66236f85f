"""Assembles one running service from settings: exchange adapter, journal, executor, dispatcher.

Paper mode starts the simulator in-process and trades against it through the same signed client
that live mode uses, so a paper trial exercises the real code path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from bitget.accounts import make_exchange
from bitget.errors import BitgetError
from config import Settings
from trading.exchange import Exchange
from trading.executor import ExecutionSettings, Executor
from trading.guard import AccessGuard
from trading.journal import Journal
from trading.service import ServiceSettings, SignalService

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """A running service and how to stop it."""

    settings: Settings
    service: SignalService
    exchange: Exchange
    journal: Journal
    mode_line: str
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def start(self) -> None:
        """Log the mode, warm the caches that sit on the signal path, resume interrupted work."""
        log.info(self.mode_line)
        try:
            contracts = self.exchange.contracts()
            mode = self.exchange.position_mode()
            log.info("exchange reachable: %d contracts, position mode %s", len(contracts), mode.value)
        except Exception as exc:  # the service still starts; each signal reports its own failure
            log.warning("exchange not reachable at start-up: %s", exc)
        resumed = self.service.recover()
        if resumed:
            log.info("resumed %d signal(s) left pending by the previous run", resumed)

    def shutdown(self, grace: float | None = None) -> bool:
        """Stop taking signals, finish running ones within the grace period, close resources."""
        if not self._closers:
            return True
        grace = self.settings.shutdown_grace if grace is None else grace
        load = self.service.dispatcher.load()
        log.info("shutting down: %d running (grace %gs), %d waiting", load["running"], grace, load["waiting"])
        finished = self.service.shutdown(grace)
        left = self.service.dispatcher.load()
        if left["running"] or left["waiting"]:
            log.warning(
                "stopped with %d running and %d waiting signal(s); they stay journaled and resume at the next start",
                left["running"], left["waiting"],
            )
        if left["running"]:
            log.warning("a worker is still inside an exchange call; the journal stays open until the process exits")
            return finished
        for close in reversed(self._closers):
            close()
        self._closers.clear()
        return finished


class StartupError(Exception):
    """The service cannot start; the message is one line saying why and what to change."""


SYSTEM_NAMES = {"classic": "classic account, v2 API", "uta": "Unified Trading Account, v3 API"}


def build_runtime(settings: Settings) -> Runtime:
    closers: list[Callable[[], None]] = []
    account_mode = settings.account_mode
    if settings.mode == "paper":
        from bitget.sim.paper import start_embedded_sim

        # A live market is copied from Bitget every 2 s; a synthetic one (or the fallback of an
        # offline live market) drifts and refills its book, so paper trading never runs dry.
        live = settings.paper_market == "live"
        sim = start_embedded_sim(market=settings.paper_market, random_walk=True, refresh_interval=2.0 if live else 0.5)
        sim.engine.set_balance(settings.paper_balance)
        sim.engine.set_account_mode(settings.paper_account_mode)
        closers.append(sim.stop)
        base_url, key, secret, passphrase = sim.base_url, sim.api_key, sim.secret_key, sim.passphrase
        mode_line = (
            f"MODE PAPER: no real orders; trading the built-in simulator at {base_url} "
            f"({settings.paper_market} market, {settings.paper_balance} USDT)"
        )
    else:
        base_url = settings.bitget_base_url
        key, secret, passphrase = settings.bitget_api_key, settings.bitget_secret_key, settings.bitget_passphrase
        if settings.mode == "demo":
            mode_line = f"MODE DEMO: Bitget demo trading at {base_url} (paptrading: 1), no real money"
        else:
            mode_line = f"MODE LIVE: REAL ORDERS on Bitget at {base_url}"
    try:
        exchange, system = make_exchange(
            account_mode,
            base_url=base_url,
            api_key=key,
            secret_key=secret,
            passphrase=passphrase,
            product_type=settings.product_type,
            margin_coin=settings.margin_coin,
            margin_mode=settings.margin_mode,
            demo=settings.mode == "demo",
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
        )
    except BitgetError as exc:
        for close in closers:
            close()
        raise StartupError(f"cannot start: {exc}") from None
    mode_line = mode_line.replace(":", f" ({SYSTEM_NAMES[system]}):", 1)
    journal = Journal(settings.journal_path)
    closers.insert(0, journal.close)
    executor = Executor(
        exchange,
        ExecutionSettings(
            max_purchase_ratio=settings.max_purchase_ratio,
            leverage=settings.leverage,
            allow_add=settings.allow_add,
            max_slippage_pct=settings.max_slippage_pct,
            order_timeout=settings.order_timeout,
            max_reprices=settings.max_reprices,
            poll_interval=settings.poll_interval,
            max_leverage=settings.max_leverage,
            max_position_usdt=settings.max_position_usdt,
        ),
        journal,
    )
    service = SignalService(
        settings=ServiceSettings(
            token=settings.webhook_expected_token,
            dedup_window=settings.dedup_window,
            signal_max_age=settings.signal_max_age,
            workers=settings.workers,
            max_queue=settings.max_queue,
            trading_enabled=settings.trading_enabled,
            symbol_allowlist=settings.symbol_allowlist,
        ),
        exchange=exchange,
        executor=executor,
        journal=journal,
        guard=AccessGuard(
            trusted=settings.trusted_ips,
            proxies=settings.trust_proxy,
            fail_limit=settings.auth_fail_limit,
            fail_window=settings.auth_fail_window,
        ),
    )
    return Runtime(settings, service, exchange, journal, mode_line, closers)
