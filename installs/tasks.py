"""
Background tasks (django-tasks; the database backend django-tasks-db by default,
run by ``manage.py db_worker``). A task only triggers work whose state lives in
the database: a lost or repeated task does no harm.
"""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_outbox() -> int:
    """One delivery pass over the outbox; returns how many messages were tried."""
    from installs.outbox import deliver_due

    return len(deliver_due())


@task()
def history_export_build(job_id: str) -> str:
    """Build a province's or the nation's history file; returns the job's state."""
    from installs.services.history_exports import history_export_run

    job = history_export_run(job_id=job_id)
    return "gone" if job is None else job.state


@task()
def make_notices_below_top(top_notice_id: int, actor_id: int | None = None) -> int:
    """
    The notices below the top of one publication (the provinces', the cities'),
    in a deployment of more than a publication makes in its own transaction;
    returns how many were made.
    """
    from django.contrib.auth import get_user_model

    from installs.services.notices import notices_below_top_make

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return len(notices_below_top_make(top_notice_id=top_notice_id, actor=actor))
