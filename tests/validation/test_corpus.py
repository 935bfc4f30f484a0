"""The bad-file corpus (tests/validation/corpus): every file ends as a clear issue at its row or a correct read,
never stuck, never an internal error; a representative part of it goes through a real worker, which stays alive."""

from __future__ import annotations

import math
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from bench.data import long_frame
from collection.models import StagedObservation, Submission, TableDefinition
from collection.validation import checks
from collection.validation.run import submission_validate
from tests import factories
from tests.staged_rows import staged_count, staged_tuples
from tests.validation.corpus.files import CASES, MB, ROW, Case, Files
from tests.validation.test_worker_integration import wait_for

SOFFICE = Path("/usr/bin/soffice")
ISSUE = ("rule", "severity", "row", "column", "message")


@pytest.fixture(scope="session")
def soffice(tmp_path_factory):
    """Files saved by LibreOffice, as a focal point's "Save as" does (None when it is not installed)."""
    if not SOFFICE.exists():
        return None
    profile = tmp_path_factory.mktemp("lo-profile")

    def convert(content: bytes, suffix: str, to: str, options: str = "") -> bytes:
        source, target = tmp_path_factory.mktemp("lo-in"), tmp_path_factory.mktemp("lo-out")
        (source / f"upload.{suffix}").write_bytes(content)
        command = [str(SOFFICE), f"-env:UserInstallation={profile.as_uri()}", "--headless"]
        if suffix == "csv":
            command.append("--infilter=CSV:44,34,76,1")
        command += ["--convert-to", f"{to}:Text - txt - csv (StarCalc):{options}" if options else to]
        subprocess.run([*command, "--outdir", str(target), str(source / f"upload.{suffix}")], check=True, timeout=180)
        return (target / f"upload.{to}").read_bytes()

    return convert


@pytest.fixture
def files(catalogue, soffice) -> Files:
    return Files(factories.sample_csv(), soffice)


def issues_of(submission: Submission) -> list[dict]:
    return list(submission.issues.order_by("id").values(*ISSUE))


def assert_ends_as(submission: Submission, case: Case, files: Files) -> None:
    """Settled as the case says, with the issue that says why at its row, and never an internal error."""
    found = issues_of(submission)
    assert submission.status == case.status, found[:5]
    assert submission.validated_at is not None
    assert not [i for i in found if i["rule"] == "file.internal_error"], found[:5]
    if case.rule:
        mine = [i for i in found if i["rule"] == case.rule]
        assert any(case.says in i["message"] and i["row"] == case.row for i in mine), mine[:3] or found[:5]
    if case.status == "valid":
        assert not [i for i in found if i["severity"] == "error"], found[:5]
        assert staged_count(submission) == len(files.rows) - 1
    else:
        assert not submission.staged_file and not StagedObservation.objects.filter(submission=submission).exists()
    assert all(len(i["message"]) < 1000 and "\x00" not in i["message"] for i in found)  # a sentence, not the file


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_file_of_the_corpus_ends_as_a_clear_issue_or_a_correct_read(case, files, focal_point, open_round):
    submission = factories.upload(focal_point, open_round, case.make(files), name=case.filename)
    submission_validate(submission_id=submission.pk)
    submission.refresh_from_db()
    assert_ends_as(submission, case, files)
    everything = " ".join(i["message"] for i in issues_of(submission))
    assert "lollol" not in everything and "root:" not in everything  # no entity was ever resolved


def staged_values(submission: Submission) -> dict[int, tuple[Decimal, str]]:
    return dict((row, (value, note)) for row, value, note in staged_tuples(submission, ["row", "obs_value", "note"]))


@pytest.mark.parametrize(
    "name",
    [
        "CSV in Latin-1",
        "CSV in Windows-1252",
        "CSV in UTF-16 LE with BOM",
        "CSV in UTF-16 BE with BOM",
        "CSV in UTF-16 (LibreOffice)",
        "CSV in Windows-1252 (LibreOffice)",
        "CSV in Latin-1 (LibreOffice)",
        "values with spaces around them",
    ],
)
def test_a_file_in_another_encoding_or_spaced_reads_as_the_plain_file(name, files, focal_point, open_round):
    case = next(c for c in CASES if c.name == name)
    plain = factories.validated(focal_point, open_round, files.sample, described=False)
    read = factories.validated(focal_point, open_round, case.make(files), described=False)
    expected = staged_values(plain)
    got = staged_values(read)
    note = got[ROW][1]
    if "Latin-1" in name:
        assert note == "Enquête révisée, série à Genève"
    elif "CSV" in name:
        assert note == "Série révisée – “définitions” de l’enquête, 5 €"
    assert {row: value for row, (value, _) in got.items()} == {row: value for row, (value, _) in expected.items()}


