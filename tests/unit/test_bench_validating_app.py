"""The ack bench's reference route does the webhook's checks, so its figure is a fair one to print beside the ack's."""

from __future__ import annotations

import importlib

import pytest

TOKEN = "bench-token"


@pytest.fixture()
def client(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WEBHOOK_EXPECTED_TOKEN", TOKEN)
    import bench.validating_app as module

    return importlib.reload(module).app.test_client()  # reloaded: the token is read at import


def test_a_valid_alert_is_acknowledged(client) -> None:
    reply = client.post("/api/webhook", json={"token": TOKEN, "action": "buy", "sentiment": "long", "ticker": "TSLA",
                                              "id": "a-1"})
    assert reply.status_code == 200
    assert reply.get_json() == {"status": "accepted", "signal_id": "a-1"}


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"token": "wrong", "action": "buy", "sentiment": "long", "ticker": "TSLA"}, 401, "invalid-token"),
    ({"action": "buy", "sentiment": "long", "ticker": "TSLA"}, 401, "invalid-token"),
    ({"token": TOKEN, "action": "hold", "sentiment": "long", "ticker": "TSLA"}, 422, "invalid-action"),
    ({"token": TOKEN, "action": "buy", "sentiment": "long", "ticker": "TSLA", "size_pct": 150}, 422,
     "invalid-size-pct"),
])
def test_it_refuses_with_the_webhooks_codes_and_statuses(client, body: dict, status: int, code: str) -> None:
    reply = client.post("/api/webhook", json=body)
    assert reply.status_code == status
    assert reply.get_json()["code"] == code


def test_a_body_that_is_not_json_is_refused(client) -> None:
    reply = client.post("/api/webhook", data="{not json", content_type="application/json")
    assert reply.status_code == 400
    assert reply.get_json()["code"] == "malformed-json"
