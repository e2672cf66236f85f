"""The HTTP status the simulator sends with each kind of refusal, as Bitget does.

Bitget answers a refused request (signature, parameter, business rule, account mode) with HTTP 400 and its
envelope ``{"code", "msg", "requestTime", "data": null}``; an unknown path with 404 (40404); success with
200. Sources in bitget/sim/README.md ("HTTP status"). A client must read ``code`` whatever the status.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from tests.support.sim_client import PRODUCT, Sim


def unsigned(sim: Sim) -> requests.Response:
    return requests.get(sim.base_url + "/api/v2/mix/account/accounts", params={"productType": PRODUCT}, timeout=5)


def bad_signature(sim: Sim) -> requests.Response:
    headers = sim.api.headers("GET", "/api/v2/mix/account/accounts", f"productType={PRODUCT}", "")
    headers["ACCESS-SIGN"] = "bm90LXRoZS1zaWduYXR1cmU="
    return requests.get(sim.base_url + "/api/v2/mix/account/accounts", params={"productType": PRODUCT},
                        headers=headers, timeout=5)


def missing_parameter(sim: Sim) -> requests.Response:
    return sim.api.place(side="buy", orderType="market", size="0.01")  # no symbol


def over_balance(sim: Sim) -> requests.Response:
    return sim.api.place(symbol="BTCUSDT", side="buy", orderType="market", size="100000")


def nothing_to_close(sim: Sim) -> requests.Response:
    return sim.api.place(symbol="BTCUSDT", side="sell", orderType="market", size="0.01", reduceOnly="YES")


def unified_account_on_v2(sim: Sim) -> requests.Response:
    sim.control("POST", "/sim/reset", {"account_mode": "uta"})
    return sim.api.get("/api/v2/mix/account/accounts", {"productType": PRODUCT})


def classic_account_on_v3(sim: Sim) -> requests.Response:
    return sim.api.get("/api/v3/account/assets")


def unknown_v3_order(sim: Sim) -> requests.Response:
    sim.control("POST", "/sim/reset", {"account_mode": "uta"})
    return sim.api.get("/api/v3/trade/order-info", {"orderId": "1"})


REFUSALS: dict[str, tuple[Callable[[Sim], requests.Response], str]] = {
    "no key header": (unsigned, "40001"),
    "signature refused": (bad_signature, "40009"),
    "parameter missing": (missing_parameter, "40019"),
    "order over the balance": (over_balance, "40762"),
    "reduce-only without a position": (nothing_to_close, "22002"),
    "unified account on a classic path": (unified_account_on_v2, "40085"),
    "classic account on a unified path": (classic_account_on_v3, "40084"),
    "unknown v3 order": (unknown_v3_order, "25204"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_refusal_is_http_400_with_bitget_envelope(sim: Sim, case: str) -> None:
    make, want = REFUSALS[case]
    resp = make(sim)
    payload = resp.json()
    assert (resp.status_code, payload["code"], payload["data"]) == (400, want, None), payload
    assert isinstance(payload["msg"], str) and payload["msg"]


def test_an_unknown_path_is_404_with_code_40404(sim: Sim) -> None:
    resp = requests.get(sim.base_url + "/api/v2/mix/market/no-such-path", timeout=5)
    assert (resp.status_code, resp.json()["code"]) == (404, "40404")


def test_a_success_is_http_200_with_code_00000(sim: Sim) -> None:
    resp = sim.api.get("/api/v2/mix/account/accounts", {"productType": PRODUCT})
    assert (resp.status_code, resp.json()["code"]) == (200, "00000")
