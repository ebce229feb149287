"""
Backup and restore of the whole database, with each database's own tools.

SQLite: SQLite's online backup API (``sqlite3.Connection.backup``), never a copy of
the file. The app runs SQLite in WAL mode: a committed transaction sits in
``db.sqlite3-wal`` until a checkpoint moves it into the main file, so a copy of
``db.sqlite3`` alone silently loses the latest saves, and a copy taken during a
write can be torn. The backup API reads one consistent snapshot through SQLite's
own locking while the app keeps running; the copy is then switched to the
rollback journal, so the backup is one self-contained file. A restore writes the
backup into the live database through the same API, in one transaction that
other connections see as a whole (or not at all, if it fails).

PostgreSQL: ``pg_dump --format=custom``, restored by ``pg_restore``. The restore
feeds pg_restore's script to ``psql --single-transaction`` behind our own DROPs
(with ``force``), so the database is replaced all at once or not at all.

Why not django-dbbackup (5.4, supports Django 5.2): its SQLite restore writes the
backup's bytes over the live database file, which leaves the old ``-wal`` and
``-shm`` beside a new main file, and its PostgreSQL default is a plain-SQL dump;
both would need settings of its own and a storage layer we do not use.
"""

from __future__ import annotations

import datetime
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
ENGINE_NAMES = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}
WITH_ARTICLE = {SQLITE: "an SQLite", POSTGRESQL: "a PostgreSQL"}
# The first bytes of each kind of backup file: an SQLite database, a pg_dump custom archive.
MAGIC = {SQLITE: b"SQLite format 3\x00", POSTGRESQL: b"PGDMP"}
SUFFIX = {SQLITE: "sqlite3", POSTGRESQL: "dump"}
# The table every Django database has: a backup without it is not of this app.
MIGRATIONS_TABLE = "django_migrations"
# Tables whose row counts a restore reports, so the operator sees at once what came back.
SUMMARY_TABLES = {
    "installs_week": "weeks",
    "installs_snapshot": "snapshots",
    "installs_historicalsnapshot": "snapshot history",
    "auth_user": "users",
}


class BackupError(Exception):
    """A backup or restore that did nothing: the message says why, for the operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    engine: str
    database: str
    size: int
    tables: int


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    engine: str
    database: str
    tables: int
    rows: int
    # SUMMARY_TABLES' labels and their row counts, for the tables the backup has.
    summary: dict[str, int] = field(default_factory=dict)
    # Migrations of this code that the backup lacks (run migrate), and the backup's
    # migrations this code does not know (the backup is from newer code).
    unapplied: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    dropped: int = 0


def backup_engine(path: Path) -> str | None:
    """SQLITE or POSTGRESQL from the file's first bytes; None for any other file."""
    with open(path, "rb") as file:
        head = file.read(16)
    for engine, magic in MAGIC.items():
        if head.startswith(magic):
            return engine
    return None


def backup_filename(engine: str, now: datetime.datetime | None = None) -> str:
    """gasdash-2026-11-30-023000.sqlite3: sorts by time, and says which engine can read it."""
    stamp = timezone.localtime(now).strftime("%Y-%m-%d-%H%M%S")
    return f"gasdash-{stamp}.{SUFFIX[engine]}"


def database_backup(*, output: Path, using: str = DEFAULT_DB_ALIAS) -> BackupResult:
    """
    Write a backup of the database ``using`` to ``output`` (into it, with a dated
    name, when it is a directory). The file appears only when complete and checked:
    it is written beside its final name and renamed.
    """
    connection = connections[using]
    engine = _engine(connection)
    path = output / backup_filename(engine) if output.is_dir() else output
    if not path.parent.is_dir():
        raise BackupError(f"The directory {path.parent} does not exist.")
    if engine == SQLITE and path.exists() and path.samefile(connection.settings_dict["NAME"]):
        raise BackupError(f"{path} is the database itself: choose another file.")
    partial = path.with_name(path.name + ".partial")
    try:
        if engine == SQLITE:
            tables = _sqlite_backup(connection.settings_dict["NAME"], partial)
        else:
            _run(
                [_tool("pg_dump"), "--format=custom", "--no-password", f"--file={partial}"],
                env=_pg_env(connection.settings_dict),
            )
            tables = _pg_archive_tables(partial)
        # Password hashes and API key hashes are in it: for its owner's eyes only.
        partial.chmod(0o600)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(
        path=path,
        engine=engine,
        database=_describe(connection),
        size=path.stat().st_size,
        tables=tables,
    )


