"""The signal lifecycle: authenticate, validate, journal, dispatch, execute, record.

``accept`` is what the webhook calls; it never waits for the exchange. ``run`` is what a worker
thread calls. ``recover`` resumes what a crash interrupted.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from trading import events as kinds
from trading.claims import Claimer, InstanceSettings
from trading.dry_run import Preview, age_guard, preview
from trading.errors import ExchangeError
from trading.events import Event, EventBus
from trading.exchange import Exchange
from trading.executor import Executor, Interrupted
from trading.guard import AccessGuard
from trading.health import ExchangeHealth
from trading.journal import PENDING, Journal, OrderRecord, SignalRecord, SignalStatus
from trading.kill_switch import TradingSwitch
from trading.log_setup import log_context
from trading.signals import Signal, SignalRejected, parse_signal
from trading.symbols import TickerResolver

log = logging.getLogger(__name__)

_TOKEN_FIELD = re.compile(r'("token"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\s]*)', re.IGNORECASE)


def redact_body(text: str, token: str) -> str:
    """A refused body as kept for the record: no ``token`` value, and the real token nowhere."""
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError):
        payload = None
    if isinstance(payload, dict):
        text = json.dumps({k: ("***" if k == "token" else v) for k, v in payload.items()}, default=str)
    else:
        text = _TOKEN_FIELD.sub(r'\1"***"', text)
    return text.replace(token, "***") if len(token) >= 8 else text  # a short paper token would mangle numbers


class Unauthorized(SignalRejected):
    """Wrong or missing token."""

    def __init__(self) -> None:
        super().__init__("invalid-token", "the webhook token is missing or wrong")


@dataclass(frozen=True)
class Accepted:
    """The reply to a signal that was stored."""

    signal_id: str
    status: str  # "accepted", "duplicate", "rejected" or "expired", as the webhook replies
    duplicate_of: str | None = None
    reason: str = ""
    note: str = ""


DEFAULT_TOKEN = "1234"  # the placeholder token: paper mode only, refused in demo and live


@dataclass(frozen=True)
class ServiceSettings:
    """How signals are taken in and run: the one home of these settings' defaults."""

    token: str = field(default=DEFAULT_TOKEN, repr=False)  # WEBHOOK_EXPECTED_TOKEN
    dedup_window: float = 10.0
    signal_max_age: float = 60.0
    workers: int = 4
    max_queue: int = 10000  # ids of journaled signals; a 500-symbol bar close is taken whole
    trading_enabled: bool = True
    symbol_allowlist: frozenset[str] | None = None
    refused_keep: int = 10_000
    symbol_map: Mapping[str, str] = field(default_factory=dict)
    market_name: str = "Bitget"  # whose contract list tickers resolve against, as an unknown ticker's reply says
    shutdown_grace: float = 20.0
    reconnect_max_wait: float = 30.0


