from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = _("一张网格管治理")

    def ready(self):
        # The kernel's deadline sweep calls these for the grids' clocks (dispatch, handle, whistle).
        from grids.services import register_sweep_handlers

        register_sweep_handlers()
