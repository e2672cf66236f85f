"""What every route of one simulator instance shares: engine, accepted key, counters, faults."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response

from bitget.sim.auth import Credentials
from bitget.sim.engine import Engine
from bitget.sim.faults import FaultInjector, RequestStats
from bitget.sim.wire import dumps


@dataclass
class SimContext:
    engine: Engine
    credentials: Credentials
    stats: RequestStats
    faults: FaultInjector


def json_response(payload: object, status: int = 200) -> Response:
    """JSON text written by the Decimal-exact encoder (never Flask's float-prone one)."""
    return Response(dumps(payload), status=status, mimetype="application/json")
