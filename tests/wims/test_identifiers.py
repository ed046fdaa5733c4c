"""WIMS's limits, checked before sending (both sides of every limit)."""

from __future__ import annotations

import datetime

import pytest

from wims_lti.wims import identifiers as ids
from wims_lti.wims.errors import WimsValidationError

CLASS = {
    "description": "Algebra 1",
    "institution": "Harness U",
    "supervisor": "Sue Pervisor",
    "email": "sup@example.com",
    "password": "classpw",
    "lang": "en",
}
SUPERVISOR = {"lastname": "Pervisor", "firstname": "Sue", "password": "suppw123"}


@pytest.mark.parametrize("login", ["abcd", "a" * 24, "MixedCase1", "1234", "supervisor1"])
def test_valid_logins(login: str) -> None:
    assert ids.login_is_valid(login)
    assert ids.check_login(login) == login


@pytest.mark.parametrize(
    "login", ["abc", "a" * 25, "", "jo.doe", "jo doe", "jo_doe", "élodie", "supervisor", "Supervisor"]
)
def test_invalid_logins(login: str) -> None:
    assert not ids.login_is_valid(login)
    with pytest.raises(WimsValidationError) as info:
        ids.check_login(login)
    assert info.value.field == "quser"


def test_supervisor_is_allowed_where_it_names_the_teacher() -> None:
    assert ids.check_login("supervisor", allow_supervisor=True) == "supervisor"
    with pytest.raises(WimsValidationError, match="reserved"):
        ids.check_login("supervisor")


@pytest.mark.parametrize("qclass", [1234567, "1234567", "0"])
def test_class_ids(qclass: int | str) -> None:
    assert ids.check_class_id(qclass) == str(qclass)


@pytest.mark.parametrize("qclass", ["12/34", "abc", "", "-5", "1.5", " 123"])
def test_bad_class_ids(qclass: str) -> None:
    with pytest.raises(WimsValidationError) as info:
        ids.check_class_id(qclass)
    assert info.value.field == "qclass"


@pytest.mark.parametrize(
    ("value", "ok"), [(1, True), ("12", True), (0, False), ("abc", False), ("-1", False)]
)
def test_item_ids(value: int | str, ok: bool) -> None:
    if ok:
        assert ids.check_item_id(value, field="qsheet") == str(value)
    else:
        with pytest.raises(WimsValidationError):
            ids.check_item_id(value, field="qsheet")


def test_addclass_accepts_a_complete_class() -> None:
    info = ids.check_class_info({**CLASS, "level": "U2", "expiration": datetime.date(2030, 1, 31)})
    assert info["expiration"] == "20300131"
    assert info["level"] == "U2"


@pytest.mark.parametrize("missing", ["description", "institution", "supervisor", "email", "password", "lang"])
def test_addclass_requires_the_mandatory_fields(missing: str) -> None:
    with pytest.raises(WimsValidationError) as info:
        ids.check_class_info({k: v for k, v in CLASS.items() if k != missing})
    assert info.value.field == missing


@pytest.mark.parametrize(
    ("name", "too_short", "shortest", "longest", "too_long_kept"),
    [
        ("description", "A", "AB", "D" * 30, 30),
        ("institution", "I", "IU", "I" * 50, 50),
        ("supervisor", "Sue P", "Sue Pe", "S" * 60, 60),
    ],
)
def test_addclass_text_lengths(
    name: str, too_short: str, shortest: str, longest: str, too_long_kept: int
) -> None:
    with pytest.raises(WimsValidationError) as info:
        ids.check_class_info({**CLASS, name: too_short})
    assert info.value.field == name
    assert ids.check_class_info({**CLASS, name: shortest})[name] == shortest
    assert ids.check_class_info({**CLASS, name: longest})[name] == longest
    # Longer is truncated, as WIMS does.
    assert len(str(ids.check_class_info({**CLASS, name: longest + "XYZ"})[name])) == too_long_kept


