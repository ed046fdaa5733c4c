"""The issue's done-when, literally: a platform registered with the admin CLI launches teachers and
students with Moodle- and Canvas-shaped payloads, and each lands in WIMS as the right person."""

from __future__ import annotations

import io
import json

import pytest
import requests
from django.core.management import call_command

from tests.fixtures.lti_env import DEPLOYMENT_ID, LtiEnv
from tests.fixtures.wims_servers import WimsTarget
from wims_lti.lti.devplatform import DevPlatform, DevPlatformServer, people
from wims_lti.lti.devplatform.roles import INSTRUCTOR, LEARNER
from wims_lti.models import Platform, WimsAccount, WimsServer

pytestmark = pytest.mark.django_db(transaction=True)


def _cli(*args: str) -> dict[str, object]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("flavor", ["moodle", "canvas"])
def test_cli_registered_platform_launches_into_wims(
    live_server, wims_target: WimsTarget, flavor: str
) -> None:  # type: ignore[no-untyped-def]
    platform = DevPlatform(flavor)
    server = DevPlatformServer(platform).start()
    try:
        name = f"cli-{wims_target.name}-{flavor}-{wims_target.rclass}"
        _cli(
            "wims_server",
            "add",
            "--name",
            name,
            "--url",
            wims_target.url,
            "--ident",
            wims_target.ident,
            "--passwd",
            wims_target.passwd,
            "--rclass",
            wims_target.rclass,
            "--check",
        )
        urls = _cli(
            "lti_register",
            "--issuer",
            platform.issuer,
            "--client-id",
            f"cli-{flavor}",
            "--auth-login-url",
            platform.auth_login_url,
            "--auth-token-url",
            platform.auth_token_url,
            "--keyset-url",
            platform.jwks_url,
            "--deployment",
            DEPLOYMENT_ID,
            "--wims-server",
            name,
            "--base-url",
            live_server.url,
        )
        platform.register_tool(
            f"cli-{flavor}",
            str(urls["initiate_login_url"]),
            [str(urls["redirect_uris"])],
            tool_jwks_url=str(urls["public_keyset_url"]),
            deployment_ids=[DEPLOYMENT_ID],
        )
        course = platform.add_course("Analyse — semestre 1", "AN1")
        env = LtiEnv(
            platform,
            server,
            Platform.objects.get(uuid=urls["registration"]),
            wims_target,
            WimsServer.objects.get(name=name),
            live_server.url,
            course,
            course.enroll(people.teacher(), INSTRUCTOR),
            course.enroll(people.student(), LEARNER),
            course.add_resource_link("Feuille 1"),
        )
        teacher_page = requests.get(env.enter(env.teacher), timeout=60)
        assert teacher_page.status_code == 200
        for user in (env.student, *people.unicode_students()[:1]):
            if user is not env.student:
                course.enroll(user, LEARNER)
            page = requests.get(env.enter(user), timeout=60)
            assert page.status_code == 200
            account = WimsAccount.objects.get(lms_user__sub=user.sub)
            info = wims_target.client().getuser(account.course.qclass, account.course.rclass, account.quser)
            assert info.login == account.quser  # logged in as themselves, in the right class
    finally:
        server.stop()
