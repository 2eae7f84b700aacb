from django.urls import path
from rest_framework.routers import DefaultRouter

from catalogs.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("versions", views.VersionViewSet, basename="catalog-version")
router.register("power-items", views.PowerItemViewSet, basename="power-item")
router.register("territorial-matters", views.TerritorialMatterViewSet, basename="territorial-matter")
router.register("service-items", views.ServiceItemViewSet, basename="service-item")
router.register("empowerment-batches", views.EmpowermentViewSet, basename="empowerment-batch")
router.register("admission-requests", views.AdmissionViewSet, basename="admission-request")
router.register("data-resources", views.DataResourceViewSet, basename="data-resource")
router.register("data-subscriptions", views.SubscriptionViewSet, basename="data-subscription")
router.register("inspection-plans", views.InspectionPlanViewSet, basename="inspection-plan")
router.register("imposed-inspections", views.ImposedInspectionViewSet, basename="imposed-inspection")

urlpatterns = [
    path(
        "townships/<str:code>/powers/",
        views.TownshipPowersView.as_view({"get": "list"}),
        name="township-powers",
    ),
    *router.urls,
]
