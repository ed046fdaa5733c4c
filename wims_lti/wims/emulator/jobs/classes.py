"""Server and class jobs: checkident, gettime, addclass, checkclass, getclass, modclass, delclass,
listclasses, getclassesuser, cleanclass, changedates, listclassbackups, restoreclassbackup."""

from __future__ import annotations

import datetime as dt
import re

from ..state import (
    CLASS_FIELDS,
    COMPUTED_CLASS_FIELDS,
    LOW_CLASS_FIELDS,
    SCORECOLOR,
    User,
    WimsClass,
    one_month_later,
    today,
    years_later,
    yyyymmdd,
)
from .base import Fields, Job, JobError, job, options

NO_CLASS_ALLOWED = "there is no class allowed for this server"
_FORBIDDEN = re.compile(r'[,!$"<]')

# (data name, WIMS name, min, max, truncate above max)
CLASS_LIMITS = (
    ("description", "cl_description", 2, 30, True),
    ("institution", "cl_institution", 2, 50, True),
    ("supervisor", "cl_supervisor", 6, 60, True),
    ("email", "cl_email", 8, None, False),
    ("password", "cl_password", 4, 40, False),
)
SUPERVISOR_LIMITS = (
    ("lastname", "su_lastname", 2, None, False),
    ("firstname", "su_firstname", 2, None, False),
    ("password", "su_password", 4, 40, False),
)
OPTIONAL_CLASS_DEFS = ("expiration", "limit", "level", "secure", "bgcolor", "refcolor", "css")


@job("checkident")
def checkident(job: Job) -> Fields:
    return [("message", "Connection accepted"), ("separator", ",")]


@job("gettime")
def gettime(job: Job) -> Fields:
    return [("server_time", dt.datetime.now().strftime("%Y%m%d.%H:%M:%S"))]


def _validated(defs: dict[str, str], limits: tuple[tuple[str, str, int, int | None, bool], ...]) -> None:
    for name, wims_name, low, high, truncate in limits:
        value = _FORBIDDEN.sub(" ", defs.get(name, "")).strip()
        if not value:
            raise JobError(f"incomplete (or forbidden chars) in data {wims_name} ()")
        if len(value) < low:
            raise JobError(f"data {wims_name} too short (<{low})")
        if high is not None and len(value) > high:
            if not truncate:
                raise JobError(f"data {wims_name} too long (>{high})")
            value = value[:high]
        if name == "email" and "@" not in value:
            raise JobError(f"data {wims_name} must be a valid email")
        defs[name] = value


@job("addclass")
def addclass(job: Job) -> Fields:
    data, sup = job.data("data1"), job.data("data2")
    _validated(data, CLASS_LIMITS)
    _validated(sup, SUPERVISOR_LIMITS)
    qclass = job.emulator.new_class_id()
    props = dict.fromkeys(CLASS_FIELDS, "")
    now = today()
    props.update(
        password=data["password"],
        creator=job.remote_addr,
        supervisor=data["supervisor"],
        description=data["description"],
        institution=data["institution"],
        lang=data.get("lang") or "en",
        email=data["email"],
        expiration=yyyymmdd(years_later(now)),
        limit="30",
        type="0",
        level="H4",
        typename="class",
        scorecolor=SCORECOLOR,
        css="-theme-",
        theme="standard",
        connections=f"+{job.ident}/{job.rclass}+  ",
        creation=yyyymmdd(now),
    )
    props.update({name: data[name] for name in OPTIONAL_CLASS_DEFS if data.get(name)})
    supervisor = User("supervisor", {"firstname": sup["firstname"], "lastname": sup["lastname"]})
    supervisor.password = sup["password"]
    job.emulator.classes[qclass] = WimsClass(qclass, job.ident, job.rclass, props, supervisor)
    return [("class_id", qclass), ("message", f"class {qclass} correctly added"), ("log", "")]


@job("checkclass")
def checkclass(job: Job) -> Fields:
    cls = job.wims_class()
    return [("qclass", cls.qclass), ("message", "Class exists")]


def class_value(cls: WimsClass, name: str) -> str | list[str]:
    if name == "userlist":
        return sorted(cls.users) or [""]  # by login, bytewise (unlike the .userlist of scores)
    if name == "usercount":
        return str(len(cls.users))
    if name == "examcount":
        return str(len(cls.exams))
    if name == "sheetcount":
        return str(len(cls.sheets))
    return cls.props.get(name, "")


@job("getclass")
def getclass(job: Job) -> Fields:
    cls = job.wims_class()
    known = (*CLASS_FIELDS, *COMPUTED_CLASS_FIELDS)
    names = [name for name in options(job) if name in known] or list(known)
    return [("query_class", cls.qclass), ("rclass", job.rclass)] + [
        (name, class_value(cls, name)) for name in names
    ]


@job("modclass")
def modclass(job: Job) -> Fields:
    cls = job.wims_class()
    changes = {name: value for name, value in job.data().items() if name in CLASS_FIELDS and name}
    if not changes:
        raise JobError("nothing done")
    for name, value in changes.items():
        if name == "connections":
            cls.props["connections"] += f"+{value}+ "
        else:
            cls.props[name] = value
    if "description" in changes:
        cls.indexed = True  # the index entry is rebuilt when the description changes
    return [("qclass", cls.qclass), ("message", "Modifications done"), ("separator", ",")]


