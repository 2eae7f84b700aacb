from rest_framework.routers import SimpleRouter

from grids.api import views

router = SimpleRouter()
router.register("categories", views.CategoryViewSet, basename="grid-category")
router.register("grids", views.GridViewSet, basename="grid")
router.register("workers", views.WorkerViewSet, basename="grid-worker")
router.register("events", views.EventViewSet, basename="grid-event")
router.register("whistles", views.WhistleViewSet, basename="grid-whistle")

urlpatterns = router.urls
