"""Every log line written while one signal is handled names it (and the clientOid a line is about), in the
text format and in LOG_FORMAT=json; no colour codes unless the output is a terminal; secrets stay hidden.

The signals run through the real app against the simulator on 127.0.0.1; the lines are the service's
stderr as written.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

from tests.support.service import Service, SimControl
from trading.log_setup import HANDLER_NAME, client_oid_in, configure_logging, use_colour

BOOKS = {
    "BTCUSDT": {"bids": [["65000.0", "50"]], "asks": [["65000.1", "50"]]},
    "ETHUSDT": {"bids": [["3000.00", "500"]], "asks": [["3000.01", "500"]]},
}
SIGNAL_ID = re.compile(r"\bs[0-9a-f]{15}\b")
TEXT_LINE = re.compile(r"^\S+ \S+ (?P<level>[A-Z]+) (?P<logger>\S+?)(?: \[(?P<context>[^\]]*)\])?: (?P<message>.*)$")


@pytest.fixture
def sim(sim_server: str) -> SimControl:
    control = SimControl(sim_server)
    control.reset(position_mode="hedge_mode", balance="10000", leverage="10", account_mode="classic")
    for symbol, book in BOOKS.items():
        control.book(symbol, **book)
    control.position("BTCUSDT", "short", "0.01", "65000")  # a reversal: a close and an open, two clientOids
    return control


@pytest.fixture(autouse=True)
def remove_handler() -> Iterator[None]:
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)  # it writes to this test's captured stderr


def handle_two_signals(service: Service, capsys: pytest.CaptureFixture[str]) -> tuple[list[str], list[str]]:
    """Two signals of two symbols at once; their ids and every line written meanwhile."""
    capsys.readouterr()
    ids = []
    for ticker, sentiment in (("BTCUSDT", "long"), ("ETHUSDT", "short")):
        reply = service.post({"action": "buy" if sentiment == "long" else "sell", "sentiment": sentiment,
                              "ticker": ticker})
        ids.append(reply.get_json()["signal_id"])
    for signal_id in ids:
        assert service.wait(signal_id)["status"] == "done"
    assert service.runtime.service.dispatcher.wait_idle(5)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    return ids, lines


def check(records: list[dict[str, str]], ids: list[str]) -> None:
    """Each line names one of the two signals, the one its words are about, and the clientOid it mentions."""
    assert records
    for record in records:
        assert record["signal_id"] in ids, record
        for mentioned in SIGNAL_ID.findall(record["message"]):
            assert mentioned == record["signal_id"], record
        oid = re.search(re.escape(record["signal_id"]) + r"-[com]\d+", record["message"])
        assert record["client_oid"] == (oid.group(0) if oid else ""), record
    for signal_id in ids:
        assert sum(r["signal_id"] == signal_id for r in records) >= 3, signal_id
    oids = {r["client_oid"] for r in records if r["client_oid"]}
    assert {oid[-2] for oid in oids} >= {"c", "o"}, oids  # the reversal's close and open


def test_text_lines_carry_the_signal_id(sim, make_service, capsys):
    service = make_service(LOG_FORMAT="text")
    ids, lines = handle_two_signals(service, capsys)
    records = []
    for line in lines:
        parsed = TEXT_LINE.match(line)
        assert parsed, line
        context = dict(item.split("=", 1) for item in (parsed["context"] or "").split())
        records.append({"signal_id": context.get("signal_id", ""), "client_oid": context.get("client_oid", ""),
                        "message": parsed["message"]})
    check(records, ids)
    assert not any("\x1b[" in line for line in lines)  # stderr here is not a terminal


def test_json_lines_are_one_object_each_and_carry_the_signal_id(sim, make_service, capsys):
    service = make_service(LOG_FORMAT="json")
    ids, lines = handle_two_signals(service, capsys)
    records = [json.loads(line) for line in lines]
    assert all({"time", "level", "logger", "message", "signal_id", "client_oid"} <= set(r) for r in records)
    check(records, ids)


def test_colour_only_on_a_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(Terminal()) and not use_colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(Terminal())


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_secrets_stay_hidden_in_both_formats(fmt, capsys):
    secret = "very-secret-bot-token-1234"
    configure_logging("INFO", [secret], fmt)
    try:
        raise RuntimeError(f"failed with {secret}")
    except RuntimeError:
        logging.getLogger("test").exception("sending to https://example.invalid/bot%s/sendMessage", secret)
    err = capsys.readouterr().err
    assert secret not in err and "***" in err


def test_the_client_oid_a_line_mentions_is_the_first_with_a_step_after_the_signal_id():
    sid = "s0123456789abcde"
    assert client_oid_in(f"signal {sid}: placing open long (clientOid {sid}-o1)", sid) == f"{sid}-o1"
    assert client_oid_in(f"signal {sid}-x: then {sid}-c12 and {sid}-o1", sid) == f"{sid}-c12"
    assert client_oid_in(f"signal {sid}: done in 25 ms", sid) == ""
    assert client_oid_in(f"signal {sid}-o1x is not one", sid) == ""
    assert client_oid_in("signal s999: placing (clientOid s999-o1)", sid) == ""
