"""A third-party client's start-up against the simulator: every product type and category loads.

Libraries load every market Bitget lists before anything else (ccxt reads the coin list, then each
v2 productType and v3 category). Each must answer Bitget's envelope with a list, so such a client
starts unchanged; only USDT-M has rows here. Then: a one-way close placed through v3
close-positions, read back by the service's own client, is a close.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.sim_client import Api
from trading.models import OrderRequest, OrderType, PositionSide

V2_PRODUCT_TYPES = ["USDT-FUTURES", "COIN-FUTURES", "USDC-FUTURES", "SUSDT-FUTURES", "SCOIN-FUTURES",
                    "SUSDC-FUTURES", "usdt-futures"]
V3_CATEGORIES = ["SPOT", "USDT-FUTURES", "COIN-FUTURES", "USDC-FUTURES"]


def envelope(resp) -> list:
    payload = resp.json()
    assert resp.status_code == 200, payload
    assert set(payload) == {"code", "msg", "requestTime", "data"}, payload
    assert payload["code"] == "00000" and payload["msg"] == "success"
    assert isinstance(payload["requestTime"], str) and payload["requestTime"].isdigit()
    assert isinstance(payload["data"], list), payload
    return payload["data"]


@pytest.mark.parametrize("product_type", V2_PRODUCT_TYPES)
def test_v2_markets_load_for_every_product_type(sim_server: str, product_type: str) -> None:
    api = Api(sim_server)
    contracts = envelope(api.get("/api/v2/mix/market/contracts", {"productType": product_type}))
    tickers = envelope(api.get("/api/v2/mix/market/tickers", {"productType": product_type}))
    rates = envelope(api.get("/api/v2/mix/market/current-fund-rate", {"productType": product_type}))
    usdt = product_type.upper() == "USDT-FUTURES"
    assert bool(contracts) is usdt and bool(tickers) is usdt and bool(rates) is usdt
    assert all(row["symbol"].endswith("USDT") for row in contracts + tickers)


def test_the_coin_list_a_client_reads_first(sim_server: str) -> None:
    coins = envelope(Api(sim_server).get("/api/v2/spot/public/coins"))
    assert {"USDT", "BTC"} <= {c["coin"] for c in coins}


@pytest.mark.parametrize("category", V3_CATEGORIES)
def test_v3_instruments_load_for_every_category(sim_server: str, category: str) -> None:
    api = Api(sim_server)
    instruments = envelope(api.get("/api/v3/market/instruments", {"category": category}))
    tickers = envelope(api.get("/api/v3/market/tickers", {"category": category}))
    usdt = category == "USDT-FUTURES"
    assert bool(instruments) is usdt and bool(tickers) is usdt


def test_trading_other_product_types_is_refused_with_bitgets_code(sim_server: str) -> None:
    resp = Api(sim_server).post("/api/v2/mix/order/place-order", {
        "symbol": "BTCUSD", "productType": "COIN-FUTURES", "marginMode": "crossed", "marginCoin": "BTC",
        "size": "1", "side": "buy", "orderType": "market"})
    assert resp.status_code == 400 and resp.json()["code"] == "40017"


@pytest.mark.parametrize("position_mode", ["one_way_mode"])
@pytest.mark.parametrize("account_system", ["uta"])
def test_a_v3_one_way_close_by_close_positions_reads_as_a_close(sim, service, sim_server: str) -> None:
    exchange = service.runtime.exchange
    opened = exchange.place_order(OrderRequest("BTCUSDT", PositionSide.LONG, False, OrderType.MARKET,
                                               Decimal("0.01"), "open-then-flash-1"))
    assert opened is not None
    api = Api(sim_server)
    reply = api.post("/api/v3/trade/close-positions", {"category": "USDT-FUTURES", "symbol": "BTCUSDT"}).json()
    [row] = reply["data"]["list"]
    order = exchange.get_order("BTCUSDT", order_id=row["orderId"])
    assert order is not None
    assert order.reduce is True and order.position_side is PositionSide.LONG
