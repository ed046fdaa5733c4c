from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="demo-index"),
    path("launch/<str:role>/", views.launch, name="demo-launch"),
    path("sheet/", views.add_sheet, name="demo-add-sheet"),
    path("work/", views.student_works, name="demo-student-works"),
    path("sync/", views.sync_now, name="demo-sync"),
    path("gradebook/", views.gradebook, name="demo-gradebook"),
    path("wims/", views.use_wims, name="demo-use-wims"),
    path("language/", views.language, name="demo-language"),
]
