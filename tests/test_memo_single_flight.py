"""
After a change every process misses the same new key at once: one computes it,
the others wait for its value rather than spend the same CPU (installs.revision).
"""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache

from installs.revision import memo_clear, memo_key, memoised, revision_bump, revision_token

pytestmark = pytest.mark.django_db
KEY = ("single-flight",)


@pytest.fixture
def claim():
    revision_bump()
    memo_clear()
    full_key = memo_key(revision_token(), KEY)
    cache.add(f"{full_key}:computing", 1, 3)  # another process is computing it
    return full_key


def later(action) -> threading.Thread:
    def run():
        time.sleep(0.1)
        action()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_it_waits_for_the_value_another_process_is_computing(claim):
    computed = []
    other = later(lambda: cache.set(claim, "theirs"))
    assert memoised(KEY, lambda: computed.append(1) or "mine") == "theirs"
    other.join()
    assert computed == []


def test_it_computes_when_the_other_process_gives_up(claim):
    other = later(lambda: cache.delete(f"{claim}:computing"))
    assert memoised(KEY, lambda: "mine") == "mine"
    other.join()


def test_a_computation_of_its_own_leaves_no_claim_behind(claim):
    cache.delete(f"{claim}:computing")
    assert memoised(KEY, lambda: "mine") == "mine"
    assert cache.get(f"{claim}:computing") is None
    assert cache.get(claim) == "mine"
