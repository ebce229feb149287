"""README's settings table names every environment variable config/settings.py reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def variables_read() -> set[str]:
    source = (ROOT / "config" / "settings.py").read_text()
    names = set(re.findall(r'(?:envbool|envint|envlist|environ\.get)\(\s*"([A-Z0-9_]+)"', source))
    if "dj_database_url.config(" in source:
        names.add("DATABASE_URL")  # read by dj-database-url itself
    return names


def variables_documented() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Production") :]
    section = section[: section.index("\n## ", 1)]
    table = [line for line in section.splitlines() if line.startswith("| `")]
    return {
        name for line in table for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1])
    }


def test_it_finds_the_variables():
    assert {"DJANGO_SECRET_KEY", "DJANGO_HTTPS", "DATABASE_URL", "AXES_ENABLED"} <= variables_read()


def test_readme_lists_every_variable_the_settings_read():
    assert variables_read() - variables_documented() == set()
