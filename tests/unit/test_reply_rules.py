"""How the clients read Bitget's replies: one test per rule, on the pure functions that hold it.

Imports sit inside the tests so that each rule stands or falls on its own.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from trading.models import Order, OrderRequest, OrderType, PositionMode, PositionSide

REQUEST = OrderRequest("BTCUSDT", PositionSide.LONG, False, OrderType.LIMIT, Decimal("0.01"), "sig-1-o1",
                       price=Decimal("65000.1"))
PLACED = Order("1001", "sig-1-o1", "BTCUSDT", PositionSide.LONG, False, OrderType.LIMIT, Decimal("65000.1"),
               Decimal("0.01"), Decimal(0), None, None)  # type: ignore[arg-type]


def _contract_row(**fields: str) -> dict[str, str]:
    return {"symbol": "BTCUSDT", "baseCoin": "BTC", "quoteCoin": "USDT", "pricePlace": "1", "priceEndStep": "1",
            "sizeMultiplier": "0.0001", "minTradeNum": "0.0001", "minTradeUSDT": "5", "maxLever": "125",
            "symbolStatus": "normal", **fields}


# -- prices on the tick -------------------------------------------------------------------------


@pytest.mark.parametrize(("side", "asked", "sent"), [("long", "60000.05", "60000.0"), ("short", "70000.01", "70000.1"),
                                                     ("long", "60000.1", "60000.1")])
def test_a_stop_is_rounded_to_the_tick_away_from_the_entry(side, asked, sent):
    from bitget.v2.parsing import parse_contract
    from trading.executor import _stop_on_tick

    contract = parse_contract(_contract_row())
    assert _stop_on_tick(contract, PositionSide(side), Decimal(asked)) == Decimal(sent)


# -- place-order replies ------------------------------------------------------------------------


def test_a_reply_without_order_id_is_resolved_by_client_oid_even_when_the_first_lookup_misses():
    from bitget.placement import place_exactly_once

    answers = iter([None, PLACED])
    ack = place_exactly_once(REQUEST, lambda: {"clientOid": "sig-1-o1"}, lambda: next(answers),
                             lookup_delay=0.0, sleep=lambda _s: None)
    assert ack.order_id == "1001"


@pytest.mark.parametrize("code", ["43118", "45034", "40786"])
def test_every_v2_duplicate_client_oid_code_takes_over_the_placed_order(code):
    from bitget.errors import BitgetAPIError
    from bitget.placement import place_exactly_once
    from bitget.v2.client import ClassicClient

    def send() -> None:
        raise BitgetAPIError("refused", code=code)

    ack = place_exactly_once(REQUEST, send, lambda: PLACED, duplicate_codes=ClassicClient._duplicate_codes,
                             sleep=lambda _s: None)
    assert ack.order_id == "1001"


def test_the_v3_duplicate_client_oid_code_takes_over_the_placed_order():
    from bitget.errors import BitgetAPIError
    from bitget.placement import place_exactly_once
    from bitget.v3.client import UtaClient

    def send() -> None:
        raise BitgetAPIError("refused", code="25212")

    ack = place_exactly_once(REQUEST, send, lambda: PLACED, duplicate_codes=UtaClient._duplicate_codes,
                             sleep=lambda _s: None)
    assert ack.order_id == "1001"


@pytest.mark.parametrize("code", ["40010", "40015"])
def test_request_timed_out_and_system_abnormal_are_not_final_refusals(code):
    from bitget.transport import classify

    err = classify(code, "Request timed out", 400)
    assert err.retryable  # a read is sent again; a write is ambiguous (looked up first)


# -- cancels and order states ---------------------------------------------------------------------


@pytest.mark.parametrize("code", ["40768", "43001", "40109", "43004", "43020", "43025", "45031", "45057", "22001",
                                  "25204"])
def test_codes_of_a_missing_or_final_order_read_as_order_not_found(code):
    from bitget.errors import OrderNotFoundError
    from bitget.transport import classify

    assert isinstance(classify(code, "no", 400), OrderNotFoundError)


@pytest.mark.parametrize("word", ["reject", "rejected", "REJECTED"])
def test_a_rejected_order_is_final(word):
    from bitget.common import parse_order_state

    assert parse_order_state(word).is_final


def test_an_unknown_order_state_is_not_final_and_is_not_read_as_live(caplog):
    from bitget.common import parse_order_state
    from trading.models import OrderState

    state = parse_order_state("auditing")
    assert not state.is_final and state is not OrderState.LIVE
    assert "auditing" in caplog.text


# -- contracts, modes, bodies -----------------------------------------------------------------------


@pytest.mark.parametrize("status", ["limit_open", "restrictedAPI"])
def test_a_restricted_contract_takes_closes_only(status):
    from bitget.v2.parsing import parse_contract
    from bitget.v3.parsing import parse_instrument

    v2 = parse_contract(_contract_row(symbolStatus=status))
    v3 = parse_instrument({"symbol": "BTCUSDT", "priceMultiplier": "0.1", "quantityMultiplier": "0.0001",
                           "status": status})
    for contract in (v2, v3):
        assert not contract.tradable and contract.closable and contract.status == status


@pytest.mark.parametrize(("client", "code"), [("v2", "40774"), ("v2", "45021"), ("v2", "43075"), ("v3", "25236"),
                                              ("v3", "25237")])
def test_a_position_mode_mismatch_makes_either_client_read_the_mode_again(client, code):
    from bitget.auth import Credentials
    from bitget.errors import InvalidOrderError
    from bitget.options import ClientOptions
    from bitget.v2.client import ClassicClient
    from bitget.v3.client import UtaClient

    cls = ClassicClient if client == "v2" else UtaClient
    exchange = cls(ClientOptions("http://127.0.0.1:9", Credentials("k", "s", "p")))
    exchange._position_mode = PositionMode.ONE_WAY
    assert exchange._refusal_fixed(REQUEST, InvalidOrderError("mode", code=code), PositionMode.ONE_WAY)
    assert exchange._position_mode is None


def test_v2_isolated_margin_in_hedge_mode_names_each_leg_when_setting_leverage():
    from bitget.auth import Credentials
    from bitget.options import ClientOptions
    from bitget.v2.client import ClassicClient

    exchange = ClassicClient(ClientOptions("http://127.0.0.1:9", Credentials("k", "s", "p"), margin_mode="isolated"))
    exchange._position_mode = PositionMode.HEDGE
    bodies = exchange._leverage_bodies("BTCUSDT", "5")
    assert [b.get("holdSide") for b in bodies] == ["long", "short"]
    assert all(b["leverage"] == "5" for b in bodies)


def test_a_v3_order_with_a_stop_sends_its_stop_order_type():
    from bitget.v3.endpoints import order_body

    body = order_body(OrderRequest("BTCUSDT", PositionSide.LONG, False, OrderType.LIMIT, Decimal("0.01"), "c1",
                                   price=Decimal("65000.1"), stop_loss=Decimal("60000")),
                      PositionMode.ONE_WAY, category="USDT-FUTURES", margin_mode="crossed")
    assert body["stopLoss"] == "60000" and body["slOrderType"] == "market"


@pytest.mark.parametrize(("row", "listed"), [({"type": "perpetual", "symbolType": "perpetual"}, True),
                                             ({"type": "", "symbolType": "delivery"}, False),
                                             ({"symbolType": "delivery"}, False),
                                             ({"type": "delivery"}, False),
                                             ({"type": "perpetual", "symbolType": "crypto"}, True)])
def test_v3_instruments_are_filtered_by_symbol_type_as_well_as_type(row, listed):
    from bitget.v3.parsing import is_perpetual

    assert is_perpetual({"symbol": "BTCUSDT", **row}) is listed
