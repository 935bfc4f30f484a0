"""Codes, headers and bytes longer than any column can hold end as an invalid submission with a report,
never stuck in `validating` (on PostgreSQL a value longer than its varchar made storing the report fail)."""

from __future__ import annotations

import os

import pytest

from collection.models import Submission
from tests import factories

HEADER = "ref_area,indicator,source,sex,classif1,classif2,time,obs_value,obs_status,note"
LONG_INDICATOR = "MST_" + "X" * 60


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("long-indicator.csv", f"{HEADER}\nTHA,{LONG_INDICATOR},BA,SEX_T,CBR_BRT_TOTAL,,2024,3683,,\n".encode()),
        (
            "long-header.csv",
            f"{HEADER},{'Y' * 70}\nTHA,MST_FORP_SEX_CBR_NB,BA,SEX_T,CBR_BRT_TOTAL,,2024,1,,,\n".encode(),
        ),
        ("random.csv", os.urandom(64 * 1024)),
    ],
)
def test_values_longer_than_their_columns_end_in_a_report(focal_point, open_round, name, content):
    submission = factories.upload(focal_point, open_round, content, name=name)
    factories.submission_validate(submission_id=submission.pk)
    submission.refresh_from_db()
    # Settled, with its report: a header nobody knows is set aside (a warning), the rest cannot be read.
    assert submission.validated_at is not None
    assert submission.status == (Submission.Status.VALID if "header" in name else Submission.Status.INVALID)
    issues = list(submission.issues.all())
    assert issues and all(i.message for i in issues)
    for issue in issues:  # what is stored fits its column, marked where it was cut
        assert issue.indicator is None or len(issue.indicator) <= 60
        assert issue.column is None or len(issue.column) <= 60


def test_a_file_name_with_a_nul_byte_is_kept_under_a_clean_name(focal_point, open_round):
    submission = factories.upload(focal_point, open_round, factories.sample_csv(), name="tha\x00\x07 2024.csv")
    assert submission.original_filename == "tha 2024.csv"
