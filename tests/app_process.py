"""
One more app process for tests/test_shared_cache.py: what a second gunicorn worker
or a second app server does, in a process of its own (nothing shared with the test's
process but the database and the cache named in its environment).

    python -m tests.app_process

Reads one request a line, a JSON list, and answers each with a JSON object on a line:

    ["read", DATE, REGION, MEASURE]                        the computed week's figure
    ["write", DATE, REGION, MEASURE, INSTALLED, USERNAME]  a save through figures_save
"""

from __future__ import annotations

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from installs import selectors  # noqa: E402
from installs.models import Measure, Region, Snapshot, Week  # noqa: E402
from installs.services.figures import ANY_VERSION, FigureInput, figures_save  # noqa: E402


def answer(action: str, date: str, region_slug: str, measure_slug: str, *rest: str) -> dict:
    week = Week.objects.get(date=date)
    region = Region.objects.get(slug=region_slug)
    measure = Measure.objects.get(slug=measure_slug)
    if action == "write":
        installed, username = int(rest[0]), rest[1]
        current = Snapshot.objects.get(week=week, region=region, measure=measure)
        figures_save(
            week=week,
            figures=[
                FigureInput(
                    region=region,
                    measure=measure,
                    households=current.households,
                    installed=installed,
                    version=ANY_VERSION,
                )
            ],
            actor=get_user_model().objects.get(username=username),
            reason="tests.app_process",
            confirmed=True,
        )
        return {"installed": installed}
    with CaptureQueriesContext(connection) as queries:
        progress = selectors.computed_week(week)
    return {
        "installed": progress.records[(region.pk, measure.pk)]["installed"],
        "queries": len(queries),
    }


if __name__ == "__main__":
    for line in sys.stdin:
        print(json.dumps(answer(*json.loads(line))), flush=True)
