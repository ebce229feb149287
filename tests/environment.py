"""
A pytest plugin loaded before Django is set up (``-p tests.environment`` in
pytest.ini): the environment every test run shares, whatever started it.
"""

import os
import tempfile

# DEBUG is off in tests, so the key must pass the settings' length check.
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-" + "x9Qw" * 8)
# The test client and live_server speak plain HTTP: no redirect to https://, cookies
# without the Secure flag (tests/test_settings.py checks the HTTPS defaults).
os.environ.setdefault("DJANGO_HTTPS", "false")
# live_server serves static files through the finders; a manifest storage would fail there.
os.environ.setdefault(
    "DJANGO_STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage"
)
# The sync Playwright API runs an event loop in the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The import's slots (lock files shared by every process on the machine): this run's own,
# so other test runs on the machine neither take them nor find them taken.
os.environ.setdefault("IMPORT_SLOTS_DIR", tempfile.mkdtemp(prefix="gasdash-test-import-slots-"))
# The import's child process is killed after IMPORT_TIMEOUT_SECONDS of wall-clock time; on
# a machine busy with other jobs an honest 11-region table took longer than the 4 s
# default, and a test expecting its preview failed at random. The tests of the timeout
# itself set their own (tests/test_import_limits.py).
os.environ.setdefault("IMPORT_TIMEOUT_SECONDS", "60")
# Each test starts with an empty cache (tests/conftest.py), which empties the whole cache
# database: never a Redis named in the caller's environment. tests/test_shared_cache.py
# points its own processes at a Redis database of its own.
os.environ["CACHE_URL"] = ""
# Province and nation history files built by the tests: a directory of this run's own,
# never the project's var/.
os.environ.setdefault(
    "HISTORY_EXPORT_DIR", tempfile.mkdtemp(prefix="gasdash-test-history-exports-")
)
