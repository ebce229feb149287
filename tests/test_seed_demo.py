"""manage.py seed_demo: demo accounts with a shared, printed password, for make run only."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings

from installs.management.commands.seed_demo import DEMO_PASSWORD
from installs.models import Profile, Region

pytestmark = pytest.mark.django_db


def seed_demo() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@override_settings(DEBUG=False)
def test_it_refuses_to_run_without_debug():
    with pytest.raises(CommandError) as raised:
        seed_demo()
    assert "DJANGO_DEBUG=true" in str(raised.value)
    assert not get_user_model().objects.exists()
    assert not Region.objects.exists()


@override_settings(DEBUG=False)
def test_it_exits_non_zero_without_debug_from_the_command_line(tmp_path):
    """As `manage.py seed_demo` on a server: the message on stderr, exit status 1."""
    import secrets
    import subprocess
    import sys

    from django.conf import settings

    # A server's settings: DEBUG off, and a secret key the settings accept.
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    }
    database = tmp_path / "server.sqlite3"
    env["DATABASE_URL"] = f"sqlite:///{database}"
    done = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "DJANGO_DEBUG=true" in done.stderr
    assert DEMO_PASSWORD not in done.stdout + done.stderr
    assert not database.exists()


@override_settings(DEBUG=True)
def test_it_makes_demo_accounts_that_keep_their_password():
    printed = seed_demo()
    assert DEMO_PASSWORD in printed
    profiles = Profile.objects.select_related("user")
    assert profiles.count() == 2 + Region.objects.count()
    assert not profiles.filter(must_change_password=True).exists()
    bureau = profiles.get(user__username="bureau")
    assert (bureau.role, bureau.user.is_staff) == ("bureau", True)
    assert bureau.user.check_password(DEMO_PASSWORD)
    assert profiles.get(user__username="qinyang").region.slug == "qinyang"


@override_settings(DEBUG=True)
def test_it_leaves_existing_accounts_alone_when_run_again():
    seed_demo()
    user = get_user_model().objects.get(username="leader")
    user.set_password("changed-by-the-leader-1")
    user.save()
    seed_demo()
    user.refresh_from_db()
    assert user.check_password("changed-by-the-leader-1")


@override_settings(DEBUG=True)
def test_it_leaves_an_account_named_alike_alone():
    get_user_model().objects.create_user("Leader", password="someone-elses-1")
    seed_demo()
    assert get_user_model().objects.filter(username__iexact="leader").count() == 1
