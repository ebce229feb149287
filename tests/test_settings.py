"""
config/settings.py read in a fresh process with a given environment, as a
server starts: what it refuses, and the HTTPS defaults when DEBUG is off.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOOD_KEY = "Zq3-example-key-for-tests-only-9fK2mW7xLp4TvB8nRc6yHd1sJg5"
PRINT = (
    "import json, config.settings as s; print(json.dumps({name: getattr(s, name, None) "
    "for name in ('SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', "
    "'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', 'TRUSTED_PROXIES')}))"
)


def read_settings(**environment: str) -> subprocess.CompletedProcess:
    """Import the settings in a new interpreter with only these DJANGO_ variables set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-c", PRINT], cwd=ROOT, env=env, capture_output=True, text=True
    )


def settings_read(**environment: str) -> dict:
    done = read_settings(**environment)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def refusal(**environment: str) -> str:
    done = read_settings(**environment)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    return done.stderr


@pytest.mark.parametrize(
    "key",
    [
        GOOD_KEY[:49],  # too short
        "abcd" * 20,  # long, but four different characters
        "django-insecure-" + GOOD_KEY,  # startproject's throw-away key
        "",
    ],
)
def test_it_refuses_a_weak_secret_key_when_debug_is_off(key):
    assert "DJANGO_SECRET_KEY" in refusal(DJANGO_DEBUG="false", DJANGO_SECRET_KEY=key)


def test_it_starts_with_a_strong_key():
    settings_read(DJANGO_SECRET_KEY=GOOD_KEY)


def test_it_accepts_any_key_on_a_developers_machine():
    settings_read(DJANGO_DEBUG="true", DJANGO_SECRET_KEY="short")


def test_it_speaks_https_only_by_default():
    values = settings_read(DJANGO_SECRET_KEY=GOOD_KEY)
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert values["SECURE_PROXY_SSL_HEADER"] is None


def test_it_serves_a_plain_http_intranet_when_told_so():
    values = settings_read(DJANGO_SECRET_KEY=GOOD_KEY, DJANGO_HTTPS="false")
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is False
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0


def test_it_believes_the_proxys_https_header_only_when_told_so():
    values = settings_read(DJANGO_SECRET_KEY=GOOD_KEY, DJANGO_PROXY_SSL_HEADER="true")
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_it_reads_the_trusted_proxies():
    values = settings_read(
        DJANGO_SECRET_KEY=GOOD_KEY, DJANGO_TRUSTED_PROXIES="10.0.0.9, 10.1.0.0/24"
    )
    assert values["TRUSTED_PROXIES"] == ["10.0.0.9", "10.1.0.0/24"]


def test_it_refuses_a_proxy_that_is_not_an_address():
    assert "DJANGO_TRUSTED_PROXIES" in refusal(
        DJANGO_SECRET_KEY=GOOD_KEY, DJANGO_TRUSTED_PROXIES="nginx.local"
    )


def cache_settings(**environment: str) -> dict:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, config.settings as s; "
            "print(json.dumps([s.CACHES['default'], s.SESSION_ENGINE]))",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_DEBUG": "true", **environment},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_it_keeps_the_cache_in_each_process_and_sessions_in_the_database_by_default():
    cache, sessions = cache_settings(CACHE_URL="")
    assert cache["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert sessions == "django.contrib.sessions.backends.db"


def test_it_shares_the_cache_and_sessions_through_redis():
    cache, sessions = cache_settings(CACHE_URL="redis://10.0.0.5:6379/2")
    assert cache["BACKEND"] == "installs.redis_cache.RedisCache"  # Django's, a client per pool
    assert cache["LOCATION"] == "redis://10.0.0.5:6379/2"
    assert sessions == "django.contrib.sessions.backends.cached_db"


def test_it_refuses_a_cache_it_does_not_know():
    assert "CACHE_URL" in refusal(DJANGO_DEBUG="true", CACHE_URL="memcached://127.0.0.1:11211")
