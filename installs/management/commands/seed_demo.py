"""
Loads the 2022-11-21 seed into an empty database and makes demo accounts, printing them.

For a developer's machine only (``make run`` sets DJANGO_DEBUG=true): every demo
account shares one password, printed here and written in this file, so the
command refuses to run on a server, where DEBUG is off.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from installs.models import Profile, Region
from installs.services.accounts import account_add

DEMO_PASSWORD = "demo-2022-1121"

Role = Profile.Role


class Command(BaseCommand):
    help = "Load the seed table into an empty database and create demo accounts (for make run)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                _(
                    "seed_demo makes accounts that share a published password: it runs only "
                    "with DJANGO_DEBUG=true (as make run sets it), never on a server. "
                    "Make real accounts with manage.py add_user."
                )
            )
        with transaction.atomic():
            self._seed()

    def _seed(self) -> None:
        if not Region.objects.exists():
            call_command("loaddata", "seed_2022-11-21", verbosity=0)
            self.stdout.write("Loaded the 2022-11-21 seed table.")
        User = get_user_model()
        accounts = [("bureau", Role.BUREAU, None, True), ("leader", Role.LEADER, None, False)]
        accounts += [(region.slug, Role.DISTRICT, region, False) for region in Region.objects.all()]
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for username, role, region, staff in accounts:
            # An existing account (names compared as the service does) is left alone.
            if not User.objects.filter(username__iexact=username).exists():
                # The demo's accounts keep the printed password: no change at first login.
                user = account_add(
                    username=username,
                    role=role,
                    region=region,
                    password=DEMO_PASSWORD,
                    actor=None,
                    must_change_password=False,
                )
                if staff:
                    User.objects.filter(pk=user.pk).update(is_staff=True)
            where = f" ({region.name})" if region else ""
            self.stdout.write(f"  {username:<10} {role}{where}")
