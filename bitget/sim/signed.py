"""The gate in front of every private path, v2 and v3 alike.

Bitget signs both APIs the same way, so both route modules use this one decorator: first the
signature checks (counted as auth failures), then the account-mode check. The order matters: a
badly signed request gets its auth code whatever the account is, exactly as on the exchange,
where the mode is known only once the key is.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Response, request

from bitget.sim.auth import verify
from bitget.sim.context import current
from bitget.sim.errors import SimError

View = Callable[[], Response]


def signed(*, account_mode: str, code: str, msg: str) -> Callable[[View], View]:
    """Verify the signature, then refuse with ``code`` unless the account is in ``account_mode``."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper() -> Response:
            ctx = current()
            try:
                verify(
                    request.headers,
                    method=request.method,
                    path=request.path,
                    query=request.environ.get("QUERY_STRING", ""),
                    body=request.get_data(cache=True),
                    credentials=ctx.credentials,
                    now_ms=ctx.engine.now_ms(),
                )
            except SimError as err:
                ctx.stats.auth_failure(err.code)
                raise
            if ctx.engine.account_mode != account_mode:
                raise SimError(code, msg)
            return view()

        return wrapper

    return decorate
