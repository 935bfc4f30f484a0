"""The master table: every published observation in ILOSTAT's long layout, versioned, with provenance."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import BrinIndex
from django.db import models

from collection.models.layout import KEY_COLUMNS, LongLayoutRow
from collection.models.releases import Release
from collection.models.submissions import Review, Submission


class Publication(models.Model):
    """One approved submission written into the master table: who approved it, when, and in which release.

    Counts of the submission's values: new keys, revised values, values sent again unchanged (they keep their
    earlier version) and outdated ones (a submission approved later had already replaced them: history only).
    """

    submission = models.OneToOneField(Submission, on_delete=models.PROTECT, related_name="publication")
    # The release whose moment makes these values public (the approval's choice, or one of its own).
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="publications")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The approval decides which value is current, whatever order the publications run in.
    approval = models.ForeignKey(Review, null=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True)
    published_at = models.DateTimeField(auto_now_add=True)
    observation_count = models.PositiveIntegerField(default=0)
    new_count = models.PositiveIntegerField(default=0)
    revised_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    outdated_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return f"Publication {self.pk}"


class Observation(LongLayoutRow):
    """One value of the master table. `is_current` marks the newest publication of its key; older ones stay."""

    # Provenance: the file (through the submission), its row, and the publication (which names the reviewer
    # and the release). No foreign-key constraints: checked row by row at commit they were as long again as
    # writing the rows (1.5 M checks in a publication of a million values); publication writes the id of the
    # publication it made in the same transaction, and a trigger refuses to delete a publication the master
    # names (migration 0021), so that no value loses its provenance. The publication pins the submission.
    submission = models.ForeignKey(
        Submission, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    source_row = models.PositiveIntegerField()
    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="observations", db_constraint=False
    )
    superseded_by = models.ForeignKey(
        Publication,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded",
        db_index=False,
        db_constraint=False,
    )
    is_current = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=list(KEY_COLUMNS), condition=models.Q(is_current=True), name="one_current_value_per_key"
            )
        ]
        indexes = [
            models.Index(fields=["ref_area", "indicator", "time"], name="observation_area_ind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.ref_area} {self.time} {self.sex} {self.classif1} {self.classif2}"


class UnchangedValue(models.Model):
    """A value a publication received exactly as it was already published: it writes no new version, and
    this row remembers which master row it matched and its row in the file, so that the submission's page
    still lists it once its staged rows are removed (three numbers, against a whole staged row)."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    observation = models.ForeignKey(
        Observation, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    row = models.PositiveIntegerField()

    class Meta:
        # Written together per publication, read per publication: a block-range index, as for staged rows.
        indexes = [BrinIndex(fields=["publication"], name="unchanged_publication_brin")]

    def __str__(self) -> str:
        return f"publication {self.publication_id} row {self.row}"
