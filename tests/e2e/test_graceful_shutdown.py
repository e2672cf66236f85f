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
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.crash import (
    ACCOUNT_SYSTEMS,
    RESTING,
    SYMBOLS,
    Alert,
    Audit,
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
from tests.support.side_by_side import selected, side_by_side

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


@dataclass
class Burst:
    """What a stop signal in the middle of a burst left, for its test to check."""

    tally: str
    result: Audit
    final_code: int
    log: str


def stop_mid_burst(tmp: Path, signum: int, count: int, stop_after: int, account_system: str) -> Burst:
    """Post ``count`` alerts, ``signum`` after ``stop_after`` were accepted, restart, re-send; asserts each step."""
    name = signal.Signals(signum).name
    sim_port, app_port = free_port(), free_port()
    sim_process = start_sim(tmp, sim_port, account_mode=account_system)
    sim = Sim(sim_port, account_system)
    service = ServiceRunner(tmp, app_port, sim_port, SHUTDOWN_GRACE=str(GRACE))
    hook = Webhook(app_port)
    plan = Plan(name.lower())
    try:
        sim.reset()
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
        sim_process.stop()
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
    return Burst(line, result, final_code, service.output())


BURSTS = [(signal.SIGTERM, 20, 8), (signal.SIGINT, 8, 6)]
BURST_TEST = "test_stop_signal_mid_burst_finishes_running_work_and_loses_nothing"


@pytest.fixture(scope="module")
def bursts(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The selected bursts, run side by side: each its own simulator, service and journal.

    A burst is mostly waiting (start-ups, the 0.3 s inside the exchange per order, the grace, the
    restart); each test below waits for its own and checks it.
    """
    cases = selected(request, BURST_TEST, "signum", "count", "stop_after", "account_system")
    jobs = {case: partial(stop_mid_burst, tmp_path_factory.mktemp("burst"), *case) for case in cases}
    with side_by_side(jobs, "burst") as futures:
        yield futures


@pytest.mark.parametrize("account_system", ACCOUNT_SYSTEMS)
@pytest.mark.parametrize(("signum", "count", "stop_after"), BURSTS, ids=["SIGTERM-20-signals", "SIGINT-8-signals"])
def test_stop_signal_mid_burst_finishes_running_work_and_loses_nothing(
    bursts, capsys, signum, count, stop_after, account_system
):
    """A stop signal after ``stop_after`` of ``count`` alerts (4 symbols): 503s, exit 0, nothing lost or doubled."""
    burst: Burst = bursts[(signum, count, stop_after, account_system)].result(timeout=110)
    with capsys.disabled():
        print("\n" + burst.tally)
    assert burst.result.ok, f"{burst.result.report()}\n{burst.log}"
    assert burst.final_code == 0


GRACE_OUTLASTED = 1.0


def outlast_the_grace(tmp: Path, account_system: str) -> dict[str, Any]:
    """SIGTERM while the one running signal waits for a fill longer than SHUTDOWN_GRACE.

    SHUTDOWN_GRACE=1, ORDER_TIMEOUT=10, the open order rests (fill mode none). After SIGTERM the
    process gets GRACE + EXIT_SLACK seconds, then SIGKILL (what an orchestrator's stop timeout does).
    Restart, let the book fill, settle; the result is read by the two tests below.
    """
    grace = GRACE_OUTLASTED
    with stage(tmp, "grace", account_system, SHUTDOWN_GRACE=str(grace), ORDER_TIMEOUT="10") as st:
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


@pytest.fixture(scope="module")
def outlasting(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """``outlast_the_grace`` on each selected account system, side by side; read by the two tests below."""
    systems = sorted({
        system
        for name in ("test_signal_outlasting_the_grace_is_resumed_exactly_once",
                     "test_process_exits_within_the_grace_when_a_signal_outlasts_it")
        for system in selected(request, name, "account_system")
    })
    jobs = {system: partial(outlast_the_grace, tmp_path_factory.mktemp("outlasting"), system) for system in systems}
    with side_by_side(jobs, "outlasting") as futures:
        yield futures


@pytest.mark.parametrize("account_system", ACCOUNT_SYSTEMS)
def test_signal_outlasting_the_grace_is_resumed_exactly_once(outlasting, account_system):
    """Past the grace the running signal is left to the journal: after a restart it is done, once."""
    outcome = outlasting[account_system].result(timeout=110)
    result = outcome["result"]
    assert outcome["alert"].status == "done", outcome["log"]
    assert result.ok, f"{result.report()}\n{outcome['log']}"
    assert outcome["final_code"] == 0


@pytest.mark.parametrize("account_system", ACCOUNT_SYSTEMS)
def test_process_exits_within_the_grace_when_a_signal_outlasts_it(outlasting, account_system):
    """SIGTERM with a signal that would run longer than SHUTDOWN_GRACE: exit 0 within grace + a few seconds."""
    outcome = outlasting[account_system].result(timeout=110)
    assert outcome["code"] == 0, (outcome["code"], round(outcome["seconds"], 2), outcome["log"])
    assert outcome["seconds"] <= outcome["grace"] + EXIT_SLACK
