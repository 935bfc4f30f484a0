"""What spreadsheet users really save: files written by LibreOffice (.ods, and the kinds the portal refuses)
give the observations, the labels, the issues and the annotated copy the .xlsx gives, and nothing answers 500."""

from __future__ import annotations

import io
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl.utils import get_column_letter

from collection.lib.downloads import XLSX
from collection.lib.files import IDENTITY_SHEET
from collection.models import Submission
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve
from collection.validation.run import submission_validate
from collection.workbook.annotate import FILLS, annotated_copy_build
from tests import factories
from tests.staged_rows import staged_tuples
from tests.validation.test_validation_formats import as_xlsx
from tests.workbook.test_workbook import FORP, TABLES, TPOP, build, filled_workbook, rows
from tests.workbooks import body, cell_of, fill, open_book, save, value_cells, with_cached_formula, with_macros

SOFFICE = Path("/usr/bin/soffice")
RED = FILLS["error"].fgColor.rgb
STAGED = ("indicator", "ref_area", "source", "sex", "classif1", "classif2", "time", "obs_value", "obs_status")
ISSUE = ("rule", "severity", "indicator", "sheet", "cell", "row", "column", "message")


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory):
    """Convert a file with Debian's LibreOffice, as a focal point's "Save as" does, on a private profile."""
    if not SOFFICE.exists():
        pytest.skip("LibreOffice (/usr/bin/soffice) is not installed; make test installs libreoffice-calc-nogui")
    profile = tmp_path_factory.mktemp("lo-profile")

    def convert(content: bytes, suffix: str, to: str) -> bytes:
        work = tmp_path_factory.mktemp("lo")
        (work / f"upload.{suffix}").write_bytes(content)
        command = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", to]
        subprocess.run([*command, "--outdir", str(work), str(work / f"upload.{suffix}")], check=True, timeout=180)
        return (work / f"upload.{to}").read_bytes()

    return convert


@pytest.fixture
def round_(catalogue):
    return factories.make_round(tables=TABLES, years=(2024, 2025))


def checked(user, round_, content: bytes, name: str, *, annotated: bool = True) -> Submission:
    submission = factories.upload(user, round_, content, name=name)
    submission_validate(submission_id=submission.pk)
    if annotated:
        annotated_copy_build(submission_id=submission.pk)  # the worker's next task
    submission.refresh_from_db()
    return submission


def staged(submission: Submission) -> list[tuple]:
    assert submission.status == "valid", list(submission.issues.values_list("rule", "sheet", "cell", "message")[:5])
    return sorted(staged_tuples(submission, STAGED))


def issues(submission: Submission) -> list[tuple]:
    return sorted(submission.issues.values_list(*ISSUE))


def test_the_prefilled_workbook_filled_and_saved_as_ods_gives_the_observations_of_the_xlsx(
    round_, focal_point, reviewer, libreoffice
):
    published = factories.validated(focal_point, round_, factories.sample_csv(indicators=TABLES, years=(2024,)))
    factories.submit(focal_point, published)
    submission_approve(user=reviewer, submission=published)
    observations_publish(submission_id=published.pk)
    book = open_book(build(round_))  # 2024 pre-filled from the master table, 2025 typed in
    fill(book, rows(years=(2025,)))
    xlsx = save(book)
    ods = libreoffice(xlsx, "xlsx", "ods")
    with zipfile.ZipFile(io.BytesIO(ods)) as archive:
        assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"

    from_xlsx = checked(focal_point, round_, xlsx, "thailand.xlsx")
    from_ods = checked(focal_point, round_, ods, "thailand.ods")
    from_csv = checked(focal_point, round_, factories.sample_csv(indicators=TABLES), "thailand.csv")
    kept_as_xlsx = checked(focal_point, round_, libreoffice(ods, "ods", "xlsx"), "thailand.xlsx")  # LibreOffice's xlsx
    assert staged(from_ods) == staged(from_xlsx) == staged(from_csv) == staged(kept_as_xlsx)
    assert {r[6] for r in staged(from_ods)} == {"2024", "2025"}
    assert (from_ods.file_format, from_ods.get_file_format_display()) == ("workbook_ods", "Standard workbook (ODS)")
    assert from_xlsx.get_file_format_display() == "Standard workbook (XLSX)"
    described = ("indicator", "source_type_id", "name", "reference_period", "coverage", "migrant_definition")
    assert list(from_ods.sources.order_by("indicator").values_list(*described)) == list(
        from_xlsx.sources.order_by("indicator").values_list(*described)
    )


