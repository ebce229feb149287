"""
The regions' liaisons (联络员) whom 催报 reaches: kept by bureau staff, every
change in the history (django-simple-history: who, when, before and after).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from installs import areas, free_text
from installs.models import Region, RegionContact
from installs.permissions import Role, user_role

FIELDS = ("name", "mobile", "email", "wecom_userid")


def contact_save(
    *,
    contact: RegionContact | None = None,
    region: Region,
    name: str,
    mobile: str = "",
    email: str = "",
    wecom_userid: str = "",
    actor,
) -> RegionContact:
    """
    Create (``contact`` None) or change a liaison; the model's validators check
    the mobile (11 digits from 1), the e-mail and the WeCom user id.
    """
    _check_actor(actor, region)
    if contact is not None:
        _check_actor(actor, contact.region)
    values = {
        "name": " ".join(name.split()),
        "mobile": mobile.strip(),
        "email": email.strip(),
        "wecom_userid": wecom_userid.strip(),
    }
    invalid = free_text.text_error(values["name"])
    if invalid:
        raise ValidationError({"name": invalid})
    with transaction.atomic():
        if contact is None:
            contact = RegionContact(region=region, **values)
        else:
            contact = RegionContact.objects.select_for_update().get(pk=contact.pk)
            contact.region = region
            for name_, value in values.items():
                setattr(contact, name_, value)
        contact.full_clean()
        contact._history_user = actor
        contact.save()
    return contact


def contact_delete(*, contact: RegionContact, actor) -> None:
    _check_actor(actor, contact.region)
    with transaction.atomic():
        contact._history_user = actor
        contact.delete()


def _check_actor(actor, region: Region) -> None:
    """Bureau staff, for the regions under their area; None is the command line."""
    if actor is None:
        return
    if user_role(actor) != Role.BUREAU or not areas.writable_region(actor, region):
        raise PermissionDenied
