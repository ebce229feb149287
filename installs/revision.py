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
import datetime
import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import django
import pandas
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, F, Q, Value, When

from installs.models import CityRevision, DataRevision

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


@dataclass(frozen=True)
class Revision:
    """The DataRevision row as one read of it (see its docstring)."""

    token: uuid.UUID
    settled_token: uuid.UUID
    settled_before: datetime.date | None
    cities_token: uuid.UUID  # with a city's own token: what is computed from its figures alone

    def token_for(self, week: datetime.date | None) -> uuid.UUID:
        """The token of what is computed from the data up to ``week`` (None: all of it)."""
        if week is not None and (self.settled_before is None or week < self.settled_before):
            return self.settled_token
        return self.token


# Within one request (RevisionPerRequestMiddleware) the row is read once: a page asks for
# several kept things (the week, the areas, its HTML) and each would cost the query.
# None: read it when first asked; unset (a command, a task): read it every time.
_request_revision: contextvars.ContextVar[Revision | None] = contextvars.ContextVar(
    "installs_revision"
)
_table = DataRevision._meta.db_table
REVISION_SQL = (
    f"SELECT token, settled_token, settled_before, cities_token FROM {_table} WHERE id = 1"  # noqa: S608
)


def _as_uuid(value) -> uuid.UUID:
    """PostgreSQL's uuid column gives a UUID; SQLite's char(32) the hex."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def _as_date(value) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)  # SQLite: text


def current_revision() -> Revision:
    kept = _request_revision.get(False)
    if kept:
        return kept
    # Every page reads it: plain SQL, as the ORM takes longer to write this query than
    # the database to answer it.
    with connection.cursor() as cursor:
        cursor.execute(REVISION_SQL)
        row = cursor.fetchone()
    if row is None:
        # No row (a flushed test database): fresh tokens each time, so nothing is reused.
        return Revision(uuid.uuid4(), uuid.uuid4(), None, uuid.uuid4())
    revision = Revision(_as_uuid(row[0]), _as_uuid(row[1]), _as_date(row[2]), _as_uuid(row[3]))
    if kept is None:  # in a request, and the first time it asks
        _request_revision.set(revision)
    return revision


def revision_token() -> uuid.UUID:
    return current_revision().token


def revision_bump(*, week: datetime.date | None = None, city: int | None = None) -> uuid.UUID:
    """
    A new token; called in the writing transaction, so readers see it with the data
    (and a rollback takes it back with the data). ``week`` and ``city``: only a figure
    of that week, in a county of that city (its id), changed, so what is computed for
    earlier weeks stays (``settled_before`` moves down to it if it was later) and so
    does what is computed from other cities' figures alone (the city's token is
    replaced, ``cities_token`` stays). ``week`` alone: a figure of that week somewhere,
    so what is computed per city is computed afresh. Without them, everything is.
    """
    if city is not None and week is None:
        raise ValueError("a figure's change names its week too")
    if _request_revision.get(False):
        # Read again when next asked: the new token, or the old one if the write rolls back.
        _request_revision.set(None)
    token = uuid.uuid4()
    if week is None:
        values = {
            "token": token,
            "settled_token": uuid.uuid4(),
            "settled_before": None,
            "cities_token": uuid.uuid4(),
        }
    else:
        earlier = Q(settled_before__isnull=True) | Q(settled_before__gt=week)
        values = {
            "token": token,
            # One statement, under the row's lock: two writers never both lower it wrongly.
            "settled_before": Case(When(earlier, then=Value(week)), default=F("settled_before")),
        }
        if city is None:
            values["cities_token"] = uuid.uuid4()
    if not DataRevision.objects.filter(pk=1).update(**values):
        DataRevision.objects.update_or_create(
            pk=1, defaults={"token": token, "settled_before": week, "cities_token": uuid.uuid4()}
        )
    if city is not None:
        _city_bump(city)
    return token


# The token of a city none of whose figures was saved since its row could have been made.
# Fixed, so what is computed for such a city is kept until its first save (which makes a
# row with a random token) or a change of everything (a new cities_token).
NEVER_WRITTEN = uuid.UUID(int=0)


def _city_bump(city: int) -> None:
    """A new token for the city, inside the writing transaction (one UPDATE once it has a row)."""
    if CityRevision.objects.filter(city_id=city).update(token=uuid.uuid4()):
        return
    # Its first figure: two writers may both get here. The second INSERT does nothing (the
    # first's row, once it commits) and the UPDATE after it replaces the token again.
    CityRevision.objects.bulk_create([CityRevision(city_id=city)], ignore_conflicts=True)
    CityRevision.objects.filter(city_id=city).update(token=uuid.uuid4())


_city_table = CityRevision._meta.db_table


def city_tokens(cities: Collection[int]) -> dict[int, uuid.UUID]:
    """
    Each city's token, read from the database now (one query): NEVER_WRITTEN for a city
    without a row. Read before the data computed under it, as the revision row is: a
    value then reflects its token's data or later data, never earlier.
    """
    if not cities:
        return {}
    placeholders = ", ".join(["%s"] * len(cities))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT city_id, token FROM {_city_table} WHERE city_id IN ({placeholders})",  # noqa: S608 (placeholders only)
            list(cities),
        )
        found = {city: _as_uuid(token) for city, token in cursor.fetchall()}
    return {city: found.get(city, NEVER_WRITTEN) for city in cities}


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


def memoised(
    key: tuple,
    compute: Callable[[], T],
    *,
    keep: Callable[[T], bool] | None = None,
    week: datetime.date | None = None,
) -> T:
    """
    compute() once per key and revision token, for every process sharing the cache.
    What compute() returns must pickle (the cache stores it as bytes, in memory too).
    A cache that fails (Redis down) costs a computation, never the page. ``keep``: a
    value it refuses is returned but not kept (a page asked for with an ordering the
    table drops: such keys, made up by anyone, must not fill the cache). ``week``: what
    compute() reads is the data up to that week only (figures of later weeks, the
    weeks, regions, measures and areas), so a figure saved in a later week keeps it
    (``Revision.token_for``); ``datetime.date.min`` for what reads no figure at all.
    """
    full_key = memo_key(current_revision().token_for(week), key)
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


def memoised_per_city(
    key: tuple, cities: list[int], compute: Callable[[list[int]], dict[int, T]]
) -> dict[int, T]:
    """
    Something computed from one city's figures alone, for each of ``cities``: kept under
    that city's token and ``cities_token`` (which a change of a week, region, measure
    or area renews), so a figure saved in one city leaves the other cities' values
    kept. ``compute(missing)`` computes the cities not kept, all at once (one
    batch of queries, however many). One query for the cities' tokens and one read of
    the cache (``get_many``: one round trip to Redis) whatever the number of cities.
    A cache that fails costs a computation, never the page.
    """
    shared = current_revision().cities_token
    tokens = city_tokens(cities)
    keys = {city: memo_key(shared, ("city", city, tokens[city].hex, *key)) for city in cities}
    try:
        found = cache.get_many(list(keys.values()))
    except Exception:
        logger.warning("cache read failed, computing %s", key, exc_info=True)
        found = {}
    values = {city: found[full] for city, full in keys.items() if full in found}
    missing = [city for city in cities if city not in values]
    if missing:
        computed = compute(missing)
        try:
            cache.set_many({keys[city]: computed[city] for city in missing}, MEMO_SECONDS)
        except Exception:
            logger.warning("cache write failed for %s", key, exc_info=True)
        values.update(computed)
    return values


def memo_clear() -> None:
    """Forget every computed week (tests: a cold start). Empties the whole cache."""
    with _local_lock:
        _local.clear()
    cache.clear()


class RevisionPerRequestMiddleware:
    """Reads the revision once per request (``current_revision``), not once per memo."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request):
        reset = _request_revision.set(None)
        try:
            return self.get_response(request)
        finally:
            _request_revision.reset(reset)
