from django.urls import path

from catalogs import views

urlpatterns = [
    path("", views.editor_home, name="editor_home"),
    path("versions/new/", views.version_new, name="version_new"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/edit/", views.version_edit, name="version_edit"),
    path("versions/<int:pk>/transition/", views.version_transition, name="version_transition"),
    path("versions/<int:pk>/draft/", views.version_new_draft, name="version_new_draft"),
    path("versions/<int:pk>/export.<str:file_format>", views.version_export, name="version_export"),
    path("versions/<int:pk>/import/", views.version_import, name="version_import"),
    path("imports/<int:pk>/", views.import_job, name="import_job"),
    path("imports/<int:pk>/progress/", views.import_job_progress, name="import_job_progress"),
    path("versions/<int:pk>/compare/", views.version_compare, name="version_compare"),
    path("versions/<int:pk>/items/new/", views.item_edit, name="item_new"),
    path("versions/<int:pk>/items/<int:item_pk>/", views.item_edit, name="item_edit"),
    path("versions/<int:pk>/items/<int:item_pk>/delete/", views.item_delete, name="item_delete"),
    path("versions/<int:pk>/items/<int:item_pk>/history/", views.item_history, name="item_history"),
    path("admissions/", views.admission_list, name="admissions"),
    path("admissions/new/", views.admission_apply, name="admission_apply"),
    path("admissions/<int:pk>/review/", views.admission_review, name="admission_review"),
    path("empowerment/", views.empowerment_list, name="empowerment_list"),
    path("empowerment/new/", views.empowerment_new, name="empowerment_new"),
    path("empowerment/<int:pk>/", views.empowerment_detail, name="empowerment_detail"),
    path("data/", views.data_resources, name="data_resources"),
    path("data/new/", views.data_resource_new, name="data_resource_new"),
    path("data/<int:pk>/subscribe/", views.data_resource_subscribe, name="data_resource_subscribe"),
    path("data/subscriptions/", views.data_subscriptions, name="data_subscriptions"),
    path("data/subscriptions/<int:pk>/decide/", views.data_subscription_decide, name="data_subscription_decide"),
    path("burden/", views.burden_plans, name="burden_plans"),
    path("burden/<int:pk>/", views.burden_plan, name="burden_plan"),
    # Public pages: no login.
    path("public/", views.public_catalogs, name="public_catalogs"),
    path("public/<int:pk>/", views.public_version, name="public_version"),
    path("public/<int:pk>/export.<str:file_format>", views.public_export, name="public_export"),
    path("public/guides/<int:item_pk>/", views.service_guide, name="service_guide"),
]
