from django.urls import re_path

from grids.open311 import views

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^services" + FMT, views.service_list, name="open311_services"),
    re_path(r"^services/(?P<code>[-\w]+)" + FMT, views.service_definition, name="open311_service"),
    re_path(r"^requests" + FMT, views.request_list, name="open311_requests"),
    re_path(r"^requests/(?P<number>[-\w]+)" + FMT, views.request_detail, name="open311_request"),
]
