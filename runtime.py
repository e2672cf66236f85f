"""The composition root: one running service assembled from settings (exchange adapter, journal,
executor, dispatcher). The only module that knows config.py, trading/ and bitget/ at once.

Paper mode starts the simulator in-process and trades against it through the same signed client
that live mode uses, so a paper trial exercises the real code path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from bitget.auth import Credentials
from bitget.link import ExchangeLink
from bitget.options import ClientOptions
from bitget.ratelimit import share_buckets
from config import Settings
from config_accounts import AccountSettings
from trading.accounts import Account
from trading.errors import ExchangeError
from trading.exchange import Exchange
from trading.executor import Executor
from trading.guard import AccessGuard
from trading.health import ExchangeHealth
from trading.held_logs import HeldLogs
from trading.journal import Journal, JournalUnavailable
from trading.kill_switch import SWITCH_FILE, TradingSwitch
from trading.reconnect import Reconnector
from trading.service import SignalService
from trading.shared_pacing import SharedBuckets

log = logging.getLogger(__name__)


@dataclass
class AccountRuntime:
    """One account's way to its exchange: link (adapter, session, health), executor and reconnect loop.

    Each has its own HTTP session and key, so its own rate-limit buckets and position mode; its
    reconnect loop retries only its own exchange.
    """

    settings: AccountSettings
    link: ExchangeLink
    executor: Executor
    reconnector: Reconnector
    mode_line: str

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def exchange(self) -> Exchange:
        return self.link.exchange

    @property
    def health(self) -> ExchangeHealth:
        return self.link.health

    def trading(self) -> Account:
        """The account as the rules see it."""
        return Account(self.name, self.link.exchange, self.executor, self.link.health, self.settings.symbol_allowlist)


@dataclass
class Runtime:
    """A running service and how to stop it. ``link`` and ``reconnector`` are the first account's."""

    settings: Settings
    service: SignalService
    link: ExchangeLink
    journal: Journal
    mode_line: str
    reconnector: Reconnector
    _closers: list[Callable[[], None]] = field(default_factory=list)
    accounts: dict[str, AccountRuntime] = field(default_factory=dict)

    @property
    def exchange(self) -> Exchange:
        """The exchange adapter, or its stand-in while Bitget has not answered the start-up work."""
        return self.link.exchange

    @property
    def health(self) -> ExchangeHealth:
        return self.link.health

    def start(self) -> None:
        """Start the background reconnect loops and resume interrupted work (the mode line is out already)."""
        for reconnector in self._reconnectors():
            reconnector.start()
        resumed = self.service.recover()
        if resumed:
            log.info("resumed %d signal(s) left pending by the previous run", resumed)

    def shutdown(self, grace: float | None = None) -> bool:
        """Stop taking signals, finish running ones within the grace period, close resources."""
        if not self._closers:
            return True
        for reconnector in self._reconnectors():
            reconnector.stop()
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


    def _reconnectors(self) -> list[Reconnector]:
        found = [a.reconnector for a in self.accounts.values()]
        return found if self.reconnector in found else [self.reconnector, *found]


class StartupError(Exception):
    """The service cannot start; the message is one line saying why and what to change."""


SYSTEM_NAMES = {"classic": "classic account, v2 API", "uta": "Unified Trading Account, v3 API"}


