"""The simulator's refusals, carrying Bitget's error code, message and HTTP status.

Kept separate from the client's error classes on purpose: the simulator checks the client, so
the two must not share a line of code.
"""

from __future__ import annotations


class SimError(Exception):
    """A request Bitget would refuse: answered with ``{"code": code, "msg": msg, "data": null}``."""

    def __init__(self, code: str, msg: str, http_status: int = 400) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.http_status = http_status


def missing(name: str) -> SimError:
    """40019: a required parameter is absent or empty."""
    return SimError("40019", f"Parameter {name} cannot be empty")


def invalid(msg: str) -> SimError:
    """40017: a parameter has a value Bitget does not accept."""
    return SimError("40017", msg)


class ControlError(Exception):
    """A bad request to a ``/sim/...`` control endpoint (answered ``{"ok": false, "error": ...}``)."""

    def __init__(self, msg: str, http_status: int = 400) -> None:
        super().__init__(msg)
        self.msg = msg
        self.http_status = http_status
