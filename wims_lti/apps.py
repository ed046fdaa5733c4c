from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WimsLtiConfig(AppConfig):
    name = "wims_lti"
    verbose_name = _("WIMS LTI bridge")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import request_started

        from wims_lti.demo.runtime import demo_forget_stale
        from wims_lti.observability.scrub import install

        install()  # no bearer token (teacher pages, invitations) in any log line of this process

        # Demo mode only (checked per request): a restarted web process drops the previous demo's rows.
        request_started.connect(demo_forget_stale, dispatch_uid="wims_lti.demo.forget_stale")
