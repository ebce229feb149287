"""The pure modules stay pure: rules, pace, validation and the progress data import no Django."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PLAIN = [
    "installs.rules",
    "installs.pace",
    "installs.validation",
    "installs.progress",
    "installs.level_rules",
    "installs.campaign",
]


def test_the_plain_modules_import_no_django():
    # A fresh interpreter: this test process has Django loaded already.
    code = (
        "import sys\n"
        f"for name in {PLAIN!r}: __import__(name)\n"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"
