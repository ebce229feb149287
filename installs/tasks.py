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
