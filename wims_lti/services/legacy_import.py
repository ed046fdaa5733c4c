"""Import of the former LTI 1.1 WIMS gateway (its SQLite database): every class number, every WIMS login.

What becomes what (natural keys in brackets: a re-run finds each row again and changes nothing):

- `lti_app_wims` → `WimsServer` [name `legacy-<id>`: the `<n>` of the old `/lti/C<n>/…` launch URLs];
  url, ident, passwd (encrypted), rclass.
- `lti_app_lms` → an LTI 1.1 `Platform` [issuer `lti11:<guid>` (`lti11:<key>` without guid), client id
  = the consumer key]; `lti11_consumer_key`, `lti11_secret` (encrypted). Its default WIMS server: the
  first one the LMS was allowed on (else the first of its classes', else the first imported).
- `lti_app_wimsclass` → `Course` [platform, context_id = the LMS context id] linked to (server, qclass).
- `lti_app_wimsuser` → `LmsUser` [platform, sub `lti11:<user_id>`; `lti11_user_id` = user_id] and its
  `WimsAccount` [course, LMS user] with the old login. The supervisor row (NULL lms_guid) is not a user.
- `lti_app_wimssheet` / `lti_app_wimsexam` → `ResourceLink` [course, resource_link_id] bound to the
  sheet / exam number (a NULL number: an unbound link).
- `lti_app_gradelinksheet` / `…exam` → `Lti11Outcome` [resource link, LMS user]: sourcedid, outcome URL.

The migration claim of LTI 1.3 launches finds these (same consumer key, same context id, `lti11_user_id`)
when the course later moves to LTI 1.3: nobody gets a second WIMS account.

Conflicts (the same natural key already mapped to another class or login) are reported, never
overwritten. A dry run does everything inside a transaction that is rolled back: nothing is written.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from wims_lti.models import (
    Course,
    LmsUser,
    Lti11Outcome,
    Platform,
    ResourceLink,
    WimsAccount,
    WimsServer,
)

LEGACY_SERVER_PREFIX = "legacy-"

REQUIRED_COLUMNS: dict[str, set[str]] = {
    "lti_app_lms": {"id", "guid", "name", "url", "key", "secret"},
    "lti_app_wims": {"id", "name", "url", "ident", "passwd", "rclass"},
    "lti_app_wims_allowed_lms": {"wims_id", "lms_id"},
    "lti_app_wimsclass": {"id", "lms_guid", "qclass", "name", "lms_id", "wims_id"},
    "lti_app_wimsuser": {"id", "lms_guid", "quser", "wclass_id"},
    "lti_app_wimssheet": {"id", "lms_guid", "qsheet", "wclass_id"},
    "lti_app_wimsexam": {"id", "lms_guid", "qexam", "wclass_id"},
    "lti_app_gradelinksheet": {"id", "sourcedid", "url", "activity_id", "lms_id", "user_id"},
    "lti_app_gradelinkexam": {"id", "sourcedid", "url", "activity_id", "lms_id", "user_id"},
}


class LegacyImportError(Exception):
    """The file cannot be imported (not the gateway's SQLite schema, unreadable, invalid server)."""


def legacy_server_name(legacy_id: int) -> str:
    """The WimsServer name of the old gateway's WIMS server `legacy_id` (the `<n>` of `/lti/C<n>/`)."""
    return f"{LEGACY_SERVER_PREFIX}{legacy_id}"


def legacy_platform_issuer(*, guid: str, key: str) -> str:
    return "lti11:" + (guid.strip() or key)


@dataclass
class ImportReport:
    dry_run: bool = False
    counts: Counter[str] = field(default_factory=Counter)  # "<kind> <action>" → number
    items: list[str] = field(default_factory=list)  # what was created or changed
    conflicts: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def note(self, kind: str, action: str, label: str) -> None:
        self.counts[f"{kind} {action}"] += 1
        if action in ("created", "updated"):
            self.items.append(f"{action} {kind}: {label}")

    @property
    def changed(self) -> int:
        return sum(n for key, n in self.counts.items() if key.endswith((" created", " updated")))


def _open(path: str | Path) -> sqlite3.Connection:
    file = Path(path)
    if not file.is_file():
        raise LegacyImportError(f"{file}: no such file")
    try:
        db = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
        db.row_factory = sqlite3.Row
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise LegacyImportError(f"{file}: not an SQLite database ({exc})") from exc
    missing = sorted(set(REQUIRED_COLUMNS) - tables)
    if missing:
        db.close()
        raise LegacyImportError(
            f"{file}: not the LTI 1.1 WIMS gateway's database (missing tables: {', '.join(missing)})"
        )
    for table, columns in REQUIRED_COLUMNS.items():
        have = {r["name"] for r in db.execute(f'PRAGMA table_info("{table}")')}
        if not columns <= have:
            db.close()
            raise LegacyImportError(
                f"{file}: table {table} lacks columns {', '.join(sorted(columns - have))} "
                "(not the gateway's schema)"
            )
    return db


def _rows(db: sqlite3.Connection, table: str) -> Iterator[sqlite3.Row]:
    yield from db.execute(f'SELECT * FROM "{table}" ORDER BY id')  # noqa: S608 (fixed table names)


def _sync_fields(obj: Model, wanted: dict[str, Any]) -> bool:
    """Set the fields that differ; True when something changed (the caller saves)."""
    changed = False
    for name, value in wanted.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


class _Importer:
    def __init__(self, db: sqlite3.Connection, report: ImportReport) -> None:
        self.db = db
        self.report = report
        self.servers: dict[int, WimsServer] = {}
        self.platforms: dict[int, Platform] = {}
        self.courses: dict[int, Course] = {}
        self.users: dict[int, tuple[LmsUser, Course]] = {}  # legacy wimsuser id → (user, course)
        self.links: dict[tuple[str, int], ResourceLink] = {}

    def _upsert(
        self,
        kind: str,
        label: str,
        find: Callable[[], Model | None],
        make: Callable[[], Model],
        wanted: dict[str, Any],
    ) -> Model:
        obj = find()
        if obj is None:
            obj = make()
            _sync_fields(obj, wanted)
            obj.full_clean()
            obj.save()
            self.report.note(kind, "created", label)
        elif _sync_fields(obj, wanted):
            obj.full_clean()
            obj.save()
            self.report.note(kind, "updated", label)
        else:
            self.report.note(kind, "unchanged", label)
        return obj

    def run(self) -> None:
        for row in _rows(self.db, "lti_app_wims"):
            self.server(row)
        if not self.servers:
            raise LegacyImportError("the gateway's database has no WIMS server")
        allowed: dict[int, list[int]] = defaultdict(list)
        for row in self.db.execute("SELECT lms_id, wims_id FROM lti_app_wims_allowed_lms ORDER BY id"):
            allowed[row["lms_id"]].append(row["wims_id"])
        first_class_server = {
            row["lms_id"]: row["wims_id"]
            for row in self.db.execute("SELECT lms_id, wims_id FROM lti_app_wimsclass ORDER BY id DESC")
        }
        for row in _rows(self.db, "lti_app_lms"):
            choices = [*allowed.get(row["id"], []), first_class_server.get(row["id"]), min(self.servers)]
            server = next(self.servers[c] for c in choices if c in self.servers)
            self.platform(row, server)
        for row in _rows(self.db, "lti_app_wimsclass"):
            self.course(row)
        for row in _rows(self.db, "lti_app_wimsuser"):
            self.user(row)
        for kind, table, column in (
            ("sheet", "lti_app_wimssheet", "qsheet"),
            ("exam", "lti_app_wimsexam", "qexam"),
        ):
            for row in _rows(self.db, table):
                self.link(kind, row, row[column])
        for kind, table in (("sheet", "lti_app_gradelinksheet"), ("exam", "lti_app_gradelinkexam")):
            for row in _rows(self.db, table):
                self.outcome(kind, row)

    def server(self, row: sqlite3.Row) -> None:
        name = legacy_server_name(row["id"])
        wanted = {
            "url": row["url"],
            "ident": row["ident"],
            "passwd": row["passwd"],
            "rclass": row["rclass"],
        }
        try:
            self.servers[row["id"]] = self._upsert(  # type: ignore[assignment]
                "WIMS server",
                f"{name} ({row['url']}, rclass {row['rclass']})",
                lambda: WimsServer.objects.filter(name=name).first(),
                lambda: WimsServer(name=name),
                wanted,
            )
        except ValidationError as exc:
            raise LegacyImportError(f"WIMS server {row['id']} ({row['url']}): {exc.messages}") from exc

    def platform(self, row: sqlite3.Row, server: WimsServer) -> None:
        key, guid = row["key"], row["guid"] or ""
        issuer = legacy_platform_issuer(guid=guid, key=key)
        wanted = {
            "name": (row["name"] or guid or key)[:200],
            "lti11_consumer_key": key,
            "lti11_secret": row["secret"],
        }
        existing = Platform.objects.filter(issuer=issuer, client_id=key).first()
        if existing is None:
            wanted["default_wims_server_id"] = server.pk
        self.platforms[row["id"]] = self._upsert(  # type: ignore[assignment]
            "platform",
            f"{wanted['name']} (consumer key {key})",
            lambda: existing,
            lambda: Platform(issuer=issuer, client_id=key),
            wanted,
        )

    def course(self, row: sqlite3.Row) -> None:
        platform = self.platforms.get(row["lms_id"])
        server = self.servers.get(row["wims_id"])
        label = f"class {row['qclass']} of context {row['lms_guid']!r}"
        if platform is None or server is None:
            self.report.skipped.append(f"{label}: unknown LMS or WIMS server")
            return
        existing = Course.objects.filter(tenant_id=platform.tenant_pk, context_id=row["lms_guid"]).first()
        if (
            existing is not None
            and existing.qclass
            and (existing.wims_server_id, existing.qclass)
            != (
                server.pk,
                row["qclass"],
            )
        ):
            self.report.conflicts.append(f"{label}: the course is already linked to class {existing.qclass}")
            return
        taken = Course.objects.filter(wims_server=server, qclass=row["qclass"])
        if existing is not None:
            taken = taken.exclude(pk=existing.pk)
        if taken.exists():
            self.report.conflicts.append(f"{label}: the class is already linked to another course")
            return
        wanted: dict[str, Any] = {
            "wims_server_id": server.pk,
            "qclass": row["qclass"],
            "rclass": server.rclass,
        }
        if existing is None or not existing.title:
            wanted["title"] = (row["name"] or "")[:500]
        self.courses[row["id"]] = self._upsert(  # type: ignore[assignment]
            "course",
            f"{label} on {server.name}",
            lambda: existing,
            lambda: Course(platform=platform, context_id=row["lms_guid"], linked_at=timezone.now()),
            wanted,
        )

    def user(self, row: sqlite3.Row) -> None:
        course = self.courses.get(row["wclass_id"])
        if row["lms_guid"] is None:
            self.report.counts["supervisor rows (not users)"] += 1
            return
        if course is None:
            self.report.skipped.append(f"WIMS login {row['quser']}: its class was not imported")
            return
        user_id = row["lms_guid"]
        user = self._upsert(
            "LMS user",
            f"user_id {user_id!r}",
            lambda: LmsUser.objects.filter(tenant_id=course.tenant_pk, sub=f"lti11:{user_id}").first(),
            lambda: LmsUser(platform=course.platform, sub=f"lti11:{user_id}"),
            {"lti11_user_id": user_id},
        )
        assert isinstance(user, LmsUser)
        label = f"login {row['quser']} in class {course.qclass}"
        account = WimsAccount.objects.filter(course=course, lms_user=user).first()
        if account is not None and account.quser != row["quser"]:
            self.report.conflicts.append(f"{label}: user {user_id!r} already has login {account.quser}")
            return
        other = WimsAccount.objects.filter(course=course, quser=row["quser"]).exclude(lms_user=user)
        if other.exists():
            self.report.conflicts.append(f"{label}: the login belongs to another LMS user")
            return
        self._upsert(
            "WIMS account",
            label,
            lambda: account,
            lambda: WimsAccount(course=course, lms_user=user, quser=row["quser"]),
            {},
        )
        self.users[row["id"]] = (user, course)

    def link(self, kind: str, row: sqlite3.Row, number: str | None) -> None:
        course = self.courses.get(row["wclass_id"])
        if course is None:
            self.report.skipped.append(f"{kind} link {row['lms_guid']!r}: its class was not imported")
            return
        bound = str(number or "").strip()
        wanted: dict[str, Any] = {}
        if bound.isdigit() and int(bound) > 0:
            wanted = {"kind": kind, "number": int(bound)}
        label = f"{kind} {bound or '-'} of class {course.qclass} (resource link {row['lms_guid']!r})"
        existing = ResourceLink.objects.filter(course=course, resource_link_id=row["lms_guid"]).first()
        if (
            existing is not None
            and existing.kind
            and wanted
            and (existing.kind, existing.number)
            != (
                kind,
                wanted["number"],
            )
        ):
            self.report.conflicts.append(f"{label}: already bound to {existing.kind} {existing.number}")
            self.links[(kind, row["id"])] = existing
            return
        if existing is not None and existing.kind:
            wanted = {}  # a binding chosen since (teacher UI) is kept
        self.links[(kind, row["id"])] = self._upsert(  # type: ignore[assignment]
            "resource link",
            label,
            lambda: existing,
            lambda: ResourceLink(course=course, resource_link_id=row["lms_guid"]),
            wanted,
        )

    def outcome(self, kind: str, row: sqlite3.Row) -> None:
        link = self.links.get((kind, row["activity_id"]))
        mapped = self.users.get(row["user_id"])
        if link is None or mapped is None:
            self.report.skipped.append(f"outcome {row['sourcedid']!r}: its {kind} or user was not imported")
            return
        user, _course = mapped
        self._upsert(
            "LTI 1.1 outcome",
            f"{user.lti11_user_id!r} on {link.resource_link_id!r}",
            lambda: Lti11Outcome.objects.filter(resource_link=link, lms_user=user).first(),
            lambda: Lti11Outcome(resource_link=link, lms_user=user),
            {"sourcedid": row["sourcedid"], "service_url": row["url"]},
        )


class _DryRunRollback(Exception):
    pass


def legacy_gateway_import(*, path: str | Path, dry_run: bool = False) -> ImportReport:
    """Import the gateway's SQLite file (opened read-only). With `dry_run`, nothing is written."""
    report = ImportReport(dry_run=dry_run)
    with closing(_open(path)) as db:
        try:
            with transaction.atomic():
                _Importer(db, report).run()
                if dry_run:
                    raise _DryRunRollback
        except _DryRunRollback:
            pass
        except sqlite3.DatabaseError as exc:
            raise LegacyImportError(f"{path}: unreadable ({exc})") from exc
    return report
