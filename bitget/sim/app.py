"""Assembles one simulator: engine + v2 and v3 routes + control routes, wrapped in fault injection."""

from __future__ import annotations

import logging

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from bitget.sim.auth import Credentials
from bitget.sim.context import SimContext, json_response
from bitget.sim.control import build_control_blueprint
from bitget.sim.engine import Engine
from bitget.sim.errors import SimError
from bitget.sim.faults import FaultInjector, RequestStats
from bitget.sim.routes import build_v2_blueprint
from bitget.sim.routes_v3 import build_v3_blueprint
from bitget.sim.wire import envelope

log = logging.getLogger(__name__)
EXTENSION_KEY = "bitget_sim"


def create_sim_app(engine: Engine | None = None, credentials: Credentials | None = None) -> Flask:
    """A WSGI app serving Bitget's v2 and v3 (unified account) paths and the /sim control paths.

    ``engine`` defaults to :meth:`Engine.from_env` and ``credentials`` to
    :meth:`Credentials.from_env`. The :class:`SimContext` is at ``app.extensions["bitget_sim"]``.
    """
    engine = engine or Engine.from_env()
    credentials = credentials or Credentials.from_env()
    app = Flask(__name__)
    stats = RequestStats()
    faults = FaultInjector(app.wsgi_app, stats)
    app.wsgi_app = faults  # type: ignore[method-assign]
    ctx = SimContext(engine=engine, credentials=credentials, stats=stats, faults=faults)
    app.extensions[EXTENSION_KEY] = ctx
    app.register_blueprint(build_v2_blueprint(ctx))
    app.register_blueprint(build_v3_blueprint(ctx))
    app.register_blueprint(build_control_blueprint(ctx))

    @app.errorhandler(SimError)
    def bitget_error(err: SimError) -> Response:
        return json_response(envelope(None, engine.now_ms(), code=err.code, msg=err.msg), err.http_status)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Response:
        status = err.code or 500
        if status == 404:
            code, msg = "40404", "Request URL NOT FOUND"
        else:
            code, msg = str(status), err.name
        return json_response(envelope(None, engine.now_ms(), code=code, msg=msg), status)

    @app.errorhandler(Exception)
    def unexpected(err: Exception) -> Response:
        log.exception("simulator error")
        return json_response(envelope(None, engine.now_ms(), code="50000", msg="Internal error"), 500)

    return app


def sim_context(app: Flask) -> SimContext:
    """The engine, credentials, counters and faults behind an app made by create_sim_app."""
    ctx: SimContext = app.extensions[EXTENSION_KEY]
    return ctx
