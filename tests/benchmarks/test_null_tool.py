"""The null tool of the launch benchmark does the work it claims (so the floor the bridge is compared
with is honest): a launch lands in WIMS with 2 adm/raw calls the first time and 1 afterwards, a teacher
gets a page without any, and it refuses what an LTI 1.3 tool must refuse (replays, foreign signatures,
another audience, a missing state cookie). The app is called in-process through its WSGI interface."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from benchmarks.launchbench.client import LaunchJob, Signer, WsgiHttp, run_launch
from benchmarks.launchbench.platform import launch_job
from benchmarks.null_tool.app import NullTool
from benchmarks.null_tool.wims import AdmRaw
from tests.fixtures.wims_servers import WimsTarget
from wims_lti.lti.devplatform import DevPlatform, DevPlatformServer, people
from wims_lti.lti.devplatform.keys import SigningKey
from wims_lti.lti.devplatform.roles import INSTRUCTOR, LEARNER

HOST = "null.test"
CLIENT_ID = "null-t"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Env:
    def __init__(self, wims: WimsTarget) -> None:
        self.wims = wims
        self.platform = DevPlatform("moodle")
        self.server = DevPlatformServer(self.platform).start()
        self.platform.register_tool(
            CLIENT_ID,
            f"http://{HOST}/{CLIENT_ID}/login/",
            [f"http://{HOST}/{CLIENT_ID}/launch/"],
            deployment_ids=["dep-1"],
        )
        reply = AdmRaw(wims.url, wims.ident, wims.passwd).call(
            "addclass",
            rclass=wims.rclass,
            data1="description=Null tool test\ninstitution=Tests\nsupervisor=Null Tool Test\n"
            "email=no-reply@wims-lti.invalid\npassword=pw123456\nlang=en",
            data2="lastname=Test\nfirstname=Null\npassword=pw123456",
        )
        self.tool = NullTool(
            {
                "redis_url": os.environ["REDIS_URL"],
                "registrations": {
                    CLIENT_ID: {
                        "issuer": self.platform.issuer,
                        "auth_login_url": self.platform.auth_login_url,
                        "jwks_url": self.platform.jwks_url,
                        "deployment_ids": ["dep-1"],
                        "wims": {
                            "url": wims.url,
                            "ident": wims.ident,
                            "passwd": wims.passwd,
                            "qclass": reply["class_id"],
                            "rclass": wims.rclass,
                        },
                    }
                },
            }
        )
        self.http = WsgiHttp(self.tool, HOST)
        key = self.platform.keys.current
        self.signer = Signer(key.private_pem(), key.kid)
        self.course = self.platform.add_course("Algèbre", "ALG")
        self.link = self.course.add_resource_link("Feuille 1", score_maximum=10)

    def job(self, user: Any) -> LaunchJob:
        prefix = f"http://{urlsplit(self.wims.url).netloc}/"
        return launch_job(
            self.platform,
            CLIENT_ID,
            user,
            self.course,
            self.link,
            expect="page" if user.login.startswith("teacher") else "wims",
            wims_prefixes=(prefix,),
        )

    def login(self, job: LaunchJob) -> tuple[dict[str, str], str]:
        """The login initiation: the auth request's parameters and the state cookie."""
        status, headers, _ = self.http.request(
            "POST", job.login_url, body=urlencode(job.login_params).encode(), headers=FORM
        )
        assert status == 302
        auth = {k: v[0] for k, v in parse_qs(urlsplit(headers["Location"]).query).items()}
        return auth, headers["Set-Cookie"].split(";", 1)[0]

    def post(self, job: LaunchJob, token: str, state: str, cookie: str) -> tuple[int, str]:
        status, headers, body = self.http.request(
            "POST",
            f"http://{HOST}/{CLIENT_ID}/launch/",
            body=urlencode({"id_token": token, "state": state}).encode(),
            headers={**FORM, **({"Cookie": cookie} if cookie else {})},
        )
        return status, headers.get("Location") or body.decode()

    def claims(self, job: LaunchJob, nonce: str, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        return {**job.claims, "nonce": nonce, "iat": now, "exp": now + job.lifetime, **changes}

    def jobs_seen(self, since: int) -> list[str]:
        assert self.wims.emulator is not None
        return self.wims.emulator.emulator.jobs_since(since)

    def log_size(self) -> int:
        assert self.wims.emulator is not None
        return len(self.wims.emulator.emulator.request_log)


@pytest.fixture
def env(emulator_target: WimsTarget) -> Iterator[Env]:
    # A class of its own (a fresh rclass) on the session's emulator.
    target = emulator_target
    wims = WimsTarget(target.name, target.url, target.ident, target.passwd, emulator=target.emulator)
    setup = Env(wims)
    yield setup
    setup.server.stop()


def test_a_student_lands_in_wims_with_two_calls_then_one(env: Env) -> None:
    student = env.course.enroll(people.student(), LEARNER)
    mark = env.log_size()
    first = run_launch(env.job(student), env.signer, env.http)  # type: ignore[arg-type]
    assert first.ok, first.error
    assert "session=" in first.location
    assert env.jobs_seen(mark) == ["adduser", "authuser"]
    mark = env.log_size()
    again = run_launch(env.job(student), env.signer, env.http)  # type: ignore[arg-type]
    assert again.ok, again.error
    assert env.jobs_seen(mark) == ["authuser"]


def test_a_teacher_gets_a_page_and_no_wims_call(env: Env) -> None:
    teacher = env.course.enroll(people.teacher(), INSTRUCTOR)
    mark = env.log_size()
    result = run_launch(env.job(teacher), env.signer, env.http, keep_body=True)  # type: ignore[arg-type]
    assert result.ok, result.error
    assert "Algèbre" in result.body
    assert env.jobs_seen(mark) == []


def test_a_replayed_launch_is_refused(env: Env) -> None:
    job = env.job(env.course.enroll(people.student(), LEARNER))
    auth, cookie = env.login(job)
    token = env.signer.sign(env.claims(job, auth["nonce"]))
    assert env.post(job, token, auth["state"], cookie)[0] == 302
    assert env.post(job, token, auth["state"], cookie) == (
        400,
        "unknown state, or a nonce that is not the one issued\n",
    )
    # The same token under a fresh state: its nonce is not the one issued for that state.
    auth2, cookie2 = env.login(job)
    assert env.post(job, token, auth2["state"], cookie2)[0] == 400


def test_a_nonce_is_consumed_once(env: Env) -> None:
    job = env.job(env.course.enroll(people.student(), LEARNER))
    auth, cookie = env.login(job)
    token = env.signer.sign(env.claims(job, auth["nonce"]))
    assert env.post(job, token, auth["state"], cookie)[0] == 302
    # A second state that (by a bug or a forged store) maps to the used nonce is still refused.
    state = "forged-" + secrets.token_hex(4)
    env.tool.redis.set("nt:state:" + state, auth["nonce"], ex=60)
    assert env.post(job, token, state, f"nt-state-{state}={state}") == (400, "replayed nonce\n")


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        pytest.param("foreign_key", "invalid id_token: Signature verification failed", id="foreign-key"),
        pytest.param("audience", "invalid id_token: Audience doesn't match", id="audience"),
        pytest.param("expired", "invalid id_token: Signature has expired", id="expired"),
        pytest.param("deployment", "unknown deployment", id="deployment"),
        pytest.param("no_cookie", "state cookie missing or different", id="no-state-cookie"),
    ],
)
def test_what_a_tool_must_refuse_is_refused(env: Env, tamper: str, reason: str) -> None:
    job = env.job(env.course.enroll(people.student(), LEARNER))
    auth, cookie = env.login(job)
    claims = env.claims(job, auth["nonce"])
    signer = env.signer
    if tamper == "foreign_key":
        signer = Signer(SigningKey.generate(kid=env.signer.kid).private_pem(), env.signer.kid)
    elif tamper == "audience":
        claims["aud"] = "someone-else"
    elif tamper == "expired":
        claims["iat"], claims["exp"] = claims["iat"] - 3600, claims["iat"] - 600
    elif tamper == "deployment":
        claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] = "dep-unknown"
    elif tamper == "no_cookie":
        cookie = ""
    mark = env.log_size()
    status, text = env.post(job, signer.sign(claims), auth["state"], cookie)
    assert status in (400, 403)
    assert text.strip() == reason
    assert env.jobs_seen(mark) == []
