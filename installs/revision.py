"""
The data revision and the per-process memo of computed weeks kept under it.

Computing a week's table (rules in pandas, the previous week's ranks, the pace
forecast) costs most of the ranking page; the figures change a few times a
week and are read all day. Each request reads the revision token (one indexed
one-row query) and reuses the computation made under the same token.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import TypeVar

from installs.models import DataRevision

T = TypeVar("T")

# Enough for every week anyone looks at between two changes; cleared when full.
MEMO_SIZE = 64
_memo: dict[tuple, object] = {}
_lock = threading.Lock()


def revision_token() -> uuid.UUID:
    token = DataRevision.objects.filter(pk=1).values_list("token", flat=True).first()
    # No row (a flushed test database): a fresh token each time, so nothing is reused.
    return token if token is not None else uuid.uuid4()


def revision_bump() -> uuid.UUID:
    """A new token; called in the writing transaction, so readers see it with the data."""
    token = uuid.uuid4()
    if not DataRevision.objects.filter(pk=1).update(token=token):
        DataRevision.objects.update_or_create(pk=1, defaults={"token": token})
    return token


def memoised(key: tuple, compute: Callable[[], T]) -> T:
    """compute() once per key and revision token in this process."""
    full_key = (revision_token(), *key)
    try:
        return _memo[full_key]  # type: ignore[return-value]
    except KeyError:
        pass
    value = compute()
    with _lock:
        if len(_memo) >= MEMO_SIZE:
            _memo.clear()
        _memo[full_key] = value
    return value


def memo_clear() -> None:
    with _lock:
        _memo.clear()
