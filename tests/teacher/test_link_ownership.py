"""Issue 16, hole 6: linking an existing WIMS class needs the proof that it is yours (its supervisor
password, checked against WIMS's own record), answers the same for "no such class" and "not yours", and
offers only the WIMS servers the teacher's platform may use. On the emulator and on the real WIMS."""

from __future__ import annotations

import re

import pytest
import requests

from tests.fixtures.lti_env import LtiEnv
from tests.teacher.helpers import teacher_session
from wims_lti.models import Course, WimsServer

pytestmark = pytest.mark.django_db(transaction=True)

CLASS_INFO = {
    "description": "Existing class",
    "institution": "Lycee",
    "supervisor": "Jane Teacher",
    "email": "jane@example.org",
    "password": "classpass1",
    "lang": "fr",
}
SUPERVISOR = {"firstname": "Jane", "lastname": "Teacher", "password": "Superpass17"}


def _answer(html: str) -> str:
    return re.sub(r'value="[^"]*"|[0-9a-f]{16,}|/teacher/[^/]+/', "", html)


def _web_login_as_supervisor(env: LtiEnv, qclass: str, password: str) -> None:
    """The teacher logs into the class on WIMS's own login page: WIMS then stores the password crypted."""
    session = requests.Session()
    session.headers["User-Agent"] = "Mozilla/5.0"
    page = session.get(
        env.wims.url,
        params={"module": "adm/class/classes", "type": "authsupervisor", "class": qclass},
        timeout=30,
    )
    wims_session = re.search(r'name="session" value="([^"]+)"', page.text)
    assert wims_session, page.text[:500]
    session.post(
        env.wims.url,
        data={
            "session": wims_session.group(1),
            "lang": "en",
            "cmd": "reply",
            "module": "adm/class/classes",
            "auth_user": "supervisor",
            "auth_password": password,
        },
        timeout=30,
    )
    stored = (
        env.wims.client().getuser(qclass, env.wims_server.rclass, "supervisor", ["password"]).raw["password"]
    )
    assert str(stored).startswith("*"), stored  # now DES-crypted by WIMS


def test_linking_needs_the_supervisor_password(lti_env_any_wims: LtiEnv) -> None:
    env = lti_env_any_wims
    client = env.wims.client()
    mine = client.addclass(env.wims_server.rclass, CLASS_INFO, SUPERVISOR).class_id
    before = client.getclass(mine, env.wims_server.rclass).raw
    session = teacher_session(env)
    link_page = session.page
    wrong = session.submit("/course/link/", qclass=mine, supervisor_password="not-the-password")
    session.page = link_page
    missing = session.submit("/course/link/", qclass="9999991", supervisor_password="not-the-password")
    assert wrong.status_code == missing.status_code == 403
    assert "No class with this number and this supervisor password" in wrong.text
    assert _answer(wrong.text) == _answer(missing.text)  # not found and not yours: the same answer
    assert not Course.objects.get().is_linked
    after = client.getclass(mine, env.wims_server.rclass).raw
    assert {k: v for k, v in after.items() if k != "code"} == {k: v for k, v in before.items() if k != "code"}
    if env.wims.name == "real":  # a supervisor who once logged in on WIMS's web page: crypted record
        _web_login_as_supervisor(env, mine, SUPERVISOR["password"])
    session.page = link_page
    response = session.submit("/course/link/", qclass=mine, supervisor_password=SUPERVISOR["password"])
    assert response.status_code == 200 and "/course/" not in response.url, response.text[:1000]
    course = Course.objects.get()
    assert (course.qclass, course.supervisor_password) == (mine, "")  # the teacher's password is not kept


def test_only_the_platforms_servers_are_offered(lti_env: LtiEnv) -> None:
    env = lti_env
    other = WimsServer.objects.create(
        name="other-tenant",
        url=env.wims.url,
        ident=env.wims.ident,
        passwd=env.wims.passwd,
        rclass="othertenant",
    )
    emulator = env.wims.emulator.emulator  # type: ignore[union-attr]
    session = teacher_session(env)
    assert "other-tenant" not in session.page.text
    mark = len(emulator.request_log)
    response = session.submit(
        "/course/link/", server="other-tenant", qclass="1234567", supervisor_password="x"
    )
    assert response.status_code == 400 and emulator.jobs_since(mark) == []
    assert not Course.objects.get().is_linked
    # The admin lets this platform use the server: it is offered.
    env.registration.wims_servers.add(other)
    assert "other-tenant" in teacher_session(env).page.text
