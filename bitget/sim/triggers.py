"""The position's stop-loss and take-profit, trailing stops, and what fires them: the engine's plan orders.

Mixed into :class:`bitget.sim.engine.Engine` (which holds the lock, the books and the ledger), kept here
so the rules read in one place:

* a leg's ``stop_loss``/``take_profit`` are its whole-position TP/SL (Bitget's ``pos_loss`` /
  ``pos_profit``): a preset on an opening order sets them, the TP/SL endpoints set or move them, and
  there is never more than one of each a leg (setting again replaces);
* a trailing stop (``track_plan``) is its own plan order closing ``size`` of a leg;
* after every book change (``/sim/book``, the random walk, the live feed) each is checked against
  the mark price; one that fires closes its part of the leg with a market order at the book,
  which shows in the order lists with ``triggered_by``.

Codes are the engine's (v2) ones; the v3 routes translate them (``bitget.sim.v3.codes``).
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from decimal import Decimal

from bitget.sim.errors import SimError
from bitget.sim.records import (
    BUY,
    CANCELED,
    CLOSE,
    EXECUTED,
    LIVE,
    LONG,
    MARKET,
    ONE_WAY,
    POS_LOSS,
    POS_PROFIT,
    SELL,
    SHORT,
    TRACK_PLAN,
    OrderRequest,
    Position,
    TrailingStop,
)

MAX_CALLBACK_RATIO = Decimal(10)  # Bitget: "the rate cannot be greater than 10"
_PLAN_ID_BASE = 1_400_000_000_000_000_000
NO_PLAN = "43025"  # "plan order does not exist"
TICK = "45035"
LONG_SL, SHORT_SL, LONG_TP, SHORT_TP = "40917", "45122", "40915", "40916"


class Protections:
    """Plan-order behaviour of the engine; every public method takes the engine's lock."""

    def _reset_plans(self) -> None:
        self._trailing: dict[str, TrailingStop] = {}
        self._plan_seq = itertools.count(1)

    def _plan_id(self) -> str:
        return str(_PLAN_ID_BASE + next(self._plan_seq))

    # ---------------------------------------------------------------- checks

    def check_protection(self, symbol: str, leg: str, stop_loss: Decimal | None, take_profit: Decimal | None,
                         *, sl_name: str = "stopLossTriggerPrice", tp_name: str = "stopSurplusTriggerPrice") -> None:
        """Bitget's refusals of a stop/target: off the tick (45035), on the wrong side of the mark."""
        with self._lock:
            spec = self.spec(symbol)
            for name, price in ((sl_name, stop_loss), (tp_name, take_profit)):
                if price is not None and (price <= 0 or not spec.price_valid(price)):
                    raise SimError(TICK, f"{name} does not match the price precision of the symbol")
            self._check_stop_loss(symbol, leg, stop_loss)
            self._check_take_profit(symbol, leg, take_profit)

    def _check_take_profit(self, symbol: str, leg: str, take_profit: Decimal | None) -> None:
        if take_profit is None:
            return
        mark = self._mark(symbol)
        if leg == LONG and take_profit <= mark:
            raise SimError(LONG_TP, "The take profit price of a long position must be greater than the mark price")
        if leg == SHORT and take_profit >= mark:
            raise SimError(SHORT_TP, "The take profit price of a short position must be less than the mark price")

    def _held_leg(self, symbol: str, leg: str) -> Position:
        pos = self._ledger.leg(symbol, leg)
        if pos is None:
            raise SimError("22002", "No position to close")
        return pos

    # ---------------------------------------------------------------- whole-position TP/SL

    def set_position_tpsl(self, symbol: str, leg: str, *, stop_loss: Decimal | None, take_profit: Decimal | None,
                          client_oid: str = "", **names: str) -> Position:
        """Set or replace the leg's stop and/or target (None leaves one as it is); a copy of the leg."""
        with self._lock:
            pos = self._held_leg(symbol, leg)
            self.check_protection(symbol, leg, stop_loss, take_profit, **names)
            if stop_loss is not None:
                pos.stop_loss = stop_loss
            if take_profit is not None:
                pos.take_profit = take_profit
            if client_oid:
                pos.tpsl_client_oid = client_oid
            pos.u_time = self.now_ms()
            self._name_plans(pos)
            return replace(pos)

    def modify_position_tpsl(self, order_id: str, *, stop_loss: Decimal | None = None,
                             take_profit: Decimal | None = None, trigger: Decimal | None = None,
                             client_oid: str = "") -> Position:
        """Move a stop/target found by its plan id: a v2 row id (``trigger`` moves that row's leg) or
        a v3 strategy id (the legs given move); 43025 when no live one has that id."""
        with self._lock:
            for pos in self._ledger.legs():
                self._name_plans(pos)
                if (order_id and order_id == pos.sl_id) or (client_oid and client_oid == pos.sl_id):
                    return self.set_position_tpsl(pos.symbol, pos.hold_side, stop_loss=trigger, take_profit=None,
                                                  sl_name="triggerPrice")
                if (order_id and order_id == pos.tp_id) or (client_oid and client_oid == pos.tp_id):
                    return self.set_position_tpsl(pos.symbol, pos.hold_side, stop_loss=None, take_profit=trigger,
                                                  tp_name="triggerPrice")
                if (order_id and order_id == pos.tpsl_id) or (client_oid and client_oid == pos.tpsl_client_oid):
                    return self.set_position_tpsl(pos.symbol, pos.hold_side, stop_loss=stop_loss,
                                                  take_profit=take_profit, sl_name="stopLoss", tp_name="takeProfit")
            raise SimError(NO_PLAN, "The plan order does not exist")

    def protected_legs(self, symbol: str | None = None) -> list[Position]:
        """Copies of the legs that have a stop or a target, their plan ids given."""
        with self._lock:
            legs = []
            for pos in self._ledger.legs(symbol):
                if pos.stop_loss is not None or pos.take_profit is not None:
                    self._name_plans(pos)
                    legs.append(replace(pos))
            return legs

    def _name_plans(self, pos: Position) -> None:
        """Ids for the leg's stop/target rows (kept while the price is set, gone with it)."""
        pos.sl_id = (pos.sl_id or self._plan_id()) if pos.stop_loss is not None else ""
        pos.tp_id = (pos.tp_id or self._plan_id()) if pos.take_profit is not None else ""
        has_any = pos.stop_loss is not None or pos.take_profit is not None
        pos.tpsl_id = (pos.tpsl_id or self._plan_id()) if has_any else ""
        if has_any and not pos.tpsl_client_oid:
            pos.tpsl_client_oid = pos.tpsl_id

    # ---------------------------------------------------------------- trailing stops

    def place_trailing_stop(self, symbol: str, leg: str, size: Decimal, callback_ratio: Decimal,
                            trigger_price: Decimal, *, trigger_type: str = "mark_price", client_oid: str = "",
                            side: str = "", trade_side: str = "", api: str = "v2") -> TrailingStop:
        """Accept a trailing stop closing ``size`` of the leg (checks: callback, size step, tick, leg, clientOid)."""
        with self._lock:
            spec = self.spec(symbol)
            if not Decimal(0) < callback_ratio <= MAX_CALLBACK_RATIO:
                raise SimError("40017", f"callbackRatio must be above 0 and at most {MAX_CALLBACK_RATIO}")
            if not spec.size_valid(size):
                raise SimError("40808", f"Parameter verification exception size checkBDScale error value={size}")
            if trigger_price <= 0 or not spec.price_valid(trigger_price):
                raise SimError(TICK, "triggerPrice does not match the price precision of the symbol")
            self._held_leg(symbol, leg)
            taken = {t.client_oid for t in self._trailing.values()} | set(self._by_client_oid)
            if client_oid and client_oid in taken:
                raise SimError("43118", "clientOrderId duplicate")
            now = self.now_ms()
            order_id = self._plan_id()
            plan = TrailingStop(order_id, client_oid or order_id, symbol, leg, side, trade_side, size,
                                callback_ratio, trigger_price, trigger_type, self._ledger.margin_mode[symbol], now,
                                now, api=api)
            self._trailing[order_id] = plan
            self._follow(plan, self._mark(symbol))
            return replace(plan)

    def trailing_stops(self, symbol: str | None = None, *, live_only: bool = True) -> list[TrailingStop]:
        """Trailing stops, newest first (live ones only unless asked)."""
        with self._lock:
            return [replace(t) for t in reversed(self._trailing.values())
                    if (symbol is None or t.symbol == symbol) and (t.state == LIVE or not live_only)]

    def cancel_trailing_stop(self, order_id: str = "", client_oid: str = "") -> TrailingStop:
        with self._lock:
            for plan in self._trailing.values():
                if plan.state == LIVE and ((order_id and plan.order_id == order_id)
                                           or (client_oid and plan.client_oid == client_oid)):
                    plan.state, plan.u_time = CANCELED, self.now_ms()
                    return replace(plan)
            raise SimError(NO_PLAN, "The plan order does not exist")

    @staticmethod
    def _follow(plan: TrailingStop, mark: Decimal) -> bool:
        """Move the trailing stop along with ``mark``; True when it fires."""
        long = plan.leg == LONG
        if not plan.active:
            if (mark >= plan.trigger_price) if long else (mark <= plan.trigger_price):
                plan.active, plan.best = True, mark
            return False
        best = plan.best if plan.best is not None else mark
        plan.best = max(best, mark) if long else min(best, mark)
        back = plan.callback_ratio / 100
        return mark <= plan.best * (1 - back) if long else mark >= plan.best * (1 + back)

    # ---------------------------------------------------------------- firing (lock held)

    def _fire_triggers(self, symbol: str) -> None:
        """Check every stop, target and trailing stop of ``symbol`` against the mark price."""
        mark = self._mark(symbol)
        for pos in list(self._ledger.legs(symbol)):
            long = pos.hold_side == LONG
            sl, tp = pos.stop_loss, pos.take_profit
            if sl is not None and (mark <= sl if long else mark >= sl):
                self._name_plans(pos)
                self._close_by_plan(pos, pos.total, POS_LOSS, pos.sl_id)
            elif tp is not None and (mark >= tp if long else mark <= tp):
                self._name_plans(pos)
                self._close_by_plan(pos, pos.total, POS_PROFIT, pos.tp_id)
        for plan in list(self._trailing.values()):
            if plan.state != LIVE or plan.symbol != symbol:
                continue
            pos = self._ledger.leg(symbol, plan.leg)
            if pos is None:
                plan.state, plan.u_time = CANCELED, self.now_ms()  # its position is gone
                continue
            if self._follow(plan, mark):
                order_id = self._close_by_plan(pos, min(plan.size, pos.total), TRACK_PLAN, plan.order_id)
                plan.state, plan.executed_order_id, plan.u_time = EXECUTED, order_id, self.now_ms()

    def _close_by_plan(self, pos: Position, qty: Decimal, kind: str, plan_id: str) -> str:
        """A market order closing ``qty`` of the leg, marked with the plan that placed it; its id."""
        long = pos.hold_side == LONG
        if self.position_mode == ONE_WAY:
            req = OrderRequest(pos.symbol, SELL if long else BUY, MARKET, qty, reduce_only=True)
        else:
            req = OrderRequest(pos.symbol, BUY if long else SELL, MARKET, qty, trade_side=CLOSE)
        order = self._new_order(req, size=qty, direction=SELL if long else BUY, leg=pos.hold_side, reduce=True)
        order.triggered_by, order.plan_id = kind, plan_id
        self._execute_new(order)
        return order.order_id