def with_a_typo(round_) -> tuple:
    """The filled workbook with one real error: a letter O typed for a zero, in a cell of its own."""
    book = open_book(filled_workbook(round_))
    codes, columns = value_cells(book[FORP])
    # a partner country the sample leaves blank, so that no other check adds this cell up
    blank = next(c for c, r in codes.items() if all(book[FORP].cell(r, k).value is None for k in columns.values()))
    typo = cell_of(book, FORP, blank, "2025||SEX_F")
    typo.value = "12O.5"
    return book, typo


def test_an_ods_with_one_error_shows_it_on_its_own_cell_in_the_report_and_an_annotated_xlsx(
    client, api, round_, focal_point, libreoffice
):
    book, typo = with_a_typo(round_)
    xlsx = save(book)
    from_xlsx = checked(focal_point, round_, xlsx, "thailand.xlsx")
    from_ods = checked(focal_point, round_, libreoffice(xlsx, "xlsx", "ods"), "thailand.ods")
    assert from_ods.status == "invalid"
    assert issues(from_ods) == issues(from_xlsx)
    assert list(from_ods.issues.values_list("severity", "sheet", "cell")) == [("error", FORP, typo.coordinate)]

    client.force_login(focal_point)
    page = client.get(f"/submissions/{from_ods.pk}/").content.decode()
    assert "thailand.ods (Standard workbook (ODS)" in page and f"{FORP}!{typo.coordinate}" in page
    assert f'href="/submissions/{from_ods.pk}/annotated/"' in page

    api.force_authenticate(focal_point)
    response = api.get(f"/api/v1/submissions/{from_ods.pk}/annotated/")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == f'attachment; filename="thailand-checked-#{from_ods.pk}.xlsx"'
    content = body(response)
    marked = open_book(content)
    assert marked.sheetnames == ["Issues", "Cover", "Sources", TPOP, FORP, IDENTITY_SHEET]
    assert marked[IDENTITY_SHEET].sheet_state == "hidden"
    cell = marked[FORP][typo.coordinate]
    assert cell.value == "12O.5" and cell.fill.fgColor.rgb == RED and "not a number" in cell.comment.text
    others = [c.coordinate for sheet in marked.worksheets[1:] for row in sheet.iter_rows() for c in row if c.comment]
    assert others == [typo.coordinate]
    for sheet in book.worksheets:  # the same values on the same cells
        assert [[c.value for c in r] for r in sheet.iter_rows()] == [
            [c.value for c in r] for r in marked[sheet.title].iter_rows(max_row=sheet.max_row, max_col=sheet.max_column)
        ]
    where = [r[2].value for r in marked["Issues"].iter_rows(min_row=3)]
    assert f"{FORP}!{typo.coordinate}" in where
    assert marks(client.get(f"/submissions/{from_ods.pk}/annotated/")) == marks(content)


def marks(content: bytes) -> list[tuple]:
    """What an annotated copy says: each commented cell with its fill and comment, then the list of issues."""
    book = open_book(content)
    cells = [
        (s.title, c.coordinate, c.fill.fgColor.rgb, c.comment.text)
        for s in book.worksheets
        for row in s.iter_rows()
        for c in row
        if c.comment
    ]
    return cells + [tuple(c.value for c in row) for row in book["Issues"].iter_rows(min_row=2)]


def long_layout_with_a_wrong_year() -> tuple[bytes, int]:
    lines = factories.sample_csv().decode().splitlines()
    lines[5] = lines[5].replace(",2024,", ",2019,")
    return as_xlsx(("\n".join(lines) + "\n").encode()), lines[0].split(",").index("time") + 1


