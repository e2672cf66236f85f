"""A local stand-in for Bitget's public market API: the contract list, tickers and books, no keys.

Paper mode with ``PAPER_MARKET=live`` reads these paths from ``PAPER_MARKET_URL``; tests point it
here so they never need the internet. It serves the contract list given (Bitget's row format),
a ticker per listed symbol and a one-level book around each price, and counts the book requests.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.serving import make_server

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "bitget" / "public-usdt-futures-contracts.json"


class PublicBitget:
    """The stand-in's state: its rows and prices, and which books were asked for."""

    def __init__(self, rows: list[dict[str, Any]], prices: dict[str, str]) -> None:
        self.rows = rows
        self.prices = prices
        self.depth_requests: Counter[str] = Counter()
        self.base_url = ""

    def app(self) -> Flask:
        app = Flask("public-bitget")

        def reply(data: Any) -> Any:
            return jsonify({"code": "00000", "msg": "success", "requestTime": 1764590000000, "data": data})

        @app.get("/api/v2/mix/market/contracts")
        def contracts() -> Any:
            return reply(self.rows)

        @app.get("/api/v2/mix/market/tickers")
        def tickers() -> Any:
            return reply([{"symbol": s, "lastPr": p, "markPrice": p} for s, p in self.prices.items()])

        @app.get("/api/v2/mix/market/merge-depth")
        def depth() -> Any:
            symbol = request.args.get("symbol", "")
            self.depth_requests[symbol] += 1
            price = Decimal(self.prices[symbol])
            tick = Decimal(1).scaleb(-int(next(r for r in self.rows if r["symbol"] == symbol)["pricePlace"]))
            size = str(int(Decimal(1_000_000) / price))  # about a million USDT a side, as deep as a real book
            return reply({"bids": [[str(price - tick), size]], "asks": [[str(price + tick), size]],
                          "ts": "1764590000000"})

        return app


def recorded_rows() -> list[dict[str, Any]]:
    return json.loads(FIXTURE.read_text())["data"]


@contextmanager
def public_bitget(prices: dict[str, str]) -> Iterator[PublicBitget]:
    """Serve the recorded contract list on 127.0.0.1 with these last prices."""
    stand_in = PublicBitget(recorded_rows(), prices)
    server = make_server("127.0.0.1", 0, stand_in.app(), threaded=True)
    stand_in.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()
