"""The simulator inside the service's own process: the exchange behind paper mode.

``start_embedded_sim()`` serves a fresh simulator on a local port in a daemon thread and returns
the URL and credentials the service's Bitget client should use, so paper mode exercises exactly
the same client code, signing included, as live trading.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from flask import Flask

from bitget.sim.app import create_sim_app
from bitget.sim.auth import Credentials
from bitget.sim.engine import Engine
from bitget.sim.feed import BITGET_BASE_URL, FetchDepth, LiveBookFeeder, PeriodicTask, RandomWalk, fetch_bitget_depth
from bitget.sim.server import base_url, make_sim_server, serve_in_thread

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
    _server: Any = field(repr=False, default=None)
    _tasks: list[PeriodicTask] = field(default_factory=list, repr=False)

    def stop(self) -> None:
        """Stop the market threads and the server (idempotent)."""
        for task in self._tasks:
            task.stop()
        self._tasks.clear()
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
) -> EmbeddedSim:
    """Start a simulator in this process.

    ``market="live"`` copies Bitget's public books (``symbols``, default all sim contracts) every
    ``refresh_interval`` seconds, waiting up to ``startup_wait`` s for the first pass so the first
    quote is already real; offline it warns once and stays synthetic. ``fetch`` replaces the HTTP
    fetch (tests). ``random_walk`` lets a synthetic market (also the fallback of an offline live
    market) drift by up to ``walk_step`` a step, refilling its book each time.
    """
    if market not in MARKETS:
        raise ValueError(f"market must be one of {MARKETS}")
    engine = engine or Engine.from_env()
    credentials = credentials or Credentials.from_env()
    app = create_sim_app(engine, credentials)
    server = make_sim_server(app, host, port, quiet=True)
    serve_in_thread(server)
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
        _server=server,
        _tasks=tasks,
    )
    log.info("paper exchange (Bitget simulator, %s market) at %s", sim.market, sim.base_url)
    return sim


def start_paper(settings: PaperSettings) -> EmbeddedSim:
    """The simulator behind paper mode: a live market is copied every 2 s; a synthetic one (or the
    fallback of an offline live market) drifts and refills its book, so paper trading never runs dry."""
    live = settings.market == "live"
    fetch = partial(fetch_bitget_depth, base_url=settings.market_url.rstrip("/"))
    sim = start_embedded_sim(
        market=settings.market, fetch=fetch, random_walk=True, refresh_interval=2.0 if live else 0.5
    )
    sim.engine.set_balance(settings.balance)
    sim.engine.set_account_mode(settings.account_mode)
    return sim
