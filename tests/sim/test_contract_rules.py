"""Contract rules on a simulator built with a custom contract list (minTradeNum above the step)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal

import pytest
from werkzeug.serving import make_server

from bitget.sim import create_sim_app
from bitget.sim.auth import Credentials
from bitget.sim.contracts import ContractSpec
from bitget.sim.engine import Engine
from tests.support.sim_client import Api

TEST_CONTRACT = ContractSpec(
    symbol="TESTUSDT",
    base_coin="TEST",
    price_place=2,
    price_end_step=5,
    volume_place=3,
    size_multiplier=Decimal("0.001"),
    min_trade_num=Decimal("0.01"),
    max_lever=50,
    reference_price=Decimal("1000.00"),
)


@pytest.fixture(scope="module")
def custom_api() -> Iterator[Api]:
    engine = Engine([TEST_CONTRACT], balance=Decimal("1000"))
    server = make_server("127.0.0.1", 0, create_sim_app(engine, Credentials()), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Api(f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    server.server_close()


def test_size_below_min_trade_num_is_43006(custom_api: Api) -> None:
    resp = custom_api.place(symbol="TESTUSDT", side="buy", orderType="limit", price="1000.00", size="0.009")
    assert resp.status_code == 400 and resp.json()["code"] == "43006"


def test_price_end_step_sets_the_tick(custom_api: Api) -> None:
    off_tick = custom_api.place(symbol="TESTUSDT", side="buy", orderType="limit", price="900.03", size="0.01")
    assert off_tick.json()["code"] == "41103"  # tick is 5 x 0.01 = 0.05
    custom_api.ok(
        custom_api.place(symbol="TESTUSDT", side="buy", orderType="limit", price="900.05", size="0.01")
    )


def test_size_step_and_decimals(custom_api: Api) -> None:
    assert (
        custom_api.place(symbol="TESTUSDT", side="buy", orderType="market", size="0.0105").json()["code"]
        == "40808"
    )


def test_contract_listing(custom_api: Api) -> None:
    (contract,) = custom_api.ok(
        custom_api.get("/api/v2/mix/market/contracts", {"productType": "USDT-FUTURES"})
    )
    assert (contract["priceEndStep"], contract["pricePlace"], contract["minTradeNum"]) == ("5", "2", "0.01")
