"""adm/raw job handlers, registered by name in `JOBS` (importing the modules fills it)."""

from . import classes, exams, scoring, sheets, users
from .base import JOBS, Job, JobError

__all__ = ["JOBS", "Job", "JobError", "classes", "exams", "scoring", "sheets", "users"]
