"""
manage.py backup and manage.py restore, on the database the suite runs on: SQLite,
and PostgreSQL in CI's second run (DATABASE_URL). The round trip restores into a new,
empty database (a temporary file; a database the test creates and drops) through the
command in a process of its own, as an operator runs it, and compares every table.
"""

from __future__ import annotations

import datetime
import io
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from installs.models import Measure, Region, Snapshot, Week
from installs.services.api_tokens import api_token_create
from installs.services.figures import FigureInput, figures_save
from installs.services.targets import TargetInput, targets_save
from installs.services.weeks import week_lock
from tests.factories import PASSWORD, load_seed, make_user, make_week

pytestmark = pytest.mark.django_db(transaction=True)

ON_SQLITE = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
sqlite_only = pytest.mark.skipif(not ON_SQLITE, reason="SQLite's WAL file")
MANAGE = Path(settings.BASE_DIR) / "manage.py"
# Tables the city below fills: a round trip that lost one of them must not pass as "equal".
FILLED = [
    "auth_user",
    "auth_group",
    "auth_user_groups",
    "auth_group_permissions",
    "installs_region",
    "installs_measure",
    "installs_week",
    "installs_historicalweek",
    "installs_snapshot",
    "installs_historicalsnapshot",
    "installs_profile",
    "installs_apitoken",
    "django_migrations",
]


@pytest.fixture
def city():
    """The seed and a locked week 2022-11-28 with figures saved through the service."""
    load_seed()
    week = make_week("2022-11-28")
    qinyang = Region.objects.get(slug="qinyang")
    bureau = make_user("li", "bureau")
    district = make_user("wang", "district", qinyang)
    group = Group.objects.create(name="填报员")
    group.permissions.add(Permission.objects.get(codename="view_snapshot"))
    district.groups.add(group)
    measure = Measure.objects.get(slug="valve_pipe")
    before = Snapshot.objects.get(week__date="2022-11-21", region=qinyang, measure=measure)
    figures_save(
        week=week,
        figures=[
            FigureInput(
                region=qinyang,
                measure=measure,
                households=before.households,
                installed=before.installed + 100,
            )
        ],
        actor=district,
        reason="周一补报",
    )
    week_lock(week=week, actor=bureau, reason="按时截止")
    targets_save(
        targets=[
            TargetInput(
                measure=measure,
                target_percent=Decimal("95.5"),
                target_date=datetime.date(2023, 6, 30),
            )
        ],
        actor=bureau,
    )
    api_token_create(name="运营平台")
    return week


def manage(*args: str, database_url: str) -> subprocess.CompletedProcess:
    """manage.py in a process of its own, on the database database_url."""
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, str(MANAGE), *args], env=env, capture_output=True, text=True, timeout=120
    )


def database_url(name: str) -> str:
    """A DATABASE_URL for the database ``name`` of the server (or directory) the tests use."""
    if ON_SQLITE:
        return f"sqlite:///{name}"
    s = connection.settings_dict
    user = quote(s["USER"] or "") + (":" + quote(s["PASSWORD"]) if s["PASSWORD"] else "")
    return f"postgres://{user}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{name}"


