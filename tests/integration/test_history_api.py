"""The history API over the real app, journal and signed client against the simulator.

Who may read (ADMIN_TOKEN, never the webhook token), the signal list with its paging and filters,
the trade log and its CSV, a failed signal's reason, and the PnL figures checked against fills whose
prices and fees are worked out by hand here from the simulator's own order records.
"""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from tests.support.service import TOKEN, Service, SimControl

ADMIN = "admin-token-for-history-0123"
ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN}"}
ADMIN_ROUTES = ("/api/signals", "/api/trades", "/api/trades?format=csv", "/api/stats", "/api/equity",
                "/api/positions", "/api/account")
BUY_LONG = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "price": "65000"}
SELL_SHORT = {"action": "sell", "sentiment": "short", "ticker": "BTCUSDT", "price": "66000"}
SELL_FLAT = {"action": "sell", "sentiment": "flat", "ticker": "BTCUSDT"}
BUY_FLAT = {"action": "buy", "sentiment": "flat", "ticker": "BTCUSDT"}
TAKER = Decimal("0.0006")  # the simulator's taker fee rate: every order here fills at once
CENT = Decimal("0.00000001")  # Bitget reports amounts to 8 decimals


@pytest.fixture
def position_mode() -> str:
    return "one_way_mode"


@pytest.fixture
def admin(sim: SimControl, make_service) -> Service:
    return make_service(ADMIN_TOKEN=ADMIN)


def get(service: Service, path: str, **params: str):
    return service.client.get(path, headers=ADMIN_HEADERS, query_string=params)


def book(sim: SimControl, bid: str, ask: str) -> None:
    sim.book("BTCUSDT", bids=[[bid, "50"]], asks=[[ask, "50"]])


# -- access ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("account_system", ["classic"])
@pytest.mark.parametrize("path", ADMIN_ROUTES)
def test_admin_routes_need_the_admin_token_and_refuse_the_webhook_token(admin: Service, path: str) -> None:
    assert admin.client.get(path).status_code == 401
    assert admin.client.get(path).get_json()["code"] == "admin-token-required"
    wrong = admin.client.get(path, headers={"Authorization": "Bearer not-the-admin-token-at-all"})
    assert (wrong.status_code, wrong.get_json()["code"]) == (401, "invalid-admin-token")
    for headers in ({"Authorization": f"Bearer {TOKEN}"}, {"X-Webhook-Token": TOKEN}):
        reply = admin.client.get(path, headers=headers)
        assert (reply.status_code, reply.get_json()["code"]) == (403, "webhook-token-not-admin"), headers
    assert admin.client.get(path, headers=ADMIN_HEADERS).status_code == 200


@pytest.mark.parametrize("account_system", ["classic"])
def test_the_webhook_token_still_reads_one_signal_and_the_admin_token_does_too(admin: Service) -> None:
    signal_id = admin.post(BUY_LONG).get_json()["signal_id"]
    admin.wait(signal_id)
    by_webhook = admin.client.get(f"/api/signals/{signal_id}", headers={"X-Webhook-Token": TOKEN})
    by_admin = admin.client.get(f"/api/signals/{signal_id}", headers=ADMIN_HEADERS)
    assert by_webhook.status_code == by_admin.status_code == 200
    assert by_webhook.get_json() == by_admin.get_json()
    assert admin.client.get(f"/api/signals/{signal_id}").status_code == 401
    events = [line["event"] for line in by_admin.get_json()["timeline"]]
    assert events == ["received", "executing", "order sending", "order live", "order filled", "done"]


@pytest.mark.parametrize("account_system", ["classic"])
def test_without_admin_token_live_mode_answers_401_saying_how_to_set_it(sim: SimControl, make_service) -> None:
    service = make_service()
    reply = service.client.get("/api/signals")  # from 127.0.0.1: still refused outside paper mode
    assert reply.status_code == 401
    assert reply.get_json()["code"] == "admin-token-not-set" and "ADMIN_TOKEN" in reply.get_json()["error"]


@pytest.mark.parametrize("account_system", ["classic"])
@pytest.mark.parametrize("path", ["/api/signals/s0000000000000000", "/api/signals/r0000000000000000"])
def test_unknown_ids_are_404(admin: Service, path: str) -> None:
    reply = get(admin, path)
    assert (reply.status_code, reply.get_json()["code"]) == (404, "unknown-signal")


