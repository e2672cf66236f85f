"""Start-up detects the account system behind the key, and refuses a forced setting that does not match."""

from __future__ import annotations

import pytest

from bitget.v2.client import ClassicClient
from bitget.v3.client import UtaClient
from runtime import StartupError

ADAPTERS = {"classic": ClassicClient, "uta": UtaClient}


@pytest.fixture
def position_mode() -> str:
    return "one_way_mode"


def test_auto_picks_the_adapter_of_the_accounts_system(sim, make_service, account_system, caplog):
    caplog.set_level("INFO")
    service = make_service(BITGET_ACCOUNT_MODE="auto")
    assert type(service.runtime.exchange) is ADAPTERS[account_system]
    expected = "classic account, v2 API" if account_system == "classic" else "Unified Trading Account, v3 API"
    assert any(f"MODE LIVE ({expected})" in r.getMessage() for r in caplog.records)


def test_a_forced_mode_that_matches_is_used(sim, make_service, account_system):
    service = make_service(BITGET_ACCOUNT_MODE=account_system)
    assert type(service.runtime.exchange) is ADAPTERS[account_system]


def test_a_forced_mismatch_refuses_to_start_with_one_line(sim, make_service, account_system):
    other = "uta" if account_system == "classic" else "classic"
    with pytest.raises(StartupError) as err:
        make_service(BITGET_ACCOUNT_MODE=other)
    line = str(err.value)
    assert "\n" not in line
    assert f"BITGET_ACCOUNT_MODE={other}" in line
    assert "Unified Trading Account" in line or "classic" in line
    assert sim.orders() == []


@pytest.mark.parametrize("paper_account", ["classic", "uta"])
def test_paper_mode_runs_either_system(tmp_path, paper_account):
    from app import create_app

    app = create_app(
        {"PAPER_MARKET": "synthetic", "PAPER_ACCOUNT_MODE": paper_account, "DATA_DIR": str(tmp_path)}
    )
    runtime = app.extensions["trading_runtime"]
    try:
        assert type(runtime.exchange) is ADAPTERS[paper_account]
        reply = app.test_client().post(
            "/api/webhook", json={"token": "1234", "action": "buy", "sentiment": "long", "ticker": "ETHUSDT"}
        )
        assert reply.status_code == 200
        assert runtime.service.dispatcher.wait_idle(10)
        record = runtime.journal.signal(reply.get_json()["signal_id"])
        assert record.status == "done", record.reason
    finally:
        runtime.shutdown(grace=5)
