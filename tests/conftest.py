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
