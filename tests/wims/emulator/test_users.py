"""User jobs: adduser login rules, getuser, moduser, trash, authuser."""

from __future__ import annotations

import re

import pytest

from .conftest import Emu


@pytest.mark.parametrize(
    ("quser", "login"),
    [
        ("Mixed.Case-Login_1", "MixedCaseLogin1"),
        ("  spaced name", "spaced"),
        ("12345", "12345"),
        ("Supervisor", "Supervisor"),
        ("a" * 24, "a" * 24),
    ],
)
def test_adduser_rewrites_logins(cls: Emu, quser: str, login: str) -> None:
    reply = cls.ok("adduser", quser=quser, data1="lastname=X\npassword=p")
    assert (reply["message"], reply["user_id"]) == (f"user {login} correctly added", login)


@pytest.mark.parametrize(
    ("quser", "shown"),
    [
        ("Bad Login!", "Bad"),
        ("ab", "ab"),
        ("a" * 25, "a" * 25),
        ("supervisor", "supervisor"),
        ("Jéan", "Jan"),
        ("", ""),
    ],
)
def test_adduser_refuses_bad_logins(cls: Emu, quser: str, shown: str) -> None:
    message = cls.error("adduser", quser=quser, data1="lastname=X\nfirstname=Y\npassword=pw")
    assert message == f"login name must not be {shown} (illegal, or wrong length)"


def test_adduser_needs_lastname_and_password_and_unique_login(cls: Emu) -> None:
    assert cls.error("adduser", quser="nolast", data1="firstname=Y\npassword=pw") == "missing data"
    assert cls.error("adduser", quser="nopass", data1="firstname=Y\nlastname=X") == "missing data"
    cls.ok("adduser", quser="nofirst", data1="lastname=X\npassword=p")
    assert cls.error("adduser", quser="nofirst", data1="lastname=X\npassword=p") == (
        f"user already exists in this class ({cls.qclass})"
    )


def test_getuser_shape_latin1_and_options(cls: Emu) -> None:
    cls.add_user("eleve", last="Müller", first="Élodie")
    got = cls.ok("getuser", quser="eleve")
    assert list(got)[3:7] == ["query_class", "queryuser", "firstname", "lastname"]
    assert list(got)[-1] == "regprop5" and "password" not in got
    assert (got["firstname"], got["lastname"]) == ("Élodie", "Müller")
    assert cls.raw("getuser", qclass=cls.qclass, rclass="rc1", quser="eleve").body.count(b"\xc9lodie") == 1
    assert cls.ok("getuser", quser="eleve", option="password")["password"] == "pw123456"
    assert cls.error("getuser", quser="nobody") == f"user nobody not in this class ({cls.qclass})"
    assert cls.error("getuser", quser="a/b") == "bad user (empty quser or bad chars detected)"
    assert cls.ok("checkuser", quser="eleve")["message"] == "user eleve exists"


def test_moduser_counts_changed_fields_only(cls: Emu) -> None:
    cls.add_user("bnone", last="None", first="Bob")
    reply = cls.ok("moduser", quser="bnone", data1="firstname=Bobby\nlastname=None\nnickname=x")
    assert (reply["qclass"], reply["message"], reply["nb_modifs"]) == (cls.qclass, "Modifications done", "1")
    assert cls.error("moduser", quser="bnone", data1="firstname=Bobby") == "nothing done"
    assert cls.error("moduser", quser="bnone") == "nothing done"
    assert cls.ok("moduser", quser="bnone", data1="password=new")["nb_modifs"] == "1"


def test_deluser_trash_and_recuser(cls: Emu) -> None:
    cls.add_user("jdoe")
    cls.add_active_sheet()
    cls.emulator.set_sheet_score(cls.qclass, 1, "jdoe", percent=100)
    reply = cls.ok("deluser", quser="jdoe")
    assert (reply["quser"], reply["message"]) == ("jdoe", "User jdoe moved to trash.")
    assert cls.error("checkuser", quser="jdoe") == f"user jdoe not in this class ({cls.qclass})"
    assert (
        cls.error("adduser", quser="jdoe", data1="lastname=D\npassword=p")
        == "Deleted user found. Use Recuser instead."
    )
    assert cls.ok("recuser", quser="jdoe")["message"] == "User successfully recovered"
    assert cls.ok("getscore", quser="jdoe", qsheet="1")["got_points"] == [10]  # all work comes back
    assert cls.error("recuser", quser="jdoe") == "undeleted user exists"
    assert cls.error("recuser", quser="nobody") == "no deleted user found"
    assert cls.error("recuser", quser="ab") == "bad login name"
    assert cls.error("deluser", quser="jdoe", option="del_from_trash").startswith("User not found in trash.")
    cls.ok("deluser", quser="jdoe")
    assert cls.ok("deluser", quser="jdoe", option="del_from_trash")["message"] == (
        "User jdoe permanently deleted from trash."
    )
    assert cls.error("recuser", quser="jdoe") == "no deleted user found"


def test_authuser(cls: Emu) -> None:
    cls.add_user("jdoe")
    reply = cls.ok("authuser", quser="jdoe", data1="10.20.30.40")
    session = reply["wims_session"]
    assert re.fullmatch(r"[A-Z0-9]{10}", session)
    assert reply["home_url"] == f"http://127.0.0.1/wims/wims.cgi?session={session}.1"
    assert (reply["user"], reply["class_id"], reply["remote_addr"]) == ("jdoe", cls.qclass, "10.20.30.40")
    assert cls.ok("authuser", quser="jdoe")["wims_session"] != session
    assert cls.ok("authuser", quser="supervisor")["user"] == "supervisor"
    assert cls.error("authuser", quser="nobody") == f"user nobody not in this class ({cls.qclass})"
    assert cls.error("authuser") == "bad user (empty quser or bad chars detected)"
    assert cls.error("authuser", quser="jdoe", qpasswd="wrong") == "user authentification failure"
    assert cls.ok("authuser", quser="jdoe", qpasswd="pw123456")["user"] == "jdoe"


def test_authuser_hashlogin(cls: Emu) -> None:
    cls.add_user("jdoe")
    cls.ok(
        "adduser", quser="extuser1", data1="lastname=E\npassword=p\nexternal_auth=ext-user@idp.example.org"
    )
    assert cls.ok("authuser", quser="EXT-User@IDP.example.org", option="hashlogin")["user"] == "extuser1"
    assert (
        cls.error("authuser", quser="other@idp.example.org", option="hashlogin")
        == "hashlogin: otheridpexampleorg"
    )
    assert cls.error("authuser", quser="jdoe", option="hashlogin") == "hashlogin: jdoe1"
