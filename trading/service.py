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
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from trading import events as kinds
from trading.accounts import DEFAULT_ACCOUNT, Account, queue_key
from trading.claims import Claimer, InstanceSettings
from trading.dry_run import Preview, age_guard, preview
from trading.errors import ExchangeError
from trading.events import Event, EventBus
from trading.exchange import Exchange
from trading.executor import Executor, Interrupted
from trading.guard import AccessGuard
from trading.health import ExchangeHealth
from trading.journal import PENDING, Admission, ClaimOffer, Journal, OrderRecord, SignalRecord, SignalStatus
from trading.kill_switch import TradingSwitch
from trading.log_setup import log_context
from trading.signals import Signal, SignalRejected, parse_signal, target_accounts
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
    account: str = DEFAULT_ACCOUNT
    # One per account when the alert went to several (the fields above are the first one's).
    signals: tuple[Accepted, ...] = ()

    def as_row(self) -> dict[str, str]:
        """This account's line of a fanned-out reply."""
        row = {"account": self.account, "signal_id": self.signal_id, "status": self.status}
        if self.duplicate_of:
            row["duplicate_of"] = self.duplicate_of
        if self.reason:
            row["reason"] = self.reason
        return row


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
        accounts: Mapping[str, Account] | None = None,
        disabled_accounts: Sequence[str] = (),
        default_accounts: Sequence[str] = (),
        instance: InstanceSettings | None = None,
    ) -> None:
        """``exchange``, ``executor`` and ``health`` are the first account's (the dashboard's, dry runs').

        ``accounts``: every enabled account by name (default: one, ``default``, made of those three);
        ``disabled_accounts`` are known but refused row by row; ``default_accounts`` take an alert
        without ``account`` (default: every enabled account).
        """
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
        self.accounts: dict[str, Account] = dict(accounts) if accounts else {
            DEFAULT_ACCOUNT: Account(DEFAULT_ACCOUNT, exchange, executor, health)
        }
        # The account whose exchange ``exchange`` is: the dashboard's positions and closes are its.
        self.primary_account = next((n for n, a in self.accounts.items() if a.exchange is exchange), next(iter(
            self.accounts)))
        self.disabled_accounts = tuple(name for name in disabled_accounts if name not in self.accounts)
        self.default_accounts = tuple(default_accounts) or tuple(self.accounts)
        # Execution is claimed from the journal, so several instances may share it (trading/claims.py);
        # WORKERS threads per account, so one account waiting for its exchange leaves the others theirs.
        self.dispatcher = Claimer(journal, self.run, workers=settings.workers, max_queue=settings.max_queue,
                                  settings=instance, accounts=tuple(self.accounts))

    # -- arrival -----------------------------------------------------------------------------

    def accept(self, payload: Mapping[str, Any], *, source: str, header_token: str | None = None) -> Accepted:
        """Check, store and queue a signal, once per target account (its ``account`` field, else
        DEFAULT_ACCOUNTS). Raises SignalRejected, SourceRefused, Saturated or ShuttingDown.

        Every account's row is committed in one transaction before the reply. An account that
        refuses the alert (disabled, its own symbol allowlist or leverage cap) gets a ``rejected``
        row while the others trade; when every target refuses it, the alert is refused (422) as with
        one account, and nothing is stored.
        """
        self.check_token(payload.get("token"), source=source, header_token=header_token)
        names = target_accounts(
            payload, (*self.accounts, *self.disabled_accounts), default=self.default_accounts,
            enabled=tuple(self.accounts),
        )
        signal = self.validate(payload, self._account_for(names))
        arrival = self._refusal_on_arrival(signal.sent_at.timestamp() if signal.sent_at else None)
        rows = self._rows(names, signal, arrival)
        queued = sum(1 for _, refusal in rows if refusal is None)
        self._reserve(queued)
        offer = self.dispatcher.offer([name for name, refusal in rows if refusal is None])
        try:
            try:
                admissions = self._admit(signal, payload, source, rows, offer)
            except BaseException:
                self._release(queued)
                raise
            replies = []
            for (name, refusal), admission in zip(rows, admissions, strict=True):
                replies.append(self._admitted(name, signal, source, refusal, admission))
        finally:
            self.dispatcher.settle(offer)
        first = replies[0]
        if len(replies) == 1:
            return first
        return Accepted(first.signal_id, first.status, first.duplicate_of, first.reason, first.note, first.account,
                        signals=tuple(replies))

    def _account_for(self, names: Sequence[str]) -> Account:
        """The account whose contract list resolves the ticker: the first enabled target (else the first)."""
        for name in names:
            if name in self.accounts:
                return self.accounts[name]
        return next(iter(self.accounts.values()))

    def _rows(
        self, names: Sequence[str], signal: Signal, arrival: tuple[SignalStatus, str] | None
    ) -> list[tuple[str, tuple[SignalStatus, str] | None]]:
        """(account, refusal) for each target; refused by every account's own rules → SignalRejected."""
        rows: list[tuple[str, tuple[SignalStatus, str] | None]] = []
        refused: list[SignalRejected] = []
        for name in names:
            account = self.accounts.get(name)
            if account is None:
                rows.append((name, (SignalStatus.REJECTED, f"account {name} is disabled: nothing sent")))
                continue
            try:
                self._check_account(account, signal)
            except SignalRejected as exc:
                refused.append(exc)
                rows.append((name, (SignalStatus.REJECTED, f"account {name}: {exc.error}")))
                continue
            rows.append((name, arrival))
        if refused and len(refused) == len(names):
            raise refused[0]
        return rows

    def _reserve(self, count: int) -> None:
        taken = 0
        try:
            for _ in range(count):
                self.dispatcher.reserve()
                taken += 1
        except BaseException:
            self._release(taken)
            raise

    def _release(self, count: int) -> None:
        for _ in range(count):
            self.dispatcher.release()

    def _admit(
        self,
        signal: Signal,
        payload: Mapping[str, Any],
        source: str,
        rows: list[tuple[str, tuple[SignalStatus, str] | None]],
        offer: ClaimOffer | None,
    ) -> list[Admission]:
        """Every account's row in one transaction, committed before the reply (claimed there when ``offer`` allows)."""
        return self.journal.admit_many(
            signal, payload, source=source, dedup_window=self.settings.dedup_window, accounts=rows, claim=offer
        )

    def _admitted(
        self,
        account: str,
        signal: Signal,
        source: str,
        refusal: tuple[SignalStatus, str] | None,
        admission: Admission,
    ) -> Accepted:
        """Queue one account's stored row (or say why not), and its reply."""
        record = admission.record
        log_context.bind(signal_id=record.id)  # the rest of this request's lines name the signal
        if admission.duplicate_of:
            if refusal is None:
                self.dispatcher.release()
            log.info("signal %s: duplicate of %s, nothing placed", record.id, admission.duplicate_of)
            return Accepted(record.id, SignalStatus.DUPLICATE.value, admission.duplicate_of, account=account)
        if refusal:
            log.warning("signal %s: %s on arrival: %s", record.id, record.status, record.reason)
            if record.status == SignalStatus.EXPIRED:
                self._publish(kinds.SIGNAL_EXPIRED, record, reason=record.reason)
            return Accepted(record.id, record.status.value, reason=record.reason, note=record.note, account=account)
        log.info(
            "signal %s: accepted %s %s %s from %s%s", record.id, signal.action, signal.sentiment, signal.symbol,
            source, "" if account == DEFAULT_ACCOUNT else f" for account {account}",
        )
        if record.note:
            log.info("signal %s: %s; processed as a new signal", record.id, record.note)
        self.dispatcher.submit(record.id, queue_key(account, record.symbol), admission=admission)
        return Accepted(record.id, "accepted", note=record.note, account=account)

    def validate(self, payload: Mapping[str, Any], account: Account | None = None) -> Signal:
        """The alert as a Signal, or SignalRejected: the protocol's rules, SYMBOL_ALLOWLIST, and ``account``'s
        own limits (its symbol allowlist, MAX_LEVERAGE); the first account's without one."""
        account = account or next(iter(self.accounts.values()))
        signal = parse_signal(payload, self._resolver(account))
        allowed = self.settings.symbol_allowlist
        if allowed is not None and signal.symbol not in allowed:
            raise SignalRejected("symbol-not-allowed", f"{signal.symbol} is not in SYMBOL_ALLOWLIST")
        if len(self.accounts) == 1:
            self._check_account(account, signal)
        return signal

    def _check_account(self, account: Account, signal: Signal) -> None:
        """An account's own refusals: its symbol allowlist and its leverage cap."""
        allowed = account.symbol_allowlist
        if allowed is not None and signal.symbol not in allowed:
            raise SignalRejected(
                "symbol-not-allowed", f"{signal.symbol} is not in the symbol allowlist of account {account.name}"
            )
        cap = account.executor.settings.max_leverage
        if signal.leverage is not None and cap is not None and signal.leverage > cap:
            raise SignalRejected("invalid-leverage", f"leverage {signal.leverage} is above MAX_LEVERAGE={cap}")

    def dry_run(self, payload: Mapping[str, Any], *, source: str, header_token: str | None = None) -> dict[str, Any]:
        """What the alert would do now (POST /api/webhook/test): nothing journaled, nothing placed."""
        self.check_token(payload.get("token"), source=source, header_token=header_token)
        names = target_accounts(
            payload, (*self.accounts, *self.disabled_accounts), default=self.default_accounts,
            enabled=tuple(self.accounts),
        )
        account = self._account_for(names)
        signal = self.validate(payload, account)
        self._check_account(account, signal)
        guards = [] if self.switch.enabled else [f"{self.switch.state().describe()}: nothing would be sent"]
        too_old = age_guard(signal, self.settings.signal_max_age, self._clock())
        if too_old:
            guards.append(too_old)
        health = account.health
        if health is not None and not health.usable:
            guards.append(f"the exchange is unavailable: {health.describe_outage()}")
            return Preview(signal, guards=guards).as_dict()
        return preview(signal, account.exchange, account.executor, pre_guards=guards).as_dict()

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

    def _stored_signal(self, record: SignalRecord, account: Account) -> Signal:
        """A journaled signal as it executes: its ticker resolved as on arrival (SYMBOL_MAP, the listed
        contracts), or better when the list could not be read then."""
        return parse_signal(record.payload, self._resolver(account))

    def _resolver(self, account: Account) -> TickerResolver:
        """Tickers resolve against the listed contracts (cached by the exchange adapter).

        When the exchange cannot say now, the ticker is taken by its shape and the contract is
        checked when the signal executes.
        """
        health = account.health
        if health is not None and not health.usable:  # never make the webhook wait on an outage
            return TickerResolver(listed=None, aliases=self.settings.symbol_map, market=self.settings.market_name)
        try:
            listed: Collection[str] | None = account.exchange.contracts().keys()
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
        name = record_account(record)
        account = self.accounts.get(name)
        if account is None:  # disabled or removed from ACCOUNTS_FILE since it was stored
            reason = f"account {name} is not enabled in this configuration: nothing sent"
            self.journal.set_status(signal_id, SignalStatus.REJECTED, reason)
            log.warning("signal %s: rejected: %s", signal_id, reason)
            return
        age = self._clock() - record.received_at
        if age > self.settings.signal_max_age:
            self._expire(record, account, self._too_old(age, account))
            return
        newest = self.journal.last_executed_sent_at(record.symbol, account=name)
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
        if not self._await_exchange(record, account):
            return
        self.journal.set_status(signal_id, SignalStatus.EXECUTING)
        try:
            signal = self._stored_signal(record, account)
        except SignalRejected as exc:
            self.journal.set_status(signal_id, SignalStatus.FAILED, exc.error)
            self._publish(kinds.SIGNAL_FAILED, record, reason=exc.error)
            return
        started = time.monotonic()
        outcome = account.executor.execute(signal_id, signal)
        while outcome.status == SignalStatus.FAILED and self._exchange_lost(record, account):
            # The exchange went away mid-signal: wait for it like a new signal, then resume from its state.
            log.warning("signal %s: the exchange went away (%s); waiting for it", signal_id, outcome.reason)
            self.journal.set_status(signal_id, SignalStatus.QUEUED, f"waiting for the exchange after: {outcome.reason}")
            if not self._await_exchange(record, account):
                return
            self.journal.set_status(signal_id, SignalStatus.EXECUTING)
            outcome = account.executor.execute(signal_id, signal)
        self.journal.set_status(signal_id, outcome.status, outcome.reason)
        elapsed_ms = (time.monotonic() - started) * 1000
        log.info("signal %s: %s in %.0f ms: %s", signal_id, outcome.status, elapsed_ms, outcome.reason)
        self._report(record, outcome.status, outcome.reason)

    def _too_old(self, age: float, account: Account) -> str:
        reason = f"not started within SIGNAL_MAX_AGE={self.settings.signal_max_age:g}s ({age:.0f}s)"
        if account.health is not None and not account.health.usable:
            reason += f": {account.health.describe_outage()}"
        return reason

    def _exchange_lost(self, record: SignalRecord, account: Account) -> bool:
        """True when the account's exchange is unusable now and the signal is still young enough to wait."""
        if account.health is None or account.health.usable:
            return False
        return self._clock() - record.received_at <= self.settings.signal_max_age

    def _await_exchange(self, record: SignalRecord, account: Account) -> bool:
        """Wait until the account's exchange is usable; expire the signal (False) once older than SIGNAL_MAX_AGE.

        The worker waits, so later signals of the same account and symbol stay behind this one; other
        accounts do not wait. Shutdown interrupts the wait; the signal stays queued and resumes at the
        next start.
        """
        health = account.health
        if health is None or health.usable:
            return True
        log.info("signal %s: waiting for the exchange: %s", record.id, health.describe_outage())
        while not health.wait_usable(0.2):
            if not self.dispatcher.accepting:
                raise Interrupted()
            age = self._clock() - record.received_at
            if age > self.settings.signal_max_age:
                self._expire(record, account, self._too_old(age, account))
                return False
        log.info("signal %s: the exchange answers again; executing", record.id)
        return True

    def _expire(self, record: SignalRecord, account: Account, reason: str) -> None:
        """Too old to trade. One that traded before a restart still completes its closes."""
        if not self.journal.orders(record.id):
            self.journal.set_status(record.id, SignalStatus.EXPIRED, reason)
            log.warning("signal %s: expired: %s", record.id, reason)
            self._publish(kinds.SIGNAL_EXPIRED, record, reason=reason)
            return
        self.journal.set_status(record.id, SignalStatus.EXECUTING, reason)
        outcome = account.executor.execute(record.id, self._stored_signal(record, account), allow_open=False)
        status = SignalStatus.EXPIRED if outcome.status == SignalStatus.SKIPPED else outcome.status
        self.journal.set_status(record.id, status, f"{outcome.reason}; resumed late: {reason}")
        log.warning("signal %s: %s after a late restart: %s", record.id, status, outcome.reason)
        self._report(record, status, f"{outcome.reason}; resumed late: {reason}")

    # -- events -------------------------------------------------------------------------------

    def _publish(self, kind: str, record: SignalRecord, **detail: Any) -> None:
        self.events.publish(Event(kind, record.id, record.symbol, detail, account=record_account(record)))

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
        executors = {id(a.executor): a.executor for a in self.accounts.values()}.values()
        if not finished:
            for executor in executors:
                executor.interrupt()
            self.dispatcher.wait_idle(settle)
        for executor in executors:
            executor.close()
        if not self.dispatcher.load()["running"]:
            self.dispatcher.close()  # no claim left to renew
        return finished


def record_account(record: SignalRecord) -> str:
    """The account a journaled signal belongs to (rows stored before accounts existed: ``default``)."""
    return record.account or DEFAULT_ACCOUNT


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
