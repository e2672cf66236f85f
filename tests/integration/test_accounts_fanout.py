"""One alert, several accounts: three simulators on 127.0.0.1, one per account, each with its own balance,
reached by the real service over real HTTP with real signatures.

Each account sizes from its own margin, keeps its own journal row and clientOids, and an account whose
exchange is down neither delays the others nor loses its signal: its record says why it did not trade.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import pytest

from bitget.sim.paper import EmbeddedSim, start_embedded_sim
from tests.support.service import Service, SimControl
from trading.journal import TERMINAL

BOOKS = {
    "BTCUSDT": {"bids": [["65000.0", "50"]], "asks": [["65000.1", "50"]]},
    "ETHUSDT": {"bids": [["3000.00", "500"]], "asks": [["3000.01", "500"]]},
    "SOLUSDT": {"bids": [["150.000", "5000"]], "asks": [["150.001", "5000"]]},
}
# name -> (balance, MAX_PURCHASE_RATIO of the account)
ACCOUNTS = {"alpha": ("10000", "0.5"), "beta": ("4000", "0.25"), "gamma": ("2500", "0.5")}
LEVERAGE = 10
ADMIN = "accounts-admin-token-0123456789"


@pytest.fixture
def sims() -> Iterator[dict[str, EmbeddedSim]]:
    started = {name: start_embedded_sim(market="synthetic") for name in ACCOUNTS}
    for name, sim in started.items():
        control = SimControl(sim.base_url)
        control.reset(position_mode="one_way_mode", balance=ACCOUNTS[name][0], leverage=str(LEVERAGE),
                      account_mode="classic")
        for symbol, book in BOOKS.items():
            control.book(symbol, **book)
    yield started
    for sim in started.values():
        sim.stop()


def accounts_file(tmp_path: Path, sims: dict[str, EmbeddedSim]) -> Path:
    tables = []
    for name, (_, ratio) in ACCOUNTS.items():
        tables.append(
            f'[[account]]\nname = "{name}"\nmode = "live"\nbase_url = "{sims[name].base_url}"\n'
            'api_key_env = "BITGET_API_KEY"\nsecret_key_env = "BITGET_SECRET_KEY"\n'
            f'passphrase_env = "BITGET_PASSPHRASE"\nmax_purchase_ratio = "{ratio}"\n'
        )
    path = tmp_path / "accounts.toml"
    path.write_text("\n".join(tables))
    return path


@pytest.fixture
def service(tmp_path: Path, sims: dict[str, EmbeddedSim]) -> Iterator[Service]:
    built = Service(
        sims["alpha"].base_url, tmp_path / "data", ACCOUNTS_FILE=str(accounts_file(tmp_path, sims)),
        DEFAULT_ACCOUNTS="alpha,gamma", SIGNAL_MAX_AGE="2", RECONNECT_MAX_WAIT="0.2", LOG_LEVEL="INFO",
        ADMIN_TOKEN=ADMIN,
    )
    yield built
    built.close()


def expected_size(name: str, price: str) -> Decimal:
    """MAX_PURCHASE_RATIO × the account's own available margin × leverage ÷ price, on the 0.0001 BTC step."""
    balance, ratio = (Decimal(v) for v in ACCOUNTS[name])
    return (balance * ratio * LEVERAGE / Decimal(price)).quantize(Decimal("0.0001"), rounding=ROUND_DOWN)


def wait_all(service: Service, signal_ids: list[str], timeout: float = 15.0) -> float:
    """Wait until every signal is terminal; returns when the last one got there (monotonic)."""
    deadline = time.monotonic() + timeout
    pending = set(signal_ids)
    last = time.monotonic()
    while pending:
        assert time.monotonic() < deadline, f"not terminal in time: {pending}"
        for signal_id in list(pending):
            record = service.runtime.journal.signal(signal_id)
            if record is not None and record.status in TERMINAL:
                pending.discard(signal_id)
                last = time.monotonic()
        time.sleep(0.005)
    return last


