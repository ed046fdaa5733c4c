"""The teacher's grades page: status per activity, "Sync now", the JSON progress, French and English."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.grades.conftest import GradeEnv
from wims_lti.models import ActivitySync, LmsUser, SyncRun
from wims_lti.views.teacher.auth import issue_teacher_token

pytestmark = pytest.mark.integration


def _token(env: GradeEnv, lang: str = "en") -> str:
    teacher = LmsUser.objects.create(platform=env.lti.registration, sub="teacher-1", given_name="Ada")
    return issue_teacher_token(
        course=env.course, user=teacher, link=env.link, lang=lang, roles=["Instructor"]
    )


def test_grades_page_sync_now_and_progress(grade_env: GradeEnv) -> None:
    env = grade_env
    good = env.add_student()
    net = env.add_student(enrolled=False)
    env.lti.course.enroll(net.user, "NonEditingTeacher")
    env.score(good, 50)
    env.score(net, 50)
    token = _token(env)
    client = Client()
    page = client.get(reverse("teacher-grades", args=[token]))
    assert page.status_code == 200
    assert "No sync has run yet" in page.content.decode()
    assert "Next scheduled sync" in page.content.decode()
    dashboard = client.get(reverse("teacher-dashboard", args=[token])).content.decode()
    assert reverse("teacher-grades", args=[token]) in dashboard

    response = client.post(reverse("teacher-grades-sync", args=[token]))
    assert response.status_code == 302
    run = SyncRun.objects.get(course=env.course)
    assert run.trigger == "manual" and run.requested_by is not None
    running = client.get(reverse("teacher-grades", args=[token])).content.decode()
    assert "<progress" in running and 'http-equiv="refresh"' in running  # works without JavaScript
    status = client.get(reverse("teacher-grades-status", args=[token])).json()
    assert status["running"] is True and status["percent"] == 0

    client.post(reverse("teacher-grades-sync", args=[token]))  # a second click: same run
    assert SyncRun.objects.filter(course=env.course).count() == 1
    for act in ActivitySync.objects.filter(run=run):
        env.execute(act.pk)
    status = client.get(reverse("teacher-grades-status", args=[token])).json()
    assert status["running"] is False and status["percent"] == 100
    assert status["activities"][0]["posted"] == 1 and status["activities"][0]["failed"] == 1
    html = client.get(reverse("teacher-grades", args=[token])).content.decode()
    assert "not a student of the course in the LMS" in html and "Incorrect score received" in html


def test_grades_page_in_french(grade_env: GradeEnv) -> None:
    env = grade_env
    token = _token(env, "fr")
    html = Client().get(reverse("teacher-grades", args=[token])).content.decode()
    assert "Aucune synchronisation" in html and "Synchroniser maintenant" in html


def test_grades_page_refuses_a_bad_token(grade_env: GradeEnv) -> None:
    client = Client()
    assert client.get(reverse("teacher-grades", args=["nope"])).status_code == 403
    assert client.post(reverse("teacher-grades-sync", args=["nope"])).status_code == 403
    assert client.get(reverse("teacher-grades-status", args=["nope"])).status_code == 403
