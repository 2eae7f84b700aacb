from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RuianConfig(AppConfig):
    name = "ruian"
    verbose_name = _("共享内核")
    default_auto_field = "django.db.models.BigAutoField"
