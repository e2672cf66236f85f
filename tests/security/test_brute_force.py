"""Token guessing is braked per address, and the brake never blocks anyone else.

1,000 wrong tokens from one address: the first AUTH_FAIL_LIMIT (10) are 401 invalid-token, every
later wrong one 429 too-many-failures. A valid signal, from another address in the middle of the
attack or from the attacking address itself, is accepted and executed: the brake slows guessing only.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from collections.abc import Callable

import pytest

from tests.support.live_server import refusal
from tests.support.service import TOKEN, Service, SimControl

ATTACKER = {"REMOTE_ADDR": "203.0.113.7"}
TRADER = {"REMOTE_ADDR": "198.51.100.9"}
ATTEMPTS = 1000
LIMIT = 10
SIGNAL = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "price": "65000"}


@pytest.fixture
def service(sim: SimControl, make_service: Callable[..., Service]) -> Service:
    return make_service(LOG_LEVEL="ERROR", AUTH_FAIL_LIMIT=str(LIMIT), AUTH_FAIL_WINDOW="600")


def test_a_thousand_wrong_tokens_are_throttled_and_a_real_signal_still_trades(
    sim: SimControl, service: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    """10 × 401 then 990 × 429 from the attacker; the trader's signal sent mid-attack is 200, done, one order."""
    statuses: Counter[int] = Counter()
    codes: Counter[str] = Counter()
    timings: dict[int, list[float]] = {401: [], 429: []}
    trader_reply = None
    for attempt in range(ATTEMPTS):
        if attempt == ATTEMPTS // 2:
            trader_reply = service.client.post("/api/webhook", json={"token": TOKEN, **SIGNAL}, environ_base=TRADER)
        body = json.dumps({"token": f"guess-{attempt:06d}", **SIGNAL})
        started = time.perf_counter()
        reply = service.client.post("/api/webhook", data=body, content_type="application/json", environ_base=ATTACKER)
        elapsed = time.perf_counter() - started
        statuses[reply.status_code] += 1
        codes[refusal(reply)["code"]] += 1
        timings.setdefault(reply.status_code, []).append(elapsed)
        if attempt >= LIMIT:
            assert reply.status_code == 429, (attempt, reply.get_json())

    assert trader_reply is not None and trader_reply.status_code == 200, trader_reply.get_json()
    outcome = service.wait(trader_reply.get_json()["signal_id"])
    orders = sim.orders()
    mean_401 = statistics.mean(timings[401]) * 1e6 if timings[401] else float("nan")
    mean_429 = statistics.mean(timings[429]) * 1e6 if timings[429] else float("nan")
    with capsys.disabled():
        print(
            f"\n[brute-force] attempts={ATTEMPTS} 401={statuses[401]} 429={statuses[429]} other="
            f"{sum(n for s, n in statuses.items() if s not in (401, 429))} codes={dict(codes)} "
            f"trader=200/{outcome['status']} orders={len(orders)} "
            f"mean_us_401={mean_401:.0f} mean_us_429={mean_429:.0f}"
        )
    assert statuses == {401: LIMIT, 429: ATTEMPTS - LIMIT}
    assert codes == {"invalid-token": LIMIT, "too-many-failures": ATTEMPTS - LIMIT}
    assert outcome["status"] == "done", outcome
    assert len(orders) == 1 and orders[0]["clientOid"] == outcome["orders"][0]["client_oid"]


def test_a_thousand_wrong_tokens_never_lock_out_the_right_token_from_the_same_address(
    sim: SimControl, service: Service
) -> None:
    """TradingView sends everyone's alerts from four shared addresses: after 1,000 wrong tokens from one of
    them (a stranger's stale alert), the owner's valid alert from that same address is accepted and executed,
    while wrong tokens from it keep getting 429."""
    statuses: Counter[int] = Counter()
    for attempt in range(ATTEMPTS):
        reply = service.client.post("/api/webhook", json={"token": f"nope-{attempt}", **SIGNAL}, environ_base=ATTACKER)
        statuses[reply.status_code] += 1
    assert statuses == {401: LIMIT, 429: ATTEMPTS - LIMIT}
    reply = service.client.post("/api/webhook", json={"token": TOKEN, **SIGNAL}, environ_base=ATTACKER)
    assert reply.status_code == 200, reply.get_json()
    outcome = service.wait(reply.get_json()["signal_id"])
    assert outcome["status"] == "done", outcome
    assert len(sim.orders()) == 1
    reply = service.client.post("/api/webhook", json={"token": "nope-again", **SIGNAL}, environ_base=ATTACKER)
    assert (reply.status_code, refusal(reply)["code"]) == (429, "too-many-failures")
    assert "retry in" in reply.get_json()["error"]
    # Another address is judged on its own: a wrong token there is still a plain 401.
    reply = service.client.post("/api/webhook", json={"token": "nope", **SIGNAL}, environ_base=TRADER)
    assert (reply.status_code, refusal(reply)["code"]) == (401, "invalid-token")


def test_the_right_token_in_the_header_is_admitted_from_a_throttled_address(sim: SimControl, service: Service) -> None:
    """The X-Webhook-Token header counts like the body's token for the brake too."""
    for attempt in range(LIMIT + 5):
        service.client.post("/api/webhook", json={"token": f"nope-{attempt}"}, environ_base=ATTACKER)
    reply = service.client.post(
        "/api/webhook", json=SIGNAL, headers={"X-Webhook-Token": TOKEN}, environ_base=ATTACKER
    )
    assert reply.status_code == 200, reply.get_json()
    assert service.wait(reply.get_json()["signal_id"])["status"] == "done"


def test_token_guessing_through_the_status_endpoint_is_braked_too(sim: SimControl, service: Service) -> None:
    """Wrong tokens at GET /api/signals/<id> count like webhook failures: past the limit the address gets 429."""
    statuses: Counter[int] = Counter()
    for attempt in range(LIMIT * 5):
        reply = service.client.get(
            "/api/signals/s0000000000000000",
            headers={"X-Webhook-Token": f"guess-{attempt:04d}"},
            environ_base=ATTACKER,
        )
        statuses[reply.status_code] += 1
    assert statuses[429] >= LIMIT * 5 - LIMIT, dict(statuses)
