"""Launches prepared by the dev LTI platform (Moodle flavour) for the lean client."""

from __future__ import annotations

from wims_lti.lti.devplatform import DevPlatform
from wims_lti.lti.devplatform.claims import build_launch_claims
from wims_lti.lti.devplatform.model import Course, ResourceLink, User

from .client import LaunchJob


def launch_job(
    platform: DevPlatform,
    client_id: str,
    user: User,
    course: Course,
    link: ResourceLink,
    *,
    expect: str,
    wims_prefixes: tuple[str, ...] = (),
) -> LaunchJob:
    """The login initiation the platform would make the browser send, and the claims it would sign
    (what the platform's auth endpoint does is left to the client: it fills in nonce, iat and exp)."""
    initiation = platform.start_launch(user, course, link, client_id=client_id)
    pending = platform.take_pending_launch(
        initiation.params["lti_message_hint"], initiation.params["login_hint"], client_id
    )
    lifetime = platform.id_token_lifetime
    return LaunchJob(
        login_url=initiation.url,
        login_params=dict(initiation.params),
        claims=build_launch_claims(platform.info, pending.spec, nonce="", now=0, lifetime=lifetime),
        lifetime=lifetime,
        auth_login_url=platform.auth_login_url,
        expect=expect,
        wims_prefixes=wims_prefixes,
    )
