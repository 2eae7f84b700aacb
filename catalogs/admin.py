"""Admin: a read-only view of the catalogs for administrators.

Changes go through the editors' pages and the API, which call catalogs.services (permission checks, the
read-only rule for published versions, optimistic concurrency, audit). An admin form saving models
directly would skip all of that, so the admin only shows.
"""

from django.contrib import admin

from catalogs import models


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.CatalogVersion)
class CatalogVersionAdmin(ReadOnlyAdmin):
    list_display = ["title", "county", "kind", "status", "effective_date", "updated_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]


@admin.register(models.PowerItem)
class PowerItemAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "category", "version", "revision"]
    list_filter = ["category"]
    search_fields = ["code", "name"]
    list_select_related = ["version"]


@admin.register(models.TerritorialMatter)
class TerritorialMatterAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "primary_level", "county_department", "version"]
    search_fields = ["code", "name"]
    list_select_related = ["version"]


@admin.register(models.ServiceItem)
class ServiceItemAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "level", "department", "version"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["version"]


@admin.register(models.EmpowermentBatch)
class EmpowermentBatchAdmin(ReadOnlyAdmin):
    list_display = ["title", "document_number", "effective_date", "county"]


@admin.register(models.EmpowermentAdjustment)
class EmpowermentAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["batch", "action", "document_number", "effective_date"]


@admin.register(models.DutyAdmissionRequest)
class DutyAdmissionRequestAdmin(ReadOnlyAdmin):
    list_display = ["matter", "department", "status", "created_at"]
    list_filter = ["status"]


@admin.register(models.DataResource)
class DataResourceAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "department", "sharing_type", "update_cycle", "on_exchange_platform"]
    list_filter = ["sharing_type", "on_exchange_platform"]


@admin.register(models.DataSubscription)
class DataSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["resource", "subscriber", "status", "created_at"]
    list_filter = ["status"]


@admin.register(models.InspectionPlan)
class InspectionPlanAdmin(ReadOnlyAdmin):
    list_display = ["title", "county", "year", "status", "document_number"]
    list_filter = ["status", "year"]


@admin.register(models.ImposedInspection)
class ImposedInspectionAdmin(ReadOnlyAdmin):
    list_display = ["held_on", "township", "organiser", "name", "kind", "planned"]
    list_filter = ["kind"]
    list_select_related = ["township", "planned"]
