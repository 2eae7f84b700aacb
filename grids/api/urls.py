from rest_framework.routers import SimpleRouter

from grids.api import views

router = SimpleRouter()
router.register("categories", views.CategoryViewSet, basename="grid-category")
router.register("grids", views.GridViewSet, basename="grid")
router.register("workers", views.WorkerViewSet, basename="grid-worker")
router.register("events", views.EventViewSet, basename="grid-event")
router.register("whistles", views.WhistleViewSet, basename="grid-whistle")
router.register("departmental-grids", views.DepartmentalGridViewSet, basename="grid-departmental")
router.register("handovers", views.HandoverViewSet, basename="grid-handover")
router.register("drills", views.DrillViewSet, basename="grid-drill")
router.register("drill-tasks", views.DrillTaskViewSet, basename="grid-drill-task")

urlpatterns = router.urls
