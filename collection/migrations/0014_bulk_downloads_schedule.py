"""The bulk downloads built ahead, every minute, as a django-celery-beat schedule admins can change: within a
minute of a scheduled release's moment its files are ready (a moved or withdrawn release needs no change here)."""

from django.db import migrations

TASK = "collection.build_bulk_downloads"
NAME = "Bulk downloads of the public values"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "interval": every_minute,
            "enabled": True,
            "description": "Every minute: builds the files of a newly public release (a no-op otherwise).",
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("collection", "0013_release_audit"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
