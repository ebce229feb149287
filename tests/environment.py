"""
A pytest plugin loaded before Django is set up (``-p tests.environment`` in
pytest.ini): the environment every test run shares, whatever started it.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key")
# live_server serves static files through the finders; a manifest storage would fail there.
os.environ.setdefault(
    "DJANGO_STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage"
)
# The sync Playwright API runs an event loop in the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
