"""Assembles one simulator: engine + v2 and v3 routes + control routes, wrapped in fault injection."""

from __future__ import annotations

import logging

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from bitget.sim import control
from bitget.sim.auth import Credentials
from bitget.sim.context import EXTENSION_KEY, SimContext, current_engine, json_response
from bitget.sim.engine import Engine
from bitget.sim.errors import SimError
from bitget.sim.faults import FaultInjector, RequestStats
from bitget.sim.v2 import routes as v2_routes
from bitget.sim.v3 import routes as v3_routes
from bitget.sim.wire import envelope

log = logging.getLogger(__name__)
__all__ = ["EXTENSION_KEY", "create_sim_app"]


def create_sim_app(engine: Engine | None = None, credentials: Credentials | None = None) -> Flask:
    """A WSGI app serving Bitget's v2 and v3 (unified account) paths and the /sim control paths.

    ``engine`` defaults to :meth:`Engine.from_env` and ``credentials`` to
    :meth:`Credentials.from_env`. The :class:`SimContext` is at ``app.extensions["bitget_sim"]``;
    the views, shared by every app, find it there.
    """
    engine = engine or Engine.from_env()
    credentials = credentials or Credentials.from_env()
    app = Flask(__name__)
    stats = RequestStats()
    faults = FaultInjector(app.wsgi_app, stats)
    app.wsgi_app = faults  # type: ignore[method-assign]
    app.extensions[EXTENSION_KEY] = SimContext(engine=engine, credentials=credentials, stats=stats, faults=faults)
    app.register_blueprint(v2_routes.bp)
    app.register_blueprint(v3_routes.bp)
    app.register_blueprint(control.bp)
    app.register_error_handler(SimError, bitget_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected)
    return app


def bitget_error(err: SimError) -> Response:
    """A refusal in Bitget's envelope (the v3 blueprint re-codes its own first)."""
    return json_response(envelope(None, current_engine().now_ms(), code=err.code, msg=err.msg), err.http_status)


def http_error(err: HTTPException) -> Response:
    """Unknown path 40404, wrong method 405, in Bitget's envelope rather than Flask's HTML."""
    status = err.code or 500
    if status == 404:
        code, msg = "40404", "Request URL NOT FOUND"
    else:
        code, msg = str(status), err.name
    return json_response(envelope(None, current_engine().now_ms(), code=code, msg=msg), status)


def unexpected(err: Exception) -> Response:
    """Never a stack trace to the client: logged here, answered 50000."""
    log.exception("simulator error")
    return json_response(envelope(None, current_engine().now_ms(), code="50000", msg="Internal error"), 500)

