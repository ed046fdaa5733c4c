"""Models: WIMS servers, LTI platforms and deployments, tool keys, courses, users."""

from .audit import SupervisorEntry
from .courses import Course
from .keys import ToolKey
from .links import ResourceLink
from .platforms import Deployment, Platform
from .servers import WimsServer
from .users import LmsUser, WimsAccount

__all__ = [
    "Course",
    "Deployment",
    "LmsUser",
    "Platform",
    "ResourceLink",
    "SupervisorEntry",
    "ToolKey",
    "WimsAccount",
    "WimsServer",
]
