from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WimsLtiConfig(AppConfig):
    name = "wims_lti"
    verbose_name = _("WIMS LTI bridge")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from wims_lti.observability.scrub import install

        install()  # no bearer token (teacher pages, invitations) in any log line of this process
