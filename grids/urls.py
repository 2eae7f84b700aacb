from django.urls import path

from grids import views

urlpatterns = [
    path("report/", views.report, name="report"),
    path("command-centre/", views.command_centre, name="command_centre"),
    path("map.json", views.map_data, name="map_data"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("events/<int:pk>/<slug:action>/", views.event_action, name="event_action"),
    path("whistle-calls/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("public/", views.public_grids, name="public_grids"),
    path("assessment/", views.assessment, name="assessment"),
    path("import/", views.import_spreadsheet, name="import"),
    path("export/<slug:kind>.xlsx", views.export_spreadsheet, name="export"),
]
