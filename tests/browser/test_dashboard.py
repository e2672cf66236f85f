"""The dashboard in a real browser, against the real service in paper mode (a process on 127.0.0.1).

A few paper signals (a fill, a reversal, a failure and a refused alert) are sent to the webhook; the
page must show them with their status, side, size, price and reason, the open position and its PnL;
the detail view opens; the kill switch stops trading; the close button flattens the position. Every
request the browser makes is recorded: none may leave the app's origin. Screenshots at desktop and
phone widths are saved as test artifacts.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.processes import TOKEN, Process, free_port, wait_http

ADMIN = "browser-admin-token-0123456789"
ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN}"}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WAIT_MS = 15_000
BUY_BTC = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT"}
DECIMAL = re.compile(r"^[+-]?\d+(\.\d+)?$")  # an amount as the page shows it


class Paper:
    """The service as `python app.py` runs it in paper mode, and what the test asks of it directly."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data = tmp / "data"
        env = {
            "BITGET_MODE": "paper",
            "PAPER_MARKET": "synthetic",
            "WEBHOOK_EXPECTED_TOKEN": TOKEN,
            "ADMIN_TOKEN": ADMIN,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "DATA_DIR": str(self.data),
            "ORDER_TIMEOUT": "1",
            "POLL_INTERVAL": "0.05",
            "DEDUP_WINDOW": "0",
            "MAX_SLIPPAGE_PCT": "2",
        }
        self.process = Process([sys.executable, "app.py"], env, tmp / "service.log")
        wait_http(f"{self.base}/healthz")

    def webhook(self, body: dict[str, Any]) -> requests.Response:
        return requests.post(f"{self.base}/api/webhook", json=body, timeout=5)

    def get(self, path: str) -> Any:
        reply = requests.get(f"{self.base}{path}", headers=ADMIN_HEADERS, timeout=5)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def signal(self, body: dict[str, Any]) -> dict[str, Any]:
        """Send an alert and wait until it is settled; returns its status reply."""
        reply = self.webhook({"token": TOKEN, **body})
        assert reply.status_code == 200, reply.text
        signal_id = reply.json()["signal_id"]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            status = self.get(f"/api/signals/{signal_id}")
            if status["status"] not in ("queued", "executing"):
                return status
            time.sleep(0.05)
        raise AssertionError(f"{signal_id} still running: {self.process.output()[-2000:]}")

    def row(self, signal_id: str) -> dict[str, Any]:
        [row] = [row for row in self.get("/api/signals")["signals"] if row["signal_id"] == signal_id]
        return row


@pytest.fixture(scope="module")
def paper(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Paper]:
    service = Paper(tmp_path_factory.mktemp("paper"))
    yield service
    service.process.stop()


@pytest.fixture(scope="module")
def traded(paper: Paper) -> dict[str, dict[str, Any]]:
    """The four paper signals every test here looks at."""
    fill = paper.signal({"action": "buy", "sentiment": "long", "ticker": "BTCUSDT"})
    assert fill["status"] == "done", fill
    reversal = paper.signal({"action": "sell", "sentiment": "short", "ticker": "BTCUSDT"})
    # A close and an open, both filled (a busy machine may see the moving synthetic market leave the
    # first open behind: it is then re-priced, and the detail view shows that order too).
    filled = [(row["reduce"], row["state"]) for row in reversal["orders"] if row["state"] == "filled"]
    assert reversal["status"] == "done" and (1, "filled") in filled and (0, "filled") in filled, reversal
    failure = paper.signal({"action": "buy", "sentiment": "long", "ticker": "ETHUSDT", "price": "1"})
    assert failure["status"] == "failed" and "MAX_SLIPPAGE_PCT" in failure["reason"], failure
    refused = paper.webhook({"token": "not-the-token-at-all", **BUY_BTC})
    assert refused.status_code == 401
    refused_id = refused.json()["refused_id"]
    return {"fill": fill, "reversal": reversal, "failure": failure, "refused": {"signal_id": refused_id}}


class Recorder:
    """Every request the page makes; any to another origin is recorded and refused (the test stays offline)."""

    def __init__(self, context: Any, origin: str) -> None:
        self.origin = origin
        self.requests: list[str] = []
        self.foreign: list[str] = []
        self.problems: list[str] = []
        context.on("request", lambda request: self.requests.append(request.url))
        context.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url == self.origin or url.startswith(self.origin + "/"):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def watch(self, page: Any) -> None:
        page.on("console", lambda msg: self.problems.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.problems.append(f"uncaught: {exc}"))


