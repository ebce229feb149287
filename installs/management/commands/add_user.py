"""
Provision an account with its role:

    python manage.py add_user USERNAME --role district|bureau|leader [--region NAME_OR_SLUG]
        [--area CODE] [--password P] [--update] [--no-password-change]

Without --password the password is asked twice (not echoed). The account goes
through installs.services.accounts, which refuses a weak password (Django's
validators), a region for anybody but district staff, and none for them; an
area (--area, the GB/T 2260 code of a province or city) only for bureau staff
and leadership, who without one answer for the whole deployment. The
account must choose its own password at its first login, unless
--no-password-change.
"""

from __future__ import annotations

import getpass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils.translation import gettext as _

from installs import free_text
from installs.management.area_option import add_area_argument, area_by_code
from installs.models import Profile, Region
from installs.services.accounts import account_add, account_role_check, account_update

Role = Profile.Role


def find_region(text: str) -> Region:
    """A region by its name, slug or one of its aliases."""
    text = text.strip()
    matches = [
        r for r in Region.objects.filter(Q(name=text) | Q(slug=text.lower())) if r.active
    ] or [r for r in Region.objects.filter(active=True) if text in r.alias_list()]
    if len(matches) != 1:
        names = ", ".join(
            f"{r.name} ({r.slug})"
            for r in Region.objects.filter(active=True).order_by("city", "order", "name")
        )
        raise CommandError(
            _("No single active region is called %(text)s. Regions: %(names)s")
            % {"text": text, "names": names}
        )
    return matches[0]


# The service names the field; the command names the option the field came from.
OPTIONS = {
    "username": "USERNAME",
    "role": "--role",
    "region": "--region",
    "area": "--area",
    "password": "--password",
}


def refusal(error: ValidationError) -> CommandError:
    lines = [
        f"{OPTIONS.get(field, field)}：{message}"
        for field, messages in error.message_dict.items()
        for message in messages
    ]
    return CommandError(_("The account is refused:") + "\n  " + "\n  ".join(lines))


class Command(BaseCommand):
    help = "Create (or with --update change) an account with a role: district, bureau or leader."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument(
            "--region", help="District staff only: the region's name, slug or alias."
        )
        add_area_argument(
            parser,
            "Bureau staff and leadership only: the province or city (GB/T 2260 code) they "
            "answer for; without it, the whole deployment.",
        )
        parser.add_argument("--password", help="The password; asked for (twice) when not given.")
        parser.add_argument(
            "--update",
            action="store_true",
            help="Change the role, region and password of an existing account.",
        )
        parser.add_argument(
            "--no-password-change",
            action="store_true",
            help="Do not make the account choose its own password at its next login.",
        )

    def handle(
        self,
        *args,
        username: str,
        role: str,
        region: str | None,
        area: str | None = None,
        **options,
    ) -> None:
        username = username.strip()
        # Before any lookup: PostgreSQL refuses a NUL even in a query.
        for option, text in (
            ("USERNAME", username),
            ("--region", region or ""),
            ("--area", area or ""),
        ):
            invalid = free_text.text_error(text)
            if invalid:
                raise CommandError(_("The account is refused:") + f"\n  {option}：{invalid}")
        region_obj = find_region(region) if region else None
        area_obj = area_by_code(area) if area else None
        user = get_user_model().objects.filter(username=username).first() if username else None
        if user is not None and not options["update"]:
            raise CommandError(
                _("The user %(username)s exists already; add --update to change it.")
                % {"username": username}
            )
        try:  # before asking for a password that would be refused with the account
            account_role_check(role=role, region=region_obj, area=area_obj)
        except ValidationError as error:
            raise refusal(error) from None
        password = options["password"]
        if password is None:
            password = self._ask_password()
        must_change = not options["no_password_change"]
        try:
            if user is None:
                account_add(
                    username=username,
                    role=role,
                    region=region_obj,
                    area=area_obj,
                    password=password,
                    actor=None,
                    must_change_password=must_change,
                )
            else:
                account_update(
                    user=user,
                    role=role,
                    region=region_obj,
                    area=area_obj,
                    password=password,
                    actor=None,
                    must_change_password=must_change,
                )
        except ValidationError as error:
            raise refusal(error) from None
        message = (
            _("Updated %(username)s: %(role)s %(region)s")
            if user is not None
            else _("Created %(username)s: %(role)s %(region)s")
        )
        self.stdout.write(
            self.style.SUCCESS(
                message
                % {
                    "username": username,
                    "role": Role(role).label,
                    "region": region_obj.name
                    if region_obj
                    else (area_obj.name if area_obj else ""),
                }
            )
        )
        if must_change:
            self.stdout.write(_("The account must choose its own password at its first login."))

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
