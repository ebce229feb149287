"""
A history job whose worker died (killed mid-build, or its task lost) shows as
failed once it has made no progress for HISTORY_EXPORT_STALL_MINUTES, and asking
again starts a new job instead of waiting on the dead one.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from installs import area_history
from installs.models import HistoryExport
from installs.services import history_exports
from tests.test_history_jobs import _bound, ask, client_of
from tests.tree import two_provinces

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    return two_provinces()


@pytest.fixture
def people(tree):
    return {"henan": _bound("leader_henan", "leader", tree.henan)}


def _quiet_for(job: HistoryExport, minutes: int, state=HistoryExport.State.RUNNING) -> None:
    """The job as a dead worker leaves it: taken, a city built, then nothing since."""
    HistoryExport.objects.filter(pk=job.pk).update(
        state=state,
        done=1,
        progressed_at=timezone.now() - datetime.timedelta(minutes=minutes),
    )


def test_a_job_quiet_past_the_stall_time_shows_as_failed_with_a_way_out(tree, people, settings):
    settings.HISTORY_EXPORT_STALL_MINUTES = 10
    client = client_of(people["henan"])
    ask(client, "410000")
    job = HistoryExport.objects.get()
    _quiet_for(job, 11)
    status = client.get(reverse("installs:history_job_status", kwargs={"job": job.pk})).json()
    assert (status["state"], status["finished"]) == ("failed", True)
    assert "10分钟" in status["error"]
    page = client.get(reverse("installs:history_job", kwargs={"job": job.pk})).content.decode()
    assert "失败" in page and 'role="alert"' in page and "请重新生成" in page
    assert 'http-equiv="refresh"' not in page  # no more waiting


def test_a_job_that_progressed_within_the_stall_time_is_still_being_built(tree, people, settings):
    settings.HISTORY_EXPORT_STALL_MINUTES = 10
    client = client_of(people["henan"])
    ask(client, "410000")
    job = HistoryExport.objects.get()
    _quiet_for(job, 9)
    status = client.get(reverse("installs:history_job_status", kwargs={"job": job.pk})).json()
    assert (status["state"], status["finished"]) == ("running", False)
    ask(client, "410000")
    assert HistoryExport.objects.count() == 1  # asking again waits on the live job


@pytest.mark.parametrize("state", [HistoryExport.State.QUEUED, HistoryExport.State.RUNNING])
def test_asking_again_for_a_dead_job_s_file_starts_a_new_job(tree, people, state):
    client = client_of(people["henan"])
    ask(client, "410000")
    dead = HistoryExport.objects.get()
    _quiet_for(dead, 60, state=state)
    response = ask(client, "410000")
    fresh = HistoryExport.objects.exclude(pk=dead.pk).get()
    assert response["Location"] == reverse("installs:history_job", kwargs={"job": fresh.pk})
    assert fresh.state == HistoryExport.State.QUEUED
    assert HistoryExport.objects.get(pk=dead.pk).state == HistoryExport.State.FAILED
    assert history_exports.history_export_run(job_id=fresh.pk).state == "done"


def test_a_run_still_alive_on_a_job_given_up_stops_and_offers_no_file(tree, people, monkeypatch):
    ask(client_of(people["henan"]), "410000", "csv")
    job = HistoryExport.objects.get()
    city_rows = area_history.city_rows

    def slow(city, **kwargs):
        # The first city took longer than the stall time: meanwhile the job was given up.
        _quiet_for(job, 60)
        history_exports.history_exports_fail_stalled()
        return city_rows(city, **kwargs)

    monkeypatch.setattr(area_history, "city_rows", slow)
    ran = history_exports.history_export_run(job_id=job.pk)
    assert ran.state == HistoryExport.State.FAILED and ran.done == 1
    assert not list(history_exports.history_export_path(job).parent.glob(f"{job.pk}*"))
