"""Where the journal lives: one SQLAlchemy engine on SQLite or PostgreSQL, its transactions, its migrations.

SQLite (the default, a file under DATA_DIR): one writing connection behind one lock, and one
reading connection per thread (a file journal; in memory, reads share the writer's lock); WAL so
readers never wait on the writer and the writer never waits on them (the webhook's ack is a write,
and it must not queue behind the executor's or the dashboard's reads); ``synchronous=NORMAL`` (a
killed process loses nothing; only an operating-system crash can lose the last commits), and every
write in ``BEGIN IMMEDIATE`` so the write lock is taken up front and two processes on one file take
turns instead of failing halfway. pysqlite's own transaction handling is switched off and
SQLAlchemy emits the BEGIN (the recipe in SQLAlchemy's SQLite dialect notes). Admissions go
through ``together``: on SQLite, those queued at the same moment share one transaction, run by one
writer thread (group commit, ``journal_group.py``).

PostgreSQL (DATABASE_URL): a connection pool; each operation is one transaction. Writes that
need the same order everywhere (admitting a signal) take a transaction-scoped advisory lock, so
arrival numbers are handed out in commit order and duplicate detection sees every earlier signal.

The journal's own statements are SQLAlchemy Core, compiled once per backend (``Prepared``) and run
on the driver's cursor inside a transaction this module opens and ends. SQLAlchemy's execution
layer (result objects, events, cache lookups) cost more than the whole SQLite write it wraps,
and the webhook's ack waits on that write; reports (``Journal.select``) and migrations go through
SQLAlchemy's Connection as usual.

Counts per status are kept by triggers on both backends (created by the migrations), not in
Python: they then hold for every write, including a repair made by hand, and on SQLite they cost
no extra statement on the webhook's ack path.

Opening migrates with Alembic, in one write transaction. A SQLite journal of a release before
Alembic (PRAGMA user_version 0..4, no ``alembic_version`` table) first gets the numbered steps it
lacks, then is stamped with the baseline, then upgraded to the head like any other.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Engine, Executable, create_engine, event, inspect
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import StaticPool

from trading.journal_checkpoint import LOG_SIZE_LIMIT, WRITER_BACKSTOP_PAGES, Checkpointer
from trading.journal_group import GroupCommit
from trading.journal_legacy import LAST_STEP, STEPS, statements

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
HEAD = "0003"  # the newest revision in migrations/versions (a unit test keeps the two in step)
ADMIT_LOCK = 0x6A6F75726E616C  # PostgreSQL advisory lock key taken by every admission ("journal")
MIGRATE_LOCK = ADMIT_LOCK + 1  # and by every opening journal while it migrates
POSTGRES_SCHEMES = ("postgresql+psycopg", "postgresql", "postgres")
T = TypeVar("T")
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


class JournalTargetError(ValueError):
    """A journal target that cannot be used; the message never shows a password."""


class JournalUnavailable(Exception):
    """The journal's database cannot be opened (unreachable, refused, unreadable); one line, no password."""


def mask_url(url: str) -> str:
    """The URL with its password replaced by ``***``: safe for a log line or an error message."""
    return _PASSWORD.sub(r"\1***@", url)


def database_password(url: str) -> str | None:
    """The password inside a database URL (for the log redactor), if it has one of 8 characters or more.

    A shorter one is left out: redacting a word such as ``postgres`` would garble every line naming the database.
    """
    if not url:
        return None
    try:
        password = make_url(normalize_url(url)).password
    except JournalTargetError:
        return None
    return password if password and len(password) >= 8 else None


