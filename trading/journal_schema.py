"""The journal's tables as SQLAlchemy Core sees them, for building statements that run on SQLite and PostgreSQL.

These objects describe the newest schema (Alembic head) for queries only: the tables themselves
are created and changed by the migrations in trading/migrations/, which never import this module
(a migration must keep meaning what it meant when it was written).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Double, Integer, MetaData, Table, Text

metadata = MetaData()

signals = Table(
    "signals",
    metadata,
    Column("id", Text, primary_key=True),
    Column("received_at", Double, nullable=False),
    Column("source", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("symbol", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("sentiment", Text, nullable=False),
    Column("intent", Text, nullable=False),
    Column("alert_id", Text),
    Column("fingerprint", Text, nullable=False),
    Column("sent_at", Double),
    Column("status", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("updated_at", Double, nullable=False),
    Column("note", Text, nullable=False),
    Column("account", Text, nullable=False),
    Column("seq", BigInteger),  # arrival order: SQLite's rowid (INTEGER PRIMARY KEY), PostgreSQL an identity
    Column("claimed_by", Text),  # the instance running (or about to run) the signal
    Column("lease_until", Double),  # the claim is void after this time unless renewed
)

orders = Table(
    "orders",
    metadata,
    Column("client_oid", Text, primary_key=True),
    Column("signal_id", Text, nullable=False),
    Column("step", Text, nullable=False),
    Column("position_side", Text, nullable=False),
    Column("reduce", Integer, nullable=False),
    Column("order_type", Text, nullable=False),
    Column("price", Text),
    Column("size", Text, nullable=False),
    Column("order_id", Text),
    Column("filled", Text, nullable=False),
    Column("avg_price", Text),
    Column("state", Text, nullable=False),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    Column("fee", Text),
    Column("realized_pnl", Text),
    Column("seq", BigInteger),  # the order they were journaled in, as for signals
)

events = Table(
    "events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=True),
    Column("signal_id", Text, nullable=False),
    Column("at", Double, nullable=False),
    Column("event", Text, nullable=False),
    Column("detail", Text, nullable=False),
)

refused = Table(
    "refused",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=True),
    Column("id", Text, nullable=False, unique=True),
    Column("received_at", Double, nullable=False),
    Column("last_at", Double, nullable=False),
    Column("source", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("code", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("repeats", Integer, nullable=False),
)

signal_counts = Table(
    "signal_counts",
    metadata,
    Column("status", Text, primary_key=True),
    Column("n", BigInteger, nullable=False),
)
