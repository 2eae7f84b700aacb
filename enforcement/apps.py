from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# drf-spectacular names enums after the field; several apps have a `status` or `source` field with different
# choices. Give ours names (merged into the settings here, never replacing anyone else's entries).
ENUM_NAMES = {
    "EnforcementCaseStatusEnum": "enforcement.states.CaseStatus",
    "EnforcementLeadStatusEnum": "enforcement.states.LeadStatus",
    "EnforcementTransferStatusEnum": "enforcement.states.TransferStatus",
    "EnforcementLeadSourceEnum": "enforcement.models.LeadSource",
    "EnforcementPartyKindEnum": "enforcement.models.PartyKind",
    "EnforcementProcedureEnum": "enforcement.models.Procedure",
    "EnforcementTransferDirectionEnum": "enforcement.models.TransferDirection",
    "EnforcementPenaltyMeasureEnum": "enforcement.models.PenaltyMeasure",
    "EnforcementMeetingKindEnum": "enforcement.models.MeetingKind",
    "EnforcementMeetingTaskStatusEnum": "enforcement.states.MeetingTaskStatus",
}


class EnforcementConfig(AppConfig):
    name = "enforcement"
    verbose_name = _("一支队伍管执法")

    def ready(self):
        from django.conf import settings

        from enforcement import handover, sweeps

        # The deadline sweep finds the enforcement clocks' handlers here.
        sweeps.register()
        # Grid events that are violations arrive here as leads.
        handover.register()
        overrides = settings.SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})
        for name, path in ENUM_NAMES.items():
            overrides.setdefault(name, path)
