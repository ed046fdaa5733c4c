"""One activity sync against real loopback servers: the dev platform (Moodle/Canvas AGS, NRPS, tokens),
the WIMS emulator and the session's real Redis."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.fixtures.lti_env import DEPLOYMENT_ID
from tests.grades.conftest import GradeEnv
from wims_lti.lti.devplatform import people
from wims_lti.lti.devplatform.roles import INSTRUCTOR, LEARNER
from wims_lti.models import (
    ActivitySync,
    GradeLineItem,
    Platform,
    ResourceLink,
    ScoreLedger,
    SyncRun,
    WimsAccount,
)
from wims_lti.services.concurrency import semaphore_peak, semaphore_reset

pytestmark = pytest.mark.integration
SUBMISSION = "https://canvas.instructure.com/lti/submission"


def test_first_sync_posts_every_worked_score_and_a_resync_posts_nothing(grade_env_flavors: GradeEnv) -> None:
    env = grade_env_flavors
    emulator = env.lti.wims.emulator
    assert emulator is not None
    a, b, idle = env.add_student(), env.add_student(), env.add_student()
    env.score(a, 65)
    env.score(b, 100)
    mark = len(emulator.emulator.request_log)
    run = env.sync()
    jobs = emulator.emulator.jobs_since(mark)
    # The roster's learner without an account gets one made ahead, before the scores are read; one
    # adm/raw call reads all students, one the sheets' status (once per run), and the activity log of
    # each student whose score is sent gives the submission times (WIMS's clock read once).
    assert jobs == ["adduser", "getsheetscores", "listsheets", "gettime", "getlog", "getlog"]
    act = env.activity(run)
    assert (act.status, act.read, act.posted, act.unchanged, act.failed) == ("done", 2, 2, 0, 0)
    entry_a, entry_b = env.entry(a), env.entry(b)
    assert entry_a is not None and entry_b is not None
    assert entry_a.grade == 6.5 and entry_b.grade == 10
    assert entry_a.last_score["scoreMaximum"] == 10 and entry_a.last_score["gradingProgress"] == "FullyGraded"
    assert env.entry(idle) is None  # no work: nothing posted, nothing blanked
    assert SUBMISSION not in entry_a.last_score
    assert run.finished is not None

    mark = len(emulator.emulator.request_log)
    again = env.sync()
    assert emulator.emulator.jobs_since(mark) == ["getsheetscores", "listsheets"]  # nothing to send
    act = env.activity(again)
    assert (act.posted, act.unchanged) == (0, 2)
    assert env.score_posts() == 2
    assert env.platform.tokens.request_count == 1  # the token is cached in Redis across runs

    env.score(a, 80)
    third = env.sync()
    assert env.activity(third).posted == 1
    entry_a = env.entry(a)
    assert entry_a is not None and entry_a.grade == 8 and entry_a.posts == 2
    if env.platform.flavor == "canvas":
        assert entry_a.last_score[SUBMISSION] == {"new_submission": False}
        assert entry_a.submissions == 1  # one attempt, not one per sync


def test_timestamps_strictly_increase_even_within_one_second(grade_env: GradeEnv) -> None:
    env = grade_env
    student = env.add_student()
    for percent in (10, 20, 30):
        env.score(student, percent)
        env.sync()
    entry = env.entry(student)
    assert entry is not None and entry.grade == 3 and entry.posts == 3  # Moodle would 409 an equal timestamp
    assert not env.platform.requests_matching(r"/scores", "POST") or all(
        r.status == 200 for r in env.platform.requests_matching(r"/scores", "POST")
    )


def test_roster_students_who_never_launched_are_graded_and_non_learners_are_not(grade_env: GradeEnv) -> None:
    env = grade_env
    launched = env.add_student()
    # In the LMS roster and in the WIMS class, but no launch of this link ever (account made ahead).
    never = people.student()
    env.lti.course.enroll(never, LEARNER)
    # A teacher who somehow has a WIMS account: not in the learners of the roster.
    teacher_like = env.add_student(enrolled=False)
    env.lti.course.enroll(teacher_like.user, INSTRUCTOR)
    dropped = env.add_student(enrolled=False)  # left the course: not in the roster
    env.score(launched, 50)
    env.score(teacher_like, 90)
    env.score(dropped, 70)
    run = env.sync()
    account = WimsAccount.objects.get(course=env.course, lms_user__sub=never.sub)  # created ahead
    assert run.roster is not None and never.sub in run.roster and teacher_like.user.sub not in run.roster
    assert env.entry(launched) is not None
    assert env.entry(teacher_like) is None and env.entry(dropped) is None

    emulator = env.lti.wims.emulator
    assert emulator is not None
    emulator.emulator.set_sheet_score(env.course.qclass, 1, account.quser, percent=40)
    env.sync()
    entry = env.platform.gradebook.get(env.link.lineitem_url, never.sub)
    assert entry is not None and entry.grade == 4


def test_moodle_refusals_are_recorded_per_user_and_not_resent(grade_env: GradeEnv) -> None:
    env = grade_env
    good = env.add_student()
    net = env.add_student(enrolled=False)  # a non-editing teacher: Learner in NRPS, refused by the gradebook
    env.lti.course.enroll(net.user, "NonEditingTeacher")
    env.score(good, 50)
    env.score(net, 50)
    run = env.sync()
    act = env.activity(run)
    assert (act.status, act.posted, act.failed) == ("partial", 1, 1)
    assert act.errors[0]["kind"] == "not_gradable" and act.errors[0]["reason"].startswith("Incorrect score")
    posts = len(env.platform.requests_matching(r"/scores", "POST"))
    again = env.activity(env.sync())
    assert again.failed == 1 and len(env.platform.requests_matching(r"/scores", "POST")) == posts


def test_canvas_not_a_student_is_recorded(canvas_env: GradeEnv) -> None:
    env = canvas_env
    student = env.add_student()
    ta = env.add_student(enrolled=False)
    env.lti.course.enroll(ta.user, LEARNER)
    env.score(student, 30)
    env.score(ta, 30)
    env.lti.course.suspend(ta.user)  # Canvas refuses inactive enrolments with 422
    CourseServicesOff(env)
    act = env.activity(env.sync())
    assert act.posted == 1 and act.failed == 1 and act.errors[0]["kind"] == "not_gradable"


def CourseServicesOff(env: GradeEnv) -> None:
    """No NRPS for the course: every WIMS account counts (the LMS then refuses non-students)."""
    env.course.lti_services.delete()


def test_moodle_teacher_edit_wins_409_is_superseded(grade_env: GradeEnv) -> None:
    env = grade_env
    student = env.add_student()
    env.score(student, 50)
    env.sync()
    env.platform.teacher_override(env.link.lineitem_url, student.user.sub, 9.0)
    entry = env.platform.gradebook.get(env.link.lineitem_url, student.user.sub)
    entry.time_modified += 3600  # the teacher's edit is "newer" than anything we send now
    env.score(student, 60)
    act = env.activity(env.sync())
    assert act.status == "done" and act.unchanged == 1 and act.errors[0]["kind"] == "superseded"
    assert env.platform.gradebook.get(env.link.lineitem_url, student.user.sub).grade == 9.0
    ledger = ScoreLedger.objects.get(lms_user=student.lms_user)
    assert ledger.status == "superseded"
    posts = len(env.platform.requests_matching(r"/scores", "POST"))
    env.sync()
    assert len(env.platform.requests_matching(r"/scores", "POST")) == posts  # not retried


def test_pending_sheet_is_no_score_yet(grade_env: GradeEnv) -> None:
    env = grade_env
    env.add_student()
    env.client.addsheet(env.course.qclass, env.course.rclass, {"title": "Pending"})
    pending = env.add_link("sheet", 2)
    run = env.sync()
    act = env.activity(run, pending)
    assert (act.status, act.message, act.posted) == ("done", "not_active", 0)


def test_exam_scores(grade_env_flavors: GradeEnv) -> None:
    env = grade_env_flavors
    env.client.addexam(env.course.qclass, env.course.rclass, {"title": "Exam"})
    env.client.linksheet(env.course.qclass, env.course.rclass, 1, 1)
    env.client.modexam(env.course.qclass, env.course.rclass, 1, {"status": 1})
    exam = env.add_link("exam", 1)
    student, idle = env.add_student(), env.add_student()
    emulator = env.lti.wims.emulator
    assert emulator is not None
    emulator.emulator.set_exam_score(env.course.qclass, 1, student.quser, 7.5, attempts=2)
    env.sync()
    entry = env.entry(student, exam)
    assert entry is not None and entry.grade == 7.5 and entry.last_score["scoreMaximum"] == 10
    assert env.entry(idle, exam) is None


def test_line_item_found_or_created_once_and_recreated_only_when_really_gone(
    grade_env_flavors: GradeEnv,
) -> None:
    env = grade_env_flavors
    link = env.add_link("sheet", 1, declared=False, title="Undeclared")
    ResourceLink.objects.filter(pk=env.link.pk).update(kind="")  # only the undeclared link is bound
    student = env.add_student()
    env.score(student, 70)
    env.sync()
    item = GradeLineItem.objects.get(link=link)
    assert item.origin == "created"
    created = env.platform.requests_matching(r"/line_?items(\?|$)", "POST")
    assert len(created) == 1
    body = created[0].body.decode()
    assert '"resourceLinkId"' in body and "wims-sheet-1" in body
    env.score(student, 80)
    env.sync()
    assert len(env.platform.requests_matching(r"/line_?items(\?|$)", "POST")) == 1  # stored, not made again

    # A lost database row: the column is found again by resource link id, not duplicated.
    GradeLineItem.objects.all().delete()
    env.score(student, 85)
    env.sync()
    assert GradeLineItem.objects.get(link=link).origin == "found"
    assert len(env.platform.requests_matching(r"/line_?items(\?|$)", "POST")) == 1

    # Deleted in the LMS with no score change since: the next sync sees it (one GET, 404 confirmed by
    # the container), makes a new column and refills it: no grade lost.
    env.platform.delete_line_item(env.platform.line_item(GradeLineItem.objects.get(link=link).url))
    run = env.sync()
    act = env.activity(run, link)
    assert act.status == "done" and act.posted == 1
    new = GradeLineItem.objects.get(link=link)
    assert new.origin == "created" and env.platform.gradebook.get(new.url, student.user.sub).grade == 8.5
    assert len(env.platform.requests_matching(r"/line_?items(\?|$)", "POST")) == 2
    # A later score change goes to the new column; an unchanged resync sends nothing.
    env.score(student, 90)
    env.sync()
    assert env.platform.gradebook.get(new.url, student.user.sub).grade == 9
    act = env.activity(env.sync(), link)
    assert (act.posted, act.unchanged) == (0, 1)


def test_404_with_the_container_also_refusing_keeps_the_line_item(grade_env: GradeEnv) -> None:
    env = grade_env
    student = env.add_student()
    env.score(student, 70)
    env.platform.faults.add(r"/scores", status=404, times=1)
    env.platform.faults.add(r"/lineitems$|/lineitems\?", status=404, times=1)  # e.g. a concluded course
    run = env.sync()
    act = env.activity(run)
    assert (act.status, act.message) == ("failed", "lineitem_gone")
    assert GradeLineItem.objects.get(link=env.link).url == env.link.lineitem_url
    assert not env.platform.requests_matching(r"/line_?items(\?|$)", "POST")
    env.sync()
    assert env.entry(student).grade == 7  # type: ignore[union-attr]


def test_lms_concurrency_is_capped_across_threads(grade_env: GradeEnv, settings) -> None:  # type: ignore[no-untyped-def]
    """Several activities synced at once never have more than M requests in flight on one platform."""
    import threading

    env = grade_env
    settings.GRADE_LMS_MAX_CONCURRENCY = 2
    semaphore_reset(f"lms:{env.course.platform_id}")
    for number in (2, 3, 4):
        env.client.addsheet(env.course.qclass, env.course.rclass, {"title": f"S{number}"})
        env.client.putexo(
            env.course.qclass,
            env.course.rclass,
            number,
            {"module": "classes/en", "params": "exo=addition", "points": 10},
        )
        env.client.modsheet(env.course.qclass, env.course.rclass, number, {"status": 1})
        env.add_link("sheet", number)
    students = [env.add_student() for _ in range(4)]
    emulator = env.lti.wims.emulator
    assert emulator is not None
    for s in students:
        for number in (1, 2, 3, 4):
            env.score(s, 50, sheet=number)
    env.platform.faults.hang(r"/scores", 0.05, times=100)
    queued: list[int] = []
    from wims_lti.services.grades import sync_run_start

    run = sync_run_start(course=env.course, trigger=SyncRun.Trigger.MANUAL, enqueue=queued.append)
    assert run is not None
    threads = [threading.Thread(target=env.execute, args=(pk, 3)) for pk in queued]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    connection.close()
    assert all(a.status == "done" and a.posted == 4 for a in ActivitySync.objects.filter(run=run))
    assert semaphore_peak(f"lms:{env.course.platform_id}") == 2


def test_an_open_edx_block_with_its_own_client_id_gets_its_grades_with_its_own_token(
    grade_env: GradeEnv,
) -> None:
    """Open edX gives each LTI block its own client id (same issuer, keys, deployment): the course and
    the student are shared, and each block's scores go to its own column with its own registration's
    token (the dev platform refuses a line item of another client id)."""
    env = grade_env
    lti = env.lti
    block2 = Platform.objects.create(
        name="Open edX block 2",
        issuer=lti.registration.issuer,
        client_id="edx-block-2",
        auth_login_url=lti.platform.auth_login_url,
        auth_token_url=lti.platform.auth_token_url,
        keyset_url=lti.platform.jwks_url,
        default_wims_server=lti.wims_server,
    )
    assert block2.tenant_id == lti.registration.tenant_id
    lti.platform.register_tool(
        "edx-block-2",
        f"{lti.tool_url}/lti/{block2.uuid}/login/",
        [f"{lti.tool_url}/lti/{block2.uuid}/launch/"],
        tool_jwks_url=lti.tool_url + "/lti/jwks/",
        deployment_ids=[DEPLOYMENT_ID],
    )
    lms_link = lti.course.add_resource_link("Block 2", client_id="edx-block-2", score_maximum=10)
    type_id = lti.platform.registrations["edx-block-2"].type_id
    link2 = ResourceLink.objects.create(
        course=env.course,
        platform=block2,
        resource_link_id=lms_link.id,
        title=lms_link.title,
        kind=ResourceLink.Kind.SHEET,
        number=1,
        lineitem_url=lti.platform.lineitem_url(lti.platform.line_items[lms_link.line_item_id]),
        lineitems_url=lti.platform.urls.lineitems(lti.course.id, type_id),
    )
    student = env.add_student()
    env.score(student, 70)
    run = env.sync()
    assert env.activity(run).posted == 1 and env.activity(run, link2).posted == 1
    first, second = env.entry(student), env.entry(student, link2)
    assert first is not None and second is not None and first.grade == second.grade == 7
    granted = {r.client_id for r in lti.platform.tokens.requests if r.status == 200}
    assert granted == {lti.registration.client_id, "edx-block-2"}
