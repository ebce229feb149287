"""
`make bench`: how fast the pages are at city, province and nation scale, on
SQLite and on PostgreSQL, through the full middleware stack, against a bare view.

Each (database, scale) runs in its own process with its own throw-away database
(a SQLite file in a temporary directory; the PostgreSQL database
gasdash_scale_bench, dropped and made again): migrate, `manage.py
generate_campaign` (timed), log a leader in, then call the project's WSGI
handler as a server would, with the session cookie. Every figure is the median
of repeated requests after a warm-up; "× bare" divides it by a trivial view's
median from the same run and stack, so the ratio survives a faster or slower
machine. Queries and the Python memory a request allocates at its peak
(tracemalloc) are taken on one more request of each kind.

    .venv/bin/python bench/run.py                          # SQLite, the three scales
    .venv/bin/python bench/run.py --db postgres --scale nation
    .venv/bin/python bench/run.py --db all                 # what `make bench` runs
    .venv/bin/python bench/run.py --scale city --profile   # + cProfile of the table page
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, Python puts bench/ first on the path; the project root belongs there.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
# provinces × cities per province × counties per city; 3 measures and 260 weeks at each.
SCALES = {"city": (1, 1, 11), "province": (1, 17, 10), "nation": (31, 10, 10)}
WEEKS = 260
SEED = 1
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/gasdash_scale_bench"
# Milliseconds, on this 2-core machine (issue 10).
TABLE_WARM_MS = 15.0
TABLE_CHANGED_MS = 50.0
PAGE_MS = 50.0  # a county's page, the charts page
WORKBOOK_MS = 50.0  # a week's workbook
HISTORY_FIRST_BYTE_MS = 1000.0
HISTORY_CITY_MS = 2000.0  # a city's 260 weeks, complete
# The weekly notice's PDF and PNG at city scale (issue 9): each within a second. Both come
# from one layout, so the pair is timed together against that second.
NOTICE_TARGET_MS = 1000.0
NOTICE_REPEAT = 5  # each layout takes most of a second: fewer rounds than the pages
# A kind of request whose first run is slow gets fewer rounds: about this many seconds each.
SECONDS_PER_KIND = 20.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=[*SCALES, "all"], default="all")
    parser.add_argument("--db", choices=["sqlite", "postgres", "all"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests of each kind")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests first")
    parser.add_argument("--profile", action="store_true", help="cProfile one table page")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_scale(args)
    scales = list(SCALES) if args.scale == "all" else [args.scale]
    databases = ["sqlite", "postgres"] if args.db == "all" else [args.db]
    results = []
    for database in databases:
        if database == "postgres" and not postgres_ready():
            print(f"bench: PostgreSQL is not reachable at {postgres_url()}: skipped", flush=True)
            continue
        for scale in scales:
            found = run_child(scale, database, args)
            if len(scales) > 1 or len(databases) > 1:
                print_table(found)  # as soon as it is known: the whole run takes a while
            results.extend(found)
    print_table(results)
    return 0 if all(r["pass"] is not False for r in results) else 1


def postgres_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL", POSTGRES_URL)


def _postgres_admin(statements: list[str]) -> None:
    """Run statements on the server's maintenance database (for DROP/CREATE DATABASE)."""
    import psycopg

    url = postgres_url().rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as connection:
        for statement in statements:
            connection.execute(statement)


def postgres_ready() -> bool:
    try:
        _postgres_admin(["SELECT 1"])
    except Exception:
        return False
    return True


