from django.urls import path

from enforcement import views

urlpatterns = [
    path("", views.board, name="board"),
    path("my/", views.my_cases, name="my_cases"),
    path("simplified/", views.simplified_new, name="simplified_new"),
    path("legal/", views.legal_queue, name="legal_queue"),
    path("legal/<int:pk>/", views.legal_review, name="legal_review"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("leads/new/", views.lead_new, name="lead_new"),
    path("leads/<int:pk>/", views.lead_detail, name="lead"),
    path("leads/<int:pk>/file/", views.lead_file, name="lead_file"),
    path("leads/<int:pk>/act/<slug:name>/", views.lead_act, name="lead_act"),
    path("transfers/", views.transfers, name="transfers"),
    path("transfers/<int:pk>/<slug:name>/", views.transfer_act, name="transfer_act"),
    path("leads/<int:pk>/transfer/", views.lead_transfer, name="lead_transfer"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/<slug:name>/", views.case_act, name="case_act"),
    path("inspections/", views.inspections, name="inspections"),
    path("inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/<slug:name>/", views.inspection_act, name="inspection_act"),
    path("inspections/public/", views.public_inspections, name="public_inspections"),
    path("training/", views.training, name="training"),
    path("training/new/<slug:what>/", views.training_new, name="training_new"),
    path("training/sessions/<int:pk>/", views.training_session, name="training_session"),
    path("training/sessions/<int:pk>/attendance/", views.training_attendance, name="training_attendance"),
    path("training/exams/<int:pk>/", views.exam_detail, name="exam"),
    path("training/exams/<int:pk>/results/", views.exam_result, name="exam_result"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/<slug:name>/", views.meeting_act, name="meeting_act"),
    path("meetings/tasks/<int:pk>/done/", views.meeting_task_done, name="meeting_task_done"),
    # Public, no login: penalty decisions with personal data masked.
    path("decisions/", views.public_decisions, name="public_decisions"),
]
