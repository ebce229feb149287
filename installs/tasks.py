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
def make_city_notices(top_notice_id: int, actor_id: int | None = None) -> int:
    """
    The cities' notices of one publication, in a deployment of more cities than a
    publication makes in its own transaction; returns how many were made.
    """
    from django.contrib.auth import get_user_model

    from installs.services.notices import city_notices_make

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return len(city_notices_make(top_notice_id=top_notice_id, actor=actor))
