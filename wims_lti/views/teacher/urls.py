from django.urls import path

from . import activities, course, dashboard, deep_linking, grades

# Every teacher URL starts with the signed token: /teacher/<token>/...
urlpatterns = [
    path("<str:token>/", dashboard.dashboard, name="teacher-dashboard"),
    path("<str:token>/wims/", dashboard.open_wims, name="teacher-open-wims"),
    # Linking the course to a WIMS class ("WIMS settings").
    path("<str:token>/course/", course.course_page, name="teacher-course"),
    path("<str:token>/course/create/", course.course_create, name="teacher-course-create"),
    path("<str:token>/course/link/", course.course_link, name="teacher-course-link"),
    path("<str:token>/course/unlink/", course.course_unlink_view, name="teacher-course-unlink"),
    path("<str:token>/course/recreate/", course.course_recreate, name="teacher-course-recreate"),
    path("<str:token>/course/restore/", course.course_restore, name="teacher-course-restore"),
    # The class's sheets and exams; binding this link to one of them.
    path("<str:token>/activities/", activities.activity_list, name="teacher-activities"),
    path("<str:token>/activities/bind/", activities.bind, name="teacher-bind"),
    path("<str:token>/activities/unbind/", activities.unbind, name="teacher-unbind"),
    path(
        "<str:token>/activities/<str:kind>/<int:number>/", activities.activity_detail, name="teacher-activity"
    ),
    # Deep Linking 2.0: pick activities to add to the LMS course.
    path("<str:token>/deep-linking/", deep_linking.picker, name="teacher-deep-linking"),
]
# Grades sent to the LMS (AGS): status, "Sync now", progress as JSON.
urlpatterns += [
    path("<str:token>/grades/", grades.grades_page, name="teacher-grades"),
    path("<str:token>/grades/sync/", grades.grades_sync_now, name="teacher-grades-sync"),
    path("<str:token>/grades/status.json", grades.grades_status, name="teacher-grades-status"),
]
