"""
gunicorn's settings for this app: ``.venv/bin/gunicorn -c config/gunicorn.py config.wsgi``.

A page is CPU work (Python) with a few short waits (PostgreSQL, Redis), so sync
workers, two per core: while one waits on the database the other computes, and
the machine's cores stay busy without the threads' shared interpreter lock.
Each worker keeps one PostgreSQL connection open (CONN_MAX_AGE, config/settings.py),
so workers × app servers must stay under PostgreSQL's max_connections (100).
Every value can be set in the environment, as gunicorn's own GUNICORN_CMD_ARGS too.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count()))
worker_class = "sync"
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
