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
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords


class Area(models.Model):
    """
    A province or a city (地级市): a node of the region tree above the counties that
    report. The nation is the tree's root and has no row. Counties (Region) hang
    under a city; a deployment for one city has one province and one city, and
    then shows exactly the city's table (installs.areas.home_area).
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("province")
        CITY = "city", _("city")

    name = models.CharField(_("name"), max_length=50)
    # GB/T 2260: six digits, e.g. 410000 河南省, 410800 焦作市.
    code = models.CharField(
        _("administrative code"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^[0-9]{6}$", _("An administrative code has six digits."))],
    )
    level = models.CharField(_("level"), max_length=10, choices=Level)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    order = models.PositiveIntegerField(_("display order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [
            # Names are unique among siblings only: two provinces may each have a city
            # of the same name. Provinces (no parent) are unique by name among themselves.
            models.UniqueConstraint(fields=["parent", "name"], name="area_name_unique_in_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="area_top_name_unique"
            ),
            models.CheckConstraint(
                condition=(Q(level="province") & Q(parent__isnull=True))
                | (Q(level="city") & Q(parent__isnull=False)),
                name="area_level_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_city(self) -> bool:
        return self.level == self.Level.CITY


class Region(models.Model):
    """A county, county-level city or district (县(市、区)) that reports its own figures."""

    name = models.CharField(_("name"), max_length=50)
    # The city it belongs to; names are unique within a city (two cities may each have a 城区).
    city = models.ForeignKey(
        Area,
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        related_name="regions",
        limit_choices_to={"level": "city"},
    )
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
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="region_name_unique_in_city")
        ]

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
    # 填报截止时间. Set by installs.services.weeks when the week is opened (the default of
    # settings.DEADLINE_DEFAULT, or the time given) and changed by bureau staff through
    # week_deadline_change; read through installs.deadlines.week_deadline, which gives a
    # week created otherwise (a fixture) the default too.
    deadline = models.DateTimeField(_("reporting deadline"), null=True, blank=True)
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
    # Bureau staff and leadership see the subtree of this province or city; none
    # means the whole deployment (the nation, or the one city a deployment has).
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
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
            models.CheckConstraint(
                condition=Q(role="district", area__isnull=True) | ~Q(role="district"),
                name="profile_district_no_area",
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
    region, measure or area (installs.signals). Computed weeks are kept per process
    under this token, so every process sees a change at its next request.
    A random token, not a counter: a rolled-back transaction or a restored
    backup can never bring back a token that named other data.

    A figure saved in one week changes nothing computed for the weeks before it:
    ``settled_token`` names the data of every week before ``settled_before`` (all
    weeks when it is empty). A figure written in an earlier week moves
    ``settled_before`` down to it; any other change renews ``settled_token`` and
    empties ``settled_before`` (installs.revision).

    A figure saved in one city changes nothing computed from other cities' figures
    alone: that is kept under ``cities_token`` and each city's own token
    (CityRevision). A figure replaces its city's token only; any other change (or a
    figure whose city is not known) renews ``cities_token``.
    """

    token = models.UUIDField(default=uuid.uuid4)
    settled_token = models.UUIDField(default=uuid.uuid4)
    settled_before = models.DateField(null=True, blank=True)
    cities_token = models.UUIDField(default=uuid.uuid4)

    class Meta:
        verbose_name = _("data revision")
        verbose_name_plural = _("data revisions")

    def __str__(self) -> str:
        return str(self.token)


class CityRevision(models.Model):
    """
    A city's own data revision: its token changes with every snapshot saved or
    deleted in one of the city's counties (installs.signals), inside the writing
    transaction, as DataRevision's does. What is computed from one city's figures
    alone (its counties' table of a week, its sums in its province's and the nation's
    tables) is kept under this token and DataRevision's ``cities_token`` (which every
    change other than a figure renews), so a figure saved in another city keeps it.
    A city without a row has had no figure saved since the rows were made: its token
    is a fixed one (installs.revision.NEVER_WRITTEN) until its first save.
    """

    city = models.OneToOneField(
        Area, on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("city")
    )
    token = models.UUIDField(default=uuid.uuid4)

    class Meta:
        verbose_name = _("city data revision")
        verbose_name_plural = _("city data revisions")

    def __str__(self) -> str:
        return str(self.token)


# 催报: contacts, reminders and the outbox that delivers them.

mobile_validator = RegexValidator(
    r"^1[0-9]{10}$", _("A mobile number has 11 digits and starts with 1.")
)
wecom_userid_validator = RegexValidator(
    r"^[A-Za-z0-9_.@-]{1,64}$",
    _("A WeCom user id has letters, digits and _ . @ - only."),
)


