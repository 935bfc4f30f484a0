"""The long layout as Excel and other tools write it: encodings, delimiters, line ends, headers, XLSX."""

from __future__ import annotations

import io

import openpyxl
import pytest

from collection.lib.files import UnreadableFile
from collection.validation.readers.long import read_csv, read_xlsx
from collection.validation.readers.upload import read_upload

HEADER = "ref_area,indicator,source,sex,classif1,classif2,time,obs_value,obs_status,note"
ROW = "THA,MST_FORP_SEX_CBR_NB,BA,SEX_T,CBR_BRT_MMR,,2024,412.6,,"


def write(tmp_path, content: bytes, name: str = "f.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf"], ids=["utf8", "utf8-bom"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_csv_reads_with_or_without_bom_and_either_line_end(tmp_path, prefix, newline):
    content = prefix + (HEADER + newline + ROW + newline).encode()
    table = read_csv(write(tmp_path, content))
    assert table.missing_columns == []
    assert table.frame["ref_area"].to_list() == ["THA"]
    assert table.frame["obs_value"].to_list() == ["412.6"]
    assert table.frame["note"].to_list() == [None]
    assert table.frame["_row"].to_list() == [2]


def test_semicolon_csv_is_read_and_marks_decimal_comma(tmp_path):
    content = (HEADER.replace(",", ";") + "\n" + ROW.replace(",", ";").replace("412.6", "412,6") + "\n").encode()
    table = read_csv(write(tmp_path, content))
    assert table.decimal_comma is True
    assert table.frame["classif1"].to_list() == ["CBR_BRT_MMR"]
    assert table.frame["obs_value"].to_list() == ["412,6"]


def test_headers_are_case_insensitive_and_ilostat_extra_columns_accepted(tmp_path):
    header = (
        "REF_AREA,Indicator,source,sex,classif1,classif2,time,obs_value,obs_status,note_classif,"
        "note_indicator,note_source,ref_area.label,sex.label"
    )
    row = "THA,MST_FORP_SEX_CBR_NB,BA,SEX_T,CBR_BRT_MMR,,2024,1,,c,i,s,Thailand,Total"
    table = read_csv(write(tmp_path, f"{header}\n{row}\n".encode()))
    assert table.missing_columns == []
    assert table.unknown_columns == []
    assert table.frame["note_source"].to_list() == ["s"]
    assert "ref_area.label" not in table.frame.columns


def test_unknown_and_missing_columns_are_reported(tmp_path):
    table = read_csv(
        write(tmp_path, b"ref_area,indicator,sex,classif1,time,obs_value,colour\nTHA,X,SEX_T,A,2024,1,red\n")
    )
    assert table.missing_columns == ["source"]
    assert table.unknown_columns == ["colour"]


def test_blank_lines_keep_row_numbers_of_the_file(tmp_path):
    content = f"{HEADER}\n{ROW}\n\n,,,,,,,,,\n{ROW.replace('412.6', '7')}\n".encode()
    table = read_csv(write(tmp_path, content))
    assert table.frame["_row"].to_list() == [2, 5]
    assert table.frame["obs_value"].to_list() == ["412.6", "7"]


def test_values_are_trimmed_and_empty_cells_are_null(tmp_path):
    content = f"{HEADER}\n THA , MST_FORP_SEX_CBR_NB ,BA,SEX_T,CBR_BRT_MMR, ,2024, 3 ,,\n".encode()
    frame = read_csv(write(tmp_path, content)).frame
    assert frame.row(0, named=True) | {"_row": 2} == {
        "_row": 2,
        "ref_area": "THA",
        "indicator": "MST_FORP_SEX_CBR_NB",
        "source": "BA",
        "sex": "SEX_T",
        "classif1": "CBR_BRT_MMR",
        "classif2": None,
        "time": "2024",
        "obs_value": "3",
        "obs_status": None,
        "note": None,
        "note_classif": None,
        "note_indicator": None,
        "note_source": None,
        "_sheet": None,
        "_cell": None,
    }


def test_windows_1252_file_is_read_with_a_note(tmp_path):
    content = f"{HEADER}\n{ROW}Enquête\n".encode("cp1252")
    table = read_csv(write(tmp_path, content))
    assert table.frame["note"].to_list() == ["Enquête"]
    assert "Windows-1252" in table.notes[0]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The file is empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97-2003"),
        (b"\x00\x01\x02binary", "binary data"),
        (b"just some text without columns\n", "not a header"),
        (HEADER.encode() + b"\r\n", "no data rows"),
        (HEADER.encode() + b"\n,,,,,,,,,\n", "no data rows"),
    ],
)
def test_unreadable_csv_raises_a_clear_message(tmp_path, content, message):
    with pytest.raises(UnreadableFile, match=message):
        read_csv(write(tmp_path, content))


def test_duplicate_header_column_is_unreadable(tmp_path):
    with pytest.raises(UnreadableFile, match="time more than once"):
        read_csv(write(tmp_path, f"{HEADER},time\n{ROW},2024\n".encode()))


def xlsx_bytes(rows: list[list], extra_sheet: bool = False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if extra_sheet:
        workbook.create_sheet("Other").append(["ignored"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_first_sheet_is_read_with_numbers_as_typed(tmp_path):
    content = xlsx_bytes(
        [
            HEADER.upper().split(","),
            ["THA", "MST_FORP_SEX_CBR_NB", "BA", "SEX_T", "CBR_BRT_MMR", None, 2024, 412.6, None, None],
            [None] * 10,
            ["THA", "MST_FORP_SEX_CBR_NB", "BA", "SEX_M", "CBR_BRT_MMR", None, 2024.0, 200, None, "n"],
        ],
        extra_sheet=True,
    )
    table = read_upload(write(tmp_path, content, "f.xlsx"))
    assert table.frame["time"].to_list() == ["2024", "2024"]
    assert table.frame["obs_value"].to_list() == ["412.6", "200"]
    assert table.frame["_row"].to_list() == [2, 4]
    assert table.frame["note"].to_list() == [None, "n"]


def test_damaged_xlsx_is_unreadable(tmp_path):
    with pytest.raises(UnreadableFile, match="could not be opened as an Excel workbook"):
        read_xlsx(write(tmp_path, b"PK\x03\x04 this is not really a zip", "f.xlsx"))


def test_xlsx_with_empty_first_sheet_is_unreadable(tmp_path):
    with pytest.raises(UnreadableFile, match="first sheet is empty"):
        read_xlsx(write(tmp_path, xlsx_bytes([]), "f.xlsx"))


def test_a_workbook_that_unpacks_to_gigabytes_is_refused_before_reading(tmp_path):
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            chunk = b"\0" * (1 << 24)
            for _ in range(100):  # 1.6 GB of zeros, a few MB packed
                fh.write(chunk)
    with pytest.raises(UnreadableFile, match="unpacks to 1,600 MB") as found:
        read_upload(path)
    assert found.value.rule == "file.too_large"
