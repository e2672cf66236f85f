"""What every view of one simulator instance shares, and how a view reaches it.

Views are plain module-level functions; the instance they serve (engine, accepted key, counters,
faults) is the :class:`SimContext` that :func:`bitget.sim.app.create_sim_app` stores on its Flask
app, found through ``current_app`` while a request is handled. One process can so run several
simulators (the tests do) with one set of views.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import Flask, Response, current_app, request

from bitget.sim.auth import Credentials
from bitget.sim.engine import Engine
from bitget.sim.faults import FaultInjector, RequestStats
from bitget.sim.params import Params, parse_body
from bitget.sim.wire import dumps, envelope

EXTENSION_KEY = "bitget_sim"


@dataclass
class SimContext:
    engine: Engine
    credentials: Credentials
    stats: RequestStats
    faults: FaultInjector


def context_of(app: Flask) -> SimContext:
    """The simulator behind an app made by create_sim_app."""
    ctx: SimContext = app.extensions[EXTENSION_KEY]
    return ctx


def current() -> SimContext:
    """The simulator answering the request being handled."""
    return context_of(current_app)


def current_engine() -> Engine:
    return current().engine


def json_response(payload: object, status: int = 200) -> Response:
    """JSON text written by the Decimal-exact encoder (never Flask's float-prone one)."""
    return Response(dumps(payload), status=status, mimetype="application/json")


def ok(data: Any) -> Response:
    """A success in Bitget's envelope (v2 and v3 share it)."""
    return json_response(envelope(data, current_engine().now_ms()))


def query() -> Params:
    """The request's query-string parameters."""
    return Params(request.args)


def body() -> Params:
    """The request's JSON body parameters (40017 when it is not a JSON object)."""
    return Params(parse_body(request.get_data(cache=True)))


def btc_price(engine: Engine) -> Decimal:
    """The BTC mark that the ``btcEquity`` fields divide by; 0 when BTCUSDT is not listed."""
    return engine.mark_price("BTCUSDT") if "BTCUSDT" in engine.contracts else Decimal(0)