def database_restore(
    *, source: Path, using: str = DEFAULT_DB_ALIAS, force: bool = False
) -> RestoreResult:
    """
    Replace the database ``using`` by the backup ``source``, all or nothing.

    Refuses a file that is not a backup, a backup of the other engine, and (unless
    ``force``) a database that has any table: a restore replaces everything in it.
    """
    connection = connections[using]
    engine = _engine(connection)
    if not source.is_file():
        raise BackupError(f"There is no file {source}.")
    found = backup_engine(source)
    if found is None:
        raise BackupError(
            f"{source} is neither an SQLite database nor a pg_dump custom-format archive: "
            "not a backup made by `manage.py backup`."
        )
    if found != engine:
        raise BackupError(
            f"{source} is {WITH_ARTICLE[found]} backup, but this database "
            f"({_describe(connection)}) is {ENGINE_NAMES[engine]}. Point DATABASE_URL at "
            f"{WITH_ARTICLE[found]} database to restore it there."
        )
    if engine == SQLITE:
        _sqlite_check(source)
    else:
        _pg_archive_tables(source)

    existing = connection.introspection.table_names()
    if existing and not force:
        raise BackupError(
            f"The database {_describe(connection)} is not empty: it has {len(existing)} "
            f"tables ({', '.join(existing[:3])}, …). A restore replaces everything in it: "
            "pass --force if that is what you want, or restore into a new, empty database."
        )
    # Whatever this process knew of the old database (its schema, an open
    # transaction) is over: work on a connection of our own, then start afresh.
    connection.close()
    if engine == SQLITE:
        _sqlite_restore(source, connection.settings_dict["NAME"])
    else:
        _pg_restore(source, connection, drop=existing)
    return _restored(connection, source=source, dropped=len(existing))


# --- SQLite -------------------------------------------------------------------------


def _sqlite_backup(database: str, target: Path) -> int:
    if not Path(database).is_file():
        raise BackupError(f"The SQLite database {database} does not exist.")
    # A read-only connection of our own: it reads one committed snapshot (including what
    # still sits in the WAL), whatever transaction Django's connection may have open.
    source = sqlite3.connect(f"{Path(database).resolve().as_uri()}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        # One self-contained file: the copy needs no -wal/-shm beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
        if verdict != "ok":
            raise BackupError(f"The backup copy failed SQLite's integrity check: {verdict}")
        (tables,) = copy.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchone()
    finally:
        copy.close()
        source.close()
    return tables


def _sqlite_check(source: Path) -> None:
    """A readable, intact SQLite file with Django's migrations table, or BackupError."""
    try:
        backup = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            (verdict,) = backup.execute("PRAGMA integrity_check").fetchone()
            has_migrations = backup.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                (MIGRATIONS_TABLE,),
            ).fetchone()
        finally:
            backup.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source} cannot be read as an SQLite database: {error}.") from None
    if verdict != "ok":
        raise BackupError(f"{source} is damaged (SQLite's check says: {verdict}).")
    if not has_migrations:
        raise BackupError(f"{source} is an SQLite database, but not of a Django project.")


def _sqlite_restore(source: Path, database: str) -> None:
    if not Path(database).parent.is_dir():
        raise BackupError(f"The directory of the database {database} does not exist.")
    backup = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    # The busy timeout of the app's own connections: wait for a writer to finish.
    target = sqlite3.connect(database, timeout=20)
    try:
        # Every page at once, in one write transaction on the target: the app's
        # connections see the old database or the restored one, never a mixture.
        backup.backup(target)
        # The app's connections ask for WAL themselves; say it here too, for any other reader.
        target.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as error:
        raise BackupError(f"SQLite refused the restore: {error}.") from None
    finally:
        target.close()
        backup.close()


# --- PostgreSQL ---------------------------------------------------------------------


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools of the server's "
            "major version or newer (Debian: apt-get install postgresql-client)."
        )
    return path


def _pg_env(settings_dict: dict) -> dict[str, str]:
    """The connection as libpq's environment: no password in the process list."""
    env = dict(os.environ)
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": (settings_dict.get("OPTIONS") or {}).get("sslmode"),
    }
    env.update({key: str(value) for key, value in values.items() if value})
    return env


