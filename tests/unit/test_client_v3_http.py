"""UtaClient over real HTTP against a small scripted fake of Bitget's v3 (UTA) API.

The fake (``tests.support.fake_bitget``, not the project's simulator) checks every private request's
signature with its own HMAC code, keeps just enough state (orders by clientOid, hold mode, leverage)
and can be scripted per path to answer late, drop the connection, or reply with any status and body.
It can also play a classic account (v3 private paths → 40084), which ``test_accounts`` uses.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from bitget import errors
from bitget.auth import Credentials
from bitget.options import ClientOptions
from bitget.v3.client import DEFAULT_LEVERAGE, UtaClient
from tests.support.fake_bitget import FAST, Call, Reply, ScriptedBitget, fail, ok, order, serve
from trading.models import OrderState, OrderType, PositionMode, PositionSide

API_KEY = "bg_uta_key_7c2d"
SECRET = "uta-secret-4e8a1f"
PASSPHRASE = "uta-pass-55b"

TIME = "/api/v2/public/time"
V2_ACCOUNTS = "/api/v2/mix/account/accounts"
INSTRUMENTS = "/api/v3/market/instruments"
TICKERS = "/api/v3/market/tickers"
ORDERBOOK = "/api/v3/market/orderbook"
SETTINGS = "/api/v3/account/settings"
ASSETS = "/api/v3/account/assets"
SET_LEVERAGE = "/api/v3/account/set-leverage"
POSITION = "/api/v3/position/current-position"
PLACE = "/api/v3/trade/place-order"
CANCEL = "/api/v3/trade/cancel-order"
INFO = "/api/v3/trade/order-info"
UNFILLED = "/api/v3/trade/unfilled-orders"

V2_ONLY_FIELDS = ("productType", "marginCoin", "size", "force", "tradeSide", "holdSide", "oneWayMode")


# ---------------------------------------------------------------- the fake


@dataclass
class FakeBitgetV3(ScriptedBitget):
    credentials: ClassVar[tuple[str, str, str]] = (API_KEY, SECRET, PASSPHRASE)
    public_prefixes: ClassVar[tuple[str, ...]] = ("/api/v2/public/", "/api/v3/market/")

    system: str = "uta"  # "uta" or "classic": which API family the key belongs to
    account_mode: str = "unified"  # settings.accountMode
    hold_mode: str = "one_way_mode"
    leverage: dict[str, str] = field(default_factory=lambda: {"BTCUSDT": "20"})
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    positions: list[dict[str, Any]] | None = None
    unfilled_empty: Any = None  # what an empty unfilled-orders list looks like: None or []
    ids: Any = field(default_factory=lambda: itertools.count(5000))

    def _check_account(self, call: Call) -> tuple[int, Any] | None:
        if call.path.startswith("/api/v3/") and self.system == "classic":
            return fail("40084", "You are in Classic Account mode, and the UTA API is not supported")
        if call.path.startswith("/api/v2/") and self.system == "uta":
            return fail("40085", "You are in Unified Account mode, and the Classic Account API is not supported")
        return None

    # --- handlers, named after the last path segment
    def h_accounts(self, call: Call) -> tuple[int, Any]:  # v2, for the detection fallback
        return ok([{"marginCoin": "USDT", "available": "10", "crossedMaxAvailable": "10", "accountEquity": "10"}])

    def h_instruments(self, call: Call) -> tuple[int, Any]:
        base = {"category": "USDT-FUTURES", "baseCoin": "BTC", "quoteCoin": "USDT", "pricePrecision": "1",
                "priceMultiplier": "0.1", "quantityPrecision": "3", "quantityMultiplier": "0.001",
                "minOrderQty": "0.001", "minOrderAmount": "5", "maxLeverage": "125", "takerFeeRate": "0.0006",
                "status": "online", "type": "perpetual", "quotePrecision": None}
        return ok([{**base, "symbol": "BTCUSDT"},
                   {**base, "symbol": "ETHUSDT", "baseCoin": "ETH", "priceMultiplier": "", "pricePrecision": "2"},
                   {**base, "symbol": "OLDUSDT", "status": "offline"},
                   {**base, "symbol": "BTCUSDT0627", "type": "delivery"}])

    def h_tickers(self, call: Call) -> tuple[int, Any]:
        return ok([{"category": "USDT-FUTURES", "symbol": call.params["symbol"], "bid1Price": "100.5",
                    "ask1Price": "100.6", "lastPrice": "100.5"}])

    def h_orderbook(self, call: Call) -> tuple[int, Any]:
        return ok({"a": [[100.7, 1.5]], "b": [[100.4, 2]], "ts": "1"})

    def h_settings(self, call: Call) -> tuple[int, Any]:
        configs = [{"category": "USDT-FUTURES", "symbol": s, "marginMode": "crossed", "leverage": lev}
                   for s, lev in self.leverage.items()]
        return ok({"uid": "42", "accountMode": self.account_mode, "assetMode": "multi_assets",
                   "accountLevel": "advanced", "holdMode": self.hold_mode, "stpMode": "none",
                   "symbolConfigList": configs, "coinConfigList": []})

    def h_assets(self, call: Call) -> tuple[int, Any]:
        return ok({"accountEquity": "1000.3", "usdtEquity": "1000.25", "effEquity": "990",
                   "assets": [{"coin": "USDT", "equity": "1000.25", "available": "900.5", "balance": "1000"}]})

    def h_set_leverage(self, call: Call) -> tuple[int, Any]:
        body = call.json
        if {"category", "symbol", "leverage"} - set(body):
            return fail("400172", "Parameter verification failed")
        self.leverage[body["symbol"]] = body["leverage"]
        return ok("success")

    def h_current_position(self, call: Call) -> tuple[int, Any]:
        return ok({"list": self.positions})

    def h_place_order(self, call: Call) -> tuple[int, Any]:
        body = call.json
        if set(V2_ONLY_FIELDS) & set(body):
            return fail("25236", "holdSide/oneWayMode are not supported")
        hedge = self.hold_mode == "hedge_mode"
        if hedge != ("posSide" in body) or (hedge and "reduceOnly" in body):
            return fail("400172", "Parameter verification failed")
        with self.lock:
            if body["clientOid"] in self.orders:
                return fail("43118", "Duplicate clientOid")
            order_id = str(next(self.ids))
            pos_side = body.get("posSide") or ""
            self.orders[body["clientOid"]] = {
                "orderId": order_id, "clientOid": body["clientOid"], "category": body["category"],
                "symbol": body["symbol"], "orderType": body["orderType"], "side": body["side"],
                "price": body.get("price", "0"), "qty": body["qty"], "cumExecQty": "0", "avgPrice": "",
                "orderStatus": "live", "posSide": pos_side, "holdMode": self.hold_mode,
                "reduceOnly": body.get("reduceOnly", "no").upper(), "marginMode": body.get("marginMode"),
                "stopLoss": body.get("stopLoss"), "tpTriggerBy": None, "feeDetail": [],
            }
        return ok({"orderId": order_id, "clientOid": body["clientOid"]})

    def _find(self, order_id: str | None, client_oid: str | None) -> dict[str, Any] | None:
        if order_id:
            return next((o for o in self.orders.values() if o["orderId"] == order_id), None)
        return self.orders.get(client_oid or "")

    def h_order_info(self, call: Call) -> tuple[int, Any]:
        order = self._find(call.params.get("orderId"), call.params.get("clientOid"))
        return ok(order) if order else fail("25204", "Order does not exist")

    def h_cancel_order(self, call: Call) -> tuple[int, Any]:
        order = self._find(call.json.get("orderId"), call.json.get("clientOid"))
        if not order or order["orderStatus"] not in ("live", "new", "partially_filled"):
            return fail("22001", "No order to cancel")
        order["orderStatus"] = "cancelled"
        return ok({"orderId": order["orderId"], "clientOid": order["clientOid"]})

    def h_unfilled_orders(self, call: Call) -> tuple[int, Any]:
        live = [o for o in self.orders.values() if o["orderStatus"] == "live"
                and o["symbol"] == call.params.get("symbol", o["symbol"])]
        return ok({"list": live or self.unfilled_empty, "cursor": None})


@contextmanager
def serve_fake() -> Iterator[FakeBitgetV3]:
    """A running fake on a free local port (also used by ``test_accounts``)."""
    with serve(FakeBitgetV3()) as app:
        yield app


@pytest.fixture
def fake() -> Iterator[FakeBitgetV3]:
    with serve_fake() as app:
        yield app


def make_client(fake: FakeBitgetV3, **overrides: Any) -> UtaClient:
    return UtaClient(ClientOptions(fake.url, Credentials(API_KEY, SECRET, PASSPHRASE), **{**FAST, **overrides}))


# ---------------------------------------------------------------- signing and paths on the wire


def test_private_get_is_signed_and_sends_no_query_when_there_is_none(fake):
    client = make_client(fake)
    b = client.balance()
    assert (b.available, b.equity) == (Decimal("900.5"), Decimal("1000.25"))
    assert [c.path for c in fake.calls] == [TIME, ASSETS]
    call = fake.hits(ASSETS)[0]
    assert call.query == "" and call.headers["access-key"] == API_KEY and "paptrading" not in call.headers
    assert not fake.bad_signatures


def test_post_sends_the_exact_compact_v3_body_it_signed(fake):
    client = make_client(fake)
    ack = client.place_order(order(stop_loss=Decimal("95.0")))
    call = fake.hits(PLACE)[0]
    assert call.body == (
        '{"category":"USDT-FUTURES","symbol":"BTCUSDT","qty":"0.002","price":"100.6","side":"buy",'
        '"orderType":"limit","timeInForce":"gtc","marginMode":"crossed","clientOid":"sig-7-a1","stopLoss":"95",'
        '"slOrderType":"market"}'
    )
    assert ack.order_id == fake.orders["sig-7-a1"]["orderId"] and ack.client_oid == "sig-7-a1"
    assert len(fake.hits(SETTINGS)) == 1 and not fake.bad_signatures


def test_demo_mode_sends_paptrading_on_every_request_but_the_public_server_time(fake):
    client = make_client(fake, demo=True, product_type="SUSDT-FUTURES")
    client.quote("BTCUSDT")
    client.balance()
    others = [c for c in fake.calls if c.path != "/api/v2/public/time"]
    assert others and all(c.headers.get("paptrading") == "1" for c in others)
    assert all("paptrading" not in c.headers for c in fake.calls if c.path == "/api/v2/public/time")
    assert fake.hits(TICKERS)[0].params == {"category": "USDT-FUTURES", "symbol": "BTCUSDT"}


def test_server_time_uses_the_shared_v2_public_endpoint(fake):
    client = make_client(fake)
    assert abs(client.server_time() - int(time.time() * 1000)) < 2_000
    assert [c.path for c in fake.calls] == [TIME]


def test_classic_key_on_a_v3_path_is_an_account_mode_error_whatever_the_status(fake):
    fake.system = "classic"
    client = make_client(fake)
    with pytest.raises(errors.AccountModeError) as info:
        client.position_mode()
    assert (info.value.code, info.value.http_status) == ("40084", 400)
    assert "classic account" in str(info.value) and len(fake.hits(SETTINGS)) == 1


# ---------------------------------------------------------------- hold mode and order bodies per mode


@pytest.mark.parametrize(
    ("hold_mode", "side", "reduce", "expected"),
    [
        ("one_way_mode", PositionSide.LONG, False, {"side": "buy"}),
        ("one_way_mode", PositionSide.SHORT, True, {"side": "buy", "reduceOnly": "yes"}),
        ("hedge_mode", PositionSide.LONG, True, {"side": "sell", "posSide": "long"}),
        ("hedge_mode", PositionSide.SHORT, False, {"side": "sell", "posSide": "short"}),
    ],
)
def test_the_account_hold_mode_shapes_the_body_and_reads_back(fake, hold_mode, side, reduce, expected):
    fake.hold_mode = hold_mode
    client = make_client(fake)
    ack = client.place_order(order(position_side=side, reduce=reduce, order_type=OrderType.MARKET, price=None))
    sent = fake.hits(PLACE)[0].json
    assert {k: sent[k] for k in ("side", "posSide", "reduceOnly") if k in sent} == expected
    found = client.get_order("BTCUSDT", order_id=ack.order_id)
    assert found is not None and (found.position_side, found.reduce) == (side, reduce)
    assert found.order_type is OrderType.MARKET and found.price is None


def test_position_mode_is_read_once_from_settings(fake):
    fake.hold_mode = "hedge_mode"
    client = make_client(fake)
    assert client.position_mode() is PositionMode.HEDGE
    assert client.position_mode() is PositionMode.HEDGE
    assert len(fake.hits(SETTINGS)) == 1 and fake.hits(SETTINGS)[0].query == ""


def test_set_position_mode_posts_the_account_wide_hold_mode(fake):
    client = make_client(fake)
    fake.h_set_hold_mode = lambda call: ok("success")
    assert client.set_position_mode(PositionMode.HEDGE) is PositionMode.HEDGE
    assert fake.hits("/api/v3/account/set-hold-mode")[0].json == {"holdMode": "hedge_mode"}
    assert client.position_mode() is PositionMode.HEDGE and not fake.hits(SETTINGS)


# ---------------------------------------------------------------- exactly-once orders


def test_dropped_reply_is_resolved_by_a_client_oid_lookup_before_any_resend(fake):
    client = make_client(fake)
    client.position_mode()
    fake.script(PLACE, Reply(drop=True, run_default=True))  # stored, but the reply is lost
    ack = client.place_order(order())
    assert len(fake.hits(PLACE)) == 1 and len(fake.orders) == 1
    assert ack.order_id == fake.orders["sig-7-a1"]["orderId"]
    lookup = fake.hits(INFO)[0]
    assert lookup.params == {"clientOid": "sig-7-a1"} and lookup.at > fake.hits(PLACE)[0].at


def test_read_timeout_then_found_means_one_post(fake):
    client = make_client(fake, read_timeout=0.3)
    client.position_mode()
    fake.script(PLACE, Reply(delay=0.8))
    ack = client.place_order(order())
    assert len(fake.hits(PLACE)) == 1 and ack.order_id == fake.orders["sig-7-a1"]["orderId"]


def test_ambiguous_send_not_found_is_resent_with_the_same_body(fake):
    client = make_client(fake, read_timeout=0.3)
    client.position_mode()
    fake.script(PLACE, Reply(200, "{}", delay=0.8))  # lost before it reached the book
    ack = client.place_order(order())
    posts = fake.hits(PLACE)
    assert len(posts) == 2 and posts[0].body == posts[1].body
    assert [c.path for c in fake.calls[-3:]] == [PLACE, INFO, PLACE]
    assert ack.order_id == fake.orders["sig-7-a1"]["orderId"] and len(fake.orders) == 1


def test_order_info_saying_no_data_also_counts_as_not_found(fake):
    client = make_client(fake)
    client.position_mode()
    fake.script(PLACE, Reply(502, "<html>Bad Gateway</html>"))
    fake.script(INFO, Reply(400, fail("40054", "data is empty")[1]))
    client.place_order(order())
    assert len(fake.hits(PLACE)) == 2 and len(fake.orders) == 1


def test_failed_lookup_after_ambiguity_raises_ambiguous_and_never_resends(fake):
    client = make_client(fake, retry_attempts=2)
    client.position_mode()
    fake.script(PLACE, Reply(502, "<html>Bad Gateway</html>", run_default=True))
    fake.script(INFO, *[Reply(503, "down")] * 4)
    with pytest.raises(errors.AmbiguousResultError, match="lookup failed"):
        client.place_order(order())
    assert len(fake.hits(PLACE)) == 1


def test_resends_are_bounded(fake):
    client = make_client(fake, max_order_sends=2)
    client.position_mode()
    fake.script(PLACE, *[Reply(502, "<html>x</html>")] * 3)
    with pytest.raises(errors.AmbiguousResultError, match="not found after 2"):
        client.place_order(order())
    assert len(fake.hits(PLACE)) == 2


def test_duplicate_client_oid_returns_the_existing_order(fake):
    client = make_client(fake)
    first = client.place_order(order())
    again = client.place_order(order())
    assert again == first and len(fake.orders) == 1 and len(fake.hits(PLACE)) == 2


def test_duplicate_refusal_with_an_undocumented_code_is_recognised_by_its_message(fake):
    client = make_client(fake)
    first = client.place_order(order())
    fake.script(PLACE, Reply(400, fail("25299", "The clientOid already exists")[1]))
    assert client.place_order(order()) == first


def test_rate_limited_place_order_is_retried_because_it_was_refused(fake):
    client = make_client(fake)
    client.position_mode()
    fake.script(PLACE, Reply(429, fail("1001", "Too Many Requests", 429)[1]))
    client.place_order(order())
    assert len(fake.hits(PLACE)) == 2 and len(fake.orders) == 1 and not fake.hits(INFO)


@pytest.mark.parametrize(
    ("code", "cls"),
    [("25202", errors.InsufficientBalanceError), ("400172", errors.InvalidOrderError),
     ("25607", errors.InvalidOrderError), ("25227", errors.NoPositionError)],
)
def test_business_refusals_are_typed_and_not_retried(fake, code, cls):
    client = make_client(fake)
    client.position_mode()
    fake.script(PLACE, Reply(400, fail(code, "no")[1]))
    with pytest.raises(cls):
        client.place_order(order())
    assert len(fake.hits(PLACE)) == 1 and not fake.hits(INFO)


# ---------------------------------------------------------------- orders: read and cancel


def test_get_order_needs_no_symbol_and_unknown_is_none(fake):
    client = make_client(fake)
    ack = client.place_order(order(position_side=PositionSide.SHORT))
    found = client.get_order("btcusdt", order_id=ack.order_id)
    assert fake.hits(INFO)[-1].params == {"orderId": ack.order_id}
    assert found is not None and found.client_oid == "sig-7-a1" and found.state is OrderState.LIVE
    assert (found.position_side, found.reduce, found.size) == (PositionSide.SHORT, False, Decimal("0.002"))
    assert client.get_order("BTCUSDT", client_oid="nope") is None
    fake.script(INFO, Reply(400, fail("40054", "data is empty")[1]))
    assert client.get_order("BTCUSDT", client_oid="nope") is None


def test_get_order_of_another_symbol_is_not_this_one(fake):
    client = make_client(fake)
    ack = client.place_order(order(symbol="ETHUSDT"))
    assert client.get_order("BTCUSDT", order_id=ack.order_id) is None
    assert client.get_order("ETHUSDT", order_id=ack.order_id) is not None


def test_cancelled_is_final_and_cancel_is_true_once_then_false(fake):
    client = make_client(fake)
    ack = client.place_order(order())
    assert client.cancel_order("BTCUSDT", order_id=ack.order_id) is True
    assert client.cancel_order("BTCUSDT", client_oid="sig-7-a1") is False  # 22001
    assert fake.hits(CANCEL)[0].json == {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "orderId": ack.order_id}
    assert client.get_order("BTCUSDT", client_oid="sig-7-a1").state is OrderState.CANCELED
    fake.script(CANCEL, Reply(400, fail("25204", "Order does not exist")[1]))
    assert client.cancel_order("BTCUSDT", order_id="123") is False


def test_cancel_read_timeout_is_retried_because_cancel_is_idempotent(fake):
    client = make_client(fake, read_timeout=0.3)
    client.place_order(order())
    fake.script(CANCEL, Reply(delay=0.8))
    assert client.cancel_order("BTCUSDT", client_oid="sig-7-a1") is False  # the first attempt did it
    assert len(fake.hits(CANCEL)) == 2 and fake.orders["sig-7-a1"]["orderStatus"] == "cancelled"


@pytest.mark.parametrize("empty", [None, []])
def test_open_orders_read_the_list_and_null_or_empty(fake, empty):
    fake.unfilled_empty = empty
    client = make_client(fake)
    assert client.open_orders("BTCUSDT") == []
    client.place_order(order("a"))
    client.place_order(order("b", position_side=PositionSide.SHORT))
    assert sorted(o.client_oid for o in client.open_orders("BTCUSDT")) == ["a", "b"]
    assert fake.hits(UNFILLED)[0].params == {"category": "USDT-FUTURES", "symbol": "BTCUSDT"}


def test_open_orders_follow_the_cursor(fake):
    client = make_client(fake)
    client.position_mode()
    row = {"orderId": "1", "clientOid": "a", "category": "USDT-FUTURES", "symbol": "BTCUSDT", "side": "buy",
           "orderType": "limit", "price": "1", "qty": "1", "cumExecQty": "0", "orderStatus": "live",
           "reduceOnly": "NO"}
    fake.script(UNFILLED, Reply(*ok({"list": [row], "cursor": "c1"})),
                Reply(*ok({"list": [{**row, "orderId": "2", "clientOid": "b"}], "cursor": None})))
    assert [o.order_id for o in client.open_orders("BTCUSDT")] == ["1", "2"]
    assert [c.params.get("cursor") for c in fake.hits(UNFILLED)] == [None, "c1"]


# ---------------------------------------------------------------- market data and account


def test_instruments_are_cached_perpetual_only_and_parsed(fake):
    client = make_client(fake)
    assert set(client.contracts()) == {"BTCUSDT", "ETHUSDT"}
    eth = client.contract("ethusdt")
    assert eth.price_tick == Decimal("0.01") and eth.size_step == Decimal("0.001")
    assert client.contract("OLDUSDT").tradable is False
    assert fake.hits(INSTRUMENTS)[0].params == {"category": "USDT-FUTURES"}
    with pytest.raises(errors.UnknownSymbolError):
        client.contract("BTCUSDT0627")
    assert len(fake.hits(INSTRUMENTS)) == 1


def test_quote_is_one_request_normally_and_falls_back_to_the_orderbook(fake):
    client = make_client(fake)
    q = client.quote("BTCUSDT")
    assert (q.bid, q.ask) == (Decimal("100.5"), Decimal("100.6")) and not fake.hits(ORDERBOOK)
    fake.script(TICKERS, Reply(*ok([{"symbol": "BTCUSDT", "bid1Price": "", "ask1Price": "100.6"}])))
    q = client.quote("BTCUSDT")
    assert (q.bid, q.ask) == (Decimal("100.4"), Decimal("100.7"))
    assert fake.hits(ORDERBOOK)[0].params == {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "limit": "1"}


def test_positions_read_null_list_and_pos_side(fake):
    client = make_client(fake)
    assert client.positions("BTCUSDT") == []
    fake.positions = [{"category": "USDT-FUTURES", "symbol": "BTCUSDT", "posSide": "long", "total": "0.5",
                       "available": "0.5", "avgPrice": "100", "leverage": "20"},
                      {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "posSide": "short", "total": "0"}]
    legs = client.positions("BTCUSDT")
    assert [(p.side, p.size, p.entry_price) for p in legs] == [(PositionSide.LONG, Decimal("0.5"), Decimal(100))]
    assert fake.hits(POSITION)[0].params == {"category": "USDT-FUTURES", "symbol": "BTCUSDT"}


def test_leverage_comes_from_settings_and_set_leverage_invalidates(fake):
    client = make_client(fake)
    assert client.leverage("BTCUSDT") == Decimal(20)
    assert client.leverage("BTCUSDT") == Decimal(20)
    assert len(fake.hits(SETTINGS)) == 1
    client.set_leverage("BTCUSDT", 25)
    assert fake.hits(SET_LEVERAGE)[0].json == {"category": "USDT-FUTURES", "symbol": "BTCUSDT",
                                               "leverage": "25", "marginMode": "crossed"}
    assert client.leverage("BTCUSDT") == Decimal(25) and len(fake.hits(SETTINGS)) == 2


def test_leverage_falls_back_to_the_position_then_to_the_default(fake, caplog):
    client = make_client(fake)
    fake.positions = [{"symbol": "ETHUSDT", "posSide": "short", "total": "1", "leverage": "8"}]
    assert client.leverage("ETHUSDT") == Decimal(8)
    fake.positions = None
    with caplog.at_level(logging.WARNING, logger="bitget"):
        assert client.leverage("SOLUSDT") == DEFAULT_LEVERAGE == Decimal(1)
    assert any("no leverage configured" in r.getMessage() for r in caplog.records)


def test_isolated_hedge_sets_each_leg(fake):
    fake.hold_mode = "hedge_mode"
    client = make_client(fake, margin_mode="isolated")
    client.set_leverage("BTCUSDT", 7)
    sent = [c.json for c in fake.hits(SET_LEVERAGE)]
    assert [s.get("posSide") for s in sent] == ["long", "short"]
    assert all(s["marginMode"] == "isolated" and s["leverage"] == "7" for s in sent)


# ---------------------------------------------------------------- secrets stay secret


def test_secrets_never_appear_in_repr_logs_or_errors(fake, caplog):
    client = make_client(fake)
    fake.script(ASSETS, Reply(400, fail("40012", f"passphrase {PASSPHRASE} is wrong for {API_KEY}")[1]))
    with caplog.at_level(logging.DEBUG):
        client.place_order(order())
        with pytest.raises(errors.AuthenticationError) as info:
            client.balance()
    texts = [repr(client), str(client), repr(client.transport), str(info.value), repr(info.value)]
    texts += [r.getMessage() for r in caplog.records]
    signatures = {c.headers["access-sign"] for c in fake.calls if "access-sign" in c.headers}
    assert any("POST /api/v3/trade/place-order -> HTTP 200 code 00000" in t for t in texts)
    for text in texts:
        for secret in (API_KEY, SECRET, PASSPHRASE, *signatures):
            assert secret not in text
