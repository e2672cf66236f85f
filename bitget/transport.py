"""Signed HTTP transport for Bitget: one session, signing, the response envelope, typed errors, retries.

Nothing here knows an endpoint: the v2 (classic) client and a v3 (UTA) adapter share it. What it
guarantees to them:

- the query string and body are built once and the same text is signed and sent;
- every call has explicit (connect, read) timeouts;
- the JSON envelope is read whatever the HTTP status and mapped to a typed error from ``errors.py``;
- only transient failures are retried (bounded attempts and a bounded total time), and a request
  that may have taken effect (read timeout, connection lost after sending, 5xx) is never resent
  unless the caller marked it idempotent: it surfaces as ``AmbiguousResultError`` instead;
- the local clock is aligned with the exchange's, and re-aligned once when the exchange refuses a
  timestamp;
- keys, secrets and passphrases never reach a log line, an error message or ``repr()``;
- every attempt first takes a token from its endpoint's bucket (``bitget.ratelimit``), shared by all
  threads and clients of one account, and a 429 that still comes back holds that endpoint for
  everyone during the retry's backoff.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from bitget.auth import DEFAULT_LOCALE, Credentials, auth_headers, base_headers
from bitget.errors import (
    AccountModeError,
    AmbiguousResultError,
    AuthenticationError,
    BitgetAPIError,
    BitgetError,
    ExchangeUnavailableError,
    InsufficientBalanceError,
    InvalidOrderError,
    NetworkError,
    NoDataError,
    NoPositionError,
    OrderNotFoundError,
    RateLimitError,
    UnknownSymbolError,
)
from bitget.ratelimit import RateLimiter, shared_limiter
from bitget.session import BitgetSession

log = logging.getLogger(__name__)

SUCCESS_CODE = "00000"
TIMESTAMP_CODES = frozenset({"40004", "40005", "40008"})
RATE_LIMIT_CODES = frozenset({"429", "1001"})
# "Request timed out" (40010) and "system abnormal" (40015): Bitget could not say whether the request
# was carried out. A read is simply retried; a write that is not idempotent is ambiguous (looked up
# before anything is sent again).
UNSETTLED_CODES = frozenset({"40010", "40015"})

# Bitget code -> error class, one table for both account systems (as ccxt keeps it). Codes from
# docs/bitget-api-v2.md §5 and, for v3 (UTA), docs/bitget-api-v3-uta.md §5.2.
_CODE_TABLE: dict[type[BitgetAPIError], tuple[str, ...]] = {
    AuthenticationError: (
        "40001", "40002", "40003", "40011", "40004", "40005", "40008", "40006",
        "40009", "40012", "40014", "40018", "40037", "40099",
    ),
    ExchangeUnavailableError: ("40200", "40308", "41114", "40010", "40015"),
    InsufficientBalanceError: ("40762", "43012", "40711", "40712", "25202", "25203"),
    UnknownSymbolError: ("40102",),
    OrderNotFoundError: (
        "40768", "43001", "40109", "43004", "43020", "43025", "45031", "45057", "22001", "25204",
    ),
    NoPositionError: ("22002", "25227", "40891"),
    AccountModeError: ("40084", "40085"),
    NoDataError: ("40054",),
    InvalidOrderError: (
        "43006", "45110", "40808", "41103", "40774", "40917", "45122", "43118", "40017", "40019",
        "400172", "25236", "25237", "45021", "43075", "45034", "40786", "25212", "45035", "25607",
        "22004",
    ),
}  # fmt: skip
CODE_CLASSES: dict[str, type[BitgetAPIError]] = {
    code: cls for cls, codes in _CODE_TABLE.items() for code in codes
}

# What a user should check, for the configuration errors a log reader meets first.
_HINTS = {
    "40001": "API key header missing: set the API key",
    "40002": "secret key missing: set the secret key",
    "40003": "signature header missing",
    "40011": "passphrase missing: set the API passphrase",
    "40004": "request timestamp expired: the clock is off",
    "40008": "request timestamp expired: the clock is off",
    "40005": "request timestamp refused: the clock is off",
    "40006": "API key refused: check the API key",
    "40009": "signature was refused: check the secret key",
    "40012": "API key or passphrase refused: check the passphrase",
    "40014": "the API key lacks the permission this call needs",
    "40018": "this IP is not in the API key's whitelist",
    "40037": "API key does not exist (a demo key needs demo mode, a live key live mode)",
    "40084": "this is a classic account: use the classic (v2) API",
    "40085": "this is a Unified Trading Account: the classic (v2) API does not serve it",
    "25236": "a classic-only (v2) parameter was sent to the unified (v3) API",
}


def classify(code: str | None, msg: str, http_status: int | None) -> BitgetError:
    """The typed error for a non-success reply: by HTTP 429 first, then by code, then by HTTP class."""
    hint = _HINTS.get(code or "")
    text = f"{hint} (Bitget: {msg})" if hint and msg else hint or msg or "Bitget refused the request"
    if http_status == 429 or code in RATE_LIMIT_CODES:
        return RateLimitError(text or "rate limited", code=code, http_status=http_status)
    cls = CODE_CLASSES.get(code or "")
    if cls is None:
        cls = ExchangeUnavailableError if http_status is not None and http_status >= 500 else BitgetAPIError
    return cls(text, code=code, http_status=http_status)


def is_known_code(code: str | None) -> bool:
    """True when the code states the outcome (a refusal), so the request certainly had no effect."""
    return code in CODE_CLASSES or code in RATE_LIMIT_CODES


def build_query(params: Mapping[str, Any] | None) -> str:
    """``k=v&...`` with keys sorted and None dropped; sent in the URL and signed as this exact text.

    Only characters that would break the query are escaped, so ordinary values (symbols, ids,
    ``USDT-FUTURES``) appear verbatim, as Bitget's own examples sign them.
    """
    if not params:
        return ""
    parts = []
    for key in sorted(params):
        value = params[key]
        if value is None:
            continue
        parts.append(f"{quote(str(key), safe='')}={quote(_text(value), safe=':,/@')}")
    return "&".join(parts)


def serialize_body(body: Mapping[str, Any]) -> str:
    """Compact JSON (no spaces), serialized once: these exact bytes are signed and sent."""
    return json.dumps(body, separators=(",", ":"), default=_text)


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _is_connect_failure(exc: requests.RequestException) -> bool:
    """True when the request certainly never left: connect timeout, refused, DNS failure."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError) and exc.args:
        reason = getattr(exc.args[0], "reason", exc.args[0])
        return isinstance(reason, (NewConnectionError, ConnectTimeoutError))
    return False


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, BitgetError) and exc.retryable