def _run(command: list[str], *, env: dict[str, str]) -> str:
    # Bytes, decoded here: a damaged archive can make pg_restore write raw bytes before it
    # fails, and decoding them in subprocess would raise instead of saying what failed.
    name = Path(command[0]).name
    timeout = settings.BACKUP_TOOL_TIMEOUT_SECONDS
    try:
        result = subprocess.run(command, env=env, capture_output=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BackupError(
            f"{name} failed: stopped after {timeout} s (is {command[-1]} damaged?)"
        ) from None
    if result.returncode != 0:
        error = result.stderr.decode("utf-8", errors="replace").strip()
        raise BackupError(f"{name} failed: {error}")
    try:
        return result.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise BackupError(f"{name} failed: {command[-1]} is damaged (not readable text)") from None


def _pg_archive_tables(archive: Path) -> int:
    """The number of tables in a pg_dump archive (pg_restore reads its whole contents list)."""
    listing = _run([_tool("pg_restore"), "--list", str(archive)], env=dict(os.environ))
    # Entries read "215; 1259 16386 TABLE public django_migrations owner"; comments start with ";".
    entries = [line.split() for line in listing.splitlines() if not line.startswith(";")]
    names = {e[5] for e in entries if len(e) > 5 and e[3] == "TABLE" and e[4] != "DATA"}
    if MIGRATIONS_TABLE not in names:
        raise BackupError(f"{archive} is a pg_dump archive, but not of a Django project.")
    return len(names)


def _pg_restore(source: Path, connection, *, drop: list[str]) -> None:
    """
    pg_restore's script run by psql in one transaction, after DROPs of the tables in
    ``drop``: the database is replaced all at once, or stays as it was.
    Objects take the restoring user as owner and keep no grants (--no-owner --no-acl):
    the roles of the backed-up server need not exist here.
    """
    env = _pg_env(connection.settings_dict)
    quote = connection.ops.quote_name
    drops = f"DROP TABLE IF EXISTS {', '.join(quote(t) for t in drop)} CASCADE;\n" if drop else ""
    script = _run([_tool("pg_restore"), "--no-owner", "--no-acl", "--file=-", str(source)], env=env)
    try:
        result = _psql_script(drops + script, env=env)
    except subprocess.TimeoutExpired:
        # psql stopped: its connection closes and the single transaction is rolled back.
        raise BackupError(
            "The restore was stopped after "
            f"{settings.BACKUP_TOOL_TIMEOUT_SECONDS} s and rolled back; the database is as it was."
        ) from None
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if "ERROR" in line or "FATAL" in line]
        raise BackupError(
            "The restore failed and was rolled back; the database is as it was. "
            + ("\n".join(errors) or result.stderr.strip())
        )


def _psql_script(script: str, *, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            _tool("psql"),
            "--no-psqlrc",
            "--no-password",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            "--file=-",
        ],
        input=script,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=settings.BACKUP_TOOL_TIMEOUT_SECONDS,
    )


# --- Both ---------------------------------------------------------------------------


def _engine(connection) -> str:
    if connection.vendor not in ENGINE_NAMES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")
    return connection.vendor


def _describe(connection) -> str:
    """The database as the operator knows it: a file, or a name on a server."""
    settings_dict = connection.settings_dict
    if connection.vendor == SQLITE:
        return str(settings_dict["NAME"])
    host = settings_dict.get("HOST") or "localhost"
    port = settings_dict.get("PORT") or 5432
    return f"{settings_dict['NAME']} on {host}:{port}"


def _restored(connection, *, source: Path, dropped: int) -> RestoreResult:
    """What the database holds now, counted afresh, and how its migrations compare."""
    tables = connection.introspection.table_names()
    quote = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {quote(table)}")
            counts[table] = cursor.fetchone()[0]
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    applied = set(loader.applied_migrations)
    known = set(loader.graph.nodes)
    connection.close()
    return RestoreResult(
        source=source,
        engine=connection.vendor,
        database=_describe(connection),
        tables=len(tables),
        rows=sum(counts.values()),
        summary={label: counts[t] for t, label in SUMMARY_TABLES.items() if t in counts},
        unapplied=[f"{app}.{name}" for app, name in sorted(known - applied)],
        unknown=[f"{app}.{name}" for app, name in sorted(applied - known)],
        dropped=dropped,
    )
