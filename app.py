"""Flask entry point: routes parse the request and hand it to the trading service, nothing more.

`python app.py` serves on HOST:PORT (default 0.0.0.0:8080) with waitress (serve.py), which reads each
request whole before a handler thread sees it; behind a buffering proxy, gunicorn with one worker and
several threads can serve `app:create_app()` (one process owns the journal and the per-symbol order).
"""

from __future__ import annotations

import atexit
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from config import ConfigError, Settings
from runtime import Runtime, StartupError, build_runtime
from trading.dispatcher import Saturated, ShuttingDown
from trading.guard import SourceRefused
from trading.log_setup import configure_logging
from trading.service import Unauthorized
from trading.signals import SignalRejected

log = logging.getLogger("app")

MAX_BODY_BYTES = 16 * 1024
MAX_JSON_DEPTH = 16
ACCEPTED_TYPES = ("application/json", "text/plain")
OPENAPI_PATH = Path(__file__).with_name("openapi.yaml")
api = Blueprint("api", __name__)


def error(code: str, message: str, status: int, **extra: Any) -> tuple[Response, int]:
    """Every error is JSON with a stable ``code`` and a readable ``error``."""
    return jsonify({"code": code, "error": message, **extra}), status


def _runtime() -> Runtime:
    return current_app.extensions["trading_runtime"]


def _read_body() -> bytes:
    """The raw body, refused when its type is not one TradingView sends or it is too long."""
    if request.mimetype and request.mimetype not in ACCEPTED_TYPES and not request.mimetype.endswith("+json"):
        raise UnsupportedMediaType()
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY_BYTES:  # a chunked body has no Content-Length to refuse it earlier
        raise RequestEntityTooLarge()
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


class UnsupportedMediaType(SignalRejected):
    def __init__(self) -> None:
        super().__init__("unsupported-media-type", "send the alert as application/json or text/plain")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _refusal(exc: Exception) -> tuple[int, str, str]:
    """(HTTP status, code, message) of a webhook request that is refused."""
    if isinstance(exc, SourceRefused):
        return exc.status, exc.code, exc.error
    if isinstance(exc, RequestEntityTooLarge):
        return 413, "body-too-large", f"the body is longer than {MAX_BODY_BYTES} bytes"
    assert isinstance(exc, SignalRejected)
    if isinstance(exc, Unauthorized):
        return 401, exc.code, exc.error
    if isinstance(exc, UnsupportedMediaType):
        return 415, exc.code, exc.error
    return (400 if exc.code in ("malformed-json", "invalid-encoding") else 422), exc.code, exc.error


@api.post("/api/webhook")
def webhook() -> tuple[Response, int]:
    service = _runtime().service
    source = service.guard.client_address(request.remote_addr or "unknown", request.headers.get("X-Forwarded-For"))
    raw = b""
    try:
        service.guard.admit(source)
        raw = _read_body()
        payload = _decode_body(raw)
        accepted = service.accept(payload, source=source, header_token=request.headers.get("X-Webhook-Token"))
    except (SourceRefused, SignalRejected, RequestEntityTooLarge) as exc:
        status, code, message = _refusal(exc)
        refused_id = service.refuse(
            source=source, status=status, code=code, reason=message, body=raw.decode("utf-8", "replace")
        )
        return error(code, message, status, refused_id=refused_id)
    except Saturated as exc:
        return error("saturated", f"too many signals waiting ({exc}); this one was not taken", 503)
    except ShuttingDown:
        return error("shutting-down", "the service is shutting down; this signal was not taken", 503)
    body: dict[str, Any] = {"status": accepted.status, "signal_id": accepted.signal_id}
    if accepted.duplicate_of:
        body["duplicate_of"] = accepted.duplicate_of
    if accepted.reason:
        body["reason"] = accepted.reason
    if accepted.note:
        body["note"] = accepted.note
    return jsonify(body), 200


@api.get("/api/signals/<signal_id>")
def signal_status(signal_id: str) -> tuple[Response, int]:
    """What happened to a signal and its orders (token in the X-Webhook-Token header)."""
    runtime = _runtime()
    guard = runtime.service.guard
    source = guard.client_address(request.remote_addr or "unknown", request.headers.get("X-Forwarded-For"))
    try:
        guard.admit(source)
        runtime.service.check_token(request.headers.get("X-Webhook-Token"), source=source)
    except SourceRefused as exc:
        return error(exc.code, exc.error, exc.status)
    except Unauthorized as exc:
        return error(exc.code, exc.error, 401)
    record = runtime.journal.signal(signal_id)
    if record is None:
        refused = runtime.journal.refusal(signal_id)
        if refused is None:
            return error("unknown-signal", f"no signal {signal_id!r}", 404)
        return jsonify(
            {
                "signal_id": refused.id,
                "status": "refused",
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
        ), 200
    return jsonify(
        {
            "signal_id": record.id,
            "status": record.status,
            "reason": record.reason,
            "symbol": record.symbol,
            "intent": record.intent,
            "received_at": record.received_at,
            "note": record.note,
            "orders": runtime.journal.orders(record.id),
        }
    ), 200


@api.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 ``ok`` only while taking signals with a usable exchange; 503 ``degraded`` or ``shutting-down``."""
    runtime = _runtime()
    accepting = runtime.service.dispatcher.accepting
    exchange = runtime.health.snapshot()
    status = "shutting-down" if not accepting else "ok" if exchange.usable else "degraded"
    return jsonify(
        {
            "status": status,
            "mode": runtime.settings.mode,
            "exchange": exchange.as_dict(),
            "queue": runtime.service.dispatcher.load(),
            "signals": runtime.journal.counts(),
        }
    ), (200 if status == "ok" else 503)


@api.get("/openapi.yaml")
def openapi() -> Response:
    return Response(OPENAPI_PATH.read_bytes(), mimetype="application/yaml")


def _http_error(exc: HTTPException) -> tuple[Response, int]:
    code = {413: "body-too-large", 404: "not-found", 405: "method-not-allowed"}.get(exc.code or 500, "http-error")
    return error(code, exc.description or exc.name, exc.code or 500)


def _unexpected(exc: Exception) -> tuple[Response, int]:
    log.exception("unexpected error handling %s %s", request.method, request.path)
    return error("internal-error", "unexpected error; the service log has the details", 500)


def create_app(settings: Settings | Mapping[str, str] | None = None, *, runtime: Runtime | None = None) -> Flask:
    """Application factory: settings from a mapping (tests) or the environment and `.env`."""
    if not isinstance(settings, Settings):
        settings = Settings.from_env(settings)
    configure_logging(settings.log_level, settings.secrets())
    if runtime is None:
        runtime = build_runtime(settings)
        runtime.start()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES + 1  # one byte more, so an over-long chunked body shows
    app.extensions["trading_runtime"] = runtime
    app.register_blueprint(api)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    atexit.register(runtime.shutdown)
    for warning in settings.warnings:
        log.warning("configuration: %s", warning)
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
