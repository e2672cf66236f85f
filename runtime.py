"""The composition root: one running service assembled from settings (exchange adapter, journal,
executor, dispatcher). The only module that knows config.py, trading/ and bitget/ at once.

Paper mode starts the simulator in-process and trades against it through the same signed client
that live mode uses, so a paper trial exercises the real code path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from bitget.auth import Credentials
from bitget.link import ExchangeLink
from bitget.options import ClientOptions
from bitget.ratelimit import share_buckets
from config import Settings
from trading.errors import ExchangeError
from trading.exchange import Exchange
from trading.executor import Executor
from trading.guard import AccessGuard
from trading.health import ExchangeHealth
from trading.held_logs import HeldLogs
from trading.journal import Journal
from trading.kill_switch import SWITCH_FILE, TradingSwitch
from trading.reconnect import Reconnector
from trading.service import SignalService
from trading.shared_pacing import SharedBuckets

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """A running service and how to stop it."""

    settings: Settings
    service: SignalService
    link: ExchangeLink
    journal: Journal
    mode_line: str
    reconnector: Reconnector
    _closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def exchange(self) -> Exchange:
        """The exchange adapter, or its stand-in while Bitget has not answered the start-up work."""
        return self.link.exchange

    @property
    def health(self) -> ExchangeHealth:
        return self.link.health

    def start(self) -> None:
        """Start the background reconnect loop and resume interrupted work (the mode line is out already)."""
        self.reconnector.start()
        resumed = self.service.recover()
        if resumed:
            log.info("resumed %d signal(s) left pending by the previous run", resumed)

    def shutdown(self, grace: float | None = None) -> bool:
        """Stop taking signals, finish running ones within the grace period, close resources."""
        if not self._closers:
            return True
        self.reconnector.stop()
        grace = self.settings.service.shutdown_grace if grace is None else grace
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
    """Everything a running service needs; raises StartupError (one line) on a refused configuration.

    An exchange that cannot be reached is not a refusal: the service starts degraded and the
    reconnect loop finishes the start-up work when the exchange answers. Nothing is logged before
    the mode line (records of the start-up calls follow it).
    """
    held = HeldLogs()
    closers: list[Callable[[], None]] = []
    try:
        mode_line, options = _exchange_target(settings, closers)
        link = ExchangeLink(settings.account_mode, options, ExchangeHealth())
        closers.append(link.close)
        outage = _first_connect(link)
    except BaseException:
        held.drop()
        for close in reversed(closers):
            close()
        raise
    mode_line = mode_line.replace(":", f" ({_system_words(link)}):", 1)
    held.release(lambda: log.info(mode_line))
    if outage is not None:
        log.warning(
            "exchange not reachable at start-up (%s): serving degraded; signals are journaled and wait for it "
            "(up to SIGNAL_MAX_AGE=%gs); retrying in the background (at most every %gs)",
            outage, settings.service.signal_max_age, settings.service.reconnect_max_wait,
        )
    journal = Journal(settings.journal_path)
    closers.insert(0, journal.close)
    _share_pacing(settings.journal_path, closers)
    executor = Executor(link.exchange, settings.execution, journal)
    service = SignalService(
        settings=settings.service, exchange=link.exchange, health=link.health, executor=executor, journal=journal,
        guard=AccessGuard(settings.guard),
        switch=TradingSwitch.load(settings.data_dir / SWITCH_FILE, settings.service.trading_enabled),
        instance=settings.instance,
    )
    connect = None if link.confirmed else link.connect
    wait_max = settings.service.reconnect_max_wait
    reconnector = Reconnector(link.health, ping=link.ping, connect=connect, wait_max=wait_max)
    return Runtime(settings, service, link, journal, mode_line, reconnector, closers)


def _share_pacing(journal_target: object, closers: list[Callable[[], None]]) -> None:
    """With a PostgreSQL journal, every instance paces each account's Bitget calls together (docs/instances.md)."""
    if not str(journal_target).startswith("postgresql"):
        return  # SQLite: one process, its in-memory buckets suffice
    buckets = SharedBuckets.open(str(journal_target))
    share_buckets(buckets)

    def stop() -> None:
        share_buckets(None)
        buckets.close()

    closers.insert(0, stop)


def _exchange_target(settings: Settings, closers: list[Callable[[], None]]) -> tuple[str, ClientOptions]:
    """The mode line (without the account system) and the client options for the configured mode."""
    options = settings.exchange
    if settings.mode == "paper":
        from bitget.sim.paper import start_paper

        sim = start_paper(settings.paper, streams=options.streams)  # STREAMS=on: the simulator streams too
        closers.append(sim.stop)
        credentials = Credentials(sim.api_key, sim.secret_key, sim.passphrase)
        options = replace(options, base_url=sim.base_url, credentials=credentials, demo=False, ws_url=sim.ws_url)
        paper = settings.paper
        market = f"{sim.market} market"
        if sim.market != paper.market:
            market += ": Bitget's live market unreachable"
        return (
            f"MODE PAPER: no real orders; trading the built-in simulator at {sim.base_url} "
            f"({market}, {len(sim.engine.contracts)} contracts, "
            f"{'paper account restored' if sim.restored else 'fresh paper account'}: {sim.engine.balance} USDT)"
        ), options
    if settings.mode == "demo":
        return f"MODE DEMO: Bitget demo trading at {options.base_url} (paptrading: 1), no real money", options
    return f"MODE LIVE: REAL ORDERS on Bitget at {options.base_url}", options


def _first_connect(link: ExchangeLink) -> ExchangeError | None:
    """Try the start-up work once: None when done, the error when Bitget could not be reached."""
    try:
        link.connect()
    except ExchangeError as exc:
        if not exc.retryable:
            raise StartupError(f"cannot start: {exc}") from None
        return exc
    return None


def _system_words(link: ExchangeLink) -> str:
    """What the mode line says of the account system: detected, configured, or not known yet."""
    if link.system is None:
        return "account system not known yet: Bitget unreachable"
    name = SYSTEM_NAMES[link.system]
    if link.adapter is None:
        return f"{name} as configured, not confirmed yet: Bitget unreachable"
    return name
