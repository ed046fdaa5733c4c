"""The linking page: an instructor's launch on an unlinked course, creating or linking a WIMS class,
unlinking with a confirmation, and a class that vanished from WIMS (restore a backup or recreate)."""

from __future__ import annotations

import datetime
import re

import pytest

from tests.fixtures.lti_env import LtiEnv, html_forms
from tests.teacher.helpers import linked_session, teacher_session
from wims_lti.lti.devplatform import people
from wims_lti.lti.devplatform.roles import INSTRUCTOR
from wims_lti.models import Course
from wims_lti.wims.emulator import EmulatorServer

pytestmark = pytest.mark.django_db(transaction=True)

CLASS_INFO = {
    "description": "Existing class",
    "institution": "Lycee",
    "supervisor": "Jane Teacher",
    "email": "jane@example.org",
    "password": "classpass1",
    "lang": "fr",
}
SUPERVISOR = {"firstname": "Jane", "lastname": "Teacher", "password": "superpass1"}


def _emulator(env: LtiEnv) -> EmulatorServer:
    assert env.wims.emulator is not None
    return env.wims.emulator


@pytest.fixture(autouse=True)
def _fresh_request_log(lti_env: LtiEnv) -> None:
    emulator = _emulator(lti_env).emulator
    with emulator.lock:
        emulator.request_log.clear()


def _jobs(env: LtiEnv) -> list[str]:
    return [job for job, _, _ in _emulator(env).emulator.request_log]


def test_instructor_first_launch_opens_the_prefilled_linking_page(lti_env: LtiEnv) -> None:
    env = lti_env
    session = teacher_session(env)
    assert session.page.url.endswith("/course/")
    assert _jobs(env) == []  # the launch alone never creates a class
    fields = session.form("/course/create/")
    assert fields["description"] == "Algèbre linéaire"  # from the LMS course title
    assert fields["institution"] == "Université de Test"  # from the platform registration
    assert fields["lang"] == "en" and fields["level"] == "H4" and fields["limit"] == "300"
    assert fields["expiration"] == (datetime.date.today() + datetime.timedelta(days=365)).isoformat()
    # Every field has a label, and its help text is tied to it.
    html = session.page.text
    for name in ("description", "institution", "lang", "expiration", "limit", "level"):
        assert f'<label for="id_create_{name}"' in html
    assert 'aria-describedby="id_create_description_help"' in html
    assert 'for="id_link_qclass"' in html
    # Students still get the friendly "not linked yet" page.
    assert env.launch(env.student).status_code == 409


def test_creating_the_class_sends_the_chosen_values_once(lti_env: LtiEnv) -> None:
    env = lti_env
    session = teacher_session(env, locale="fr-FR")
    expiration = (datetime.date.today() + datetime.timedelta(days=200)).isoformat()
    response = session.submit(
        "/course/create/", description="Maths 2A", lang="fr", level="U2", limit="45", expiration=expiration
    )
    assert response.status_code == 200 and "/course/" not in response.url  # the dashboard
    assert "Ouvrir WIMS" in response.text  # in the launch's language
    course = Course.objects.get()
    assert course.is_linked and course.lang == "fr"
    props = _emulator(env).emulator.classes[course.qclass].props
    assert props["description"] == "Maths 2A" and props["level"] == "U2" and props["limit"] == "45"
    assert props["expiration"] == expiration.replace("-", "") and props["lang"] == "fr"
    assert props["institution"] == "Université de Test".encode("latin-1").decode("latin-1")
    assert _jobs(env) == ["addclass"]
    # Submitting the same form again (back button, double click) creates nothing more.
    again = session.browser.session.post(session.url("course/create/"), data={"description": "x"}, timeout=30)
    assert again.status_code == 200 and _jobs(env) == ["addclass"]


def test_invalid_values_are_refused_next_to_their_fields_in_french(lti_env: LtiEnv) -> None:
    env = lti_env
    session = teacher_session(env, locale="fr-FR")
    past = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    response = session.submit("/course/create/", description="!", expiration=past, limit="0", level="Z9")
    assert response.status_code == 400
    html = response.text
    assert "au moins 2 caractères" in html  # description (WIMS turns "!" into a space)
    assert "doit être dans le futur" in html  # expiration
    for name in ("description", "expiration", "limit", "level"):
        error_id = f"id_create_{name}_error"
        assert f'id="{error_id}"' in html
        assert re.search(rf'aria-describedby="[^"]*{error_id}"', html)
        assert re.search(
            rf'name="{name}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*name="{name}"', html
        )
    assert not Course.objects.get().is_linked
    assert _jobs(env) == []


def test_linking_an_existing_class_explains_class_connections_and_retries(lti_env: LtiEnv) -> None:
    env = lti_env
    emulator = _emulator(env).emulator
    # A class the teacher made elsewhere: its class_connections do not list this bridge's rclass.
    qclass = env.wims.client().addclass("someotherrclass", CLASS_INFO, SUPERVISOR).class_id
    session = teacher_session(env)
    response = session.submit("/course/link/", qclass=qclass, supervisor_password=SUPERVISOR["password"])
    assert response.status_code == 403
    line = f"!set class_connections=+{env.wims_server.ident}/{env.wims_server.rclass}+"
    assert line in response.text
    assert not Course.objects.get().is_linked
    # The WIMS administrator adds the line; the teacher presses "Try again" (the form kept the number).
    emulator.classes[qclass].props["connections"] += f" +{env.wims_server.ident}/{env.wims_server.rclass}+"
    assert session.form("/course/link/")["qclass"] == qclass
    response = session.submit("/course/link/", supervisor_password=SUPERVISOR["password"])
    assert response.status_code == 200 and "/course/" not in response.url
    course = Course.objects.get()
    assert (course.qclass, course.wims_server, course.lang) == (qclass, env.wims_server, "fr")
    assert "getuser" in _jobs(env) and "addclass" not in _jobs(env)[1:]


