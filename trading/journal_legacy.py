"""The SQLite journal's schema before Alembic: the first release and its four numbered steps (PRAGMA user_version).

Frozen text: a journal written by an earlier version is brought to step 4 with exactly what that
version would have run, then stamped with the Alembic baseline (which is step 4). A fresh SQLite
journal is created by the baseline revision from the same text, so both end identical.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

FIRST_RELEASE = """
CREATE TABLE IF NOT EXISTS signals (
    id TEXT PRIMARY KEY,
    received_at REAL NOT NULL,
    source TEXT NOT NULL,
    payload TEXT NOT NULL,
    symbol TEXT NOT NULL,
    action TEXT NOT NULL,
    sentiment TEXT NOT NULL,
    intent TEXT NOT NULL,
    alert_id TEXT,
    fingerprint TEXT NOT NULL,
    sent_at REAL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS signals_fingerprint ON signals(fingerprint, received_at);
CREATE INDEX IF NOT EXISTS signals_status ON signals(status);
CREATE TABLE IF NOT EXISTS orders (
    client_oid TEXT PRIMARY KEY,
    signal_id TEXT NOT NULL REFERENCES signals(id),
    step TEXT NOT NULL,
    position_side TEXT NOT NULL,
    reduce INTEGER NOT NULL,
    order_type TEXT NOT NULL,
    price TEXT,
    size TEXT NOT NULL,
    order_id TEXT,
    filled TEXT NOT NULL DEFAULT '0',
    avg_price TEXT,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_signal ON orders(signal_id);
"""

# Schema changes after the first release, applied in order; PRAGMA user_version counts the applied ones,
# so a journal written by any earlier version opens with its history intact.
STEPS: tuple[str, ...] = (
    # 1: an alert id may be reused with other trading content (a new signal, noted as such); refusals.
    """
    DROP INDEX IF EXISTS signals_alert_id;
    CREATE INDEX IF NOT EXISTS signals_alert ON signals(alert_id) WHERE alert_id IS NOT NULL;
    ALTER TABLE signals ADD COLUMN note TEXT NOT NULL DEFAULT '';
    CREATE TABLE IF NOT EXISTS refused (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        received_at REAL NOT NULL,
        last_at REAL NOT NULL,
        source TEXT NOT NULL,
        status INTEGER NOT NULL,
        code TEXT NOT NULL,
        reason TEXT NOT NULL,
        body TEXT NOT NULL,
        repeats INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX IF NOT EXISTS refused_source ON refused(source, seq);
    """,
    # 2: the newest executed alert time per symbol is looked up for every signal run.
    """
    CREATE INDEX IF NOT EXISTS signals_symbol_status ON signals(symbol, status, sent_at);
    """,
    # 3: fees and realized PnL of each order as the exchange reports them; a timeline of every change.
    """
    ALTER TABLE orders ADD COLUMN fee TEXT;
    ALTER TABLE orders ADD COLUMN realized_pnl TEXT;
    CREATE TABLE IF NOT EXISTS events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        signal_id TEXT NOT NULL,
        at REAL NOT NULL,
        event TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS events_signal ON events(signal_id, seq);
    CREATE INDEX IF NOT EXISTS signals_received ON signals(received_at);
    CREATE INDEX IF NOT EXISTS orders_updated ON orders(updated_at);
    """,
    # 4: signals per status kept as rows change (triggers, same transaction), so /healthz never counts
    # the whole table; filled from the existing rows once.
    """
    CREATE TABLE IF NOT EXISTS signal_counts (status TEXT PRIMARY KEY, n INTEGER NOT NULL);
    INSERT OR REPLACE INTO signal_counts (status, n) SELECT status, COUNT(*) FROM signals GROUP BY status;
    CREATE TRIGGER IF NOT EXISTS signal_counts_insert AFTER INSERT ON signals BEGIN
        INSERT INTO signal_counts (status, n) VALUES (NEW.status, 1)
            ON CONFLICT(status) DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER IF NOT EXISTS signal_counts_update AFTER UPDATE OF status ON signals
        WHEN OLD.status IS NOT NEW.status BEGIN
        UPDATE signal_counts SET n = n - 1 WHERE status = OLD.status;
        INSERT INTO signal_counts (status, n) VALUES (NEW.status, 1)
            ON CONFLICT(status) DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER IF NOT EXISTS signal_counts_delete AFTER DELETE ON signals BEGIN
        UPDATE signal_counts SET n = n - 1 WHERE status = OLD.status;
    END;
    """,
)
LAST_STEP = len(STEPS)  # the user_version the Alembic baseline corresponds to


def statements(script: str) -> Iterator[str]:
    """The statements of a script one by one (a trigger's body keeps its inner semicolons)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                yield pending.strip()
            pending = ""
    if pending.strip():
        yield pending.strip()
