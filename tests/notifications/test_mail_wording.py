"""How the e-mails read: they greet people by name and list the commonest problems first, tables by title."""

from __future__ import annotations

import re

from django.core import mail

from collection.lib.labels import code_label
from collection.validation.run import submission_validate
from collection.validation.summary import issue_summary
from tests import factories
from tests.notifications.test_notifications import inbox
from tests.review.test_review_workspace import FORP, TPOP, csv_of, rows_for


def named_focal_points():
    somchai = factories.make_user("fp_tha", "focal_point", ["THA"])
    somchai.email, somchai.first_name = "somchai@example.org", "Somchai"
    somchai.save()
    unnamed = factories.make_user("fp_tha2", "focal_point", ["THA"])
    unnamed.email = "fp_tha2@example.org"
    unnamed.save()
    return somchai, unnamed


def checked(user, round_, content: bytes, capture):
    submission = factories.upload(user, round_, content)
    with capture(execute=True):
        submission_validate(submission_id=submission.pk)
    submission.refresh_from_db()
    return submission


def test_mails_greet_people_by_name_else_by_username(catalogue, open_round, django_capture_on_commit_callbacks):
    somchai, _ = named_focal_points()
    checked(somchai, open_round, factories.sample_csv(), django_capture_on_commit_callbacks)
    assert inbox("somchai@example.org")[0].body.startswith("Dear Somchai,\n")
    assert inbox("fp_tha2@example.org")[0].body.startswith("Dear fp_tha2,\n")


def test_the_most_frequent_problems_come_first_with_each_tables_title(
    catalogue, open_round, django_capture_on_commit_callbacks
):
    somchai, _ = named_focal_points()
    rows = rows_for((2024, 2025))
    next(r for r in rows if r["indicator"] == FORP)["sex"] = "SEX_Z"  # one unknown code in one table
    for r in [r for r in rows if r["indicator"] == TPOP][:3]:
        r["time"] = "2019"  # three years outside the round in the other
    submission = checked(somchai, open_round, csv_of(rows), django_capture_on_commit_callbacks)
    assert [p["n"] for p in issue_summary(submission)][0] == 1  # the report's order is by table, not by count

    body = inbox("somchai@example.org")[0].body
    listed = re.findall(r"^  - (\d+) × (\w+) ([\w.]+) in (.+)$", body, re.M)
    assert [int(n) for n, *_ in listed] == sorted((int(n) for n, *_ in listed), reverse=True)
    assert listed[0] == ("3", "error", "time.out_of_round", f"{code_label(TPOP)} ({TPOP})")
    assert mail.outbox and "Most frequent:" in body
