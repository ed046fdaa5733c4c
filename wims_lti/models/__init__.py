"""Models: WIMS servers, LTI platforms and deployments, tool keys, courses, users."""

from .audit import SupervisorEntry
from .courses import Course
from .grades import ActivitySync, CourseServices, GradeLineItem, ScoreLedger, SyncRun
from .keys import ToolKey
from .links import ResourceLink
from .platforms import Deployment, Platform
from .servers import WimsServer
from .users import LmsUser, WimsAccount

__all__ = [
    "ActivitySync",
    "Course",
    "CourseServices",
    "Deployment",
    "GradeLineItem",
    "LmsUser",
    "Platform",
    "ResourceLink",
    "ScoreLedger",
    "SupervisorEntry",
    "SyncRun",
    "ToolKey",
    "WimsAccount",
    "WimsServer",
]
