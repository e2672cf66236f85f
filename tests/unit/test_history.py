"""trading.history on a journal written by hand: PnL worked out where the exchange does not report it."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from trading import history
from trading.journal import Journal, OrderRowState, OrderStep
from trading.models import OrderRequest, OrderType, PositionSide
from trading.signals import parse_signal


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


@pytest.fixture
def journal(journal_target) -> Iterator[Journal]:
    """The same history on each backend: the queries are portable."""
    journal = Journal(journal_target, clock=Clock())
    yield journal
    journal.close()


def fill(journal: Journal, step: OrderStep, side: PositionSide, reduce: bool, size: str, price: str,
         fee: str, pnl: str | None = None) -> str:
    payload = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT"}
    record = journal.admit(parse_signal(payload), payload, source="test", dedup_window=0).record
    oid = f"{record.id}-{step.value}1"
    journal.record_order(record.id, step, OrderRequest("BTCUSDT", side, reduce, OrderType.LIMIT, Decimal(size), oid))
    journal.update_order(oid, state=OrderRowState.FILLED, filled=Decimal(size), avg_price=Decimal(price),
                         fee=Decimal(fee), realized_pnl=None if pnl is None else Decimal(pnl))
    return record.id


def test_a_close_the_exchange_did_not_price_gets_close_minus_average_entry(journal: Journal) -> None:
    fill(journal, OrderStep.OPEN, PositionSide.LONG, False, "1", "100", "0.06")
    fill(journal, OrderStep.OPEN, PositionSide.LONG, False, "1", "110", "0.066")  # average entry 105
    fill(journal, OrderStep.CLOSE, PositionSide.LONG, True, "0.5", "120", "0.036")  # +7.5
    fill(journal, OrderStep.CLOSE, PositionSide.LONG, True, "1.5", "100", "0.09")  # -7.5
    fill(journal, OrderStep.OPEN, PositionSide.SHORT, False, "2", "50", "0.06")
    fill(journal, OrderStep.CLOSE, PositionSide.SHORT, True, "2", "40", "0.048", pnl="19.5")  # as reported
    closes = [f.realized_pnl for f in history.fills(journal) if f.reduce]
    assert closes == [Decimal("7.5"), Decimal("-7.5"), Decimal("19.5")]
    overall = history.stats(journal, history.Period())["overall"]
    assert (overall["trades"], overall["wins"], overall["losses"], overall["win_rate"]) == (3, 2, 1, "0.6667")
    assert Decimal(overall["realized_pnl"]) == Decimal("19.5")
    assert Decimal(overall["fees"]) == Decimal("0.36")


def test_a_close_of_more_than_the_journal_saw_opened_has_no_pnl(journal: Journal) -> None:
    fill(journal, OrderStep.OPEN, PositionSide.LONG, False, "1", "100", "0.06")
    fill(journal, OrderStep.CLOSE, PositionSide.LONG, True, "3", "120", "0.2")  # 2 were opened elsewhere
    [close] = [f for f in history.fills(journal) if f.reduce]
    assert close.realized_pnl is None
    assert history.stats(journal, history.Period())["overall"]["trades"] == 0


def test_the_signal_list_pages_newest_first_and_finds_text_in_any_case(journal: Journal) -> None:
    ids = [fill(journal, OrderStep.OPEN, PositionSide.LONG, False, "1", "100", "0.06") for _ in range(3)]
    refused = journal.record_refusal(source="x", status=401, code="invalid-token", reason="Bad_Token", body="", keep=9)
    first = history.list_signals(journal, history.parse_signal_query({"limit": "2"}))
    assert [row["signal_id"] for row in first["signals"]] == [refused, ids[2]]
    rest = history.list_signals(journal, history.parse_signal_query({"limit": "2", "cursor": first["next_cursor"]}))
    assert [row["signal_id"] for row in rest["signals"]] == [ids[1], ids[0]] and rest["next_cursor"] is None
    assert rest["signals"][0]["filled_size"] == "1" and rest["signals"][0]["orders"] == 1
    found = history.list_signals(journal, history.parse_signal_query({"q": "bad_TOKEN"}))["signals"]
    assert [row["signal_id"] for row in found] == [refused]
    assert history.list_signals(journal, history.parse_signal_query({"q": "bad%"}))["signals"] == []
    assert history.traded_symbols(journal) == ["BTCUSDT"]


@pytest.mark.parametrize(
    "args",
    [{"limit": "501"}, {"limit": "x"}, {"status": "done,nope"}, {"since": "abc"}, {"since": "5", "until": "4"},
     {"cursor": "%%%"}, {"symbol": "BTC/USDT"}, {"q": "x" * 201}],
)
def test_bad_query_parameters_are_named(args: dict[str, str]) -> None:
    with pytest.raises(history.QueryError, match=next(iter(args)) if "until" not in args else "since"):
        history.parse_signal_query(args)
