"""Notifications against a local HTTP endpoint that records each call (Telegram's Bot API shape and a JSON
webhook): one message per event, the chosen events only, no secret in a message, and trading never slowed
by a destination that hangs or answers 500.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.support.recorder import Recorder
from tests.support.service import TOKEN, Service, SimControl

BTC_BOOK = {"bids": [["65000.0", "50"]], "asks": [["65000.1", "50"]]}
BUY_LONG = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "price": "65000"}
SELL_FLAT = {"action": "sell", "sentiment": "flat", "ticker": "BTCUSDT"}
BOT_TOKEN = "123456:NOTIFY-BOT-SECRET-abcdef"
CHAT_ID = "-100777"
HOOK_SECRET = "hook-secret-9f8e7d"
FILL = re.compile(
    r"(?P<kind>Entry|Exit) filled: (?P<symbol>\w+) (?P<side>long|short) (?P<size>[\d.]+) @ (?P<price>[\d.]+)"
    r"(?:, PnL (?P<pnl>-?[\d.]+))? \(signal s\w+\)$"
)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    yield recorder
    recorder.stop()


@pytest.fixture
def sim(sim_server: str) -> SimControl:
    control = SimControl(sim_server)
    control.reset(position_mode="one_way_mode", balance="10000", leverage="10", account_mode="classic")
    control.book("BTCUSDT", **BTC_BOOK)
    return control


def telegram_env(recorder: Recorder, **extra: str) -> dict[str, str]:
    return {"TELEGRAM_BOT_TOKEN": BOT_TOKEN, "TELEGRAM_CHAT_ID": CHAT_ID, "TELEGRAM_API_URL": recorder.url, **extra}


def stop(service: Service) -> None:
    """Shut the service down as the process does at exit: the service, then the notifier's last sends."""
    service.runtime.shutdown(grace=5)
    service.app.extensions["trading_observability"].stop(timeout=5)


def test_telegram_gets_one_message_per_event_in_the_bot_api_shape(sim, make_service, recorder):
    service = make_service(**telegram_env(recorder))
    assert service.signal(BUY_LONG)["status"] == "done"
    assert service.signal(SELL_FLAT)["status"] == "done"
    stop(service)

    calls = recorder.wait_for(4)
    assert {call["path"] for call in calls} == {f"/bot{BOT_TOKEN}/sendMessage"}
    assert {call["body"]["chat_id"] for call in calls} == {CHAT_ID}
    texts = recorder.texts()
    assert len(texts) == 4, texts
    started, entry, exit_, stopped = texts
    assert started.startswith("Service started: MODE LIVE")
    opened = FILL.match(entry)
    closed = FILL.match(exit_)
    assert opened and opened["kind"] == "Entry" and opened["symbol"] == "BTCUSDT" and opened["side"] == "long", entry
    assert closed and closed["kind"] == "Exit" and closed["side"] == "long", exit_
    assert Decimal(opened["price"]) == Decimal("65000.1") and Decimal(closed["price"]) == Decimal("65000.0")
    assert Decimal(closed["size"]) == Decimal(opened["size"]) > 0  # the whole position closed
    size = Decimal(opened["size"])
    assert Decimal(closed["pnl"]) == (Decimal(closed["price"]) - Decimal(opened["price"])) * size
    assert stopped.startswith("Service shutting down")
    assert not any(BOT_TOKEN in text or TOKEN in text for text in texts)


def test_failures_expiries_and_refusals_carry_their_reason(sim, make_service, recorder):
    service = make_service(NOTIFY_WEBHOOK_URL=f"{recorder.url}/hook/{HOOK_SECRET}", SIGNAL_MAX_AGE="30")
    recorder.wait_for(1)  # the start-up notice
    sim.faults({"path": sim.place_order_path, "kind": "code", "code": "40762", "times": 10})
    failed = service.signal(BUY_LONG)
    assert failed["status"] == "failed"
    old = {**BUY_LONG, "time": "2020-01-01T00:00:00Z"}
    assert service.post(old).get_json()["status"] == "expired"
    refused = service.post({**BUY_LONG, "token": "wrong-token-000"})
    assert refused.status_code == 401

    calls = recorder.wait_for(4)
    bodies = {call["body"]["event"]: call["body"] for call in calls}
    assert sorted(bodies) == ["alert_refused", "signal_expired", "signal_failed", "startup"], bodies
    assert {call["path"] for call in calls} == {f"/hook/{HOOK_SECRET}"}
    assert bodies["signal_failed"]["detail"]["reason"] == failed["reason"]
    assert bodies["signal_failed"]["symbol"] == "BTCUSDT"
    assert "SIGNAL_MAX_AGE" in bodies["signal_expired"]["text"]
    refusal = bodies["alert_refused"]
    assert refusal["detail"]["code"] == "invalid-token" and refusal["signal_id"] == refused.get_json()["refused_id"]
    everything = json.dumps([call["body"] for call in calls])
    assert HOOK_SECRET not in everything and TOKEN not in everything and "wrong-token-000" not in everything