def normalize_url(target: str | Path) -> str:
    """The SQLAlchemy URL of a journal target: a file path (SQLite) or a sqlite:// / postgresql:// URL.

    ``postgresql://`` and ``postgres://`` are read as ``postgresql+psycopg://`` (the driver installed).
    """
    text = str(target)
    if "://" not in text:
        return "sqlite://" if text == ":memory:" else f"sqlite:///{text}"
    scheme, rest = text.split("://", 1)
    if scheme.lower() in POSTGRES_SCHEMES:
        url = f"postgresql+psycopg://{rest}"
    elif scheme.lower() in ("sqlite", "sqlite+pysqlite"):
        url = f"sqlite://{rest}"
    else:
        raise JournalTargetError(
            f"{mask_url(text)}: not a journal database; use postgresql://user:password@host:port/database"
            " (or sqlite:///path)"
        )
    try:
        make_url(url)
    except ArgumentError:
        raise JournalTargetError(f"{mask_url(text)}: not a database URL this service can read") from None
    return url


Binder = Callable[[Mapping[str, Any]], Any]  # a run's parameters -> what the driver's execute() takes


class Prepared:
    """A Core statement compiled once per backend: its SQL text and how a run's parameters are passed."""

    def __init__(self, statement: Executable, columns: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.columns = list(columns) if columns is not None else None  # an INSERT's columns, given at each run
        self._compiled: dict[str, tuple[str, Binder]] = {}

    def compiled(self, dialect: Dialect) -> tuple[str, Binder]:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = _compile(self.statement, dialect, self.columns)
        return found


def _compile(statement: Executable, dialect: Dialect, columns: list[str] | None = None) -> tuple[str, Binder]:
    """SQL text, and a binder putting the run's parameters (with the statement's own constants) in driver order."""
    compiled = statement.compile(dialect=dialect, column_keys=columns)  # type: ignore[attr-defined]
    if compiled.has_out_parameters or compiled.literal_execute_params or compiled.post_compile_params:
        # an IN list bound at run time: only a statement compiled at its run (values known) may carry one
        compiled = statement.compile(  # type: ignore[attr-defined]
            dialect=dialect, column_keys=columns, compile_kwargs={"render_postcompile": True}
        )
    given = {name for name, bind in compiled.binds.items() if bind.required}
    fixed = {name: value for name, value in compiled.construct_params(_check=False).items() if name not in given}
    if not (dialect.positional and compiled.positiontup is not None):
        return compiled.string, (lambda params: {**fixed, **params}) if fixed else (lambda params: params)
    order = tuple(compiled.positiontup)
    if not order:
        return compiled.string, lambda params: ()
    pick = itemgetter(*order) if len(order) > 1 else (lambda values: (values[order[0]],))
    return compiled.string, (lambda params: pick({**fixed, **params})) if fixed else pick


class Tx:
    """The statements of one transaction, run on the driver's cursor; rows come back as dicts."""

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self.cursor = cursor
        self.dialect = dialect

    def run(self, statement: Prepared | Executable, params: Mapping[str, Any] | None = None) -> Any:
        """Execute ``statement`` (a Prepared one, or a Core statement compiled now with its values bound)."""
        sql, bind = statement.compiled(self.dialect) if isinstance(statement, Prepared) else _compile(
            statement, self.dialect
        )
        self.cursor.execute(sql, bind(params or {}))
        return self.cursor

    def rows(self, statement: Prepared | Executable, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        cursor = self.run(statement, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def first(self, statement: Prepared | Executable, params: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        cursor = self.run(statement, params)
        row = cursor.fetchone()
        return None if row is None else dict(zip([column[0] for column in cursor.description], row, strict=True))

    def scalar(self, statement: Prepared | Executable, params: Mapping[str, Any] | None = None) -> Any:
        row = self.run(statement, params).fetchone()
        return None if row is None else row[0]


class Store:
    """The engine and its transactions: ``write()``/``read()`` give a Tx, ``connection()`` a SQLAlchemy Connection."""

    def __init__(self, target: str | Path) -> None:
        self.url = make_url(normalize_url(target))
        self.dialect = self.url.get_backend_name()
        self.sqlite = self.dialect == "sqlite"
        self._lock = threading.RLock()
        self._begin = "BEGIN IMMEDIATE"
        try:
            self.engine = _sqlite_engine(self, self.url) if self.sqlite else _postgres_engine(self.url)
        except OSError as exc:  # the SQLite file's directory cannot be made
            raise JournalUnavailable(f"the journal at {mask_url(str(target))} cannot be opened: {exc}") from None
        self._sa: Connection | None = None
        self._tx: Tx | None = None
        self._local = threading.local()  # this thread's reading connection (a SQLite file only)
        self._readers: list[Any] = []  # every reading connection, closed with the journal
        self._closed = False
        self._checkpointer: Checkpointer | None = None
        # SQLite's writes from the ack path share transactions (journal_group.py says why).
        self._group: GroupCommit | None = GroupCommit(self.write) if self.sqlite else None
        try:
            self._sa = self.engine.connect() if self.sqlite else None
            with self.connection(write=True) as conn:
                migrate(conn)
        except DBAPIError as exc:
            self.close()
            reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
            raise JournalUnavailable(f"the journal at {mask_url(str(target))} cannot be opened: {reason}") from None
        if self.path is not None:
            # No commit pays for a checkpoint; the lock lets it restart the log (journal_checkpoint.py).
            self._checkpointer = Checkpointer(self.path, self._lock)

    @property
    def path(self) -> Path | None:
        """The SQLite file (None in memory or on PostgreSQL)."""
        if not self.sqlite or not self.url.database or self.url.database == ":memory:":
            return None
        return Path(self.url.database)

    def close(self) -> None:
        if self._group is not None:
            self._group.close()  # what is queued is committed first
        checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is not None:
            checkpointer.close()
        with self._lock:
            self._closed = True
            for reader in self._readers:
                reader.close()
            self._readers.clear()
            if self._tx is not None:
                self._tx.cursor.close()
                self._tx = None
            if self._sa is not None:
                self._sa.close()
                self._sa = None
            self.engine.dispose()

    def _sqlite_connection(self) -> Connection:
        if self._sa is None:
            raise RuntimeError("the journal is closed")
        return self._sa

    def _sqlite_tx(self) -> Tx:
        """SQLite's one connection, one cursor (under the lock): made once, used by every transaction."""
        if self._tx is None:
            self._tx = Tx(self._sqlite_connection().connection.driver_connection.cursor(), self.engine.dialect)
        return self._tx

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """One write transaction (BEGIN IMMEDIATE on SQLite): committed on leaving, rolled back on an error."""
        if self.sqlite:
            with self._lock:
                tx = self._sqlite_tx()
                tx.cursor.execute("BEGIN IMMEDIATE")
                try:
                    yield tx
                except BaseException:
                    tx.cursor.execute("ROLLBACK")
                    raise
                tx.cursor.execute("COMMIT")
                if self._checkpointer is not None:
                    self._checkpointer.committed()
            return
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                yield Tx(cursor, self.engine.dialect)
            except BaseException:
                raw.rollback()
                raise
            raw.commit()
        finally:
            raw.close()

    def together(self, work: Callable[[Tx], T]) -> T:
        """``work(tx)`` in a write transaction, committed before this returns; on SQLite the transaction
        may also hold other threads' ``together`` writes queued at the same moment (group commit)."""
        if self._group is None:
            with self.write() as tx:
                return work(tx)
        return self._group.run(work)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """Reads: on SQLite each statement on its own (readers never take the write lock), on PostgreSQL one
        transaction rolled back at the end."""
        if self.sqlite:
            reader = self._reader()
            if reader is None:  # in memory: the one connection, under the lock
                with self._lock:
                    cursor = self._sqlite_tx().cursor.connection.cursor()
                    try:
                        yield Tx(cursor, self.engine.dialect)
                    finally:
                        cursor.close()
                return
            cursor = reader.cursor()
            try:
                yield Tx(cursor, self.engine.dialect)
            finally:
                cursor.close()  # a SELECT left unfinished would hold its snapshot (and the WAL) open
            return
        raw = self.engine.raw_connection()
        try:
            yield Tx(raw.cursor(), self.engine.dialect)
        finally:
            raw.rollback()
            raw.close()

    def _reader(self) -> Any:
        """This thread's own connection to the SQLite file, opened on its first read (None in memory).

        Each statement reads the last committed state (autocommit: no snapshot is kept between reads).
        """
        reader = getattr(self._local, "reader", None)
        if reader is not None or self.path is None:
            return reader
        with self._lock:
            if self._closed:
                raise RuntimeError("the journal is closed")
            reader = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None, timeout=10)
            reader.execute("PRAGMA query_only=ON")
            self._readers.append(reader)
        self._local.reader = reader
        return reader

    @contextmanager
    def connection(self, *, write: bool = False) -> Iterator[Connection]:
        """A SQLAlchemy Connection inside one transaction (BEGIN IMMEDIATE on SQLite when ``write``)."""
        if self.sqlite:
            with self._lock:
                conn = self._sqlite_connection()
                self._begin = "BEGIN IMMEDIATE" if write else "BEGIN"
                with conn.begin():
                    yield conn
            return
        with self.engine.begin() as conn:
            yield conn

    def raw_sqlite(self):  # type: ignore[no-untyped-def]
        """The underlying sqlite3 connection (for tests that watch the statements it runs)."""
        return self._sqlite_connection().connection.driver_connection


def _sqlite_engine(store: Store, url) -> Engine:  # type: ignore[no-untyped-def]
    path = url.database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, poolclass=StaticPool, connect_args={"check_same_thread": False, "timeout": 10}
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # pysqlite emits no BEGIN of its own; SQLAlchemy's "begin" does
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={WRITER_BACKSTOP_PAGES}")  # checkpoints: journal_checkpoint.py
        cursor.execute(f"PRAGMA journal_size_limit={LOG_SIZE_LIMIT}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql(store._begin)

    return engine


def _postgres_engine(url) -> Engine:  # type: ignore[no-untyped-def]
    return create_engine(url, pool_size=8, max_overflow=24, pool_pre_ping=True, pool_recycle=1800)


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache
def _scripts() -> ScriptDirectory:
    """The revisions, read once per process, and only when a journal needs migrating."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


def head() -> str:
    """The newest schema revision this code knows, as Alembic's scripts say."""
    return _scripts().get_current_head() or BASELINE


def current_revision(conn: Connection) -> str | None:
    """The journal's revision, read without Alembic: a current journal opens without loading it at all
    (Alembic and its templates cost a process about 12 MB)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def migrate(conn: Connection) -> None:
    """Bring the journal on ``conn`` (inside a write transaction) to the head revision."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATE_LOCK})")
    current = current_revision(conn)
    if current == HEAD:
        return
    from alembic.runtime.migration import MigrationContext

    if current is None and conn.dialect.name == "sqlite" and inspect(conn).has_table("signals"):
        _finish_legacy_steps(conn)
        MigrationContext.configure(conn).stamp(_scripts(), BASELINE)
    _upgrade(conn)


def _finish_legacy_steps(conn: Connection) -> None:
    """A journal of a release before Alembic: run the numbered steps it lacks, as that release would have."""
    version = conn.exec_driver_sql("PRAGMA user_version").scalar() or 0
    for number, script in enumerate(STEPS[version:], start=version + 1):
        for statement in statements(script):
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql(f"PRAGMA user_version = {number}")
    if (conn.exec_driver_sql("PRAGMA user_version").scalar() or 0) < LAST_STEP:
        raise RuntimeError("the journal's numbered schema steps did not all apply")


def _upgrade(conn: Connection) -> None:
    """Alembic's upgrade to head on ``conn``, inside the caller's transaction (no env.py: configured here)."""
    from alembic.runtime.environment import EnvironmentContext

    scripts = _scripts()

    def steps(rev, _context):  # type: ignore[no-untyped-def]
        return scripts._upgrade_revs("head", rev)

    with EnvironmentContext(_config(), scripts, fn=steps, destination_rev="head") as env:
        env.configure(connection=conn, target_metadata=None)
        with env.begin_transaction():
            env.run_migrations()
