"""
The campaign targets: each measure's target rate and deadline, set by bureau staff.

All measures change together or none does (one form, one transaction), and
only bureau staff who cover the deployment may change them (installs.areas.covers_deployment;
the view checks the role, and this the area).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction

from installs import areas
from installs.models import Measure

PERCENT_STEP = Decimal("0.0001")  # Measure.target_rate keeps 4 decimal places of a fraction


@dataclass(frozen=True)
class TargetInput:
    measure: Measure
    target_percent: Decimal  # 0 < percent <= 100, at most 2 decimal places
    target_date: datetime.date


@transaction.atomic
def targets_save(*, targets: list[TargetInput], actor) -> list[Measure]:
    """Store every measure's target; the percent becomes the model's fraction (100 → 1)."""
    # One set of targets for the deployment, inherited by every level.
    if actor is not None and not areas.covers_deployment(actor):
        raise PermissionDenied
    saved = []
    for target in targets:
        measure = Measure.objects.select_for_update().get(pk=target.measure.pk)
        measure.target_rate = (target.target_percent / 100).quantize(PERCENT_STEP)
        measure.target_date = target.target_date
        measure.full_clean()
        measure.save(update_fields=["target_rate", "target_date"])
        saved.append(measure)
    return saved
