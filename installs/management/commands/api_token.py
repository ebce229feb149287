"""Tokens for systems that read the API: create (the key is printed once), revoke, list."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from installs.models import ApiToken
from installs.services.api_tokens import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = (
        "API tokens: `api_token create NAME` prints a new key once (only its hash is kept); "
        "`api_token revoke NAME`; `api_token list`."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create a token and print its key once")
        create.add_argument("name", help="the system's name, e.g. 城市运行管理服务平台")
        revoke = actions.add_parser("revoke", help="stop a token from working")
        revoke.add_argument("name")
        actions.add_parser("list", help="every token, without keys")

    def handle(self, *args, action: str, **options):
        if action == "create":
            try:
                token, key = api_token_create(name=options["name"])
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from None
            self.stdout.write(f"Token for {token.name} created. Its key, shown only this once:")
            self.stdout.write(key)
            self.stdout.write("Send it as the header  Authorization: Bearer <key>")
        elif action == "revoke":
            try:
                token = api_token_revoke(name=options["name"])
            except ApiToken.DoesNotExist:
                raise CommandError(f"no token named {options['name']!r}") from None
            self.stdout.write(f"Token for {token.name} revoked.")
        else:
            for token in ApiToken.objects.order_by("name"):
                state = "active" if token.active else "revoked"
                used = token.last_used_at.isoformat() if token.last_used_at else "never used"
                self.stdout.write(
                    f"{token.name}\t{state}\tcreated {token.created_at:%Y-%m-%d}\t{used}"
                )
