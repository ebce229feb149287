"""
Load test: gunicorn + PostgreSQL (+ Redis) on 127.0.0.1, many readers of the
ranking table and district users saving their figures at the same time.

    .venv/bin/python bench/load.py                      # 60 s, 50 readers, 30 savers, Redis
    .venv/bin/python bench/load.py --cache locmem       # each worker's own memory instead
    .venv/bin/python bench/load.py --duration 20 --readers 10 --writers 5

The readers are wrk (Debian's package: ``sudo apt-get install wrk``), a C program
that spends a small share of a CPU on hundreds of pages a second: 50 Python
threads asking back to back ate most of the 2 CPUs they were measuring.

What it does, all on this machine and stopping by itself:

1. A throw-away PostgreSQL database (``gasdash_load_<pid>``, dropped at the end),
   migrated; one city of ``--writers`` counties (at least 11) × 3 measures × 260 weeks
   of plausible figures (``generate_campaign``'s generator); the last week open for entry.
2. Accounts: a few leaders for the readers, one district user per region. Each is
   logged in with a session made by Django's session store (the same as a login
   makes, without hashing 80 passwords), so the cookie is all a client needs.
3. gunicorn (``--workers``, default config/gunicorn.py's) on a free port, with the
   production settings (DEBUG off) and ``CACHE_URL`` on Redis db 12 under a key prefix
   of this run (nothing of anyone else's is flushed) or each worker's memory.
4. For ``--duration`` seconds: wrk keeps ``--readers`` connections asking for ranking
   pages (the latest week 4 times in 5, else one of the last 52) back to back, each
   request with the next leader's session cookie (wrk's script cannot tell its
   connections apart); ``--writers`` Python threads, one district user each, start
   at the same instant and each save their region's figures (the entry form: GET,
   then POST with the CSRF token and the versions the form carried) ``--saves``
   times, ``--think`` seconds apart.
5. Reports pages/s, p50/p99 (wrk's) and errors (any answer but 200, any socket
   error) for each kind; then checks that every save the server acknowledged (a
   redirect to the "saved" page) is in the database and in its history
   (django-simple-history rows), and that no figure holds a value no save was
   acknowledged for.

Exits with status 1 on any error or lost save; prints the load average (the
machine may be shared) so a reader can weigh the figures.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import random
import re
import resource
import runpy
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
REDIS_URL = "redis://127.0.0.1:6379/12"  # the load test's own Redis database
MEASURES = ("valve_pipe", "hose_pipe", "hose_lpg")
# The targets of issue 10 on this 2-core machine.
TARGET_PAGES_PER_SECOND = 500
TARGET_P99_MS = 150


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--writers", type=int, default=30, help="district users saving")
    parser.add_argument("--saves", type=int, default=10, help="saves per district user")
    parser.add_argument("--think", type=float, default=1.0, help="seconds between saves")
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (config/gunicorn.py's default)"
    )
    parser.add_argument(
        "--worker-class", default=None, help="gunicorn's (config/gunicorn.py's default)"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="threads per gthread worker (the same)"
    )
    parser.add_argument("--cache", choices=["redis", "locmem"], default="redis")
    parser.add_argument("--redis", default=REDIS_URL, help="the Redis database for --cache redis")
    parser.add_argument(
        "--database",
        default=None,
        help="the throw-away database's name (made and dropped; default gasdash_load_<pid>)",
    )
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432",
        help="the PostgreSQL server (the database is made and dropped by the script)",
    )
    args = parser.parse_args()

    database = args.database or f"gasdash_load_{os.getpid()}"
    configured = runpy.run_path(str(ROOT / "config" / "gunicorn.py"))
    args.workers = args.workers or configured["workers"]
    args.worker_class = args.worker_class or configured["worker_class"]
    args.threads = args.threads or configured.get("threads", 1)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CACHE_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"{args.postgres}/{database}",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_HTTPS": "false",
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "CACHE_URL": args.redis if args.cache == "redis" else "",
        "CACHE_KEY_PREFIX": f"gasdash-load-{os.getpid()}",
    }
    os.environ.update(env)
    create_database(args.postgres, database)
    server = None
    try:
        import django

        django.setup()
        print(f"setting up {database} …", flush=True)
        weeks, open_week, users = populate(max(args.writers, 11), args.readers)
        port = free_port()
        server = start_gunicorn(port, args, env)
        load_before = os.getloadavg()
        report = run_load(port, args, weeks, open_week, users, server.pid, database)
        load_after = os.getloadavg()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if "report" in locals():
            lost = check_saves(open_week, report.acknowledged)
        from django.db import connections

        connections.close_all()
        drop_cache_keys(env)
        drop_database(args.postgres, database)
    print_report(args, report, lost, load_before, load_after)
    return 0 if report.ok and not lost else 1


# --- setting up ---------------------------------------------------------------------


def admin_connection(postgres: str):
    import psycopg

    return psycopg.connect(f"{postgres}/postgres", autocommit=True)


def create_database(postgres: str, name: str) -> None:
    with admin_connection(postgres) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(postgres: str, name: str) -> None:
    with admin_connection(postgres) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_cache_keys(env: dict) -> None:
    """This run's keys only: the Redis database may be shared with another run."""
    if not env["CACHE_URL"]:
        return
    import redis

    client = redis.Redis.from_url(env["CACHE_URL"])
    for key in client.scan_iter(match=f"{env['CACHE_KEY_PREFIX']}:*"):
        client.delete(key)
    client.close()


