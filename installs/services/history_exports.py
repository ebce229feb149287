"""
The history of a province or of the nation, built in the background: a request
makes a HistoryExport row and enqueues the task (installs.tasks), the worker
builds the file city by city, recording ``done`` of ``total`` as it goes, and
the page polls the row. Everything lives in the row and the directory, so a
task lost, repeated or run by another worker does no harm: only the run that
moves the row from queued to running builds it.

Files and rows are deleted HISTORY_EXPORT_RETENTION_DAYS after the request,
at the start of every build and by ``manage.py expire_history_exports``.

A worker can die mid-build (killed, out of memory, the machine restarted) and
a queued task can be lost: such a job would stay 排队中 or 生成中 until it
expires. So a job that has shown no progress (``progressed_at``: asked for,
taken by a worker, a city built) for HISTORY_EXPORT_STALL_MINUTES is marked
failed with a message saying to ask again (``history_exports_fail_stalled``,
run before a request and whenever a job is shown), and a new request for the
same file then starts a new job. A run still alive on a job so marked stops at
its next city and leaves the row alone.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from installs import area_history, areas
from installs.models import Area, HistoryExport
from installs.permissions import user_role

logger = logging.getLogger(__name__)

ERROR_MAX_LENGTH = 500


class JobAbandoned(Exception):
    """The job stopped being this run's (given up as stalled, or deleted) while it built."""


def history_export_request(*, actor, area: Area | None, format: str) -> HistoryExport:
    """
    Ask for ``area``'s history as ``format`` ("xlsx" or "csv"); the build starts
    when the transaction commits. The same account asking again for the same
    file while it is still being built gets that job, not a second one.
    """
    if user_role(actor) is None or not areas.contains(areas.bound_area(actor), area):
        raise PermissionDenied("area outside the account's subtree")
    if format not in HistoryExport.Format.values:
        raise ValidationError({"format": _("Choose Excel or CSV.")})
    history_exports_fail_stalled()
    with transaction.atomic():
        pending = (
            HistoryExport.objects.select_for_update()
            .filter(
                requested_by=actor,
                area=area,
                format=format,
                state__in=[HistoryExport.State.QUEUED, HistoryExport.State.RUNNING],
            )
            .first()
        )
        if pending is not None:
            return pending
        job = HistoryExport.objects.create(
            requested_by=actor, area=area, format=format, total=len(areas.cities_in(area))
        )
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: uuid.UUID) -> None:
    from installs.tasks import history_export_build

    history_export_build.enqueue(str(job_id))


def history_export_visible(user, job: HistoryExport) -> bool:
    """
    Whether an account may see a job and its file: any account whose subtree
    holds the job's area (the one who asked, while the area is still theirs;
    district staff never, their subtree is a city).
    """
    return user_role(user) is not None and areas.contains(areas.bound_area(user), job.area)


def history_export_path(job: HistoryExport) -> Path:
    return Path(settings.HISTORY_EXPORT_DIR) / f"{job.pk}.{job.format}"


def history_export_run(*, job_id: str | uuid.UUID) -> HistoryExport | None:
    """
    Build the job's file (the task's body). A job that is gone, or that another
    run has already taken, is left as it is. On any error the job is marked
    failed with a message for the page, and the partial file removed.
    """
    history_exports_expire()
    history_exports_fail_stalled()
    claimed = HistoryExport.objects.filter(pk=job_id, state=HistoryExport.State.QUEUED).update(
        state=HistoryExport.State.RUNNING, progressed_at=timezone.now()
    )
    job = HistoryExport.objects.filter(pk=job_id).select_related("area").first()
    if not claimed or job is None:
        return job
    final = history_export_path(job)
    partial = final.with_name(final.name + ".part")
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        cities = areas.cities_in(job.area)
        HistoryExport.objects.filter(pk=job.pk).update(total=len(cities), done=0)

        def on_city(done: int) -> None:
            running = HistoryExport.objects.filter(pk=job.pk, state=HistoryExport.State.RUNNING)
            if not running.update(done=done, progressed_at=timezone.now()):
                raise JobAbandoned  # marked failed as stalled (or deleted): stop here

        # The worker has no request: the file's words in the site's language.
        with translation.override(settings.LANGUAGE_CODE):
            area_history.write_history(partial, cities=cities, format=job.format, on_city=on_city)
        partial.replace(final)
    except JobAbandoned:
        logger.warning("history export %s was given up as stalled; its run stops", job.pk)
        partial.unlink(missing_ok=True)
        return HistoryExport.objects.filter(pk=job.pk).first()
    except Exception as error:
        logger.exception("history export %s failed", job.pk)
        partial.unlink(missing_ok=True)
        with translation.override(settings.LANGUAGE_CODE):
            message = _(
                "The file could not be built (%(error)s). Ask for it again; if it fails "
                "again, tell the administrator."
            ) % {"error": f"{type(error).__name__}: {error}"}
        HistoryExport.objects.filter(pk=job.pk, state=HistoryExport.State.RUNNING).update(
            state=HistoryExport.State.FAILED,
            error=message[:ERROR_MAX_LENGTH],
            finished_at=timezone.now(),
        )
    else:
        # Only a job still running: one given up as stalled meanwhile stays failed (the
        # person may have asked again already), and its file is not offered.
        finished = HistoryExport.objects.filter(
            pk=job.pk, state=HistoryExport.State.RUNNING
        ).update(
            state=HistoryExport.State.DONE,
            file_name=final.name,
            finished_at=timezone.now(),
        )
        if not finished:
            final.unlink(missing_ok=True)
    job.refresh_from_db()
    return job


def history_exports_fail_stalled(*, now: datetime.datetime | None = None) -> int:
    """
    Mark failed every job waiting or being built that has shown no progress for
    HISTORY_EXPORT_STALL_MINUTES: its worker is gone. Returns how many. The
    message tells the person to ask again; a new request then starts a new job.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.HISTORY_EXPORT_STALL_MINUTES)
    with translation.override(settings.LANGUAGE_CODE):
        message = _(
            "The file was not built: its build made no progress for %(minutes)s minutes "
            "(the background worker may have stopped). Ask for it again; if it fails "
            "again, tell the administrator."
        ) % {"minutes": settings.HISTORY_EXPORT_STALL_MINUTES}
    return HistoryExport.objects.filter(
        state__in=[HistoryExport.State.QUEUED, HistoryExport.State.RUNNING],
        progressed_at__lt=cutoff,
    ).update(state=HistoryExport.State.FAILED, error=message[:ERROR_MAX_LENGTH], finished_at=now)


def history_exports_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete the jobs asked for more than HISTORY_EXPORT_RETENTION_DAYS ago, with their files."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.HISTORY_EXPORT_RETENTION_DAYS)
    expired = list(HistoryExport.objects.filter(created_at__lt=cutoff))
    for job in expired:
        path = history_export_path(job)
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".part").unlink(missing_ok=True)
    HistoryExport.objects.filter(pk__in=[job.pk for job in expired]).delete()
    return len(expired)
