"""A burst of signals against a simulator that enforces Bitget's per-endpoint request limits.

Bitget answers a request over an endpoint's limit (place-order 10/s per UID, ...) with HTTP 429; the
client paces itself so a burst is spread out instead of refused, whichever account system it uses.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.service import Service, SimControl

SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "BNBUSDT")
ROUNDS = 10  # 60 signals over 6 symbols, all posted before the first has finished


@pytest.fixture(params=["one_way_mode"])
def position_mode(request: pytest.FixtureRequest) -> str:
    return request.param


def _enforce(sim: SimControl, on: bool) -> dict:
    return sim._post("/sim/rate-limits", {"enforce": on})


def test_the_simulator_answers_429_over_an_endpoints_limit(sim: SimControl) -> None:
    """The switch works: a client that does not pace itself meets Bitget's 429 like on the exchange."""
    _enforce(sim, True)
    path = "/api/v2/mix/order/place-order"
    replies = [sim.http.post(f"{sim.base_url}{path}", json={}, headers={"ACCESS-KEY": "k"}, timeout=5)
               for _ in range(15)]
    refused = [r for r in replies if r.status_code == 429]
    assert refused, [r.status_code for r in replies]
    assert refused[0].json()["code"] == "429"
    assert refused[0].json()["msg"] == "Too Many Requests"
    assert sim._get("/sim/rate-limits")["refused"] == len(refused)
    _enforce(sim, False)


def test_a_burst_of_signals_is_paced_within_bitgets_limits_and_every_signal_is_done(
    sim: SimControl, make_service
) -> None:
    service: Service = make_service(WORKERS="8")
    _enforce(sim, True)
    ids = []
    for round_ in range(ROUNDS):
        for symbol in SYMBOLS:
            body = ({"action": "buy", "sentiment": "long", "ticker": symbol} if round_ % 2 == 0
                    else {"action": "sell", "sentiment": "flat", "ticker": symbol})
            reply = service.post(body)
            assert reply.status_code == 200, reply.get_json()
            ids.append(reply.get_json()["signal_id"])
    outcomes = [service.wait(signal_id, timeout=120) for signal_id in ids]
    limits = sim._get("/sim/rate-limits")
    assert limits["refused"] == 0, limits
    assert [o["status"] for o in outcomes] == ["done"] * len(ids), [o for o in outcomes if o["status"] != "done"]
    place = sim.place_order_path
    assert 0 < limits["peak"][place] <= 10, limits["peak"]
    assert sim.requests()["by_path"][place] >= len(ids)


SET_LEVERAGE = {"classic": "/api/v2/mix/account/set-leverage", "uta": "/api/v3/account/set-leverage"}


def _open_and_close(service: Service, symbols: tuple[str, ...]) -> None:
    for symbol in symbols:
        for body in ({"action": "buy", "sentiment": "long", "ticker": symbol},
                     {"action": "sell", "sentiment": "flat", "ticker": symbol}):
            outcome = service.signal(body)
            assert outcome["status"] == "done", outcome


def test_a_leverage_already_in_force_costs_no_set_leverage_call_and_another_is_set_once_per_symbol(
    sim: SimControl, make_service, account_system: str
) -> None:
    """Bitget allows set-leverage 5/s: the classic account's leverage is read alongside the position
    (10/s) and set only when it differs; either way the symbol trades at LEVERAGE."""
    symbols = ("BTCUSDT", "ETHUSDT")
    path = SET_LEVERAGE[account_system]
    _open_and_close(make_service(LEVERAGE="10"), symbols)  # the simulator's accounts start at 10
    sets = sim.requests()["by_path"].get(path, 0)
    assert sets == (0 if account_system == "classic" else len(symbols))
    _open_and_close(make_service(LEVERAGE="5"), symbols)
    assert sim.requests()["by_path"].get(path, 0) - sets == len(symbols)
    assert {s: Decimal(sim.state()["leverage"][s]) for s in symbols} == dict.fromkeys(symbols, Decimal(5))
