"""
The week's workflow: open a week, lock it, publish it, and step back.

    open ──lock──▶ locked ──publish──▶ published
    open ◀─unlock── locked ◀─unpublish── published

Only bureau staff who cover the deployment move a week (a superuser counts as one); the command line
may act without a user. Each step locks the Week row first (the figures
service locks the same row, so a district save and a lock cannot interleave),
records who and when on the week (state_changed_by/at) and leaves a history
record with the reason. Stepping back needs a reason: it undoes something
districts or leadership have already been told.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from installs import areas, deadline_rules, free_text, reporting
from installs.models import Week
from installs.services import notices

# A week is opened at most this many days ahead, and not before EARLIEST_DATE:
# a mistyped year (2202, 1022) is refused, whoever opens the week (form, command, import).
MAX_DAYS_AHEAD = 14
EARLIEST_DATE = datetime.date(2000, 1, 1)

# The history table keeps reasons in a CharField(max_length=100).
REASON_MAX_LENGTH = 100

State = Week.State


class WeekWorkflowError(Exception):
    """A workflow step that cannot be taken; the message says why, in the user's language."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def week_open(
    *,
    date: datetime.date,
    actor=None,
    reason: str = "",
    allow_other_weekday: bool = False,
    deadline: datetime.datetime | None = None,
) -> Week:
    """
    Open a new week for entry, named by its report date, with its 填报截止时间
    (``deadline``, or the default of settings.DEADLINE_DEFAULT).

    Refused: a date that exists already, a date before EARLIEST_DATE or more
    than MAX_DAYS_AHEAD days ahead, and (unless ``allow_other_weekday``) a date on another weekday than
    the latest week's, because the bureau reports on a fixed weekday and a
    different one is most often a slip; a holiday shift is allowed explicitly.
    """
    _check_actor(actor)
    reason = _clean_reason(reason)
    if date < EARLIEST_DATE:
        raise WeekWorkflowError(
            _("%(date)s is before %(earliest)s: check the year.")
            % {"date": date.isoformat(), "earliest": EARLIEST_DATE.isoformat()},
            code="too_early",
        )
    if date > timezone.localdate() + datetime.timedelta(days=MAX_DAYS_AHEAD):
        raise WeekWorkflowError(
            _("%(date)s is more than %(days)d days ahead: check the year and the month.")
            % {"date": formats.date_format(date), "days": MAX_DAYS_AHEAD},
            code="too_far_ahead",
        )
    with transaction.atomic():
        if Week.objects.filter(date=date).exists():
            raise _exists(date)
        latest = Week.objects.order_by("-date").first()
        if (
            latest is not None
            and latest.date.weekday() != date.weekday()
            and not allow_other_weekday
        ):
            raise WeekWorkflowError(
                _(
                    "%(date)s is a %(weekday)s, but the weeks so far are reported on "
                    "%(usual)s (latest %(latest)s). Confirm the other weekday if it is meant."
                )
                % {
                    "date": formats.date_format(date),
                    "weekday": weekday_name(date),
                    "usual": weekday_name(latest.date),
                    "latest": formats.date_format(latest.date),
                },
                code="other_weekday",
            )
        if deadline is None:
            deadline = deadline_rules.default_deadline(date, settings.DEADLINE_DEFAULT)
        _check_deadline(date, deadline)
        week = Week(date=date, state=State.OPEN, state_changed_by=actor, deadline=deadline)
        week.full_clean(validate_unique=False)
        _set_history(week, actor, reason)
        try:
            # A savepoint: two people opening the same date at once meet the unique constraint.
            with transaction.atomic():
                week.save()
        except IntegrityError:
            raise _exists(date) from None
    return week


def week_deadline_change(
    *, week: Week, deadline: datetime.datetime, actor, reason: str = ""
) -> Week:
    """
    Move a week's 填报截止时间 (bureau staff; the history keeps the old time and
    the reason). Whether earlier reports were on time is judged against the new one.
    """
    _check_actor(actor)
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = Week.objects.select_for_update().get(pk=week.pk)
        _check_deadline(locked.date, deadline)
        # The audit trail lists week records as state changes: the note says what moved.
        note = _("Reporting deadline %(old)s → %(new)s") % {
            "old": _short_time(locked.deadline) if locked.deadline else "—",
            "new": _short_time(deadline),
        }
        note = f"{note}；{reason}" if reason else note
        locked.deadline = deadline
        locked.full_clean(validate_unique=False)
        _set_history(locked, actor, note[:REASON_MAX_LENGTH])
        locked.save()
    return locked


