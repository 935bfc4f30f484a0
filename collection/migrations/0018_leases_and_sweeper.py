"""Leases on a submission's work (who is validating or publishing it now), and the sweeper on the beat
schedule: every minute it re-sends the work of any submission still waiting (received, validating under a
dead lease, approved) past SWEEP_DELAY, so that a message lost while the broker was down loses nothing."""

import django.db.models.deletion
from django.db import migrations, models

TASK = "collection.sweep_waiting_work"
NAME = "Re-send waiting work"


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
            "description": "Every minute: re-sends the validation or publication of submissions still waiting "
            "for the worker (a message lost while the broker was down, a worker that died). Keep it enabled.",
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('collection', '0017_annotated_copy'),
        ('django_celery_beat', '0019_alter_periodictasks_options'),
    ]

    operations = [
        migrations.CreateModel(
            name='Lease',
            fields=[
                ('submission', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='lease', serialize=False, to='collection.submission')),
                ('work', models.CharField(choices=[('validation', 'Validation'), ('publication', 'Publication')], max_length=20)),
                ('holder', models.CharField(blank=True, help_text='host:pid:task of the worker doing the work; empty once it ended.', max_length=200)),
                ('claimed_at', models.DateTimeField()),
                ('renewed_at', models.DateTimeField(help_text="The holder's last heartbeat; a lease not renewed for long is dead.")),
                ('takeovers', models.PositiveSmallIntegerField(default=0, help_text='Times this work was taken over from a worker that died holding it.')),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(('work__in', ['validation', 'publication'])), name='lease_work_valid')],
            },
        ),
        migrations.RunPython(create, remove),
    ]
