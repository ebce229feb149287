"""
`make bench`: how fast the ranking page and the workbook are at city and at
province scale, through the full middleware stack, against a bare view.

Each scale runs in its own process with its own throw-away SQLite file (never
db.sqlite3): migrate, bulk-insert 260 weeks of plausible growing counts, log a
leader in, then call the project's WSGI handler as a server would, with the
session cookie. Every figure is the median of repeated requests after a
warm-up; "× bare" divides it by a trivial view's median from the same run and
stack, so the ratio survives a faster or slower machine. Queries are counted on
one more request of each kind.

    .venv/bin/python bench/run.py                 # both scales, the table
    .venv/bin/python bench/run.py --scale city --profile   # + cProfile of the page
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, Python puts bench/ first on the path; the project root belongs there.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
SCALES = {"city": 11, "province": 200}  # regions; 3 measures and 260 weeks at both
WEEKS = 260
LAST_WEEK = datetime.date(2022, 11, 21)
# Milliseconds a ranking page may take, by scale (issue 2, on a 2-core machine).
PAGE_TARGET_MS = {"city": 15.0, "province": 60.0}
# The weekly notice's PDF and PNG at city scale (issue 9): each within a second. Both come
# from one layout, so the pair is timed together against that second.
NOTICE_TARGET_MS = 1000.0
NOTICE_REPEAT = 5  # each layout takes most of a second: fewer rounds than the pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=[*SCALES, "all"], default="all")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests of each kind")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests first")
    parser.add_argument("--profile", action="store_true", help="cProfile one ranking page")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_scale(args)
    scales = list(SCALES) if args.scale == "all" else [args.scale]
    results = []
    for scale in scales:
        results.extend(run_child(scale, args))
    print_table(results)
    return 0 if all(r["pass"] is not False for r in results) else 1


def run_child(scale: str, args) -> list[dict]:
    """One scale in a fresh process: its own database file and a cold Django."""
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{scale}-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x9Qw" * 8,
        "DJANGO_HTTPS": "false",  # the test client speaks plain HTTP
        "DJANGO_DEBUG": "false",
        "DJANGO_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "DJANGO_LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, str(Path(__file__).resolve()), "--child", "--scale", scale]
    command += ["--repeat", str(args.repeat), "--warmup", str(args.warmup)]
    if args.profile:
        command.append("--profile")
    try:
        done = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, check=False)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if done.returncode != 0:
        raise SystemExit(f"bench: the {scale} run failed (its error is above)")
    lines = done.stdout.decode().splitlines()
    for line in lines[:-1]:
        print(line)
    return json.loads(lines[-1])


def run_scale(args) -> int:
    import warnings

    import django

    # whitenoise would warn that STATIC_ROOT was never collected: nothing static is timed.
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers")
    django.setup()
    from django.core.management import call_command

    scale = args.scale
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    counts = populate(SCALES[scale])
    print(
        f"[{scale}] {counts['regions']} regions × {counts['measures']} measures × "
        f"{counts['weeks']} weeks = {counts['snapshots']} snapshots, "
        f"set up in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    results = measure(scale, args)
    print(json.dumps(results))
    return 0


def populate(region_count: int) -> dict:
    """Regions, the 3 measures, 260 published weeks and plausible cumulative counts."""
    from django.db import transaction

    from installs.models import Area, Measure, Region, Snapshot, Week

    rng = random.Random(20221121)
    with transaction.atomic():
        province = Area.objects.create(name="河南省", code="410000", level=Area.Level.PROVINCE)
        city = Area.objects.create(
            name="焦作市", code="410800", level=Area.Level.CITY, parent=province
        )
        regions = Region.objects.bulk_create(
            Region(name=f"区域{i:03d}", slug=f"region-{i:03d}", order=i, city=city)
            for i in range(1, region_count + 1)
        )
        measures = Measure.objects.bulk_create(
            [
                Measure(device="自闭阀", gas_type="管道气", slug="valve_pipe", order=1),
                Measure(device="金属软管", gas_type="管道气", slug="hose_pipe", order=2),
                Measure(device="金属软管", gas_type="液化气", slug="hose_lpg", order=3),
            ]
        )
        dates = [LAST_WEEK - datetime.timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]
        weeks = Week.objects.bulk_create(Week(date=d, state=Week.State.PUBLISHED) for d in dates)
        # Each (region, measure) pair: its own size, starting point and pace.
        pairs = []
        for region in regions:
            for measure in measures:
                piped = measure.gas_type == "管道气"
                households = rng.randint(20_000, 140_000) if piped else rng.randint(40, 9_000)
                installed = int(households * rng.uniform(0.0, 0.1))
                pace = households * rng.uniform(0.5, 3.5) / WEEKS
                pairs.append([region, measure, households, installed, pace])
        # Inserted week by week, as districts report them, so that a week's rows sit
        # together in the table as they would in a real database.
        for week in weeks:
            batch = []
            for pair in pairs:
                region, measure, households, installed, pace = pair
                if rng.random() < 0.02:  # a recount now and then
                    households += rng.randint(0, households // 50 + 1)
                if rng.random() > 0.25:  # a quarter of weeks install nothing
                    installed += int(rng.expovariate(1 / pace)) if pace > 0 else 0
                installed = min(installed, households)
                pair[2:4] = households, installed
                batch.append(
                    Snapshot(
                        week=week,
                        region=region,
                        measure=measure,
                        households=households,
                        installed=installed,
                    )
                )
            Snapshot.objects.bulk_create(batch, batch_size=1_000)
    return {
        "regions": len(regions),
        "measures": len(measures),
        "weeks": len(weeks),
        "snapshots": Snapshot.objects.count(),
    }


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

    def get(self, path: str) -> tuple[str, bytes]:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
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

        result = self.handler(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()  # sends request_finished, as a server does
        return status[0], body


def timed(call) -> tuple[float, float]:
    """Wall and CPU milliseconds of one call (CPU: this thread's, so other processes' load is out)."""
    wall, cpu = time.perf_counter_ns(), time.thread_time_ns()
    call()
    return (time.perf_counter_ns() - wall) / 1e6, (time.thread_time_ns() - cpu) / 1e6


def measure(scale: str, args) -> list[dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from installs.models import Week

    server = Server()
    dates = list(Week.objects.order_by("date").values_list("date", flat=True))
    latest, middle = dates[-1], dates[len(dates) // 2]
    requests = [
        ("bare view", "/bench/bare/"),
        (f"ranking page, latest week ({latest})", f"/weeks/{latest}/"),
        (f"ranking page, middle week ({middle})", f"/weeks/{middle}/"),
        (f"workbook, latest week ({latest})", f"/weeks/{latest}/export.xlsx"),
    ]
    for _, path in requests:
        status, _body = server.get(path)
        if not status.startswith("200"):
            raise SystemExit(f"bench: GET {path} answered {status}")
    # Round-robin rather than one kind after the other: a burst of load on the
    # machine then slows every kind alike instead of one, and the ratios hold.
    samples: dict[str, list[tuple[float, float]]] = {path: [] for _, path in requests}
    for round_ in range(args.warmup + args.repeat):
        for _, path in requests:
            sample = timed(lambda path=path: server.get(path))
            if round_ >= args.warmup:
                samples[path].append(sample)
    results = []
    bare_ms = statistics.median(wall for wall, _ in samples["/bench/bare/"])
    for label, path in requests:
        with CaptureQueriesContext(connection) as queries:
            server.get(path)
        is_page = path.startswith("/weeks/") and path.endswith("/")
        results.append(
            result(scale, label, samples[path], bare_ms, len(queries), is_page and scale)
        )
    results.append(after_a_change(server, scale, latest, args, bare_ms))
    results.extend(components(scale, latest, args, bare_ms))
    results.append(closing_connections(server, scale, args, bare_ms))
    if scale == "city":
        results.extend(notice_documents(latest, bare_ms))
    if args.profile:
        profile(server, f"/weeks/{latest}/", scale)
    return results


def after_a_change(server: Server, scale: str, date: datetime.date, args, bare_ms: float) -> dict:
    """
    The ranking page as the first reader after a figure changed: the data
    revision gets a new token before each request, so the week is computed
    again (rules, last week's ranks, pace) instead of taken from the memo.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from installs.revision import revision_bump

    path = f"/weeks/{date}/"
    samples = []
    for round_ in range(args.warmup + args.repeat):
        revision_bump()
        sample = timed(lambda: server.get(path))
        if round_ >= args.warmup:
            samples.append(sample)
    revision_bump()
    with CaptureQueriesContext(connection) as queries:
        server.get(path)
    return result(
        scale, f"ranking page, first view after a change ({date})", samples, bare_ms, len(queries)
    )


def result(scale, label, samples, bare_ms, queries, target_scale=None) -> dict:
    median = statistics.median(wall for wall, _ in samples)
    target = PAGE_TARGET_MS[target_scale] if target_scale else None
    return {
        "scale": scale,
        "request": label,
        "median_ms": median,
        "cpu_ms": statistics.median(cpu for _, cpu in samples),
        "ratio": median / bare_ms,
        "queries": queries,
        "target_ms": target,
        "pass": None if target is None else median <= target,
    }


def components(scale: str, date: datetime.date, args, bare_ms: float) -> list[dict]:
    """
    Where the ranking page's time goes: the selector alone, then the whole view
    function without middleware; the rest of a request is the stack (see bare).
    """
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    from installs import selectors
    from installs.views import weeks

    week = selectors.week_for_date(date)
    request = RequestFactory().get(f"/weeks/{date}/")
    request.user = get_user_model().objects.get(username="bench-leader")
    parts = [
        ("  of which selectors.week_progress()", lambda: selectors.week_progress(week)),
        ("  of which the view, no middleware", lambda: weeks.week_detail(request, date)),
    ]
    rows = []
    for label, call in parts:
        samples = [timed(call) for _ in range(args.warmup + args.repeat)][args.warmup :]
        rows.append(result(scale, label, samples, bare_ms, None))
    return rows


def closing_connections(server: Server, scale: str, args, bare_ms: float) -> dict:
    """The bare view again with the project's SQLite setting: a new connection per request."""
    from django.db import connection

    connection.settings_dict["CONN_MAX_AGE"] = 0
    connection.close()
    samples = [timed(lambda: server.get("/bench/bare/")) for _ in range(args.warmup + args.repeat)]
    connection.settings_dict["CONN_MAX_AGE"] = 600
    connection.close()
    return result(
        scale, "bare view, connection closed per request", samples[args.warmup :], bare_ms, None
    )


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
    samples = [timed(files) for _ in range(NOTICE_REPEAT)]
    content_samples = [
        timed(lambda: notices.notice_content(week, number=7)) for _ in range(NOTICE_REPEAT)
    ]
    print(
        f"[city] notice: PDF {len(made.pdf) // 1024} KB, PNG {len(made.png) // 1024} KB",
        file=sys.stderr,
    )
    rows = [
        result("city", "notice: the week and its summary", content_samples, bare_ms, None),
        result("city", "notice: PDF and PNG (one layout)", samples, bare_ms, None),
    ]
    rows[1]["target_ms"] = NOTICE_TARGET_MS
    rows[1]["pass"] = rows[1]["median_ms"] <= NOTICE_TARGET_MS
    return rows


def profile(server: Server, path: str, scale: str) -> None:
    """The 25 costliest functions (cumulative) over 20 ranking pages, to stderr."""
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
    load = os.getloadavg()[0]
    print(
        f"\nmake bench: Python {platform.python_version()}, {os.cpu_count()} CPUs, SQLite, "
        f"{WEEKS} weeks stored. Medians of repeated requests through the full "
        "middleware stack (wall clock; cpu = this process's CPU time)."
    )
    if load > (os.cpu_count() or 1):
        print(
            f"WARNING: the machine is busy (load average {load:.1f} on {os.cpu_count()} CPUs): "
            "wall-clock times are inflated by waiting for a CPU; the cpu column is not."
        )
    print()
    header = ("scale", "request", "median ms", "cpu ms", "× bare", "queries", "target", "result")
    rows = [header]
    for r in results:
        rows.append(
            (
                r["scale"],
                r["request"],
                f"{r['median_ms']:.2f}",
                f"{r['cpu_ms']:.2f}",
                f"{r['ratio']:.1f}",
                "—" if r["queries"] is None else str(r["queries"]),
                "—" if r["target_ms"] is None else f"≤ {r['target_ms']:.0f} ms",
                "—" if r["pass"] is None else ("PASS" if r["pass"] else "FAIL"),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for n, row in enumerate(rows):
        cells = zip(row, widths, strict=True)
        print("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(cells)))
        if n == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    sys.exit(main())
