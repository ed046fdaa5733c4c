from django.contrib import admin
from django.urls import include, path

from wims_lti.observability.views import metrics
from wims_lti.views.health import health
from wims_lti.views.home import favicon, home

# Error pages in the user's language with a correlation id; never a trace or a secret (views/errors.py).
handler400 = "wims_lti.views.errors.bad_request"
handler500 = "wims_lti.views.errors.server_error"

urlpatterns = [
    path("health/", health, name="health"),
    path("metrics", metrics, name="metrics"),
    path("lti/", include("wims_lti.lti.urls")),
    path("lti/", include("wims_lti.lti.legacy_urls")),
    path("teacher/", include("wims_lti.views.teacher.urls")),
    path("api/v0/", include("wims_lti.api.urls")),
    path("admin/", admin.site.urls),
]
# "Try it" (wims_lti/demo): every page answers 404 unless DEMO_MODE (refused by settings/production.py).
urlpatterns += [
    path("demo/", include("wims_lti.demo.urls")),
    path("favicon.ico", favicon, name="favicon"),
    path("", home, name="home"),
]
