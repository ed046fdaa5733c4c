"""Prepares the bridge's database for the benchmark, in the bridge's own (production) environment.

    python -m benchmarks.launchbench.bridge_setup setup SPEC.json    # migrate, static, key, registrations
    python -m benchmarks.launchbench.bridge_setup link CLIENT_ID...  # the WIMS class of each one's course

`setup` reads `{"servers": [{name, url, ident, passwd, rclass}], "platforms": [{name, issuer, client_id,
auth_login_url, auth_token_url, keyset_url, deployment_ids, wims_server}]}` and prints
`{client_id: {"uuid", "login_path", "launch_path"}}` as one JSON line. Run with the environment the
gunicorn bridge gets (DJANGO_SETTINGS_MODULE=settings.production, DATABASE_URL, REDIS_URL...).

`link` runs after one teacher launch per registration (which made its course and teacher): it creates
the course's WIMS class the way the linking page's "create" button does (`course_create_class` with the
page's defaults) and prints `{client_id: qclass}`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def setup(spec_path: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import reverse

    from wims_lti.services.keys import toolkey_ensure
    from wims_lti.services.platforms import platform_register
    from wims_lti.services.servers import wims_server_create

    spec = json.loads(Path(spec_path).read_text())
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    toolkey_ensure()
    servers = {s["name"]: wims_server_create(**s) for s in spec["servers"]}
    out = {}
    for p in spec["platforms"]:
        platform = platform_register(
            name=p["name"],
            issuer=p["issuer"],
            client_id=p["client_id"],
            auth_login_url=p["auth_login_url"],
            auth_token_url=p["auth_token_url"],
            keyset_url=p["keyset_url"],
            deployment_ids=p["deployment_ids"],
            wims_server=servers[p["wims_server"]],
            institution="Université du Benchmark",
        )
        out[p["client_id"]] = {
            "uuid": str(platform.uuid),
            "login_path": reverse("lti-platform-login", args=[platform.uuid]),
            "launch_path": reverse("lti-platform-launch", args=[platform.uuid]),
        }
    print(json.dumps(out), flush=True)


def link(client_ids: list[str]) -> None:
    import django

    django.setup()
    from wims_lti.models import Course, LmsUser
    from wims_lti.services.courses import class_options_default, course_create_class

    out = {}
    for client_id in client_ids:
        course = Course.objects.select_related("platform").get(platform__client_id=client_id)
        teacher = LmsUser.objects.get(platform=course.platform)
        course = course_create_class(
            course=course, user=teacher, options=class_options_default(course=course, lang="en")
        )
        out[client_id] = course.qclass
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["setup"]:
        setup(sys.argv[2])
    elif sys.argv[1:2] == ["link"]:
        link(sys.argv[2:])
    else:
        sys.exit(__doc__)
