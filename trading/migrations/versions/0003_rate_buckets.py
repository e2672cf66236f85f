"""Rate buckets: the exchange's request pacing shared by every instance of one PostgreSQL journal.

One row per bucket (an account's endpoint group): ``tat``, its theoretical arrival time in epoch
seconds, moved on by one interval per request (trading/shared_pacing.py). SQLite journals get the
table too, unused: one process paces itself in memory.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    real = "REAL" if op.get_bind().dialect.name == "sqlite" else "DOUBLE PRECISION"
    op.get_bind().exec_driver_sql(f"CREATE TABLE rate_buckets (bucket TEXT PRIMARY KEY, tat {real} NOT NULL)")
