from django.urls import include, path
from rest_framework.routers import DefaultRouter

from ruian.api import mechanisms, views

router = DefaultRouter()
router.register("divisions", views.DivisionViewSet, basename="division")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("staff", views.StaffViewSet, basename="staff")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("stationed-units", mechanisms.StationedUnitViewSet, basename="stationed-unit")
router.register("secondments", mechanisms.SecondmentViewSet, basename="secondment")

urlpatterns = [
    path("ping/", views.ping, name="ping"),
    path("me/", views.me, name="me"),
    path("calendar/add-working-days/", views.add_working_days, name="add-working-days"),
    path("assessment/scorecard/", mechanisms.ScorecardView.as_view(), name="assessment-scorecard"),
    path("assessment/drill-down/", mechanisms.DrillDownView.as_view(), name="assessment-drill-down"),
    path("assessment/weights/<slug:subject>/", mechanisms.WeightsView.as_view(), name="assessment-weights"),
    path("catalogs/", include(("catalogs.api.urls", "catalogs"), namespace="catalogs")),
    path("approvals/", include(("approvals.api.urls", "approvals"), namespace="approvals")),
    path("grids/", include(("grids.api.urls", "grids"), namespace="grids")),
    path("enforcement/", include(("enforcement.api.urls", "enforcement"), namespace="enforcement")),
    *router.urls,
]