@pytest.fixture(scope="module")
def page(browser_context: Any, paper: Paper, traded: dict[str, Any]) -> Iterator[tuple[Any, Recorder]]:
    recorder = Recorder(browser_context, paper.base)
    page = browser_context.new_page()
    recorder.watch(page)
    yield page, recorder
    page.close()


def shot(page: Any, artifacts: Path, name: str, size: dict[str, int], *, full_page: bool = True) -> Path:
    page.set_viewport_size(size)
    page.wait_for_timeout(300)  # the chart redraws at the new width
    path = artifacts / f"{name}-{size['width']}px.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def test_the_dashboard_shows_the_signals_the_position_and_its_pnl(page, paper, traded, artifacts, capsys) -> None:
    from playwright.sync_api import expect

    page, recorder = page
    response = page.goto(paper.base + "/")
    assert response.status == 200
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy

    # ADMIN_TOKEN is set: the page asks for it before it shows anything.
    expect(page.locator("#auth")).to_be_visible(timeout=WAIT_MS)
    page.fill("#auth-token", ADMIN)
    page.click("#auth-form button[type=submit]")
    expect(page.locator("#auth")).to_be_hidden(timeout=WAIT_MS)
    recorder.problems.clear()  # the browser logs the 401 answers that asked for the token

    banner = page.locator("#banner")
    expect(banner).to_have_attribute("data-mode", "paper")
    expect(banner).to_have_class(re.compile(r"\bmode-paper\b"))
    expect(page.locator("#mode-name")).to_have_text("PAPER")
    expect(page.locator("#health")).to_have_text("exchange ok")

    rows = page.locator("#signals tbody tr")
    expect(rows).to_have_count(4, timeout=WAIT_MS)
    for key, status in (("fill", "done"), ("reversal", "done"), ("failure", "failed"), ("refused", "refused")):
        row = page.locator(f"#signals tbody tr[data-id='{traded[key]['signal_id']}']")
        expect(row.locator(".status")).to_have_text(status)

    fill = paper.row(traded["fill"]["signal_id"])
    fill_row = page.locator(f"#signals tbody tr[data-id='{fill['signal_id']}']")
    for label, value in (("Side", "long"), ("Size", fill["filled_size"]), ("Price", fill["avg_price"])):
        expect(fill_row.locator(f"td[data-label='{label}']")).to_have_text(value)
    reversal = paper.row(traded["reversal"]["signal_id"])
    reversal_row = page.locator(f"#signals tbody tr[data-id='{reversal['signal_id']}']")
    expect(reversal_row.locator("td[data-label='Side']")).to_have_text("short")
    pnl = reversal["realized_pnl"]
    assert pnl is not None
    expect(reversal_row.locator("td[data-label='PnL']")).to_have_text(pnl if pnl.startswith("-") else f"+{pnl}")
    failure_row = page.locator(f"#signals tbody tr[data-id='{traded['failure']['signal_id']}']")
    expect(failure_row.locator("td[data-label='Reason']")).to_contain_text("MAX_SLIPPAGE_PCT=2")
    refused_row = page.locator(f"#signals tbody tr[data-id='{traded['refused']['signal_id']}']")
    expect(refused_row.locator("td[data-label='Reason']")).to_contain_text("token")

    # The open position is the reversal's short, with its unrealized PnL.
    [position] = paper.get("/api/positions")["positions"]
    position_row = page.locator("#positions tbody tr[data-symbol='BTCUSDT']")
    expect(position_row.locator("td[data-label='Side']")).to_have_text("short")
    expect(position_row.locator("td[data-label='Size']")).to_have_text(position["size"])
    expect(position_row.locator("td[data-label='Unrealized PnL']")).to_have_text(DECIMAL)
    expect(page.locator("#equity")).to_have_text(DECIMAL)
    expect(page.locator("#chart svg path.line")).to_have_count(1)
    expect(page.locator("#realized")).to_have_text(DECIMAL)

    saved = [shot(page, artifacts, "signals", size) for size in (DESKTOP, PHONE)]
    page.set_viewport_size(DESKTOP)
    with capsys.disabled():
        print(f"\nscreenshots: {', '.join(str(path) for path in saved)}")
    assert not recorder.problems, recorder.problems