def test_a_long_layout_ods_reads_as_its_xlsx_and_comes_back_as_xlsx_marked_on_the_row(
    client, focal_point, open_round, libreoffice
):
    plain = factories.sample_csv()
    good = checked(focal_point, open_round, libreoffice(as_xlsx(plain), "xlsx", "ods"), "data.ods")
    assert (good.file_format, good.get_file_format_display()) == ("ods", "ODS (long layout)")
    assert staged(good) == staged(checked(focal_point, open_round, plain, "data.csv"))

    xlsx, time_column = long_layout_with_a_wrong_year()
    from_xlsx = checked(focal_point, open_round, xlsx, "data.xlsx")
    from_ods = checked(focal_point, open_round, libreoffice(xlsx, "xlsx", "ods"), "data.ods")
    assert issues(from_ods) == issues(from_xlsx) and from_ods.issues.get().row == 6
    client.force_login(focal_point)
    response = client.get(f"/submissions/{from_ods.pk}/annotated/")
    assert response["Content-Type"] == XLSX and response["Content-Disposition"].endswith('.xlsx"')
    content = body(response)
    marked = open_book(content)
    cell = marked.worksheets[1][f"{get_column_letter(time_column)}6"]
    assert cell.value == 2019 and cell.fill.fgColor.rgb == RED
    assert "outside the round's reference years" in cell.comment.text
    assert marked.worksheets[1]["A1"].value == "ref_area"
    Submission.objects.filter(pk=from_ods.pk).update(file_format="xlsx")  # a row from before ODS was known
    assert marks(client.get(f"/submissions/{from_ods.pk}/annotated/")) == marks(content)


def test_a_float_artefact_reads_as_the_number_a_person_sees(round_, focal_point, libreoffice):
    """Excel caches 1.1 + 1.3 as 2.4000000000000004, LibreOffice writes 2.4: both are the value 2.4."""
    book = open_book(filled_workbook(round_))
    cell = cell_of(book, FORP, "CBR_BRT_TOTAL", "2025||SEX_M")
    typed = cell.value
    parts = ((round(typed - d / 10, 1), d / 10) for d in range(1, 200))
    a, b = next((a, b) for a, b in parts if repr(a + b) != repr(typed))  # as 1.1 + 1.3 is 2.4000000000000004
    content = with_cached_formula(save(book), 4, cell.coordinate, f"{a}+{b}", a + b)
    from_xlsx = checked(focal_point, round_, content, "formula.xlsx")
    from_ods = checked(focal_point, round_, libreoffice(content, "xlsx", "ods"), "formula.ods")
    assert (
        staged(from_xlsx) == staged(from_ods) == staged(checked(focal_point, round_, filled_workbook(round_), "a.xlsx"))
    )


