from django.urls import path, re_path

from . import views

urlpatterns = [
    path("auth_methods", views.auth_methods, name="api-auth-methods"),
    path("authentication", views.authentication, name="api-authentication"),
    path("openapi.json", views.openapi, name="api-openapi"),
    path("courses", views.courses, name="api-courses"),
    path("courses/<int:course_id>", views.course_detail, name="api-course"),
    path("courses/<int:course_id>/activities", views.course_activities, name="api-course-activities"),
    path("courses/<int:course_id>/grades", views.course_grades, name="api-course-grades"),
    path("courses/<int:course_id>/sync", views.course_sync, name="api-course-sync"),
    re_path(r"^(?P<rest>[\s\S]*)$", views.not_found, name="api-not-found"),  # newlines too
]