@job("delclass")
def delclass(job: Job) -> Fields:
    cls = job.wims_class()
    del job.emulator.classes[cls.qclass]
    return [("class_id", cls.qclass), ("message", f"class {cls.qclass} correctly deleted"), ("log", "")]


def _classes_of(job: Job, rclass: str) -> list[WimsClass]:
    return [
        cls
        for cls in job.emulator.classes.values()
        if cls.indexed and cls.ident == job.ident and (rclass == "ALL" or cls.rclass == rclass)
    ]


def _class_entry(cls: WimsClass, names: list[str]) -> dict[str, str]:
    entry = {"qclass": cls.qclass}
    entry.update({name: cls.props.get(name, "") for name in names})
    return entry


def _low_options(job: Job) -> list[str]:
    names = options(job)
    if "all" in names:
        return list(LOW_CLASS_FIELDS)
    return [name for name in names if name in LOW_CLASS_FIELDS]


@job("listclasses")
def listclasses(job: Job) -> Fields:
    classes = _classes_of(job, job.rclass) if "rclass" in job.params else []
    if not classes:
        raise JobError(NO_CLASS_ALLOWED)
    names = _low_options(job)
    return [
        ("message", f"Lists classes associated to specified rclass ({job.rclass}) in your server"),
        ("rclass", job.rclass),
        ("classes_list", [_class_entry(cls, names) for cls in classes]),
    ]


@job("getclassesuser")
def getclassesuser(job: Job) -> Fields:
    rclass = job.rclass
    classes = _classes_of(job, rclass) if rclass else []
    if not classes:
        raise JobError(NO_CLASS_ALLOWED)
    quser = job.get("quser").strip()
    found, errors = [], []
    for cls in classes:
        try:
            job.user(cls)
            found.append(cls)
        except JobError as exc:
            errors.append(exc.message)
    if not found:
        ids = ",".join(cls.qclass for cls in classes)
        raise JobError(
            f"user {quser} didn't participate in {len(classes)} listed classes ({ids}). "
            f"This job also generated {len(errors)} errors ({','.join(errors)})"
        )
    names = _low_options(job)
    return [
        (
            "message",
            f"Lists classes associated to specified user ({quser}) and rclass ({rclass}) in your server",
        ),
        ("rclass", rclass),
        ("quser", quser),
        ("classes_list", [_class_entry(cls, names) for cls in found]),
    ]


@job("cleanclass")
def cleanclass(job: Job) -> Fields:
    cls = job.wims_class()
    before = len(cls.users)
    cls.users.clear()
    cls.trash.clear()
    return [
        ("message", f"class {cls.qclass} correctly cleaned"),
        ("log", ""),
        ("usercnt_before", str(before)),
        ("usercnt_after", "0"),
        ("suppressed_users", before),
        ("qclass", cls.qclass),
    ]


@job("changedates")
def changedates(job: Job) -> Fields:
    cls = job.wims_class()
    new_date = yyyymmdd(years_later(today()))
    cls.props["expiration"] = new_date
    for sheet in cls.sheets:
        sheet.expiration = new_date
    for exam in cls.exams:
        exam.expiration = new_date
        exam.cut_hours = ""  # rewritten like modexam: cut_hours are lost
    return [
        ("message", f"Dates correctly changed on class {cls.qclass}"),
        ("new_date", new_date),
        ("changed_sheets", len(cls.sheets)),
        ("changed_exams", len(cls.exams)),
        ("qclass", cls.qclass),
    ]


@job("listclassbackups")
def listclassbackups(job: Job) -> Fields:
    """No class or connection check at all, like 4.29a: it lists the whole server's backups."""
    qclass, year = job.qclass, job.get("data1").strip()
    label = year if not year or year.isdigit() else "0"
    backups = job.emulator.backups
    found: dict[str, list[str]] = {}
    for byear, classes in backups.items():
        if label not in ("", "0") and label in backups and byear != label:
            continue
        ids = [cid for cid in classes if not qclass or cid == qclass]
        if not ids:
            continue
        if label not in ("", "0") and label not in backups:  # 4.29a mislabels every year
            found.setdefault(label, []).extend(f"{byear}/{cid}" for cid in ids)
        else:
            found.setdefault(byear, []).extend(ids)
    total = sum(len(ids) for ids in found.values())
    return [("qclass", qclass or "*"), ("backup_year", label), ("total", total), ("restorable", found)]


@job("restoreclassbackup")
def restoreclassbackup(job: Job) -> Fields:
    qclass, year = job.qclass, job.get("data1").strip()
    if not qclass:
        raise JobError("You must specify one class ID to restore.")
    if not (year.isdigit() and int(year) > 2000):
        raise JobError(f"wrong or empty backup year in data1 ({year})")
    cls = job.emulator.backups.get(year, {}).pop(qclass, None)
    if cls is None:
        raise JobError(f"No backup available for class {qclass} on year {year}.")
    new_expiration = yyyymmdd(one_month_later(today()))
    cls.props["expiration"] = new_expiration
    cls.indexed = False  # not in .index until a modclass description=...
    job.emulator.classes[qclass] = cls
    return [
        ("qclass", qclass),
        ("message", "This class has successfully been restored."),
        ("new_expiration", new_expiration),
    ]
