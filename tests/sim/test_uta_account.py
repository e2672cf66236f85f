"""v3 account: settings, assets, positions, leverage and hold mode."""

from __future__ import annotations

from decimal import Decimal

from bitget.sim.contracts import BUILT_IN_CONTRACTS
from tests.support.sim_client import Sim
from tests.support.sim_uta_client import CATEGORY, V3, code


def test_settings_shape(uta: V3) -> None:
    data = uta.settings()
    assert data["accountMode"] == "unified" and data["holdMode"] == "one_way_mode"
    assert data["assetMode"] == "multi_assets" and data["stpMode"] == "none"
    assert data["uid"] and data["accountLevel"] and data["coinConfigList"] == []
    rows = {r["symbol"]: r for r in data["symbolConfigList"]}
    assert rows["BTCUSDT"] == {"category": CATEGORY, "symbol": "BTCUSDT", "marginMode": "crossed", "leverage": "10"}
    assert len(rows) == len(BUILT_IN_CONTRACTS)


def test_assets_shape_and_how_orders_move_it(uta: V3, sim: Sim) -> None:
    data = uta.assets()
    assert data["accountEquity"] == "10000" and data["effEquity"] == "10000" and data["unrealisedPnl"] == "0"
    (usdt,) = data["assets"]
    assert usdt == {
        "coin": "USDT",
        "equity": "10000",
        "usdValue": "10000",
        "balance": "10000",
        "available": "10000",
        "debt": "0",
        "locked": "0",
        "bonus": "0",
    }
    assert "marginCoin" not in data
    sim.control("POST", "/sim/book", {"symbol": "ETHUSDT", "bids": [["3000.00", "10"]], "asks": [["3000.50", "10"]]})
    uta.ok(uta.place(symbol="ETHUSDT", side="buy", orderType="limit", price="2000.00", qty="1"))  # rests
    usdt = uta.assets()["assets"][0]
    assert usdt["locked"] == "200" and usdt["available"] == "9800"  # 1 x 2000 / leverage 10
    uta.ok(uta.place(symbol="ETHUSDT", side="buy", orderType="market", qty="1"))
    data = uta.assets()
    fee = Decimal("3000.5") * Decimal("0.0006")
    assert Decimal(data["assets"][0]["balance"]) == Decimal(10000) - fee
    assert data["unrealisedPnl"] == "-0.25"  # mark 3000.25 against entry 3000.5
    assert Decimal(data["imr"]) == Decimal("200") + Decimal("300.05")


def test_positions_null_when_flat_then_a_row(uta: V3) -> None:
    assert uta.positions() is None and uta.positions("BTCUSDT") is None
    uta.ok(uta.place(symbol="BTCUSDT", side="buy", orderType="market", qty="0.01"))
    (row,) = uta.positions("BTCUSDT")
    assert row["posSide"] == "long" and row["holdMode"] == "one_way_mode" and row["marginMode"] == "crossed"
    assert (row["total"], row["available"], row["frozen"], row["avgPrice"]) == ("0.01", "0.01", "0", "65000.1")
    assert row["leverage"] == "10" and row["marginCoin"] == "USDT" and row["category"] == CATEGORY
    assert Decimal(row["openFeeTotal"]) == -Decimal("650.001") * Decimal("0.0006")
    assert row["closeFeeTotal"] == "0" and row["positionBalance"] == "65.0001"
    assert "holdSide" not in row and "openPriceAvg" not in row
    assert uta.positions("BTCUSDT", posSide="short") is None
    assert len(uta.positions(posSide="long")) == 1


def test_set_leverage(uta: V3) -> None:
    api = uta.api
    body = {"category": CATEGORY, "symbol": "BTCUSDT", "leverage": "20"}
    assert uta.ok(api.post("/api/v3/account/set-leverage", body)) == "success"
    rows = {r["symbol"]: r for r in uta.settings()["symbolConfigList"]}
    assert rows["BTCUSDT"]["leverage"] == "20" and rows["ETHUSDT"]["leverage"] == "10"
    assert code(api.post("/api/v3/account/set-leverage", {**body, "leverage": "126"})) == "25223"
    assert code(api.post("/api/v3/account/set-leverage", {**body, "leverage": "2.5"})) == "400172"
    assert code(api.post("/api/v3/account/set-leverage", {**body, "category": "SPOT"})) == "400172"
    iso = {**body, "leverage": "5", "marginMode": "isolated"}
    assert uta.ok(api.post("/api/v3/account/set-leverage", iso)) == "success"
    rows = {r["symbol"]: r for r in uta.settings()["symbolConfigList"]}
    assert rows["BTCUSDT"] == {**rows["BTCUSDT"], "marginMode": "isolated", "leverage": "5"}
    uta.ok(uta.place(symbol="BTCUSDT", side="buy", orderType="market", qty="0.01", marginMode="isolated"))
    assert code(api.post("/api/v3/account/set-leverage", {**body, "marginMode": "crossed"})) == "25107"


def test_set_hold_mode_refused_while_busy(uta: V3, sim: Sim) -> None:
    api = uta.api
    ack = uta.ok(uta.place(symbol="ETHUSDT", side="buy", orderType="limit", price="1000.00", qty="1"))
    resp = api.post("/api/v3/account/set-hold-mode", {"holdMode": "hedge_mode"})
    assert resp.status_code == 400 and code(resp) == "25010"
    uta.ok(uta.cancel(orderId=ack["orderId"]))
    assert uta.ok(api.post("/api/v3/account/set-hold-mode", {"holdMode": "hedge_mode"})) == "success"
    assert uta.settings()["holdMode"] == "hedge_mode" and sim.state()["position_mode"] == "hedge_mode"
    assert code(api.post("/api/v3/account/set-hold-mode", {"holdMode": "HEDGE_MODE"})) == "400172"
    assert code(api.post("/api/v3/account/set-hold-mode", {})) == "400172"
