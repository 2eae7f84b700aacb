"""Administrators read applications here; every change goes through the services (the pages and API), so
the admin is read-only for the workflow models. Pledge-eligible items are maintained here."""

from django.contrib import admin

from approvals.models import Application, PledgeEligibleItem


@admin.register(PledgeEligibleItem)
class PledgeEligibleItemAdmin(admin.ModelAdmin):
    list_display = ["item_code", "lineage", "note"]
    search_fields = ["item_code", "note"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["number", "item_name", "status", "channel", "received_at", "overdue"]
    list_filter = ["status", "channel", "overdue"]
    search_fields = ["number", "item_code"]
    list_select_related = ["township"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
