from rest_framework.routers import DefaultRouter

from approvals.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("applications", views.ApplicationViewSet, basename="application")

urlpatterns = router.urls
