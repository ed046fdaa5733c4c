"""A real LTI 1.3 platform on loopback that answers like Moodle 4.x or Canvas, for tests and demos.

Independent of the tool's code: it only speaks HTTP, JWT and JWKS. See README.md in this folder.
"""

from .browser import DevBrowser, Form, parse_forms
from .claims import DeepLinkingSettings, lti1p1_signature
from .deep_linking import DeepLinkingResult
from .faults import Fault, FaultInjector
from .keys import KeyRing, SigningKey
from .launch import IssuedIdToken, LaunchDefects, LoginInitiation
from .model import (
    ALL_SCOPES,
    MOODLE_GRADE_SYNC_ONLY_SCOPES,
    Course,
    GradebookEntry,
    LineItem,
    ResourceLink,
    ToolRegistration,
    User,
)
from .platform import DEEP_LINKING_REQUEST, RESOURCE_LINK_REQUEST, DevPlatform
from .server import DevPlatformServer

__all__ = [
    "ALL_SCOPES",
    "DEEP_LINKING_REQUEST",
    "MOODLE_GRADE_SYNC_ONLY_SCOPES",
    "RESOURCE_LINK_REQUEST",
    "Course",
    "DeepLinkingResult",
    "DeepLinkingSettings",
    "DevBrowser",
    "DevPlatform",
    "DevPlatformServer",
    "Fault",
    "FaultInjector",
    "Form",
    "GradebookEntry",
    "IssuedIdToken",
    "KeyRing",
    "LaunchDefects",
    "LineItem",
    "LoginInitiation",
    "ResourceLink",
    "SigningKey",
    "ToolRegistration",
    "User",
    "lti1p1_signature",
    "parse_forms",
]
