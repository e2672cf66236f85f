"""Logging for the service: no secret ever written (tracebacks included), and every line about a signal
names it.

A signal's worker (and the webhook request that stores it) sets ``log_context``; a filter copies its
``signal_id`` (and the clientOid a line mentions) onto each record. ``LOG_FORMAT=json`` writes one JSON
object per line; the text format colours the level only on a terminal.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

REDACTED = "***"
HANDLER_NAME = "trading-bitget"
LOG_FORMATS = ("text", "json")
CONTEXT_FIELDS = ("signal_id", "client_oid")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s"
_COLOURS = {"WARNING": "\033[33m", "ERROR": "\033[31m", "CRITICAL": "\033[1;31m", "DEBUG": "\033[2m"}
_RESET = "\033[0m"
_STEP_SUFFIX = re.compile(r"-[a-z]\d+\b")  # after a signal id: its clientOid's step (-o1, -c1, -m2)
_CONTEXT: ContextVar[Mapping[str, str]] = ContextVar("trading_log_context", default={})  # noqa: B039 (read-only)


class LogContext:
    """The signal the current thread (or request) works on, as its log lines should name it."""

    @contextmanager
    def __call__(self, **fields: str) -> Iterator[None]:
        """Name ``fields`` on every line logged inside the block, then restore what was there."""
        token = _CONTEXT.set({**_CONTEXT.get(), **fields})
        try:
            yield
        finally:
            _CONTEXT.reset(token)

    def bind(self, **fields: str) -> None:
        """Name ``fields`` from now on in this context (a request clears it when it starts)."""
        _CONTEXT.set({**_CONTEXT.get(), **fields})

    def clear(self) -> None:
        _CONTEXT.set({})

    def current(self) -> Mapping[str, str]:
        return _CONTEXT.get()


log_context = LogContext()


class ContextFilter(logging.Filter):
    """Adds ``signal_id`` and ``client_oid`` (empty when none) and the text form ``context`` to each record.

    A clientOid is the signal id with a step suffix (``<id>-o1``); a line that mentions one carries it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        fields = dict(log_context.current())
        signal_id = getattr(record, "signal_id", "") or fields.get("signal_id", "")
        client_oid = getattr(record, "client_oid", "") or fields.get("client_oid", "")
        if signal_id and not client_oid:
            client_oid = client_oid_in(_message(record), signal_id)
        record.signal_id = signal_id
        record.client_oid = client_oid
        shown = " ".join(f"{name}={value}" for name, value in (("signal_id", signal_id), ("client_oid", client_oid))
                         if value)
        record.context = f" [{shown}]" if shown else ""
        return True


def client_oid_in(text: str, signal_id: str) -> str:
    """The first clientOid of ``signal_id`` (``<id>-o1``) that ``text`` mentions, else "".

    Found with a plain search and one precompiled pattern: a pattern built from each signal's id would be
    compiled anew for nearly every line (the ids are new each time), which cost more than the rest of
    writing the line.
    """
    prefix = signal_id + "-"
    start = text.find(prefix)
    while start >= 0:
        found = _STEP_SUFFIX.match(text, start + len(signal_id))
        if found:
            return text[start:found.end()]
        start = text.find(prefix, start + 1)
    return ""


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # a bad format string is logging's own error to report
        return str(record.msg)


class _Redactor:
    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then replaces every known secret value in the finished line."""

    def __init__(self, fmt: str, secrets: Iterable[str], *, colour: bool = False) -> None:
        super().__init__(fmt)
        self._redact = _Redactor(secrets)
        self._colour = colour

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "context"):
            ContextFilter().filter(record)
        text = self._redact(super().format(record))
        colour = _COLOURS.get(record.levelname) if self._colour else None
        return f"{colour}{text}{_RESET}" if colour else text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, signal_id, client_oid (and the traceback)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._redact = _Redactor(secrets)

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "context"):
            ContextFilter().filter(record)
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
            "level": record.levelname,
            "logger": record.name,
            "message": self._redact(_message(record)),
            "signal_id": getattr(record, "signal_id", ""),
            "client_oid": getattr(record, "client_oid", ""),
        }
        if record.exc_info:
            line["traceback"] = self._redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line["traceback"] = self._redact(record.exc_text)
        return json.dumps(line, ensure_ascii=False)


def use_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def configure_logging(level: str, secrets: Iterable[str], fmt: str = "text") -> None:
    """Send the service's log to stderr, redacted; replaces the handler an earlier call installed."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter(secrets))
    else:
        handler.setFormatter(RedactingFormatter(TEXT_FORMAT, secrets, colour=use_colour(sys.stderr)))
    handler.addFilter(ContextFilter())
    handler.set_name(HANDLER_NAME)
    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == HANDLER_NAME:
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("werkzeug").setLevel(max(logging.getLevelName(level), logging.INFO))
    logging.getLogger("urllib3").setLevel(logging.WARNING)