class SignalService:
    """Owns the journal, the dispatcher and the executor for one process."""

    def __init__(
        self,
        *,
        settings: ServiceSettings,
        exchange: Exchange,
        executor: Executor,
        journal: Journal,
        guard: AccessGuard | None = None,
        clock: Callable[[], float] = time.time,
        health: ExchangeHealth | None = None,
        events: EventBus | None = None,
        switch: TradingSwitch | None = None,
        instance: InstanceSettings | None = None,
    ) -> None:
        self.settings = settings
        # The kill switch every worker reads before sending; TRADING_ENABLED is its starting position.
        self.switch = switch or TradingSwitch(settings.trading_enabled)
        self.guard = guard or AccessGuard()
        self.exchange = exchange
        self.executor = executor
        self.journal = journal
        self._clock = clock
        self.health = health
        self.events = events or EventBus()
        # Execution is claimed from the journal, so several instances may share it (trading/claims.py).
        self.dispatcher = Claimer(
            journal, self.run, workers=settings.workers, max_queue=settings.max_queue, settings=instance
        )

    # -- arrival -----------------------------------------------------------------------------

    def accept(self, payload: Mapping[str, Any], *, source: str, header_token: str | None = None) -> Accepted:
        """Check, store and queue a signal. Raises SignalRejected, SourceRefused, Saturated or ShuttingDown."""
        self.check_token(payload.get("token"), source=source, header_token=header_token)
        signal = self.validate(payload)
        refusal = self._refusal_on_arrival(signal.sent_at.timestamp() if signal.sent_at else None)
        if refusal is None:
            self.dispatcher.reserve()
        try:
            admission = self.journal.admit(
                signal, payload, source=source, dedup_window=self.settings.dedup_window, refusal=refusal
            )
        except BaseException:
            if refusal is None:
                self.dispatcher.release()
            raise
        record = admission.record
        log_context.bind(signal_id=record.id)  # the rest of this request's lines name the signal
        if admission.duplicate_of:
            if refusal is None:
                self.dispatcher.release()
            log.info("signal %s: duplicate of %s, nothing placed", record.id, admission.duplicate_of)
            return Accepted(record.id, SignalStatus.DUPLICATE.value, admission.duplicate_of)
        if refusal:
            log.warning("signal %s: %s on arrival: %s", record.id, record.status, record.reason)
            if record.status == SignalStatus.EXPIRED:
                self._publish(kinds.SIGNAL_EXPIRED, record, reason=record.reason)
            return Accepted(record.id, record.status.value, reason=record.reason, note=record.note)
        log.info(
            "signal %s: accepted %s %s %s from %s", record.id, signal.action, signal.sentiment, signal.symbol, source
        )
        if record.note:
            log.info("signal %s: %s; processed as a new signal", record.id, record.note)
        self.dispatcher.submit(record.id, record.symbol)
        return Accepted(record.id, "accepted", note=record.note)

    def validate(self, payload: Mapping[str, Any]) -> Signal:
        """The alert as a Signal, or SignalRejected: the protocol's rules, SYMBOL_ALLOWLIST and MAX_LEVERAGE."""
        signal = parse_signal(payload, self._resolver())
        allowed = self.settings.symbol_allowlist
        if allowed is not None and signal.symbol not in allowed:
            raise SignalRejected("symbol-not-allowed", f"{signal.symbol} is not in SYMBOL_ALLOWLIST")
        cap = self.executor.settings.max_leverage
        if signal.leverage is not None and cap is not None and signal.leverage > cap:
            raise SignalRejected("invalid-leverage", f"leverage {signal.leverage} is above MAX_LEVERAGE={cap}")
        return signal

    def dry_run(self, payload: Mapping[str, Any], *, source: str, header_token: str | None = None) -> dict[str, Any]:
        """What the alert would do now (POST /api/webhook/test): nothing journaled, nothing placed."""
        self.check_token(payload.get("token"), source=source, header_token=header_token)
        signal = self.validate(payload)
        guards = [] if self.switch.enabled else [f"{self.switch.state().describe()}: nothing would be sent"]
        too_old = age_guard(signal, self.settings.signal_max_age, self._clock())
        if too_old:
            guards.append(too_old)
        if self.health is not None and not self.health.usable:
            guards.append(f"the exchange is unavailable: {self.health.describe_outage()}")
            return Preview(signal, guards=guards).as_dict()
        return preview(signal, self.exchange, self.executor, pre_guards=guards).as_dict()

    def refuse(self, *, source: str, status: int, code: str, reason: str, body: str) -> str:
        """Journal and log a refused webhook request (its body without the token); returns the record id."""
        log.warning("webhook from %s refused %d %s: %s", source, status, code, reason)
        refused_id = self.journal.record_refusal(
            source=source,
            status=status,
            code=code,
            reason=reason,
            body=redact_body(body, self.settings.token),
            keep=self.settings.refused_keep,
        )
        detail = {"source": source, "http_status": status, "code": code, "reason": reason}
        self.events.publish(Event(kinds.ALERT_REFUSED, refused_id, detail=detail))
        return refused_id

    def _refusal_on_arrival(self, sent_at: float | None) -> tuple[SignalStatus, str] | None:
        """(status, reason) for a stored signal that will not be traded: too old, or trading disabled."""
        if sent_at is not None:
            age = self._clock() - sent_at
            if age > self.settings.signal_max_age:
                limit = self.settings.signal_max_age
                return SignalStatus.EXPIRED, f"alert time is {age:.0f}s old, more than SIGNAL_MAX_AGE={limit:g}s"
        if not self.switch.enabled:
            return SignalStatus.REJECTED, f"{self.switch.state().describe()}: journaled, nothing sent to the exchange"
        return None

    def check_token(self, token: Any, *, source: str, header_token: str | None = None) -> None:
        """Raise Unauthorized unless a token is the expected one; failures count towards the brake.

        The right token is always admitted, whatever the address's failure count: TradingView sends
        every user's alerts from four shared addresses, so a stranger's stale alert must not lock the
        owner out. Past the limit a wrong token is refused as ``too-many-failures`` instead.
        """
        try:
            self._authenticate(token, header_token)
        except Unauthorized:
            self.guard.record_failure(source)  # raises SourceRefused once the address is over the limit
            log.warning("request from %s refused: wrong or missing token", source)
            raise

    def _authenticate(self, body_token: Any, header_token: str | None) -> None:
        expected = self.settings.token.encode()
        for candidate in (body_token, header_token):
            if not isinstance(candidate, str):
                continue
            given = candidate.encode("utf-8", "surrogatepass")  # never fails, never matches a bad string
            if hmac.compare_digest(given, expected):
                return
        raise Unauthorized()

    def _stored_signal(self, record: SignalRecord) -> Signal:
        """A journaled signal as it executes: its ticker resolved as on arrival (SYMBOL_MAP, the listed
        contracts), or better when the list could not be read then."""
        return parse_signal(record.payload, self._resolver())

    def _resolver(self) -> TickerResolver:
        """Tickers resolve against the listed contracts (cached by the exchange adapter).

        When the exchange cannot say now, the ticker is taken by its shape and the contract is
        checked when the signal executes.
        """
        if self.health is not None and not self.health.usable:  # never make the webhook wait on an outage
            return TickerResolver(listed=None, aliases=self.settings.symbol_map, market=self.settings.market_name)
        try:
            listed: set[str] | None = set(self.exchange.contracts())
        except ExchangeError as exc:
            log.warning("contract list unavailable (%s); ticker checked at execution instead", exc)
            listed = None
        return TickerResolver(listed=listed, aliases=self.settings.symbol_map, market=self.settings.market_name)

    # -- execution ---------------------------------------------------------------------------

    def run(self, signal_id: str) -> None:
        """Carry out one stored signal (called by a dispatcher worker)."""
        with log_context(signal_id=signal_id):
            try:
                self._run(signal_id)
            except Interrupted:
                log.warning("signal %s: interrupted by shutdown; it resumes at the next start", signal_id)

    def _run(self, signal_id: str) -> None:
        record = self.journal.signal(signal_id)
        if record is None or record.status not in PENDING:
            return
        age = self._clock() - record.received_at
        if age > self.settings.signal_max_age:
            self._expire(record, self._too_old(age))
            return
        newest = self.journal.last_executed_sent_at(record.symbol)
        if record.sent_at is not None and newest is not None and record.sent_at < newest:
            reason = f"alert time is older than the last signal already executed for {record.symbol}"
            self.journal.set_status(signal_id, SignalStatus.REJECTED, reason)
            log.warning("signal %s: rejected: %s", signal_id, reason)
            return
        if not self.switch.enabled:  # the switch may have been turned off since arrival, or a crash
            reason = f"{self.switch.state().describe()} at execution: nothing sent to the exchange"
            self.journal.set_status(signal_id, SignalStatus.REJECTED, reason)
            log.warning("signal %s: rejected: %s", signal_id, reason)
            return
        if not self._await_exchange(record):
            return
        self.journal.set_status(signal_id, SignalStatus.EXECUTING)
        try:
            signal = self._stored_signal(record)
        except SignalRejected as exc:
            self.journal.set_status(signal_id, SignalStatus.FAILED, exc.error)
            self._publish(kinds.SIGNAL_FAILED, record, reason=exc.error)
            return
        started = time.monotonic()
        outcome = self.executor.execute(signal_id, signal)
        while outcome.status == SignalStatus.FAILED and self._exchange_lost(record):
            # The exchange went away mid-signal: wait for it like a new signal, then resume from its state.
            log.warning("signal %s: the exchange went away (%s); waiting for it", signal_id, outcome.reason)
            self.journal.set_status(signal_id, SignalStatus.QUEUED, f"waiting for the exchange after: {outcome.reason}")
            if not self._await_exchange(record):
                return
            self.journal.set_status(signal_id, SignalStatus.EXECUTING)
            outcome = self.executor.execute(signal_id, signal)
        self.journal.set_status(signal_id, outcome.status, outcome.reason)
        elapsed_ms = (time.monotonic() - started) * 1000
        log.info("signal %s: %s in %.0f ms: %s", signal_id, outcome.status, elapsed_ms, outcome.reason)
        self._report(record, outcome.status, outcome.reason)

    def _too_old(self, age: float) -> str:
        reason = f"not started within SIGNAL_MAX_AGE={self.settings.signal_max_age:g}s ({age:.0f}s)"
        if self.health is not None and not self.health.usable:
            reason += f": {self.health.describe_outage()}"
        return reason

    def _exchange_lost(self, record: SignalRecord) -> bool:
        """True when the exchange is unusable now and the signal is still young enough to wait for it."""
        if self.health is None or self.health.usable:
            return False
        return self._clock() - record.received_at <= self.settings.signal_max_age

    def _await_exchange(self, record: SignalRecord) -> bool:
        """Wait until the exchange is usable; expire the signal (False) once older than SIGNAL_MAX_AGE.

        The worker waits, so later signals of the same symbol stay behind this one. Shutdown
        interrupts the wait; the signal stays queued and resumes at the next start.
        """
        health = self.health
        if health is None or health.usable:
            return True
        log.info("signal %s: waiting for the exchange: %s", record.id, health.describe_outage())
        while not health.wait_usable(0.2):
            if not self.dispatcher.accepting:
                raise Interrupted()
            age = self._clock() - record.received_at
            if age > self.settings.signal_max_age:
                self._expire(record, self._too_old(age))
                return False
        log.info("signal %s: the exchange answers again; executing", record.id)
        return True

    def _expire(self, record: SignalRecord, reason: str) -> None:
        """Too old to trade. One that traded before a restart still completes its closes."""
        if not self.journal.orders(record.id):
            self.journal.set_status(record.id, SignalStatus.EXPIRED, reason)
            log.warning("signal %s: expired: %s", record.id, reason)
            self._publish(kinds.SIGNAL_EXPIRED, record, reason=reason)
            return
        self.journal.set_status(record.id, SignalStatus.EXECUTING, reason)
        outcome = self.executor.execute(record.id, self._stored_signal(record), allow_open=False)
        status = SignalStatus.EXPIRED if outcome.status == SignalStatus.SKIPPED else outcome.status
        self.journal.set_status(record.id, status, f"{outcome.reason}; resumed late: {reason}")
        log.warning("signal %s: %s after a late restart: %s", record.id, status, outcome.reason)
        self._report(record, status, f"{outcome.reason}; resumed late: {reason}")

    # -- events -------------------------------------------------------------------------------

    def _publish(self, kind: str, record: SignalRecord, **detail: Any) -> None:
        self.events.publish(Event(kind, record.id, record.symbol, detail))

    def _report(self, record: SignalRecord, status: SignalStatus, reason: str) -> None:
        """Tell listeners how an executed signal ended: its fills, its failure or expiry, its orders."""
        rows = self.journal.orders(record.id)
        for kind, fill in fills_by_kind(rows).items():
            self._publish(kind, record, **fill)
        if status == SignalStatus.FAILED:
            self._publish(kinds.SIGNAL_FAILED, record, reason=reason)
        elif status == SignalStatus.EXPIRED:
            self._publish(kinds.SIGNAL_EXPIRED, record, reason=reason)
        first_sent = min((row.created_at for row in rows), default=None)
        self._publish(
            kinds.SIGNAL_FINISHED,
            record,
            status=status.value,
            orders=[row.state.value for row in rows],
            to_first_order=None if first_sent is None else max(0.0, first_sent - record.received_at),
        )

    def recover(self) -> int:
        """Start claiming: signals a crash left queued or executing resume through claims, each pair in its
        original order (this instance's own claims first taken back); returns how many are pending."""
        return self.dispatcher.recover()

    def shutdown(self, grace: float, *, settle: float = 10.0) -> bool:
        """Stop taking signals; let running ones finish within ``grace``, then interrupt them.

        An interrupted signal stops at its next wait and stays journaled; the next start resumes it
        from the exchange's state. ``settle`` bounds the wait for workers to leave an HTTP call.
        """
        load = self.dispatcher.load()
        self.events.publish(Event(kinds.SHUTDOWN, detail={"running": load["running"], "waiting": load["waiting"]}))
        finished = self.dispatcher.shutdown(grace)
        if not finished:
            self.executor.interrupt()
            self.dispatcher.wait_idle(settle)
        self.executor.close()
        if not self.dispatcher.load()["running"]:
            self.dispatcher.close()  # no claim left to renew
        return finished


def fills_by_kind(rows: list[OrderRecord]) -> dict[str, dict[str, Any]]:
    """What a signal's orders filled: one exit and one entry at most, each with side, size and average price.

    A close carries its realized PnL (before fees) when the exchange reported it for every closing order.
    """
    found: dict[str, dict[str, Any]] = {}
    for kind, reduce in ((kinds.EXIT_FILLED, True), (kinds.ENTRY_FILLED, False)):
        filled = [r for r in rows if r.reduce is reduce and r.filled > 0 and r.avg_price is not None]
        if not filled:
            continue
        size = sum((r.filled for r in filled), Decimal(0))
        value = sum((r.filled * r.avg_price for r in filled if r.avg_price is not None), Decimal(0))
        finest = min(int(r.avg_price.as_tuple().exponent) for r in filled if r.avg_price is not None)
        fill: dict[str, Any] = {
            "side": filled[0].position_side.value,
            "size": str(size),
            "price": str((value / size).quantize(Decimal(1).scaleb(finest))),
        }
        pnls = [r.realized_pnl for r in filled]
        if reduce and all(p is not None for p in pnls):
            fill["pnl"] = str(sum((p for p in pnls if p is not None), Decimal(0)))
        found[kind] = fill
    return found
