import pytest


@pytest.fixture(autouse=True, scope="session")
def fast_password_hasher():
    """Tests make hundreds of users: a cheap hasher instead of PBKDF2's deliberate slowness."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_ranking_memo():
    """Each test starts with no computed week kept from another test's data."""
    from installs.revision import memo_clear

    memo_clear()
    yield
    memo_clear()


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres (pytest.ini) are skipped unless DATABASE_URL is PostgreSQL."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://…")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)
