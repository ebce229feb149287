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
        # A figure: what is computed for the weeks before its week stays, and so does
        # what is computed from the other cities' figures alone.
        revision_bump(week=instance.week.date, city=_city_of(instance))
    else:
        revision_bump()


def _city_of(snapshot: Snapshot) -> int | None:
    """The city of the snapshot's county: no query when the save came with its region."""
    if Snapshot.region.is_cached(snapshot):
        return snapshot.region.city_id
    # None (the county is gone): the figure's week is renewed in every city.
    return Region.objects.filter(pk=snapshot.region_id).values_list("city_id", flat=True).first()


def connect() -> None:
    # Areas too: their names and tree are in the kept pages (installs/page_cache.py).
    for model in (Snapshot, Week, Region, Measure, Area):
        post_save.connect(_changed, sender=model, dispatch_uid=f"revision-save-{model.__name__}")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"revision-delete-{model.__name__}"
        )