def run_child(scale: str, database: str, args) -> list[dict]:
    """One scale in a fresh process: its own database and a cold Django."""
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{scale}-"))
    if database == "sqlite":
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        url = postgres_url()
        name = url.rsplit("/", 1)[1]
        _postgres_admin([f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'])
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": url,
        "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x9Qw" * 8,
        "DJANGO_HTTPS": "false",  # the test client speaks plain HTTP
        "DJANGO_DEBUG": "false",
        "DJANGO_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "DJANGO_LOG_LEVEL": "ERROR",
        "CACHE_URL": "",  # each process's memory, as a single server runs
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, str(Path(__file__).resolve()), "--child", "--scale", scale]
    command += ["--db", database, "--repeat", str(args.repeat), "--warmup", str(args.warmup)]
    if args.profile:
        command.append("--profile")
    try:
        done = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, check=False)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if database == "postgres":
            _postgres_admin([f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"'])
    if done.returncode != 0:
        raise SystemExit(f"bench: the {database} {scale} run failed (its error is above)")
    lines = done.stdout.decode().splitlines()
    for line in lines[:-1]:
        print(line, flush=True)
    return json.loads(lines[-1])


def run_scale(args) -> int:
    import warnings

    import django

    # whitenoise would warn that STATIC_ROOT was never collected: nothing static is timed.
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    scale = args.scale
    provinces, cities, counties = SCALES[scale]
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    call_command(
        "generate_campaign",
        provinces=provinces,
        cities=cities,
        counties=counties,
        weeks=WEEKS,
        seed=SEED,
        verbosity=0,
    )
    generated = time.perf_counter()
    if connection.vendor == "postgresql":
        # What autovacuum does within a minute of a bulk load: the planner's statistics.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    from installs.models import Snapshot

    snapshots = Snapshot.objects.count()
    print(
        f"[{args.db} {scale}] {provinces} × {cities} × {counties} = "
        f"{provinces * cities * counties} counties × 3 measures × {WEEKS} weeks = "
        f"{snapshots} snapshots: migrate {migrated - started:.1f} s, "
        f"generate_campaign {generated - migrated:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    results = measure(scale, args)
    results.insert(
        0,
        {
            "db": args.db,
            "scale": scale,
            "request": f"generate_campaign ({snapshots:,} snapshots)",
            "median_ms": (generated - migrated) * 1000,
            "cpu_ms": None,
            "ratio": None,
            "queries": None,
            "peak_mb": None,
            "n": 1,
            "target_ms": None,
            "pass": None,
        },
    )
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results.append(
        {
            "db": args.db,
            "scale": scale,
            "request": "the process's peak memory (ru_maxrss, MB)",
            "median_ms": rss_mb,
            "cpu_ms": None,
            "ratio": None,
            "queries": None,
            "peak_mb": None,
            "n": 1,
            "target_ms": None,
            "pass": None,
        },
    )
    print(json.dumps(results))
    return 0


class Server:
    """The project's WSGI application called as gunicorn would, with one logged-in leader."""

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model
        from django.core.handlers.wsgi import WSGIHandler
        from django.test import Client

        from installs.models import Profile

        user = get_user_model().objects.create_user("bench-leader", password="bench-only")
        Profile.objects.create(user=user, role=Profile.Role.LEADER)
        client = Client()
        client.force_login(user)
        self.cookie = "; ".join(f"{k}={m.value}" for k, m in client.cookies.items())
        self.handler = WSGIHandler()
        self.first_byte_ms = 0.0  # of the last request: until the body's first chunk

    def get(self, address: str) -> tuple[str, bytes]:
        path, _, query = address.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SCRIPT_NAME": "",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "testserver",
            "HTTP_COOKIE": self.cookie,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        status: list[str] = []

        def start_response(line, headers, exc_info=None):
            status.append(line)

        started = time.perf_counter_ns()
        result = self.handler(environ, start_response)
        chunks = []
        try:
            for chunk in result:
                if not chunks:
                    self.first_byte_ms = (time.perf_counter_ns() - started) / 1e6
                chunks.append(chunk)
        finally:
            if hasattr(result, "close"):
                result.close()  # sends request_finished, as a server does
        return status[0], b"".join(chunks)


def timed(call) -> tuple[float, float]:
    """Wall and CPU milliseconds of one call (CPU: this thread's, so other processes' load is out)."""
    wall, cpu = time.perf_counter_ns(), time.thread_time_ns()
    call()
    return (time.perf_counter_ns() - wall) / 1e6, (time.thread_time_ns() - cpu) / 1e6


# What happens before each request of a kind timed "after a change" (Kind.changed).
FIGURE = "figure"  # a district saves a figure of the week in a county of the first city
WHOLE = "whole"  # a change of everything: the week's state (as publishing it)


class Kind:
    """A kind of request: its address, target, and what changes before each (FIGURE, WHOLE)."""

    def __init__(self, label, path, *, target=None, changed=None, first_byte=False, rounds=None):
        self.label, self.path, self.target = label, path, target
        self.changed, self.first_byte, self.rounds = changed, first_byte, rounds
        self.samples: list[tuple[float, float]] = []
        self.first_bytes: list[float] = []


class Changes:
    """
    The changes made before the requests timed after one: a figure of the week saved
    in the first county of the first city (the model's save and its signals, as the
    figures service saves one: the data's token and the city's are replaced in the
    save's transaction), households up by one and back down in turn (installed may
    equal households, never exceed them); or the week
    saved (its state: what opening, locking or publishing it saves), which gives
    everything a new token.
    """

    def __init__(self, week, county) -> None:
        from installs.models import Snapshot

        self.week = week
        self.snapshot = (
            Snapshot.objects.select_related("week", "region")
            .filter(week=week, region=county)
            .order_by("measure__order", "measure_id")
            .first()
        )
        self.up = True

    def make(self, kind: Kind) -> None:
        from django.db import transaction

        if kind.changed == FIGURE:
            self.snapshot.households += 1 if self.up else -1
            self.up = not self.up
            with transaction.atomic():
                self.snapshot.save()
        elif kind.changed == WHOLE:
            with transaction.atomic():
                self.week.save()


def measure(scale: str, args) -> list[dict]:
    from installs.models import Area, Region, Week

    server = Server()
    latest = Week.objects.order_by("-date").values_list("date", flat=True).first()
    province = Area.objects.filter(level=Area.Level.PROVINCE).order_by("code").first()
    city = Area.objects.filter(parent=province).order_by("code").first()
    county = Region.objects.filter(city=city).order_by("code").first()
    other_county = Region.objects.exclude(city=city).order_by("code").first()
    table = f"/weeks/{latest}/?area={city.code}"
    kinds = [
        Kind("bare view", "/bench/bare/"),
        Kind(
            f"city table ({city.name}: {city.regions.count()} counties), warm",
            table,
            target=TABLE_WARM_MS,
        ),
        Kind(
            "city table, first view after a change",
            table,
            target=TABLE_CHANGED_MS,
            changed=FIGURE,
        ),
    ]
    notes = []
    levels = [
        (
            "province",
            f"/weeks/{latest}/?area={province.code}",
            list(province.children.values_list("name", flat=True)),
        ),
        (
            "nation",
            f"/weeks/{latest}/?area=",
            list(Area.objects.filter(parent=None).values_list("name", flat=True)),
        ),
    ]
    for level, path, children in levels:
        if len(children) < 2:
            continue  # the home page of this scale is below that level
        status, body = server.get(path)
        text = body.decode(errors="replace")
        if not status.startswith("200") or not all(name in text for name in children):
            notes.append(
                f"the {level}'s table ({path}) is not there yet on this code "
                f"(answered {status[:3]}, not naming its {len(children)} children): skipped"
            )
            continue
        kinds.append(
            Kind(f"{level} table ({len(children)} rows), warm", path, target=TABLE_WARM_MS)
        )
        kinds.append(
            Kind(
                f"{level} table, first view after a change",
                path,
                target=TABLE_CHANGED_MS,
                changed=FIGURE,
            )
        )
    region = f"/regions/{county.slug}/"
    charts = f"/weeks/{latest}/charts/?area={city.code}"
    kinds += [
        Kind(f"county page ({county.name}), warm", region, target=PAGE_MS),
        Kind("county page, first view after a change", region, changed=FIGURE),
        Kind("charts page, warm", charts, target=PAGE_MS),
        Kind("charts page, first view after a change", charts, changed=FIGURE),
        Kind("week workbook", f"/weeks/{latest}/export.xlsx?area={city.code}", target=WORKBOOK_MS),
    ]
    # The every-week downloads of one city, at every scale: a city's 260 weeks, whatever the
    # deployment's size. Timed only when the city's table leaves other cities' counties out
    # (on code where the pages were not scoped yet they held every county: minutes).
    status, body = server.get(table)
    scoped = other_county is None or f"/regions/{other_county.slug}/" not in body.decode()
    if scale == "city" or scoped:
        for name, path in (("workbook", "/export/history.xlsx"), ("CSV", "/export/history.csv")):
            kinds.append(
                Kind(
                    f"every-week {name} of the city",
                    f"{path}?area={city.code}",
                    target=HISTORY_CITY_MS,
                    first_byte=True,
                    rounds=3,
                )
            )
    else:
        notes.append(
            "the every-week workbook and CSV: the pages do not show one city yet on this "
            "code (its table links counties of other cities), so they would hold every "
            "county: skipped"
        )
    for note in notes:
        print(f"[{args.db} {scale}] note: {note}", file=sys.stderr, flush=True)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The table of the scale's top (a city's, a province's, the nation's) after a change
    # of everything too: rare (a week's state, a region, a measure), and then every
    # city's sums are computed again. No target: the target is for a saved figure.
    top = next(k for k in reversed(kinds) if k.changed == FIGURE and "table" in k.label)
    label = top.label.split(",")[0] + ", first view after a whole change"
    whole = Kind(label, top.path, changed=WHOLE)
    kinds.insert(kinds.index(top) + 1, whole)
    changes = Changes(Week.objects.get(date=latest), county)
    slow: dict[int, tuple[int, None]] = {}
    # The warm kinds first, then those after a change (each change makes every page cold).
    for kind in sorted(kinds, key=lambda k: bool(k.changed)):
        status, _body = server.get(kind.path)
        if not status.startswith("200"):
            raise SystemExit(f"bench: GET {kind.path} answered {status}")
        if kind.rounds is not None:
            continue
        changes.make(kind)
        with CaptureQueriesContext(connection) as queries:
            first = timed(lambda kind=kind: server.get(kind.path))
        if first[0] > SECONDS_PER_KIND * 1000 / 3:
            # Seconds a request: this one is the sample (n = 1), no memory traced.
            kind.samples.append(first)
            kind.first_bytes.append(server.first_byte_ms)
            kind.rounds = 0
            slow[id(kind)] = (len(queries), None)
        else:
            fitting = int(SECONDS_PER_KIND * 1000 / max(first[0], 0.01))
            kind.rounds = max(3, min(args.repeat, fitting))
    # Round-robin rather than one kind after the other: a burst of load on the
    # machine then slows every kind alike instead of one, and the ratios hold. The
    # kinds timed after a change come last: each change makes every page cold.
    measured: dict[int, tuple[int, float]] = {}
    for phase in ([k for k in kinds if not k.changed], [k for k in kinds if k.changed]):
        round_robin(server, phase, args, changes)
        for kind in phase:
            measured[id(kind)] = slow.get(id(kind)) or one_more(server, kind, changes)
    bare_ms = statistics.median(wall for wall, _ in kinds[0].samples)
    results = []
    for kind in kinds:
        queries, peak_mb = measured[id(kind)]
        results.append(result(args.db, scale, kind, bare_ms, queries, peak_mb))
        if kind.first_byte:
            first = statistics.median(kind.first_bytes)
            results.append(
                row(
                    args.db,
                    scale,
                    f"{kind.label}: first byte",
                    first,
                    None,
                    bare_ms,
                    None,
                    None,
                    len(kind.first_bytes),
                    HISTORY_FIRST_BYTE_MS,
                )
            )
    if args.db == "sqlite":
        results.append(closing_connections(server, scale, args, bare_ms))
    if scale == "city" and args.db == "sqlite":
        results.extend(notice_documents(latest, bare_ms))
    if args.profile:
        profile(server, table, scale)
    return results


def round_robin(server: Server, kinds: list[Kind], args, changes: Changes) -> None:
    warmup = args.warmup
    for round_ in range(warmup + max([k.rounds for k in kinds], default=0)):
        for kind in kinds:
            if round_ >= warmup + kind.rounds or (round_ < warmup and kind.rounds < args.repeat):
                continue  # slow kinds: no warm-up beyond the first request, fewer rounds
            changes.make(kind)
            sample = timed(lambda kind=kind: server.get(kind.path))
            if round_ >= warmup or kind.rounds < args.repeat:
                kind.samples.append(sample)
                kind.first_bytes.append(server.first_byte_ms)


def one_more(server: Server, kind: Kind, changes: Changes) -> tuple[int, float]:
    """The queries and the peak of Python allocations of one more request of the kind."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    changes.make(kind)
    tracemalloc.start()
    with CaptureQueriesContext(connection) as queries:
        server.get(kind.path)
    _size, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return len(queries), peak / 2**20


def row(db, scale, label, median, cpu, bare_ms, queries, peak_mb, n, target) -> dict:
    return {
        "db": db,
        "scale": scale,
        "request": label,
        "median_ms": median,
        "cpu_ms": cpu,
        "ratio": None if bare_ms is None else median / bare_ms,
        "queries": queries,
        "peak_mb": peak_mb,
        "n": n,
        "target_ms": target,
        "pass": None if target is None else median <= target,
    }


def result(db, scale, kind: Kind, bare_ms, queries, peak_mb) -> dict:
    return row(
        db,
        scale,
        kind.label,
        statistics.median(wall for wall, _ in kind.samples),
        statistics.median(cpu for _, cpu in kind.samples),
        bare_ms,
        queries,
        peak_mb,
        len(kind.samples),
        kind.target,
    )


def closing_connections(server: Server, scale: str, args, bare_ms: float) -> dict:
    """The bare view again with the project's SQLite setting: a new connection per request."""
    from django.db import connection

    connection.settings_dict["CONN_MAX_AGE"] = 0
    connection.close()
    samples = [timed(lambda: server.get("/bench/bare/")) for _ in range(args.warmup + args.repeat)]
    connection.settings_dict["CONN_MAX_AGE"] = 600
    connection.close()
    kind = Kind("bare view, connection closed per request", "/bench/bare/")
    kind.samples = samples[args.warmup :]
    return result(args.db, scale, kind, bare_ms, None, None)


def notice_documents(date: datetime.date, bare_ms: float) -> list[dict]:
    """
    The weekly notice of the latest week (what publishing it lays out): the
    computed week and its summary, then the PDF and the PNG from one layout.
    City scale only: a province's table does not fit the notice's one page.
    """
    from django.conf import settings
    from django.utils import translation

    from installs import notice_documents, selectors
    from installs.services import notices

    week = selectors.week_for_date(date)
    content = notices.notice_content(week, number=7)

    def files():
        with translation.override(settings.LANGUAGE_CODE):
            return notice_documents.notice_files(content)

    made = files()  # the warm-up: fonts found and loaded once per process
    summary = Kind("notice: the week and its summary", "")
    summary.samples = [
        timed(lambda: notices.notice_content(week, number=7)) for _ in range(NOTICE_REPEAT)
    ]
    documents = Kind("notice: PDF and PNG (one layout)", "", target=NOTICE_TARGET_MS)
    documents.samples = [timed(files) for _ in range(NOTICE_REPEAT)]
    print(
        f"[sqlite city] notice: PDF {len(made.pdf) // 1024} KB, PNG {len(made.png) // 1024} KB",
        file=sys.stderr,
    )
    return [
        result("sqlite", "city", summary, bare_ms, None, None),
        result("sqlite", "city", documents, bare_ms, None, None),
    ]


def profile(server: Server, path: str, scale: str) -> None:
    """The 25 costliest functions (cumulative) over 20 table pages, to stderr."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        server.get(path)
    profiler.disable()
    print(f"\n[{scale}] cProfile of 20 × GET {path}", file=sys.stderr)
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(15)


def print_table(results: list[dict]) -> None:
    load = os.getloadavg()
    print(
        f"\nmake bench, {datetime.date.today()}: Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}, "
        f"{WEEKS} weeks stored. Medians of n requests through the full middleware stack "
        "(wall clock; cpu = this process's CPU time); queries and peak Python memory "
        "(tracemalloc) of one more request."
    )
    if load[0] > (os.cpu_count() or 1):
        print(
            f"WARNING: the machine is busy (load average {load[0]:.1f} on {os.cpu_count()} CPUs): "
            "wall-clock times are inflated by waiting for a CPU; the cpu column is not."
        )
    print()
    header = (
        "db",
        "scale",
        "request",
        "median ms",
        "cpu ms",
        "× bare",
        "queries",
        "peak MB",
        "n",
        "target",
        "result",
    )
    rows = [header]

    def number(value, digits=2):
        return "—" if value is None else f"{value:.{digits}f}"

    for r in results:
        rows.append(
            (
                r["db"],
                r["scale"],
                r["request"],
                number(r["median_ms"]),
                number(r["cpu_ms"]),
                number(r["ratio"], 1),
                "—" if r["queries"] is None else str(r["queries"]),
                number(r["peak_mb"], 1),
                str(r["n"]),
                "—" if r["target_ms"] is None else f"≤ {r['target_ms']:.0f} ms",
                "—" if r["pass"] is None else ("PASS" if r["pass"] else "FAIL"),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for n, row_ in enumerate(rows):
        cells = zip(row_, widths, strict=True)
        print("  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(cells)))
        if n == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    sys.exit(main())
