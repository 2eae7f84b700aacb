from rest_framework.routers import DefaultRouter

from enforcement.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("cases", views.CaseViewSet, basename="enforcement-case")
router.register("leads", views.LeadViewSet, basename="enforcement-lead")
router.register("transfers", views.TransferViewSet, basename="enforcement-transfer")
router.register("decisions", views.PublicationViewSet, basename="enforcement-decision")

urlpatterns = router.urls
