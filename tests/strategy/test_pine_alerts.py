"""Every alert the Pine scripts can send is valid JSON that the real service carries out as meant.

Each template is taken from the script text, filled as the script and TradingView fill it, posted
to the service (against the simulator) from the position it is meant for, and judged by the
position the simulator holds afterwards.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.strategy.pine import SCRIPTS, fill, templates, used_templates
from tests.support.service import TOKEN, Service, SimControl

CASES = [(script, name) for script in SCRIPTS for name in dict.fromkeys(used_templates(script))]
LEVELS = {"long": ("64000.0", "66000.0"), "short": ("66000.0", "64000.0")}
SEED = Decimal("0.2")


def message(script: str, name: str, *, placeholders: bool = False) -> dict:
    template = templates(script)[name]
    side = "short" if '"sentiment":"short"' in template else "long"
    sl, tp = LEVELS[side]
    text = fill(template, token=TOKEN, ticker="BTCUSDT.P", close="65000.0", sl=sl, tp=tp, pct="50",
                placeholders=placeholders)
    return json.loads(text)


def test_every_alert_argument_uses_a_template() -> None:
    for script in SCRIPTS:
        assert len(used_templates(script)) >= 6, script


@pytest.mark.parametrize(("script", "name"), CASES)
def test_placeholder_mode_is_valid_json_once_tradingview_fills_it(script: str, name: str) -> None:
    body = message(script, name, placeholders=True)
    assert body["action"] in ("buy", "sell", "exit") and body["sentiment"] in ("long", "short", "flat")
    assert body["time"].endswith("Z") and body["id"].endswith(body["time"])
    assert f"-{body['action']}-{body['sentiment']}-" in body["id"]


def _before(sim: SimControl, body: dict) -> str | None:
    """Seed the position the alert is meant for; returns the side held before (None: flat)."""
    action, sentiment = body["action"], body["sentiment"]
    held = {("sell", "flat"): "long", ("buy", "flat"): "short", ("exit", "flat"): "long",
            ("sell", "long"): "long", ("buy", "short"): "short"}.get((action, sentiment))
    if held:
        sim.position("BTCUSDT", held, str(SEED), "65000")
    return held


@pytest.mark.parametrize(("script", "name"), CASES)
def test_service_carries_out_the_alert(script: str, name: str, sim: SimControl, service: Service) -> None:
    body = message(script, name)
    held = _before(sim, body)
    reply = service.post(body)
    assert reply.status_code == 200, reply.get_json()
    assert reply.get_json()["status"] == "accepted", reply.get_json()
    outcome = service.wait(reply.get_json()["signal_id"])
    assert outcome["status"] == "done", outcome
    legs = sim.legs("BTCUSDT")
    sentiment = body["sentiment"]
    if sentiment == "flat":
        assert legs == {}
    elif held == sentiment:  # a partial exit: smaller, same side
        assert "exit_pct" in body
        assert legs == {sentiment: SEED * Decimal(100 - int(body["exit_pct"])) / 100}
    else:
        assert set(legs) == {sentiment} and legs[sentiment] > 0
        opening = [o for o in sim.orders() if not o["reduce"]]
        assert opening, "no opening order"
        assert _price(opening[-1]["presetStopLossPrice"]) == Decimal(str(body["stop_loss_price"]))
        if "take_profit_price" in body:
            assert _price(opening[-1]["presetStopSurplusPrice"]) == Decimal(str(body["take_profit_price"]))


def _price(value: object) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))
