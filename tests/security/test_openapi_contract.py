"""The live app honours openapi.yaml: schemathesis generates requests from the document and sends them
over real HTTP to the app (wired to the simulator); every reply must be a documented status with the
documented content type and schema, and never a server error.

Two passes: as an outsider (generated tokens, which are wrong) and as the operator (the right token in
the header and the body, so valid signals are accepted, executed and queried). The document served at
GET /openapi.yaml is the file, and it lists exactly the app's routes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.live_server import BTC_BOOK, LiveServer, settle
from tests.support.service import TOKEN, Service, SimControl

pytestmark = pytest.mark.slow  # generated requests (schemathesis): outside the fast loop, run by CI

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = ROOT / "openapi.yaml"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 100
GENERATED = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
DOCUMENTED = {"POST /api/webhook", "GET /api/signals/{signal_id}", "GET /healthz"}
TALLY: dict[str, Counter[str]] = {"outsider": Counter(), "operator": Counter()}
FAILURES: Counter[str] = Counter()


@pytest.fixture(scope="module")
def live(sim_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, LiveServer, SimControl]]:
    control = SimControl(sim_server)
    control.reset(position_mode="one_way_mode", balance="10000", leverage="10")
    control.book("BTCUSDT", **BTC_BOOK)
    service = Service(sim_server, tmp_path_factory.mktemp("contract"), LOG_LEVEL="ERROR", AUTH_FAIL_LIMIT="100000")
    server = LiveServer(service.app)
    yield service, server, control
    server.stop()
    service.close()


# Loaded at import so the operations are collected as tests; the server's URL is known only at run time
# and is passed to each call.
schema = schemathesis.openapi.from_path(OPENAPI)
# GET /openapi.yaml takes no input; its reply is checked on its own below.
generated = schema.exclude(path="/openapi.yaml")


def call_and_check(case: Any, base_url: str, who: str) -> None:
    """Send the case over HTTP, run the conformance checks, and tally status codes and failures."""
    response = case.call(base_url=base_url, timeout=15)
    TALLY[who][f"{case.method.upper()} {case.path} -> {response.status_code}"] += 1
    try:
        case.validate_response(response, checks=CHECKS)
    except BaseException:  # schemathesis raises an exception group of check failures
        FAILURES[f"{who}: {case.method.upper()} {case.path} -> {response.status_code}"] += 1
        raise
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body.get("code"), str) and isinstance(body.get("error"), str), body


@generated.parametrize()
@GENERATED
def test_outsider_requests_get_documented_replies(case: Any, live: tuple[Service, LiveServer, SimControl]) -> None:
    """Generated requests with generated (wrong) tokens: documented status, content type and schema; no 5xx."""
    call_and_check(case, live[1].url, "outsider")


def test_outsiders_placed_nothing(live: tuple[Service, LiveServer, SimControl]) -> None:
    """Nothing the outsider pass sent was journaled or reached the exchange."""
    service, _, control = live
    if not TALLY["outsider"]:
        pytest.skip("run together with the outsider pass")
    settle(service)
    assert control.orders() == []
    assert service.runtime.journal.counts() == {}


@generated.parametrize()
@GENERATED
def test_operator_requests_get_documented_replies(case: Any, live: tuple[Service, LiveServer, SimControl]) -> None:
    """With the right token in header and body, valid signals are accepted and the replies still conform."""
    case.headers = {**(case.headers or {}), "X-Webhook-Token": TOKEN}
    if isinstance(case.body, dict):
        case.body = {**case.body, "token": TOKEN}
        if len(str(case.body.get("ticker"))) % 2 == 0:
            case.body["ticker"] = "BTCUSDT"  # a listed contract now and then, so more signals are accepted
    call_and_check(case, live[1].url, "operator")


def test_signal_status_replies_conform_for_journaled_signals(
    live: tuple[Service, LiveServer, SimControl], capsys: pytest.CaptureFixture[str]
) -> None:
    """Every signal the passes journaled can be queried; each reply matches SignalStatus. Prints the tally."""
    service, server, control = live
    settle(service, timeout=30)
    operation = schema["/api/signals/{signal_id}"]["GET"]
    records = service.runtime.journal.signals(limit=10_000)
    for record in records[:200]:
        case = operation.Case(path_parameters={"signal_id": record.id}, headers={"X-Webhook-Token": TOKEN})
        response = case.call(base_url=server.url, timeout=15)
        assert response.status_code == 200
        case.validate_response(response, checks=CHECKS)
    with capsys.disabled():
        for who, tally in TALLY.items():
            documented = {k: v for k, v in sorted(tally.items()) if k.rsplit(" -> ", 1)[0] in DOCUMENTED}
            others = sum(v for k, v in tally.items() if k not in documented)
            print(
                f"\n[openapi-contract] {who}: {sum(tally.values())} requests: {documented} "
                f"+ {others} with undocumented methods (405/OPTIONS)"
            )
        print(
            f"[openapi-contract] server errors=0 schema violations={sum(FAILURES.values())} "
            f"journaled={service.runtime.journal.counts()} orders={len(control.orders())} "
            f"status replies checked={min(len(records), 200)}"
        )
    assert not FAILURES


def test_the_served_document_is_the_file(live: tuple[Service, LiveServer, SimControl]) -> None:
    """GET /openapi.yaml serves openapi.yaml byte for byte, as YAML."""
    service = live[0]
    reply = service.client.get("/openapi.yaml")
    assert reply.status_code == 200
    assert reply.mimetype == "application/yaml"
    assert reply.get_data() == OPENAPI.read_bytes()
    assert yaml.safe_load(reply.get_data())["openapi"].startswith("3.")


def test_the_served_document_matches_its_own_response_schema(live: tuple[Service, LiveServer, SimControl]) -> None:
    """GET /openapi.yaml passes the same conformance checks as every other operation."""
    case = schema["/openapi.yaml"]["GET"].Case()
    response = case.call(base_url=live[1].url, timeout=15)
    assert response.status_code == 200
    case.validate_response(response, checks=CHECKS)


def test_every_route_is_documented_and_every_documented_path_exists(
    live: tuple[Service, LiveServer, SimControl],
) -> None:
    """app.url_map (without static) and the document's paths list the same (path, method) pairs."""
    app = live[0].app
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        # "{int:n}" → "{n}": drop a converter prefix inside the braces
        path = "/".join("{" + part[1:].split(":")[-1] if part.startswith("{") else part for part in path.split("/"))
        for method in rule.methods or ():
            if method not in ("HEAD", "OPTIONS"):
                served.add((path, method.lower()))
    document = yaml.safe_load(OPENAPI.read_bytes())
    documented = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert served == documented, {"undocumented": served - documented, "not served": documented - served}
