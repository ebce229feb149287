"""
The Django admin: reading, and the reference data (regions, measures, accounts).

Figures and week states are read-only here. They change only through the
services (installs.services.figures, installs.services.weeks), which lock the
week, compare versions, ask for a reason where one is needed and audit the
change: an admin form would do none of that (a stale entry form would then
overwrite an admin edit unnoticed). A region or measure with figures cannot be
deleted; it is made inactive instead.

Staff who are not superusers get in once they hold a permission; they then see
their subtree only (SubtreeAdmin), as on every page, and change no admin rights.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.db.models import Q
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from installs import areas
from installs.free_text import OneLineTextValidator
from installs.models import ApiToken, Area, Measure, Profile, Region, Snapshot, Week
from installs.permissions import user_role
from installs.services.accounts import (
    account_add,
    account_password_set,
    account_role_check,
    account_update,
)

Role = Profile.Role


class OneLineTextAdmin(admin.ModelAdmin):
    """
    Names typed in the admin (a region's name and aliases, a measure's device,
    a token's or a person's name) follow the one rule for free text
    (installs.free_text): no control characters, NUL included, with the
    Chinese message in place of Django's English NUL check.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, (models.CharField, models.TextField)) and field is not None:
            field.validators = [
                v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
            ]
            field.validators.insert(0, OneLineTextValidator())
        return field


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """Look, and read the history; no add, change, delete or revert."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history saves a POSTed revert without asking has_change_permission.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


def subtree_filter(user, region_path: str) -> Q:
    """
    What staff who are not superusers may see of a model in the admin: the rows of
    their subtree (``installs.areas.bound_area``), found through ``region_path``, the
    path from the model to its county ("" for a county itself). Bound to no area:
    every row; no role: none.
    """
    if user_role(user) is None:
        return Q(pk__in=[])
    top = areas.bound_area(user)
    if top is None:
        return Q()
    prefix = f"{region_path}__" if region_path else ""
    return Q(**{f"{prefix}city": top}) | Q(**{f"{prefix}city__parent": top})


class SubtreeAdmin(admin.ModelAdmin):
    """
    The admin lets in staff who are not superusers once they hold a permission
    (``permissions.user_can_use_admin``). Like every page, it then shows them
    their subtree only: the list, each object's page and its history (which
    simple-history would rebuild from the history rows of an object the list
    hides), and the filters (related-only, so no other city's names appear).
    """

    def scope(self, user) -> Q:
        raise NotImplementedError

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        return rows.filter(self.scope(request.user)).distinct()

    def in_scope(self, request, obj) -> bool:
        if obj is None or request.user.is_superuser:
            return True
        return self.model._default_manager.filter(self.scope(request.user), pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) and self.in_scope(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self.in_scope(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self.in_scope(request, obj)


class KeptWithFiguresAdmin(OneLineTextAdmin):
    """A region or measure that has figures is never deleted: the weeks' tables need it."""

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and Snapshot.objects.filter(**{self.figure_field: obj}).exists():
            return False
        return super().has_delete_permission(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and Snapshot.objects.filter(**{self.figure_field: obj}).exists():
            self.message_user(
                request,
                _("%(name)s has reported figures and cannot be deleted; make it inactive instead.")
                % {"name": obj},
                messages.ERROR,
            )
            return redirect(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", obj.pk)
        return super().delete_view(request, object_id, extra_context)

    def delete_queryset(self, request, queryset) -> None:
        # The bulk action: Snapshot's PROTECT already stops it; say so plainly if it ever got here.
        if Snapshot.objects.filter(**{f"{self.figure_field}__in": queryset}).exists():
            raise PermissionDenied
        super().delete_queryset(request, queryset)


@admin.register(Region)
class RegionAdmin(SubtreeAdmin, KeptWithFiguresAdmin):
    figure_field = "region"
    list_display = ["name", "slug", "code", "order", "active"]
    list_editable = ["order", "active"]
    search_fields = ["name", "slug", "aliases"]

    def scope(self, user) -> Q:
        return subtree_filter(user, "")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A county is moved or added only under a city of the account's subtree.
        if db_field.name == "city" and not request.user.is_superuser:
            top = areas.bound_area(request.user)
            kwargs["queryset"] = Area.objects.filter(
                Q(level=Area.Level.CITY),
                Q() if top is None else Q(pk=top.pk) | Q(parent=top),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Measure)
class MeasureAdmin(KeptWithFiguresAdmin):
    figure_field = "measure"
    list_display = ["device", "gas_type", "slug", "order", "active", "target_rate", "target_date"]
    list_editable = ["order", "active"]
    # Targets change on 目标设置 (installs.services.targets.targets_save), which checks the
    # role and keeps the history; here they are only shown.
    readonly_fields = ["target_rate", "target_date"]


@admin.register(Week)
class WeekAdmin(ReadOnlyHistoryAdmin):
    list_display = ["date", "state", "state_changed_at", "state_changed_by"]
    list_filter = ["state"]
    readonly_fields = ["state_changed_at", "state_changed_by"]


@admin.register(Snapshot)
class SnapshotAdmin(SubtreeAdmin, ReadOnlyHistoryAdmin):
    list_display = [
        "week",
        "region",
        "measure",
        "households",
        "installed",
        "updated_at",
        "updated_by",
    ]
    list_filter = ["week", ("region", admin.RelatedOnlyFieldListFilter), "measure"]
    list_select_related = ["week", "region", "measure", "updated_by"]
    readonly_fields = ["version", "updated_at", "updated_by"]

    def scope(self, user) -> Q:
        return subtree_filter(user, "region")


def account_scope(user, profile_path: str) -> Q:
    """The accounts of a subtree: its counties' district staff, and those bound to its areas."""
    if user_role(user) is None:
        return Q(pk__in=[])
    top = areas.bound_area(user)
    if top is None:
        return Q()
    return (
        subtree_filter(user, f"{profile_path}region")
        | Q(**{f"{profile_path}area": top})
        | Q(**{f"{profile_path}area__parent": top})
    )


@admin.register(Profile)
class ProfileAdmin(SubtreeAdmin, SimpleHistoryAdmin):
    """
    Read only: roles change on the user's page (through the accounts service);
    here is the list and each profile's history (who gave whom which role).
    """

    list_display = ["user", "role", "region", "area", "must_change_password"]
    list_filter = [
        "role",
        ("region", admin.RelatedOnlyFieldListFilter),
        ("area", admin.RelatedOnlyFieldListFilter),
        "must_change_password",
    ]
    list_select_related = ["user", "region", "area"]

    def scope(self, user) -> Q:
        return account_scope(user, "")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(OneLineTextAdmin):
    """Rename or revoke here; a token is made by ``manage.py api_token create``, which
    prints its key once (a form here would make a token without a key)."""

    list_display = ["name", "active", "created_at", "last_used_at"]
    readonly_fields = ["created_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False


class RoleFields(forms.Form):
    """The account's role, region and first-login flag on the admin's user forms.

    Checked by the accounts service's rule and saved through the service
    (UserWithRoleAdmin.save_model), like manage.py add_user.
    """

    role = forms.ChoiceField(label=_("role"), choices=[("", "---------"), *Role.choices])
    region = forms.ModelChoiceField(
        label=_("region"),
        queryset=Region.objects.filter(active=True),
        required=False,
        help_text=_("District staff only: the region they report for."),
    )
    area = forms.ModelChoiceField(
        label=_("area"),
        queryset=Area.objects.filter(active=True).order_by("level", "order", "code"),
        required=False,
        help_text=_(
            "Bureau staff and leadership only: the province or city they answer for; "
            "empty: the whole deployment."
        ),
    )
    must_change_password = forms.BooleanField(
        label=_("must change password at next login"),
        required=False,
        initial=True,
        help_text=_("The account must choose its own password before it opens any page."),
    )


def check_role_fields(form: forms.BaseForm) -> None:
    """The accounts service's rule on the form's role and region, its message on the field."""
    role, region = form.cleaned_data.get("role"), form.cleaned_data.get("region")
    profile = getattr(form.instance, "profile", None) if form.instance.pk else None
    if role:
        try:
            account_role_check(
                role=role,
                region=region,
                current_region=profile.region if profile else None,
                area=form.cleaned_data.get("area"),
                current_area=profile.area if profile else None,
            )
        except ValidationError as error:
            form.add_error(None, error)


class UserWithRoleCreationForm(UserCreationForm):
    role = RoleFields.base_fields["role"]
    region = RoleFields.base_fields["region"]
    area = RoleFields.base_fields["area"]
    must_change_password = RoleFields.base_fields["must_change_password"]

    def clean(self):
        cleaned = super().clean()
        check_role_fields(self)
        return cleaned


class UserWithRoleChangeForm(UserChangeForm):
    role = RoleFields.base_fields["role"]
    region = RoleFields.base_fields["region"]
    area = RoleFields.base_fields["area"]
    must_change_password = RoleFields.base_fields["must_change_password"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        profile = getattr(self.instance, "profile", None)
        if profile is None:
            # An account with no role yet (e.g. made by createsuperuser) may stay so.
            self.fields["role"].required = False
            self.fields["must_change_password"].initial = False
        else:
            self.initial.update(
                role=profile.role,
                region=profile.region,
                area=profile.area,
                must_change_password=profile.must_change_password,
            )
            # A region since made inactive stays choosable for the account that has it.
            self.fields["region"].queryset = Region.objects.filter(
                Q(active=True) | Q(pk=profile.region_id)
            )

    def clean(self):
        cleaned = super().clean()
        check_role_fields(self)
        return cleaned


class PasswordSetForm(AdminPasswordChangeForm):
    """The admin's "set password" page, through the accounts service: the account
    must choose its own password at its next login."""

    def save(self, commit=True):
        if not self.cleaned_data.get("set_usable_password", True):
            return super().save(commit=commit)  # password login switched off
        account_password_set(user=self.user, password=self.cleaned_data["password1"], actor=None)
        return self.user


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserWithRoleAdmin(SubtreeAdmin, OneLineTextAdmin, UserAdmin):
    """
    Users with their role: made and changed through installs.services.accounts.
    Staff who are not superusers see the accounts of their subtree, give roles
    only inside it, and change no one's admin rights (theirs included).
    """

    form = UserWithRoleChangeForm
    add_form = UserWithRoleCreationForm
    change_password_form = PasswordSetForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "password1",
                    "password2",
                    "role",
                    "region",
                    "area",
                    "must_change_password",
                ),
            },
        ),
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Role"), {"fields": ("role", "region", "area", "must_change_password")}),
        *UserAdmin.fieldsets[1:],
    )
    list_display = ["username", "get_full_name", "role", "region", "is_active", "last_login"]
    list_select_related = ["profile", "profile__region"]
    list_filter = [
        "profile__role",
        ("profile__region", admin.RelatedOnlyFieldListFilter),
        "is_active",
        "is_superuser",
    ]
    privilege_fields = ["is_staff", "is_superuser", "groups", "user_permissions"]

    def scope(self, user) -> Q:
        return account_scope(user, "profile__")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += self.privilege_fields
        return fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if request.user.is_superuser or areas.bound_area(request.user) is None:
            return form
        top = areas.bound_area(request.user)

        class InSubtree(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.fields["region"].queryset = self.fields["region"].queryset.filter(
                    Q(city=top) | Q(city__parent=top)
                )
                self.fields["area"].queryset = self.fields["area"].queryset.filter(
                    Q(pk=top.pk) | Q(parent=top)
                )

            def clean(self):
                cleaned = super().clean()
                # An empty area is the whole deployment: above their own.
                if cleaned.get("role") in (Role.BUREAU, Role.LEADER) and not cleaned.get("area"):
                    self.add_error("area", _("Choose an area of your own."))
                return cleaned

        return InSubtree

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        if not change:
            created = account_add(
                username=data["username"],
                role=data["role"],
                region=data["region"],
                area=data.get("area"),
                password=data["password1"],
                actor=request.user,
                must_change_password=data["must_change_password"],
            )
            # The admin goes on with the object its form built (for its log and the
            # redirect): make it the saved account.
            obj.pk = created.pk
            obj._state.adding = False
            obj.refresh_from_db()
            return
        super().save_model(request, obj, form, change)  # names, active, permissions
        if data.get("role"):
            account_update(
                user=obj,
                role=data["role"],
                region=data["region"],
                area=data.get("area"),
                actor=request.user,
                must_change_password=data["must_change_password"],
            )

    @admin.display(description=_("role"), ordering="profile__role")
    def role(self, user) -> str:
        profile = getattr(user, "profile", None)
        return profile.get_role_display() if profile else ""

    @admin.display(description=_("region"), ordering="profile__region__order")
    def region(self, user) -> str:
        profile = getattr(user, "profile", None)
        return profile.region.name if profile and profile.region else ""
