"""Each issue knows the key of the value it is about; the part-whole rules' stored default messages state the
tolerance they used (a message an admin changed stays as it is)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

KEY = ("source", "sex", "classif1", "classif2", "time")

# The part-whole kinds' default messages before and after rounding-aware tolerances.
MESSAGES = {
    "additivity": (
        "Along {dimension}, the total {total_code} is {total} but {parts} add up to {sum} "
        "(difference {difference}) for {cell}.",
        "Along {dimension}, the total {total_code} is {total} but {parts} add up to {sum} "
        "(difference {difference}) for {cell}; that is more than {allowance}.",
    ),
    "identity": (
        "{total_table} is {total} for {cell} but {parts_tables} add up to {sum} (difference {difference}).",
        "{total_table} is {total} for {cell} but {parts_tables} add up to {sum} (difference {difference}); "
        "that is more than {allowance}.",
    ),
    "bound": (
        "{part_table} is {part} for {cell}, more than {total_table} ({total}) which contains it.",
        "{part_table} is {part} for {cell}, more than {total_table} ({total}) which contains it, by {excess}; "
        "that is more than {allowance}.",
    ),
    "equal_totals": (
        "{table} gives {value} for {cell} but {reference_table} gives {reference} (difference {difference}).",
        "{table} gives {value} for {cell} but {reference_table} gives {reference} (difference {difference}); "
        "that is more than {allowance}.",
    ),
}


def messages_forward(apps, schema_editor):
    ValidationRule = apps.get_model("collection", "ValidationRule")
    for kind, (old, new) in MESSAGES.items():
        ValidationRule.objects.filter(kind=kind, message=old).update(message=new)


def messages_backward(apps, schema_editor):
    ValidationRule = apps.get_model("collection", "ValidationRule")
    for kind, (old, new) in MESSAGES.items():
        ValidationRule.objects.filter(kind=kind, message=new).update(message=old)


def keys_from_rows(apps, schema_editor):
    """Issues stored before: in a long-layout file a row is one value, so its staged or published row gives the
    key (a workbook row holds several values: those issues stay on their table)."""
    ValidationIssue = apps.get_model("collection", "ValidationIssue")
    issues = ValidationIssue.objects.filter(sheet__isnull=True, row__isnull=False, indicator__isnull=False)
    for model, row in (
        (apps.get_model("collection", "StagedObservation"), "row"),
        (apps.get_model("collection", "Observation"), "source_row"),
    ):
        rows = model.objects.filter(
            submission_id=OuterRef("submission_id"), indicator=OuterRef("indicator"), **{row: OuterRef("row")}
        )
        issues.filter(time__isnull=True).update(**{c: Subquery(rows.values(c)[:1]) for c in KEY})


class Migration(migrations.Migration):
    dependencies = [
        ("collection", "0008_reminder_schedule"),
    ]

    operations = [
        migrations.AddField(
            model_name="validationissue",
            name="classif1",
            field=models.CharField(blank=True, max_length=60, null=True),
        ),
        migrations.AddField(
            model_name="validationissue",
            name="classif2",
            field=models.CharField(
                blank=True, help_text="'' when the table has one breakdown.", max_length=60, null=True
            ),
        ),
        migrations.AddField(
            model_name="validationissue",
            name="sex",
            field=models.CharField(blank=True, max_length=20, null=True),
        ),
        migrations.AddField(
            model_name="validationissue",
            name="source",
            field=models.CharField(blank=True, max_length=10, null=True),
        ),
        migrations.AddField(
            model_name="validationissue",
            name="time",
            field=models.CharField(blank=True, max_length=10, null=True),
        ),
        migrations.RunPython(messages_forward, messages_backward),
        migrations.RunPython(keys_from_rows, migrations.RunPython.noop),
    ]
