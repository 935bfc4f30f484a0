"""A country's upload for a round, what the worker found in it, the review, and its source metadata."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.utils.text import capfirst

from collection.models.catalogue import Country, SourceType
from collection.models.layout import LongLayoutRow
from collection.models.releases import Release
from collection.models.rounds import Round
from collection.models.rules import Severity


def submission_upload_path(instance: Submission, filename: str) -> str:
    """Files are kept for good under round/country, prefixed by their hash so that names never collide."""
    return f"submissions/{instance.round_id}/{instance.country_id}/{instance.sha256[:16]}-{filename}"


def staged_rows_path(instance: Submission) -> str:
    """A valid submission's checked rows are kept beside its upload, as one columnar file named after it."""
    return f"submissions/{instance.round_id}/{instance.country_id}/staged-{instance.pk}.parquet"


def annotated_upload_path(instance: Submission, filename: str) -> str:
    """The annotated copy is kept beside the upload it marks, named after the submission."""
    return f"submissions/{instance.round_id}/{instance.country_id}/checked-{instance.pk}-{filename}"


class SubmissionStatus(models.TextChoices):
    """Where a submission is on its way from upload to publication."""

    RECEIVED = "received", "Received"
    VALIDATING = "validating", "Validating"
    VALID = "valid", "Valid"
    INVALID = "invalid", "Invalid"
    SUBMITTED = "submitted", "Submitted for review"
    RETURNED = "returned", "Returned"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"

    # What each status means, asked here by every page, service and task (the moves are in
    # submissions/machine.py).

    @classmethod
    def editable(cls) -> frozenset[SubmissionStatus]:
        """Its sources may still be described or changed: until it is sent for review."""
        return frozenset({cls.RECEIVED, cls.VALIDATING, cls.VALID, cls.INVALID})

    @classmethod
    def explainable(cls) -> frozenset[SubmissionStatus]:
        """Its warnings may be answered: it is valid and not yet sent for review."""
        return frozenset({cls.VALID})

    @classmethod
    def awaiting_validation(cls) -> frozenset[SubmissionStatus]:
        """The worker has yet to say what the file holds (validation is queued or running)."""
        return frozenset({cls.RECEIVED, cls.VALIDATING})

    @classmethod
    def awaiting_publication(cls) -> frozenset[SubmissionStatus]:
        """Approved: the worker has yet to copy its rows into the master table."""
        return frozenset({cls.APPROVED})

    @classmethod
    def pending(cls) -> frozenset[SubmissionStatus]:
        """Waiting for the worker, to validate or to publish; every other status is settled."""
        return cls.awaiting_validation() | cls.awaiting_publication()

    @classmethod
    def with_ilo(cls) -> frozenset[SubmissionStatus]:
        """Sent to the ILO: the country has done its part (no longer overdue, no more reminders)."""
        return frozenset({cls.SUBMITTED, cls.APPROVED, cls.PUBLISHED})

    @classmethod
    def table_statuses(cls) -> tuple[str, ...]:
        """Every status a requested table of a round can show, in the order a table travels (so that a
        summary reads left to right): none yet, a file the worker has not read, then its submission's."""
        return (
            NOT_STARTED,
            UPLOADED,
            *(s.value for s in (cls.INVALID, cls.VALID, cls.RETURNED, cls.SUBMITTED, cls.APPROVED, cls.PUBLISHED)),
        )

    @property
    def table_status(self) -> str:
        """What a requested table shows while this is the status of the latest file carrying it."""
        return UPLOADED if self in self.awaiting_validation() else self.value

    @property
    def note(self) -> str:
        """What the status means for the person looking at the submission, and what comes next."""
        s = type(self)
        return {
            s.RECEIVED: "Waiting for the worker…",
            s.VALIDATING: "Checking the file…",
            s.VALID: "No errors: you can send it to the ILO.",
            s.INVALID: "Fix the errors below and upload the corrected file.",
            s.SUBMITTED: "Waiting for an ILO reviewer.",
            s.RETURNED: "The reviewer returned it: read the comment and upload a new version.",
            s.APPROVED: "Publishing into the master table…",
            s.PUBLISHED: "Published in the master tables.",
        }[self]


# The table statuses a round's table has before (or beside) any submission status of its own.
NOT_STARTED = "not_started"
UPLOADED = "uploaded"


class Submission(models.Model):
    """One uploaded file and its way through validation, review and publication."""

    Status = SubmissionStatus

    class Format(models.TextChoices):
        """What the uploaded file is, told by its content at upload (never by its name)."""

        CSV = "csv", "CSV (long layout)"
        XLSX = "xlsx", "XLSX (long layout)"
        ODS = "ods", "ODS (long layout)"
        WORKBOOK = "workbook", "Standard workbook (XLSX)"
        WORKBOOK_ODS = "workbook_ods", "Standard workbook (ODS)"
        OTHER = "other", "Unsupported file"

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="submissions")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="submissions")
    file = models.FileField(upload_to=submission_upload_path, max_length=500)
    original_filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    file_format = models.CharField(max_length=20, choices=Format.choices)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    row_count = models.PositiveIntegerField(null=True, blank=True, help_text="Data rows read from the file.")
    observation_count = models.PositiveIntegerField(null=True, blank=True, help_text="Rows with a value.")
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    indicators = models.JSONField(default=list, blank=True, help_text="The tables found in the file.")
    validated_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The file with its issues marked, made by the worker after validation (never in a web request).
    annotated = models.FileField(upload_to=annotated_upload_path, max_length=500, blank=True)
    staged_file = models.CharField(
        max_length=500,
        blank=True,
        help_text="The checked rows of a valid file, kept in MEDIA_ROOT as Parquet until published (empty: none, "
        "or staged in the StagedObservation table by a portal before issue 14).",
    )
    annotated_note = models.TextField(blank=True, help_text="Why no annotated copy is made, when none is.")
    annotated_asked_at = models.DateTimeField(null=True, blank=True, help_text="When the copy was last asked for.")

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["status", "submitted_at"]), models.Index(fields=["round", "country"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=SubmissionStatus.values), name="submission_status_valid"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.country_id} {self.round} ({self.status})"

    @property
    def is_settled(self) -> bool:
        """True once the worker has finished with it (the page stops polling)."""
        return self.status not in self.Status.pending()

    @property
    def status_note(self) -> str:
        """The status in a sentence for its page (see `SubmissionStatus.note`)."""
        return self.Status(self.status).note