def test_one_alert_to_all_opens_a_position_on_each_account_sized_from_its_own_margin(service, sims):
    reply = service.post({"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "account": "all"})
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    rows = body["signals"]
    assert [row["account"] for row in rows] == ["alpha", "beta", "gamma"]
    assert all(row["status"] == "accepted" for row in rows)
    assert body["signal_id"] == rows[0]["signal_id"] and body["status"] == "accepted"
    assert len({row["signal_id"] for row in rows}) == 3  # a journal row each
    wait_all(service, [row["signal_id"] for row in rows])
    for row in rows:
        name = row["account"]
        record = service.runtime.journal.signal(row["signal_id"])
        assert (record.status, record.account) == ("done", name), record.reason
        held = SimControl(sims[name].base_url).legs("BTCUSDT")
        assert held == {"long": expected_size(name, "65000.1")}, (name, record.reason)
        orders = service.runtime.journal.orders(row["signal_id"])
        assert orders and all(f"-{name}-" in order.client_oid for order in orders)
        assert all(len(order.client_oid) <= 32 for order in orders)
    sizes = {row["account"]: expected_size(row["account"], "65000.1") for row in rows}
    assert len(set(sizes.values())) == 3  # each from its own margin and ratio, not one size copied

    admin = {"Authorization": f"Bearer {ADMIN}"}
    listed = service.client.get("/api/signals?account=beta", headers=admin).get_json()["signals"]
    assert [(s["account"], s["signal_id"]) for s in listed] == [("beta", rows[1]["signal_id"])]
    metrics = service.client.get("/metrics", headers=admin).get_data(as_text=True)
    for name in ACCOUNTS:
        assert f'trading_orders_total{{account="{name}",outcome="filled"}} 1.0' in metrics
        assert f'trading_exchange_usable{{account="{name}"}} 1.0' in metrics


def test_an_unknown_account_is_refused_and_nothing_is_stored(service, sims):
    before = service.runtime.journal.counts()
    reply = service.post({"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "account": ["alpha", "zeta"]})
    assert reply.status_code == 422
    body = reply.get_json()
    assert body["code"] == "unknown-account" and "zeta" in body["error"]
    after = service.runtime.journal.counts()
    assert {k: v for k, v in after.items() if k != "refused"} == {k: v for k, v in before.items() if k != "refused"}
    assert all(SimControl(sim.base_url).orders() == [] for sim in sims.values())


def test_an_alert_without_account_goes_to_default_accounts(service, sims):
    reply = service.post({"action": "buy", "sentiment": "long", "ticker": "BTCUSDT"})
    assert reply.status_code == 200
    rows = reply.get_json()["signals"]
    assert [row["account"] for row in rows] == ["alpha", "gamma"]
    wait_all(service, [row["signal_id"] for row in rows])
    assert SimControl(sims["beta"].base_url).orders() == []
    assert SimControl(sims["gamma"].base_url).legs("BTCUSDT") == {"long": expected_size("gamma", "65000.1")}


def test_an_account_whose_exchange_is_down_delays_no_other_and_its_record_says_why(service, sims):
    warm = service.post({"action": "buy", "sentiment": "long", "ticker": "SOLUSDT", "account": ["alpha", "beta"]})
    wait_all(service, [row["signal_id"] for row in warm.get_json()["signals"]])  # first calls, not measured
    # Alone: the two healthy accounts, every exchange up.
    alone = service.post({"action": "buy", "sentiment": "long", "ticker": "ETHUSDT", "account": ["alpha", "beta"]})
    started = time.monotonic()
    ids = [row["signal_id"] for row in alone.get_json()["signals"]]
    took_alone = wait_all(service, ids) - started

    sims["gamma"].stop()  # gamma's exchange goes away: its port is closed
    gamma = service.runtime.accounts["gamma"].health
    deadline = time.monotonic() + 10
    while gamma.usable:
        assert time.monotonic() < deadline, "the heartbeat did not notice gamma's exchange going away"
        time.sleep(0.02)
    health = service.client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["accounts"]["gamma"]["exchange"]["reachable"] is False

    reply = service.post({"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "account": "all"})
    started = time.monotonic()
    rows = {row["account"]: row["signal_id"] for row in reply.get_json()["signals"]}
    took_with_one_down = wait_all(service, [rows["alpha"], rows["beta"]]) - started
    print(f"\nFANOUT alone {took_alone * 1000:.0f} ms, with one account down {took_with_one_down * 1000:.0f} ms")
    assert took_with_one_down <= max(took_alone * 1.2, took_alone + 0.3), (took_alone, took_with_one_down)
    for name in ("alpha", "beta"):
        assert service.runtime.journal.signal(rows[name]).status == "done"

    wait_all(service, [rows["gamma"]], timeout=10)
    down = service.runtime.journal.signal(rows["gamma"])
    assert down.status == "expired", down.reason
    assert "the exchange was unreachable since" in down.reason and "SIGNAL_MAX_AGE=2s" in down.reason
    assert service.runtime.journal.orders(rows["gamma"]) == []
