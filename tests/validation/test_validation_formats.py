"""The same numbers give the same observations whatever the file looks like (CSV dialects, XLSX)."""

from __future__ import annotations

import csv
import io
import os

import openpyxl
import pytest

from tests import factories
from tests.staged_rows import staged_tuples

STAGED = ("indicator", "ref_area", "source", "sex", "classif1", "classif2", "time", "obs_value", "obs_status")


def staged(submission) -> list[tuple]:
    assert submission.status == "valid", list(submission.issues.values_list("message", flat=True)[:5])
    return sorted(staged_tuples(submission, STAGED))


def as_xlsx(content: bytes) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for i, row in enumerate(csv.reader(io.StringIO(content.decode()))):
        # Numbers typed as numbers, as Excel keeps them.
        sheet.append([float(v) if i and j == 7 else (int(v) if i and j == 6 else v) for j, v in enumerate(row)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def semicolon_excel(content: bytes) -> bytes:
    """What Excel writes in a decimal-comma locale: BOM, semicolons, CRLF, decimal commas, upper-case header."""
    rows = list(csv.reader(io.StringIO(content.decode())))
    rows[0] = [h.upper() for h in rows[0]]
    for row in rows[1:]:
        row[7] = row[7].replace(".", ",")
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode()


@pytest.mark.parametrize("transform", [as_xlsx, semicolon_excel], ids=["xlsx", "semicolon-excel"])
def test_every_format_gives_the_observations_of_the_plain_csv(focal_point, open_round, transform):
    content = factories.sample_csv()
    plain = factories.validated(focal_point, open_round, content)
    other = factories.validated(focal_point, open_round, transform(content))
    assert staged(other) == staged(plain)
    assert other.observation_count == plain.observation_count


def test_a_file_that_disappeared_ends_invalid_with_a_message(focal_point, open_round):
    from collection.validation.run import submission_validate

    submission = factories.upload(focal_point, open_round, factories.sample_csv())
    os.remove(submission.file.path)
    submission_validate(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == "invalid"
    [problem] = submission.issues.all()
    assert problem.rule == "file.internal_error" and "could not finish checking" in problem.message


def test_validating_twice_keeps_one_report(focal_point, open_round):
    from collection.validation.run import submission_validate

    submission = factories.validated(focal_point, open_round, factories.sample_csv().replace(b",SEX_F,", b",SEX_Z,", 1))
    submission_validate(submission_id=submission.pk)  # a repeated message
    assert submission.issues.count() == 1
