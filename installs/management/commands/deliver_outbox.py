"""Deliver what the outbox holds now (the worker's pass, by hand): ``manage.py deliver_outbox``."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from installs import outbox


class Command(BaseCommand):
    help = "Deliver the outbox messages due now (WeCom, DingTalk, e-mail) and print each result."

    def handle(self, *args, **options):
        results = outbox.deliver_due()
        for result in results:
            status = _("sent") if result.ok else _("failed: %(error)s") % {"error": result.error}
            self.stdout.write(f"#{result.message.pk} {result.message.summary}: {status}")
        if not results:
            self.stdout.write(_("Nothing to deliver."))
