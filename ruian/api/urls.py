from django.urls import include, path
from rest_framework.routers import DefaultRouter

from ruian.api import views

router = DefaultRouter()
router.register("divisions", views.DivisionViewSet, basename="division")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("staff", views.StaffViewSet, basename="staff")
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = [
    path("ping/", views.ping, name="ping"),
    path("me/", views.me, name="me"),
    path("calendar/add-working-days/", views.add_working_days, name="add-working-days"),
    path("catalogs/", include(("catalogs.api.urls", "catalogs"), namespace="catalogs")),
    path("approvals/", include(("approvals.api.urls", "approvals"), namespace="approvals")),
    path("grids/", include(("grids.api.urls", "grids"), namespace="grids")),
    path("enforcement/", include(("enforcement.api.urls", "enforcement"), namespace="enforcement")),
    *router.urls,
]
