"""
API tokens for other systems (the city's operation platform): create, revoke.

Only a SHA-256 hash of a key is stored; the key itself is shown once, when it
is created, and cannot be recovered. A lost key is revoked and a new one made.
"""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction

from installs import free_text
from installs.models import ApiToken

KEY_BYTES = 32  # 256 bits of randomness: 43 URL-safe characters


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, name: str) -> tuple[ApiToken, str]:
    """A new active token named ``name`` (unique), and its key: the only time the key is known."""
    invalid = free_text.text_error(name)
    if invalid:
        raise ValidationError({"name": [invalid]})
    key = secrets.token_urlsafe(KEY_BYTES)
    token = ApiToken(name=name.strip(), key_hash=key_hash(key))
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, name: str) -> ApiToken:
    """Deactivate the token named ``name``; ApiToken.DoesNotExist when there is none."""
    if free_text.text_error(name):  # no token has such a name (and PostgreSQL refuses NUL)
        raise ApiToken.DoesNotExist
    token = ApiToken.objects.select_for_update().get(name=name)
    token.active = False
    token.save(update_fields=["active"])
    return token
