from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# drf-spectacular names enums after the field; several catalogs models have a `status` or a role field with
# different choices, which it can only name by hash. Give them names. (Done here rather than in the
# kernel's settings.py, which belongs to the foundation; merged, never replacing anyone else's entries.)
ENUM_NAMES = {
    "CatalogVersionStatusEnum": "catalogs.states.VersionStatus",
    "DutyAdmissionStatusEnum": "catalogs.states.AdmissionStatus",
    "DataSubscriptionStatusEnum": "catalogs.states.SubscriptionStatus",
    # approvals uses the same channel choices for its `channel` field
    "ChannelEnum": "catalogs.models.Channel",
    "ServiceLevelEnum": "catalogs.models.ServiceLevel",
    "CatalogCategoryEnum": "catalogs.models.Category",
}


class CatalogsConfig(AppConfig):
    name = "catalogs"
    verbose_name = _("权责目录")

    def ready(self):
        from django.conf import settings

        overrides = settings.SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})
        for name, path in ENUM_NAMES.items():
            overrides.setdefault(name, path)
