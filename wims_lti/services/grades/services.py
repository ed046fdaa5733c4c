"""The LTI service endpoints of a course, as its launches advertise them."""

from __future__ import annotations

from wims_lti.lti.claims import LaunchClaims
from wims_lti.models import Course, CourseServices, Platform


def course_services_record(
    *, course: Course, claims: LaunchClaims, platform: Platform | None = None
) -> CourseServices | None:
    """Remember the NRPS URL and AGS scopes of a launch (call it on every resource link launch);
    writes only when something changed."""
    nrps_url = claims.nrps_url[:1000]
    scopes = sorted(s for s in (claims.ags or {}).get("scope") or [] if isinstance(s, str))
    if not nrps_url and not scopes:
        return None
    services, created = CourseServices.objects.get_or_create(
        course=course, defaults={"nrps_url": nrps_url, "ags_scopes": scopes, "platform": platform}
    )
    if not created and (
        (nrps_url and services.nrps_url != nrps_url)
        or (scopes and services.ags_scopes != scopes)
        or (nrps_url and platform is not None and services.platform_id != platform.pk)
    ):
        services.nrps_url = nrps_url or services.nrps_url
        services.ags_scopes = scopes or services.ags_scopes
        if nrps_url and platform is not None:  # the URL answers to the client id that was given it
            services.platform = platform
        services.save(update_fields=["nrps_url", "ags_scopes", "platform", "modified"])
    return services
