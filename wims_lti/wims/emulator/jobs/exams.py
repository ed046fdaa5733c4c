"""Exam jobs: addexam, listexams, getexam, checkexam, modexam, linksheet, listlinks, delexam."""

from __future__ import annotations

from ..messages import Bare
from ..state import Exam, ExamExo, WimsClass, today, years_later, yyyymmdd
from .base import Fields, Job, JobError, job

EXAM_KEYS = ("status", "expiration", "duration_and_attempts", "title", "description", "cut_hours")


@job("addexam")
def addexam(job: Job) -> Fields:
    """`status`/`sheetmode` are ignored: a new exam is always pending."""
    cls = job.wims_class()
    data = job.data()
    number = len(cls.exams) + 1
    attempts = data.get("attempts", "1")
    cls.exams.append(
        Exam(
            status="0",
            expiration=data.get("expiration") or yyyymmdd(years_later(today())),
            duration=data.get("duration") or "60",
            attempts=attempts if attempts.isdigit() and int(attempts) >= 1 else "1",
            title=data.get("title") or f"Examen #{number}",
            description=data.get("description") or f"Vous &ecirc;tes dans l'examen {number}.",
            cut_hours=data.get("cut_hours", ""),
            opening=data.get("opening", ""),
        )
    )
    return [
        ("query_class", cls.qclass),
        ("exam_id", number),
        ("exam_count", len(cls.exams)),
        ("message", f"exam #{number} correctly added"),
    ]


@job("listexams")
def listexams(job: Job) -> Fields:
    cls = job.wims_class()
    ids = [str(n) for n in range(1, len(cls.exams) + 1)]
    return [
        ("query_class", cls.qclass),
        ("nbexam", str(len(ids))),
        ("examlist", ids or [""]),
        ("examtitlelist", [f"{n}:{e.title}:{e.status}" for n, e in zip(ids, cls.exams, strict=True)] or [""]),
        ("expirations", [Bare(exam.expiration) for exam in cls.exams]),
    ]


def _existing_exam(job: Job, cls: WimsClass) -> tuple[str, int, Exam]:
    raw, index, exam = job.exam(cls)
    if exam is None:
        raise JobError(f"element #{raw} of type exam does not exist in this class ({cls.qclass})")
    return raw, index, exam


@job("getexam")
def getexam(job: Job) -> Fields:
    """`option` is ignored: the full reply always comes back."""
    cls = job.wims_class()
    raw, _, exam = job.exam(cls)
    if exam is None:
        exam = Exam("", "", "", "", "", "", tail=0)
        properties = ",,,"
    else:
        record = [
            exam.status,
            exam.expiration,
            f"{exam.duration} {exam.attempts}",
            exam.title,
            exam.description,
            exam.cut_hours,
        ] + [""] * exam.tail
        properties = ",".join([exam.opening, *record])
    return [
        ("query_class", cls.qclass),
        ("query_exam", raw),
        ("exam_properties", properties),
        ("exocnt", str(len(exam.exos))),
        ("exolist", ",".join(str(n) for n in range(1, len(exam.exos) + 1))),
        ("exotitlelist", ",".join(f"{n}:{e.title}" for n, e in enumerate(exam.exos, 1))),
        ("exam_opening", exam.opening),
        ("exam_status", exam.status),
        ("exam_expiration", exam.expiration),
        ("exam_duration", exam.duration),
        ("exam_attempts", exam.attempts),
        ("exam_title", exam.title),
        ("exam_description", exam.description),
        ("exam_cut_hours", exam.cut_hours),
    ]


@job("checkexam")
def checkexam(job: Job) -> Fields:
    cls = job.wims_class()
    raw, _, _ = job.exam(cls)
    return [("query_class", cls.qclass), ("message", f"exam {raw} exists")]


@job("modexam")
def modexam(job: Job) -> Fields:
    """4.29a's update.proc rewrites every exam record: all cut_hours are lost, and
    `cut_hours=` itself stores nothing."""
    cls = job.wims_class()
    _, index, exam = _existing_exam(job, cls)
    known = {name: value for name, value in job.data().items() if name in EXAM_KEYS}
    if not known:
        raise JobError("nothing done")
    status = known.get("status")
    if status is not None:
        if status not in ("1", "2", "3", "4"):
            raise JobError("bad status. You can't deactive an exam.")
        if status == "1" and not exam.exos:
            raise JobError("Empty Exam. You can't active an exam with no exercice !")
        exam.status = status
        exam.activated = True
    for name in ("expiration", "title", "description"):
        if name in known:
            setattr(exam, name, known[name])
    if "duration_and_attempts" in known:
        duration, _, attempts = known["duration_and_attempts"].partition(" ")
        exam.duration, exam.attempts = duration, attempts.strip()
    for other in cls.exams:
        other.cut_hours = ""
    exam.tail = 1
    return [
        ("query_class", cls.qclass),
        ("queryexam", str(index)),
        ("nb_modifs", str(len(known))),
        ("message", f"{len(known)} modifications done on exam {index}."),
    ]


@job("linksheet")
def linksheet(job: Job) -> Fields:
    cls = job.wims_class()
    _, exam_index, exam = _existing_exam(job, cls)
    sheet_raw, sheet_index, sheet = job.sheet(cls)
    if sheet is None or sheet.status not in ("1", "2", "3"):
        raise JobError(f"sheet {sheet_raw} must be active")
    if exam.status != "0":
        raise JobError(f"exam {exam_index} mustn't be active")
    linked = {exo.ref for exo in exam.exos}
    added = 0
    for number, exo in enumerate(sheet.exos, 1):
        ref = f"{sheet_index}.{number}"
        if ref not in linked:
            exam.exos.append(ExamExo(exo.weight, ref, exo.title))
            added += 1
    return [
        ("message", f"{added} exercice(s) correctly added in exam #{exam_index} from sheet #{sheet_index}"),
        ("query_class", cls.qclass),
        ("querysheet", str(sheet_index)),
        ("queryexo", "ALL"),
        ("queryexam", str(exam_index)),
        ("exo_count", len(exam.exos)),
    ]


@job("listlinks")
def listlinks(job: Job) -> Fields:
    cls = job.wims_class()
    _, _, exam = _existing_exam(job, cls)
    _, sheet_index, _ = job.sheet(cls)
    refs = [exo.ref for exo in exam.exos if exo.ref.split(".")[0] == str(sheet_index)]
    return [("nblinks", str(len(refs))), ("listlinks", refs or [""])]


@job("delexam")
def delexam(job: Job) -> Fields:
    cls = job.wims_class()
    _, index, exam = _existing_exam(job, cls)
    if exam.activated or exam.status != "0":
        raise JobError(f"Exam #{index} has been activated.")
    later = next((n for n, e in enumerate(cls.exams, 1) if n > index and e.activated), None)
    if later is not None:
        raise JobError(f"This Exam can't be deleted : A more recent exam (#{later}) has been activated.")
    del cls.exams[index - 1]
    for user in (*cls.users.values(), *cls.trash.values()):
        user.exam_work = {
            (n - 1 if n > index else n): work for n, work in user.exam_work.items() if n != index
        }
    return [
        ("message", f"Exam #{index} of class {cls.qclass} correctly deleted"),
        ("exam_count", len(cls.exams)),
    ]
