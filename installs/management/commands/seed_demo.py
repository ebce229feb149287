"""Loads the 2022-11-21 seed into an empty database and makes demo accounts, printing them."""

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from installs.models import Profile, Region

DEMO_PASSWORD = "demo-2022-1121"


class Command(BaseCommand):
    help = "Load the seed table into an empty database and create demo accounts (for make run)."

    @transaction.atomic
    def handle(self, *args, **options):
        if not Region.objects.exists():
            call_command("loaddata", "seed_2022-11-21", verbosity=0)
            self.stdout.write("Loaded the 2022-11-21 seed table.")
        User = get_user_model()
        accounts = [("bureau", "bureau", None, True), ("leader", "leader", None, False)]
        accounts += [(region.slug, "district", region, False) for region in Region.objects.all()]
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for username, role, region, staff in accounts:
            user, created = User.objects.get_or_create(
                username=username, defaults={"is_staff": staff}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
                Profile.objects.create(user=user, role=role, region=region)
            where = f" ({region.name})" if region else ""
            self.stdout.write(f"  {username:<10} {role}{where}")
