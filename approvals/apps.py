from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("一枚印章管审批")

    def ready(self):
        # Registers the deadline sweep's handlers for the approvals clocks.
        from approvals import handlers  # noqa: F401
