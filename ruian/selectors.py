"""Reads of kernel data that a user sees, filtered by the user's data scope."""

import importlib

from django.db.models import Q

from ruian.attachments import Attachment
from ruian.divisions import Division, Level
from ruian.notifications import Notification
from ruian.organisations import Organisation
from ruian.permissions import can_view, scope_prefixes, scope_q
from ruian.staff import StaffProfile

COUNTY_AND_ABOVE = [Level.COUNTY, Level.CITY, Level.PROVINCE]


def choice_labels(choices) -> dict:
    """{value: translated label} of a choices class, translated once for a page (get_FOO_display translates every
    choice of the field for every row)."""
    return {value: str(label) for value, label in choices.choices}


def divisions_for(user):
    """Divisions in the user's scope, and the county-level ones above them (names are public)."""
    return Division.objects.filter(scope_q(user, "") | Q(level__in=COUNTY_AND_ABOVE))


def organisations_for(user):
    """The organisations a user can act with: those of the divisions in the user's data scope, and the
    county-level bodies of the user's own county.

    A township's staff see their township's bodies and their county's (the departments they transfer cases
    to and that hold the powers they are refused for; both are always of the township's own county), not
    other townships' nor other counties'. County staff see their county and its townships; a city- or
    province-level user everything in that city or province.
    """
    prefixes = scope_prefixes(user)
    # A prefix longer than a county's six digits is a township's or a village's; its county's code is the
    # first six digits followed by zeros. A county's, a city's or the province's prefix covers its counties.
    counties = sorted({prefix[:6] + "000000" for prefix in prefixes or () if len(prefix) > 6})
    if counties:
        # The few divisions first (by id and by code, both indexed), then their organisations by division.
        divisions = Division.objects.filter(scope_q(user, "") | Q(code__in=counties))
        condition = Q(division__in=divisions)
    else:
        condition = scope_q(user, "division")
    return (
        Organisation.objects.filter(condition)
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
    """The attachment if the user may read the object it belongs to, else None.

    The object must be in the user's data scope, and its app may say more: an app whose selectors define
    `may_read(user, obj)` decides who of the township reads its objects (approvals: the window, the back
    office and the leader; enforcement: the squad, the legal reviewer and the leader). The attachment
    follows the object, so a scan of an ID card is never more visible than the application it came with.
    """
    attachment = Attachment.objects.select_related("content_type").filter(pk=pk).first()
    if attachment is None:
        return None
    obj = attachment.content_object
    if not can_view(user, obj):
        return None
    may_read = _app_reader(attachment.content_type.app_label)
    if may_read is not None and not may_read(user, obj):
        return None
    return attachment


def _app_reader(app_label: str):
    """The app's `selectors.may_read`, or None when the app has none (the data scope then decides)."""
    try:
        module = importlib.import_module(f"{app_label}.selectors")
    except ModuleNotFoundError:
        return None
    return getattr(module, "may_read", None)
