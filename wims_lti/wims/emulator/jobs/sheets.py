"""Exercise and sheet jobs: testexo, addexo, listexos, addsheet, putexo, modsheet, getsheet,
listsheets, checksheet. OEF sources are stored, not compiled (a source without `\\statement` is
refused, as WIMS's compiler does)."""

from __future__ import annotations

import re

from ..messages import Bare
from ..state import Sheet, SheetExo, WimsClass, today, years_later, yyyymmdd
from .base import Fields, Job, JobError, job

SHEET_KEYS = ("status", "expiration", "title", "description", "weight", "formula", "indicator")
NO_STATEMENT = "COMPILATION ERROR No statement defined."


def oef_title(source: str) -> str:
    match = re.search(r"\\title\{([^}]*)\}", source)
    return match.group(1).strip() if match else ""


@job("testexo")
def testexo(job: Job) -> Fields:
    if "\\statement" not in job.get("data1"):
        raise JobError(NO_STATEMENT)
    return [
        ("message", "exercice  successfully compiled"),
        ("session_id", ""),
        ("compilation_result", "submit.oef.. -> submit.def"),
    ]


@job("addexo")
def addexo(job: Job) -> Fields:
    cls = job.wims_class()
    name = job.get("qexo").strip()
    if not name:
        raise JobError("undefined qexo")
    source = job.get("data1")
    if "\\statement" not in source:
        raise JobError(NO_STATEMENT)
    cls.exercises[name] = source
    return [
        ("message", f"exercice {name} successfully added"),
        ("exo_id", name),
        ("compilation_result", f"src/{name}.oef.. -> def/{name}.def"),
    ]


@job("listexos")
def listexos(job: Job) -> Fields:
    cls = job.wims_class()
    titles = [{"id": name, "title": oef_title(cls.exercises[name])} for name in sorted(cls.exercises)]
    return [
        ("query_class", cls.qclass),
        ("rclass", job.rclass),
        ("exocount", len(titles)),
        ("exotitlelist", titles or [{"id": ""}]),
    ]


@job("addsheet")
def addsheet(job: Job) -> Fields:
    cls = job.wims_class()
    data = job.data()
    number = len(cls.sheets) + 1
    default = f"Feuille d'exercices #{number}"
    mode = data.get("sheetmode", "0")
    sheet = Sheet(
        status=mode if mode in ("0", "1", "2", "3") else "0",
        expiration=data.get("expiration") or yyyymmdd(years_later(today())),
        title=data.get("title") or default,
        description=data.get("description") or default,
        weight=data.get("weight") or "1",
        formula=data.get("formula") or "2",
        indicator=data.get("indicator") or "1",
    )
    cls.sheets.append(sheet)
    return [("query_class", cls.qclass), ("sheet_id", number), ("sheet_count", len(cls.sheets))]


def _existing_sheet(job: Job, cls: WimsClass) -> tuple[str, int, Sheet]:
    raw, index, sheet = job.sheet(cls)
    if sheet is None:
        raise JobError(f"element #{raw} of type sheet does not exist in this class ({cls.qclass})")
    return raw, index, sheet


@job("putexo")
def putexo(job: Job) -> Fields:
    cls = job.wims_class()
    _, index, sheet = _existing_sheet(job, cls)
    if sheet.status != "0":
        raise JobError("sheet mustn't be active")
    data = job.data()
    module = data.get("module", "")
    if not module:
        raise JobError("incomplete data sh_module")
    params = data.get("params", "")
    sheet.exos.append(
        SheetExo(
            module=module,
            params=params,
            points=data.get("points") or "10",
            weight=data.get("weight") or "1",
            title=data.get("title") or "Nouvel exercice",
            description=data.get("description", ""),
        )
    )
    return [
        ("message", f"exercice correctly added in sheet #{index}"),
        ("query_class", cls.qclass),
        ("exo_module", module),
        ("querysheet", str(index)),
        ("exo_count", len(sheet.exos)),
    ]


@job("modsheet")
def modsheet(job: Job) -> Fields:
    cls = job.wims_class()
    _, index, sheet = _existing_sheet(job, cls)
    data = job.data()
    known = {name: value for name, value in data.items() if name in SHEET_KEYS}
    if not known:
        raise JobError("nothing done")
    status = known.get("status")
    if status is not None:
        if status not in ("0", "1", "2", "3"):
            raise JobError(f"bad status ({status})")
        if status != "0" and not sheet.exos:
            raise JobError("you can't active an empty sheet")
    for name, value in known.items():
        setattr(sheet, name, value)
    done = len(known)
    return [
        ("query_class", cls.qclass),
        ("querysheet", str(index)),
        ("changes_requested", len(data)),
        ("changes_done", done),
        ("message", f"{done} modifications done on sheet {index}."),
    ]


@job("getsheet")
def getsheet(job: Job) -> Fields:
    cls = job.wims_class()
    raw, _, sheet = job.sheet(cls)
    fields: Fields = [("query_class", cls.qclass), ("query_sheet", raw)]
    if sheet is None:
        return [
            *fields,
            ("exo_cnt", "0"),
            ("sheet_properties", ","),
            ("sheet_status", ""),
            ("sheet_expiration", ""),
            ("sheet_title", ""),
            ("sheet_description", ""),
            ("exolist", []),
        ]
    properties = ",".join((sheet.status, sheet.expiration, sheet.title, sheet.description, "", ""))
    exolist = [
        {
            "module": e.module,
            "title": e.title,
            "params": e.params,
            "points": e.points,
            "weight": e.weight,
            "description": e.description,
        }
        for e in sheet.exos
    ]
    return [
        *fields,
        ("exo_cnt", str(len(sheet.exos))),
        ("sheet_properties", properties),
        ("sheet_status", sheet.status),
        ("sheet_expiration", sheet.expiration),
        ("sheet_title", sheet.title),
        ("sheet_description", sheet.description),
        ("exolist", exolist),
    ]


@job("listsheets")
def listsheets(job: Job) -> Fields:
    cls = job.wims_class()
    ids = [str(n) for n in range(1, len(cls.sheets) + 1)]
    titles = [f"{n}:{s.title}:{s.status}" for n, s in zip(ids, cls.sheets, strict=True)]
    hidden = sum(sheet.status == "3" for sheet in cls.sheets)
    return [
        ("query_class", cls.qclass),
        ("nbsheet", str(len(ids))),
        ("sheetlist", ids or [""]),
        ("sheettitlelist", titles or [""]),
        ("expirations", [Bare(sheet.expiration) for sheet in cls.sheets]),
        ("separator", ","),
        ("hidden_sheets", str(hidden)),
        ("not_hidden_sheets", str(len(ids) - hidden)),
    ]


@job("checksheet")
def checksheet(job: Job) -> Fields:
    cls = job.wims_class()
    raw, _, _ = job.sheet(cls)
    return [("query_class", cls.qclass), ("message", f"sheet {raw} exists")]
