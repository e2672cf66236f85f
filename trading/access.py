"""Who may read the trade history and use the controls: the ADMIN_TOKEN rules, free of HTTP.

The webhook token is shared with TradingView (it sits in every alert message), so it must never open
the history or the controls: a request that shows it on an admin route is refused as such (403).
Without an ADMIN_TOKEN, paper mode serves these routes to the machine itself only (127.0.0.1, ::1)
and demo/live refuse them, so a forgotten setting never exposes a real account.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

MIN_ADMIN_TOKEN_LENGTH = 16
BEARER = "bearer "


@dataclass(frozen=True)
class AccessSettings:
    """ADMIN_TOKEN, and whether the machine itself may read without it (paper mode only)."""

    admin_token: str = ""
    loopback_open: bool = False

    def __repr__(self) -> str:  # the token never shows in a repr
        shown = "set" if self.admin_token else "unset"
        return f"AccessSettings(admin_token={shown}, loopback_open={self.loopback_open})"


class AccessDenied(Exception):
    """A request refused on an admin route: ``status`` 401 (who are you?) or 403 (not with that)."""

    def __init__(self, code: str, error: str, status: int) -> None:
        super().__init__(error)
        self.code = code
        self.error = error
        self.status = status


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None when there is none."""
    if not authorization or authorization[: len(BEARER)].lower() != BEARER:
        return None
    token = authorization[len(BEARER):].strip()
    return token or None


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _same(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode())


class AccessPolicy:
    """Decides an admin request from its bearer token, any webhook token it carries, and its address."""

    def __init__(self, settings: AccessSettings, webhook_token: str) -> None:
        self.settings = settings
        self.webhook_token = webhook_token

    @property
    def startup_note(self) -> str:
        """The line the start-up log shows about admin access."""
        if self.settings.admin_token:
            return "history and control routes need ADMIN_TOKEN (Authorization: Bearer ...)"
        if self.settings.loopback_open:
            return (
                "ADMIN_TOKEN is not set: history and control routes are open to 127.0.0.1 and ::1 only"
                " (paper mode); set ADMIN_TOKEN to reach them from elsewhere"
            )
        return "ADMIN_TOKEN is not set: history and control routes answer 401 until it is"

    def check(self, *, bearer: str | None, webhook_header: str | None, address: str, forwarded: bool) -> None:
        """Raise AccessDenied unless the request may use an admin route.

        ``forwarded``: the request came through a proxy that is not trusted, so its peer address
        (often 127.0.0.1) says nothing about the real client and never opens the loopback rule.
        """
        shown = bearer if bearer is not None else webhook_header
        if shown is not None and _same(shown, self.webhook_token):
            raise AccessDenied(
                "webhook-token-not-admin",
                "the webhook token does not open admin routes; send ADMIN_TOKEN as Authorization: Bearer",
                403,
            )
        admin = self.settings.admin_token
        if admin:
            if bearer is None:
                raise AccessDenied("admin-token-required", "send ADMIN_TOKEN as Authorization: Bearer <token>", 401)
            if not _same(bearer, admin):
                raise AccessDenied("invalid-admin-token", "wrong admin token", 401)
            return
        if self.settings.loopback_open and is_loopback(address) and not forwarded:
            return
        where = " (paper mode opens them to 127.0.0.1 only)" if self.settings.loopback_open else ""
        raise AccessDenied(
            "admin-token-not-set",
            f"set ADMIN_TOKEN (16+ characters, not the webhook token) to use this route{where}",
            401,
        )
