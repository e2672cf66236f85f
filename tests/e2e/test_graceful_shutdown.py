"""Graceful shutdown: SIGTERM or SIGINT in the middle of a burst of alerts.

``python app.py`` on SIGTERM/SIGINT stops taking signals, lets the running ones finish within
SHUTDOWN_GRACE and leaves the queued ones journaled for the next start. Proven here over real
processes, with a 0.3 s latency on order placement so that work is in flight when the signal comes:
every webhook answered after the stop began is a JSON 503 ``shutting-down`` (or finds the port
closed); nothing is accepted after the first refusal; the process exits 0 within the grace plus a
few seconds; no signal is left ``executing``, some are left ``queued`` and none of those touched the
exchange; after a restart every acknowledged signal reaches a terminal status, an alert that got 503
is accepted when re-sent (it really was not taken), and the exchange shows exactly one net position
change per signal. Each test runs on the classic account (v2 API) and on the Unified Trading
Account (v3 API).
"""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.support.crash import (
    ACCOUNT_SYSTEMS,
    RESTING,
    SYMBOLS,
    Alert,
    Plan,
    ServiceRunner,
    Sim,
    Webhook,
    audit,
    latency,
    owner,
    stage,
    tally,
)
from tests.support.processes import free_port, start_sim

GRACE = 5.0
EXIT_SLACK = 3.0
SPACING = 0.02  # seconds between two alerts of the burst


@dataclass
class Delivery:
    alert: Alert
    sent_at: float
    outcome: str  # "accepted", "shutting-down" (JSON 503), "refused" (no HTTP reply), or what else came
    detail: str = ""


def classify(reply: requests.Response) -> tuple[str, str]:
    if reply.status_code == 200:
        return "accepted", ""
    try:
        body = reply.json()
    except ValueError:
        return f"non-JSON {reply.status_code}", reply.text[:200]
    if reply.status_code == 503 and body.get("code") == "shutting-down":
        return "shutting-down", body.get("error", "")
    return f"{reply.status_code} {body.get('code')}", reply.text[:200]


@pytest.fixture(scope="module")
def sim_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """One simulator process for the module: each test resets it to a fresh account of its account system."""
    port = free_port()
    process = start_sim(tmp_path_factory.mktemp("shutdown-sim"), port)
    try:
        yield port
    finally:
        process.stop()


@pytest.mark.parametrize("account_system", ACCOUNT_SYSTEMS)
@pytest.mark.parametrize(
    ("signum", "count", "stop_after"),
    [(signal.SIGTERM, 20, 8), (signal.SIGINT, 8, 6)],
    ids=["SIGTERM-20-signals", "SIGINT-8-signals"],
)
def test_stop_signal_mid_burst_finishes_running_work_and_loses_nothing(
    tmp_path, sim_port, capsys, signum, count, stop_after, account_system
):
    """A stop signal after ``stop_after`` of ``count`` alerts (4 symbols): 503s, exit 0, nothing lost or doubled."""
    name = signal.Signals(signum).name
    app_port = free_port()
    sim = Sim(sim_port, account_system)
    service = ServiceRunner(tmp_path, app_port, sim_port, SHUTDOWN_GRACE=str(GRACE))
    hook = Webhook(app_port)
    plan = Plan(name.lower())
    try:
        sim.reset(account_mode=account_system)
        assert sim.state()["account_mode"] == account_system
        service.start()
        sim.faults(latency(sim.api.place_order, 0.3, "POST"))
        alerts = [plan.next(SYMBOLS[i % len(SYMBOLS)]) for i in range(count)]
        deliveries: list[Delivery] = []
        enough = threading.Event()

        def post_all() -> None:
            for alert in alerts:
                sent_at = time.monotonic()
                try:
                    reply = hook.post(alert)
                except requests.ConnectionError as exc:
                    outcome, detail = "refused", type(exc).__name__
                else:
                    outcome, detail = classify(reply)
                    if outcome == "accepted":
                        hook.acknowledge(alert, reply.json())
                deliveries.append(Delivery(alert, sent_at, outcome, detail))
                if sum(d.outcome == "accepted" for d in deliveries) >= stop_after:
                    enough.set()
                time.sleep(SPACING)
            enough.set()

        poster = threading.Thread(target=post_all, daemon=True)
        poster.start()
        assert enough.wait(10)
        stopped_at = time.monotonic()
        code, seconds = service.stop(signum, timeout=GRACE + 10)
        poster.join(10)
        log = service.output(tail=200_000)
        assert code == 0, log
        assert seconds <= GRACE + EXIT_SLACK, (seconds, log)

        # Replies: 200 until the stop took effect, then only JSON 503 shutting-down or a closed port.
        outcomes = [d.outcome for d in deliveries]
        assert len(deliveries) == count
        assert set(outcomes) <= {"accepted", "shutting-down", "refused"}, [(d.outcome, d.detail) for d in deliveries]
        refusals = [i for i, o in enumerate(outcomes) if o != "accepted"]
        assert refusals, f"every alert was accepted although {name} came after {stop_after}: {outcomes}"
        first_refusal = refusals[0]
        assert all(o != "accepted" for o in outcomes[first_refusal:]), outcomes
        assert "shutting-down" in outcomes, outcomes
        assert all(d.sent_at >= stopped_at for d in deliveries[first_refusal:]), "refused before the stop signal"

        # The log: work was running when the signal came; the grace let it finish.
        running = re.search(r"shutting down: (\d+) running \(grace [\d.]+s\), (\d+) waiting", log)
        assert running and int(running[1]) >= 1, log
        assert f"received {name}" in log, log
        assert not re.search(r"stopped with [1-9]\d* running", log), log

        # The journal on disk: nothing left executing; queued ones wait for the next start, untouched.
        statuses = service.journal_statuses()
        accepted = [a for a in alerts if a.signal_id]
        left = [a for a in accepted if statuses[a.signal_id or ""] == "queued"]
        assert all(statuses[a.signal_id or ""] != "executing" for a in accepted), statuses
        assert left, statuses
        touched = {owner(o["clientOid"]) for o in sim.orders()}
        assert not touched & {a.signal_id for a in left}, "a queued signal placed orders during the shutdown"

        # Restart: the journaled work resumes; every alert that was not taken is sent again.
        sim.clear_faults()
        service.start()
        resent = []
        for alert in alerts:
            if alert.signal_id:
                continue
            outcome = next(d.outcome for d in deliveries if d.alert is alert)
            hook.deliver(alert)
            resent.append(alert.answer)
            if outcome == "shutting-down":
                assert alert.answer == "accepted", (alert, "a 503 shutting-down signal had been journaled")
        hook.wait_terminal(plan.alerts)
        result = audit(plan.alerts, sim.orders(), sim.state(), plan.holding)
        placed = sim.requests_seen(f"POST {sim.api.place_order}")
        final_code, _ = service.stop(signal.SIGTERM)
    finally:
        service.close()
    assert placed, f"no order was placed on {sim.api.place_order}: the latency there delayed nothing"
    line = tally(
        f"graceful-shutdown {name}",
        sim.api,
        signals=result.signals,
        accepted_before_stop=len(accepted),
        answered_503=outcomes.count("shutting-down"),
        refused=outcomes.count("refused"),
        running_at_stop=int(running[1]),
        left_queued=len(left),
        exit_code=code,
        exit_seconds=round(seconds, 2),
        resent=len(resent),
        orders=result.orders,
        duplicates=len(result.duplicates),
        lost=len(result.lost),
        statuses=dict(result.statuses),
    )
    with capsys.disabled():
        print("\n" + line)
    assert result.ok, f"{result.report()}\n{service.output()}"
    assert final_code == 0


