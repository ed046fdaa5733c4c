"""User jobs: adduser, getuser, checkuser, moduser, deluser, recuser, authuser, getlog."""

from __future__ import annotations

import re

from ..params import login_of
from ..state import USER_FIELDS, User
from .base import Fields, Job, JobError, job, options


@job("adduser")
def adduser(job: Job) -> Fields:
    cls = job.wims_class()
    login = login_of(job.get("quser"))
    if not 4 <= len(login) <= 24 or login == "supervisor":
        raise JobError(f"login name must not be {login} (illegal, or wrong length)")
    if login in cls.users:
        raise JobError(f"user already exists in this class ({cls.qclass})")
    if login in cls.trash:
        raise JobError("Deleted user found. Use Recuser instead.")
    data = job.data()
    if not data.get("lastname") or not data.get("password"):
        raise JobError("missing data")
    user = User(login, {name: data.get(name, "") for name in USER_FIELDS}, password=data["password"])
    cls.users[login] = user
    return [("message", f"user {login} correctly added"), ("user_id", login)]


@job("getuser")
def getuser(job: Job) -> Fields:
    cls = job.wims_class()
    user = cls.supervisor if job.quser() == "supervisor" else job.user(cls)  # as WIMS's check.user
    known = (*USER_FIELDS, "password")
    names = [name for name in options(job) if name in known] or list(USER_FIELDS)
    values = {**user.props, "password": user.password}
    return [("query_class", cls.qclass), ("queryuser", user.login)] + [(n, values[n]) for n in names]


@job("checkuser")
def checkuser(job: Job) -> Fields:
    user = job.user(job.wims_class())
    return [("message", f"user {user.login} exists")]


@job("moduser")
def moduser(job: Job) -> Fields:
    cls = job.wims_class()
    user = job.user(cls)
    changed = 0
    for name, value in job.data().items():
        if name == "password":
            changed += value != user.password
            user.password = value
        elif name in USER_FIELDS:
            changed += value != user.props.get(name, "")
            user.props[name] = value
    if not changed:
        raise JobError("nothing done")
    return [("qclass", cls.qclass), ("message", "Modifications done"), ("nb_modifs", str(changed))]


@job("deluser")
def deluser(job: Job) -> Fields:
    cls = job.wims_class()
    if job.get("option").strip() == "del_from_trash":
        quser = job.quser()
        if cls.trash.pop(quser, None) is None:
            raise JobError(
                "User not found in trash. "
                "Don't use 'del_from_trash' option if you want to delete an active user."
            )
        message = f"User {quser} permanently deleted from trash."
    else:
        user = job.user(cls)
        quser = user.login
        cls.trash[quser] = cls.users.pop(quser)
        message = f"User {quser} moved to trash."
    return [("qclass", cls.qclass), ("quser", quser), ("message", message)]


@job("recuser")
def recuser(job: Job) -> Fields:
    cls = job.wims_class()
    quser = job.get("quser").strip()
    if len(quser) < 4:
        raise JobError("bad login name")
    if quser in cls.users:
        raise JobError("undeleted user exists")
    if quser not in cls.trash:
        raise JobError("no deleted user found")
    cls.users[quser] = cls.trash.pop(quser)  # all work comes back
    return [("qclass", cls.qclass), ("quser", quser), ("message", "User successfully recovered")]


def _hashlogin_candidate(external: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]", "", external.lower())[:22]
    if len(base) < 4:
        base += "00"
    candidate, number = base, 0
    while candidate in taken:
        number += 1
        candidate = f"{base}{number}"
    return candidate


@job("authuser")
def authuser(job: Job) -> Fields:
    cls = job.wims_class()
    quser = job.get("quser").strip()
    if job.get("option").strip() == "hashlogin":
        wanted = quser.casefold()
        match = next(
            (u for u in cls.users.values() if u.props.get("external_auth", "").casefold() == wanted), None
        )
        if match is None:
            raise JobError(f"hashlogin: {_hashlogin_candidate(quser, set(cls.users) | set(cls.trash))}")
        login = match.login
    else:
        login = job.quser()
        if login != "supervisor":
            user = job.user(cls)
            qpasswd = job.get("qpasswd")
            if qpasswd and qpasswd != user.password:
                raise JobError("user authentification failure")
    remote_addr = job.get("data1").strip()
    session = job.emulator.new_session(cls.qclass, login, remote_addr)
    return [
        ("wims_session", session.sid),
        ("home_url", f"{job.base_url}?session={session.sid}.1"),
        ("user", login),
        ("class_id", cls.qclass),
        ("remote_addr", remote_addr),
    ]


@job("getlog")
def getlog(job: Job) -> Fields:
    """The emulator keeps no activity log: always the real server's empty shape."""
    cls = job.wims_class()
    user = job.user(cls)
    return [
        ("query_class", cls.qclass),
        ("query_user", user.login),
        ("query_sheet", job.get("qsheet")),
        ("query_exam", job.get("qexam")),
        ("log_size", "0"),
        ("user_log", ""),
    ]
