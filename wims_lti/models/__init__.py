"""Models: WIMS servers, LTI platforms and deployments, tool keys, courses, users."""

from .api import ApiToken
from .audit import SupervisorEntry
from .courses import Course
from .grades import ActivitySync, CourseServices, GradeLineItem, ScoreLedger, SyncRun
from .keys import ToolKey
from .links import ResourceLink
from .outcomes import Lti11Outcome
from .platforms import Deployment, Platform, Tenant
from .roles import CourseRole
from .servers import WimsServer
from .users import LmsUser, WimsAccount

__all__ = [
    "ActivitySync",
    "ApiToken",
    "Course",
    "CourseRole",
    "CourseServices",
    "Deployment",
    "GradeLineItem",
    "LmsUser",
    "Lti11Outcome",
    "Platform",
    "ResourceLink",
    "ScoreLedger",
    "SupervisorEntry",
    "SyncRun",
    "Tenant",
    "ToolKey",
    "WimsAccount",
    "WimsServer",
]