def build_runtime(settings: Settings) -> Runtime:
    """Everything a running service needs; raises StartupError (one line) on a refused configuration.

    One AccountRuntime per enabled account. An exchange that cannot be reached is not a refusal:
    that account starts degraded and its reconnect loop finishes the start-up work when the exchange
    answers; the other accounts trade meanwhile. Nothing is logged before the mode line (records of
    the start-up calls follow it).
    """
    held = HeldLogs()
    closers: list[Callable[[], None]] = []
    enabled = [account for account in settings.all_accounts if account.enabled]
    try:
        targets = [_exchange_target(account, closers) for account in enabled]
        links = [ExchangeLink(account.account_mode, options, ExchangeHealth()) for account, (_, options)
                 in zip(enabled, targets, strict=True)]
        closers.extend(link.close for link in links)
        outages = _connect_all(enabled, links)
    except BaseException:
        held.drop()
        for close in reversed(closers):
            close()
        raise
    lines = [line.replace(":", f" ({_system_words(link)}):", 1) for (line, _), link in zip(targets, links, strict=True)]
    if len(enabled) == 1:
        mode_line = lines[0]
        held.release(lambda: log.info(mode_line))
    else:
        lines = [f"account {account.name}: {line}" for account, line in zip(enabled, lines, strict=True)]
        names = ", ".join(account.name for account in enabled)
        first = (f"MODE {settings.mode.upper()}: {len(enabled)} accounts ({names}); alerts without an account go to "
                 f"{', '.join(settings.alert_accounts)}")
        mode_line = "\n".join([first, *lines])
        held.release(lambda: [log.info(line) for line in (first, *lines)])
    for account, outage in zip(enabled, outages, strict=True):
        if outage is not None:
            log.warning(
                "%sexchange not reachable at start-up (%s): serving degraded; signals are journaled and wait for it "
                "(up to SIGNAL_MAX_AGE=%gs); retrying in the background (at most every %gs)",
                "" if len(enabled) == 1 else f"account {account.name}: ",
                outage, settings.service.signal_max_age, settings.service.reconnect_max_wait,
            )
    try:
        journal = Journal(settings.journal_target)
    except JournalUnavailable as exc:
        for close in reversed(closers):
            close()
        raise StartupError(f"cannot start: {exc}") from None
    closers.insert(0, journal.close)
    _share_pacing(settings.journal_target, closers)
    wait_max = settings.service.reconnect_max_wait
    accounts: dict[str, AccountRuntime] = {}
    for account, link, line in zip(enabled, links, lines, strict=True):
        connect = None if link.confirmed else link.connect
        reconnector = Reconnector(link.health, ping=link.ping, connect=connect, wait_max=wait_max)
        executor = Executor(link.exchange, account.execution, journal)
        accounts[account.name] = AccountRuntime(account, link, executor, reconnector, line)
    primary = accounts[next((n for n in settings.alert_accounts if n in accounts), enabled[0].name)]
    service = SignalService(
        settings=settings.service, exchange=primary.exchange, health=primary.health, executor=primary.executor,
        journal=journal, guard=AccessGuard(settings.guard),
        switch=TradingSwitch.load(settings.data_dir / SWITCH_FILE, settings.service.trading_enabled),
        accounts={name: runtime.trading() for name, runtime in accounts.items()},
        disabled_accounts=[a.name for a in settings.all_accounts if not a.enabled],
        default_accounts=settings.alert_accounts,
        instance=settings.instance,
    )
    return Runtime(settings, service, primary.link, journal, mode_line, primary.reconnector, closers, accounts)


def _connect_all(accounts: list[AccountSettings], links: list[ExchangeLink]) -> list[ExchangeError | None]:
    """The start-up work of every account, side by side, so an unreachable one delays no other.

    A refusal (wrong key, wrong account system) stops start-up, naming the account when there are several.
    """
    if len(links) == 1:
        return [_first_connect(links[0])]
    with ThreadPoolExecutor(max_workers=len(links), thread_name_prefix="connect") as pool:
        futures = [pool.submit(_first_connect, link) for link in links]
        outcomes: list[ExchangeError | None] = []
        for account, future in zip(accounts, futures, strict=True):
            try:
                outcomes.append(future.result())
            except StartupError as exc:
                raise StartupError(f"account {account.name}: {exc}") from None
    return outcomes


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


def _exchange_target(account: AccountSettings, closers: list[Callable[[], None]]) -> tuple[str, ClientOptions]:
    """The mode line (without the account system) and the client options for the account's mode."""
    options = account.exchange
    if account.mode == "paper":
        from bitget.sim.paper import start_paper

        sim = start_paper(account.paper, streams=options.streams)  # STREAMS=on: the simulator streams too
        closers.append(sim.stop)
        credentials = Credentials(sim.api_key, sim.secret_key, sim.passphrase)
        options = replace(options, base_url=sim.base_url, credentials=credentials, demo=False, ws_url=sim.ws_url)
        paper = account.paper
        market = f"{sim.market} market"
        if sim.market != paper.market:
            market += ": Bitget's live market unreachable"
        return (
            f"MODE PAPER: no real orders; trading the built-in simulator at {sim.base_url} "
            f"({market}, {len(sim.engine.contracts)} contracts, "
            f"{'paper account restored' if sim.restored else 'fresh paper account'}: {sim.engine.balance} USDT)"
        ), options
    if account.mode == "demo":
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
