"""No secret is ever written: not in a log record at DEBUG, not on stderr, not in a reply, not in the
journal file, not in the repr() of the objects that hold them.

The simulator of this module accepts only distinctive credentials, and the service is configured
with them (plus a distinctive webhook token). The main scenarios run at LOG_LEVEL=DEBUG with every
logger at DEBUG; everything they produce is then searched for each secret value.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bitget.sim.auth import Credentials
from bitget.sim.paper import EmbeddedSim, start_embedded_sim
from runtime import StartupError
from tests.support.live_server import BTC_BOOK, LiveServer, settle
from tests.support.service import Service, SimControl
from trading.log_setup import HANDLER_NAME

API_KEY = "LEAKCHECK-KEY-7f3a"
SECRET_KEY = "LEAKCHECK-SECRET-9b1c"
PASSPHRASE = "LEAKCHECK-PASS-2d4e"
TOKEN = "LEAKCHECK-TOKEN-5e6f-abcdef"
WRONG_SECRET = "LEAKCHECK-WRONGSECRET-3c8d"
SECRETS = (API_KEY, SECRET_KEY, PASSPHRASE, TOKEN, WRONG_SECRET)

SIGNAL = {"token": TOKEN, "ticker": "BTCUSDT", "price": "65000"}


@pytest.fixture(scope="module")
def leak_sim() -> Iterator[EmbeddedSim]:
    sim = start_embedded_sim(market="synthetic", credentials=Credentials(API_KEY, SECRET_KEY, PASSPHRASE))
    yield sim
    sim.stop()


@pytest.fixture
def control(leak_sim: EmbeddedSim) -> SimControl:
    control = SimControl(leak_sim.base_url)
    control.reset(position_mode="one_way_mode", balance="10000", leverage="10")
    control.book("BTCUSDT", **BTC_BOOK)
    return control


@pytest.fixture
def make_service(leak_sim: EmbeddedSim, tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """Services keyed with the distinctive secrets; built inside the test so their stderr is captured."""
    services: list[Service] = []

    def make(name: str, **env: str) -> Service:
        settings = {
            "BITGET_API_KEY": API_KEY,
            "BITGET_SECRET_KEY": SECRET_KEY,
            "BITGET_PASSPHRASE": PASSPHRASE,
            "WEBHOOK_EXPECTED_TOKEN": TOKEN,
            "LOG_LEVEL": "DEBUG",
            **env,
        }
        service = Service(leak_sim.base_url, tmp_path / name, **settings)
        services.append(service)
        return service

    yield make
    for service in services:
        service.close()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)  # it writes to this test's (now closed) captured stderr


def hits(text: str) -> Counter[str]:
    return Counter({secret: text.count(secret) for secret in SECRETS if secret in text})


def debug_everything(caplog: pytest.LogCaptureFixture) -> None:
    """Every logger, the ones the service quiets (werkzeug, urllib3) included, at DEBUG into caplog."""
    caplog.set_level(logging.DEBUG)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            caplog.set_level(logging.DEBUG, logger=name)


def record_texts(caplog: pytest.LogCaptureFixture) -> str:
    """Each record's message, raw arguments and traceback, as another handler could write them."""
    formatter = logging.Formatter()
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_info:
            parts.append(formatter.formatException(record.exc_info))
        if record.exc_text:
            parts.append(record.exc_text)
    return "\n".join(parts)


def journal_bytes(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(data_dir.glob("journal.sqlite3*")) if p.is_file())


def test_the_scanner_finds_a_planted_secret() -> None:
    """The search itself works: a secret inside other text is counted."""
    assert hits(f"header ACCESS-KEY: {API_KEY}; sign={SECRET_KEY}{SECRET_KEY}") == {API_KEY: 1, SECRET_KEY: 2}


