"""
gunicorn's settings for this app: ``.venv/bin/gunicorn -c config/gunicorn.py config.wsgi``.

Sync workers, two per core: a page is Python work (about 3 ms of a warm table
page) with short waits for PostgreSQL and Redis, so two per core keep the cores
busy without the threads' shared interpreter lock.

gthread workers with keep-alive were measured against them with bench/load.py
(wrk's 50 keep-alive connections; 2 cores shared with other jobs, load average
5-10; 30 Nov 2026). Readers alone, gthread (2 workers × 8 threads) served 297 table
pages/s against 133 for 4 sync workers, at the same server CPU a page (4.2 ms): on
a shared machine 16 threads get more of the CPUs than 4 processes; a sync worker
also closes the connection after each answer. But with the 30 district users
saving at once, which is what a Monday morning is,
the gthread workers served 16-31 table pages/s (2 × 8) and 10 (4 × 2) against 117
for 4 sync workers: each save makes the open week's page be computed afresh
(tens of ms of pandas and templates holding the interpreter lock), and every
other thread of that process waits for the lock at each of its database and
Redis round trips. ``GUNICORN_WORKER_CLASS=gthread`` with ``GUNICORN_THREADS``
is there for a deployment that only reads.
Each worker (each thread) keeps one PostgreSQL connection open (CONN_MAX_AGE,
config/settings.py), so they must stay under PostgreSQL's max_connections (100)
over all app servers. Every value can be set in the environment, as gunicorn's own
GUNICORN_CMD_ARGS too.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))  # gthread only
# gthread only: a browser (or nginx) sends its next request on the same connection.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# The every-week workbook of a multi-year history takes tens of seconds to build.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
# Connections wait in the kernel's queue while every worker is busy (a Monday morning).
backlog = 2048
# Django and pandas are imported once, before the workers fork: they share that memory
# and a restarted worker is ready at once. No database connection is opened by then.
preload_app = True
# A worker is replaced after this many requests (with some jitter, so not all at
# once): whatever a long-lived process gathers is given back now and then.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
