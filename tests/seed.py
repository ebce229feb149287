"""The newspaper's table (shared/seed), read for tests that compare against it."""

from __future__ import annotations

import csv
from pathlib import Path

SEED_TSV = (
    Path(__file__).resolve().parents[2] / "shared" / "seed" / "gas_safety_progress_2022-11-21.tsv"
)
# A copy beside the fixture, for a checkout without shared/ next to it.
FIXTURE_TSV = (
    Path(__file__).resolve().parents[1] / "fixtures" / "gas_safety_progress_2022-11-21.tsv"
)
MEASURES = ["valve_pipe", "hose_pipe", "hose_lpg"]
FIELDS = ["households", "installed", "new", "rate", "rank"]


def seed_rows() -> list[dict[str, str]]:
    """The printed table, one dict per row (11 regions, then 合计), every cell as printed text."""
    path = SEED_TSV if SEED_TSV.exists() else FIXTURE_TSV
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))