class SignedTransport:
    """GET/POST against one Bitget host, returning the envelope's ``data`` or raising a typed error."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials | None,
        *,
        demo: bool = False,
        connect_timeout: float = 3.05,
        read_timeout: float = 5.0,
        retry_attempts: int = 4,
        retry_deadline: float = 8.0,
        retry_wait_initial: float = 0.25,
        retry_wait_max: float = 2.0,
        session: requests.Session | None = None,
        time_path: str = "/api/v2/public/time",
        locale: str = DEFAULT_LOCALE,
        clock: Callable[[], float] = time.time,
        limiter: RateLimiter | None = None,
        rate_limits: bool = True,
    ) -> None:
        """``limiter`` None: the account's shared one (``rate_limits`` False: no pacing at all)."""
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {base_url!r}")
        if retry_attempts < 1:
            raise ValueError("retry_attempts must be at least 1")
        self.base_url = base_url.rstrip("/")
        self.demo = demo
        self._credentials = credentials
        self._timeout = (connect_timeout, read_timeout)
        self._attempts = retry_attempts
        self._deadline = retry_deadline
        self._wait_initial = retry_wait_initial
        self._wait_max = retry_wait_max
        self._time_path = time_path
        self._locale = locale
        self._clock = clock
        self._owns_session = session is None
        self._session = session if session is not None else self._new_session()
        self._offset_ms = 0
        self._synced = False
        self._last_sync_attempt = float("-inf")
        self._sync_lock = threading.RLock()
        if limiter is None and rate_limits:
            limiter = shared_limiter(self.base_url, credentials.api_key if credentials else None)
        self._limiter = limiter

    def __repr__(self) -> str:
        return f"SignedTransport(base_url={self.base_url!r}, demo={self.demo})"

    @staticmethod
    def _new_session() -> requests.Session:
        # urllib3 must never resend on its own: an order POST is resent only after a lookup.
        return BitgetSession()

    def close(self) -> None:
        """Close the session if this transport created it."""
        if self._owns_session:
            self._session.close()

    # ------------------------------------------------------------------ public calls

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, signed: bool = True,
            demo_header: bool = True) -> Any:
        """GET is side-effect free, so timeouts and lost connections are retried too.

        ``demo_header`` False leaves ``paptrading`` off even in demo mode (the public server-time
        call, which other clients also send without it).
        """
        return self._call("GET", path, build_query(params), "", signed=signed, idempotent=True,
                          demo_header=demo_header)

    def post(self, path: str, body: Mapping[str, Any], *, idempotent: bool = False) -> Any:
        """POST a signed JSON body.

        ``idempotent`` says that sending twice does no harm (cancel, set-leverage): then a read
        timeout or a 5xx is retried. Otherwise those raise ``AmbiguousResultError``.
        """
        return self._call("POST", path, "", serialize_body(body), signed=True, idempotent=idempotent)

    # ------------------------------------------------------------------ clock

    @property
    def time_offset_ms(self) -> int:
        """Exchange clock minus local clock, in milliseconds (0 until synced)."""
        return self._offset_ms

    def now_ms(self) -> int:
        """The exchange's time now, as this process best knows it."""
        return int(self._clock() * 1000) + self._offset_ms

    def server_time(self) -> int:
        """The exchange's clock in epoch milliseconds."""
        return _server_ms(self.get(self._time_path, signed=False, demo_header=False))

    def sync_time(self) -> int:
        """Measure and keep the clock offset (server − local at the round trip's midpoint)."""
        with self._sync_lock:
            self._last_sync_attempt = time.monotonic()
            before = self._clock()
            server = self.server_time()
            after = self._clock()
            self._offset_ms = server - round((before + after) * 500)
            self._synced = True
        log.info("Bitget clock offset %+d ms (round trip %.0f ms)", self._offset_ms, (after - before) * 1000)
        return self._offset_ms

    def _ensure_time_synced(self) -> None:
        """Sync lazily before the first private call; after a failure, try again 30 s later at most."""
        if self._synced:
            return
        with self._sync_lock:
            if self._synced or time.monotonic() - self._last_sync_attempt < 30.0:
                return
            try:
                self.sync_time()
            except BitgetError as err:
                log.warning("could not read Bitget server time (%s); signing with the local clock", err)

    # ------------------------------------------------------------------ plumbing

    def _call(self, method: str, path: str, query: str, body: str, *, signed: bool, idempotent: bool,
              demo_header: bool = True) -> Any:
        if signed:
            if self._credentials is None:
                raise AuthenticationError("no API key configured for a private Bitget call")
            self._ensure_time_synced()
        demo = self.demo and demo_header
        try:
            return self._with_retries(method, path, query, body, signed, idempotent, demo)
        except AuthenticationError as err:
            if not signed or err.code not in TIMESTAMP_CODES:
                raise
            # A refused timestamp is a refusal: nothing happened, so one resend is safe.
            log.warning("%s %s: timestamp refused (code %s); resyncing the clock, retrying once",
                        method, path, err.code)
            self.sync_time()
            return self._with_retries(method, path, query, body, signed, idempotent, demo)

    def _with_retries(self, method: str, path: str, query: str, body: str, signed: bool, idempotent: bool,
                      demo: bool) -> Any:
        retrying = Retrying(
            stop=stop_after_attempt(self._attempts) | stop_before_delay(self._deadline),
            wait=wait_exponential_jitter(multiplier=self._wait_initial, max=self._wait_max,
                                         jitter=self._wait_initial),
            retry=retry_if_exception(_is_retryable),
            before_sleep=lambda state: self._log_retry(method, path, state),
            reraise=True,
        )
        return retrying(self._attempt, method, path, query, body, signed, idempotent, demo)

    def _log_retry(self, method: str, path: str, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimitError) and self._limiter is not None:
            # every caller of this endpoint waits out the backoff, not only the one that was refused
            self._limiter.backoff(path, state.upcoming_sleep)
        log.warning("%s %s failed: %s; retry %d/%d in %.2f s", method, path, exc,
                    state.attempt_number, self._attempts - 1, state.upcoming_sleep)

    def _headers(self, method: str, path: str, query: str, body: str, signed: bool, demo: bool) -> dict[str, str]:
        if not signed or self._credentials is None:
            return base_headers(demo=demo, locale=self._locale)
        return auth_headers(self._credentials, str(self.now_ms()), method, path, query, body,
                            demo=demo, locale=self._locale)

    def _attempt(self, method: str, path: str, query: str, body: str, signed: bool, idempotent: bool,
                 demo: bool) -> Any:
        url = f"{self.base_url}{path}?{query}" if query else f"{self.base_url}{path}"
        if self._limiter is not None:
            waited = self._limiter.acquire(path)
            if waited > 0.05:
                log.debug("%s %s paced %.0f ms by the rate limit", method, path, waited * 1000)
        headers = self._headers(method, path, query, body, signed, demo)
        started = time.monotonic()
        try:
            response = self._session.request(
                method,
                url,
                headers=headers,
                data=body.encode("utf-8") if body else None,
                timeout=self._timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            elapsed = (time.monotonic() - started) * 1000
            err = self._transport_error(exc, method, path, idempotent)
            log.debug("%s %s -> %s (%.0f ms)", method, path, type(exc).__name__, elapsed)
            raise err from exc
        elapsed = (time.monotonic() - started) * 1000
        return self._read_envelope(response, method, path, idempotent, elapsed)

    @staticmethod
    def _transport_error(exc: requests.RequestException, method: str, path: str, idempotent: bool) -> BitgetError:
        if _is_connect_failure(exc):
            return NetworkError(f"{method} {path}: could not connect ({type(exc).__name__})")
        if isinstance(exc, requests.exceptions.ReadTimeout):
            what = "no reply before the read timeout"
        else:
            what = f"connection lost after sending ({type(exc).__name__})"
        if idempotent:
            return NetworkError(f"{method} {path}: {what}")
        return AmbiguousResultError(f"{method} {path}: {what}; the request may have taken effect")

    def _read_envelope(
        self, response: requests.Response, method: str, path: str, idempotent: bool, elapsed_ms: float
    ) -> Any:
        status = response.status_code
        payload = _json_or_none(response.content)
        envelope = payload if isinstance(payload, dict) and payload.get("code") is not None else None
        code = str(envelope["code"]) if envelope is not None else None
        log.debug("%s %s -> HTTP %s code %s (%.0f ms)", method, path, status, code or "-", elapsed_ms)

        if envelope is not None:
            if code == SUCCESS_CODE:
                return envelope.get("data")
            err = classify(code, self._scrub(str(envelope.get("msg") or "")), status)
            if code in UNSETTLED_CODES and not idempotent:
                raise AmbiguousResultError(
                    f"{method} {path}: {err.msg} (code {code}); the request may have taken effect",
                    code=code, http_status=status,
                ) from err
            if status >= 500 and not idempotent and not is_known_code(code):
                raise AmbiguousResultError(
                    f"{method} {path}: HTTP {status} ({err.msg}); the request may have taken effect",
                    code=code, http_status=status,
                ) from err
            raise err

        if status == 429:
            raise RateLimitError("rate limited", http_status=status)
        if status >= 500 or 200 <= status < 300:
            what = f"{method} {path}: HTTP {status} without a readable Bitget reply"
            if not idempotent:
                raise AmbiguousResultError(f"{what}; the request may have taken effect", http_status=status)
            raise ExchangeUnavailableError(what, http_status=status)
        raise BitgetAPIError(f"{method} {path}: HTTP {status} without a Bitget reply", http_status=status)

    def _scrub(self, text: str) -> str:
        """Blank out any credential an exchange message might echo back."""
        if self._credentials is not None:
            for secret in self._credentials.secrets():
                text = text.replace(secret, "***")
        return text


def _json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


def _server_ms(data: Any) -> int:
    value = data.get("serverTime") if isinstance(data, dict) else data
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise BitgetAPIError(f"unreadable server time: {value!r}") from None
