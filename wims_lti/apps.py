from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WimsLtiConfig(AppConfig):
    name = "wims_lti"
    verbose_name = _("WIMS LTI bridge")
    default_auto_field = "django.db.models.BigAutoField"
