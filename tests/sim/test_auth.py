"""Signature verification: Bitget's worked vector, and each way a request can be refused."""

from __future__ import annotations

import time

import pytest
import requests

from bitget.sim.auth import prehash, signature
from tests.support.sim_client import PRODUCT, Api, Sim, bitget_sign

VECTOR_SECRET = "ThisIsATestSecretKey-NotReal-0123456789"
VECTOR_TS = "1700000000000"
VECTOR_QUERY = "marginCoin=USDT&productType=USDT-FUTURES&symbol=BTCUSDT"
VECTOR_BODY = (
    '{"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginMode":"crossed","marginCoin":"USDT",'
    '"size":"0.001","side":"buy","tradeSide":"open","orderType":"market","clientOid":"tv-0001"}'
)
ACCOUNT_PARAMS = {"symbol": "BTCUSDT", "productType": PRODUCT, "marginCoin": "USDT"}


def test_verifier_matches_the_documented_get_vector() -> None:
    message = prehash(VECTOR_TS, "GET", "/api/v2/mix/account/account", VECTOR_QUERY, b"")
    assert message == (VECTOR_TS + "GET/api/v2/mix/account/account?" + VECTOR_QUERY).encode()
    assert signature(VECTOR_SECRET, message) == "VKczG3UNHyIvZ/hXIj3t35bpCV+IM+fHown0VyGgSmo="


def test_verifier_matches_the_documented_post_vector() -> None:
    message = prehash(VECTOR_TS, "POST", "/api/v2/mix/order/place-order", "", VECTOR_BODY.encode())
    assert signature(VECTOR_SECRET, message) == "zvaZEYredawoJ+K8mPON3ywXpEVht9Z951tTXS1Btgs="


def test_test_helper_matches_the_documented_vectors() -> None:
    get = bitget_sign(VECTOR_SECRET, VECTOR_TS, "GET", "/api/v2/mix/account/account", VECTOR_QUERY, "")
    post = bitget_sign(VECTOR_SECRET, VECTOR_TS, "POST", "/api/v2/mix/order/place-order", "", VECTOR_BODY)
    assert get == "VKczG3UNHyIvZ/hXIj3t35bpCV+IM+fHown0VyGgSmo="
    assert post == "zvaZEYredawoJ+K8mPON3ywXpEVht9Z951tTXS1Btgs="


def test_signed_get_and_post_are_accepted(api: Api) -> None:
    assert api.account()["marginCoin"] == "USDT"
    resp = api.post("/api/v2/mix/account/set-leverage", {**ACCOUNT_PARAMS, "leverage": "5"})
    assert api.ok(resp)["crossMarginLeverage"] == "5"


def _refused(resp: requests.Response, code: str) -> None:
    payload = resp.json()
    assert resp.status_code == 400
    assert payload["code"] == code, payload
    assert payload["data"] is None
    assert isinstance(payload["msg"], str) and payload["msg"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"secret": "wrong-secret"}, "40009"),
        ({"passphrase": "wrong-passphrase"}, "40012"),
        ({"api_key": "unknown-key"}, "40006"),
    ],
)
def test_wrong_credentials_are_refused(sim: Sim, change: dict, code: str) -> None:
    bad = Api(sim.base_url, **change)
    _refused(bad.get("/api/v2/mix/account/account", ACCOUNT_PARAMS), code)


def test_stale_and_malformed_timestamps_are_refused(api: Api) -> None:
    stale = str(int(time.time() * 1000) - 31_000)
    _refused(api.get("/api/v2/mix/account/account", ACCOUNT_PARAMS, ts=stale), "40008")
    future = str(int(time.time() * 1000) + 31_000)
    _refused(api.get("/api/v2/mix/account/account", ACCOUNT_PARAMS, ts=future), "40008")
    _refused(api.get("/api/v2/mix/account/account", ACCOUNT_PARAMS, ts="2024-01-01T00:00:00Z"), "40005")


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("ACCESS-KEY", "40001"),
        ("ACCESS-SIGN", "40003"),
        ("ACCESS-TIMESTAMP", "40005"),
        ("ACCESS-PASSPHRASE", "40011"),
    ],
)
def test_missing_headers_are_refused(sim: Sim, header: str, code: str) -> None:
    query = "marginCoin=USDT&productType=USDT-FUTURES&symbol=BTCUSDT"
    headers = sim.api.headers("GET", "/api/v2/mix/account/account", query)
    del headers[header]
    resp = requests.get(f"{sim.base_url}/api/v2/mix/account/account?{query}", headers=headers, timeout=5)
    _refused(resp, code)


def test_signature_covers_the_exact_query_and_body(sim: Sim) -> None:
    path = "/api/v2/mix/account/account"
    # signed with the keys in one order, sent in another: not the same text
    signed = "marginCoin=USDT&productType=USDT-FUTURES&symbol=BTCUSDT"
    sent = "symbol=BTCUSDT&productType=USDT-FUTURES&marginCoin=USDT"
    headers = sim.api.headers("GET", path, signed)
    _refused(requests.get(f"{sim.base_url}{path}?{sent}", headers=headers, timeout=5), "40009")
    # the body signed is not the body sent (re-serialized with spaces)
    body_signed = '{"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginCoin":"USDT","leverage":"5"}'
    body_sent = '{"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT", "leverage": "5"}'
    path = "/api/v2/mix/account/set-leverage"
    headers = sim.api.headers("POST", path, "", body_signed)
    _refused(requests.post(sim.base_url + path, data=body_sent, headers=headers, timeout=5), "40009")
    # signing the path without the query string
    path = "/api/v2/mix/account/account"
    headers = sim.api.headers("GET", path, "")
    _refused(requests.get(f"{sim.base_url}{path}?{signed}", headers=headers, timeout=5), "40009")


def test_demo_header_is_accepted(sim: Sim) -> None:
    query = "marginCoin=USDT&productType=USDT-FUTURES&symbol=BTCUSDT"
    headers = {**sim.api.headers("GET", "/api/v2/mix/account/account", query), "paptrading": "1"}
    resp = requests.get(f"{sim.base_url}/api/v2/mix/account/account?{query}", headers=headers, timeout=5)
    assert resp.json()["code"] == "00000"


def test_public_paths_need_no_signature(sim: Sim) -> None:
    resp = requests.get(f"{sim.base_url}/api/v2/public/time", timeout=5)
    assert resp.json()["code"] == "00000"


def test_auth_failures_are_counted(sim: Sim) -> None:
    Api(sim.base_url, secret="nope").get("/api/v2/mix/account/account", ACCOUNT_PARAMS)
    Api(sim.base_url, passphrase="nope").get("/api/v2/mix/account/account", ACCOUNT_PARAMS)
    sim.api.account()
    seen = sim.control("GET", "/sim/requests")
    assert seen["auth_failures"] == 2
    assert seen["auth_failures_by_code"] == {"40009": 1, "40012": 1}
    assert seen["by_path"]["/api/v2/mix/account/account"] == 3


def test_unified_account_is_refused_on_v2_private_paths(sim: Sim) -> None:
    sim.control("POST", "/sim/account-mode", {"mode": "uta"})
    _refused(sim.api.get("/api/v2/mix/account/account", ACCOUNT_PARAMS), "40085")
    sim.control("POST", "/sim/account-mode", {"mode": "classic"})
    assert sim.api.account()["marginCoin"] == "USDT"
