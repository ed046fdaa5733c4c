"""WIMS's limits on identifiers and addclass fields, checked before anything is sent.

WIMS 4.29a rewrites or silently truncates what breaks them (a login `Jo.Doe` becomes `JoDoe`,
a class description is cut at 30 characters), so the bridge refuses bad values up front
rather than storing a login it cannot find again.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping

from .errors import WimsValidationError
from .gate import wims_text

LOGIN_MIN, LOGIN_MAX = 4, 24
RESERVED_LOGIN = "supervisor"
CLASS_ID_MIN = 11111  # addclass with a qclass below this answers "bad class id"
PASSWORD_MIN, PASSWORD_MAX = 4, 40
DESCRIPTION_MIN, DESCRIPTION_MAX = 2, 30
INSTITUTION_MIN, INSTITUTION_MAX = 2, 50
SUPERVISOR_MIN, SUPERVISOR_MAX = 6, 60
PERSON_NAME_MIN, PERSON_NAME_MAX = 2, 60  # addclass data2 firstname/lastname
EMAIL_MIN, EMAIL_MAX = 8, 60
LEVELS = frozenset(
    [f"E{i}" for i in range(1, 7)]
    + [f"H{i}" for i in range(1, 7)]
    + [f"U{i}" for i in range(1, 6)]
    + ["G", "R"]
)
_ALNUM = re.compile(r"[A-Za-z0-9]+")
_DIGITS = re.compile(r"[0-9]+")
_LANG = re.compile(r"[a-z]{2}")
_DATE = re.compile(r"[0-9]{8}")


def login_is_valid(login: str) -> bool:
    """True when WIMS stores `login` unchanged: 4-24 ASCII letters/digits, not `supervisor`."""
    return (
        LOGIN_MIN <= len(login) <= LOGIN_MAX
        and _ALNUM.fullmatch(login) is not None
        and login.lower() != RESERVED_LOGIN
    )


def check_login(login: str, *, field: str = "quser", allow_supervisor: bool = False) -> str:
    """`login` if WIMS accepts it as is; `supervisor` only where it names the teacher (authuser, getuser)."""
    if allow_supervisor and login == RESERVED_LOGIN:
        return login
    if login.lower() == RESERVED_LOGIN:
        raise WimsValidationError(f"the login {RESERVED_LOGIN!r} is reserved by WIMS", field=field)
    if not (LOGIN_MIN <= len(login) <= LOGIN_MAX) or _ALNUM.fullmatch(login) is None:
        raise WimsValidationError(
            f"a WIMS login must be {LOGIN_MIN}-{LOGIN_MAX} ASCII letters or digits, got {login!r}",
            field=field,
        )
    return login


def check_class_id(qclass: int | str, *, field: str = "qclass") -> str:
    """A WIMS class id as text: digits only (WIMS answers odd errors for `12/34` or `abc`)."""
    text = str(qclass)
    if _DIGITS.fullmatch(text) is None:
        raise WimsValidationError(f"a WIMS class id is digits only, got {text!r}", field=field)
    return text


def check_item_id(value: int | str, *, field: str) -> str:
    """A sheet or exam number (WIMS answers `sheet abc exists` for non-numeric ids)."""
    text = str(value)
    if _DIGITS.fullmatch(text) is None or int(text) < 1:
        raise WimsValidationError(f"{field} must be a positive integer, got {text!r}", field=field)
    return text


def check_password(
    password: str, *, field: str = "password", min_len: int = 1, max_len: int | None = None
) -> str:
    """An alphanumeric password: WIMS strips other characters, so the stored one would differ."""
    if _ALNUM.fullmatch(password) is None:
        raise WimsValidationError(f"{field} must be ASCII letters and digits only", field=field)
    if len(password) < min_len or (max_len is not None and len(password) > max_len):
        bounds = f"{min_len}-{max_len}" if max_len is not None else f"at least {min_len}"
        raise WimsValidationError(f"{field} must be {bounds} characters long", field=field)
    return password


def check_lang(lang: str, *, field: str = "lang") -> str:
    if _LANG.fullmatch(lang) is None:
        raise WimsValidationError(
            f"{field} must be a 2-letter lowercase language code, got {lang!r}", field=field
        )
    return lang


def check_level(level: str, *, field: str = "level") -> str:
    if level not in LEVELS:
        raise WimsValidationError(
            f"{field} must be one of E1-E6, H1-H6, U1-U5, G, R; got {level!r}", field=field
        )
    return level


def check_email(email: str, *, field: str = "email") -> str:
    """A class's contact address (addclass): what WIMS keeps of it, 8-60 characters with `@` and `.`."""
    text = wims_text(email, field="class.email")
    if not text:
        raise WimsValidationError(
            f"{field} must be an address of {EMAIL_MIN}-{EMAIL_MAX} characters with '@'", field=field
        )
    return text


