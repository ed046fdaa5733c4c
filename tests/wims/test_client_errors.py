"""WIMS's ERROR messages (exact texts of a real 4.29a) map onto the project's error classes."""

from __future__ import annotations

import pytest

from wims_lti.wims.errors import (
    WimsClassNotFound,
    WimsConnectionRefused,
    WimsDeletedUserExists,
    WimsErrorReply,
    WimsIdentificationFailure,
    WimsInvalidField,
    WimsItemNotFound,
    WimsNotActive,
    WimsNothingDone,
    WimsNoUserInClass,
    WimsUnknownJob,
    WimsUserExists,
    WimsUserNotFound,
)
from wims_lti.wims.replies import error_for_message

MESSAGES: list[tuple[str, type[WimsErrorReply]]] = [
    ("class 9999991 not existing", WimsClassNotFound),
    ("class abc not existing", WimsClassNotFound),
    ("user nobody not in this class (5193113)", WimsUserNotFound),
    ("user jdoe not in this class (7237572)", WimsUserNotFound),
    ("user already exists in this class (5193113)", WimsUserExists),
    ("Deleted user found. Use Recuser instead.", WimsDeletedUserExists),
    ("connection refused by requested class (5193113)", WimsConnectionRefused),
    ("Identification Failure : bad login/pwd", WimsIdentificationFailure),
    ("Identification Failure : 'curl' is a bad Agent", WimsIdentificationFailure),
    ("element #99 of type sheet does not exist in this class (5193113)", WimsItemNotFound),
    ("element #9 of type exam does not exist in this class (7845030)", WimsItemNotFound),
    ("Sheet #1 must be active", WimsNotActive),
    ("Sheet #0 must be active", WimsNotActive),
    ("Exam #2 must be active", WimsNotActive),
    ("Exam #abc must be active", WimsNotActive),
    ("There is no user in this class", WimsNoUserInClass),
    ("There's no user in this class", WimsNoUserInClass),
    ("data cl_description too short (<2)", WimsInvalidField),
    ("data su_password too long (>40)", WimsInvalidField),
    ("data cl_email must be a valid email", WimsInvalidField),
    ("incomplete (or forbidden chars) in data cl_institution ()", WimsInvalidField),
    ("login name must not be Bad (illegal, or wrong length)", WimsInvalidField),
    ("bad login name", WimsInvalidField),
    ("bad user (empty quser or bad chars detected)", WimsInvalidField),
    ("nothing done", WimsNothingDone),
    ("wrong request: no job", WimsUnknownJob),
]

# Messages with no dedicated class: plain WimsErrorReply, WIMS's text kept.
OTHER_MESSAGES = [
    "sheet 1 must be active",  # linksheet precondition, not "no score yet"
    "exam 1 mustn't be active",
    "sheet mustn't be active",
    "no deleted user found",
    "undeleted user exists",
    "hashlogin: jdoe1",
    "there is no class allowed for this server",
    "undefined query id for type exam",
    "wrong class idX (12 34)",
    "No backup available for class 1053229 on year 2026.",
    "user nobody didn't participate in 1 listed classes (7845030). This job also generated 1 errors "
    "(user nobody not in this class (7845030))",
    "COMPILATION ERROR No statement defined.",
    "something WIMS may say one day",
]


@pytest.mark.parametrize(("message", "cls"), MESSAGES)
def test_known_messages(message: str, cls: type[WimsErrorReply]) -> None:
    error = error_for_message(message, job="somejob")
    assert type(error) is cls
    assert error.message == message and error.job == "somejob"
    assert str(error) == f"somejob: {message}"


@pytest.mark.parametrize("message", OTHER_MESSAGES)
def test_other_messages_are_plain_error_replies(message: str) -> None:
    error = error_for_message(message)
    assert type(error) is WimsErrorReply
    assert error.message == message


def test_deleted_user_is_a_kind_of_existing_user() -> None:
    assert isinstance(error_for_message("Deleted user found. Use Recuser instead."), WimsUserExists)