class ValidationIssue(models.Model):
    """One problem the worker found: where (row, column; sheet and cell in a workbook), the key of the value it
    is about (empty for a problem of a table or of the whole file), which rule, and a sentence about it."""

    Severity = Severity

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="issues")
    severity = models.CharField(max_length=10, choices=Severity.choices)
    rule = models.CharField(max_length=60)
    message = models.TextField()
    row = models.PositiveIntegerField(null=True, blank=True, help_text="Line in the file; the header is row 1.")
    column = models.CharField(max_length=60, null=True, blank=True)
    indicator = models.CharField(max_length=60, null=True, blank=True)
    # The key of the value (ref_area is the submission's country): how pages match an issue to its value.
    source = models.CharField(max_length=10, null=True, blank=True)
    sex = models.CharField(max_length=20, null=True, blank=True)
    classif1 = models.CharField(max_length=60, null=True, blank=True)
    classif2 = models.CharField(max_length=60, null=True, blank=True, help_text="'' when the table has one breakdown.")
    time = models.CharField(max_length=10, null=True, blank=True)
    sheet = models.CharField(max_length=60, null=True, blank=True, help_text="Workbook sheet of the cell.")
    cell = models.CharField(max_length=12, null=True, blank=True, help_text="Workbook cell, e.g. D12.")

    class Meta:
        ordering = ["submission", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(severity__in=Severity.values), name="issue_severity_valid")
        ]

    def __str__(self) -> str:
        return f"{self.severity} {self.rule} row {self.row}: {self.message}"

    @property
    def is_about_a_value(self) -> bool:
        """True when the issue names one value's key; else it is about a table or the whole file."""
        return self.time is not None


class Review(models.Model):
    """A reviewer's decision on a submitted submission."""

    class Decision(models.TextChoices):
        APPROVE = "approve", "Approved"
        RETURN = "return", "Returned"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="reviews")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    comment = models.TextField(blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # An approval's scheduled release to join; none: the values are public once published.
    release = models.ForeignKey(Release, null=True, blank=True, on_delete=models.PROTECT, related_name="approvals")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} #{self.submission_id} by {self.reviewer}"


class SubmissionEvent(models.Model):
    """A status change of a submission: who moved it, from what to what, when (the submission's history)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.submission_id}: {self.from_status or '-'} → {self.to_status}"


class DataSource(models.Model):
    """How the data of one indicator in a submission were produced (the map of national sources)."""

    class MigrantDefinition(models.TextChoices):
        PLACE_OF_BIRTH = "place_of_birth", "Place of birth (foreign-born)"
        CITIZENSHIP = "citizenship", "Citizenship (non-citizens)"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="sources")
    indicator = models.CharField(max_length=60)
    source_type = models.ForeignKey(SourceType, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=300, help_text="Survey, census or register name")
    agency = models.CharField(max_length=300, blank=True)
    reference_period = models.CharField(max_length=100, blank=True, help_text="e.g. 2024 annual average")
    coverage = models.CharField(max_length=300, blank=True, help_text="e.g. whole country, 15+, private households")
    migrant_definition = models.CharField(max_length=20, choices=MigrantDefinition.choices, blank=True)
    notes = models.TextField(blank=True)

    # The fields that describe a source, in the order people read them: the form, the API, the reviewer's
    # comparison, the carried-forward description and the workbook's Sources sheet all read this list.
    DESCRIPTION_FIELDS = (
        "source_type",
        "name",
        "agency",
        "reference_period",
        "coverage",
        "migrant_definition",
        "notes",
    )

    class Meta:
        ordering = ["submission", "indicator"]
        constraints = [models.UniqueConstraint(fields=["submission", "indicator"], name="one_source_per_indicator")]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.source_type_id} {self.name}"

    @classmethod
    def description_labels(cls) -> dict[str, str]:
        """Each describing field with its label, in reading order ("reference_period" → "Reference period")."""
        fields = {f.name: f for f in cls._meta.concrete_fields}
        return {name: str(capfirst(fields[name].verbose_name)) for name in cls.DESCRIPTION_FIELDS}


class StagedObservation(LongLayoutRow):
    """A row of a valid submission, loaded in bulk by the worker; publication copies these to the master table."""

    # No database constraint: a million deferred checks cost seconds at every validation's commit, and staged
    # rows are a cache of the kept file, written and removed only with their submission.
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    row = models.PositiveIntegerField()

    class Meta:
        # A submission's rows are loaded together, so a block-range index finds them at a fraction of a
        # b-tree's cost while loading (staging 1M rows: 2.7 s against 3.5 s with the b-tree).
        indexes = [BrinIndex(fields=["submission"], name="staged_submission_brin")]

    def __str__(self) -> str:
        return f"#{self.submission_id} row {self.row}"