def test_no_secret_in_logs_replies_journal_or_reprs(
    control: SimControl,
    make_service: Callable[..., Service],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """The main scenarios at DEBUG leave zero occurrences of any key, secret, passphrase or token anywhere."""
    debug_everything(caplog)
    service = make_service("main", DEDUP_WINDOW="0")
    debug_everything(caplog)  # create_app quiets werkzeug and urllib3 again; undo that for this scan
    client = service.client
    replies: list[Any] = []

    def webhook(body: Any, **kwargs: Any) -> Any:
        reply = (
            client.post("/api/webhook", json=body, **kwargs)
            if isinstance(body, dict)
            else client.post("/api/webhook", data=body, content_type="application/json", **kwargs)
        )
        replies.append(reply)
        return reply

    def trade(body: dict[str, Any], expected: str) -> dict[str, Any]:
        reply = webhook(body)
        assert reply.status_code == 200, reply.get_json()
        outcome = service.wait(reply.get_json()["signal_id"])
        assert outcome["status"] == expected, outcome
        return reply.get_json()

    opened = trade({**SIGNAL, "action": "buy", "sentiment": "long"}, "done")  # open long
    trade({**SIGNAL, "action": "sell", "sentiment": "short"}, "done")  # reversal
    trade({**SIGNAL, "action": "buy", "sentiment": "flat"}, "done")  # close
    trade({**SIGNAL, "action": "buy", "sentiment": "flat"}, "skipped")  # flat, nothing to do
    assert webhook({**SIGNAL, "token": "not-" + TOKEN, "action": "buy", "sentiment": "long"}).status_code == 401
    assert webhook({**SIGNAL, "token": SECRET_KEY, "action": "buy", "sentiment": "long"}).status_code == 401
    assert webhook('{"token": "' + TOKEN + '", "action": "buy", ').status_code == 400  # malformed, token inside
    first = trade({**SIGNAL, "action": "sell", "sentiment": "flat", "id": "leak-dup-1"}, "skipped")
    duplicate = webhook({**SIGNAL, "action": "sell", "sentiment": "flat", "id": "leak-dup-1"})
    assert duplicate.get_json()["duplicate_of"] == first["signal_id"]

    control.faults({"path": control.place_order_path, "method": "POST", "kind": "lost_reply", "times": 1})
    lost = trade({**SIGNAL, "action": "buy", "sentiment": "long"}, "done")  # reply lost, order found by clientOid
    assert control.requests()["faults"], "the lost-reply fault did not fire"

    for signal_id in (opened["signal_id"], lost["signal_id"]):
        status = client.get(f"/api/signals/{signal_id}", headers={"X-Webhook-Token": TOKEN})
        replies.append(status)
        assert status.status_code == 200 and status.get_json()["orders"]
    replies.append(client.get(f"/api/signals/{opened['signal_id']}", headers={"X-Webhook-Token": SECRET_KEY}))
    replies.append(client.get("/api/signals/nope", headers={"X-Webhook-Token": TOKEN}))
    replies.append(client.get("/healthz"))
    assert [r.status_code for r in replies[-3:]] == [401, 404, 200]

    # Over real HTTP too, so werkzeug's request log is part of the scan.
    server = LiveServer(service.app)
    try:
        import requests

        http = requests.post(
            f"{server.url}/api/webhook", json={**SIGNAL, "action": "sell", "sentiment": "flat"}, timeout=10
        )
        assert http.status_code == 200
        status_http = requests.get(
            f"{server.url}/api/signals/{http.json()['signal_id']}", headers={"X-Webhook-Token": TOKEN}, timeout=10
        )
        http_bodies = http.content + status_http.content + repr(dict(http.headers)).encode()
    finally:
        server.stop()

    # A client whose secret is wrong: the exchange refuses its signatures. The service refuses to start
    # (or, if it starts, the signal fails); either way the refusal must not repeat the secret.
    failures_before = control.requests()["auth_failures"]
    wrong_texts = ""
    try:
        wrong: Service | None = make_service("wrong-secret", BITGET_SECRET_KEY=WRONG_SECRET)
    except StartupError as exc:
        wrong = None
        wrong_texts = f"{exc}\n{exc!r}\n{exc.args!r}"
        assert "signature" in str(exc) or "40009" in str(exc), str(exc)
    else:
        debug_everything(caplog)
        failed = wrong.client.post("/api/webhook", json={**SIGNAL, "action": "buy", "sentiment": "long"})
        replies.append(failed)
        failed_outcome = wrong.wait(failed.get_json()["signal_id"])
        assert failed_outcome["status"] == "failed", failed_outcome
    assert control.requests()["auth_failures"] > failures_before

    # Trading switched off: journaled as rejected.
    off = make_service("disabled", TRADING_ENABLED="false")
    debug_everything(caplog)
    rejected = off.client.post("/api/webhook", json={**SIGNAL, "action": "buy", "sentiment": "long"})
    replies.append(rejected)
    assert rejected.get_json()["status"] == "rejected"

    running = [each for each in (service, wrong, off) if each is not None]
    for each in running:
        settle(each)
    time.sleep(0.1)
    live_journal = b"".join(journal_bytes(each.runtime.settings.data_dir) for each in running)
    objects = []
    for each in running:
        runtime = each.runtime
        objects += [
            runtime.settings,
            runtime,
            runtime.exchange,
            getattr(runtime.exchange, "transport", None),
            runtime.service,
            runtime.service.executor,
            runtime.service.guard,
            runtime.service.dispatcher,
            runtime.journal,
            each.app,
        ]
    reprs = "\n".join(f"{obj!r}\n{obj!s}" for obj in objects)
    for each in running:
        each.close()
    closed_journal = b"".join(journal_bytes(each.runtime.settings.data_dir) for each in running)

    captured = capfd.readouterr()
    logs = record_texts(caplog)
    sources: dict[str, bytes] = {
        "log records (DEBUG, all loggers)": logs.encode("utf-8", "backslashreplace"),
        "stderr/stdout": (captured.err + captured.out).encode("utf-8", "backslashreplace"),
        "reply bodies and headers": b"\n".join(r.get_data() + repr(dict(r.headers)).encode() for r in replies)
        + http_bodies,
        "journal files (running, with -wal)": live_journal,
        "journal files (after close)": closed_journal,
        "repr/str of settings, runtime, client, transport, service": reprs.encode(),
        "start-up refusal of the wrong-secret client": wrong_texts.encode(),
    }
    # The captures are real: the scenarios did log at DEBUG, on stderr, and into the journal.
    assert "MODE LIVE" in captured.err
    assert any(r.levelno == logging.DEBUG for r in caplog.records)
    assert b"leak-dup-1" in live_journal + closed_journal

    found = {name: hits(data.decode("utf-8", "backslashreplace")) for name, data in sources.items()}
    total_bytes = sum(len(data) for data in sources.values())
    total_hits = sum(sum(c.values()) for c in found.values())
    print_lines = [f"[secret-leak] scanned {total_bytes} bytes, {len(caplog.records)} log records; hits={total_hits}"]
    print_lines += [
        f"[secret-leak]   {name}: {len(data)} bytes, hits={dict(found[name])}" for name, data in sources.items()
    ]
    with capfd.disabled():
        print("\n" + "\n".join(print_lines))
    assert total_hits == 0, {name: dict(c) for name, c in found.items() if c}


def test_the_signal_service_settings_hide_the_token(control: SimControl, make_service: Callable[..., Service]) -> None:
    """repr()/str() of the signal service's own settings object does not show the webhook token."""
    service = make_service("settings-repr")
    settings = service.runtime.service.settings
    assert hits(repr(settings) + str(settings)) == {}
