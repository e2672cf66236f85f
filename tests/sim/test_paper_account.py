"""The paper account on disk (bitget.sim.persist) and paper mode's exchange (start_paper).

Wallet, legs with entry prices and stops, resting orders, fees and realized PnL come back after a
restart; order ids go on from where they were; a write that dies half-way leaves the last account
whole; PAPER_RESET starts afresh; the live market fetches the books of the symbols in use only.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from bitget.sim.engine import Engine
from bitget.sim.feed import LiveBookFeeder
from bitget.sim.paper import PaperSettings, start_paper
from bitget.sim.persist import ACCOUNT_FILE, AccountStore
from bitget.sim.records import OrderRequest

D = Decimal


def trade(engine: Engine) -> None:
    engine.set_leverage("ETHUSDT", D(5))
    engine.place_order(OrderRequest("BTCUSDT", "buy", "market", D("0.02"), preset_stop_loss=D("60000.0")))
    engine.place_order(OrderRequest("BTCUSDT", "sell", "market", D("0.01"), reduce_only=True))
    engine.place_order(OrderRequest("ETHUSDT", "buy", "limit", D("0.5"), price=D("3000.00"), client_oid="rest-1"))


def test_the_account_comes_back_whole(tmp_path: Path) -> None:
    engine = Engine()
    trade(engine)
    AccountStore(engine, tmp_path / ACCOUNT_FILE).save()
    again = Engine()
    assert AccountStore(again, tmp_path / ACCOUNT_FILE).load()
    assert again.account() == engine.account()
    (leg,) = again.positions()
    assert (leg.position.total, leg.position.avg_price, leg.position.stop_loss) == (
        D("0.01"), engine.positions()[0].position.avg_price, D("60000.0"))
    assert leg.position.achieved_profits == engine.positions()[0].position.achieved_profits
    assert [o.client_oid for o in again.open_orders()] == ["rest-1"]
    assert again.leverage("ETHUSDT") == D(5)
    assert sum(o.fee for o in again.all_orders()) == sum(o.fee for o in engine.all_orders()) > 0
    new = again.place_order(OrderRequest("SOLUSDT", "buy", "market", D("1")))
    assert new.order_id not in {o.order_id for o in engine.all_orders()}


def test_a_write_cut_short_leaves_the_last_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Engine()
    store = AccountStore(engine, tmp_path / ACCOUNT_FILE)
    trade(engine)
    store.save()
    kept = (tmp_path / ACCOUNT_FILE).read_text()
    engine.place_order(OrderRequest("SOLUSDT", "buy", "market", D("1")))

    def crash(*_: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.save()
    monkeypatch.undo()
    assert (tmp_path / ACCOUNT_FILE).read_text() == kept
    assert [p.name for p in tmp_path.iterdir()] == [ACCOUNT_FILE]  # no half-written file left behind
    assert AccountStore(Engine(), tmp_path / ACCOUNT_FILE).load()


def test_paper_mode_restores_the_account_and_reset_starts_afresh(tmp_path: Path) -> None:
    settings = PaperSettings(market="synthetic", balance=D("2500"), account_dir=tmp_path)
    with start_paper(settings) as sim:
        assert not sim.restored and sim.engine.balance == D("2500")
        trade(sim.engine)
        sim.store.save()
        balance = sim.engine.balance
    with start_paper(PaperSettings(market="synthetic", balance=D("99"), account_dir=tmp_path)) as sim:
        assert sim.restored and sim.engine.balance == balance  # PAPER_BALANCE applies to a fresh account only
        assert len(sim.engine.positions()) == 1 and len(sim.engine.open_orders()) == 1
    with start_paper(PaperSettings(market="synthetic", balance=D("99"), account_dir=tmp_path, reset=True)) as sim:
        assert not sim.restored and sim.engine.balance == D("99") and sim.engine.positions() == []


def test_the_live_feeder_fetches_books_on_demand(tmp_path: Path) -> None:
    asked: list[str] = []

    def fetch(symbol: str):
        asked.append(symbol)
        return [(D("3000.00"), D("10"))], [(D("3000.10"), D("10"))]

    engine = Engine()
    feeder = LiveBookFeeder(engine, None, fetch=fetch)
    feeder.refresh_once()
    assert asked == []  # nothing in use: nothing fetched, not every contract every 2 s
    feeder.watch("ETHUSDT")
    assert asked == ["ETHUSDT"] and engine.ticker("ETHUSDT").bid == D("3000.00")
    feeder.watch("ETHUSDT")
    assert asked == ["ETHUSDT"]  # fetched once on first use; the loop refreshes it after that
    engine.place_order(OrderRequest("SOLUSDT", "buy", "limit", D("1"), price=D("100.000")))
    assert feeder.active_symbols() == ["ETHUSDT", "SOLUSDT"]
    feeder.keep_for = 0
    assert feeder.active_symbols() == ["SOLUSDT"]  # a resting order keeps its symbol refreshed
