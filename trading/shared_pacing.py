"""Request pacing shared by every instance through PostgreSQL: one row per (account, endpoint group).

The in-process token buckets pace the threads of one process. Two instances trading one account
would each pace to the full limit and together send twice the exchange's rate; so when the journal
is PostgreSQL the buckets live in its ``rate_buckets`` table instead.

Each row holds the bucket's *theoretical arrival time* (the generic cell rate algorithm, a token
bucket kept as one number): a request may go at ``tat - tolerance``, and taking it moves ``tat``
one interval (1 / rate) on. One ``INSERT … ON CONFLICT DO UPDATE`` does both under the row's lock,
so concurrent callers of any instance queue in order and none waits on a lock longer than that
statement. Times are the database's (``now()``), so instances whose clocks differ still agree; the
caller sleeps the returned wait after the answer arrives, so a request never leaves early.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine, create_engine, text

log = logging.getLogger(__name__)

_TAKE = text(
    """
    INSERT INTO rate_buckets AS b (bucket, tat)
    SELECT :bucket, EXTRACT(EPOCH FROM now())::float8 + :step
    ON CONFLICT (bucket) DO UPDATE SET tat = GREATEST(b.tat, EXCLUDED.tat - :step) + :step
    RETURNING b.tat, EXTRACT(EPOCH FROM now())::float8 AS now
    """
)
_HOLD = text(
    """
    INSERT INTO rate_buckets AS b (bucket, tat)
    SELECT :bucket, EXTRACT(EPOCH FROM now())::float8 + :hold
    ON CONFLICT (bucket) DO UPDATE SET tat = GREATEST(b.tat, EXCLUDED.tat)
    """
)


class SharedBuckets:
    """Token buckets kept in PostgreSQL; the store ``bitget.ratelimit`` uses when instances share an account."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @classmethod
    def open(cls, url: str) -> SharedBuckets:
        """Buckets in the database at ``url`` (the journal's; its migrations made the table)."""
        return cls(create_engine(url, pool_size=4, max_overflow=16, pool_pre_ping=True, pool_recycle=1800))

    def reserve(self, bucket: str, rate: float, capacity: float) -> float:
        """Take one request's turn in ``bucket`` (``rate`` per second, ``capacity`` saved up); seconds to wait."""
        step = 1.0 / rate
        with self._engine.begin() as db:
            row: Any = db.execute(_TAKE, {"bucket": bucket, "step": step}).one()
        start = row.tat - step - _tolerance(rate, capacity)
        return max(0.0, start - row.now)

    def pause(self, bucket: str, rate: float, capacity: float, seconds: float) -> None:
        """Hand out no turn of ``bucket`` for ``seconds`` from now (the exchange answered 429)."""
        with self._engine.begin() as db:
            db.execute(_HOLD, {"bucket": bucket, "hold": seconds + _tolerance(rate, capacity)})

    def close(self) -> None:
        self._engine.dispose()


def _tolerance(rate: float, capacity: float) -> float:
    """How far ahead of its interval a request may go: ``capacity`` requests at once from an idle bucket."""
    return (capacity - 1) / rate
