"""The focal point's own file with the problems marked, for the workbook and for the long layout."""

from __future__ import annotations

import pytest
from openpyxl.utils import get_column_letter

from collection.workbook.annotate import FILLS
from tests import factories
from tests.workbook.test_workbook import FORP, TABLES, filled_workbook
from tests.workbooks import cell_of, open_book, save

RED = FILLS["error"].fgColor.rgb


@pytest.fixture
def round_(catalogue):
    return factories.make_round(tables=TABLES)


def test_workbook_comes_back_with_the_error_cell_red_and_a_list_of_issues(client, round_, focal_point):
    book = open_book(filled_workbook(round_))
    total = cell_of(book, FORP, "CBR_BRT_TOTAL", "2025||SEX_F")
    total.value += 50
    submission = factories.validated(focal_point, round_, save(book))
    client.force_login(focal_point)
    response = client.get(f"/submissions/{submission.pk}/annotated/")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'-checked-#{submission.pk}.xlsx"')
    marked = open_book(response)
    assert marked.sheetnames[0] == "Issues" and marked.active.title == "Issues"
    cell = marked[FORP][total.coordinate]
    assert cell.fill.fgColor.rgb == RED
    assert "additivity" in cell.comment.text and "CBR_BRT_TOTAL" in cell.comment.text
    listing = [[c.value for c in row] for row in marked["Issues"].iter_rows(min_row=3)]
    where = f"{FORP}!{total.coordinate}"
    line = next(row for row in listing if row[2] == where)
    assert line[0] == "Error" and line[1] == "additivity"
    link = next(r for r in marked["Issues"].iter_rows(min_row=3) if r[2].value == where)[2].hyperlink
    assert link.location == f"'{FORP}'!{total.coordinate}"
    untouched = marked[FORP][cell_of(book, FORP, "CBR_BRT_X", "2024||SEX_T").coordinate]
    assert untouched.fill.fgColor.rgb != RED and untouched.comment is None


def test_a_csv_comes_back_as_xlsx_with_the_row_and_column_marked(client, focal_point, open_round):
    content = factories.sample_csv()
    lines = content.decode().splitlines()
    lines[5] = lines[5].replace(",2024,", ",2019,")
    submission = factories.validated(focal_point, open_round, ("\n".join(lines) + "\n").encode())
    client.force_login(focal_point)
    marked = open_book(client.get(f"/submissions/{submission.pk}/annotated/"))
    data = marked["Data"]
    time_column = get_column_letter(lines[0].split(",").index("time") + 1)
    cell = data[f"{time_column}6"]
    assert cell.value == "2019" and cell.fill.fgColor.rgb == RED
    assert "outside the round's reference years" in cell.comment.text
    assert [c.value for c in data[1]][:3] == ["ref_area", "indicator", "source"]


def test_annotated_copy_waits_for_the_check_and_is_per_country(client, api, focal_point, other_focal_point, open_round):
    pending = factories.upload(focal_point, open_round, factories.sample_csv())
    client.force_login(focal_point)
    assert client.get(f"/submissions/{pending.pk}/annotated/").status_code == 404
    api.force_authenticate(focal_point)
    assert api.get(f"/api/v1/submissions/{pending.pk}/annotated/").status_code == 409
    done = factories.validated(focal_point, open_round)
    assert api.get(f"/api/v1/submissions/{done.pk}/annotated/").status_code == 200
    api.force_authenticate(other_focal_point)
    assert api.get(f"/api/v1/submissions/{done.pk}/annotated/").status_code == 404
    client.force_login(other_focal_point)
    assert client.get(f"/submissions/{done.pk}/annotated/").status_code == 404


def test_text_starting_with_equals_stays_text_in_the_annotated_copy(client, focal_point, open_round):
    lines = factories.sample_csv().decode().splitlines()
    lines[2] = lines[2].rsplit(",", 1)[0] + ',"=HYPERLINK(""http://example.org"")"'
    lines[3] = lines[3].replace(",SEX_F,", ",SEX_Z,")
    submission = factories.validated(focal_point, open_round, ("\n".join(lines) + "\n").encode())
    client.force_login(focal_point)
    marked = open_book(client.get(f"/submissions/{submission.pk}/annotated/"))
    note = marked["Data"].cell(3, lines[0].split(",").index("note") + 1)
    assert note.value == '=HYPERLINK("http://example.org")' and note.data_type == "s"