# -- the signal list ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("account_system", ["classic"])
def test_pages_newest_first_without_gaps_or_repeats(sim: SimControl, admin: Service) -> None:
    sent = [admin.signal({**SELL_FLAT, "id": f"flat-{n}"}) and n for n in range(7)]
    assert len(sent) == 7
    seen, cursor, pages = [], "", 0
    while True:
        reply = get(admin, "/api/signals", limit="3", cursor=cursor).get_json()
        seen += reply["signals"]
        pages += 1
        if reply["next_cursor"] is None:
            break
        cursor = reply["next_cursor"]
    assert pages == 3 and len(seen) == 7 == len({row["signal_id"] for row in seen})
    assert [row["received_at"] for row in seen] == sorted((row["received_at"] for row in seen), reverse=True)
    assert get(admin, "/api/signals", cursor="not-a-cursor").status_code == 400
    assert get(admin, "/api/signals", limit="0").status_code == 400


@pytest.mark.parametrize("account_system", ["classic"])
def test_each_filter_narrows_the_list(sim: SimControl, admin: Service) -> None:
    done = admin.signal({**BUY_LONG, "id": "alpha-1"})
    assert done["status"] == "done"
    duplicate = admin.post({**BUY_LONG, "id": "alpha-1"}).get_json()
    refused = admin.post({**BUY_LONG, "token": "a-wrong-token"})
    assert refused.status_code == 401
    refused_id = refused.get_json()["refused_id"]
    later = admin.signal({**SELL_FLAT, "ticker": "ETHUSDT", "id": "beta-2"})
    everything = get(admin, "/api/signals").get_json()["signals"]
    assert len(everything) == 4
    by_id = {row["signal_id"]: row for row in everything}

    def ids(**params: str) -> set[str]:
        reply = get(admin, "/api/signals", **params)
        assert reply.status_code == 200, reply.get_json()
        return {row["signal_id"] for row in reply.get_json()["signals"]}

    assert ids(status="refused") == {refused_id}
    assert by_id[refused_id]["symbol"] == "" and by_id[refused_id]["reason"]
    assert ids(status="duplicate") == {duplicate["signal_id"]}
    assert ids(symbol="ethusdt") == {row["signal_id"] for row in everything if row["symbol"] == "ETHUSDT"} != set()
    assert len(ids(status="done,duplicate")) == 2 + (later["status"] == "done")
    eth = next(row for row in everything if row["symbol"] == "ETHUSDT")
    assert ids(since=str(eth["received_at"])) == {eth["signal_id"]}
    assert eth["signal_id"] not in ids(until=str(eth["received_at"] - 0.000001))
    assert ids(q="beta-2") == {eth["signal_id"]}
    assert ids(q="no such text anywhere") == set()
    assert get(admin, "/api/signals", status="bogus").status_code == 400
    assert get(admin, "/api/signals", since="yesterday").status_code == 400


@pytest.mark.parametrize("account_system", ["classic", "uta"])
def test_a_failed_signal_shows_the_exchange_reason_in_list_and_timeline(sim: SimControl, admin: Service) -> None:
    sim.faults({"path": sim.place_order_path, "kind": "code", "code": "40762" if sim.state()["account_mode"]
                == "classic" else "25203", "process": False, "times": 1})
    outcome = admin.signal(BUY_LONG)
    assert outcome["status"] == "failed"
    [row] = get(admin, "/api/signals", status="failed").get_json()["signals"]
    assert row["reason"] == outcome["reason"] and "refused" in row["reason"]
    detail = get(admin, f"/api/signals/{row['signal_id']}").get_json()
    rejected = [line for line in detail["timeline"] if line["event"] == "order rejected"]
    assert rejected and rejected[0]["detail"]["note"]
    assert detail["timeline"][-1]["event"] == "failed"


# -- trades, PnL and fees against the simulator ---------------------------------------------------------------


def fee(price: str, size: Decimal) -> Decimal:
    return (Decimal(price) * size * TAKER).quantize(CENT, rounding=ROUND_HALF_EVEN)


