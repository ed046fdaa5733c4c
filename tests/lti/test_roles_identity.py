import pytest

from wims_lti.lti.identity import wims_login_for
from wims_lti.lti.roles import is_course_staff, membership_roles
from wims_lti.wims.identifiers import login_is_valid

M = "http://purl.imsglobal.org/vocab/lis/v2/membership"


@pytest.mark.parametrize(
    ("roles", "staff"),
    [
        ([f"{M}#Instructor"], True),
        (["Instructor"], True),
        ([f"{M}/Instructor#TeachingAssistant"], True),
        ([f"{M}#ContentDeveloper"], True),
        ([f"{M}#Administrator"], True),
        (["urn:lti:role:ims/lis/Instructor"], True),
        ([f"{M}#Learner"], False),
        (["Learner"], False),
        ([f"{M}#Mentor"], False),
        # Institution and system roles grant nothing in a course.
        (["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator", f"{M}#Learner"], False),
        (["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"], False),
        (["http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator"], False),
        # Canvas's test student is a Learner.
        ([f"{M}#Learner", "http://purl.imsglobal.org/vocab/lti/system/person#TestUser"], False),
        ([], False),
    ],
)
def test_course_staff_roles(roles: list[str], staff: bool) -> None:
    assert is_course_staff(roles) is staff


def test_membership_roles_short_and_full_forms() -> None:
    assert membership_roles([f"{M}#Learner", "Instructor", f"{M}/Instructor#TeachingAssistant"]) == {
        "Learner",
        "Instructor",
        "TeachingAssistant",
    }


def test_login_is_deterministic_valid_and_distinct() -> None:
    a = wims_login_for(issuer="https://canvas.instructure.com", client_id="1000", sub="abc")
    assert a == wims_login_for(issuer="https://canvas.instructure.com", client_id="1000", sub="abc")
    assert login_is_valid(a) and 4 <= len(a) <= 24 and a.isalnum() and a != "supervisor"
    others = {
        wims_login_for(issuer="https://canvas.instructure.com", client_id="1001", sub="abc"),
        wims_login_for(issuer="https://moodle.example", client_id="1000", sub="abc"),
        wims_login_for(issuer="https://canvas.instructure.com", client_id="1000", sub="abd"),
    }
    assert a not in others and len(others) == 3
    logins = {wims_login_for(issuer="i", client_id="c", sub=str(n)) for n in range(20000)}
    assert len(logins) == 20000
