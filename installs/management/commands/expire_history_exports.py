"""
Delete the province and nation history files older than HISTORY_EXPORT_RETENTION_DAYS
(each build does the same first): ``manage.py expire_history_exports``, e.g. daily from cron.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from installs.services.history_exports import history_exports_expire


class Command(BaseCommand):
    help = "Delete history export files (and their jobs) past the retention period."

    def handle(self, *args, **options):
        count = history_exports_expire()
        self.stdout.write(_("%(count)s history files deleted.") % {"count": count})
