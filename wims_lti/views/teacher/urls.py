from django.urls import path

from . import dashboard

# Every teacher URL starts with the signed token: /teacher/<token>/...
urlpatterns = [
    path("<str:token>/", dashboard.dashboard, name="teacher-dashboard"),
    path("<str:token>/wims/", dashboard.open_wims, name="teacher-open-wims"),
]
