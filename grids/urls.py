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
    path("manage/", views.manage_grids, name="manage"),
    path("manage/create/", views.create_grid, name="create_grid"),
    path("manage/merge/", views.merge_grids, name="merge_grids"),
    path("manage/departmental/", views.record_departmental_grid, name="record_departmental"),
    path("manage/<str:code>/split/", views.split_grid, name="split_grid"),
    path("departmental/", views.departmental_lookup, name="departmental"),
    path("drills/", views.drills, name="drills"),
    path("drills/mine/", views.my_drill_tasks, name="my_drill_tasks"),
    path("drills/<int:pk>/", views.drill_detail, name="drill_detail"),
    path("drills/<int:pk>/finish/", views.finish_drill, name="finish_drill"),
    path("drill-tasks/<int:pk>/<slug:action>/", views.drill_task_action, name="drill_task_action"),
]
