"""
A deployment check (``manage.py check --deploy``): the weekly notice can be laid out.

Publishing a week makes its notice with WeasyPrint, which loads Debian's pango
and harfbuzz at import, and needs a Chinese font; a server without them would
fail at the first publication instead of at deployment. Deploy-only: importing
WeasyPrint takes about a second, too long for every ``manage.py`` command.
"""

from __future__ import annotations

import subprocess

from django.core.checks import Error, Tags, register

PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk"


@register(Tags.compatibility, deploy=True)
def notice_documents_check(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    try:
        import pypdfium2  # noqa: F401
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:
        errors.append(
            Error(
                f"The weekly notice cannot be laid out: {error}",
                hint=f"Install the Debian packages {PACKAGES} (make run does), "
                "and the Python requirements.",
                id="installs.E101",
            )
        )
    try:
        found = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=20
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        found = ""
    if not found:
        errors.append(
            Error(
                "No Chinese font is installed: the weekly notice would show boxes.",
                hint="Install the Debian package fonts-noto-cjk (make run does).",
                id="installs.E102",
            )
        )
    return errors