@pytest.mark.parametrize("account_system", ["classic", "uta"])
def test_realized_pnl_fees_and_win_rate_match_a_hand_computation(sim: SimControl, admin: Service) -> None:
    """Long 65000.1 → 66000.0 (a win), then short 66000.0 → 66500.1 (a loss); every fill a taker."""
    book(sim, "65000.0", "65000.1")
    assert admin.signal(BUY_LONG)["status"] == "done"
    book(sim, "66000.0", "66000.1")
    assert admin.signal(SELL_FLAT)["status"] == "done"
    assert admin.signal(SELL_SHORT)["status"] == "done"
    book(sim, "66500.0", "66500.1")
    assert admin.signal(BUY_FLAT)["status"] == "done"
    orders = sim.orders()  # the simulator's own record: sizes and prices as it filled them
    assert [Decimal(o["avgPrice"]) for o in orders] == [Decimal(p) for p in ("65000.1", "66000", "66000", "66500.1")]
    long_size, short_size = Decimal(orders[0]["filled"]), Decimal(orders[2]["filled"])
    win = ((Decimal("66000.0") - Decimal("65000.1")) * long_size).quantize(CENT)
    loss = ((Decimal("66000.0") - Decimal("66500.1")) * short_size).quantize(CENT)
    fees = fee("65000.1", long_size) + fee("66000.0", long_size) + fee("66000.0", short_size)
    fees += fee("66500.1", short_size)

    figures = get(admin, "/api/stats").get_json()
    for tally in (figures["overall"], figures["per_symbol"]["BTCUSDT"]):
        assert Decimal(tally["realized_pnl"]) == win + loss
        assert Decimal(tally["fees"]) == fees
        assert Decimal(tally["net_pnl"]) == win + loss - fees
        assert (tally["trades"], tally["wins"], tally["losses"], tally["win_rate"]) == (2, 1, 1, "0.5000")
        assert tally["signals"] == {"done": 4}

    trades = get(admin, "/api/trades").get_json()["trades"]
    closes = [t for t in trades if t["reduce"]]
    assert [Decimal(t["realized_pnl"]) for t in closes] == [loss, win]  # newest first
    account = get(admin, "/api/account").get_json()
    assert Decimal(account["equity"]) == Decimal("10000") + win + loss - fees
    points = get(admin, "/api/equity").get_json()["points"]
    assert Decimal(points[-1]["realized_pnl_cum"]) == win + loss - fees
    before_close = get(admin, "/api/stats", until=str(closes[0]["at"] - 0.000001)).get_json()["overall"]
    assert (before_close["trades"], Decimal(before_close["realized_pnl"])) == (1, win)


@pytest.mark.parametrize("account_system", ["classic"])
def test_the_csv_export_parses_back_to_the_json_trade_log(sim: SimControl, admin: Service) -> None:
    assert admin.signal(BUY_LONG)["status"] == "done"
    book(sim, "66000.0", "66000.1")
    assert admin.signal(SELL_FLAT)["status"] == "done"
    as_json = get(admin, "/api/trades").get_json()["trades"]
    reply = get(admin, "/api/trades", format="csv")
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(reply.get_data(as_text=True))))
    assert len(rows) == len(as_json) == 2
    for row, trade in zip(rows, as_json, strict=True):
        assert row["signal_id"] == trade["signal_id"] and row["client_oid"] == trade["client_oid"]
        assert Decimal(row["size"]) == Decimal(trade["size"]) and Decimal(row["price"]) == Decimal(trade["price"])
        assert Decimal(row["fee"]) == Decimal(trade["fee"])
        assert row["realized_pnl"] == (trade["realized_pnl"] or "")
        assert row["reduce"] == ("true" if trade["reduce"] else "false")
    assert get(admin, "/api/trades", format="xml").status_code == 400


@pytest.mark.parametrize("account_system", ["classic", "uta"])
def test_positions_show_size_entry_mark_and_unrealized_pnl(sim: SimControl, admin: Service) -> None:
    assert admin.signal(BUY_LONG)["status"] == "done"
    [leg] = get(admin, "/api/positions").get_json()["positions"]
    size = Decimal(sim.orders()[0]["filled"])
    assert (leg["symbol"], leg["side"], Decimal(leg["size"])) == ("BTCUSDT", "long", size)
    assert Decimal(leg["entry_price"]) == Decimal("65000.1")
    assert Decimal(leg["mark_price"]) == Decimal("65000.0")  # the middle of 65000.0/65000.1, floored to the tick
    assert Decimal(leg["unrealized_pnl"]) == ((Decimal("65000.0") - Decimal("65000.1")) * size).quantize(CENT)
    assert Decimal(leg["leverage"]) == 10