def test_addclass_forbidden_characters_become_spaces_before_the_length_check() -> None:
    assert ids.check_class_info({**CLASS, "description": 'Maths, "A"!'})["description"] == "Maths A"
    with pytest.raises(WimsValidationError):
        ids.check_class_info({**CLASS, "description": ",!"})


@pytest.mark.parametrize(
    ("email", "ok"),
    [
        ("a@b.cdef", True),
        ("a@b.cde", False),
        ("abcdefgh", False),
        ("x" * 50 + "@example.o", True),
        ("x" * 51 + "@example.o", False),
    ],
)
def test_addclass_email(email: str, ok: bool) -> None:
    if ok:
        assert ids.check_class_info({**CLASS, "email": email})["email"] == email
    else:
        with pytest.raises(WimsValidationError) as info:
            ids.check_class_info({**CLASS, "email": email})
        assert info.value.field == "email"


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("abc", False),
        ("abcd", True),
        ("a" * 40, True),
        ("a" * 41, False),
        ("pass word", False),
        ("pässwd", False),
    ],
)
def test_addclass_passwords(password: str, ok: bool) -> None:
    for check in (
        lambda: ids.check_class_info({**CLASS, "password": password}),
        lambda: ids.check_supervisor_info({**SUPERVISOR, "password": password}),
    ):
        if ok:
            check()
        else:
            with pytest.raises(WimsValidationError):
                check()


@pytest.mark.parametrize(
    ("lang", "ok"), [("en", True), ("fr", True), ("e", False), ("eng", False), ("EN", False)]
)
def test_lang(lang: str, ok: bool) -> None:
    if ok:
        assert ids.check_lang(lang) == lang
    else:
        with pytest.raises(WimsValidationError):
            ids.check_class_info({**CLASS, "lang": lang})


@pytest.mark.parametrize("level", ["E1", "E6", "H1", "H6", "U1", "U5", "G", "R"])
def test_valid_levels(level: str) -> None:
    assert ids.check_level(level) == level


@pytest.mark.parametrize("level", ["E0", "E7", "H7", "U6", "h4", "X", ""])
def test_invalid_levels(level: str) -> None:
    with pytest.raises(WimsValidationError) as info:
        ids.check_class_info({**CLASS, "level": level})
    assert info.value.field == "level"


@pytest.mark.parametrize("value", ["notadate", "20261301", "2026111", 20260230])
def test_bad_dates(value: object) -> None:
    with pytest.raises(WimsValidationError):
        ids.check_date(value, field="expiration")


def test_modclass_checks_only_the_fields_given() -> None:
    assert ids.check_class_info({"limit": 50}, partial=True) == {"limit": 50}
    with pytest.raises(WimsValidationError):
        ids.check_class_info({"expiration": "notadate"}, partial=True)


def test_supervisor_account() -> None:
    info = ids.check_supervisor_info(
        {"lastname": 'Per"visor, Jr', "firstname": "Sue", "password": "suppw123"}
    )
    assert info["lastname"] == "Pervisor Jr"
    with pytest.raises(WimsValidationError) as missing:
        ids.check_supervisor_info({"lastname": "P", "password": "suppw123"})
    assert missing.value.field == "supervisor.firstname"
    # WIMS needs 2 characters: a shorter name is padded rather than refused (it comes from the LMS).
    assert ids.check_supervisor_info({**SUPERVISOR, "lastname": "P"})["lastname"] == "P -"
    assert ids.check_supervisor_info({**SUPERVISOR, "lastname": "!!"})["lastname"] == "--"


def test_user_account() -> None:
    ids.check_user_info({"lastname": "Doe", "firstname": "J", "password": "p"})
    with pytest.raises(WimsValidationError):
        ids.check_user_info({"lastname": "Doe", "password": "pw1234"})
    with pytest.raises(WimsValidationError):
        ids.check_user_info({"lastname": "Doe", "firstname": "J", "password": "pw 1234"})
    assert ids.check_user_info({"email": "x@y.z"}, partial=True) == {"email": "x@y.z"}
