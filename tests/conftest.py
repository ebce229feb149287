import pytest


@pytest.fixture(autouse=True, scope="session")
def fast_password_hasher():
    """Tests make hundreds of users: a cheap hasher instead of PBKDF2's deliberate slowness."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
