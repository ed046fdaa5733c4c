from django.urls import path

from . import config_views, launch_page, registration_views, views

urlpatterns = [
    path("login/", views.login, name="lti-login"),
    path("launch/", launch_page.launch_endpoint, name="lti-launch"),
    path("jwks/", views.jwks, name="lti-jwks"),
    path("register/<str:token>/", registration_views.register, name="lti-register"),
    path("<uuid:platform_uuid>/login/", views.login, name="lti-platform-login"),
    path("<uuid:platform_uuid>/launch/", launch_page.launch_endpoint, name="lti-platform-launch"),
    path("<uuid:platform_uuid>/config/", config_views.platform_config, name="lti-platform-config"),
    path(
        "<uuid:platform_uuid>/canvas.json", config_views.platform_canvas_json, name="lti-platform-canvas-json"
    ),
]
