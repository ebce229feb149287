"""
The campaign's data: regions report, per measure, cumulative counts for a week.

Everything shown (rates, week-over-week new installs, ranks, totals) is computed
from Snapshot rows by installs.rules; nothing computed is stored.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Region(models.Model):
    """A county, county-level city or district (县(市、区)) that reports its own figures."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    slug = models.SlugField(
        _("slug"), max_length=50, unique=True, help_text=_("Short ASCII name used in addresses.")
    )
    code = models.CharField(
        _("administrative code"),
        max_length=12,
        blank=True,
        help_text=_("The official administrative division code, where there is one."),
    )
    aliases = models.CharField(
        _("aliases"),
        max_length=200,
        blank=True,
        help_text=_("Other names used in old tables, separated by commas."),
    )
    order = models.PositiveSmallIntegerField(_("display order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.replace("，", ",").split(",") if a.strip()]


class Measure(models.Model):
    """A safety device on a type of gas supply, e.g. 自闭阀 on 管道气: one column group of the table."""

    device = models.CharField(_("device"), max_length=30)
    gas_type = models.CharField(_("gas supply type"), max_length=30)
    # No double underscore: the slug names table columns, and "__" is a path there.
    slug = models.SlugField(
        _("slug"),
        max_length=50,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z0-9]+(?:[_-][a-z0-9]+)*$",
                _("Use lower-case letters and digits, joined by single - or _."),
            )
        ],
    )
    order = models.PositiveSmallIntegerField(_("display order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    target_rate = models.DecimalField(
        _("target rate"),
        max_digits=5,
        decimal_places=4,
        default=1,
        help_text=_("The campaign's target as a fraction: 1 means 100%."),
    )
    target_date = models.DateField(_("target deadline"), null=True, blank=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        constraints = [
            models.UniqueConstraint(
                fields=["device", "gas_type"], name="measure_device_gas_unique"
            ),
            models.CheckConstraint(
                condition=Q(target_rate__gt=0) & Q(target_rate__lte=1),
                name="measure_target_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device}·{self.gas_type}"


class Week(models.Model):
    """One reporting week, named by its report date; entry is open, then locked, then published."""

    class State(models.TextChoices):
        OPEN = "open", _("open for entry")
        LOCKED = "locked", _("locked")
        PUBLISHED = "published", _("published")

    date = models.DateField(_("report date"), unique=True)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.OPEN)
    state_changed_at = models.DateTimeField(_("state changed at"), auto_now=True)
    state_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("state changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords(verbose_name=_("historical week"))

    class Meta:
        ordering = ["-date"]
        get_latest_by = "date"
        verbose_name = _("week")
        verbose_name_plural = _("weeks")

    def __str__(self) -> str:
        return self.date.isoformat()

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED


class Snapshot(models.Model):
    """What one region reports for one measure in one week: cumulative households to equip and equipped."""

    week = models.ForeignKey(Week, verbose_name=_("week"), on_delete=models.CASCADE)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    measure = models.ForeignKey(Measure, verbose_name=_("measure"), on_delete=models.PROTECT)
    households = models.PositiveIntegerField(_("households"))
    installed = models.PositiveIntegerField(_("installed"))
    # Optimistic locking: a save carries the version it was based on.
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords(verbose_name=_("historical snapshot"))

    class Meta:
        ordering = ["week", "region", "measure"]
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["week", "region", "measure"], name="snapshot_week_region_measure_unique"
            ),
            models.CheckConstraint(
                condition=Q(households__gte=0), name="snapshot_households_gte_0"
            ),
            models.CheckConstraint(condition=Q(installed__gte=0), name="snapshot_installed_gte_0"),
            models.CheckConstraint(
                condition=Q(installed__lte=F("households")),
                name="snapshot_installed_lte_households",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "measure", "week"], name="snapshot_region_measure")
        ]

    def __str__(self) -> str:
        return f"{self.week} {self.region} {self.measure}"


class Profile(models.Model):
    """
    A user's role in the campaign; district staff are bound to one region.

    Written only through installs.services.accounts, which checks the role and
    region and keeps the history (who gave whom which role).
    """

    class Role(models.TextChoices):
        DISTRICT = "district", _("district staff")
        BUREAU = "bureau", _("bureau staff")
        LEADER = "leader", _("leadership")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT
    )
    # Set when somebody else chose the password (manage.py add_user, the admin): the
    # account must choose its own before it may open any page. Cleared by the change.
    must_change_password = models.BooleanField(
        _("must change password at next login"), default=False
    )
    history = HistoricalRecords(verbose_name=_("historical profile"))

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="district") & Q(region__isnull=False))
                | (~Q(role="district") & Q(region__isnull=True)),
                name="profile_region_iff_district",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class ApiToken(models.Model):
    """A token with which another system (e.g. the city's operation platform) reads the API."""

    name = models.CharField(_("system name"), max_length=100, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return self.name


class DataRevision(models.Model):
    """
    One row whose token changes with every saved or deleted snapshot, week,
    region or measure (installs.signals). Computed weeks are kept per process
    under this token, so every process sees a change at its next request.
    A random token, not a counter: a rolled-back transaction or a restored
    backup can never bring back a token that named other data.
    """

    token = models.UUIDField(default=uuid.uuid4)

    class Meta:
        verbose_name = _("data revision")
        verbose_name_plural = _("data revisions")

    def __str__(self) -> str:
        return str(self.token)


class Notice(models.Model):
    """
    A weekly notice (进度通报, 第N期), made when a week is published and frozen
    from then on: its summary text and both documents as they were sent.

    ``number`` counts the campaign's notices (1, 2, 3…); publishing a week
    again after a correction makes a new number, and the earlier notice stays.
    The documents are stored in the row, not under MEDIA_ROOT: a database
    backup then holds everything that was sent to leadership.
    """

    number = models.PositiveIntegerField(_("number"), unique=True)
    week = models.ForeignKey(
        Week, verbose_name=_("week"), on_delete=models.PROTECT, related_name="notices"
    )
    summary_text = models.TextField(_("summary text"))
    png = models.BinaryField(_("table image (PNG)"))
    pdf = models.BinaryField(_("notice (PDF)"))
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept beside the foreign key: the notice names its publisher even after the account is gone.
    published_by_name = models.CharField(_("published by (name)"), max_length=150, blank=True)

    class Meta:
        ordering = ["-number"]
        get_latest_by = "number"
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="notice_number_gte_1"),
        ]

    def __str__(self) -> str:
        return f"第{self.number}期 ({self.week})"