@dataclass
class Account:
    username: str
    cookie: str  # the session key
    region_slug: str | None = None


def populate(region_count: int, leader_count: int) -> tuple[list[str], str, dict]:
    """One city's 260 weeks (generate_campaign), the last week open, logged-in accounts."""
    from django.core.management import call_command
    from django.db import connection

    from installs.models import Region, Week
    from installs.services.campaign import campaign_generate

    call_command("migrate", verbosity=0)
    campaign_generate(provinces=1, cities=1, counties=region_count, weeks=260)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum does within a minute of a bulk load
    week = Week.objects.order_by("date").last()
    week.state = Week.State.OPEN
    week.save()
    dates = [d.isoformat() for d in Week.objects.order_by("date").values_list("date", flat=True)]
    leaders = [logged_in(f"lingdao{i}", "leader") for i in range(max(1, leader_count // 10))]
    districts = [
        logged_in(f"quxian{number}", "district", region)
        for number, region in enumerate(Region.objects.order_by("order", "pk"))
    ]
    return dates, week.date.isoformat(), {"leaders": leaders, "districts": districts}


def logged_in(username: str, role: str, region=None) -> Account:
    """An account and a session as django.contrib.auth.login() leaves it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User

    from installs.models import Profile
    from installs.security import SESSION_STARTED_KEY

    user = User.objects.create_user(username=username, password=secrets.token_urlsafe(16))
    Profile.objects.create(user=user, role=role, region=region)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[SESSION_STARTED_KEY] = int(time.time())
    session.save()
    return Account(username, session.session_key, region.slug if region else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, args, env: dict) -> subprocess.Popen:
    """gunicorn as README's production runs it: config/gunicorn.py, on a free port."""
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "config/gunicorn.py"]
    command += ["--bind", f"{HOST}:{port}", "--workers", str(args.workers)]
    command += ["--worker-class", args.worker_class, "--threads", str(args.threads)]
    server = subprocess.Popen([*command, "config.wsgi"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/accounts/login/", {}).status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


# --- the clients ---------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def request(port: int, method: str, path: str, cookies: dict, form: dict | None = None) -> Answer:
    """One request on a new connection (as a browser's first; wrk keeps its connections)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Referer"] = f"http://{HOST}:{port}{path}"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        answer = Answer(response.status, response.headers, response.read())
    finally:
        connection.close()
    for header in answer.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name] = rest.split(";", 1)[0]
    return answer


@dataclass
class Report:
    started: float = 0.0
    ended: float = 0.0
    # The readers, as wrk counted them: answers, their latency percentiles, errors.
    pages: int = 0
    page_p50_ms: float = float("nan")
    page_p99_ms: float = float("nan")
    page_seconds: float = float("nan")  # wrk's own clock
    page_errors: list[str] = field(default_factory=list)
    save_ms: list[float] = field(default_factory=list)
    save_errors: list[str] = field(default_factory=list)
    # (region slug, measure slug) → installed values the server acknowledged, in order.
    acknowledged: dict[tuple[str, str], list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )
    lock: threading.Lock = field(default_factory=threading.Lock)
    server_cpu: float = 0.0  # CPU seconds of gunicorn's workers and their database backends
    client_cpu: float = 0.0  # of wrk and of this script's savers

    @property
    def ok(self) -> bool:
        return not self.page_errors and not self.save_errors


# wrk's script: the readers. Each request takes the next leader's session cookie (wrk
# gives a script no handle on the connection it writes to) and a week as people choose
# one; any answer but 200 (a redirect to the login page too) is an error. done() prints
# one line of JSON that run_load reads.
WRK_SCRIPT = r"""
local cookies = {%(cookies)s}
local weeks = {%(weeks)s}
local threads = {}

function setup(thread)
  thread:set("number", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(number * 7919)
  sent = 0
  failures = 0
  statuses = ""
end

function request()
  sent = sent + 1
  local week = weeks[#weeks]
  -- Most people look at the latest week; some page back through the year.
  if math.random() >= 0.8 then week = weeks[#weeks - math.random(0, 51)] end
  return wrk.format("GET", "/weeks/" .. week .. "/", {
    ["Cookie"] = "sessionid=" .. cookies[(sent + number) %% #cookies + 1],
  })
end

function response(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
    if failures <= 5 then statuses = statuses .. " " .. status end
  end
end

function done(summary, latency, requests)
  local failures, statuses = 0, ""
  for _, thread in ipairs(threads) do
    failures = failures + thread:get("failures")
    statuses = statuses .. thread:get("statuses")
  end
  local e = summary.errors
  io.write(string.format(
    '\nWRK-JSON {"answers": %%d, "microseconds": %%d, "p50": %%d, "p99": %%d, '
    .. '"not_200": %%d, "statuses": "%%s", "connect": %%d, "read": %%d, "write": %%d, '
    .. '"timeout": %%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    failures, statuses, e.connect, e.read, e.write, e.timeout))
end
"""


def wrk_command(port: int, args, weeks: list[str], users: dict, script: Path) -> list[str]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: sudo apt-get install wrk (Debian's package)")
    quoted = lambda values: ", ".join(f'"{v}"' for v in values)  # noqa: E731
    script.write_text(
        WRK_SCRIPT
        % {
            "cookies": quoted(account.cookie for account in users["leaders"]),
            "weeks": quoted(weeks[-52:]),
        }
    )
    return [
        wrk,
        f"--threads={min(2, args.readers)}",
        f"--connections={args.readers}",
        f"--duration={args.duration:g}s",
        "--timeout=30s",
        f"--script={script}",
        f"http://{HOST}:{port}/",
    ]


def read_wrk(output: str, report: Report) -> None:
    line = next((x for x in output.splitlines() if x.startswith("WRK-JSON ")), None)
    if line is None:
        report.page_errors.append(f"wrk said nothing we could read: {output[-500:]!r}")
        return
    figures = json.loads(line.removeprefix("WRK-JSON "))
    report.pages = figures["answers"] - figures["not_200"]
    report.page_p50_ms = figures["p50"] / 1000
    report.page_p99_ms = figures["p99"] / 1000
    report.page_seconds = figures["microseconds"] / 1e6
    if figures["not_200"]:
        report.page_errors.append(
            f"{figures['not_200']} answers not 200 (the first:{figures['statuses']})"
        )
    for kind in ("connect", "read", "write", "timeout"):
        if figures[kind]:
            report.page_errors.append(f"{figures[kind]} socket {kind} errors")


def run_load(
    port: int, args, weeks: list[str], open_week: str, users: dict, master: int, database: str
) -> Report:
    report = Report()
    # Before the clock: each worker imports and warms up, and each week the readers ask for
    # is computed once (a server that has run all day has them kept).
    for week in weeks[-52:] + weeks[-1:] * args.workers * 2:
        request(port, "GET", f"/weeks/{week}/", {"sessionid": users["leaders"][0].cookie})
    script = Path(tempfile.mkstemp(prefix="gasdash-load-", suffix=".lua")[1])
    readers = wrk_command(port, args, weeks, users, script)
    # gthread workers open a PostgreSQL connection per thread when it first serves: the
    # backends are listed again at the end, those born during the run counted from 0.
    server_before = {pid: cpu_seconds([pid]) for pid in server_pids(master, database)}
    cpu_before = (
        sum(server_before.values()),
        time.process_time(),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    start = threading.Barrier(args.writers + 1)
    deadline = [0.0]

    def writer(number: int) -> None:
        account = users["districts"][number % len(users["districts"])]
        cookies = {"sessionid": account.cookie}
        path = f"/weeks/{open_week}/entry/{account.region_slug}/"
        rng = random.Random(1000 + number)
        start.wait()
        for _ in range(args.saves):
            if time.monotonic() >= deadline[0]:
                break
            began = time.perf_counter()
            try:
                saved, problem = save_once(port, path, cookies, rng)
            except OSError as error:
                saved, problem = {}, repr(error)
            elapsed = (time.perf_counter() - began) * 1000
            with report.lock:
                if problem:
                    report.save_errors.append(f"{account.username}: {problem}")
                else:
                    report.save_ms.append(elapsed)
                    for measure, installed in saved.items():
                        report.acknowledged[(account.region_slug, measure)].append(installed)
            time.sleep(args.think * rng.uniform(0.5, 1.5))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(args.writers)]
    for thread in threads:
        thread.start()
    # wrk and the savers start together: wrk's clock runs from its own start.
    deadline[0] = time.monotonic() + args.duration
    report.started = time.monotonic()
    wrk = subprocess.Popen(readers, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    start.wait()
    output = wrk.communicate(timeout=args.duration + 120)[0]
    for thread in threads:
        thread.join()
    report.ended = time.monotonic()
    script.unlink()
    report.server_cpu = sum(
        cpu_seconds([pid]) - server_before.get(pid, 0.0) for pid in server_pids(master, database)
    )
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, now it has ended
    report.client_cpu = (
        time.process_time()
        - cpu_before[1]
        + children.ru_utime
        + children.ru_stime
        - cpu_before[2].ru_utime
        - cpu_before[2].ru_stime
    )
    if wrk.returncode != 0:
        report.page_errors.append(f"wrk exited with {wrk.returncode}: {output[-500:]!r}")
    read_wrk(output, report)
    return report


def server_pids(master: int, database: str) -> list[int]:
    """gunicorn's workers and their PostgreSQL backends (kept: CONN_MAX_AGE), now."""
    from django.db import connection

    workers = [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and parent_pid(int(entry.name)) == master
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        backends = [row[0] for row in cursor.fetchall()]
    return workers + backends


def parent_pid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (a process gone since counts 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


INPUT = re.compile(rb"<input[^>]*>")
ATTRIBUTE = re.compile(rb'(name|value)="([^"]*)"')


def form_values(html: bytes) -> dict[str, str]:
    values = {}
    for tag in INPUT.findall(html):
        attributes = dict(ATTRIBUTE.findall(tag))
        if b"name" in attributes:
            values[attributes[b"name"].decode()] = attributes.get(b"value", b"").decode()
    return values


def save_once(port: int, path: str, cookies: dict, rng: random.Random) -> tuple[dict, str | None]:
    """The entry form as a district user fills it: every measure's installed count goes up."""
    page = request(port, "GET", path, cookies)
    if page.status != 200:
        return {}, f"entry page status {page.status}"
    form = form_values(page.body)
    saved = {}
    for measure in MEASURES:
        installed = int(form[f"{measure}-installed"] or 0) + rng.randint(1, 50)
        # Many pairs are complete after 260 weeks: a recount finds new households too.
        households = max(int(form[f"{measure}-households"] or 0), installed)
        form[f"{measure}-households"] = str(households)
        form[f"{measure}-installed"] = str(installed)
        saved[measure] = installed
    answer = request(port, "POST", path, cookies, form)
    if answer.status == 200 and b'name="confirmed"' in answer.body:
        # A warning (an unusual jump, a recount): the user reads it, ticks the box, saves.
        form = {**form_values(answer.body), "confirmed": "on"}
        form.pop("reason", None)
        answer = request(port, "POST", path, cookies, form)
    location = answer.headers.get("Location", "")
    if answer.status == 302 and location.endswith("/saved/"):
        return saved, None
    text = answer.body.decode(errors="replace")
    Path("/tmp/load-refused.html").write_text(text)
    errors = re.findall(r'class="[^"]*(?:error|warning)[^"]*"[^>]*>\s*([^<]{1,160})', text)
    return {}, f"save status {answer.status} {location} {errors[:3]}"


# --- checking and reporting ----------------------------------------------------------


def check_saves(open_week: str, acknowledged: dict) -> list[str]:
    """Every acknowledged save in the database (the last one) and in the history (each)."""
    from installs.models import Snapshot

    history = Snapshot.history.model
    lost = []
    stored = {
        (s.region.slug, s.measure.slug): s.installed
        for s in Snapshot.objects.filter(week__date=open_week).select_related("region", "measure")
    }
    for pair, values in acknowledged.items():
        if stored.get(pair) != values[-1]:
            lost.append(f"{pair}: last acknowledged {values[-1]}, stored {stored.get(pair)}")
        recorded = set(
            history.objects.filter(
                week__date=open_week, region__slug=pair[0], measure__slug=pair[1]
            ).values_list("installed", flat=True)
        )
        missing = [v for v in values if v not in recorded]
        if missing:
            lost.append(f"{pair}: acknowledged but not in the history: {missing}")
    return lost


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def print_report(args, report: Report, lost: list[str], before, after) -> None:
    seconds = report.ended - report.started
    page_rate = report.pages / report.page_seconds if report.page_seconds > 0 else 0.0
    saves = len(report.save_ms)
    print()
    print(
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
        f"{os.cpu_count()} CPUs {cpu_model()}, Python {platform.python_version()}"
    )
    print(
        f"gunicorn {args.workers} {args.worker_class} workers"
        f"{f' × {args.threads} threads' if args.worker_class == 'gthread' else ''}, PostgreSQL, cache {args.cache}; "
        f"{args.readers} readers (wrk), {args.writers} district users × {args.saves} saves "
        f"({args.think} s apart), {seconds:.1f} s"
    )
    print(f"load average before {before[0]:.2f}, after {after[0]:.2f} (1 min)")
    print()
    print(f"{'':14}{'count':>8}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    print(
        f"{'table pages':14}{report.pages:>8}{page_rate:>9.1f}"
        f"{report.page_p50_ms:>9.1f}{report.page_p99_ms:>9.1f}{len(report.page_errors):>8}"
    )
    print(
        f"{'saves':14}{saves:>8}{saves / seconds:>9.1f}"
        f"{statistics.median(report.save_ms) if saves else float('nan'):>9.1f}"
        f"{percentile(report.save_ms, 0.99):>9.1f}{len(report.save_errors):>8}"
    )
    requests = report.pages + 2 * saves
    if requests:
        per_request = report.server_cpu / requests * 1000
        print(
            f"server CPU (workers + their PostgreSQL backends): {report.server_cpu:.1f} s, "
            f"{per_request:.2f} ms a request; at that cost {os.cpu_count()} idle CPUs "
            f"would serve about {os.cpu_count() * 1000 / per_request:.0f} requests/s. "
            f"Clients' CPU (wrk and the savers): {report.client_cpu:.1f} s"
        )
    acknowledged = sum(len(v) for v in report.acknowledged.values())
    print()
    print(
        f"acknowledged figure saves: {acknowledged} ({saves} forms); "
        f"lost or missing from the history: {len(lost)}"
    )
    for line in (report.page_errors + report.save_errors + lost)[:10]:
        print("  ", line)
    p99 = report.page_p99_ms
    verdict = (
        "PASS"
        if page_rate >= TARGET_PAGES_PER_SECOND and p99 < TARGET_P99_MS and report.ok and not lost
        else "FAIL"
    )
    print(
        f"target ≥ {TARGET_PAGES_PER_SECOND} table pages/s, p99 < {TARGET_P99_MS} ms, "
        f"0 errors: {verdict} ({page_rate:.0f} pages/s, p99 {p99:.0f} ms)"
    )


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


if __name__ == "__main__":
    sys.exit(main())
