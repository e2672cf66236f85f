"""A fresh PostgreSQL database per test, dropped afterwards, so parallel workers never share one.

The server is the test PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres); ``TEST_PG_URL``
points elsewhere. A database rather than a schema: the journal's migrations, sequences and
version table then need nothing but the URL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """The SQLAlchemy URL of a new, empty database named ``<prefix>_<random>``; dropped on leaving."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as db:
            db.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as db:
                db.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
