"""PostgreSQL for tests: a fresh schema per test on the test server, dropped afterwards.

The server is ``TEST_DATABASE_URL`` (default: trust auth on 127.0.0.1:5432, database ``test``).
Each test gets its own schema (``search_path`` set in the URL it receives), so parallel workers
and other test runs on the same server never see each other's tables.

Without a reachable server the PostgreSQL tests are deselected and one line says how to run
them; with ``CI=true`` they run anyway and fail loudly, so CI never passes without them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MARK = "postgres"
BACKENDS = ("sqlite", pytest.param("postgresql", marks=pytest.mark.postgres))


def server_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_URL


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@cache
def unavailable() -> str | None:
    """Why the test server cannot be used (None when it can): checked once per process."""
    engine = create_engine(server_url(), connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as db:
            db.exec_driver_sql("SELECT 1")
    except Exception as exc:  # any failure to connect means: no usable server
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    finally:
        engine.dispose()
    return None


def skip_line() -> str:
    url = make_url(server_url())
    return (
        f"PostgreSQL tests skipped: no server at {url.host or '127.0.0.1'}:{url.port or 5432} — start one"
        " (trust auth, database test) or set TEST_DATABASE_URL"
    )


@contextmanager
def fresh_schema(prefix: str = "t") -> Iterator[str]:
    """A URL whose connections work in a new, empty schema ``<prefix>_<random>``; the schema is dropped after."""
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as db:
            db.exec_driver_sql(f'CREATE SCHEMA "{name}"')
        url = make_url(server_url()).update_query_dict({"options": f"-csearch_path={name}"})
        try:
            yield url.render_as_string(hide_password=False)
        finally:
            with admin.connect() as db:
                db.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    finally:
        admin.dispose()


# ---- pytest wiring (imported by tests/conftest.py) -------------------------------------------------------


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema on the test server; fails under CI when there is no server, else skips."""
    reason = unavailable()
    if reason is not None:
        if in_ci():
            pytest.fail(f"CI=true and PostgreSQL is unreachable at {make_url(server_url()).host}: {reason}")
        pytest.skip(skip_line())
    with fresh_schema() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def journal_target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a journal lives, once per backend: a SQLite file, then a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return tmp_path / "journal.sqlite3"
    return request.getfixturevalue("postgres_url")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a server (and outside CI) the PostgreSQL tests are deselected: one summary line, not one per test."""
    if in_ci() or not any(item.get_closest_marker(MARK) for item in items) or unavailable() is None:
        return
    kept = [item for item in items if not item.get_closest_marker(MARK)]
    config.hook.pytest_deselected(items=[item for item in items if item.get_closest_marker(MARK)])
    items[:] = kept
    config.stash[_DESELECTED] = True


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """The one line (workers of pytest -n deselect on their own; their controller says it once)."""
    controller = config.pluginmanager.hasplugin("dsession")
    if config.stash.get(_DESELECTED, False) or (controller and not in_ci() and unavailable() is not None):
        terminalreporter.write_line(skip_line(), yellow=True)


_DESELECTED = pytest.StashKey[bool]()
