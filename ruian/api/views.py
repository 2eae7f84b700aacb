from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action, api_view, permission_classes, throttle_classes
from rest_framework.response import Response

from ruian import notifications, selectors, workdays
from ruian.api import serializers as s
from ruian.api.pagination import WindowCountPagination, with_total
from ruian.api.rows import me_row, organisation_rows, organisation_values
from ruian.apiclients import Scope
from ruian.divisions import Division
from ruian.notifications import Notification
from ruian.organisations import Organisation
from ruian.staff import StaffProfile


@extend_schema(
    summary="Trivial endpoint",
    description="Returns a constant; used by the benchmarks as the server's own ceiling.",
    responses=inline_serializer("Ping", {"ok": serializers.BooleanField()}),
)
@api_view(["GET"])
@permission_classes([permissions.AllowAny])
@throttle_classes([])
def ping(request):
    return Response({"ok": True})


@extend_schema(responses=s.MeSerializer)
@api_view(["GET"])
def me(request):
    return Response(me_row(request.user))


@extend_schema(
    summary="Add working days",
    parameters=[
        OpenApiParameter("start", str, description="YYYY-MM-DD", required=True),
        OpenApiParameter("days", int, required=True),
    ],
    responses=inline_serializer(
        "WorkingDays",
        {
            "start": serializers.DateField(),
            "days": serializers.IntegerField(),
            "due": serializers.DateField(),
            "calendar_known": serializers.BooleanField(),
        },
    ),
)
@api_view(["GET"])
def add_working_days(request):
    """The date `days` working days after `start` (the start day not counted), on the portal's calendar."""
    params = s.WorkingDaysSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    start, days = params.validated_data["start"], params.validated_data["days"]
    due = workdays.add_working_days(start, days)
    return Response({"start": start, "days": days, "due": due, "calendar_known": workdays.year_is_known(due.year)})


# The directory (organisations, staff) is read by tokens granted `directory:read`; divisions are public
# reference data and notifications are always the caller's own, so those two ask for no scope.
DIRECTORY = {"read": Scope.DIRECTORY_READ}


class DivisionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Administrative divisions (12-digit statistical codes). Administrators may add divisions."""

    queryset = Division.objects.none()  # for the schema; requests use get_queryset
    serializer_class = s.DivisionSerializer
    lookup_field = "code"
    filterset_fields = ["level", "kind"]

    def get_queryset(self):
        return selectors.divisions_for(self.request.user).select_related("parent")

    def get_permissions(self):
        if self.action == "create":
            return [permissions.IsAdminUser()]
        return super().get_permissions()


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    """Organisations in the caller's data scope, and the county-level bodies of the caller's own county.

    A township's staff get their township's organisations and their county's departments (never another
    township's or another county's); county staff their county and its townships; a city- or province-level
    caller every organisation in that city or province."""

    required_scopes = DIRECTORY
    queryset = Organisation.objects.none()
    serializer_class = s.OrganisationSerializer
    filterset_fields = ["kind"]

    def get_queryset(self):
        return selectors.organisations_for(self.request.user)

    def list(self, request, *args, **kwargs):
        # OrganisationSerializer's JSON from values() rows, the total counted in the page's own query.
        queryset = self.filter_queryset(self.get_queryset())
        paginator = self.paginator
        page = paginator.paginate_queryset(with_total(organisation_values(queryset), apart=True), request, view=self)
        return paginator.get_paginated_response(organisation_rows(page))

    @property
    def paginator(self):
        if not hasattr(self, "_paginator"):
            self._paginator = WindowCountPagination()
        return self._paginator


class StaffViewSet(viewsets.ReadOnlyModelViewSet):
    """Staff of the caller's own township (or county): names and phones, so a token needs `directory:read`."""

    required_scopes = DIRECTORY
    queryset = StaffProfile.objects.none()
    serializer_class = s.StaffSerializer

    def get_queryset(self):
        return selectors.staff_for(self.request.user)


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's own notifications, newest first."""

    queryset = Notification.objects.none()
    serializer_class = s.NotificationSerializer

    def get_queryset(self):
        return selectors.notifications_for(self.request.user)

    @extend_schema(
        request=s.MarkReadSerializer, responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()})
    )
    @action(detail=False, methods=["post"], url_path="read")
    def mark_read(self, request):
        """Mark the given notifications (or all) as read."""
        body = s.MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        count = notifications.mark_read(user=request.user, notification_ids=body.validated_data.get("ids"))
        return Response({"marked": count})