def test_the_detail_view_opens_with_orders_timeline_and_reason(page, paper, traded, artifacts) -> None:
    from playwright.sync_api import expect

    page, recorder = page
    detail = page.locator("#detail")
    page.click(f"#signals tbody tr[data-id='{traded['reversal']['signal_id']}']")
    expect(detail).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#detail-title")).to_have_text(f"Signal {traded['reversal']['signal_id']}")
    expect(page.locator("#detail-orders tbody tr")).to_have_count(len(traded["reversal"]["orders"]))
    expect(page.locator("#detail-orders tbody tr").first.locator("td[data-label='Side']")).to_have_text("close long")
    expect(page.locator("#detail-timeline li").first).to_contain_text("received")
    assert page.url.endswith(f"#signal={traded['reversal']['signal_id']}")
    shot(page, artifacts, "detail", DESKTOP, full_page=False)  # the dialog scrolls within the screen
    shot(page, artifacts, "detail", PHONE, full_page=False)
    page.set_viewport_size(DESKTOP)
    page.click("#detail-close")
    expect(detail).to_be_hidden()

    page.click(f"#signals tbody tr[data-id='{traded['failure']['signal_id']}']")
    expect(page.locator("#detail-fields")).to_contain_text("MAX_SLIPPAGE_PCT=2")
    expect(page.locator("#detail-no-orders")).to_be_visible()
    page.click("#detail-close")

    page.click(f"#signals tbody tr[data-id='{traded['refused']['signal_id']}']")
    body = page.locator("#detail-body")
    expect(body).to_be_visible(timeout=WAIT_MS)
    expect(body).to_contain_text('"token": "***"')
    expect(body).not_to_contain_text("not-the-token-at-all")
    page.click("#detail-close")
    assert not recorder.problems, recorder.problems


def test_the_kill_switch_stops_trading_and_the_close_button_flattens(page, paper, traded, artifacts) -> None:
    from playwright.sync_api import expect

    page, recorder = page
    orders_before = paper.get(f"/api/signals/{traded['reversal']['signal_id']}")["orders"]
    [position] = paper.get("/api/positions")["positions"]

    # Cancelling the confirmation changes nothing.
    page.click("#switch-button")
    expect(page.locator("#confirm")).to_be_visible()
    page.click("#confirm-cancel")
    expect(page.locator("#switch-state")).to_have_text("ON")

    page.click("#switch-button")
    expect(page.locator("#confirm-title")).to_have_text("Stop trading?")
    page.click("#confirm-ok")
    expect(page.locator("#switch-state")).to_have_text("OFF", timeout=WAIT_MS)
    assert json.loads((paper.data / "trading_switch.json").read_text())["enabled"] is False

    stopped = paper.signal({"action": "buy", "sentiment": "long", "ticker": "BTCUSDT"})
    assert stopped["status"] == "rejected" and "dashboard" in stopped["reason"], stopped
    assert stopped["orders"] == []
    assert paper.get("/api/positions")["positions"][0]["size"] == position["size"]
    row = page.locator(f"#signals tbody tr[data-id='{stopped['signal_id']}']")
    expect(row.locator(".status")).to_have_text("rejected", timeout=WAIT_MS)  # auto-refresh brings it in
    shot(page, artifacts, "switched-off", DESKTOP)
    page.set_viewport_size(DESKTOP)

    page.click("#switch-button")
    expect(page.locator("#confirm-title")).to_have_text("Resume trading?")
    page.click("#confirm-ok")
    expect(page.locator("#switch-state")).to_have_text("ON", timeout=WAIT_MS)

    page.click("#positions tbody tr[data-symbol='BTCUSDT'] button.close-position")
    expect(page.locator("#confirm-title")).to_have_text("Close BTCUSDT?")
    page.click("#confirm-ok")
    expect(page.locator("#notice")).to_contain_text("Closing BTCUSDT", timeout=WAIT_MS)
    expect(page.locator("#positions-empty")).to_be_visible(timeout=WAIT_MS)
    closing = [row for row in paper.get("/api/signals")["signals"] if row["source"] == "dashboard"]
    assert [(row["status"], row["symbol"]) for row in closing] == [("done", "BTCUSDT")], closing
    assert paper.get("/api/positions")["positions"] == []
    assert paper.get(f"/api/signals/{traded['reversal']['signal_id']}")["orders"] == orders_before
    shot(page, artifacts, "closed", DESKTOP)
    shot(page, artifacts, "closed", PHONE)

    # The whole session: every request went to the app itself.
    assert recorder.requests and not recorder.foreign, recorder.foreign
    assert all(url.startswith(paper.base + "/") for url in recorder.requests), recorder.requests
    assert not recorder.problems, recorder.problems
