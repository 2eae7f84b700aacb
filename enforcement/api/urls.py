from django.urls import path
from rest_framework.routers import DefaultRouter

from enforcement.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("cases", views.CaseViewSet, basename="enforcement-case")
router.register("leads", views.LeadViewSet, basename="enforcement-lead")
router.register("transfers", views.TransferViewSet, basename="enforcement-transfer")
router.register("decisions", views.PublicationViewSet, basename="enforcement-decision")
router.register("training-sessions", views.TrainingSessionViewSet, basename="enforcement-training-session")
router.register("exams", views.QualificationExamViewSet, basename="enforcement-exam")
router.register("meetings", views.JointMeetingViewSet, basename="enforcement-meeting")
router.register("meeting-tasks", views.MeetingTaskViewSet, basename="enforcement-meeting-task")

urlpatterns = [
    path(
        "certificates/expiring/",
        views.ExpiringCertificatesView.as_view(),
        name="enforcement-certificate-expiring",
    ),
    *router.urls,
]
