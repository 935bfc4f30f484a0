"""E-mail notifications from the real service flows (locmem outbox), deadline reminders under a frozen clock,
the daily schedule, and each user's e-mail settings page."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
import time_machine
from django.core import mail
from django_celery_beat.models import PeriodicTask

from collection.models import NotificationPreference, ReminderSent, Round, Submission
from collection.notifications import reminders_send
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve, submission_return, submission_submit
from collection.rounds import lifecycle as rounds
from collection.tasks import daily_round_duties
from collection.validation.run import submission_validate
from ilms_portal.celery import app as celery_app
from tests import factories
from tests.views.test_access_pages import messages_of

PORTAL = "https://ilms.example.org"
ROLES = ["anonymous", "fp_tha", "fp_mys", "reviewer", "admin"]
EXTRA_TABLE = "MST_TEAP_SEX_AGE_CBR_NB"
SCHEDULE = "Deadline reminders and rounds due to open"


@pytest.fixture(autouse=True)
def portal_url(settings):
    settings.PORTAL_URL = PORTAL


@pytest.fixture
def team(people):
    """Everyone with an address, and a second focal point for Thailand."""
    for user in filter(None, people.values()):
        user.email = f"{user.username}@example.org"
        user.save()
    second = factories.make_user("fp_tha2", "focal_point", ["THA"])
    second.email = "fp_tha2@example.org"
    second.save()
    return {**people, "fp_tha2": second}


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """The mails leave once the action's transaction commits: run those callbacks inside the test."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def inbox(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def recipients() -> list[str]:
    return sorted(address for m in mail.outbox for address in m.to)


def opt_out(user, **choices) -> None:
    NotificationPreference.objects.update_or_create(user=user, defaults=choices)


def uploaded_and_checked(user, round_, run_on_commit, content: bytes | None = None) -> Submission:
    submission = factories.upload(user, round_, content or factories.sample_csv())
    with run_on_commit():
        submission_validate(submission_id=submission.pk)
    submission.refresh_from_db()
    return submission


# Round opened


def test_round_opening_mails_each_countrys_focal_points_their_deadline_and_workbook(team, run_on_commit):
    round_ = factories.make_round(status=Round.Status.DRAFT)
    thailand = round_.countries.get(iso3="THA")
    rounds.round_extend(user=team["admin"], round_=round_, deadline=dt.date(2027, 2, 28), country=thailand)
    with run_on_commit():
        rounds.round_move(user=team["admin"], round_=round_, action="open")

    assert recipients() == ["fp_mys@example.org", "fp_tha2@example.org", "fp_tha@example.org"]
    tha = inbox("fp_tha@example.org")[0]
    assert tha.subject == "[ILMS] Round ILMS test round is open: Thailand's tables are due by 28 February 2027"
    assert "Reference years: 2024, 2025" in tha.body
    assert "MST_TPOP_SEX_AGE_CBR_NB" in tha.body and "MST_FORP_SEX_CBR_NB" in tha.body
    assert f"{PORTAL}/rounds/{round_.pk}/THA/workbook/" in tha.body
    assert f"{PORTAL}/rounds/{round_.pk}/THA/\n" in tha.body
    mys = inbox("fp_mys@example.org")[0]
    assert "31 January 2027" in mys.subject and f"/rounds/{round_.pk}/MYS/workbook/" in mys.body


def test_round_opening_skips_inactive_and_opted_out_focal_points(team, run_on_commit):
    round_ = factories.make_round(status=Round.Status.DRAFT)
    team["fp_tha2"].is_active = False
    team["fp_tha2"].save()
    opt_out(team["fp_mys"], round_opened=False)
    with run_on_commit():
        rounds.round_move(user=team["admin"], round_=round_, action="open")
    assert recipients() == ["fp_tha@example.org"]


# Validation finished


def test_valid_upload_mails_the_uploader_and_the_countrys_other_focal_points(team, open_round, run_on_commit):
    submission = uploaded_and_checked(team["fp_tha"], open_round, run_on_commit)

    assert submission.status == Submission.Status.VALID
    assert recipients() == ["fp_tha2@example.org", "fp_tha@example.org"]
    message = inbox("fp_tha2@example.org")[0]
    assert message.subject == f"[ILMS] Upload #{submission.pk} for Thailand is valid (0 errors, 0 warnings)"
    assert f"{PORTAL}/submissions/{submission.pk}/" in message.body
    assert f"{PORTAL}/account/notifications/" in message.body


