"""Bitget's v3 (unified account) error codes, and the engine's v2-coded refusals mapped onto them.

The engine refuses with the v2 codes it was built with and never knows which API is asking; the
v3 routes translate on the way out (:func:`to_v3`), so both APIs share every rule and only the
spelling differs. The codes and messages are those of Bitget's UTA REST error-code page, except
``400172`` (the v3 parameter error seen live by client libraries; the page does not list it) and
``40084`` (seen live on a classic key). bitget/sim/README.md explains each choice.
"""

from __future__ import annotations

from bitget.sim.errors import SimError

CLASSIC_ACCOUNT = "40084"
CLASSIC_MSG = "You are in Classic Account mode, and the Unified Account API is not supported at this time"
PARAM = "400172"
SYMBOL_UNKNOWN = "25100"
INSUFFICIENT_MARGIN = "25203"
ORDER_UNKNOWN = "25204"
QTY_BELOW_MIN = "25207"
DUPLICATE_CLIENT_OID = "25212"
LEVERAGE_TOO_HIGH = "25223"
NOTHING_TO_CLOSE = "25227"
OPEN_TYPE = "25236"
PRICE_STEP = "25244"
HOLD_MODE_SWITCH = "25010"
POSITION_EXISTS = "25107"
AMOUNT_BELOW_MIN = "25611"
PRESET_ON_CLOSE = "25612"
TP_NOT_POSITIVE = "25602"
SL_NOT_POSITIVE = "25603"
TP_PRECISION = "25606"
SL_PRECISION = "25607"
LONG_SL_ABOVE_MARK = "25590"
SHORT_SL_BELOW_MARK = "25592"
# Take-profit on the wrong side of the mark: not on any page read; chosen next to the stop-loss pair.
LONG_TP_BELOW_MARK = "25589"
SHORT_TP_ABOVE_MARK = "25591"

# engine (v2) code -> (v3 code, v3 message or None to keep the engine's more detailed one)
_FROM_ENGINE: dict[str, tuple[str, str | None]] = {
    "40017": (PARAM, None),
    "40019": (PARAM, None),
    "40102": (SYMBOL_UNKNOWN, None),
    "40808": (PARAM, None),
    "41103": (PRICE_STEP, None),
    "45035": (SL_PRECISION, None),
    "43118": (DUPLICATE_CLIENT_OID, "Duplicate clientOid"),
    "22002": (NOTHING_TO_CLOSE, "No position available to close"),
    "43006": (QTY_BELOW_MIN, None),
    "45110": (AMOUNT_BELOW_MIN, None),
    "40917": (
        LONG_SL_ABOVE_MARK,
        "For long position TP/SL (close long), the stop-loss trigger price must be less than the mark price",
    ),
    "45122": (
        SHORT_SL_BELOW_MARK,
        "For short position TP/SL (close short), the stop-loss trigger price must be greater than the mark price",
    ),
    "40915": (
        LONG_TP_BELOW_MARK,
        "For long position TP/SL (close long), the take-profit trigger price must be greater than the mark price",
    ),
    "40916": (
        SHORT_TP_ABOVE_MARK,
        "For short position TP/SL (close short), the take-profit trigger price must be less than the mark price",
    ),
    "43025": (ORDER_UNKNOWN, "Order does not exist"),
    "40762": (INSUFFICIENT_MARGIN, "Insufficient margin"),
    "40768": (ORDER_UNKNOWN, "Order does not exist"),
    "40109": (ORDER_UNKNOWN, "Order does not exist"),
    "40774": (OPEN_TYPE, "Incorrect position open type"),
    "22004": ("22004", None),
    "40920": (HOLD_MODE_SWITCH, "Unsupported position mode switch: positions or orders exist"),
    "45117": (POSITION_EXISTS, "There is currently a position or order, the margin mode cannot be changed"),
}


def to_v3(err: SimError) -> SimError:
    """The v3 form of an engine or parameter refusal; auth and v3 codes pass through unchanged."""
    mapped = _FROM_ENGINE.get(err.code)
    if mapped is None:
        return err
    code, msg = mapped
    return SimError(code, msg or err.msg, err.http_status)
