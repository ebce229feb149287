from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstallsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "installs"
    verbose_name = _("Gas safety device installation")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from installs import notice_checks, security, signals  # noqa: F401 (registers a check)

        signals.connect()
        user_logged_in.connect(security.session_started, dispatch_uid="installs-session-started")