def test_invalid_upload_mail_counts_the_errors_and_links_the_report(team, open_round, run_on_commit):
    bad = factories.sample_csv().replace(b",SEX_F,", b",SEX_Z,", 1).replace(b",2024,", b",2019,", 1)
    submission = uploaded_and_checked(team["fp_tha"], open_round, run_on_commit, bad)

    assert submission.status == Submission.Status.INVALID and submission.error_count > 0
    message = inbox("fp_tha@example.org")[0]
    errors = f"{submission.error_count} error{'s' if submission.error_count > 1 else ''}"
    assert message.subject.startswith(f"[ILMS] Upload #{submission.pk} for Thailand needs corrections ({errors}")
    assert "code.invalid" in message.body and f"{PORTAL}/submissions/{submission.pk}/" in message.body


def test_validation_mail_respects_opt_out_and_leaves_other_countries_alone(team, open_round, run_on_commit):
    opt_out(team["fp_tha2"], validation_finished=False)
    uploaded_and_checked(team["fp_tha"], open_round, run_on_commit)
    assert recipients() == ["fp_tha@example.org"]


def test_an_admin_uploading_for_a_country_hears_back_too(team, open_round, run_on_commit):
    uploaded_and_checked(team["admin"], open_round, run_on_commit)
    assert recipients() == ["admin@example.org", "fp_tha2@example.org", "fp_tha@example.org"]


def test_submitting_sends_no_mail(team, open_round, run_on_commit):
    submission = uploaded_and_checked(team["fp_tha"], open_round, run_on_commit)
    factories.describe_sources(submission)
    mail.outbox.clear()
    with run_on_commit():
        submission_submit(user=team["fp_tha"], submission=submission)
    assert mail.outbox == []


# Review outcome and publication


def test_returned_submission_mails_the_reviewers_comment(team, tha_submitted, run_on_commit):
    comment = "Please check the 2024 totals & the source's coverage <sic>."
    with run_on_commit():
        submission_return(user=team["reviewer"], submission=tha_submitted, comment=comment)

    assert recipients() == ["fp_tha2@example.org", "fp_tha@example.org"]
    message = inbox("fp_tha@example.org")[0]
    assert message.subject == f"[ILMS] Submission #{tha_submitted.pk} for Thailand was returned with comments"
    assert comment in message.body  # plain text: nothing escaped
    assert "Comment from reviewer" in message.body


def test_approval_then_publication_mail_the_countrys_focal_points(team, tha_submitted, run_on_commit):
    opt_out(team["fp_tha2"], validation_finished=False)  # another kind of mail: no effect here
    with run_on_commit():
        submission_approve(user=team["reviewer"], submission=tha_submitted)
    assert [m.subject for m in inbox("fp_tha2@example.org")] == [
        f"[ILMS] Submission #{tha_submitted.pk} for Thailand was approved"
    ]
    mail.outbox.clear()
    with run_on_commit():
        observations_publish(submission_id=tha_submitted.pk)

    assert recipients() == ["fp_tha2@example.org", "fp_tha@example.org"]
    message = inbox("fp_tha@example.org")[0]
    assert message.subject == f"[ILMS] Submission #{tha_submitted.pk} for Thailand is published"
    assert f"{PORTAL}/data/MST_FORP_SEX_CBR_NB/THA/" in message.body


def test_review_outcome_opt_out(team, tha_submitted, run_on_commit):
    opt_out(team["fp_tha"], review_outcome=False)
    with run_on_commit():
        submission_return(user=team["reviewer"], submission=tha_submitted, comment="Fix the totals.")
    assert recipients() == ["fp_tha2@example.org"]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_mail_server_that_refuses_does_not_break_the_action(team, open_round, run_on_commit, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 2
    submission = uploaded_and_checked(team["fp_tha"], open_round, run_on_commit)
    assert submission.status == Submission.Status.VALID
    assert "could not e-mail fp_tha@example.org" in caplog.text


# Deadline reminders, with the clock frozen at the schedule's hour


@pytest.fixture
def reminding_round(open_round):
    """Deadline 31 January 2027, reminders 14 and 3 days before."""
    open_round.reminder_days = [14, 3]
    open_round.save()
    return open_round


def remind_on(day: dt.date) -> int:
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, 6, 0, tzinfo=dt.UTC), tick=False):
        return reminders_send()


