"""Classic vs unified account: who may call which API, and auth before everything."""

from __future__ import annotations

import pytest
import requests

from bitget.sim.__main__ import parse_args
from bitget.sim.engine import Engine
from tests.support.sim_client import PRODUCT, Api, Sim
from tests.support.sim_uta_client import CATEGORY, PLACE, V3, code

V2_ACCOUNT = ("/api/v2/mix/account/account", {"symbol": "BTCUSDT", "productType": PRODUCT, "marginCoin": "USDT"})


def test_classic_account_gets_40084_on_every_v3_private_path(sim: Sim) -> None:
    api = sim.api
    replies = [
        api.get("/api/v3/account/settings"),
        api.get("/api/v3/account/assets"),
        api.get("/api/v3/position/current-position", {"category": CATEGORY}),
        api.get("/api/v3/trade/order-info", {"orderId": "1"}),
        api.post(PLACE, {"category": CATEGORY, "symbol": "BTCUSDT", "side": "buy", "orderType": "market", "qty": "1"}),
        api.post("/api/v3/account/set-hold-mode", {"holdMode": "hedge_mode"}),
    ]
    for resp in replies:
        assert resp.status_code == 400 and code(resp) == "40084"
    assert sim.orders() == [] and sim.state()["position_mode"] == "one_way_mode"


def test_unified_account_gets_40085_on_v2_and_is_served_on_v3(uta: V3, sim: Sim) -> None:
    path, params = V2_ACCOUNT
    resp = sim.api.get(path, params)
    assert resp.status_code == 400 and code(resp) == "40085"
    assert uta.settings()["accountMode"] == "unified"


def test_auth_is_checked_before_the_account_mode(sim: Sim) -> None:
    bad = Api(sim.base_url, secret="wrong")
    assert code(bad.get("/api/v3/account/settings")) == "40009"  # classic account, v3 path
    no_key = requests.get(sim.base_url + "/api/v3/account/settings", timeout=5)
    assert no_key.status_code == 400 and code(no_key) == "40001"
    sim.control("POST", "/sim/account-mode", {"mode": "uta"})
    path, params = V2_ACCOUNT
    assert code(bad.get(path, params)) == "40009"  # unified account, v2 path
    assert code(Api(sim.base_url, passphrase="nope").get("/api/v3/account/assets")) == "40012"
    seen = sim.control("GET", "/sim/requests")
    assert seen["auth_failures_by_code"] == {"40009": 2, "40001": 1, "40012": 1}


def test_public_paths_answer_in_both_modes(sim: Sim) -> None:
    paths = [
        ("/api/v2/public/time", {}),
        ("/api/v2/mix/market/ticker", {"symbol": "BTCUSDT", "productType": PRODUCT}),
        ("/api/v3/market/instruments", {"category": CATEGORY}),
        ("/api/v3/market/tickers", {"category": CATEGORY, "symbol": "BTCUSDT"}),
        ("/api/v3/market/orderbook", {"category": CATEGORY, "symbol": "BTCUSDT"}),
    ]
    for mode in ("classic", "uta"):
        sim.control("POST", "/sim/reset", {"account_mode": mode})
        for path, params in paths:
            resp = requests.get(sim.base_url + path, params=params, timeout=5)
            assert resp.status_code == 200 and resp.json()["code"] == "00000", (mode, path)


def test_reset_and_switch_account_mode(sim: Sim) -> None:
    sim.control("POST", "/sim/reset", {"account_mode": "uta"})
    assert sim.state()["account_mode"] == "uta"
    sim.control("POST", "/sim/reset", {})
    assert sim.state()["account_mode"] == "classic"  # the engine's default
    resp = requests.post(sim.base_url + "/sim/reset", json={"account_mode": "hybrid"}, timeout=5)
    assert resp.status_code == 400 and resp.json()["ok"] is False


def test_account_mode_from_env_and_command_line() -> None:
    engine = Engine.from_env({"SIM_ACCOUNT_MODE": "uta"})
    assert engine.account_mode == "uta"
    engine.reset()
    assert engine.account_mode == "uta"  # a reset keeps the configured default
    assert Engine.from_env({}).account_mode == "classic"
    with pytest.raises(ValueError, match="SIM_ACCOUNT_MODE"):
        Engine.from_env({"SIM_ACCOUNT_MODE": "unified"})
    assert parse_args(["--account-mode", "uta"]).account_mode == "uta"
    assert parse_args([]).account_mode is None


def test_unknown_v3_path_is_404(uta: V3) -> None:
    resp = uta.api.get("/api/v3/trade/no-such-thing")
    assert resp.status_code == 404 and code(resp) == "40404"
