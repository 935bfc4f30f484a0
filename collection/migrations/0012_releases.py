"""Releases with a moment of their own (an embargo): the per-submission record becomes a Publication, and each
earlier publication gets a release of its own, public since it was published, under the same id (so the
`release=` filter and every release number already quoted keep their meaning)."""

import django.db.models.deletion
from django.conf import settings
from django.core.management.color import no_style
from django.db import migrations, models


def releases_for_publications(apps, schema_editor):
    Publication = apps.get_model("collection", "Publication")
    Release = apps.get_model("collection", "Release")
    for publication in Publication.objects.select_related("submission__country", "submission__round"):
        submission = publication.submission
        Release.objects.create(
            id=publication.id,
            title=f"{submission.country.name}: {submission.round.name}",
            public_at=publication.published_at,
        )
        publication.release_id = publication.id
        publication.save(update_fields=["release"])
    connection = schema_editor.connection
    with connection.cursor() as cursor:  # the ids were given: the next one must follow them
        for sql in connection.ops.sequence_reset_sql(no_style(), [Release]):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("collection", "0011_publication_exact"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel("Release", "Publication"),
        migrations.RenameField("Observation", "release", "publication"),
        migrations.AlterField(
            model_name="publication",
            name="submission",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT, related_name="publication", to="collection.submission"
            ),
        ),
        migrations.CreateModel(
            name="Release",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200)),
                ("note", models.TextField(blank=True)),
                ("public_at", models.DateTimeField(blank=True, null=True)),
                (
                    "scheduled",
                    models.BooleanField(default=False, help_text="Set by an admin ahead (not made by an approval)."),
                ),
                ("withdrawn_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-public_at", "-id"],
                "indexes": [models.Index(fields=["public_at"], name="release_public_at")],
            },
        ),
        migrations.AddField(
            model_name="publication",
            name="release",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="publications",
                to="collection.release",
            ),
        ),
        migrations.AddField(
            model_name="review",
            name="release",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="approvals",
                to="collection.release",
            ),
        ),
        migrations.RunPython(releases_for_publications, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="publication",
            name="release",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="publications", to="collection.release"
            ),
        ),
    ]
