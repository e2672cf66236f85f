"""Flask entry point: routes parse the request and hand it to the trading service, nothing more.

`python app.py` serves on HOST:PORT (default 0.0.0.0:8080) with waitress (serve.py), which reads each
request whole before a handler thread sees it; behind a buffering proxy, gunicorn with one worker and
several threads can serve `app:create_app()` (one process owns the journal and the per-symbol order).
"""

from __future__ import annotations

import atexit
import functools
import json
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar, cast

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from config import ConfigError, Settings
from observability import Observability, observe
from runtime import Runtime, StartupError, build_runtime
from trading import history
from trading.access import AccessDenied, AccessPolicy, bearer_token
from trading.dispatcher import Saturated, ShuttingDown
from trading.errors import ExchangeError
from trading.guard import SourceRefused
from trading.journal import SignalStatus
from trading.log_setup import configure_logging, log_context
from trading.manual_close import NothingToClose, close_position
from trading.metrics import CONTENT_TYPE
from trading.signals import SignalRejected

log = logging.getLogger("app")

MAX_BODY_BYTES = 16 * 1024
MAX_JSON_DEPTH = 16
ACCEPTED_TYPES = ("application/json", "text/plain")
OPENAPI_PATH = Path(__file__).with_name("openapi.yaml")
api = Blueprint("api", __name__)
View = TypeVar("View", bound=Callable[..., Any])


class ServiceError(Exception):
    """A request answered with an error: JSON with a stable ``code``, a readable ``error``, and ``extra`` fields.

    Routes raise it (or a refusal of trading/ that ``service_error`` translates); one handler replies.
    """

    def __init__(self, code: str, error: str, status: int, **extra: Any) -> None:
        super().__init__(error)
        self.code = code
        self.error = error
        self.status = status
        self.extra = extra

    @property
    def refused(self) -> bool:
        """A refusal of what the request is or who sent it (4xx), as opposed to the service being unable."""
        return 400 <= self.status < 500


class Unavailable(ServiceError):
    """The service cannot take the request now (503); nothing about the request was wrong."""

    def __init__(self, code: str, error: str) -> None:
        super().__init__(code, error, 503)


class UnknownSignal(ServiceError):
    def __init__(self, signal_id: str) -> None:
        super().__init__("unknown-signal", f"no signal {signal_id!r}", 404)


class UnsupportedMediaType(ServiceError):
    def __init__(self) -> None:
        super().__init__("unsupported-media-type", "send the alert as application/json or text/plain", 415)


class BodyTooLarge(ServiceError):
    def __init__(self) -> None:
        super().__init__("body-too-large", f"the body is longer than {MAX_BODY_BYTES} bytes", 413)


# HTTP status of each refusal code that trading/ raises; any other SignalRejected is 422 (understood, refused).
REFUSAL_STATUS = {
    "source-not-allowed": 403,
    "too-many-failures": 429,
    "invalid-token": 401,
    "malformed-json": 400,
    "invalid-encoding": 400,
}


def service_error(exc: SourceRefused | SignalRejected) -> ServiceError:
    """The reply to a refusal raised by trading/ (which knows codes, not HTTP)."""
    return ServiceError(exc.code, exc.error, REFUSAL_STATUS.get(exc.code, 422))


def error_reply(exc: ServiceError) -> tuple[Response, int]:
    """The one place an error becomes a reply: ``{"code", "error", **extra}`` with its status."""
    return jsonify({"code": exc.code, "error": exc.error, **exc.extra}), exc.status


def _runtime() -> Runtime:
    return current_app.extensions["trading_runtime"]


def guarded(*, token: bool, journal_refusals: bool = False) -> Callable[[View], View]:
    """Guard, then token: the source address is admitted first, then (``token``) the X-Webhook-Token header.

    The view receives the client address as ``source``. Refusals of trading/ become ServiceErrors;
    with ``journal_refusals`` every 4xx answer (the guard's or the view's) is journaled first and
    carries its ``refused_id``, so a refused alert can be looked up like an accepted one.
    """

    def wrap(view: View) -> View:
        @functools.wraps(view)
        def guarded_view(**kwargs: Any) -> Any:
            service = _runtime().service
            forwarded = request.headers.get("X-Forwarded-For")
            source = service.guard.client_address(request.remote_addr or "unknown", forwarded)
            try:
                try:
                    service.guard.admit(source)
                    if token:
                        service.check_token(request.headers.get("X-Webhook-Token"), source=source)
                    return view(source=source, **kwargs)
                except (SourceRefused, SignalRejected) as exc:
                    raise service_error(exc) from None
                except RequestEntityTooLarge:
                    raise BodyTooLarge() from None
            except ServiceError as exc:
                if journal_refusals and exc.refused:
                    body = g.get("raw_body", b"").decode("utf-8", "replace")
                    exc.extra["refused_id"] = service.refuse(
                        source=source, status=exc.status, code=exc.code, reason=exc.error, body=body
                    )
                raise

        return cast(View, guarded_view)

    return wrap


