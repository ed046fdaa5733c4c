"""Grade passback: LTI service endpoints of a course, AGS line items, the score ledger and sync runs.

- `CourseServices`: the NRPS roster URL and the AGS scopes a launch advertised for a course.
- `GradeLineItem`: the one AGS line item (gradebook column) an activity posts to, under a unique
  constraint so a column is never created twice.
- `ScoreLedger`: what the LMS holds per (line item, user) — only changed scores are ever sent. A POST
  writes its intent (`pending_*`) first and its outcome right after, so a worker killed in between is
  detected on the next run instead of posting twice.
- `SyncRun` / `ActivitySync`: one sync of a course (scheduled or "Sync now") and its per-activity
  results (counts, per-user errors, students' progress), shown to teachers and, read-only, to admins.
  A running ActivitySync beats (`heartbeat`) while its worker lives: a run whose heartbeats stopped is
  taken over by the next "Sync now" or scheduled sync (services/grades/runs.py).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped


class CourseServices(TimeStamped):
    course = models.OneToOneField("wims_lti.Course", on_delete=models.CASCADE, related_name="lti_services")
    # The registration whose launch advertised these URLs (its client id may call them).
    platform = models.ForeignKey(
        "wims_lti.Platform", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    nrps_url = models.URLField(_("NRPS memberships URL"), max_length=1000, blank=True)
    ags_scopes = models.JSONField(_("AGS scopes advertised"), default=list, blank=True)

    class Meta:
        verbose_name = _("course LTI services")
        verbose_name_plural = _("course LTI services")

    def __str__(self) -> str:
        return str(self.course)


class GradeLineItem(TimeStamped):
    class Origin(models.TextChoices):
        DECLARED = "declared", _("declared by the LMS in the launch")
        FOUND = "found", _("found in the course's line items")
        CREATED = "created", _("created by the tool")

    link = models.OneToOneField(
        "wims_lti.ResourceLink", on_delete=models.CASCADE, related_name="grade_line_item"
    )
    url = models.URLField(_("line item URL"), max_length=1000)
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices)

    class Meta:
        verbose_name = _("grade line item")
        verbose_name_plural = _("grade line items")
        constraints = [
            models.UniqueConstraint(fields=["link"], name="gradelineitem_unique_per_link"),
        ]

    def __str__(self) -> str:
        return self.url


class ScoreLedger(TimeStamped):
    class Status(models.TextChoices):
        SENT = "sent", _("accepted by the LMS")
        SUPERSEDED = "superseded", _("the LMS has a newer grade (edited in the LMS)")
        REJECTED = "rejected", _("refused by the LMS")

    line_item = models.ForeignKey(GradeLineItem, on_delete=models.CASCADE, related_name="ledger")
    lms_user = models.ForeignKey("wims_lti.LmsUser", on_delete=models.CASCADE, related_name="score_ledger")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, blank=True)
    score_given = models.FloatField(_("score given"), null=True, blank=True)
    score_maximum = models.FloatField(_("score maximum"), null=True, blank=True)
    timestamp = models.DateTimeField(_("timestamp of the last score sent"), null=True, blank=True)
    # AGS activityProgress sent with that score: a change of progress alone is sent again too.
    activity_progress = models.CharField(_("activity progress sent"), max_length=16, blank=True)
    # Written before the POST, cleared after it: a leftover intent means "may or may not have landed".
    pending_given = models.FloatField(null=True, blank=True)
    pending_maximum = models.FloatField(null=True, blank=True)
    pending_timestamp = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason given by the LMS"), blank=True)

    class Meta:
        verbose_name = _("score ledger entry")
        verbose_name_plural = _("score ledger")
        constraints = [
            models.UniqueConstraint(
                fields=["line_item", "lms_user"], name="scoreledger_unique_user_per_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lms_user} {self.score_given}/{self.score_maximum} ({self.status})"


class SyncRun(TimeStamped):
    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("scheduled")
        MANUAL = "manual", _("Sync now")

    course = models.ForeignKey("wims_lti.Course", on_delete=models.CASCADE, related_name="sync_runs")
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        "wims_lti.LmsUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Learner subs from the NRPS roster, fetched once per run (None: not fetched / unavailable).
    roster = models.JSONField(_("learners in the roster"), null=True, blank=True)
    roster_error = models.TextField(_("roster error"), blank=True)
    # Status and expiration of the class's sheets, read once per run (listsheets) for the progress.
    wims_items = models.JSONField(_("WIMS sheets of the class"), null=True, blank=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("grade sync run")
        verbose_name_plural = _("grade sync runs")
        ordering = ["-created"]
        indexes = [models.Index(fields=["course", "-created"], name="syncrun_course_created")]

    def __str__(self) -> str:
        return f"{self.course} {self.created:%Y-%m-%d %H:%M} ({self.get_trigger_display()})"


class ActivitySync(TimeStamped):
    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        PARTIAL = "partial", _("done, with errors")
        FAILED = "failed", _("failed")

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="activities")
    link = models.ForeignKey("wims_lti.ResourceLink", on_delete=models.CASCADE, related_name="syncs")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    read = models.PositiveIntegerField(_("scores read"), default=0)
    posted = models.PositiveIntegerField(_("scores sent"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    message = models.CharField(_("message code"), max_length=64, blank=True)
    detail = models.TextField(_("technical detail"), blank=True)
    errors = models.JSONField(_("per-user errors"), default=list, blank=True)
    # Per-user errors by kind (all of them; `errors` keeps the first MAX_ERRORS_KEPT).
    error_counts = models.JSONField(_("per-user errors by kind"), default=dict, blank=True)
    # Students whose score was read, by AGS activityProgress (Started, InProgress, Submitted, Completed).
    progress_counts = models.JSONField(_("students by progress"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    started = models.DateTimeField(_("started"), null=True, blank=True)
    # Last sign of life: set when queued and every few seconds while a worker runs it.
    heartbeat = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("activity sync")
        verbose_name_plural = _("activity syncs")
        constraints = [
            models.UniqueConstraint(fields=["run", "link"], name="activitysync_unique_link_per_run"),
        ]

    def __str__(self) -> str:
        return f"{self.link} ({self.get_status_display()})"

    @property
    def is_over(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.PARTIAL, self.Status.FAILED)
