"""The dashboard's page and controls over the real app, journal and signed client against the simulator.

The kill switch: admin only, kept under DATA_DIR across a restart, and nothing reaches the exchange
while it is off. Closing a position: confirmed, journaled as a signal from "dashboard", executed like
an alert. The page: served by the app under a strict Content-Security-Policy, nothing from elsewhere.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support.service import TOKEN, Service, SimControl
from trading.journal import CONTROL_TIMELINE
from trading.kill_switch import SWITCH_FILE

ADMIN = "admin-token-for-controls-0123"
ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN}"}
BUY_LONG = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT"}
STATIC = Path(__file__).resolve().parents[2] / "static"


@pytest.fixture
def account_system() -> str:
    return "classic"


@pytest.fixture
def admin(sim: SimControl, make_service) -> Service:
    return make_service(ADMIN_TOKEN=ADMIN)


def control(service: Service, path: str, body: object, **headers: str):
    return service.client.post(path, json=body, headers={**ADMIN_HEADERS, **headers})


# -- the kill switch ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("position_mode", ["one_way_mode"])
def test_the_switch_needs_the_admin_token_and_never_the_webhook_token(admin: Service) -> None:
    path = "/api/control/trading"
    assert admin.client.post(path, json={"enabled": False}).status_code == 401
    for headers in ({"Authorization": f"Bearer {TOKEN}"}, {"X-Webhook-Token": TOKEN}):
        reply = admin.client.post(path, json={"enabled": False}, headers=headers)
        assert (reply.status_code, reply.get_json()["code"]) == (403, "webhook-token-not-admin")
    assert admin.runtime.service.switch.enabled  # nothing above changed it


@pytest.mark.parametrize("position_mode", ["one_way_mode"])
@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        ({"enabled": "false"}, {}, 400, "invalid-control"),
        ({}, {}, 400, "invalid-control"),
        ([False], {}, 400, "malformed-json"),
        ({"enabled": False}, {"Origin": "https://evil.example"}, 403, "cross-origin"),
    ],
)
def test_a_bad_switch_request_is_refused_and_changes_nothing(admin: Service, body, headers, status, code) -> None:
    reply = control(admin, "/api/control/trading", body, **headers)
    assert (reply.status_code, reply.get_json()["code"]) == (status, code)
    assert admin.runtime.service.switch.enabled


@pytest.mark.parametrize("position_mode", ["one_way_mode"])
def test_a_switch_request_that_is_not_json_is_refused(admin: Service) -> None:
    """A cross-site form can post text/plain without asking; the switch takes JSON only."""
    reply = admin.client.post(
        "/api/control/trading", data='{"enabled": false}', content_type="text/plain", headers=ADMIN_HEADERS
    )
    assert (reply.status_code, reply.get_json()["code"]) == (415, "unsupported-media-type")
    assert admin.runtime.service.switch.enabled


@pytest.mark.parametrize("position_mode", ["one_way_mode"])
def test_switched_off_nothing_is_sent_and_the_switch_holds_across_a_restart(
    sim: SimControl, make_service, tmp_path: Path
) -> None:
    data = tmp_path / "switch-data"
    first = make_service(ADMIN_TOKEN=ADMIN, DATA_DIR=str(data))
    reply = control(first, "/api/control/trading", {"enabled": False}, Origin="http://localhost")
    assert reply.status_code == 200, reply.get_json()
    assert reply.get_json()["enabled"] is False and reply.get_json()["changed_by"] == "127.0.0.1"
    assert json.loads((data / SWITCH_FILE).read_text())["enabled"] is False

    outcome = first.signal(BUY_LONG)
    assert outcome["status"] == "rejected" and "dashboard" in outcome["reason"]
    assert sim.orders() == []
    first.close()

    second = make_service(ADMIN_TOKEN=ADMIN, DATA_DIR=str(data))  # TRADING_ENABLED defaults to true
    state = second.client.get("/api/control/trading", headers=ADMIN_HEADERS).get_json()
    assert state["enabled"] is False and [item["enabled"] for item in state["history"]] == [False]
    assert second.signal(BUY_LONG)["status"] == "rejected"
    assert sim.orders() == []

    assert control(second, "/api/control/trading", {"enabled": True}).status_code == 200
    assert second.signal(BUY_LONG)["status"] == "done"
    assert len(sim.orders()) == 1
    # Both changes are in the journal too, in the operator's timeline, across the restart.
    switched = [e["detail"]["enabled"] for e in second.runtime.journal.events(CONTROL_TIMELINE)]
    assert switched == [False, True]


# -- closing a position ------------------------------------------------------------------------------------


def test_close_is_journaled_as_a_dashboard_signal_and_flattens_the_position(admin: Service, sim: SimControl) -> None:
    assert admin.signal(BUY_LONG)["status"] == "done"
    assert sim.legs("BTCUSDT")

    unconfirmed = control(admin, "/api/positions/BTCUSDT/close", {})
    assert (unconfirmed.status_code, unconfirmed.get_json()["code"]) == (400, "confirm-required")
    assert sim.legs("BTCUSDT")

    reply = control(admin, "/api/positions/BTCUSDT/close", {"confirm": True})
    assert reply.status_code == 200, reply.get_json()
    [closing] = reply.get_json()["signals"]
    outcome = admin.wait(closing["signal_id"])
    assert outcome["status"] == "done", outcome
    assert sim.legs("BTCUSDT") == {}
    assert all(order["reduce"] == 1 for order in outcome["orders"])

    rows = admin.client.get("/api/signals", headers=ADMIN_HEADERS).get_json()["signals"]
    [row] = [row for row in rows if row["signal_id"] == closing["signal_id"]]
    assert row["source"] == "dashboard" and row["status"] == "done"


@pytest.mark.parametrize("position_mode", ["one_way_mode"])
@pytest.mark.parametrize(
    ("symbol", "status", "code"),
    [("BTCUSDT", 409, "no-position"), ("btc-usdt", 400, "invalid-symbol")],
)
def test_closing_what_is_not_open_is_refused_and_journals_nothing(admin: Service, symbol, status, code) -> None:
    reply = control(admin, f"/api/positions/{symbol}/close", {"confirm": True})
    assert (reply.status_code, reply.get_json()["code"]) == (status, code)
    assert admin.runtime.journal.signals() == []


@pytest.mark.parametrize("position_mode", ["one_way_mode"])
def test_close_needs_the_admin_token(admin: Service, sim: SimControl) -> None:
    sim.position("BTCUSDT", "long", "0.01", "65000")
    assert admin.client.post("/api/positions/BTCUSDT/close", json={"confirm": True}).status_code == 401
    assert sim.legs("BTCUSDT") == {"long": Decimal("0.01")}


# -- the page ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("position_mode", ["one_way_mode"])
def test_the_page_and_its_files_come_from_the_app_under_a_strict_policy(admin: Service) -> None:
    page = admin.client.get("/")  # the page holds no data: it is served without a token
    assert page.status_code == 200 and page.mimetype == "text/html"
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(asset.startswith("/static/") for asset in assets), assets
    assert "<script>" not in html and " style=" not in html  # the policy would block inline code
    for asset in assets:
        reply = admin.client.get(asset)
        assert reply.status_code == 200, asset
        reply.close()


def test_no_static_file_names_another_origin() -> None:
    """Offline and under the policy: no CDN, font or script address anywhere in the page's files."""
    for path in STATIC.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".css", ".js", ".svg"}:
            text = path.read_text(encoding="utf-8")
            addresses = set(re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"')]*", text))
            assert addresses <= {"http://www.w3.org/2000/svg"}, (path.name, addresses)
