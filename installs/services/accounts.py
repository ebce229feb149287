"""
Accounts with a role: create one, change its role and region, change a password.

The one write path for accounts: ``manage.py add_user``, the admin's user pages,
``manage.py seed_demo`` and the password change page all come here. The rules:
district staff report for exactly one active region, bureau staff and leadership
for none (the database's check constraint says the same, this says it in words);
a password passes Django's validators (AUTH_PASSWORD_VALIDATORS). A refusal is a
ValidationError whose keys name the field (username, role, region, password),
with every problem found, before anything is written.

An account whose password somebody else chose (add_user, the admin) carries
``must_change_password``: PasswordChangeRequiredMiddleware then sends it to the
password change page until ``account_password_change`` clears the flag.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from installs import free_text
from installs.models import Area, Profile, Region

Role = Profile.Role


def account_role_check(
    *,
    role: str,
    region: Region | None,
    current_region: Region | None = None,
    area: Area | None = None,
    current_area: Area | None = None,
) -> None:
    """
    Refuse a role that is not one of the three, or a region where the role has
    none. An inactive region is refused as a new choice; an account that has one
    already may keep it (changing its name or flag must not fail on it). The
    same for the area (a province or city) bureau staff and leadership are
    bound to (None: the whole deployment); district staff have none (their
    region's city is what they read).
    """
    errors: dict[str, list[str]] = {}
    if role not in Role.values:
        errors["role"] = [
            _("Choose a role: %(roles)s.") % {"roles": "、".join(str(r.label) for r in Role)}
        ]
    elif role == Role.DISTRICT and region is None:
        errors["region"] = [_("District staff need the region they report for.")]
    elif role == Role.DISTRICT and not region.active and region != current_region:
        errors["region"] = [
            _("%(region)s is no longer an active region.") % {"region": region.name}
        ]
    elif role != Role.DISTRICT and region is not None:
        errors["region"] = [_("Only district staff have a region.")]
    if role == Role.DISTRICT and area is not None:
        errors["area"] = [_("District staff have no area: they read their region's city.")]
    elif area is not None and not area.active and area != current_area:
        errors["area"] = [_("%(area)s is no longer an active area.") % {"area": area.name}]
    if errors:
        raise ValidationError(errors)


def _password_errors(password: str, user: AbstractBaseUser) -> list[str]:
    if not password:
        return [_("The password is empty.")]
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        return list(error.messages)
    return []


def _role_errors(
    role: str,
    region: Region | None,
    current_region: Region | None = None,
    area: Area | None = None,
    current_area: Area | None = None,
) -> dict[str, list[str]]:
    try:
        account_role_check(
            role=role,
            region=region,
            current_region=current_region,
            area=area,
            current_area=current_area,
        )
    except ValidationError as error:
        return error.message_dict
    return {}


def _record(profile: Profile, actor: AbstractBaseUser | None, reason: str) -> None:
    """Who and why, for the profile's history. Without an actor, simple-history takes
    the request's user (HistoryRequestMiddleware); on the command line there is none."""
    if actor is not None:
        profile._history_user = actor
    profile._change_reason = reason


def account_add(
    *,
    username: str,
    role: str,
    region: Region | None,
    password: str,
    actor: AbstractBaseUser | None,
    must_change_password: bool = True,
    area: Area | None = None,
) -> AbstractBaseUser:
    """
    Create an account with a role; ``actor`` is who does it (None on the command line).

    By default the new account must choose its own password at its first login:
    whoever typed this one knows it.
    """
    User = get_user_model()
    username = username.strip()
    user = User(username=username)
    errors = _role_errors(role, region, area=area)
    invalid = free_text.text_error(username)
    if not username:
        errors["username"] = [_("The username is empty.")]
    elif invalid:  # before the lookup: PostgreSQL refuses a NUL even in a query
        errors["username"] = [invalid]
    # Case-insensitive, as Django's own creation form: "Wang" beside "wang" is a slip.
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("The user %(username)s exists already.") % {"username": username}]
    else:
        try:
            user.clean_fields(exclude=["password"])
        except ValidationError as error:
            errors.update(error.message_dict)
    password_errors = _password_errors(password, user)
    if password_errors:
        errors["password"] = password_errors
    if errors:
        raise ValidationError(errors)

    try:
        with transaction.atomic():
            user.set_password(password)
            user.save()
            profile = Profile(
                user=user,
                role=role,
                region=region,
                area=area,
                must_change_password=must_change_password,
            )
            _record(profile, actor, _("account created"))
            profile.save()
    except IntegrityError:
        # The same username made at the same moment elsewhere (the check above passed).
        raise ValidationError(
            {"username": [_("The user %(username)s exists already.") % {"username": username}]}
        ) from None
    return user


def account_update(
    *,
    user: AbstractBaseUser,
    role: str,
    region: Region | None,
    actor: AbstractBaseUser | None,
    password: str | None = None,
    must_change_password: bool | None = None,
    area: Area | None = None,
) -> AbstractBaseUser:
    """
    Change an account's role and region, and its password when one is given.

    A new password chosen for somebody else sets ``must_change_password``
    unless the caller says otherwise; ``must_change_password`` given alone
    sets or clears the flag.
    """
    current = Profile.objects.filter(user=user).select_related("region", "area").first()
    errors = _role_errors(
        role,
        region,
        current.region if current else None,
        area=area,
        current_area=current.area if current else None,
    )
    if password is not None:
        password_errors = _password_errors(password, user)
        if password_errors:
            errors["password"] = password_errors
    if errors:
        raise ValidationError(errors)
    if must_change_password is None and password is not None:
        must_change_password = user != actor

    with transaction.atomic():
        if password is not None:
            user.set_password(password)
            user.save(update_fields=["password"])
        profile = Profile.objects.select_for_update().filter(user=user).first()
        if profile is None:
            profile = Profile(user=user)
        before = (profile.role, profile.region_id, profile.area_id, profile.must_change_password)
        profile.role = role
        profile.region = region
        profile.area = area
        if must_change_password is not None:
            profile.must_change_password = must_change_password
        if profile._state.adding or before != (
            profile.role,
            profile.region_id,
            profile.area_id,
            profile.must_change_password,
        ):
            _record(profile, actor, _("account changed"))
            profile.save()
    # The caller's user object may have cached the old profile.
    user._state.fields_cache.pop("profile", None)
    return user


def account_password_change(*, user: AbstractBaseUser, password: str) -> None:
    """
    The account's own new password (already validated by the form that asked
    for the old one): set it, and lift the first-login requirement.
    """
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        profile = Profile.objects.select_for_update().filter(user=user).first()
        if profile is not None and profile.must_change_password:
            profile.must_change_password = False
            _record(profile, user, _("password changed"))
            profile.save(update_fields=["must_change_password"])
    user._state.fields_cache.pop("profile", None)


def account_password_set(
    *, user: AbstractBaseUser, password: str, actor: AbstractBaseUser | None
) -> None:
    """
    A password chosen for somebody else (the admin's "set password" page):
    validated, set, and the account must choose its own at its next login.
    """
    errors = _password_errors(password, user)
    if errors:
        raise ValidationError({"password": errors})
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        profile = Profile.objects.select_for_update().filter(user=user).first()
        if profile is not None and not profile.must_change_password:
            profile.must_change_password = True
            _record(profile, actor, _("password set by someone else"))
            profile.save(update_fields=["must_change_password"])
    user._state.fields_cache.pop("profile", None)