def _access() -> AccessPolicy:
    return current_app.extensions["trading_access"]


def admin_route(control: bool = False) -> Callable[[View], View]:
    """An admin route: ADMIN_TOKEN as ``Authorization: Bearer``, never the webhook token (403).

    Without ADMIN_TOKEN, paper mode serves the machine itself (127.0.0.1, ::1) and demo/live answer
    401 (trading.access). A wrong admin token counts towards the same per-address brake as a wrong
    webhook token. ``control`` marks a route that changes something; today both kinds obey the same
    rules, and the mark keeps them apart in the access log.
    """

    def wrap(view: View) -> View:
        @functools.wraps(view)
        def admin_view(**kwargs: Any) -> Any:
            _check_admin(control=control)
            return view(**kwargs)

        return cast(View, admin_view)

    return wrap


def _check_admin(*, control: bool) -> None:
    """Raise a ServiceError unless the request may use an admin route."""
    service = _runtime().service
    forwarded = request.headers.get("X-Forwarded-For")
    source = service.guard.client_address(request.remote_addr or "unknown", forwarded)
    untrusted_proxy = source == request.remote_addr and bool(forwarded or request.headers.get("Forwarded"))
    try:
        _access().check(
            bearer=bearer_token(request.headers.get("Authorization")),
            webhook_header=request.headers.get("X-Webhook-Token"),
            address=source,
            forwarded=untrusted_proxy,
        )
    except AccessDenied as exc:
        if exc.code == "invalid-admin-token":
            try:
                service.guard.record_failure(source)
            except SourceRefused as brake:
                raise service_error(brake) from None
        log.warning("%s request from %s refused: %s", "control" if control else "admin", source, exc.code)
        raise ServiceError(exc.code, exc.error, exc.status) from None


def _read_body() -> bytes:
    """The raw body, refused when its type is not one TradingView sends or it is too long."""
    if request.mimetype and request.mimetype not in ACCEPTED_TYPES and not request.mimetype.endswith("+json"):
        raise UnsupportedMediaType()
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY_BYTES:  # a chunked body has no Content-Length to refuse it earlier
        raise BodyTooLarge()
    g.raw_body = raw
    return raw


def _decode_body(raw: bytes) -> Mapping[str, Any]:
    """JSON object from the body; TradingView sends JSON as application/json, other text as text/plain."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SignalRejected("invalid-encoding", "the body must be UTF-8 text") from None
    if not text.strip():
        raise SignalRejected("malformed-json", "the body is empty; send the alert as a JSON object")
    try:
        payload = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise SignalRejected("malformed-json", "the body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise SignalRejected("malformed-json", "the body must be a JSON object")
    if _depth(payload) > MAX_JSON_DEPTH:
        raise SignalRejected("malformed-json", f"the body is nested deeper than {MAX_JSON_DEPTH} levels")
    return payload


def _depth(value: Any) -> int:
    """Nesting depth of decoded JSON, without recursion (a hostile body may be thousands deep)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item)
    return deepest


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


@api.post("/api/webhook")
@guarded(token=False, journal_refusals=True)
def webhook(source: str) -> tuple[Response, int]:
    """Take one alert: its token is the body's ``token`` field or the X-Webhook-Token header."""
    service = _runtime().service
    payload = _decode_body(_read_body())
    try:
        accepted = service.accept(payload, source=source, header_token=request.headers.get("X-Webhook-Token"))
    except Saturated as exc:
        raise Unavailable("saturated", f"too many signals waiting ({exc}); this one was not taken") from None
    except ShuttingDown:
        raise Unavailable("shutting-down", "the service is shutting down; this signal was not taken") from None
    body: dict[str, Any] = {"status": accepted.status, "signal_id": accepted.signal_id}
    if accepted.duplicate_of:
        body["duplicate_of"] = accepted.duplicate_of
    if accepted.reason:
        body["reason"] = accepted.reason
    if accepted.note:
        body["note"] = accepted.note
    if accepted.signals:  # the alert went to several accounts: one line each (the fields above are the first's)
        body["signals"] = [row.as_row() for row in accepted.signals]
    return jsonify(body), 200


