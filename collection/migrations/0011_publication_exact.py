"""Exact values (numeric, converted from the doubles at 15 significant digits, which drops float noise) and
releases that know their approval and count unchanged and outdated values."""

import django.db.models.deletion
from django.db import migrations, models

import collection.models.layout

EXACT = collection.models.layout.ExactValueField(decimal_places=10, max_digits=28)


def approvals(apps, schema_editor):
    """Each earlier release gets the submission's last approval: publication order follows it from now on."""
    Release = apps.get_model("collection", "Release")
    Review = apps.get_model("collection", "Review")
    for release in Release.objects.all():
        review = (
            Review.objects.filter(submission_id=release.submission_id, decision="approve")
            .order_by("-created_at", "-id")
            .first()
        )
        release.approval = review
        release.approved_at = review.created_at if review else release.published_at
        release.save(update_fields=["approval", "approved_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("collection", "0010_submission_formats"),
    ]

    operations = [
        migrations.AddField(
            model_name="release",
            name="approval",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="collection.review"
            ),
        ),
        migrations.AddField(
            model_name="release",
            name="approved_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="release",
            name="outdated_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="release",
            name="unchanged_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(approvals, migrations.RunPython.noop),
        migrations.AlterField(model_name="observation", name="obs_value", field=EXACT),
        migrations.AlterField(model_name="stagedobservation", name="obs_value", field=EXACT),
    ]
