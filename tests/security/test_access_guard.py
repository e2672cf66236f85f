"""Who may trade: the source allowlist, the proxy-aware client address, the header token, the symbol
allowlist and the trading switch. Every refusal is a JSON 4xx and places nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.live_server import refusal, settle
from tests.support.service import PLACE_ORDER_PATH, TOKEN, Service, SimControl

SIGNAL = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "price": "65000"}
TV = "52.89.214.238"  # one of TradingView's published webhook addresses


def post(service: Service, remote: str, body: dict | None = None, **headers: str):
    return service.client.post(
        "/api/webhook",
        json={"token": TOKEN, **SIGNAL} if body is None else body,
        headers=headers,
        environ_base={"REMOTE_ADDR": remote},
    )


def assert_nothing_placed(service: Service, sim: SimControl) -> None:
    settle(service)
    assert sim.orders() == []
    assert service.runtime.journal.counts() == {}


def assert_traded(service: Service, sim: SimControl, reply, source: str) -> None:
    assert reply.status_code == 200, reply.get_json()
    signal_id = reply.get_json()["signal_id"]
    outcome = service.wait(signal_id)
    assert outcome["status"] == "done", outcome
    assert len(sim.orders()) == 1
    assert service.runtime.journal.signal(signal_id).source == source


def test_an_address_outside_trusted_ips_is_403_and_places_nothing(sim, make_service) -> None:
    """TRUSTED_IPS=10.1.2.0/24: 10.1.3.4 gets 403 source-not-allowed even with the right token."""
    service = make_service(TRUSTED_IPS="10.1.2.0/24")
    reply = post(service, "10.1.3.4")
    assert (reply.status_code, refusal(reply)["code"]) == (403, "source-not-allowed")
    assert_nothing_placed(service, sim)


def test_an_address_inside_trusted_ips_is_served(sim, make_service) -> None:
    """TRUSTED_IPS=10.1.2.0/24: 10.1.2.77 with the right token is accepted and executed."""
    service = make_service(TRUSTED_IPS="10.1.2.0/24")
    assert_traded(service, sim, post(service, "10.1.2.77"), "10.1.2.77")


@pytest.mark.parametrize("outsider", ["52.89.214.239", "34.212.75.31", "127.0.0.1", "::1", "unknown"])
def test_the_tradingview_preset_refuses_other_addresses(sim, make_service, outsider: str) -> None:
    """TRUSTED_IPS=tradingview refuses addresses next to TradingView's, loopback, IPv6 and garbage."""
    service = make_service(TRUSTED_IPS="tradingview")
    reply = post(service, outsider)
    assert (reply.status_code, refusal(reply)["code"]) == (403, "source-not-allowed")
    assert_nothing_placed(service, sim)


def test_the_tradingview_preset_admits_tradingview(sim, make_service) -> None:
    """TRUSTED_IPS=tradingview admits 52.89.214.238: the signal is accepted and executed."""
    service = make_service(TRUSTED_IPS="tradingview")
    assert_traded(service, sim, post(service, TV), TV)


def test_a_trusted_proxy_forwards_the_client_address(sim, make_service) -> None:
    """TRUST_PROXY=127.0.0.1: X-Forwarded-For 52.89.214.238 from 127.0.0.1 passes TRUSTED_IPS=tradingview."""
    service = make_service(TRUSTED_IPS="tradingview", TRUST_PROXY="127.0.0.1")
    assert_traded(service, sim, post(service, "127.0.0.1", **{"X-Forwarded-For": TV}), TV)


def test_without_trust_proxy_the_forwarded_header_is_ignored(sim, make_service) -> None:
    """Without TRUST_PROXY, the same X-Forwarded-For from 127.0.0.1 is ignored: 403, nothing placed."""
    service = make_service(TRUSTED_IPS="tradingview")
    reply = post(service, "127.0.0.1", **{"X-Forwarded-For": TV})
    assert (reply.status_code, refusal(reply)["code"]) == (403, "source-not-allowed")
    assert_nothing_placed(service, sim)


@pytest.mark.parametrize(
    ("remote", "forwarded"),
    [
        ("203.0.113.5", TV),  # the header from a peer that is not the proxy
        ("127.0.0.1", f"{TV}, 203.0.113.5"),  # a client-written first hop; the proxy appended the real one
        ("127.0.0.1", "not-an-address"),
        ("127.0.0.1", ""),
    ],
    ids=["untrusted-peer", "spoofed-first-hop", "garbage-hop", "empty-header"],
)
def test_a_spoofed_forwarded_header_does_not_pass_the_allowlist(sim, make_service, remote: str, forwarded: str) -> None:
    """X-Forwarded-For only counts from the named proxy, and only its last untrusted hop: spoofs are 403."""
    service = make_service(TRUSTED_IPS="tradingview", TRUST_PROXY="127.0.0.1")
    reply = post(service, remote, **{"X-Forwarded-For": forwarded})
    assert (reply.status_code, refusal(reply)["code"]) == (403, "source-not-allowed")
    assert_nothing_placed(service, sim)


def test_the_header_token_is_an_alternative_to_the_body_token(sim, make_service: Callable[..., Service]) -> None:
    """X-Webhook-Token alone authorizes a body without token; a wrong header alone is 401 and places nothing."""
    service = make_service()
    reply = post(service, "198.51.100.20", dict(SIGNAL), **{"X-Webhook-Token": "wrong-" + TOKEN})
    assert (reply.status_code, refusal(reply)["code"]) == (401, "invalid-token")
    assert_nothing_placed(service, sim)
    assert_traded(
        service, sim, post(service, "198.51.100.20", dict(SIGNAL), **{"X-Webhook-Token": TOKEN}), "198.51.100.20"
    )


def test_the_symbol_allowlist_refuses_other_symbols(sim, make_service) -> None:
    """SYMBOL_ALLOWLIST=BTCUSDT: an ETHUSDT signal is 422 symbol-not-allowed, nothing placed or journaled."""
    service = make_service(SYMBOL_ALLOWLIST="BTCUSDT")
    reply = post(service, "198.51.100.21", {"token": TOKEN, **SIGNAL, "ticker": "BITGET:ETHUSDT.P"})
    assert (reply.status_code, refusal(reply)["code"]) == (422, "symbol-not-allowed")
    assert_nothing_placed(service, sim)
    assert_traded(
        service, sim, post(service, "198.51.100.21", {"token": TOKEN, **SIGNAL, "ticker": "btcusdt.p"}), "198.51.100.21"
    )


def test_trading_disabled_journals_the_signal_as_rejected_and_places_nothing(sim, make_service) -> None:
    """TRADING_ENABLED=false: 200 with status rejected; the journal says rejected; the exchange saw no order."""
    service = make_service(TRADING_ENABLED="false")
    reply = post(service, "198.51.100.22")
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert body["status"] == "rejected" and "TRADING_ENABLED" in body["reason"]
    settle(service)
    record = service.runtime.journal.signal(body["signal_id"])
    assert record is not None and record.status == "rejected"
    assert sim.orders() == []
    assert not set(PLACE_ORDER_PATH.values()) & set(sim.requests()["by_path"])
