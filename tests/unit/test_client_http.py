"""ClassicClient over real HTTP against a small scripted fake of Bitget's v2 API.

The fake (``tests.support.fake_bitget``, not the project's simulator) checks every private request's
signature with its own HMAC code, keeps just enough state (orders by clientOid, position mode,
leverage) and can be scripted per path to answer late, drop the connection, or reply with any
status and body.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from bitget import errors
from bitget.auth import Credentials
from bitget.options import ClientOptions
from bitget.v2.client import ClassicClient
from tests.support.fake_bitget import FAST, Call, Reply, ScriptedBitget, fail, ok, order, serve
from trading.models import OrderState, PositionMode, PositionSide

API_KEY = "bg_test_key_5f1e"
SECRET = "test-secret-9b2c4e7a"
PASSPHRASE = "pass-phrase-31d"

TIME = "/api/v2/public/time"
CONTRACTS = "/api/v2/mix/market/contracts"
TICKER = "/api/v2/mix/market/ticker"
DEPTH = "/api/v2/mix/market/merge-depth"
ACCOUNT = "/api/v2/mix/account/account"
ACCOUNTS = "/api/v2/mix/account/accounts"
SET_LEVERAGE = "/api/v2/mix/account/set-leverage"
POSITION = "/api/v2/mix/position/single-position"
PLACE = "/api/v2/mix/order/place-order"
CANCEL = "/api/v2/mix/order/cancel-order"
DETAIL = "/api/v2/mix/order/detail"
PENDING = "/api/v2/mix/order/orders-pending"


# ---------------------------------------------------------------- the fake


@dataclass
class FakeBitget(ScriptedBitget):
    credentials: ClassVar[tuple[str, str, str]] = (API_KEY, SECRET, PASSPHRASE)
    public_prefixes: ClassVar[tuple[str, ...]] = ("/api/v2/public/", "/api/v2/mix/market/")

    pos_mode: str = "one_way_mode"
    leverage: str = "10"
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    positions: list[dict[str, Any]] = field(default_factory=list)
    pending_null: bool = False

    # --- handlers, named after the last path segment
    def h_contracts(self, call: Call) -> tuple[int, Any]:
        base = {"baseCoin": "BTC", "quoteCoin": "USDT", "takerFeeRate": "0.0006", "minTradeNum": "0.001",
                "priceEndStep": "1", "pricePlace": "1", "volumePlace": "3", "sizeMultiplier": "0.001",
                "minTradeUSDT": "5", "maxLever": "125", "symbolStatus": "normal"}
        return ok([{**base, "symbol": "BTCUSDT"},
                   {**base, "symbol": "ETHUSDT", "baseCoin": "ETH", "maxLever": "", "pricePlace": "2"},
                   {**base, "symbol": "OLDUSDT", "symbolStatus": "off"}])

    def h_ticker(self, call: Call) -> tuple[int, Any]:
        return ok([{"symbol": call.params["symbol"], "bidPr": "100.5", "askPr": "100.6", "lastPr": "100.5"}])

    def h_merge_depth(self, call: Call) -> tuple[int, Any]:
        return ok({"asks": [[100.7, 1.5]], "bids": [[100.4, 2]], "ts": "1"})

    def h_account(self, call: Call) -> tuple[int, Any]:
        return ok({"marginCoin": "USDT", "available": "10", "posMode": self.pos_mode,
                   "crossedMarginLeverage": int(self.leverage), "isolatedLongLever": "5",
                   "isolatedShortLever": "6", "marginMode": "crossed"})

    def h_accounts(self, call: Call) -> tuple[int, Any]:
        return ok([{"marginCoin": "USDT", "available": "-5", "crossedMaxAvailable": "900.5",
                    "isolatedMaxAvailable": "800", "accountEquity": "1000.25"}])

    def h_set_leverage(self, call: Call) -> tuple[int, Any]:
        self.leverage = call.json["leverage"]
        return ok({"symbol": call.json["symbol"], "crossMarginLeverage": self.leverage})

    def h_single_position(self, call: Call) -> tuple[int, Any]:
        return ok(self.positions)

    def h_place_order(self, call: Call) -> tuple[int, Any]:
        body = call.json
        if ("tradeSide" in body) != (self.pos_mode == "hedge_mode"):
            return fail("40774", "The order type for unilateral position must also be the unilateral position type.")
        with self.lock:
            if body["clientOid"] in self.orders:
                return fail("43118", "clientOrderId duplicate")
            order_id = str(next(self.ids))
            self.orders[body["clientOid"]] = {
                "symbol": body["symbol"], "size": body["size"], "orderId": order_id, "clientOid": body["clientOid"],
                "baseVolume": "0", "priceAvg": "", "price": body.get("price", ""), "state": "live",
                "side": body["side"], "tradeSide": body.get("tradeSide", ""),
                "reduceOnly": body.get("reduceOnly", "NO"), "posMode": self.pos_mode,
                "orderType": body["orderType"], "presetStopLossPrice": body.get("presetStopLossPrice", ""),
            }
        return ok({"orderId": order_id, "clientOid": body["clientOid"]})

    def _find(self, order_id: str | None, client_oid: str | None) -> dict[str, Any] | None:
        if client_oid:
            return self.orders.get(client_oid)
        return next((o for o in self.orders.values() if o["orderId"] == order_id), None)

    def h_detail(self, call: Call) -> tuple[int, Any]:
        order = self._find(call.params.get("orderId"), call.params.get("clientOid"))
        return ok(order) if order else fail("40109", "The data of the order cannot be found")

    def h_cancel_order(self, call: Call) -> tuple[int, Any]:
        order = self._find(call.json.get("orderId"), call.json.get("clientOid"))
        if not order or order["state"] not in ("live", "partially_filled"):
            return fail("40768", "Order does not exist")
        order["state"] = "canceled"
        return ok({"orderId": order["orderId"], "clientOid": order["clientOid"]})

    def h_orders_pending(self, call: Call) -> tuple[int, Any]:
        live = [{**o, "status": o["state"]} for o in self.orders.values() if o["state"] == "live"]
        return ok({"entrustedList": None if self.pending_null else live, "endId": None})


@pytest.fixture
def fake() -> Iterator[FakeBitget]:
    with serve(FakeBitget()) as app:
        yield app


def make_client(fake: FakeBitget, **overrides: Any) -> ClassicClient:
    return ClassicClient(ClientOptions(fake.url, Credentials(API_KEY, SECRET, PASSPHRASE), **{**FAST, **overrides}))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- signing on the wire


def test_private_get_is_signed_over_the_query_it_sends(fake):
    client = make_client(fake)
    assert client.balance().available == Decimal("900.5")
    call = fake.hits(ACCOUNTS)[0]
    assert call.query == "productType=USDT-FUTURES"
    assert call.headers["access-key"] == API_KEY and call.headers["locale"] == "en-US"
    assert call.headers["content-type"] == "application/json" and "paptrading" not in call.headers
    assert not fake.bad_signatures


def test_query_is_sorted_and_odd_client_oids_still_verify(fake):
    client = make_client(fake)
    client.position_mode()
    assert client.get_order("btcusdt", client_oid="tv:1/a b&c") is None
    call = fake.hits(DETAIL)[0]
    assert call.query == "clientOid=tv:1/a%20b%26c&productType=USDT-FUTURES&symbol=BTCUSDT"
    assert call.params["clientOid"] == "tv:1/a b&c"
    assert not fake.bad_signatures


def test_post_sends_the_exact_compact_body_it_signed(fake):
    client = make_client(fake)
    ack = client.place_order(order(stop_loss=Decimal("95.0")))
    call = fake.hits(PLACE)[0]
    assert call.body == (
        '{"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginMode":"crossed","marginCoin":"USDT",'
        '"size":"0.002","price":"100.6","side":"buy","orderType":"limit","force":"gtc",'
        '"clientOid":"sig-7-a1","presetStopLossPrice":"95"}'
    )
    assert ack.client_oid == "sig-7-a1" and ack.order_id == fake.orders["sig-7-a1"]["orderId"]
    assert not fake.bad_signatures


def test_demo_mode_sends_paptrading_on_every_request_but_the_public_server_time(fake):
    client = make_client(fake, demo=True)
    client.quote("BTCUSDT")
    client.balance()
    timed = [c for c in fake.calls if c.path == "/api/v2/public/time"]
    others = [c for c in fake.calls if c.path != "/api/v2/public/time"]
    assert timed and all("paptrading" not in c.headers for c in timed)
    assert others and all(c.headers.get("paptrading") == "1" for c in others)


# ---------------------------------------------------------------- clock


def test_first_private_call_syncs_the_clock_once(fake):
    fake.offset_ms, fake.strict_time = 120_000, True
    client = make_client(fake)
    client.balance()
    client.balance()
    assert [c.path for c in fake.calls] == [TIME, ACCOUNTS, ACCOUNTS]
    assert abs(client.transport.time_offset_ms - 120_000) < 2_000
    assert abs(client.server_time() - fake.now_ms()) < 2_000


def test_expired_timestamp_resyncs_and_retries_once(fake):
    client = make_client(fake)
    client.balance()  # synced at offset 0
    fake.offset_ms, fake.strict_time = -90_000, True  # the exchange's clock moves
    assert client.balance().equity == Decimal("1000.25")
    assert len(fake.hits(TIME)) == 2 and len(fake.hits(ACCOUNTS)) == 3


def test_timestamp_refused_again_after_resync_is_an_auth_error(fake):
    client = make_client(fake)
    fake.script(ACCOUNTS, Reply(400, fail("40008")[1]), Reply(400, fail("40008")[1]), Reply(400, fail("40008")[1]))
    with pytest.raises(errors.AuthenticationError) as info:
        client.balance()
    assert info.value.code == "40008"
    assert len(fake.hits(ACCOUNTS)) == 2 and len(fake.hits(TIME)) == 2


# ---------------------------------------------------------------- envelope and errors


def test_success_code_wins_and_request_time_may_be_a_string(fake):
    client = make_client(fake)
    fake.script(TICKER, Reply(200, {"code": "00000", "msg": "", "requestTime": "1627293504612",
                                    "data": [{"bidPr": "1", "askPr": "2"}]}))
    assert client.quote("BTCUSDT").ask == Decimal(2)


def test_business_error_is_typed_and_not_retried(fake):
    client = make_client(fake)
    client.position_mode()
    fake.script(PLACE, Reply(400, fail("40762", "The order amount exceeds the balance")[1]))
    with pytest.raises(errors.InsufficientBalanceError) as info:
        client.place_order(order())
    assert (info.value.code, info.value.http_status) == ("40762", 400)
    assert len(fake.hits(PLACE)) == 1


def test_wrong_secret_says_the_signature_was_refused(fake):
    client = ClassicClient(ClientOptions(fake.url, Credentials(API_KEY, "not-the-secret", PASSPHRASE),
                                         retry_wait_initial=0.01))
    with pytest.raises(errors.AuthenticationError, match="signature was refused: check the secret key"):
        client.balance()
    assert len(fake.hits(ACCOUNTS)) == 1


def test_non_json_5xx_on_a_get_is_retried(fake):
    client = make_client(fake)
    fake.script(CONTRACTS, Reply(502, "<html>Bad Gateway</html>"), Reply(503, ""))
    assert "BTCUSDT" in client.contracts()
    assert len(fake.hits(CONTRACTS)) == 3


def test_persistent_5xx_gives_up_after_the_attempt_budget(fake):
    client = make_client(fake, retry_attempts=3)
    fake.script(CONTRACTS, *[Reply(503, "<html>down</html>")] * 5)
    with pytest.raises(errors.ExchangeUnavailableError) as info:
        client.contracts()
    assert info.value.http_status == 503 and len(fake.hits(CONTRACTS)) == 3


def test_unknown_4xx_without_json_is_a_plain_api_error(fake):
    client = make_client(fake)
    fake.script(CONTRACTS, Reply(403, "<html>forbidden by WAF</html>"))
    with pytest.raises(errors.BitgetAPIError) as info:
        client.contracts()
    assert type(info.value) is errors.BitgetAPIError and info.value.http_status == 403


def test_429_backs_off_then_succeeds_and_logs_the_retries(fake, caplog):
    client = make_client(fake, retry_wait_initial=0.05, retry_wait_max=0.2)
    fake.script(TICKER, Reply(429, fail("429", "Too Many Requests", 429)[1]), Reply(429, "Too Many Requests"))
    with caplog.at_level(logging.WARNING, logger="bitget"):
        assert client.quote("BTCUSDT").bid == Decimal("100.5")
    hits = fake.hits(TICKER)
    assert len(hits) == 3
    assert hits[1].at - hits[0].at >= 0.05 and hits[2].at - hits[1].at >= 0.1  # exponential
    retries = [r for r in caplog.records if "retry" in r.getMessage()]
    assert len(retries) == 2 and all(r.levelno == logging.WARNING for r in retries)
    assert "Too Many Requests" in retries[0].getMessage()


def test_retry_deadline_bounds_the_total_time(fake):
    client = make_client(fake, retry_attempts=50, retry_deadline=0.4, retry_wait_initial=0.05, retry_wait_max=0.1)
    fake.script(TICKER, *[Reply(429, fail("429", "slow down", 429)[1])] * 50)
    started = time.monotonic()
    with pytest.raises(errors.RateLimitError):
        client.quote("BTCUSDT")
    assert time.monotonic() - started < 1.0
    assert 2 <= len(fake.hits(TICKER)) < 10


def test_read_timeout_on_a_get_is_retried(fake):
    client = make_client(fake, read_timeout=0.3)
    fake.script(POSITION, Reply(delay=0.8))
    fake.positions = [{"symbol": "BTCUSDT", "holdSide": "long", "total": "0.5", "available": "0.5",
                       "openPriceAvg": "100", "leverage": "10"}]
    legs = client.positions("BTCUSDT")
    assert [(p.side, p.size) for p in legs] == [(PositionSide.LONG, Decimal("0.5"))]
    assert len(fake.hits(POSITION)) == 2


def test_connection_refused_is_a_network_error_after_retries():
    client = ClassicClient(ClientOptions(f"http://127.0.0.1:{closed_port()}", Credentials(API_KEY, SECRET, PASSPHRASE),
                                         retry_attempts=3, retry_wait_initial=0.01, retry_wait_max=0.02))
    with pytest.raises(errors.NetworkError):
        client.contracts()
    # a POST that never connected is not ambiguous: nothing left this process
    with pytest.raises(errors.NetworkError):
        client.transport.post(PLACE, {"clientOid": "x"})


# ---------------------------------------------------------------- exactly-once orders


def test_read_timeout_on_place_order_then_lookup_finds_it_means_one_post(fake):
    client = make_client(fake, read_timeout=0.3)
    client.position_mode()
    fake.script(PLACE, Reply(delay=0.8))  # stored, but the reply comes too late
    ack = client.place_order(order())
    assert len(fake.hits(PLACE)) == 1
    assert ack.order_id == fake.orders["sig-7-a1"]["orderId"]
    assert fake.hits(DETAIL)[0].params["clientOid"] == "sig-7-a1"


def test_ambiguous_send_not_found_is_resent_with_the_same_client_oid(fake):
    client = make_client(fake, read_timeout=0.3)
    client.position_mode()
    fake.script(PLACE, Reply(200, "{}", delay=0.8))  # lost before it reached the book
    ack = client.place_order(order())
    posts = fake.hits(PLACE)
    assert len(posts) == 2 and posts[0].body == posts[1].body
    assert ack.order_id == fake.orders["sig-7-a1"]["orderId"] and len(fake.orders) == 1


def test_connection_dropped_after_sending_is_resolved_by_lookup(fake):
    client = make_client(fake)
    client.position_mode()
    fake.script(PLACE, Reply(drop=True, run_default=True))
    ack = client.place_order(order())
    assert len(fake.hits(PLACE)) == 1 and ack.order_id == fake.orders["sig-7-a1"]["orderId"]


def test_non_json_502_on_place_order_is_ambiguous_not_resent_blindly(fake):
    client = make_client(fake)
    client.position_mode()
    fake.script(PLACE, Reply(502, "<html>Bad Gateway</html>", run_default=True))
    ack = client.place_order(order())
    assert len(fake.hits(PLACE)) == 1 and ack.order_id == fake.orders["sig-7-a1"]["orderId"]


def test_failed_lookup_after_ambiguity_raises_ambiguous(fake):
    client = make_client(fake, read_timeout=0.3, retry_attempts=2)
    client.position_mode()
    fake.script(PLACE, Reply(200, "{}", delay=0.8))
    fake.script(DETAIL, *[Reply(503, "down")] * 4)
    with pytest.raises(errors.AmbiguousResultError):
        client.place_order(order())
    assert len(fake.hits(PLACE)) == 1


def test_resends_are_bounded(fake):
    client = make_client(fake, read_timeout=0.3, max_order_sends=2)
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


def test_rate_limited_place_order_is_retried_because_it_was_refused(fake):
    client = make_client(fake)
    client.position_mode()
    fake.script(PLACE, Reply(429, fail("429", "Too Many Requests", 429)[1]))
    client.place_order(order())
    assert len(fake.hits(PLACE)) == 2 and len(fake.orders) == 1 and not fake.hits(DETAIL)


def test_position_mode_mismatch_rereads_the_mode_and_rebuilds_once(fake):
    fake.pos_mode = "hedge_mode"
    client = make_client(fake)
    assert client.position_mode() is PositionMode.HEDGE
    fake.pos_mode = "one_way_mode"  # switched on the website meanwhile
    client.place_order(order(position_side=PositionSide.SHORT, reduce=True))
    first, second = fake.hits(PLACE)
    assert first.json["side"] == "sell" and first.json["tradeSide"] == "close"
    assert second.json["side"] == "buy" and second.json["reduceOnly"] == "YES" and "tradeSide" not in second.json
    assert client.position_mode() is PositionMode.ONE_WAY


def test_position_mode_mismatch_twice_is_an_invalid_order(fake):
    client = make_client(fake)
    client.position_mode()
    fake.script(PLACE, *[Reply(400, fail("40774", "mode mismatch")[1])] * 2)
    with pytest.raises(errors.InvalidOrderError):
        client.place_order(order())
    assert len(fake.hits(PLACE)) == 2


# ---------------------------------------------------------------- orders: read and cancel


def test_get_order_parses_and_unknown_is_none(fake):
    client = make_client(fake)
    ack = client.place_order(order(position_side=PositionSide.SHORT))
    found = client.get_order("BTCUSDT", order_id=ack.order_id)
    assert found is not None and found.client_oid == "sig-7-a1"
    assert (found.position_side, found.reduce, found.state) == (PositionSide.SHORT, False, OrderState.LIVE)
    assert found.price == Decimal("100.6") and found.size == Decimal("0.002")
    assert client.get_order("BTCUSDT", client_oid="nope") is None


def test_cancel_is_true_once_then_false(fake):
    client = make_client(fake)
    ack = client.place_order(order())
    assert client.cancel_order("BTCUSDT", order_id=ack.order_id) is True
    assert client.cancel_order("BTCUSDT", client_oid="sig-7-a1") is False
    assert fake.hits(CANCEL)[0].json == {"symbol": "BTCUSDT", "productType": "USDT-FUTURES",
                                         "marginCoin": "USDT", "orderId": ack.order_id}


def test_cancel_read_timeout_is_retried_because_cancel_is_idempotent(fake):
    client = make_client(fake, read_timeout=0.3)
    client.place_order(order())
    fake.script(CANCEL, Reply(delay=0.8))
    assert client.cancel_order("BTCUSDT", client_oid="sig-7-a1") is False  # first attempt did it
    assert len(fake.hits(CANCEL)) == 2 and fake.orders["sig-7-a1"]["state"] == "canceled"


def test_open_orders_reads_entrusted_list_and_null(fake):
    client = make_client(fake)
    client.place_order(order("a"))
    client.place_order(order("b", position_side=PositionSide.SHORT))
    assert sorted(o.client_oid for o in client.open_orders("BTCUSDT")) == ["a", "b"]
    fake.pending_null = True
    assert client.open_orders("BTCUSDT") == []


# ---------------------------------------------------------------- market data and account


def test_contracts_are_cached_and_parsed(fake):
    client = make_client(fake)
    assert set(client.contracts()) == {"BTCUSDT", "ETHUSDT"}
    eth = client.contract("ethusdt")
    assert eth.price_tick == Decimal("0.01") and eth.max_leverage is None
    assert client.contract("OLDUSDT").tradable is False
    assert len(fake.hits(CONTRACTS)) == 1
    with pytest.raises(errors.UnknownSymbolError):
        client.contract("NOPEUSDT")


def test_quote_is_one_request_normally_and_falls_back_to_depth(fake):
    client = make_client(fake)
    q = client.quote("BTCUSDT")
    assert (q.bid, q.ask) == (Decimal("100.5"), Decimal("100.6")) and not fake.hits(DEPTH)
    fake.script(TICKER, Reply(200, ok([{"bidPr": "", "askPr": "100.6"}])[1]))
    q = client.quote("BTCUSDT")
    assert (q.bid, q.ask) == (Decimal("100.4"), Decimal("100.7"))
    assert fake.hits(DEPTH)[0].params == {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "limit": "1"}


def test_leverage_is_cached_and_set_leverage_invalidates(fake):
    client = make_client(fake)
    assert client.leverage("BTCUSDT") == Decimal(10)
    assert client.leverage("BTCUSDT") == Decimal(10)
    assert len(fake.hits(ACCOUNT)) == 1
    client.set_leverage("BTCUSDT", 25)
    assert fake.hits(SET_LEVERAGE)[0].json["leverage"] == "25"
    assert client.leverage("BTCUSDT") == Decimal(25) and len(fake.hits(ACCOUNT)) == 2


def test_isolated_margin_reads_isolated_fields(fake):
    client = make_client(fake, margin_mode="isolated")
    assert client.leverage("BTCUSDT") == Decimal(5)
    assert client.balance().available == Decimal(800)


def test_position_mode_is_read_once(fake):
    client = make_client(fake)
    assert client.position_mode() is PositionMode.ONE_WAY
    assert client.position_mode() is PositionMode.ONE_WAY
    assert len(fake.hits(ACCOUNT)) == 1
    assert fake.hits(ACCOUNT)[0].params == {"symbol": "BTCUSDT", "productType": "USDT-FUTURES",
                                            "marginCoin": "USDT"}


# ---------------------------------------------------------------- secrets stay secret


def test_secrets_never_appear_in_repr_logs_or_errors(fake, caplog):
    client = make_client(fake)
    assert repr(client) == f"ClassicClient(base_url='{fake.url}', product_type='USDT-FUTURES')"
    fake.script(ACCOUNTS, Reply(400, fail("40012", f"passphrase {PASSPHRASE} is wrong for {API_KEY}")[1]))
    with caplog.at_level(logging.DEBUG):
        client.place_order(order())
        with pytest.raises(errors.AuthenticationError) as info:
            client.balance()
    texts = [repr(client), str(client), repr(client.transport), str(info.value), repr(info.value)]
    texts += [r.getMessage() for r in caplog.records]
    signatures = {c.headers["access-sign"] for c in fake.calls if "access-sign" in c.headers}
    assert any("POST /api/v2/mix/order/place-order -> HTTP 200 code 00000" in t for t in texts)
    for text in texts:
        for secret in (API_KEY, SECRET, PASSPHRASE, *signatures):
            assert secret not in text
    assert "check the passphrase" in str(info.value)
