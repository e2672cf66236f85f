"""``python -m bitget.sim``: serve the simulator on its own (see bitget/sim/README.md)."""

from __future__ import annotations

import argparse
import logging
import os
from decimal import Decimal

from bitget.sim.app import create_sim_app
from bitget.sim.auth import Credentials
from bitget.sim.engine import ACCOUNT_MODES, POSITION_MODES, Engine
from bitget.sim.feed import LiveBookFeeder
from bitget.sim.server import base_url, make_sim_server
from bitget.sim.stream import attach_streams

log = logging.getLogger("bitget.sim")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bitget.sim", description="Bitget USDT-M futures simulator (classic v2, unified v3)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--ws-port", type=int, default=9001, help="websocket streams' port (0: any free one)")
    parser.add_argument(
        "--balance", type=Decimal, default=None, help="starting USDT (default SIM_START_BALANCE or 10000)"
    )
    parser.add_argument("--position-mode", choices=POSITION_MODES, default=None)
    parser.add_argument(
        "--account-mode",
        choices=ACCOUNT_MODES,
        default=None,
        help="classic (v2 API) or uta (v3 API); default SIM_ACCOUNT_MODE or classic",
    )
    parser.add_argument("--market", choices=("synthetic", "live"), default="synthetic")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    env = dict(os.environ)
    if args.balance is not None:
        env["SIM_START_BALANCE"] = str(args.balance)
    if args.position_mode:
        env["SIM_POSITION_MODE"] = args.position_mode
    if args.account_mode:
        env["SIM_ACCOUNT_MODE"] = args.account_mode
    engine = Engine.from_env(env)
    credentials = Credentials.from_env(env)
    app = create_sim_app(engine, credentials)
    server = make_sim_server(app, args.host, args.port)
    stream = attach_streams(app, args.host, args.ws_port)
    feeder = None
    if args.market == "live":
        feeder = LiveBookFeeder(engine)
        feeder.start()
    log.info(
        "Bitget simulator on %s, streams on %s/v2/ws/public and /v2/ws/private (%s market, %s account), "
        "API key %r",
        base_url(server),
        stream.url,
        args.market,
        engine.account_mode,
        credentials.api_key,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if feeder is not None:
            feeder.stop()
        stream.stop()
        server.server_close()


if __name__ == "__main__":
    main()