@pytest.mark.parametrize(
    "kind, label, message",
    [
        ("fods", "Unsupported file", "flat OpenDocument spreadsheet (.fods)"),
        ("xls", "Unsupported file", "old Excel 97-2003 (.xls)"),
        ("xlsm", "Standard workbook (XLSX)", "contains macros"),
        ("ods-with-macros", "Standard workbook (ODS)", "contains macros"),
        ("random", "Unsupported file", "binary data"),
        ("empty", "CSV (long layout)", "The file is empty"),
        ("docx", "Unsupported file", "ZIP archive but not a spreadsheet"),
        ("damaged", "XLSX (long layout)", "could not be opened as an Excel workbook"),
    ],
)
def test_a_file_the_portal_cannot_read_ends_as_one_clear_error_and_no_500(
    client, api, round_, focal_point, libreoffice, kind, label, message
):
    workbook = filled_workbook(round_)
    content = {
        "fods": lambda: libreoffice(workbook, "xlsx", "fods"),
        "xls": lambda: libreoffice(workbook, "xlsx", "xls"),
        "xlsm": lambda: with_macros(workbook),
        "ods-with-macros": lambda: with_member(libreoffice(workbook, "xlsx", "ods"), "Basic/Standard/Module1.xml"),
        "random": lambda: bytes(range(256)) * 40,
        "empty": lambda: b"",
        "docx": lambda: with_member(b"", "word/document.xml"),
        "damaged": lambda: libreoffice(workbook, "xlsx", "ods")[:3000],
    }[kind]()
    submission = factories.upload(focal_point, round_, content, name="thailand.xlsx")
    client.force_login(focal_point)
    assert label in client.get(f"/submissions/{submission.pk}/").content.decode()  # while it waits
    submission_validate(submission_id=submission.pk)
    annotated_copy_build(submission_id=submission.pk)
    submission.refresh_from_db()
    [problem] = submission.issues.all()
    assert submission.status == "invalid" and problem.severity == "error" and message in problem.message
    assert submission.get_file_format_display() == label
    page = client.get(f"/submissions/{submission.pk}/")
    assert page.status_code == 200 and message in page.content.decode()
    assert f"/submissions/{submission.pk}/annotated/" not in page.content.decode()  # no link to a copy that is not
    api.force_authenticate(focal_point)
    refused = api.get(f"/api/v1/submissions/{submission.pk}/annotated/")
    assert refused.status_code == 409 and "no copy with the problems marked" in refused.json()["detail"]
    back = client.get(f"/submissions/{submission.pk}/annotated/", follow=True)
    assert back.redirect_chain[0][1] == 302 and "no copy with the problems marked" in back.content.decode()


def with_member(content: bytes, name: str) -> bytes:
    out = io.BytesIO(content)
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr(name, "<x/>")
    return out.getvalue()


def test_an_annotated_copy_that_cannot_be_rebuilt_is_a_clear_409(api, focal_point, open_round):
    submission = checked(focal_point, open_round, factories.sample_csv(), "data.csv", annotated=False)
    Path(submission.file.path).unlink()
    annotated_copy_build(submission_id=submission.pk)  # the worker finds the file gone
    api.force_authenticate(focal_point)
    response = api.get(f"/api/v1/submissions/{submission.pk}/annotated/")
    assert response.status_code == 409 and "could not rebuild your file" in response.json()["detail"]


def test_a_csv_named_xlsx_is_read_as_the_csv_it_is(client, focal_point, open_round):
    submission = checked(focal_point, open_round, factories.sample_csv(), "thailand.xlsx")
    assert submission.file_format == "csv" and submission.status == "valid"
    client.force_login(focal_point)
    response = client.get(f"/submissions/{submission.pk}/annotated/")
    assert response.status_code == 200 and open_book(response)["Data"]["A1"].value == "ref_area"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_ods_workbook_through_the_api_and_a_real_worker(worker, catalogue, api, libreoffice):
    focal_point = factories.make_user("fp_tha", "focal_point", ["THA"])
    round_ = factories.make_round(tables=TABLES, years=(2024, 2025))
    book, typo = with_a_typo(round_)
    ods = libreoffice(save(book), "xlsx", "ods")
    api.force_authenticate(focal_point)
    created = api.post(
        "/api/v1/submissions/",
        {"round": round_.pk, "country": "THA", "file": factories.named_file("thailand.ods", ods)},
        format="multipart",
    ).json()
    assert created["file_format"] == "workbook_ods"  # known at upload, before the worker has read it
    url = f"/api/v1/submissions/{created['id']}/"
    deadline = time.monotonic() + 90
    while api.get(url).json()["status"] not in {"valid", "invalid"} and time.monotonic() < deadline:
        time.sleep(0.3)
    body = api.get(url).json()
    assert (body["status"], body["file_format"]) == ("invalid", "workbook_ods")
    found = api.get(url + "issues/").json()["results"]
    assert {(i["sheet"], i["cell"]) for i in found if i["severity"] == "error"} == {(FORP, typo.coordinate)}
    while api.get(url + "annotated/").status_code == 409 and time.monotonic() < deadline:
        time.sleep(0.3)  # the worker's next task makes the copy
    marked = open_book(api.get(url + "annotated/"))
    assert marked[FORP][typo.coordinate].fill.fgColor.rgb == RED
