"""
The data revision and the computed weeks kept under it, in Django's cache.

Computing a week's table (rules in pandas, the previous week's ranks, the pace
forecast) costs most of the ranking page; the figures change a few times a
week and are read all day. Each request reads the revision token (one indexed
one-row query) and reuses the computation made under the same token.

The computations live in Django's cache (settings.CACHES, CACHE_URL): the
memory of each process by default, one Redis shared by every process of every
app server in production. The token is part of each key and every write
replaces it inside the writing transaction, so a write in any process makes
every process compute afresh, once, and share the result.

Each process also keeps the last few values it used, under the same keys: the
token in the key comes from the database on every request, so such a copy is
never stale, and it spares the page unpickling the week (about 2 ms of a 10 ms
page) on every request.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import django
import pandas
from django.core.cache import cache
from django.db import connection

from installs.models import DataRevision

T = TypeVar("T")
logger = logging.getLogger(__name__)

# Stale tokens are never asked for again: their entries only have to go in the end.
MEMO_SECONDS = 24 * 3600
# The process's own copies: enough for every week anyone looks at between two changes, and
# the table pages' HTML (installs/page_cache.py: by language, role and ordering too).
LOCAL_SIZE = 256
_local: dict[str, object] = {}
_local_lock = threading.Lock()


def _code_fingerprint() -> str:
    """
    The code that computes and pickles what is kept: a new release (another rule, another
    field of WeekProgress, another Django or pandas) never reads what an old one kept in
    a shared cache, though the data, and so the token, did not change.
    """
    digest = hashlib.sha256(f"{django.__version__} {pandas.__version__}".encode())
    for path in sorted(Path(__file__).resolve().parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


CODE_FINGERPRINT = _code_fingerprint()


# Within one request (RevisionPerRequestMiddleware) the token is read once: a page asks
# for several kept things (the week, the areas, its HTML) and each would cost the query.
# None: read it when first asked; unset (a command, a task): read it every time.
_request_token: contextvars.ContextVar[uuid.UUID | None] = contextvars.ContextVar(
    "installs_revision_token"
)


TOKEN_SQL = f"SELECT token FROM {DataRevision._meta.db_table} WHERE id = 1"


def _as_uuid(value) -> uuid.UUID:
    """PostgreSQL's uuid column gives a UUID; SQLite's char(32) the hex."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def revision_token() -> uuid.UUID:
    kept = _request_token.get(False)
    if kept:
        return kept
    # Every page reads it: plain SQL, as the ORM takes longer to write this query than
    # the database to answer it.
    with connection.cursor() as cursor:
        cursor.execute(TOKEN_SQL)
        row = cursor.fetchone()
    token = _as_uuid(row[0]) if row else None
    if token is None:
        # No row (a flushed test database): a fresh token each time, so nothing is reused.
        return uuid.uuid4()
    if kept is None:  # in a request, and the first time it asks
        _request_token.set(token)
    return token


def revision_bump() -> uuid.UUID:
    """A new token; called in the writing transaction, so readers see it with the data."""
    if _request_token.get(False):
        # Read again when next asked: the new token, or the old one if the write rolls back.
        _request_token.set(None)
    token = uuid.uuid4()
    if not DataRevision.objects.filter(pk=1).update(token=token):
        DataRevision.objects.update_or_create(pk=1, defaults={"token": token})
    return token


# After a change, the first requests of every process ask for the same new keys at once:
# one computes while the others wait for its result (no more than COMPUTE_WAIT seconds,
# then they compute it themselves), instead of each spending the same CPU on it.
COMPUTE_WAIT = 3.0
POLL_SECONDS = 0.01


def _cache_get(full_key: str):
    try:
        return cache.get(full_key)
    except Exception:
        logger.warning("cache read failed, computing %s", full_key, exc_info=True)
        return None


def _computed_once(full_key: str, compute: Callable[[], T], keep) -> tuple[T, bool]:
    """
    compute() and keep the value, unless another process is computing the same key:
    then wait for its value. The claim is a cache entry made with ``cache.add`` (atomic
    in Redis), given up when the value is kept, or after COMPUTE_WAIT if its process died.
    """
    claim = f"{full_key}:computing"
    try:
        mine = cache.add(claim, 1, COMPUTE_WAIT)
    except Exception:
        mine = True  # no cache: nothing to share
    if not mine:
        deadline = time.monotonic() + COMPUTE_WAIT
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            value = _cache_get(full_key)
            if value is not None:
                return value, True
            if _cache_get(claim) is None:
                break  # given up (its value refused by keep, or a failure): compute here
    try:
        value = compute()
        if keep is not None and not keep(value):
            return value, False
        try:
            cache.set(full_key, value, MEMO_SECONDS)
        except Exception:
            logger.warning("cache write failed for %s", full_key, exc_info=True)
        return value, True
    finally:
        if mine:
            try:
                cache.delete(claim)
            except Exception:
                logger.warning("cache delete failed for %s", claim, exc_info=True)


def memo_key(token: uuid.UUID, key: tuple) -> str:
    return ":".join(["memo", CODE_FINGERPRINT, token.hex, *map(str, key)])


def memoised(key: tuple, compute: Callable[[], T], *, keep: Callable[[T], bool] | None = None) -> T:
    """
    compute() once per key and revision token, for every process sharing the cache.
    What compute() returns must pickle (the cache stores it as bytes, in memory too).
    A cache that fails (Redis down) costs a computation, never the page. ``keep``: a
    value it refuses is returned but not kept (a page asked for with an ordering the
    table drops: such keys, made up by anyone, must not fill the cache).
    """
    full_key = memo_key(revision_token(), key)
    try:
        return _local[full_key]  # type: ignore[return-value]
    except KeyError:
        pass
    value = _cache_get(full_key)
    if value is None:
        value, kept = _computed_once(full_key, compute, keep)
        if not kept:
            return value  # refused by keep: neither in the cache nor in this process
    with _local_lock:
        if len(_local) >= LOCAL_SIZE:
            _local.clear()
        _local[full_key] = value
    return value


def memo_clear() -> None:
    """Forget every computed week (tests: a cold start). Empties the whole cache."""
    with _local_lock:
        _local.clear()
    cache.clear()


class RevisionPerRequestMiddleware:
    """Reads the revision token once per request (``revision_token``), not once per memo."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request):
        reset = _request_token.set(None)
        try:
            return self.get_response(request)
        finally:
            _request_token.reset(reset)
