"""Reads of kernel data that a user sees, filtered by the user's data scope."""

from django.db.models import Q

from ruian.attachments import Attachment
from ruian.divisions import Division, Level
from ruian.notifications import Notification
from ruian.organisations import Organisation
from ruian.permissions import can_view, scope_q
from ruian.staff import StaffProfile

COUNTY_AND_ABOVE = [Level.COUNTY, Level.CITY, Level.PROVINCE]


def divisions_for(user):
    """Divisions in the user's scope, and the county-level ones above them (names are public)."""
    return Division.objects.filter(scope_q(user, "") | Q(level__in=COUNTY_AND_ABOVE))


def organisations_for(user):
    """The organisations of the user's own township (or county), and every county-level body."""
    return (
        Organisation.objects.filter(scope_q(user, "division") | Q(division__level__in=COUNTY_AND_ABOVE))
        .select_related("division", "parent", "home_department")
        .order_by("division__code", "kind", "name")
    )


def staff_for(user):
    """Staff of organisations in the user's own scope (county staff are not listed to townships)."""
    return (
        StaffProfile.objects.filter(scope_q(user, "organisation__division"))
        .select_related("user", "organisation", "organisation__division")
        .order_by("organisation__division__code", "organisation__name", "user__username")
    )


def notifications_for(user):
    return Notification.objects.filter(recipient=user)


def attachment_for(user, pk):
    """The attachment if the user may see the object it belongs to, else None."""
    attachment = Attachment.objects.select_related("content_type").filter(pk=pk).first()
    if attachment is None or not can_view(user, attachment.content_object):
        return None
    return attachment
