"""Admin: event categories (their time limits are configuration) are edited here; grids, workers and events
are shown read-only, because their changes go through the services (codes, audit, event history)."""

from django.contrib import admin

from grids.models import DepartmentalGrid, Escalation, Event, EventCategory, Grid, GridWorker, Whistle


@admin.register(EventCategory)
class EventCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "group", "dispatch_limit_hours", "handle_limit", "handle_unit", "handover"]
    list_filter = ["group", "handover", "is_public", "is_active"]
    search_fields = ["code", "name", "keywords"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Grid)
class GridAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "division", "households", "population", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["division"]


@admin.register(GridWorker)
class GridWorkerAdmin(ReadOnlyAdmin):
    list_display = ["name", "phone", "grid", "employment", "is_active"]
    search_fields = ["name", "phone", "grid__code"]
    list_select_related = ["grid"]


@admin.register(DepartmentalGrid)
class DepartmentalGridAdmin(ReadOnlyAdmin):
    list_display = ["department", "code", "name", "merged_into"]
    list_filter = ["department"]
    search_fields = ["code", "name", "merged_into__code"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["number", "category", "grid", "status", "handling_division", "unit", "reported_at"]
    list_filter = ["status", "source", "category"]
    search_fields = ["number", "description"]
    list_select_related = ["category", "grid", "handling_division", "unit"]


@admin.register(Whistle)
class WhistleAdmin(ReadOnlyAdmin):
    list_display = ["event", "reason", "is_open", "created_at"]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["event", "from_division", "to_division", "reason", "created_at"]
