from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from ruian.apiclients import ClientToken
from ruian.audit import AuditEntry
from ruian.divisions import Division
from ruian.notifications import Notification
from ruian.organisations import Organisation
from ruian.outbox import OutboxMessage
from ruian.staff import StaffProfile
from ruian.workdays import CalendarDay, CalendarYear


@admin.register(Division)
class DivisionAdmin(GuardedModelAdmin):
    list_display = ["code", "name", "level", "kind", "parent"]
    list_filter = ["level", "kind"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "division", "parent", "short_code"]
    list_filter = ["kind"]
    search_fields = ["name", "short_code", "division__name"]
    raw_id_fields = ["division", "parent", "home_department"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "phone", "certificate_number", "certificate_valid_until"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "certificate_number"]
    raw_id_fields = ["user", "organisation"]

    def save_model(self, request, obj, form, change):
        # Through the service, so the data-scope permission follows the organisation.
        from ruian.staff import set_staff_organisation

        fields = {
            name: getattr(obj, name)
            for name in ["phone", "certificate_number", "certificate_valid_from", "certificate_valid_until"]
        }
        set_staff_organisation(user=obj.user, organisation=obj.organisation, actor=request.user, **fields)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "is_workday", "source"]
    list_filter = ["is_workday", "source"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        obj.source = "manual"
        super().save_model(request, obj, form, change)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "complete"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: audit entries are never edited or deleted."""

    list_display = ["created_at", "actor", "action", "object_repr", "from_state", "to_state", "ip"]
    list_filter = ["action"]
    search_fields = ["action", "object_repr", "reason", "actor__username"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ClientToken)
class ClientTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "scopes", "created_at", "revoked_at", "last_used_at"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are issued with `manage.py issue_token`, which shows the token once

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        from ruian.apiclients import revoke_token

        for token in queryset.select_related("user"):
            revoke_token(user=token.user, actor=request.user)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "title", "read_at"]
    raw_id_fields = ["recipient"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "task", "queue", "sent_at", "attempts", "last_error"]
    list_filter = ["task"]
    readonly_fields = ["task", "args", "kwargs", "queue", "created_at", "sent_at", "attempts", "last_error"]

    def has_add_permission(self, request):
        return False
