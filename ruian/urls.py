from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ruian import mechanism_views, views
from ruian.forms import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_mark_read, name="notifications_read"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("assessment/", mechanism_views.ranking, name="assessment"),
    path("assessment/export.xlsx", mechanism_views.export, name="assessment_export"),
    path("assessment/weights/", mechanism_views.weights, name="assessment_weights"),
    path(
        "assessment/<slug:subject>/<int:pk>/<str:metric>/",
        mechanism_views.drill_down,
        name="assessment_drill_down",
    ),
    path("stationed/", mechanism_views.stationed_units, name="stationed_units"),
    path("stationed/<int:pk>/", mechanism_views.stationed_unit, name="stationed_unit"),
    path("secondments/", mechanism_views.secondment_list, name="secondments"),
    path("secondments/<int:pk>/end/", mechanism_views.secondment_end, name="secondment_end"),
    path("admin/", admin.site.urls),
    path("catalogs/", include(("catalogs.urls", "catalogs"), namespace="catalogs")),
    path("approvals/", include(("approvals.urls", "approvals"), namespace="approvals")),
    path("grids/", include(("grids.urls", "grids"), namespace="grids")),
    path("enforcement/", include(("enforcement.urls", "enforcement"), namespace="enforcement")),
    path("open311/v2/", include("grids.open311.urls")),
    path("api/v1/", include(("ruian.api.urls", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

handler404 = "ruian.errors.page_not_found"
handler403 = "ruian.errors.permission_denied"
handler500 = "ruian.errors.server_error"
