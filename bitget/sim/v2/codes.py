"""The v2 codes the routes themselves choose: the unified-account refusal and quirk re-coding.

The engine already refuses with v2's codes; this module holds only what the v2 routes add on top.
"""

from __future__ import annotations

from bitget.sim.errors import SimError

UNIFIED_ACCOUNT = "40085"
UTA_MSG = "You are in Unified Account mode, and the Classic Account API is not supported at this time"
ORDER_NOT_FOUND = "40109"


def recoded(err: SimError, wanted: str, engine_code: str) -> SimError:
    """The engine's refusal under the code a test chose for it (bitget.sim.quirks)."""
    if wanted and err.code == engine_code:
        return SimError(wanted, err.msg, err.http_status)
    return err
