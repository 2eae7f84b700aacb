from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RuianConfig(AppConfig):
    name = "ruian"
    verbose_name = _("共享内核")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Assessment: the kernel names the subjects; each app's `metrics.py` registers its metrics, found
        # here so that the kernel never imports an app.
        from django.utils.module_loading import autodiscover_modules

        from ruian import assessment

        assessment.register_kernel_subjects()
        autodiscover_modules("metrics")

        # Names everywhere (pages, documents, API, admin) in Chinese order. The portal keeps Django's own
        # User model, so its get_full_name is replaced here, in one place, rather than at every caller.
        from django.contrib.auth import get_user_model

        from ruian.staff import chinese_full_name

        get_user_model().get_full_name = chinese_full_name
