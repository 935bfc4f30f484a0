"""Who is doing a submission's work right now: the worker's lease (see collection/submissions/lease.py)."""

from __future__ import annotations

from django.db import models

from collection.models.submissions import Submission


class LeaseWork(models.TextChoices):
    """The two pieces of a submission's work that the worker does, one after the other."""

    VALIDATION = "validation", "Validation"
    PUBLICATION = "publication", "Publication"


class Lease(models.Model):
    """A claim on one submission's work (its validation, or its publication) by one worker task.

    A row of its own rather than fields on Submission: the heartbeat that renews it never waits behind the
    row lock a validation or publication holds on the submission, and no save of the submission (a page
    editing it) can write back a stale claim."""

    Work = LeaseWork

    submission = models.OneToOneField(Submission, primary_key=True, on_delete=models.CASCADE, related_name="lease")
    work = models.CharField(max_length=20, choices=LeaseWork.choices)
    holder = models.CharField(
        max_length=200, blank=True, help_text="host:pid:task of the worker doing the work; empty once it ended."
    )
    claimed_at = models.DateTimeField()
    renewed_at = models.DateTimeField(help_text="The holder's last heartbeat; a lease not renewed for long is dead.")
    takeovers = models.PositiveSmallIntegerField(
        default=0, help_text="Times this work was taken over from a worker that died holding it."
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(work__in=LeaseWork.values), name="lease_work_valid")]

    def __str__(self) -> str:
        return f"#{self.submission_id} {self.work} by {self.holder or 'nobody'}"