def test_reminder_fourteen_days_before_goes_to_each_focal_point_once(team, reminding_round):
    assert remind_on(dt.date(2027, 1, 16)) == 0  # 15 days left
    assert remind_on(dt.date(2027, 1, 17)) == 3
    assert recipients() == ["fp_mys@example.org", "fp_tha2@example.org", "fp_tha@example.org"]
    message = inbox("fp_tha@example.org")[0]
    assert message.subject == (
        "[ILMS] Reminder: Thailand's tables for ILMS test round are due in 14 days, on 31 January 2027"
    )
    assert "MST_TPOP_SEX_AGE_CBR_NB" in message.body and "(not started)" in message.body
    assert f"{PORTAL}/rounds/{reminding_round.pk}/THA/" in message.body

    assert remind_on(dt.date(2027, 1, 17)) == 0  # the same day again
    assert remind_on(dt.date(2027, 1, 18)) == 0
    assert remind_on(dt.date(2027, 1, 27)) == 0  # 4 days left: still the 14-day reminder
    assert len(mail.outbox) == 3


def test_reminder_three_days_before(team, reminding_round):
    remind_on(dt.date(2027, 1, 17))
    mail.outbox.clear()
    assert remind_on(dt.date(2027, 1, 28)) == 3
    assert "are due in 3 days" in inbox("fp_mys@example.org")[0].subject
    assert remind_on(dt.date(2027, 1, 29)) == 0
    assert remind_on(dt.date(2027, 1, 31)) == 0  # the deadline day: the 3-day reminder was the last


def test_a_missed_day_still_sends_only_the_most_urgent_reminder(team, reminding_round):
    assert remind_on(dt.date(2027, 1, 29)) == 3  # the schedule did not run on the 17th nor the 28th
    assert "are due in 2 days" in inbox("fp_tha@example.org")[0].subject
    assert set(ReminderSent.objects.values_list("kind", "days")) == {("before", 3)}


def test_overdue_reminder_is_sent_once_after_the_deadline(team, reminding_round):
    assert remind_on(dt.date(2027, 2, 1)) == 3
    message = inbox("fp_tha@example.org")[0]
    assert message.subject == "[ILMS] Overdue: Thailand's tables for ILMS test round were due on 31 January 2027"
    assert "1 day ago" in message.body
    assert remind_on(dt.date(2027, 2, 1)) == 0
    assert remind_on(dt.date(2027, 2, 2)) == 0
    assert remind_on(dt.date(2027, 3, 15)) == 0
    assert ReminderSent.objects.filter(kind="overdue", deadline=dt.date(2027, 1, 31)).count() == 3


def test_an_extended_deadline_earns_new_reminders(team, reminding_round):
    remind_on(dt.date(2027, 2, 1))  # overdue for both countries
    thailand = reminding_round.countries.get(iso3="THA")
    rounds.round_extend(user=team["admin"], round_=reminding_round, deadline=dt.date(2027, 2, 28), country=thailand)
    mail.outbox.clear()

    assert remind_on(dt.date(2027, 2, 13)) == 0  # 15 days before the new deadline
    assert remind_on(dt.date(2027, 2, 14)) == 2
    assert recipients() == ["fp_tha2@example.org", "fp_tha@example.org"]
    assert "due in 14 days, on 28 February 2027" in mail.outbox[0].subject
    assert remind_on(dt.date(2027, 3, 1)) == 2  # overdue again, on the new deadline
    assert remind_on(dt.date(2027, 3, 2)) == 0


def test_a_country_with_every_table_submitted_gets_no_reminder(team, reminding_round, tha_submitted):
    assert remind_on(dt.date(2027, 1, 17)) == 1
    assert recipients() == ["fp_mys@example.org"]


def test_the_reminder_lists_only_the_tables_still_missing(team, reminding_round, tha_submitted):
    reminding_round.tables.add(EXTRA_TABLE)
    remind_on(dt.date(2027, 1, 17))
    body = inbox("fp_tha@example.org")[0].body
    assert "Tables not yet submitted to the ILO (1):" in body
    assert EXTRA_TABLE in body and "MST_FORP_SEX_CBR_NB" not in body