def _short_time(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{formats.date_format(local, 'MONTH_DAY_FORMAT')} {local:%H:%M}"


# A deadline this far from the report date is a slip of the date field, not a plan.
DEADLINE_DAYS_BEFORE = 7
DEADLINE_DAYS_AFTER = 14


def _check_deadline(date: datetime.date, deadline: datetime.datetime) -> None:
    if timezone.is_naive(deadline):
        raise ValueError("the deadline must be an aware datetime")
    day = timezone.localtime(deadline).date()
    if not (
        date - datetime.timedelta(days=DEADLINE_DAYS_BEFORE)
        <= day
        <= date + datetime.timedelta(days=DEADLINE_DAYS_AFTER)
    ):
        raise WeekWorkflowError(
            _(
                "The reporting deadline %(deadline)s is too far from the report date %(date)s: "
                "at most %(before)d days before or %(after)d days after it."
            )
            % {
                "deadline": formats.date_format(timezone.localtime(deadline), "DATETIME_FORMAT"),
                "date": formats.date_format(date),
                "before": DEADLINE_DAYS_BEFORE,
                "after": DEADLINE_DAYS_AFTER,
            },
            code="deadline_out_of_range",
        )


def week_lock(*, week: Week, actor, reason: str = "") -> Week:
    """Close entry for district staff; bureau corrections stay possible (and audited)."""
    return _transition(
        week=week, actor=actor, reason=reason, source=State.OPEN, target=State.LOCKED
    )


def week_publish(*, week: Week, actor, reason: str = "") -> Week:
    """
    Make a locked week the one leadership see. An open week must be locked
    first, so that the figures stand still while the bureau checks them.

    Publishing while a region has not reported (未填报) or only partly
    (部分填报) needs a reason: leadership will read that region's latest
    earlier figures (沿用M月D日数据) in its place. The rule is here, not in a
    view, so every path (the page, a command) obeys it; the reason goes into
    the audit trail with the step.

    The week's notice (进度通报, the next number) is made in the same
    transaction: a published week always has one, and a notice that cannot be
    made leaves the week locked.
    """
    with transaction.atomic():
        published = _transition(
            week=week,
            actor=actor,
            reason=reason,
            source=State.LOCKED,
            target=State.PUBLISHED,
            check=_reason_for_incomplete,
        )
        notices.notice_make(week=published, actor=actor)
    return published


def incomplete_regions(week: Week) -> list[str]:
    """The active regions that have not fully reported the week (``rules.has_reported``), by name."""
    return [
        report.region.name
        for report in reporting.week_reporting(week).regions
        if not report.reported
    ]


def _reason_for_incomplete(week: Week, reason: str) -> None:
    if reason:
        return
    incomplete = incomplete_regions(week)
    if incomplete:
        raise WeekWorkflowError(
            _(
                "%(regions)s have not fully reported the week of %(date)s: their latest "
                "earlier figures will be published in their place. Give a reason to publish anyway."
            )
            % {
                "regions": pgettext("between names in a list", ", ").join(incomplete),
                "date": formats.date_format(week.date),
            },
            code="reason_required_incomplete",
        )


def week_unlock(*, week: Week, actor, reason: str) -> Week:
    """Let district staff edit a locked week again (a reason is required)."""
    return _transition(
        week=week,
        actor=actor,
        reason=reason,
        source=State.LOCKED,
        target=State.OPEN,
        reason_required=True,
    )


def week_unpublish(*, week: Week, actor, reason: str) -> Week:
    """Withdraw a published week back to locked (a reason is required)."""
    return _transition(
        week=week,
        actor=actor,
        reason=reason,
        source=State.PUBLISHED,
        target=State.LOCKED,
        reason_required=True,
    )


def next_week_date(latest: Week | None, *, today: datetime.date | None = None) -> datetime.date:
    """The date proposed for a new week: the latest week's plus 7 days, or today."""
    if latest is None:
        return today or timezone.localdate()
    return latest.date + datetime.timedelta(days=7)


def weekday_name(date: datetime.date) -> str:
    return str(WEEKDAYS[date.weekday()])


WEEKDAYS = (
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)


def _transition(
    *,
    week: Week,
    actor,
    reason: str,
    source: str,
    target: str,
    reason_required: bool = False,
    check: Callable[[Week, str], None] | None = None,
) -> Week:
    _check_actor(actor)
    reason = _clean_reason(reason)
    if reason_required and not reason:
        raise WeekWorkflowError(_("Give a reason for this step."), code="reason_required")
    with transaction.atomic():
        # The state is read under the row lock: two bureau clicks cannot both pass the check.
        locked = Week.objects.select_for_update().get(pk=week.pk)
        if locked.state != source:
            raise WeekWorkflowError(
                _("The week of %(date)s is %(state)s now; this step needs it %(needed)s.")
                % {
                    "date": formats.date_format(locked.date),
                    "state": locked.get_state_display(),
                    "needed": State(source).label,
                },
                code="wrong_state",
            )
        if check is not None:
            # Under the row lock: figures cannot change between the check and the step.
            check(locked, reason)
        locked.state = target
        locked.state_changed_by = actor
        locked.full_clean(validate_unique=False)
        _set_history(locked, actor, reason)
        locked.save()
    return locked


def _check_actor(actor) -> None:
    """
    Bureau staff who cover the deployment (installs.areas.covers_deployment: the
    week is one calendar for every city); None is the command line (an operator
    on the server).
    """
    if actor is not None and not areas.covers_deployment(actor):
        raise PermissionDenied


def _clean_reason(reason: str) -> str:
    # Again here, not only in the forms: the command line and imports pass through.
    invalid = free_text.text_error(reason or "")
    if invalid:
        raise WeekWorkflowError(_("Reason: %(error)s") % {"error": invalid}, code="reason_invalid")
    if free_text.is_blank(reason or ""):  # e.g. a zero-width space: no reason at all
        return ""
    reason = " ".join(reason.split())
    if len(reason) > REASON_MAX_LENGTH:
        raise WeekWorkflowError(
            _("The reason is too long: at most %(max)d characters.") % {"max": REASON_MAX_LENGTH},
            code="reason_too_long",
        )
    return reason


def _set_history(week: Week, actor, reason: str) -> None:
    # Named explicitly: the command line has no request for the history middleware.
    week._history_user = actor
    week._change_reason = reason


def _exists(date: datetime.date) -> WeekWorkflowError:
    return WeekWorkflowError(
        _("The week of %(date)s exists already.") % {"date": formats.date_format(date)},
        code="exists",
    )
