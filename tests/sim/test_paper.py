"""The embedded paper exchange, the live-market feeder (against local fakes only) and the CLI."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from bitget.sim.engine import Engine
from bitget.sim.feed import LiveBookFeeder, RandomWalk, fetch_bitget_depth
from bitget.sim.paper import start_embedded_sim
from tests.support.sim_client import PRODUCT, Api

ROOT = Path(__file__).resolve().parents[2]


def _ticker(base_url: str, symbol: str = "BTCUSDT") -> dict:
    resp = requests.get(
        base_url + "/api/v2/mix/market/ticker", params={"symbol": symbol, "productType": PRODUCT}, timeout=5
    )
    return resp.json()["data"][0]


def test_embedded_synthetic_sim_serves_signed_requests() -> None:
    with start_embedded_sim() as sim:
        assert sim.base_url.startswith("http://127.0.0.1:")
        api = Api(sim.base_url, sim.api_key, sim.secret_key, sim.passphrase)
        assert api.account()["available"] == "10000"
        api.ok(api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.01"))
        assert api.positions("BTCUSDT")[0]["total"] == "0.01"
        assert _ticker(sim.base_url)["lastPr"]
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(sim.base_url + "/api/v2/public/time", timeout=1)


def test_live_market_copies_fetched_books() -> None:
    calls: list[str] = []

    def fake_fetch(symbol: str) -> tuple[list, list]:
        calls.append(symbol)
        return [(Decimal("12345.6"), Decimal("2"))], [(Decimal("12345.7"), Decimal("3"))]

    with start_embedded_sim("live", symbols=["BTCUSDT"], fetch=fake_fetch, refresh_interval=0.05) as sim:
        ticker = _ticker(sim.base_url)
        assert (ticker["bidPr"], ticker["askPr"], ticker["askSz"]) == ("12345.6", "12345.7", "3")
        time.sleep(0.2)
    assert calls.count("BTCUSDT") >= 2


def test_live_market_offline_warns_once_and_stays_synthetic(caplog: pytest.LogCaptureFixture) -> None:
    def no_network(symbol: str) -> tuple[list, list]:
        raise requests.exceptions.ConnectionError("no route to host")

    engine = Engine()
    feeder = LiveBookFeeder(engine, ["BTCUSDT", "ETHUSDT"], fetch=no_network)
    with caplog.at_level(logging.WARNING, logger="bitget.sim.feed"):
        assert feeder.refresh_once() == 30.0  # every symbol failed: back off
        feeder.refresh_once()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "synthetic" in warnings[0].getMessage()
    assert engine.ticker("BTCUSDT").last == Decimal("65000.0")


def test_random_walk_moves_the_synthetic_market() -> None:
    engine = Engine()
    walk = RandomWalk(engine, ["BTCUSDT"], step=Decimal("0.01"), seed=3)
    before = engine.mark_price("BTCUSDT")
    walk.step_once()
    after = engine.mark_price("BTCUSDT")
    assert after != before and abs(after - before) <= before * Decimal("0.01")


def test_fetch_bitget_depth_parses_the_public_reply() -> None:
    seen: dict[str, str] = {}

    @Request.application
    def fake_bitget(request: Request) -> Response:
        seen.update(request.args)
        seen["path"] = request.path
        body = {
            "code": "00000",
            "msg": "success",
            "requestTime": 1,
            "data": {"asks": [[26347.5, 0.25], ["26348.0", "1"]], "bids": [[26347.4, 1.5]], "ts": "1"},
        }
        return Response(json.dumps(body), mimetype="application/json")

    server = make_server("127.0.0.1", 0, fake_bitget, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        bids, asks = fetch_bitget_depth("BTCUSDT", base_url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
    assert seen == {
        "path": "/api/v2/mix/market/merge-depth",
        "productType": "USDT-FUTURES",
        "symbol": "BTCUSDT",
        "limit": "15",
    }
    assert bids == [(Decimal("26347.4"), Decimal("1.5"))]
    assert asks == [(Decimal("26347.5"), Decimal("0.25")), (Decimal("26348.0"), Decimal("1"))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_command_line_server() -> None:
    port = _free_port()
    env = {**os.environ, "SIM_SECRET_KEY": "cli-secret", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bitget.sim",
            "--port",
            str(port),
            "--balance",
            "500",
            "--position-mode",
            "hedge_mode",
            "--ws-port",
            "0",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                state = requests.get(base_url + "/sim/state", timeout=1).json()
                break
            except requests.exceptions.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        assert state["balance"] == "500" and state["position_mode"] == "hedge_mode"
        api = Api(base_url, secret="cli-secret")
        assert api.account()["available"] == "500"
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=5)
    assert f"{base_url}" in output and "sim-api-key" in output
    assert "cli-secret" not in output
