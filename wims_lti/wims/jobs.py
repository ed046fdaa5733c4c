"""What the client must know about each adm/raw job: safe to retry, slow, text reply."""

from __future__ import annotations

# Jobs that change nothing on WIMS: retried on connection errors, timeouts and HTTP 5xx.
# authuser is here because a second session does not invalidate the first.
READ_JOBS = frozenset(
    {
        "checkident", "checkclass", "checkuser", "checksheet", "checkexam",
        "getclass", "getuser", "getsheet", "getexam", "getclassesuser", "getcsv", "getlog",
        "getscore", "getsheetscores", "getexamscores", "getsheetstats", "getserverstat",
        "listclasses", "listsheets", "listexams", "listexos", "listlinks", "listclassbackups",
        "gettime", "authuser", "lightpopup",
    }
)  # fmt: skip

# Jobs that may wait 120 s on WIMS's class-index lock (.build-index).
SLOW_JOBS = frozenset({"addclass", "delclass", "modclass", "restoreclassbackup", "cleanclass"})

# Jobs whose OK reply is not JSON (errors still are).
TEXT_JOBS = frozenset({"getcsv", "getserverstat", "lightpopup"})

# Every job of adm/raw 4.29a the client has a method for (the doc's `help` excepted).
ALL_JOBS = READ_JOBS | SLOW_JOBS | frozenset(
    {
        "adduser", "moduser", "deluser", "recuser", "putcsv", "update",
        "addsheet", "modsheet", "addexam", "modexam", "delexam", "addexo", "putexo", "testexo",
        "movexo", "movexos", "sharecontent", "linksheet", "linkexo", "changedates",
    }
)  # fmt: skip


def is_read_only(job: str) -> bool:
    return job in READ_JOBS


def is_slow(job: str) -> bool:
    return job in SLOW_JOBS
