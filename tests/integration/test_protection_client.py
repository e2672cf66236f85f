"""The real clients against the simulator: preset take-profit, moving the position's stop/target, and
the trailing stop, on both account systems and both position modes (the ``sim`` fixture's params)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bitget.auth import Credentials
from bitget.errors import BitgetAPIError, InvalidOrderError
from bitget.options import ClientOptions
from bitget.v2.client import ClassicClient
from bitget.v3.client import UtaClient
from tests.support.service import SIM_KEYS
from trading.models import OrderRequest, OrderType, PositionSide

LONG, SHORT = PositionSide.LONG, PositionSide.SHORT


@pytest.fixture
def client(sim, account_system):
    options = ClientOptions(sim.base_url, Credentials(SIM_KEYS["BITGET_API_KEY"], SIM_KEYS["BITGET_SECRET_KEY"],
                                                      SIM_KEYS["BITGET_PASSPHRASE"]),
                            retry_wait_initial=0.01, retry_wait_max=0.01)
    made = ClassicClient(options) if account_system == "classic" else UtaClient(options)
    yield made
    made.close()


def book_at(sim, bid: str) -> None:
    """A one-level book with the best bid at ``bid`` (mark = bid) and the ask one tick above."""
    sim.book("BTCUSDT", bids=[[bid, "50"]], asks=[[str(Decimal(bid) + Decimal("0.1")), "50"]])


def open_position(client, side=LONG, *, stop_loss=None, take_profit=None, oid="open-1"):
    client.place_order(OrderRequest("BTCUSDT", side, False, OrderType.MARKET, Decimal("0.01"), oid,
                                    stop_loss=stop_loss, take_profit=take_profit))


def leg(sim):
    legs = [p for p in sim.state()["positions"] if p["symbol"] == "BTCUSDT"]
    assert len(legs) <= 1
    return legs[0] if legs else None


def stops_listed(client, account_system) -> list[str]:
    """The stop-loss trigger prices the exchange lists for BTCUSDT, over the client's own transport."""
    if account_system == "classic":
        data = client.transport.get("/api/v2/mix/order/orders-plan-pending",
                                    {"productType": "USDT-FUTURES", "symbol": "BTCUSDT", "planType": "profit_loss"})
        return [r["triggerPrice"] for r in data["entrustedList"] or [] if r["planType"] == "pos_loss"]
    data = client.transport.get("/api/v3/trade/unfilled-strategy-orders", {"category": "USDT-FUTURES"})
    return [r["stopLoss"] for r in data or [] if r["stopLoss"]]


def test_preset_take_profit_on_the_opening_order_becomes_the_positions_target_and_fires(sim, client):
    open_position(client, stop_loss=Decimal("64000"), take_profit=Decimal("66000"))
    held = leg(sim)
    assert (held["take_profit"], held["stop_loss"]) == ("66000", "64000")
    book_at(sim, "65999.9")
    assert leg(sim) is not None  # not yet
    book_at(sim, "66000.0")
    assert leg(sim) is None
    fired = [o for o in sim.orders() if o["triggeredBy"]]
    assert [o["triggeredBy"] for o in fired] == ["pos_profit"] and fired[0]["state"] == "filled"


def test_set_protection_moves_the_stop_and_one_stop_remains(sim, client, account_system):
    open_position(client, SHORT, stop_loss=Decimal("66000"))
    assert stops_listed(client, account_system) == ["66000"]
    client.set_protection("BTCUSDT", SHORT, stop_loss=Decimal("65500"), take_profit=None)
    assert stops_listed(client, account_system) == ["65500"]
    client.set_protection("BTCUSDT", SHORT, stop_loss=Decimal("65400"), take_profit=Decimal("64000"))
    assert stops_listed(client, account_system) == ["65400"]
    held = leg(sim)
    assert (held["stop_loss"], held["take_profit"]) == ("65400", "64000")
    book_at(sim, "65400.0")  # the moved stop, not the first one, closes the short
    assert leg(sim) is None
    assert [o["triggeredBy"] for o in sim.orders() if o["triggeredBy"]] == ["pos_loss"]


def test_set_protection_on_a_position_without_any_places_both(sim, client, account_system):
    open_position(client)
    assert stops_listed(client, account_system) == []
    client.set_protection("BTCUSDT", LONG, stop_loss=Decimal("64000"), take_profit=Decimal("65500"))
    assert stops_listed(client, account_system) == ["64000"]
    client.set_protection("BTCUSDT", LONG, stop_loss=None, take_profit=Decimal("65600"))
    held = leg(sim)
    assert (held["stop_loss"], held["take_profit"]) == ("64000", "65600")


def test_a_stop_on_the_wrong_side_is_refused_and_changes_nothing(sim, client):
    open_position(client, stop_loss=Decimal("64000"))
    with pytest.raises(BitgetAPIError) as caught:
        client.set_protection("BTCUSDT", LONG, stop_loss=Decimal("65500"), take_profit=None)
    assert not caught.value.retryable and caught.value.code in ("40917", "25590")
    assert leg(sim)["stop_loss"] == "64000"


def test_trailing_stop_follows_the_best_price_and_closes_after_the_callback(sim, client, account_system):
    open_position(client)
    if account_system == "uta":
        with pytest.raises(InvalidOrderError) as caught:
            client.place_trailing_stop("BTCUSDT", LONG, Decimal("0.01"), Decimal("1"), "trail-1")
        assert not caught.value.retryable and "trailing" in str(caught.value)
        assert sim.state()["trailing_stops"] == []
        return
    ack = client.place_trailing_stop("BTCUSDT", LONG, Decimal("0.01"), Decimal("1"), "trail-1")
    assert ack.client_oid == "trail-1" and ack.order_id
    book_at(sim, "66000.0")  # new best
    book_at(sim, "65400.0")  # 0.9 % back: still held
    assert leg(sim) is not None
    book_at(sim, "65340.0")  # 1 % back from 66000
    assert leg(sim) is None
    plan = sim.state()["trailing_stops"][0]
    assert plan["state"] == "executed" and plan["best"] == "66000"
    fired = [o for o in sim.orders() if o["triggeredBy"] == "track_plan"]
    assert fired and fired[0]["orderId"] == plan["executedOrderId"] and fired[0]["state"] == "filled"
