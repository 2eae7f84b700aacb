"""Admin: squads and their members are plain configuration; workflow records are read-only here, because
every change of state must go through a service (locks, legal checks, audit)."""

from django.contrib import admin

from enforcement import models


class SquadMemberInline(admin.TabularInline):
    model = models.SquadMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(models.Squad)
class SquadAdmin(admin.ModelAdmin):
    list_display = ["name", "township", "organisation", "leader"]
    list_filter = ["township"]
    inlines = [SquadMemberInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "township", "status", "major", "filed_on"]
    list_filter = ["status", "procedure", "major", "township"]
    search_fields = ["number", "title"]


@admin.register(models.Lead)
class LeadAdmin(ReadOnlyAdmin):
    list_display = ["summary", "township", "source", "status", "received_at"]
    list_filter = ["status", "source"]


@admin.register(models.Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["summary", "direction", "township", "department", "status", "sent_at"]
    list_filter = ["status", "direction"]


@admin.register(models.Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["decision_number", "party_masked", "township", "published_at", "withdrawn_at"]


@admin.register(models.InspectionPlan)
class InspectionPlanAdmin(ReadOnlyAdmin):
    list_display = ["title", "township", "status", "seed", "starts_on"]