def test_minus_zero_reads_as_zero(files, focal_point, open_round):
    """−0 is the 0 it means: the same report as the file with 0 (its totals, not its sign, are what is wrong)."""
    row = next(i for i, r in enumerate(files.rows) if r[5].endswith("_X")) + 1  # a part of a total
    reports = [
        [
            (i["rule"], i["row"], i["message"])
            for i in issues_of(factories.validated(focal_point, open_round, files.with_cell(row, "obs_value", zero)))
        ]
        for zero in ("-0", "0", "-0.0")
    ]
    assert reports[0] == reports[1] == reports[2] and reports[0]
    assert not [r for r in reports[0] if r[0].startswith("obs_value")]
    [value] = checks.parse_values(pl.DataFrame({"obs_value": ["-0"]}), decimal_comma=False)["value"]
    assert math.copysign(1, value) == 1


def test_a_file_over_the_upload_limit_is_refused_with_the_limit(client, api, focal_point, open_round, settings):
    settings.MAX_UPLOAD_SIZE = MB
    content = factories.sample_csv() * (MB // len(factories.sample_csv()) + 1)
    api.force_authenticate(focal_point)
    response = api.post(
        "/api/v1/submissions/",
        {"round": open_round.pk, "country": "THA", "file": factories.named_file("big.csv", content)},
        format="multipart",
    )
    assert response.status_code == 400 and "larger than the 1 MB limit" in str(response.json())
    client.force_login(focal_point)
    page = client.post(
        "/submissions/new/",
        {"round": open_round.pk, "country": "THA", "file": factories.named_file("big.csv", content)},
    )
    assert page.status_code == 200 and "larger than the 1 MB limit" in page.content.decode()
    assert not Submission.objects.exists()


def test_a_million_rows_with_one_bad_row_at_the_end(focal_point, catalogue, tmp_path):
    frame, years = long_frame(country="THA", observations=1_000_000)
    frame = frame.head(1_000_000)
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == frame.height - 1)
        .then(pl.lit("12x"))
        .otherwise(pl.col("obs_value"))
        .alias("obs_value")
    )
    path = tmp_path / "million.csv"
    frame.write_csv(path)
    round_ = factories.make_round(years=tuple(years), tables=factories.ALL_TABLES)
    assert round_.tables.count() == TableDefinition.objects.count()
    submission = factories.upload(focal_point, round_, path.read_bytes(), name="million.csv")
    submission_validate(submission_id=submission.pk)
    submission.refresh_from_db()
    found = issues_of(submission)
    assert submission.status == "invalid" and submission.row_count == 1_000_000
    # The one bad row is found at its row, and it alone: every other row was read and checked clean (an invalid
    # file stages nothing; the focal point corrects the row and uploads again).
    assert [(i["rule"], i["row"]) for i in found if i["severity"] == "error"] == [("obs_value.not_number", 1_000_001)]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_representative_part_of_the_corpus_through_a_real_worker(worker, catalogue, api, soffice):
    focal_point = factories.make_user("fp_tha", "focal_point", ["THA"])
    round_ = factories.make_round()
    files = Files(factories.sample_csv(), soffice)
    api.force_authenticate(focal_point)
    sent = []
    for case in [c for c in CASES if c.worker]:
        response = api.post(
            "/api/v1/submissions/",
            {"round": round_.pk, "country": "THA", "file": factories.named_file(case.filename, case.make(files))},
            format="multipart",
        )
        assert response.status_code == 201, response.content
        sent.append((case, response.json()["id"]))
    good = api.post(
        "/api/v1/submissions/",
        {"round": round_.pk, "country": "THA", "file": factories.named_file("good.csv", files.sample)},
        format="multipart",
    ).json()["id"]
    started = time.monotonic()
    for case, pk in sent:
        wait_for(api, f"/api/v1/submissions/{pk}/", {"valid", "invalid"}, timeout=180)
        assert_ends_as(Submission.objects.get(pk=pk), case, files)
    assert wait_for(api, f"/api/v1/submissions/{good}/", {"valid", "invalid"})["status"] == "valid"
    assert worker.poll() is None, "the worker died"
    print(f"{len(sent) + 1} files through the worker in {time.monotonic() - started:.1f}s")
