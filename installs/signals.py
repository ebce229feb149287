"""
Cache invalidation only: any change to the data the ranking page computes from
gives the DataRevision a new token. No business rule lives here.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from installs.models import Area, Measure, Region, Snapshot, Week
from installs.revision import revision_bump


def _changed(sender, instance=None, **kwargs) -> None:
    if sender is Snapshot and instance is not None:
        # A figure: what is computed for the weeks before its week stays.
        revision_bump(week=instance.week.date)
    else:
        revision_bump()


def connect() -> None:
    # Areas too: their names and tree are in the kept pages (installs/page_cache.py).
    for model in (Snapshot, Week, Region, Measure, Area):
        post_save.connect(_changed, sender=model, dispatch_uid=f"revision-save-{model.__name__}")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"revision-delete-{model.__name__}"
        )
