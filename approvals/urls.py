from django.urls import path

from approvals import views

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("items/", views.item_search, name="item_search"),
    path("receive/<str:item_ref>/", views.receive, name="receive"),
    path("queue/", views.approver_queue, name="approver_queue"),
    path("dashboard/", views.township_dashboard, name="dashboard"),
    path("status/", views.public_lookup, name="public_lookup"),
    path("a/<str:number>/", views.detail, name="detail"),
    path("a/<str:number>/pdf/<slug:kind>/", views.document, name="document"),
    path("a/<str:number>/<slug:action>/", views.act, name="act"),
]
