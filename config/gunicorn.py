"""
gunicorn's settings for this app: ``.venv/bin/gunicorn -c config/gunicorn.py config.wsgi``.

gthread workers, one per core, 8 threads each, with keep-alive. A page is Python
work (about 3 ms of a warm table page) with short waits for PostgreSQL and Redis:
while one thread waits, another computes. Measured with bench/load.py's readers
(wrk, 50 keep-alive connections) on 2 cores, 30 Nov 2026, the machine shared (load
average 7-11): 2 gthread workers × 8 threads served 223 and 263 table pages/s at
3.9-4.0 ms of worker CPU a page (+ 0.6 ms of PostgreSQL); 4 sync workers 75 pages/s
at 5.1-5.3 ms (+ 0.65); 4 gthread workers × 4 threads 152-168 at 5.3-5.8 ms. A sync
worker answers one request per connection and closes it (accept, read, close and
the client's new connection on every page); a gthread worker keeps the connection
for the next request (nginx too, with keepalive in its upstream: README).
Each thread keeps one PostgreSQL connection open (CONN_MAX_AGE, config/settings.py),
so workers × threads × app servers must stay under PostgreSQL's max_connections (100).
Every value can be set in the environment, as gunicorn's own GUNICORN_CMD_ARGS too.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# A browser (or nginx) sends its next request on the same connection within seconds.
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