@api.post("/api/webhook/test")
@guarded(token=False)
def webhook_test(source: str) -> tuple[Response, int]:
    """Dry run: what this alert would do now (same body and token as the webhook); places nothing."""
    payload = _decode_body(_read_body())
    token = request.headers.get("X-Webhook-Token")
    return jsonify(_runtime().service.dry_run(payload, source=source, header_token=token)), 200


@api.get("/api/signals/<signal_id>")
def signal_status(signal_id: str) -> tuple[Response, int]:
    """What happened to a signal: with the webhook token (X-Webhook-Token) as before, or as an admin route.

    A request that carries X-Webhook-Token and no Authorization header is checked as before (guard,
    then token); any other is an admin request, which also gets the signal's timeline.
    """
    if request.headers.get("X-Webhook-Token") is not None and request.headers.get("Authorization") is None:
        return _signal_status_with_webhook_token(signal_id=signal_id)
    _check_admin(control=False)
    reply = _signal_reply(signal_id)
    reply["timeline"] = history.timeline(_runtime().journal, signal_id)
    return jsonify(reply), 200


@guarded(token=True)
def _signal_status_with_webhook_token(signal_id: str, source: str) -> tuple[Response, int]:
    reply = _signal_reply(signal_id)
    reply["timeline"] = history.timeline(_runtime().journal, signal_id)
    return jsonify(reply), 200


def _signal_reply(signal_id: str) -> dict[str, Any]:
    """A signal's status reply (a refused request's too); UnknownSignal (404) when there is none."""
    journal = _runtime().journal
    record = journal.signal(signal_id)
    if record is not None:
        return {
            "signal_id": record.id,
            "status": record.status.value,
            "reason": record.reason,
            "symbol": record.symbol,
            "intent": record.intent,
            "received_at": record.received_at,
            "note": record.note,
            "account": record.account,
            "orders": [order.as_dict() for order in journal.orders(record.id)],
        }
    refused = journal.refusal(signal_id)
    if refused is None:
        raise UnknownSignal(signal_id)
    return {
        "signal_id": refused.id,
        "status": SignalStatus.REFUSED.value,
        "reason": refused.reason,
        "code": refused.code,
        "http_status": refused.status,
        "source": refused.source,
        "received_at": refused.received_at,
        "last_at": refused.last_at,
        "repeats": refused.repeats,
        "body": refused.body,
        "symbol": "",
        "intent": "",
        "orders": [],
    }


# -- the dashboard page and its controls -----------------------------------------------------------

# The page and its files come from this app alone: no inline script or style, nothing from elsewhere.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@api.get("/")
def dashboard() -> Response:
    """The dashboard: a static page; its data comes from the admin routes, so the page itself holds none."""
    return current_app.send_static_file("index.html")


