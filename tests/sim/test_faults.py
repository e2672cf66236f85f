"""Injected faults: each kind, counting, and the ambiguous failures a client must reconcile."""

from __future__ import annotations

import time

import pytest
import requests

from tests.support.sim_client import PRODUCT, Sim

PLACE = "/api/v2/mix/order/place-order"


def _faults(sim: Sim, *rules: dict, seed: int | None = None) -> None:
    body: dict = {"rules": list(rules)}
    if seed is not None:
        body["seed"] = seed
    sim.control("POST", "/sim/faults", body)


def _time(sim: Sim, timeout: float = 5) -> requests.Response:
    return requests.get(sim.base_url + "/api/v2/public/time", timeout=timeout)


def _market_buy(sim: Sim, client_oid: str) -> requests.Response:
    return sim.api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.01", clientOid=client_oid)


def test_latency_delays_then_answers(sim: Sim) -> None:
    _faults(sim, {"path": "/api/v2/public/time", "kind": "latency", "delay": 0.3, "times": 1})
    start = time.monotonic()
    assert _time(sim).json()["code"] == "00000"
    assert time.monotonic() - start >= 0.3
    start = time.monotonic()
    _time(sim)
    assert time.monotonic() - start < 0.3  # used up


def test_error_5xx_html_and_json_without_processing(sim: Sim) -> None:
    _faults(sim, {"path": PLACE, "kind": "error_5xx", "status": 502, "times": 1})
    resp = _market_buy(sim, "e-1")
    assert resp.status_code == 502 and resp.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        resp.json()
    assert sim.orders() == []
    _faults(sim, {"path": PLACE, "kind": "error_5xx", "status": 500, "body": "json", "times": 1})
    resp = _market_buy(sim, "e-1")
    assert resp.status_code == 500 and resp.json()["code"] == "500" and resp.json()["data"] is None
    assert sim.orders() == []
    assert sim.api.ok(_market_buy(sim, "e-1"))["clientOid"] == "e-1"


def test_rate_limit_is_429_without_processing(sim: Sim) -> None:
    _faults(sim, {"path": PLACE, "kind": "rate_limit", "times": 2})
    for _ in range(2):
        resp = _market_buy(sim, "r-1")
        assert resp.status_code == 429
        assert resp.json()["code"] == "429" and resp.json()["msg"] == "Too Many Requests"
    assert sim.orders() == []
    sim.api.ok(_market_buy(sim, "r-1"))
    assert sim.control("GET", "/sim/requests")["faults"] == {"rate_limit": 2}


def test_timeout_fails_the_client_but_the_order_happens(sim: Sim) -> None:
    _faults(sim, {"path": PLACE, "kind": "timeout", "delay": 0.8, "times": 1})
    sim.api.timeout = 0.3
    try:
        with pytest.raises(requests.exceptions.ReadTimeout):
            _market_buy(sim, "t-1")
    finally:
        sim.api.timeout = 5.0
    deadline = time.monotonic() + 5
    while not sim.orders() and time.monotonic() < deadline:
        time.sleep(0.05)
    (order,) = sim.orders()
    assert order["clientOid"] == "t-1" and order["state"] == "filled"
    detail = sim.api.detail("BTCUSDT", clientOid="t-1")
    assert detail["state"] == "filled"


def test_lost_reply_processes_the_order_but_the_client_sees_a_connection_error(sim: Sim) -> None:
    _faults(sim, {"path": PLACE, "method": "POST", "kind": "lost_reply", "times": 1})
    with pytest.raises(requests.exceptions.ConnectionError):
        _market_buy(sim, "lost-1")
    (order,) = sim.orders()
    assert order["clientOid"] == "lost-1" and order["state"] == "filled"
    assert sim.api.positions("BTCUSDT")[0]["total"] == "0.01"
    # the resend is refused as a duplicate: the order exists exactly once
    assert _market_buy(sim, "lost-1").json()["code"] == "43118"
    assert len(sim.orders()) == 1


def test_prefix_method_and_clear(sim: Sim) -> None:
    _faults(sim, {"path": "/api/v2/mix/market/*", "method": "GET", "kind": "rate_limit"})
    params = {"symbol": "BTCUSDT", "productType": PRODUCT}
    assert (
        requests.get(sim.base_url + "/api/v2/mix/market/ticker", params=params, timeout=5).status_code == 429
    )
    assert _time(sim).status_code == 200
    assert sim.state()["ok"]  # control paths are never faulted
    rules = sim.control("GET", "/sim/faults")["rules"]
    assert rules[0]["fired"] == 1
    sim.control("DELETE", "/sim/faults")
    assert (
        requests.get(sim.base_url + "/api/v2/mix/market/ticker", params=params, timeout=5).status_code == 200
    )


def test_probability_is_deterministic_with_a_seed(sim: Sim) -> None:
    def run() -> list[int]:
        _faults(sim, {"path": "/api/v2/public/time", "kind": "rate_limit", "probability": 0.5}, seed=42)
        return [_time(sim).status_code for _ in range(20)]

    first = run()
    assert run() == first
    assert first.count(429) not in (0, 20)


def test_bad_fault_rules_are_refused(sim: Sim) -> None:
    for rule in (
        {"path": "/x", "kind": "explode"},
        {"path": "x", "kind": "latency"},
        {"path": "/x", "kind": "latency", "probability": 2},
    ):
        resp = requests.post(sim.base_url + "/sim/faults", json={"rules": [rule]}, timeout=5)
        assert resp.status_code == 400 and resp.json()["ok"] is False


def test_request_counters(sim: Sim) -> None:
    _time(sim)
    _time(sim)
    sim.api.account()
    seen = sim.control("GET", "/sim/requests")
    assert seen["by_path"] == {"/api/v2/public/time": 2, "/api/v2/mix/account/account": 1}
    assert seen["by_method_path"]["GET /api/v2/public/time"] == 2
    assert seen["total"] == 3 and seen["auth_failures"] == 0