def contents(name: str) -> dict[str, list[tuple]]:
    """
    Every table of the database ``name`` and its rows (in a stable order), read through
    the database's own driver, not Django: the same reader for both sides.
    """
    if ON_SQLITE:
        db = sqlite3.connect(name)
        tables = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
    else:
        import psycopg

        s = connection.settings_dict
        db = psycopg.connect(
            dbname=name, host=s["HOST"], port=s["PORT"], user=s["USER"], password=s["PASSWORD"]
        )
        tables = [
            row[0]
            for row in db.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
        ]
    try:
        return {
            table: sorted(db.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            for table in sorted(tables)
        }
    finally:
        db.close()


@pytest.fixture
def empty_database(tmp_path):
    """The name of a new, empty database: a file not yet there, or one made on the server."""
    if ON_SQLITE:
        yield str(tmp_path / "restored.sqlite3")
        return
    name = f"gasdash_backups_restore_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def backup(directory: Path) -> Path:
    call_command("backup", output=str(directory), stdout=io.StringIO())
    (path,) = [p for p in directory.iterdir() if p.name.startswith("gasdash-")]
    return path


@pytest.mark.parametrize(
    "engine",
    [
        pytest.param("sqlite", marks=sqlite_only),
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ],
)
def test_it_restores_every_table_into_an_empty_database(engine, city, tmp_path, empty_database):
    assert connection.vendor == engine
    source = connection.settings_dict["NAME"]
    path = backup(tmp_path)
    assert path.suffix == (".sqlite3" if ON_SQLITE else ".dump")

    restored = manage("restore", str(path), database_url=database_url(empty_database))

    assert restored.returncode == 0, restored.stderr
    assert f"Restored {path} into the" in restored.stdout
    assert "(weeks 3, snapshots 67, snapshot history 1, users 2)" in restored.stdout
    expected = contents(source)
    got = contents(empty_database)
    assert list(got) == list(expected)
    for table in expected:
        assert got[table] == expected[table], f"{table} differs after the restore"
    # Every model's table (history, auth, axes, sessions included) was among those compared,
    # and the city's tables had rows to compare.
    models = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
    assert models <= set(expected)
    assert [t for t in FILLED if not expected[t]] == []

    # The app works on the restored database: new rows get new ids (sequences came back).
    added = manage(
        "add_user", "zhao", "--role", "leader", "--password", PASSWORD,
        database_url=database_url(empty_database),
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert len(contents(empty_database)["auth_user"]) == len(expected["auth_user"]) + 1


def test_it_refuses_a_database_that_is_not_empty(city, tmp_path):
    path = backup(tmp_path)
    Snapshot.objects.filter(week=city).delete()

    with pytest.raises(CommandError, match=r"is not empty: it has \d+ tables .*--force"):
        call_command("restore", str(path))
    assert not Snapshot.objects.filter(week=city).exists()


def test_it_replaces_everything_with_force(city, tmp_path):
    source = connection.settings_dict["NAME"]
    before = contents(source)
    path = backup(tmp_path)
    Snapshot.objects.filter(week=city).delete()
    make_user("newcomer", "leader")
    Week.objects.filter(pk=city.pk).update(state=Week.State.OPEN)

    call_command("restore", str(path), force=True, stdout=io.StringIO())

    assert contents(source) == before
    assert Week.objects.get(pk=city.pk).state == Week.State.LOCKED
    assert not User.objects.filter(username="newcomer").exists()


def test_it_leaves_the_database_as_it_was_when_the_backup_is_damaged(city, tmp_path, settings):
    # Some damage makes pg_restore spin without end (seen in CI): it is stopped, and says so.
    settings.BACKUP_TOOL_TIMEOUT_SECONDS = 20
    source = connection.settings_dict["NAME"]
    path = backup(tmp_path)
    # Damaged where only a restore finds out: SQLite's second page (the root of the first
    # table migrate made, never a free page, which the integrity check would not read);
    # the compressed table data at the end of pg_dump's archive (its contents list comes first).
    data = path.read_bytes()
    page_size = int.from_bytes(data[16:18], "big") if ON_SQLITE else 0
    start = page_size if ON_SQLITE else len(data) - 2000
    path.write_bytes(data[:start] + b"\xff" * 2000 + data[start + 2000 :])
    make_user("newcomer", "leader")
    before = contents(source)

    damaged = (
        r"pg_restore failed: .*(uncompress|end of file|out of memory|stopped after 20 s)"
        r"|is damaged|cannot be read as an SQLite"
    )
    with pytest.raises(CommandError, match=damaged):
        call_command("restore", str(path), force=True)
    assert contents(source) == before


def test_it_refuses_a_backup_of_the_other_engine(city, tmp_path):
    other = tmp_path / "other-backup"
    if ON_SQLITE:
        # The first bytes of every pg_dump custom-format archive.
        other.write_bytes(b"PGDMP\x01\x0e\x00\x04\x08\x01\x01\x01" + b"\x00" * 100)
        expected = r"is a PostgreSQL backup, but this database \(.*\) is SQLite"
    else:
        db = sqlite3.connect(other)
        db.execute("CREATE TABLE django_migrations (id integer primary key)")
        db.commit()
        db.close()
        expected = r"is an SQLite backup, but this database \(.*\) is PostgreSQL"
    with pytest.raises(CommandError, match=expected):
        call_command("restore", str(other), force=True)
    assert Snapshot.objects.filter(week=city).count() == 1


def test_it_refuses_a_file_that_is_not_a_backup(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("燃气安全装置\n")
    with pytest.raises(CommandError, match="not a backup made by `manage.py backup`"):
        call_command("restore", str(text), force=True)
    with pytest.raises(CommandError, match="There is no file"):
        call_command("restore", str(tmp_path / "missing.dump"))


def test_it_refuses_to_write_into_a_missing_directory(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup", output=str(tmp_path / "nowhere" / "gasdash.dump"))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup", output=f"{tmp_path / 'backups'}/")
    assert list(tmp_path.iterdir()) == []


def test_it_names_the_file_in_a_directory_by_date_and_engine(tmp_path):
    out = io.StringIO()
    call_command("backup", output=str(tmp_path / "named.bak"), stdout=out)
    assert (tmp_path / "named.bak").stat().st_size > 0
    assert stat.S_IMODE((tmp_path / "named.bak").stat().st_mode) == 0o600
    path = backup_in(tmp_path / "dated")
    assert path.name.startswith(f"gasdash-{datetime.date.today():%Y}-")
    # No half-written file is ever left under a backup's name or beside it.
    assert [p.name for p in tmp_path.rglob("*.partial")] == []


def backup_in(directory: Path) -> Path:
    directory.mkdir()
    return backup(directory)


def test_it_tells_when_the_backup_predates_a_migration(city, tmp_path):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, app, name, applied FROM django_migrations WHERE app = 'installs' "
            "ORDER BY name DESC LIMIT 1"
        )
        row = cursor.fetchone()
        cursor.execute("DELETE FROM django_migrations WHERE id = %s", [row[0]])
    try:
        path = backup(tmp_path)
        out = tmp_path / "out.txt"
        with open(out, "w") as stdout:
            call_command("restore", str(path), force=True, stdout=stdout)
        assert f"predates 1 migrations of this code (installs.{row[2]})" in out.read_text()
        assert "run `manage.py migrate`" in out.read_text()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_migrations WHERE id = %s", [row[0]])
            cursor.execute(
                "INSERT INTO django_migrations (id, app, name, applied) VALUES (%s, %s, %s, %s)",
                row,
            )


@sqlite_only
def test_the_sqlite_backup_holds_what_is_still_in_the_wal(tmp_path):
    """A copy of db.sqlite3 misses what sits in the WAL; the backup does not."""
    source = Path(connection.settings_dict["NAME"])
    connection.ensure_connection()
    # Keep every commit in the -wal file: no checkpoint moves it into the main file.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    make_user("only-in-the-wal", "leader")

    copy = tmp_path / "copy.sqlite3"
    shutil.copyfile(source, copy)
    assert "auth_user" not in contents(str(copy)) or not any(
        "only-in-the-wal" in row for row in contents(str(copy))["auth_user"]
    )

    path = backup_in(tmp_path / "backups")
    users = [row for row in contents(str(path))["auth_user"] if "only-in-the-wal" in row]
    assert len(users) == 1
    # One self-contained file: rollback journal, nothing beside it.
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    db.close()
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_a_postgresql_tool_that_does_not_finish_is_stopped(settings, tmp_path):
    """A tool that runs past BACKUP_TOOL_TIMEOUT_SECONDS is stopped with a clear error, never a hang."""
    from installs import backups

    settings.BACKUP_TOOL_TIMEOUT_SECONDS = 1
    with pytest.raises(backups.BackupError, match=r"sleep failed: stopped after 1 s"):
        backups._run(["/bin/sleep", "30"], env={})
