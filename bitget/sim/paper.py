"""The simulator inside the service's own process: the exchange behind paper mode.

``start_embedded_sim()`` serves a fresh simulator on a local port in a daemon thread and returns
the URL and credentials the service's Bitget client should use, so paper mode exercises exactly
the same client code, signing included, as live trading.

``start_paper()`` is paper mode's exchange: with ``PAPER_MARKET=live`` it lists every USDT-M
perpetual in Bitget's public contract list and copies a symbol's real book when it is first asked
for (then while it has positions or orders); offline it falls back to the built-in contracts. The
paper account lives under ``DATA_DIR`` (``bitget.sim.persist``) and survives restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

from bitget.sim.app import create_sim_app
from bitget.sim.auth import Credentials
from bitget.sim.contracts import BUILT_IN_CONTRACTS, ContractSpec
from bitget.sim.engine import Engine
from bitget.sim.feed import (
    BITGET_BASE_URL,
    FetchDepth,
    LiveBookFeeder,
    PeriodicTask,
    RandomWalk,
    fetch_bitget_contracts,
    fetch_bitget_depth,
)
from bitget.sim.persist import ACCOUNT_FILE, AccountStore
from bitget.sim.server import base_url, make_sim_server, serve_in_thread
from bitget.sim.stream import StreamServer, attach_streams

log = logging.getLogger(__name__)
MARKETS = ("live", "synthetic")
ACCOUNT_SYSTEMS = ("classic", "uta")


@dataclass(frozen=True)
class PaperSettings:
    """Paper trading: which market the simulator copies, and the paper account it starts with."""

    market: str = "live"  # "live": Bitget's public books; "synthetic": offline, drifting books
    balance: Decimal = Decimal("10000")  # USDT
    account_mode: str = "classic"  # the account system the paper account imitates: classic or uta
    market_url: str = BITGET_BASE_URL  # where the live market is read (Bitget's public API, no keys)
    account_dir: Path | None = None  # where the paper account is kept (DATA_DIR); None: in memory only
    reset: bool = False  # start a fresh account (PAPER_BALANCE), forgetting the kept one

    @property
    def account_path(self) -> Path | None:
        return self.account_dir / ACCOUNT_FILE if self.account_dir is not None else None


@dataclass
class EmbeddedSim:
    """A running simulator: where it listens, the key it accepts, and how to stop it."""

    base_url: str
    api_key: str
    secret_key: str
    passphrase: str
    engine: Engine
    app: Flask
    market: str = "synthetic"  # the market in use: "live", or "synthetic" (asked for, or live unreachable)
    restored: bool = False  # the paper account was read back from DATA_DIR (not a fresh one)
    store: AccountStore | None = None
    ws_url: str = ""  # the websocket streams' base: + /v2/ws/public or /v2/ws/private ("" when off)
    _server: Any = field(repr=False, default=None)
    _stream: StreamServer | None = field(repr=False, default=None)
    _tasks: list[PeriodicTask] = field(default_factory=list, repr=False)

    def stop(self) -> None:
        """Stop the market threads and the server (idempotent); the account is saved a last time."""
        for task in self._tasks:
            task.stop()
        self._tasks.clear()
        if self.store is not None:
            self.store.save_quietly()
        if self._stream is not None:
            self._stream.stop()
            self._stream = None
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> EmbeddedSim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_embedded_sim(
    market: str = "synthetic",
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    engine: Engine | None = None,
    credentials: Credentials | None = None,
    symbols: list[str] | None = None,
    fetch: FetchDepth | None = None,
    refresh_interval: float = 2.0,
    random_walk: bool = False,
    walk_step: Decimal = Decimal("0.0005"),
    startup_wait: float = 5.0,
    prepare: Callable[[Flask], None] | None = None,
    streams: bool = False,
) -> EmbeddedSim:
    """Start a simulator in this process.

    ``market="live"`` copies Bitget's public books (``symbols``, default all sim contracts) every
    ``refresh_interval`` seconds, waiting up to ``startup_wait`` s for the first pass so the first
    quote is already real; offline it warns once and stays synthetic. ``fetch`` replaces the HTTP
    fetch (tests). ``random_walk`` lets a synthetic market (also the fallback of an offline live
    market) drift by up to ``walk_step`` a step, refilling its book each time. ``prepare`` sees the
    app before it serves (request hooks). ``streams`` serves Bitget's websocket streams on a second
    port (``EmbeddedSim.ws_url``); off by default (the service reads them with STREAMS=on).
    """
    if market not in MARKETS:
        raise ValueError(f"market must be one of {MARKETS}")
    engine = engine or Engine.from_env()
    credentials = credentials or Credentials.from_env()
    app = create_sim_app(engine, credentials)
    if prepare is not None:
        prepare(app)
    server = make_sim_server(app, host, port, quiet=True)
    serve_in_thread(server)
    stream = attach_streams(app, host) if streams else None
    tasks: list[PeriodicTask] = []
    fed_live = False
    if market == "live":
        feeder = LiveBookFeeder(engine, symbols, fetch=fetch, interval=refresh_interval)
        feeder.start()
        feeder.first_cycle.wait(startup_wait)
        tasks.append(feeder)
        fed_live = feeder.updates > 0
    if random_walk and not fed_live:  # offline, the synthetic books still drift and refill
        walk = RandomWalk(engine, symbols, interval=refresh_interval, step=walk_step)
        walk.start()
        tasks.append(walk)
    sim = EmbeddedSim(
        base_url=base_url(server),
        api_key=credentials.api_key,
        secret_key=credentials.secret_key,
        passphrase=credentials.passphrase,
        engine=engine,
        app=app,
        market="live" if fed_live else "synthetic",
        ws_url=stream.url if stream is not None else "",
        _server=server,
        _stream=stream,
        _tasks=tasks,
    )
    log.info("paper exchange (Bitget simulator, %s market) at %s", sim.market, sim.base_url)
    return sim


def start_paper(settings: PaperSettings, *, fetch: FetchDepth | None = None, streams: bool = False) -> EmbeddedSim:
    """The simulator behind paper mode.

    Live: Bitget's public contract list names the contracts and each symbol's real book is copied
    when first asked for, then every 2 s while it is in use. Synthetic (asked for, or the fallback
    when the list cannot be read): the built-in contracts, whose books drift and refill. The account
    is restored from ``settings.account_dir`` unless ``settings.reset``; ``balance`` seeds a fresh one.
    ``streams`` serves Bitget's websocket streams too (the service's STREAMS=on).
    """
    base = settings.market_url.rstrip("/")
    specs: tuple[ContractSpec, ...] = BUILT_IN_CONTRACTS
    live = False
    if settings.market == "live":
        try:
            specs, live = tuple(fetch_bitget_contracts(base_url=base)), True
        except Exception as exc:  # offline, refused, unreadable: paper trading goes on, synthetic
            log.warning("Bitget's contract list unavailable at %s (%s); using the built-in contracts", base, exc)
    engine = Engine(specs, balance=settings.balance, account_mode=settings.account_mode)
    store, restored = _account_store(engine, settings)
    feeder = LiveBookFeeder(engine, None, fetch=fetch or partial(fetch_bitget_depth, base_url=base)) if live else None

    def prepare(app: Flask) -> None:
        if feeder is not None:
            app.before_request(lambda: _watch_asked_symbol(feeder))
        if store is not None:
            app.after_request(partial(_save_after_change, store))

    sim = start_embedded_sim(market="synthetic", engine=engine, random_walk=not live, refresh_interval=0.5,
                             prepare=prepare, streams=streams)
    sim.engine.set_account_mode(settings.account_mode)
    sim.restored, sim.store = restored, store
    if feeder is not None:
        feeder.start()
        sim._tasks.append(feeder)
        sim.market = "live"
    if store is not None:  # book moves fill resting orders and fire stops: those changes are saved too
        saver = PeriodicTask("paper-account-saver", 0.5, store.save_quietly)
        saver.start()
        sim._tasks.append(saver)
    return sim


def _account_store(engine: Engine, settings: PaperSettings) -> tuple[AccountStore | None, bool]:
    """The account's file: restored unless a reset is asked for; (store, restored)."""
    path = settings.account_path
    if path is None:
        return None, False
    store = AccountStore(engine, path)
    if settings.reset:
        path.unlink(missing_ok=True)
        log.info("PAPER_RESET: a fresh paper account with %s USDT", settings.balance)
    elif store.load():
        acc = engine.account()
        log.info(
            "paper account restored from %s: balance %s USDT, %d position(s), %d open order(s)",
            path, acc.balance, len(engine.positions()), len(engine.open_orders()),
        )
        return store, True
    store.save()
    return store, False


def _watch_asked_symbol(feeder: LiveBookFeeder) -> None:
    """Before a request naming a symbol is answered, its real book is there (fetched on first use)."""
    symbol = request.args.get("symbol")
    if not symbol and request.method == "POST":
        body = request.get_json(silent=True, cache=True)
        symbol = body.get("symbol") if isinstance(body, dict) else None
    if isinstance(symbol, str) and symbol:
        feeder.watch(symbol.upper())


def _save_after_change(store: AccountStore, response: Response) -> Response:
    """Every change is on disk before its reply leaves: what the service is told, the file remembers."""
    if request.method != "GET":
        store.save_quietly()
    return response