def _answer(html: str) -> str:
    """The page without what legitimately differs between two answers (number typed, correlation id)."""
    main = re.sub(r'value="[^"]*"', "", html)
    return re.sub(r"[0-9a-f]{32}|[0-9a-f-]{36}|/teacher/[^/]+/", "", main)


def test_linking_refuses_unknown_and_already_linked_classes(lti_env: LtiEnv) -> None:
    env = lti_env
    other = env.platform.add_course("Course B", "B")
    teacher_b = other.enroll(people.teacher(), INSTRUCTOR)
    linked_session(env, user=teacher_b, course=other, link=other.add_resource_link("B1"))
    qclass_b = Course.objects.get(context_id=str(other.id)).qclass
    session = teacher_session(env)
    # No such class, and another course's class without its supervisor password: the same answer.
    unknown = session.submit("/course/link/", qclass="9999999", supervisor_password="guess1234")
    assert (
        unknown.status_code == 403
        and "No class with this number and this supervisor password" in unknown.text
    )
    not_yours = session.submit("/course/link/", qclass=qclass_b, supervisor_password="guess1234")
    assert not_yours.status_code == 403
    assert _answer(not_yours.text) == _answer(unknown.text)
    # Its proven owner is told where it is linked.
    owner_password = Course.objects.get(context_id=str(other.id)).supervisor_password
    response = session.submit("/course/link/", qclass=qclass_b, supervisor_password=owner_password)
    assert response.status_code == 409 and "already linked to another course" in response.text
    response = session.submit("/course/link/", qclass="12ab")
    assert response.status_code == 400 and "digits only" in response.text
    assert not Course.objects.get(context_id=str(env.course.id)).is_linked


def test_unlinking_needs_a_confirmation_and_deletes_nothing_in_wims(lti_env: LtiEnv) -> None:
    env = lti_env
    session = linked_session(env)
    course = Course.objects.get()
    qclass = course.qclass
    page = session.get("course/unlink/")
    assert page.status_code == 200 and "Nothing is deleted in WIMS" in page.text
    refused = session.browser.session.post(session.url("course/unlink/"), data={}, timeout=30)
    assert refused.status_code == 400 and Course.objects.get().is_linked
    assert session.browser.session.get(session.url("course/unlink/"), timeout=30).status_code == 200
    done = session.browser.session.post(session.url("course/unlink/"), data={"confirm": "unlink"}, timeout=30)
    assert done.status_code == 200 and done.url.endswith("/course/")
    assert not Course.objects.get().is_linked
    assert qclass in _emulator(env).emulator.classes  # the class is still in WIMS
    assert not {"delclass", "cleanclass", "deluser"} & set(_jobs(env))
    # Relink the same class.
    session.page = done
    response = session.submit("/course/link/", qclass=qclass)
    assert response.status_code == 200 and Course.objects.get().qclass == qclass


def test_vanished_class_is_restored_from_a_wims_backup(lti_env: LtiEnv) -> None:
    env = lti_env
    session = linked_session(env)
    course = Course.objects.get()
    emulator = _emulator(env).emulator
    emulator.archive_class(course.qclass, "2026")  # WIMS's housekeeping archived the expired class
    assert env.launch(env.student).status_code == 502
    page = session.get("course/")
    assert "no longer exists" in page.text and "Backup of 2026" in page.text
    assert Course.objects.get().qclass == course.qclass  # never dropped silently
    response = session.submit("/course/restore/", year="2026")
    assert response.status_code == 200 and "restored" in response.text
    assert course.qclass in emulator.classes and Course.objects.get().qclass == course.qclass
    assert "restoreclassbackup" in _jobs(env)
    assert env.enter(env.student)


def test_vanished_class_can_be_recreated(lti_env: LtiEnv) -> None:
    env = lti_env
    session = linked_session(env)
    old = Course.objects.get().qclass
    env.wims.client().delclass(old, env.wims_server.rclass)
    page = session.get("course/")
    assert "no longer exists" in page.text and "WIMS has no backup of this class" in page.text
    forms = html_forms(page.text)
    assert any(f.action.endswith("/course/recreate/") for f in forms)
    response = session.submit("/course/recreate/")
    assert response.status_code == 200 and "/course/" not in response.url
    new = Course.objects.get().qclass
    assert new and new != old
    assert env.enter(env.student)


def test_recreate_and_restore_refuse_a_class_that_is_still_there(lti_env: LtiEnv) -> None:
    env = lti_env
    session = linked_session(env)
    qclass = Course.objects.get().qclass
    session.get("course/")
    fields = session.form("/course/unlink/", page=session.get("course/unlink/"))
    assert fields == {}
    create_fields = {
        "description": "New one",
        "institution": "Inst",
        "lang": "en",
        "expiration": (datetime.date.today() + datetime.timedelta(days=30)).isoformat(),
        "limit": "30",
        "level": "H4",
    }
    response = session.post("course/recreate/", create_fields)
    assert response.status_code == 200 and Course.objects.get().qclass == qclass
    response = session.post("course/restore/", {"year": "2026"})
    assert Course.objects.get().qclass == qclass
    assert _jobs(env).count("addclass") == 1 and "restoreclassbackup" not in _jobs(env)