@api.after_app_request
def _page_headers(response: Response) -> Response:
    """A strict Content-Security-Policy on every reply, so the page runs only the app's own files."""
    response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def _control_body() -> dict[str, Any]:
    """A control request's JSON object. JSON only and same-origin only, so no other site's page can
    send one from a browser on this machine (a cross-site form cannot set application/json)."""
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") != request.host_url.rstrip("/"):
        raise ServiceError("cross-origin", f"control requests from {origin} are refused", 403)
    if request.mimetype != "application/json":
        raise ServiceError("unsupported-media-type", "send the control request as application/json", 415)
    try:
        body = json.loads(request.get_data(cache=False) or b"null", parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise ServiceError("malformed-json", "the body is not valid JSON", 400) from None
    if not isinstance(body, dict):
        raise ServiceError("malformed-json", "the body must be a JSON object", 400)
    return body


def _caller() -> str:
    """Who sent a control request, for the record: its client address."""
    forwarded = request.headers.get("X-Forwarded-For")
    return _runtime().service.guard.client_address(request.remote_addr or "unknown", forwarded)


def _switch_reply() -> dict[str, Any]:
    switch = _runtime().service.switch
    return {**switch.state().as_dict(), "describe": switch.state().describe(), "history": switch.history()[-20:]}


@api.get("/api/control/trading")
@admin_route()
def trading_switch() -> tuple[Response, int]:
    """The kill switch: whether signals reach the exchange, who last turned it, and earlier changes."""
    return jsonify(_switch_reply()), 200


@api.post("/api/control/trading")
@admin_route(control=True)
def set_trading_switch() -> tuple[Response, int]:
    """Turn trading on or off; kept under DATA_DIR, so it holds across restarts over TRADING_ENABLED."""
    enabled = _control_body().get("enabled")
    if not isinstance(enabled, bool):
        raise ServiceError("invalid-control", 'send {"enabled": true} or {"enabled": false}', 400)
    try:
        state = _runtime().service.switch.set(enabled, origin="dashboard", by=_caller())
    except OSError as exc:
        reason = f"the switch could not be saved ({exc.strerror}); it is unchanged"
        raise Unavailable("switch-not-saved", reason) from None
    change = {"enabled": enabled, "by": _caller(), "state": state.describe()}
    _runtime().journal.record_control("trading_switched", change)
    return jsonify(_switch_reply()), 200


@api.post("/api/positions/<symbol>/close")
@admin_route(control=True)
def close_position_route(symbol: str) -> tuple[Response, int]:
    """Close a position: a closing signal per open leg, journaled with source "dashboard" and run like an alert."""
    if _control_body().get("confirm") is not True:
        raise ServiceError("confirm-required", 'send {"confirm": true} to close the position', 400)
    service = _runtime().service
    try:
        accepted = close_position(service, symbol)
    except ValueError as exc:
        raise ServiceError("invalid-symbol", str(exc), 400) from None
    except NothingToClose as exc:
        raise ServiceError("no-position", str(exc), 409) from None
    except ExchangeError as exc:
        raise Unavailable("exchange-unavailable", f"the exchange could not list the position: {exc}") from None
    except SignalRejected as exc:
        raise service_error(exc) from None
    except Saturated:
        raise Unavailable("saturated", "too many signals waiting; the close was not taken") from None
    except ShuttingDown:
        raise Unavailable("shutting-down", "the service is shutting down; the close was not taken") from None
    signals = [{"signal_id": a.signal_id, "status": a.status, "reason": a.reason} for a in accepted]
    return jsonify({"symbol": symbol, "signals": signals}), 200


def _query_args() -> dict[str, str]:
    return {key: request.args.get(key, "") for key in request.args}


def _history_call(call: Callable[[], Any]) -> Any:
    """Run a history call; a parameter it cannot read is a 400 with its message."""
    try:
        return call()
    except history.QueryError as exc:
        raise ServiceError("bad-query", str(exc), 400) from None


def _live_call(call: Callable[[], dict[str, Any]]) -> tuple[Response, int]:
    try:
        return jsonify(call()), 200
    except history.LiveUnavailable as exc:
        raise Unavailable("exchange-unavailable", str(exc)) from None


@api.get("/api/signals")
@admin_route()
def signals_list() -> tuple[Response, int]:
    """Signals newest first, refused requests included, a page at a time (``next_cursor``)."""
    journal = _runtime().journal
    return jsonify(_history_call(lambda: history.list_signals(journal, history.parse_signal_query(_query_args())))), 200


@api.get("/api/trades")
@admin_route()
def trades_list() -> tuple[Response, int] | Response:
    """The fills as a trade log, newest first; ``format=csv`` for a spreadsheet."""
    args = _query_args()
    fmt = args.get("format", "json").lower() or "json"
    if fmt not in ("json", "csv"):
        raise ServiceError("bad-query", f"format={fmt!r}: must be json or csv", 400)
    journal = _runtime().journal
    rows = _history_call(lambda: history.trades(journal, history.parse_period(args), history.parse_symbol(args)))
    if fmt == "csv":
        return Response(
            history.trades_csv(rows),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=trades.csv"},
        )
    return jsonify({"trades": rows}), 200


@api.get("/api/stats")
@admin_route()
def stats() -> tuple[Response, int]:
    """Signals by status, wins, losses, realized PnL and fees, per symbol and overall, over a period."""
    journal = _runtime().journal
    return jsonify(_history_call(lambda: history.stats(journal, history.parse_period(_query_args())))), 200


@api.get("/api/equity")
@admin_route()
def equity() -> tuple[Response, int]:
    """Realized PnL less fees, added up fill by fill (the dashboard's chart)."""
    journal = _runtime().journal
    return jsonify(_history_call(lambda: history.equity(journal, history.parse_period(_query_args())))), 200


@api.get("/api/positions")
@admin_route()
def positions() -> tuple[Response, int]:
    """Open positions, live from the exchange (kept a couple of seconds)."""
    return _live_call(_live().positions)


@api.get("/api/account")
@admin_route()
def account() -> tuple[Response, int]:
    """Equity and available margin, live from the exchange (kept a couple of seconds)."""
    return _live_call(_live().account)


def _live() -> history.LiveView:
    return current_app.extensions["trading_live"]


@api.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 ``ok`` only while taking signals with a usable exchange; 503 ``degraded`` or ``shutting-down``."""
    runtime = _runtime()
    accepting = runtime.service.dispatcher.accepting
    exchange = runtime.health.snapshot()
    accounts = {name: account.health.snapshot() for name, account in runtime.accounts.items()}
    usable = exchange.usable and all(snapshot.usable for snapshot in accounts.values())
    status = "shutting-down" if not accepting else "ok" if usable else "degraded"
    extra: dict[str, Any] = {}
    if len(accounts) > 1:  # each account's exchange; "exchange" stays the first account's
        extra["accounts"] = {
            name: {"mode": runtime.accounts[name].settings.mode, "exchange": snapshot.as_dict()}
            for name, snapshot in accounts.items()
        }
    return jsonify(
        {
            "status": status,
            "mode": runtime.settings.mode,
            **extra,
            "exchange": exchange.as_dict(),
            "queue": runtime.service.dispatcher.load(),
            "signals": runtime.journal.counts(),
            "instance": {"name": runtime.service.dispatcher.name, "holds": runtime.service.dispatcher.held()},
        }
    ), (200 if status == "ok" else 503)


@api.get("/metrics")
@admin_route()
def metrics() -> Response:
    """Prometheus text: signals, orders, latencies, exchange errors, queue and notifier backlog (admin read)."""
    observed: Observability = current_app.extensions["trading_observability"]
    return Response(observed.metrics.render(), mimetype=None, content_type=CONTENT_TYPE)


@api.before_app_request
def _start_request() -> None:
    """A request starts with no signal named in its log lines (threads serve many requests)."""
    log_context.clear()
    g.started = time.monotonic()


@api.teardown_app_request
def _end_request(_exc: BaseException | None) -> None:
    log_context.clear()


@api.after_app_request
def _time_webhook(response: Response) -> Response:
    if request.endpoint == "api.webhook":
        observed: Observability = current_app.extensions["trading_observability"]
        observed.metrics.webhook_reply(response.status_code, time.monotonic() - g.get("started", time.monotonic()))
    return response


@api.get("/openapi.yaml")
def openapi() -> Response:
    return Response(OPENAPI_PATH.read_bytes(), mimetype="application/yaml")


def _http_error(exc: HTTPException) -> tuple[Response, int]:
    """Flask's own refusals (unknown path, wrong method, too long) in the same shape."""
    code = {413: "body-too-large", 404: "not-found", 405: "method-not-allowed"}.get(exc.code or 500, "http-error")
    return error_reply(ServiceError(code, exc.description or exc.name, exc.code or 500))


def _unexpected(exc: Exception) -> tuple[Response, int]:
    log.exception("unexpected error handling %s %s", request.method, request.path)
    return error_reply(ServiceError("internal-error", "unexpected error; the service log has the details", 500))


def create_app(settings: Settings | Mapping[str, str] | None = None, *, runtime: Runtime | None = None) -> Flask:
    """Application factory: settings from a mapping (tests) or the environment and `.env`."""
    if not isinstance(settings, Settings):
        settings = Settings.from_env(settings)
    configure_logging(settings.log_level, settings.secrets(), settings.log_format)
    if runtime is None:
        runtime = build_runtime(settings)
        runtime.start()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES + 1  # one byte more, so an over-long chunked body shows
    app.extensions["trading_runtime"] = runtime
    observed = observe(runtime, settings)
    app.extensions["trading_observability"] = observed
    app.extensions["trading_access"] = AccessPolicy(settings.access, settings.service.token)
    allowlist = settings.service.symbol_allowlist or frozenset()
    app.extensions["trading_live"] = history.LiveView(
        lambda: runtime.exchange,
        lambda: {*history.traded_symbols(runtime.journal), *allowlist},
        usable=lambda: runtime.health.snapshot().usable,
    )
    app.register_blueprint(api)
    app.register_error_handler(ServiceError, error_reply)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    atexit.register(observed.stop)  # runs after runtime.shutdown (LIFO): the shutdown notice goes out
    atexit.register(runtime.shutdown)
    for warning in settings.warnings:
        log.warning("configuration: %s", warning)
    log.info("access: %s", app.extensions["trading_access"].startup_note)
    return app


def main() -> None:
    """Serve with the production server (serve.py); SIGTERM/SIGINT shut down gracefully."""
    from serve import serve

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        raise SystemExit(f"configuration error: {exc}") from None
    try:
        app = create_app(settings)
    except StartupError as exc:
        raise SystemExit(str(exc)) from None
    runtime: Runtime = app.extensions["trading_runtime"]
    serve(app, settings.host, settings.port, on_stop=runtime.shutdown)
    log.info("stopped")


if __name__ == "__main__":
    main()
