"""Bad input answers 4xx with a JSON code and error, and nothing reaches the exchange."""

from __future__ import annotations

import json

import pytest

from tests.support.service import TOKEN


@pytest.fixture
def position_mode() -> str:
    return "one_way_mode"


@pytest.fixture
def account_system() -> str:
    return "classic"


GOOD = {"token": TOKEN, "action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "price": "65000"}


def without(field: str) -> dict:
    return {k: v for k, v in GOOD.items() if k != field}


CASES = [
    ("not json", "{nope", 400, "malformed-json"),
    ("empty body", "", 400, "malformed-json"),
    ("json array", "[1, 2]", 400, "malformed-json"),
    ("json string", '"buy"', 400, "malformed-json"),
    ("NaN constant", '{"token": "x", "price": NaN}', 400, "malformed-json"),
    ("not utf-8", b"\xff\xfe{}", 400, "invalid-encoding"),
    ("missing token", without("token"), 401, "invalid-token"),
    ("wrong token", {**GOOD, "token": "wrong"}, 401, "invalid-token"),
    ("token of wrong type", {**GOOD, "token": 1234}, 401, "invalid-token"),
    ("missing action", without("action"), 422, "missing-field"),
    ("missing sentiment", without("sentiment"), 422, "missing-field"),
    ("missing ticker", without("ticker"), 422, "missing-field"),
    ("action wrong type", {**GOOD, "action": ["buy"]}, 422, "invalid-field"),
    ("unknown action", {**GOOD, "action": "hold"}, 422, "invalid-action"),
    ("unknown sentiment", {**GOOD, "sentiment": "bullish"}, 422, "invalid-sentiment"),
    ("contradiction", {**GOOD, "action": "exit", "sentiment": "short"}, 422, "invalid-sentiment-action"),
    ("partial exit without its size", {**GOOD, "sentiment": "short"}, 422, "missing-exit-size"),
    ("unknown ticker", {**GOOD, "ticker": "NOPEUSDT"}, 422, "unknown-ticker"),
    ("non-usdt ticker", {**GOOD, "ticker": "BTCUSD"}, 422, "unknown-ticker"),
    ("negative price", {**GOOD, "price": -1}, 422, "invalid-price"),
    ("zero price", {**GOOD, "price": "0"}, 422, "invalid-price"),
    ("non-numeric price", {**GOOD, "price": "sixty"}, 422, "invalid-price"),
    ("boolean price", {**GOOD, "price": True}, 422, "invalid-price"),
    ("stop-loss above a long", {**GOOD, "stop_loss_price": "70000"}, 422, "stop-loss-wrong-side"),
]


@pytest.mark.parametrize(("body", "status", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_json_and_places_nothing(sim, service, body, status, code):
    raw = json.dumps(body) if isinstance(body, dict) else body
    reply = service.post(raw, content_type="application/json")
    assert reply.status_code == status
    payload = reply.get_json()
    assert payload["code"] == code and payload["error"]
    assert service.runtime.service.dispatcher.wait_idle(5)
    assert sim.orders() == []
    assert service.runtime.journal.counts() == {}


def test_oversized_body_is_413(sim, service):
    reply = service.post('{"pad": "' + "x" * 20000 + '"}', content_type="application/json")
    assert reply.status_code == 413 and reply.get_json()["code"] == "body-too-large"


def test_form_posts_are_415_and_text_plain_json_is_accepted(sim, service):
    reply = service.post("token=1", content_type="application/x-www-form-urlencoded")
    assert reply.status_code == 415 and reply.get_json()["code"] == "unsupported-media-type"
    reply = service.post(json.dumps(GOOD), content_type="text/plain")
    assert reply.status_code == 200 and reply.get_json()["status"] == "accepted"


def test_unknown_routes_and_methods_answer_json(sim, service):
    assert service.client.get("/nope").get_json()["code"] == "not-found"
    assert service.client.get("/api/webhook").get_json()["code"] == "method-not-allowed"
