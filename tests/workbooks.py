"""Helpers for tests that fill the standard workbook the way people do, with openpyxl."""

from __future__ import annotations

import io
import re
import zipfile

from django.http.response import HttpResponseBase
from openpyxl import load_workbook
from openpyxl.workbook import Workbook

from collection.catalogue.layout import CODES_ROW, ValueColumn


def body(response: HttpResponseBase) -> bytes:
    """A download's bytes, read to its end when it is streamed from a file (once: a stream is read once)."""
    return b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]


def open_book(content: bytes | HttpResponseBase) -> Workbook:
    """A workbook from its bytes, or from a download."""
    return load_workbook(io.BytesIO(body(content) if isinstance(content, HttpResponseBase) else content))


def save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def value_cells(sheet) -> tuple[dict[str, int], dict[str, int]]:
    """Row number of each code in column A and column number of each 'time|classif2|sex' key."""
    rows = {str(r[0].value): r[0].row for r in sheet.iter_rows(min_row=CODES_ROW + 1, max_col=1) if r[0].value}
    columns = {str(c.value): c.column for c in sheet[CODES_ROW] if ValueColumn.from_key(c.value or "")}
    return rows, columns


def fill(book: Workbook, rows: list[dict[str, str]], *, source: str = "BA Labour force survey") -> None:
    """Type the values of long-layout rows into their cells, and a full source description for every table used."""
    used = set()
    for row in rows:
        sheet = book[row["indicator"]]
        codes, columns = value_cells(sheet)
        key = f"{row['time']}|{row['classif2']}|{row['sex']}"
        sheet.cell(codes[row["classif1"]], columns[key], float(row["obs_value"]))
        used.add(row["indicator"])
    sources = book["Sources"]
    for line in sources.iter_rows(min_row=3):
        if line[0].value in used:
            line[2].value = source
            line[3].value = "Labour Force Survey"
            line[5].value = "annual average"
            line[6].value = "whole country, population 15+"
            line[7].value = "place of birth"


def cell_of(book: Workbook, indicator: str, classif1: str, key: str):
    sheet = book[indicator]
    codes, columns = value_cells(sheet)
    return sheet.cell(codes[classif1], columns[key])


def with_cached_formula(content: bytes, sheet_index: int, ref: str, formula: str, cached: float) -> bytes:
    """Put a formula with its last computed value in a cell, as Excel saves it (openpyxl cannot)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == f"xl/worksheets/sheet{sheet_index}.xml":
                text = data.decode()
                pattern = re.compile(rf'<c r="{ref}"([^>]*?)(/>|>.*?</c>)', re.S)
                attrs = re.sub(r'\s?t="[^"]*"', "", pattern.search(text).group(1))
                text = pattern.sub(f'<c r="{ref}"{attrs}><f>{formula}</f><v>{cached}</v></c>', text, count=1)
                data = text.encode()
            target.writestr(item, data)
    return out.getvalue()


def with_macros(content: bytes) -> bytes:
    out = io.BytesIO(content)
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\x00fake macro project")
    return out.getvalue()
