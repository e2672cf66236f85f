"""Does a slow or failing notification destination slow trading? Measured against a baseline in one run.

100 signals (entries and exits alternating) go through the real service against the simulator on
127.0.0.1, three ways: notifications off (the baseline), Telegram pointed at an endpoint that hangs,
and at one that answers 500. Each way runs ``ROUNDS`` times and the median counts, so one disturbed
run on a busy machine does not decide the verdict.

Target: each notifying way finishes within 1.2 × the baseline's median (the issue's ±20 %), and the
notifier's backlog never exceeds its queue (20) plus the message in flight.
Run: ``python bench/notifier_overhead.py [signals] [rounds]``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bitget.sim.paper import start_embedded_sim
from tests.support.recorder import Recorder
from tests.support.service import Service, SimControl

BOOK = {"bids": [["65000.0", "50"]], "asks": [["65000.1", "50"]]}
BUY_LONG = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "price": "65000"}
SELL_FLAT = {"action": "sell", "sentiment": "flat", "ticker": "BTCUSDT"}
QUEUE = 20
TARGET_RATIO = 1.2


def run_once(sim: SimControl, data: Path, recorder: Recorder | None, count: int) -> tuple[float, int]:
    """Seconds until ``count`` signals are done, and the notifier's highest backlog seen."""
    sim.reset(position_mode="one_way_mode", balance="10000", leverage="10", account_mode="classic")
    sim.book("BTCUSDT", **BOOK)
    env = {"LOG_LEVEL": "ERROR"}
    if recorder is not None:
        env |= {"TELEGRAM_BOT_TOKEN": "1:bench", "TELEGRAM_CHAT_ID": "1", "TELEGRAM_API_URL": recorder.url,
                "NOTIFY_QUEUE": str(QUEUE), "NOTIFY_TIMEOUT": "2", "NOTIFY_RETRIES": "2"}
    service = Service(sim.base_url, data, **env)
    observability = service.app.extensions["trading_observability"]
    peaks = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            peaks.append(observability.notifier.backlog() if observability.notifier else 0)
            time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.monotonic()
    ids = [service.post(BUY_LONG if n % 2 == 0 else SELL_FLAT).get_json()["signal_id"] for n in range(count)]
    for signal_id in ids:
        assert service.wait(signal_id, timeout=120)["status"] == "done"
    seconds = time.monotonic() - started
    done.set()
    watcher.join(1)
    if recorder is not None:
        recorder.release.set()
    service.close()
    observability.stop(timeout=0.5)
    if recorder is not None:
        recorder.release.clear()
    return seconds, max(peaks)


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    simulator = start_embedded_sim(market="synthetic")
    sim = SimControl(simulator.base_url)
    recorder = Recorder()
    figures: dict[str, list[float]] = {"off": [], "hang": [], "500": []}
    backlog = 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for round_number in range(rounds):
                for mode in figures:
                    recorder.mode = mode
                    data = Path(tmp) / f"{mode}-{round_number}"
                    seconds, peak = run_once(sim, data, None if mode == "off" else recorder, count)
                    figures[mode].append(seconds)
                    backlog = max(backlog, peak)
    finally:
        recorder.stop()
        simulator.stop()
    baseline = statistics.median(figures["off"])
    ok = True
    print(f"{count} signals, {rounds} rounds each (median; all runs in brackets)")
    print(f"  notifications off : {baseline:6.2f} s  {[round(s, 2) for s in figures['off']]}  (baseline)")
    for mode, label in (("hang", "endpoint hangs   "), ("500", "endpoint says 500")):
        median = statistics.median(figures[mode])
        ratio = median / baseline
        verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
        ok &= verdict == "PASS"
        runs = [round(s, 2) for s in figures[mode]]
        print(f"  {label} : {median:6.2f} s  {runs}  ratio {ratio:.2f} (target <= {TARGET_RATIO})  {verdict}")
    verdict = "PASS" if backlog <= QUEUE + 1 else "FAIL"
    ok &= verdict == "PASS"
    print(f"  highest backlog   : {backlog} (target <= {QUEUE + 1})  {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
