"""
Provision an account with its role:

    python manage.py add_user USERNAME --role district|bureau|leader [--region NAME_OR_SLUG] [--password P] [--update]

Without --password the password is asked twice (not echoed). Django's password
validators run, and a weak password is refused with their messages.
"""

from __future__ import annotations

import getpass

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from installs.models import Profile, Region

Role = Profile.Role


def find_region(text: str) -> Region:
    """A region by its name, slug or one of its aliases."""
    text = text.strip()
    matches = [
        r for r in Region.objects.filter(Q(name=text) | Q(slug=text.lower())) if r.active
    ] or [r for r in Region.objects.filter(active=True) if text in r.alias_list()]
    if len(matches) != 1:
        names = ", ".join(f"{r.name} ({r.slug})" for r in Region.objects.filter(active=True))
        raise CommandError(
            _("No single active region is called %(text)s. Regions: %(names)s")
            % {"text": text, "names": names}
        )
    return matches[0]


class Command(BaseCommand):
    help = "Create (or with --update change) an account with a role: district, bureau or leader."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument(
            "--region", help="District staff only: the region's name, slug or alias."
        )
        parser.add_argument("--password", help="The password; asked for (twice) when not given.")
        parser.add_argument(
            "--update",
            action="store_true",
            help="Change the role, region and password of an existing account.",
        )

    def handle(self, *args, username: str, role: str, region: str | None, **options) -> None:
        User = get_user_model()
        username = username.strip()
        if not username:
            raise CommandError(_("The username is empty."))
        if role == Role.DISTRICT and not region:
            raise CommandError(_("District staff need --region (the region they report for)."))
        if role != Role.DISTRICT and region:
            raise CommandError(_("Only district staff have a region; leave out --region."))
        region_obj = find_region(region) if region else None

        user = User.objects.filter(username=username).first()
        existed = user is not None
        if existed and not options["update"]:
            raise CommandError(
                _("The user %(username)s exists already; add --update to change it.")
                % {"username": username}
            )
        if user is None:
            user = User(username=username)

        password = options["password"]
        if password is None:
            password = self._ask_password()
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise CommandError(
                _("The password is refused:") + "\n  " + "\n  ".join(error.messages)
            ) from None

        with transaction.atomic():
            user.set_password(password)
            user.save()
            Profile.objects.update_or_create(
                user=user, defaults={"role": role, "region": region_obj}
            )
        message = (
            _("Updated %(username)s: %(role)s %(region)s")
            if existed
            else _("Created %(username)s: %(role)s %(region)s")
        )
        self.stdout.write(
            self.style.SUCCESS(
                message
                % {
                    "username": username,
                    "role": Role(role).label,
                    "region": region_obj.name if region_obj else "",
                }
            )
        )

    def _ask_password(self) -> str:
        try:
            first = getpass.getpass(_("Password: "))
            second = getpass.getpass(_("Password (again): "))
        except (EOFError, KeyboardInterrupt):
            raise CommandError(_("No password given.")) from None
        if first != second:
            raise CommandError(_("The two passwords differ."))
        if not first:
            raise CommandError(_("The password is empty."))
        return first
