"""The one home of downloads: content types, `Content-Disposition`, the streamed CSV and the formula guard."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from collection.lib import downloads


def test_a_file_made_in_memory_is_an_attachment_with_its_type():
    response = downloads.xlsx_response(b"PK...", "ILMS_THA_2026.xlsx")
    assert response["Content-Type"] == downloads.XLSX
    assert response["Content-Disposition"] == 'attachment; filename="ILMS_THA_2026.xlsx"'
    assert response.content == b"PK..."


def test_a_name_that_is_not_ascii_is_encoded_rather_than_sent_raw():
    response = downloads.file_response("a", content_type=downloads.CSV, filename="ข้อมูล.csv")
    assert (
        response["Content-Disposition"]
        == "attachment; filename*=utf-8''%E0%B8%82%E0%B9%89%E0%B8%AD%E0%B8%A1%E0%B8%B9%E0%B8%A5.csv"
    )


def test_a_quote_in_a_name_cannot_end_the_header_value():
    response = downloads.file_response("a", content_type=downloads.CSV, filename='my "final" data.csv')
    assert response["Content-Disposition"] == 'attachment; filename="my \\"final\\" data.csv"'


def test_the_streamed_csv_starts_with_a_bom_and_guards_formulas():
    rows = [["summary", "n"], ['=HYPERLINK("http://x")', 3], ["+1+cmd", -2], ["-x", None], ["@SUM(A1)", "ok"]]
    response = downloads.csv_streamed(iter(rows), "log.csv")
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="log.csv"'
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text == '\ufeffsummary,n\r\n"\'=HYPERLINK(""http://x"")",3\r\n\'+1+cmd,-2\r\n\'-x,\r\n\'@SUM(A1),ok\r\n'


def test_the_streamed_csv_can_keep_cells_as_they_are():
    response = downloads.csv_streamed(
        iter([["ref_area", "obs_value"], ["THA", "-1.5"]]), "o.csv", guard=False, bom=False
    )
    assert b"".join(response.streaming_content) == b"ref_area,obs_value\r\nTHA,-1.5\r\n"


def test_formula_safe_touches_only_text_that_starts_a_formula():
    # A number written as text is read as the number (issue 13: numbers stay numbers); -3+cmd is a formula.
    assert [downloads.formula_safe(v) for v in ["=1+1", "a=b", 5, None, "-3", "-3+cmd"]] == [
        "'=1+1",
        "a=b",
        5,
        None,
        "-3",
        "'-3+cmd",
    ]


def test_an_xlsx_text_cell_never_becomes_a_formula():
    book = Workbook()
    downloads.text_cell(book.active, 1, 1, "=cmd|' /C calc'!A0")
    downloads.text_cell(book.active, 1, 2, 4.5)
    buffer = io.BytesIO()
    book.save(buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert sheet["A1"].data_type == "s" and sheet["A1"].value == "=cmd|' /C calc'!A0"
    assert sheet["B1"].value == 4.5


def test_a_streamed_workbook_holds_every_value_as_text():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Log")
    sheet.append([downloads.text_only_cell(sheet, v) for v in ["=1+1", 7, None, "bell\x07"]])
    buffer = io.BytesIO()
    book.save(buffer)
    row = next(load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows(values_only=True))
    assert row == ("=1+1", "7", None, "bell\ufffd")