@pytest.fixture(scope="module", params=ACCOUNT_SYSTEMS)
def outlasting(tmp_path_factory, sim_port, request: pytest.FixtureRequest) -> dict[str, Any]:
    """SIGTERM while the one running signal waits for a fill longer than SHUTDOWN_GRACE.

    SHUTDOWN_GRACE=1, ORDER_TIMEOUT=10, the open order rests (fill mode none). After SIGTERM the
    process gets GRACE + EXIT_SLACK seconds, then SIGKILL (what an orchestrator's stop timeout does).
    Restart, let the book fill, settle; the result is read by the two tests below.
    """
    grace = 1.0
    tmp = tmp_path_factory.mktemp("outlasting")
    with stage(tmp, "grace", request.param, sim_port=sim_port, SHUTDOWN_GRACE=str(grace), ORDER_TIMEOUT="10") as st:
        st.sim.fill_mode("BTCUSDT", "none")
        alert = st.plan.next("BTCUSDT")
        st.hook.deliver(alert)
        st.sim.wait_order(alert.signal_id or "", RESTING)
        process = st.service.process
        assert process is not None
        started = time.monotonic()
        process.signal(signal.SIGTERM)
        try:
            code: int | None = process.wait(grace + EXIT_SLACK)
        except subprocess.TimeoutExpired:
            code = None
        seconds = time.monotonic() - started
        if code is None:
            st.service.kill()
        else:
            st.service.close()
        st.service.start()
        st.sim.fill_mode("BTCUSDT", "normal")
        st.hook.wait_terminal(st.plan.alerts)
        result = audit(st.plan.alerts, st.sim.orders(), st.sim.state(), st.plan.holding)
        final_code, _ = st.service.stop(signal.SIGTERM)
        return {"grace": grace, "code": code, "seconds": seconds, "result": result, "alert": alert,
                "final_code": final_code, "log": st.service.output()}


def test_signal_outlasting_the_grace_is_resumed_exactly_once(outlasting):
    """Past the grace the running signal is left to the journal: after a restart it is done, once."""
    result = outlasting["result"]
    assert outlasting["alert"].status == "done", outlasting["log"]
    assert result.ok, f"{result.report()}\n{outlasting['log']}"
    assert outlasting["final_code"] == 0


def test_process_exits_within_the_grace_when_a_signal_outlasts_it(outlasting):
    """SIGTERM with a signal that would run longer than SHUTDOWN_GRACE: exit 0 within grace + a few seconds."""
    assert outlasting["code"] == 0, (outlasting["code"], round(outlasting["seconds"], 2), outlasting["log"])
    assert outlasting["seconds"] <= outlasting["grace"] + EXIT_SLACK
