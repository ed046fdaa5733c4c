"""Ready-made users and course titles for tests: the cases an LMS really sends."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from .model import User

_n = itertools.count(1)

LONG_COURSE_TITLE = (
    "Mathématiques appliquées aux sciences de la vie et de la Terre — Licence 1, semestre 2, "
    "groupes A/B/C (TD, TP et contrôle continu), année universitaire 2025-2026, parcours renforcé "
    "« réussite en licence » avec exercices WIMS hebdomadaires et examens blancs"
)


def _person(given: str, family: str, role_tag: str, **overrides: Any) -> User:
    n = next(_n)
    login = f"{role_tag}{n}"
    fields: dict[str, Any] = {
        "given_name": given,
        "family_name": family,
        "email": f"{login}@example.edu",
        "login": login,
        "sourcedid": f"SIS-{login.upper()}",
        "lti11_user_id": uuid.uuid4().hex,
    }
    fields.update(overrides)
    return User(**fields)


def teacher(**overrides: Any) -> User:
    return _person("Ada", "Lovelace", "teacher", **overrides)


def student(**overrides: Any) -> User:
    return _person("Alan", "Turing", "student", **overrides)


def teaching_assistant(**overrides: Any) -> User:
    return _person("Grace", "Hopper", "ta", **overrides)


def admin(**overrides: Any) -> User:
    return _person("Site", "Administrator", "admin", is_admin=True, **overrides)


def test_student(**overrides: Any) -> User:
    """Canvas's "Student View" fake student: no email, fixed name."""
    fields: dict[str, Any] = {"given_name": "Test", "family_name": "Student", "is_test_student": True}
    fields.update(overrides)
    return User(**fields)


def nameless_user(**overrides: Any) -> User:
    """A user whose name and email the platform does not share."""
    return User(**overrides)


def unicode_students() -> list[User]:
    return [
        _person("Łukasz", "Żółć", "student"),
        User(name="李雷", given_name="雷", family_name="李", email="lilei@example.cn", locale="zh-CN"),
        _person("Zoë", "O'Brien-Ñúñez", "student", locale="fr-FR"),
        _person("Ἀλέξανδρος", "Παπαδόπουλος", "student", locale="el"),
    ]