def test_reminders_respect_opt_out_per_kind_and_skip_inactive_users(team, reminding_round):
    opt_out(team["fp_mys"], reminder_before=False)
    opt_out(team["fp_tha2"], reminder_overdue=False)
    team["fp_tha"].is_active = False
    team["fp_tha"].save()

    assert remind_on(dt.date(2027, 1, 17)) == 1
    assert recipients() == ["fp_tha2@example.org"]
    mail.outbox.clear()
    assert remind_on(dt.date(2027, 2, 1)) == 1
    assert recipients() == ["fp_mys@example.org"]


def test_rounds_not_open_send_no_reminders(team, reminding_round):
    Round.objects.filter(pk=reminding_round.pk).update(status=Round.Status.CLOSED)
    assert remind_on(dt.date(2027, 2, 1)) == 0
    assert mail.outbox == []


def test_a_failed_reminder_is_not_recorded_and_goes_out_on_the_next_run(team, reminding_round, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 2
    assert remind_on(dt.date(2027, 1, 17)) == 0
    assert not ReminderSent.objects.exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert remind_on(dt.date(2027, 1, 18)) == 3


# The daily schedule


def test_the_beat_schedule_runs_a_registered_task_every_morning(db):
    schedule = PeriodicTask.objects.get(name=SCHEDULE)
    assert schedule.enabled and schedule.crontab.hour == "6" and schedule.crontab.minute == "0"
    celery_app.loader.import_default_modules()  # what a worker does on start
    assert schedule.task in celery_app.tasks


def test_the_daily_task_opens_a_round_whose_day_has_come_and_mails_it(team, run_on_commit):
    round_ = factories.make_round(status=Round.Status.DRAFT)
    round_.opens_on = dt.date(2026, 12, 1)
    round_.save()
    with time_machine.travel(dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC), tick=False), run_on_commit():
        daily_round_duties.apply()
    round_.refresh_from_db()
    assert round_.status == Round.Status.DRAFT and mail.outbox == []

    with time_machine.travel(dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC), tick=False), run_on_commit():
        daily_round_duties.apply()
    round_.refresh_from_db()
    assert round_.status == Round.Status.OPEN
    assert recipients() == ["fp_mys@example.org", "fp_tha2@example.org", "fp_tha@example.org"]
    assert "Round ILMS test round is open" in mail.outbox[0].subject


# The e-mail settings page


@pytest.mark.parametrize("role", ["fp_tha", "fp_mys", "reviewer", "admin"])
def test_every_signed_in_user_has_an_email_settings_page_all_on_by_default(as_role, role):
    page = as_role(role).get("/account/notifications/").content.decode()
    assert "<h1>E-mail settings</h1>" in page
    assert page.count('type="checkbox"') == 5 and page.count(" checked>") == 5


def test_anonymous_is_sent_to_the_login_page_for_email_settings(client):
    response = client.get("/account/notifications/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/account/notifications/"


@pytest.mark.parametrize("role", ["fp_tha", "fp_mys", "reviewer", "admin"])
def test_saving_email_settings_keeps_the_choice_for_that_user_only(as_role, people, role):
    response = as_role(role).post(
        "/account/notifications/", {"round_opened": "on", "validation_finished": "on", "reminder_overdue": "on"}
    )
    assert response.status_code == 302 and response["Location"] == "/account/notifications/"
    assert messages_of(response) == ["Your e-mail settings are saved."]
    saved = NotificationPreference.objects.get()
    assert saved.user == people[role]
    assert (saved.round_opened, saved.validation_finished, saved.review_outcome) == (True, True, False)
    assert (saved.reminder_before, saved.reminder_overdue) == (False, True)
    page = as_role(role).get("/account/notifications/").content.decode()
    assert page.count(" checked>") == 3


def test_focal_point_page_names_their_countries_and_address(as_role, team):
    page = as_role("fp_tha").get("/account/notifications/").content.decode()
    assert "fp_tha@example.org" in page and "You report for" in page and "Thailand" in page


def test_a_user_without_address_is_told_so(as_role, people):
    page = as_role("reviewer").get("/account/notifications/").content.decode()
    assert "no e-mail address on your account" in page