class RegionContact(models.Model):
    """A region's liaison (联络员), whom 催报 reaches by e-mail and by @ in the WeCom group."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("liaison name"), max_length=50)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True, validators=[mobile_validator])
    email = models.EmailField(_("e-mail"), blank=True)
    wecom_userid = models.CharField(
        _("WeCom user id"), max_length=64, blank=True, validators=[wecom_userid_validator]
    )
    history = HistoricalRecords(verbose_name=_("historical contact"))

    class Meta:
        ordering = ["region__order", "region__name", "name", "pk"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.region} {self.name}"


class Reminder(models.Model):
    """
    One 催报 of one region for one week on one occasion: an offset from the
    deadline ("-2h", "+0h", "+24h") or a manual 一键催报 ("manual-<time>").
    The unique constraint is what makes a repeated or overlapping run harmless.
    """

    week = models.ForeignKey(Week, verbose_name=_("week"), on_delete=models.CASCADE)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.CASCADE)
    occasion = models.CharField(_("occasion"), max_length=30)
    # Given by the service (the time the reminder was decided), so the cool-down is testable.
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["week", "region", "occasion"], name="reminder_week_region_occasion_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.week} {self.region} {self.occasion}"


class OutboxMessage(models.Model):
    """
    A message to deliver (a WeCom/DingTalk robot post or an e-mail), kept until
    it is sent or has failed for good; see installs.outbox. The payload names
    the robot, never its webhook address: the key stays in the environment.
    """

    class Channel(models.TextChoices):
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk group robot")
        EMAIL = "email", _("e-mail")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENDING = "sending", _("sending")
        RETRYING = "retrying", _("retrying")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    robot = models.CharField(_("robot"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=10)
    payload = models.JSONField(_("payload"))
    summary = models.CharField(_("summary"), max_length=200)
    source = models.CharField(_("source"), max_length=20, blank=True)
    week = models.ForeignKey(
        Week, verbose_name=_("week"), null=True, blank=True, on_delete=models.SET_NULL
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    # A worker holds the message until then while it sends; a crashed worker's claim expires.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What the message concerns, so that each bureau's log (催报记录) shows the
    # messages of its subtree: the counties a 催报 names, the area a notice is for.
    # Neither (a notice of the nation, or a message queued before they were kept):
    # the whole deployment's, read by staff who cover it.
    regions = models.ManyToManyField(
        Region, verbose_name=_("regions"), blank=True, related_name="+"
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return self.summary


class DeliveryAttempt(models.Model):
    """One try to deliver an outbox message: when, through which channel, and what came back."""

    message = models.ForeignKey(
        OutboxMessage,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="delivery_attempts",
    )
    # "wecom:districts", "dingtalk:districts", "email": the rate limit counts per key.
    channel_key = models.CharField(_("channel"), max_length=40)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    ok = models.BooleanField(_("delivered"), null=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        indexes = [models.Index(fields=["channel_key", "started_at"], name="attempt_channel_time")]

    def __str__(self) -> str:
        return f"{self.channel_key} {self.started_at:%Y-%m-%d %H:%M:%S}"


class DeliveryChannel(models.Model):
    """
    One row per channel key, locked while a worker reserves a slot in the
    channel's rate limit: two workers cannot both take the 20th slot.
    """

    key = models.CharField(_("channel"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("delivery channel")
        verbose_name_plural = _("delivery channels")

    def __str__(self) -> str:
        return self.key


class Notice(models.Model):
    """
    A weekly notice (进度通报, 第N期), made when a week is published and frozen
    from then on: its summary text and both documents as they were sent.

    ``area`` is whose notice it is (None: the nation's, the root): the
    deployment's top table (a city's counties, or a province's cities) and, in a
    deployment of several cities, each city's own (``services.notices``).
    ``number`` counts that area's notices (1, 2, 3…); publishing a week
    again after a correction makes a new number, and the earlier notice stays.
    The documents are stored in the row, not under MEDIA_ROOT: a database
    backup then holds everything that was sent to leadership.
    """

    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
        help_text=_("Whose table the notice shows; empty: the whole nation."),
    )
    number = models.PositiveIntegerField(_("number"))
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
            # One number per area; NULL (the root) is distinct from NULL in a unique
            # constraint, so the root's numbers have a constraint of their own.
            models.UniqueConstraint(fields=["area", "number"], name="notice_number_per_area"),
            models.UniqueConstraint(
                fields=["number"],
                condition=Q(area__isnull=True),
                name="notice_number_at_root",
            ),
        ]

    def __str__(self) -> str:
        return f"第{self.number}期 ({self.week})"


class HistoryExport(models.Model):
    """
    Every week of a province or of the nation (历周数据), built in the background.

    The city's history is small enough to send at once; above a city the file
    is built by a task (installs.tasks.history_export_build), city by city,
    ``done`` of ``total`` cities, into HISTORY_EXPORT_DIR, and removed with its
    row after HISTORY_EXPORT_RETENTION_DAYS. ``area`` None is the nation.
    """

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel workbook")
        CSV = "csv", _("CSV file")

    class State(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("export state", "waiting")
        RUNNING = "running", pgettext_lazy("export state", "being built")
        DONE = "done", pgettext_lazy("export state", "ready")
        FAILED = "failed", pgettext_lazy("export state", "failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.CASCADE
    )
    format = models.CharField(_("format"), max_length=8, choices=Format)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.QUEUED)
    done = models.PositiveIntegerField(_("cities done"), default=0)
    total = models.PositiveIntegerField(_("cities in all"), default=0)
    # The file's name inside HISTORY_EXPORT_DIR (empty until it is ready).
    file_name = models.CharField(_("file"), max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    # The job's last sign of life: asked for, taken by a worker, a city built. A job
    # quiet longer than HISTORY_EXPORT_STALL_MINUTES has lost its worker (failed).
    progressed_at = models.DateTimeField(_("last progress at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("history export")
        verbose_name_plural = _("history exports")
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=F("total")), name="history_done_lte_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area or '全国'} {self.format} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)