def _bounded_text(value: object, field: str, rule: str, min_len: int) -> str:
    """Through the gate (which truncates too long, as WIMS does); too short is refused."""
    text = wims_text(value, field=rule)
    if len(text) < min_len:
        raise WimsValidationError(f"{field} must be at least {min_len} characters", field=field)
    return text


_CLASS_REQUIRED = ("description", "institution", "supervisor", "email", "password", "lang")
_SUPERVISOR_REQUIRED = ("lastname", "firstname", "password")
# Free-text fields of a user record (userdefs of adm/raw) that the gate cleans like a comment.
_USER_TEXT_FIELDS = (
    "comments",
    "regnum",
    "photourl",
    "regprop1",
    "regprop2",
    "regprop3",
    "regprop4",
    "regprop5",
)


def check_class_info(class_info: Mapping[str, object], *, partial: bool = False) -> dict[str, object]:
    """addclass data1 (or a modclass subset when `partial`), validated and normalised."""
    info = dict(class_info)
    if not partial:
        missing = [name for name in _CLASS_REQUIRED if not info.get(name)]
        if missing:
            raise WimsValidationError(f"addclass data1 lacks {', '.join(missing)}", field=missing[0])
    if "description" in info:
        info["description"] = _bounded_text(
            info["description"], "description", "class.description", DESCRIPTION_MIN
        )
    if "institution" in info:
        info["institution"] = _bounded_text(
            info["institution"], "institution", "class.institution", INSTITUTION_MIN
        )
    if "supervisor" in info:
        info["supervisor"] = _bounded_text(
            info["supervisor"], "supervisor", "class.supervisor", SUPERVISOR_MIN
        )
    if "email" in info:
        info["email"] = check_email(str(info["email"]))
    if "password" in info:
        info["password"] = check_password(str(info["password"]), min_len=PASSWORD_MIN, max_len=PASSWORD_MAX)
    if "lang" in info:
        info["lang"] = check_lang(str(info["lang"]))
    if info.get("level") is not None:
        info["level"] = check_level(str(info["level"]))
    if info.get("expiration") is not None:
        info["expiration"] = check_date(info["expiration"], field="expiration")
    return info


def check_supervisor_info(supervisor_info: Mapping[str, object]) -> dict[str, object]:
    """addclass data2: the teacher account of the new class (names padded to WIMS's 2 characters)."""
    info = dict(supervisor_info)
    missing = [name for name in _SUPERVISOR_REQUIRED if not info.get(name)]
    if missing:
        raise WimsValidationError(
            f"addclass data2 lacks {', '.join(missing)}", field=f"supervisor.{missing[0]}"
        )
    for name in ("lastname", "firstname"):
        info[name] = wims_text(info[name], field=f"supervisor.{name}")
    if info.get("email"):
        info["email"] = wims_text(info["email"], field="user.email") or None
    info["password"] = check_password(
        str(info["password"]), field="supervisor.password", min_len=PASSWORD_MIN, max_len=PASSWORD_MAX
    )
    return info


def check_user_info(user_info: Mapping[str, object], *, partial: bool = False) -> dict[str, object]:
    """adduser data1 (or a moduser subset when `partial`), every text through the gate. An address
    WIMS would not keep is left out (adduser) or sent empty (moduser: the old one is cleared)."""
    info = dict(user_info)
    if not partial:
        missing = [name for name in _SUPERVISOR_REQUIRED if not info.get(name)]
        if missing:
            raise WimsValidationError(f"adduser data1 lacks {', '.join(missing)}", field=missing[0])
    for name in ("firstname", "lastname"):
        if name in info:
            info[name] = wims_text(info[name], field=f"user.{name}")
    if "email" in info:
        email = wims_text(info["email"] or "", field="user.email")
        info["email"] = email if email or partial else None
    for name in _USER_TEXT_FIELDS:
        if info.get(name) is not None:
            info[name] = wims_text(info[name], field="user.text")
    if "password" in info:
        info["password"] = check_password(str(info["password"]))
    return info


_ITEM_TEXTS = {"title": "item.title", "description": "item.description"}


def check_item_info(item_info: Mapping[str, object] | None) -> dict[str, object] | None:
    """addsheet/modsheet/addexam/modexam data1: title and description through the gate."""
    if item_info is None:
        return None
    info = dict(item_info)
    for name, rule in _ITEM_TEXTS.items():
        if info.get(name) is not None:
            info[name] = wims_text(info[name], field=rule) or None
    return info


def check_date(value: object, *, field: str) -> str:
    """A WIMS date `yyyymmdd` (accepts a `datetime.date` too). WIMS stores anything unchecked."""
    if isinstance(value, datetime.date):
        return value.strftime("%Y%m%d")
    text = str(value)
    try:
        if _DATE.fullmatch(text) is None:
            raise ValueError(text)
        datetime.datetime.strptime(text, "%Y%m%d")
    except ValueError:
        raise WimsValidationError(f"{field} must be a date yyyymmdd, got {text!r}", field=field) from None
    return text
