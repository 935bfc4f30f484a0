"""The daily run of deadline reminders (and of rounds due to open), as a django-celery-beat schedule that
admins can change in the Django admin."""

from django.db import migrations

TASK = "collection.daily_round_duties"
NAME = "Deadline reminders and rounds due to open"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="6", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={"task": TASK, "crontab": crontab, "enabled": True, "description": "Every day at 06:00 UTC."},
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("collection", "0007_rounds_lifecycle_audit_notifications"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
