from django.contrib import admin
from django.urls import include, path

from wims_lti.views.health import health

urlpatterns = [
    path("health/", health, name="health"),
    path("lti/", include("wims_lti.lti.urls")),
    path("teacher/", include("wims_lti.views.teacher.urls")),
    path("admin/", admin.site.urls),
]