@pytest.mark.parametrize(("fmt", "key"), [("discord", "content"), ("slack", "text")])
def test_discord_and_slack_formats(sim, make_service, recorder, fmt, key):
    service = make_service(NOTIFY_WEBHOOK_URL=recorder.url, NOTIFY_WEBHOOK_FORMAT=fmt, NOTIFY_ON="entry_filled")
    assert service.signal(BUY_LONG)["status"] == "done"
    [call] = recorder.wait_for(1)
    assert list(call["body"]) == [key]
    assert call["body"][key].startswith("Entry filled: BTCUSDT long")


def test_notify_on_chooses_the_events(sim, make_service, recorder):
    service = make_service(**telegram_env(recorder, NOTIFY_ON="exit_filled,signal_failed"))
    assert service.signal(BUY_LONG)["status"] == "done"
    assert service.signal(SELL_FLAT)["status"] == "done"
    stop(service)
    time.sleep(0.3)
    texts = recorder.texts()
    assert len(texts) == 1 and texts[0].startswith("Exit filled: BTCUSDT"), texts


def test_exchange_degraded_and_recovered(sim, make_service, recorder):
    service = make_service(
        NOTIFY_WEBHOOK_URL=recorder.url, NOTIFY_ON="exchange_degraded,exchange_recovered", RECONNECT_MAX_WAIT="0.5"
    )
    sim.faults({"path": "/api/v2/public/time", "kind": "error_5xx", "times": 3})  # the heartbeat meets 3 outages
    calls = recorder.wait_for(2, timeout=15)
    assert [call["body"]["event"] for call in calls] == ["exchange_degraded", "exchange_recovered"]
    assert "HTTP 50" in calls[0]["body"]["text"] and "/api/v2/public/time" in calls[0]["body"]["text"]
    assert service.runtime.health.usable


def run_signals(service: Service, sim: SimControl, count: int) -> float:
    """Alternate entries and exits; seconds until all of them are done."""
    started = time.monotonic()
    ids = []
    for n in range(count):
        reply = service.post(BUY_LONG if n % 2 == 0 else SELL_FLAT)
        assert reply.status_code == 200, reply.get_json()
        ids.append(reply.get_json()["signal_id"])
    for signal_id in ids:
        assert service.wait(signal_id, timeout=120)["status"] == "done"
    return time.monotonic() - started


def watch_backlog(notifier: Any, peaks: list[int], done: threading.Event) -> None:
    while not done.is_set():
        peaks.append(notifier.backlog())
        time.sleep(0.01)


@pytest.mark.slow
def test_a_hanging_or_failing_destination_never_slows_trading(sim, make_service, recorder):
    # 40 signals are 80 messages: four times what the queue (20) holds, so both a hanging and a failing
    # destination overflow it and drop; a notifier that blocked trading would cost 2 s a message, 160 s,
    # against a bound of twice the quiet run (about 5 s) plus 2. A hundred signals proved nothing more.
    count = 40
    quiet = run_signals(make_service(), sim, count)

    timings = {}
    for mode in ("hang", "500"):
        recorder.mode = mode
        recorder.calls.clear()
        sim.reset(position_mode="one_way_mode", balance="10000", leverage="10", account_mode="classic")
        sim.book("BTCUSDT", **BTC_BOOK)
        service = make_service(**telegram_env(recorder, NOTIFY_QUEUE="20", NOTIFY_TIMEOUT="2", NOTIFY_RETRIES="2"))
        notifier = service.app.extensions["trading_observability"].notifier
        peaks: list[int] = []
        watching = threading.Event()
        watcher = threading.Thread(target=watch_backlog, args=(notifier, peaks, watching), daemon=True)
        watcher.start()
        timings[mode] = run_signals(service, sim, count)
        watching.set()
        watcher.join(1)
        assert max(peaks) <= 21, (mode, max(peaks))  # the queue's 20 and the one being sent
        assert notifier.dropped > 0, mode  # 2 messages a signal cannot all go out through a stuck endpoint
        assert recorder.calls, mode  # the destination was tried
        recorder.release.set()
        service.app.extensions["trading_observability"].stop(timeout=0.5)
    for mode, seconds in timings.items():
        # A notifier that blocked trading would cost a send timeout (2 s) per message: 160 s and more.
        # The ±20 % target is measured in bench/notifier_overhead.py (medians of repeated runs).
        assert seconds <= quiet * 2 + 2, (mode, seconds, quiet)
    print(f"{count} signals: off {quiet:.2f}s, hanging {timings['hang']:.2f}s, HTTP 500 {timings['500']:.2f}s")
