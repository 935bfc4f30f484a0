"""Every file of the corpus, made from a valid sample CSV of Thailand's (205 lines, header included), and the
outcome each must end in: a clean read, or one clear issue at its row. Nothing here is committed but code."""

from __future__ import annotations

import datetime as dt
import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import openpyxl

from collection.lib.files import MAX_UNPACKED_BYTES

MB = 2**20
ROW = 7  # the file row most cases change (the header is row 1)


@dataclass(frozen=True)
class Case:
    """A file of the corpus and how it must end: `rule` is the issue that says why (None for a clean read),
    `says` words its message holds, `row` where it sits."""

    name: str
    filename: str
    make: Callable[[Files], bytes]
    status: str
    rule: str | None = None
    says: str = ""
    row: int | None = None
    worker: bool = False  # also run through a real worker (the representative subset)


class Files:
    """The sample a case starts from, and LibreOffice when a case saves with it."""

    def __init__(self, sample: bytes, convert: Callable[[bytes, str, str, str], bytes] | None) -> None:
        self.sample = sample
        self._convert = convert

    @property
    def rows(self) -> list[list[str]]:
        return [line.split(",") for line in self.sample.decode().splitlines()]

    def saved(self, content: bytes, suffix: str, to: str, options: str = "") -> bytes:
        if self._convert is None:
            import pytest

            pytest.skip("LibreOffice (/usr/bin/soffice) is not installed")
        return self._convert(content, suffix, to, options)

    def with_cell(self, row: int, column: str, value: str) -> bytes:
        """The sample with one cell changed (`row` as the file counts it, header = 1)."""
        rows = self.rows
        rows[row - 1][rows[0].index(column)] = value
        return csv_bytes(rows)

    def xlsx(self, dated: dict[int, object] | None = None) -> bytes:
        """The sample as a long-layout XLSX, numbers as numbers (as Excel saves them); `dated` puts values in the
        time column of some rows in cells formatted as dates."""
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(self.rows[0])
        for line in self.rows[1:]:
            sheet.append([*line[:6], int(line[6]), float(line[7]), *line[8:]])
        for row, value in (dated or {}).items():
            sheet.cell(row, 7, value).number_format = "yyyy-mm-dd"
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def csv_bytes(rows: list[list[str]], sep: str = ",") -> bytes:
    return ("\n".join(sep.join(r) for r in rows) + "\n").encode()


def member_replaced(content: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """An XLSX with one of its XML parts rewritten."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, change(data) if info.filename == name else data)
    return out.getvalue()


def with_doctype(doctype: bytes, entity: str) -> Callable[[bytes], bytes]:
    """A sheet that declares entities and uses one in place of its first string (the header's ref_area)."""

    def change(xml: bytes) -> bytes:
        head, rest = xml.split(b"?>", 1) if xml.startswith(b"<?xml") else (b'<?xml version="1.0"', xml)
        return head + b"?>" + doctype + rest.replace(b"<t>ref_area</t>", f"<t>&{entity};</t>".encode(), 1)

    return change


LAUGHS = (
    b'<!DOCTYPE worksheet [<!ENTITY lol "lol">'
    + b"".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'.encode() for i in range(1, 10))
    + b"]>"
)
EXTERNAL = b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def bomb_declared(files: Files) -> bytes:
    """An XLSX whose sheet says it unpacks to far more than the limit (the central directory is what is read)."""
    content = bytearray(files.xlsx())
    name = b"xl/worksheets/sheet1.xml"
    at = content.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack("<H", content[at + 28 : at + 30])[0]
        if content[at + 46 : at + 46 + length] == name:
            content[at + 24 : at + 28] = struct.pack("<I", min(MAX_UNPACKED_BYTES + MB, 2**32 - 1))
        at = content.find(b"PK\x01\x02", at + 4)
    return bytes(content)


def bomb_lying(files: Files) -> bytes:
    """An XLSX whose sheet unpacks to 64 MB of spaces while its headers say 1,000 bytes."""
    padded = member_replaced(
        files.xlsx(),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + b" " * 64 * MB),
    )
    content = bytearray(padded)
    name = b"xl/worksheets/sheet1.xml"
    for magic, size_at, name_at, length_at in ((b"PK\x03\x04", 22, 30, 26), (b"PK\x01\x02", 24, 46, 28)):
        at = content.find(magic)
        while at >= 0:
            length = struct.unpack("<H", content[at + length_at : at + length_at + 2])[0]
            if content[at + name_at : at + name_at + length] == name:
                content[at + size_at : at + size_at + 4] = struct.pack("<I", 1000)
            at = content.find(magic, at + 4)
    return bytes(content)


def bomb_overlapping(files: Files) -> bytes:
    """Many members of one archive, each the same 64 MB of spaces deflated once: the sum of what they unpack to
    is what counts."""
    block = b" " * 64 * MB
    with zipfile.ZipFile(io.BytesIO(files.xlsx())) as src:
        members = [(info.filename, src.read(info)) for info in src.infolist()]
    packed = packed_block(block)
    members += [(f"xl/media/padding{i}.xml", packed) for i in range(MAX_UNPACKED_BYTES // len(block) + 2)]
    return raw_zip(members)


def ods_repeated(files: Files) -> bytes:
    """A 2 KB ODS whose second row says it repeats a thousand cells a million times (a billion cells to lay out,
    as a spreadsheet that once had a value typed far away can keep)."""
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    header = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{name}</text:p></table:table-cell>'
        for name in files.rows[0]
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2"><office:body>'
        f'<office:spreadsheet><table:table table:name="Sheet1"><table:table-row>{header}</table:table-row>'
        '<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="1000" '
        'office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
        'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
    return out.getvalue()


def packed_block(data: bytes) -> tuple[bytes, int, int]:
    """`data` deflated once, with its CRC and size, to be stored under many names."""
    squeeze = zlib.compressobj(1, zlib.DEFLATED, -15)
    return squeeze.compress(data) + squeeze.flush(), zlib.crc32(data), len(data)


def raw_zip(members: list[tuple[str, bytes | tuple[bytes, int, int]]]) -> bytes:
    """A ZIP written field by field, so that one deflated block can be stored many times without deflating it
    again (zipfile would)."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, data in members:
        packed, crc, size = data if isinstance(data, tuple) else packed_block(data)
        encoded, offset = name.encode(), out.tell()
        sizes = struct.pack("<IIIH", crc, len(packed), size, len(encoded))
        out.write(b"PK\x03\x04" + struct.pack("<HHHHH", 20, 0, 8, 0, 33) + sizes + b"\x00\x00" + encoded + packed)
        central.write(
            b"PK\x01\x02"
            + struct.pack("<HHHHHH", 20, 20, 0, 8, 0, 33)
            + sizes
            + struct.pack("<HHHHII", 0, 0, 0, 0, 0, offset)
            + encoded
        )
    start = out.tell()
    out.write(central.getvalue())
    out.write(b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(members), len(members), central.tell(), start, 0))
    return out.getvalue()


def encrypted(files: Files) -> bytes:
    """The sample XLSX saved with a password (Excel's "Encrypt with Password", ECMA-376 agile encryption)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(files.xlsx())).encrypt("secret", out)
    return out.getvalue()


def xlsb(files: Files) -> bytes:
    """What Excel's "Excel Binary Workbook" saves: the parts of an XLSX in binary records (no XML sheet)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override '
            'PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
            "</Types>",
        )
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00\x80\x01\x00")
        archive.writestr("xl/worksheets/sheet1.bin", b"\x81\x01\x00\x82\x01\x00")
    return out.getvalue()


def xlsm(files: Files) -> bytes:
    out = io.BytesIO(files.xlsx())
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 a macro project")
    return out.getvalue()


ACCENTED = "Enquête révisée, série à Genève"  # Latin-1 and Windows-1252 both hold these
QUOTES = "Série révisée – “définitions” de l’enquête, 5 €"  # Windows-1252 only (–, “ ”, ’, €)


def noted(files: Files, note: str) -> str:
    return files.with_cell(ROW, "note", f'"{note}"').decode()


def random_bytes(nul: bool) -> Callable[[Files], bytes]:
    def make(files: Files) -> bytes:
        data = random.Random(13).randbytes(64 * 1024)
        return data if nul else data.replace(b"\x00", b"\x01")

    return make


def long_note(files: Files) -> bytes:
    return files.with_cell(ROW, "note", "n" * 10 * MB)


def nul_late(files: Files) -> bytes:
    """A NUL in a note past the first 4 KB (the bytes sniffed for binary data)."""
    rows = files.rows
    rows[150][rows[0].index("note")] = "series\x00break"
    return csv_bytes(rows)


def spaced(files: Files) -> bytes:
    """Every value with spaces around it, as a hand-aligned file has them (the totals still add up)."""
    rows = files.rows
    for line in rows[1:]:
        line[7] = f" {line[7]} "
    return csv_bytes(rows)


def saved_csv(encoding: int, note: str) -> Callable[[Files], bytes]:
    """The sample with a note, opened in LibreOffice and saved as CSV in one of its encodings (1 Windows-1252,
    12 ISO-8859-1, 65535 UTF-16 LE with BOM)."""

    def make(files: Files) -> bytes:
        return files.saved(noted(files, note).encode(), "csv", "csv", f"44,34,{encoding},1,,0,true,false")

    return make


CASES = [
    Case("zip bomb (declared)", "bomb.xlsx", bomb_declared, "invalid", "file.too_large", "more than the portal reads"),
    Case(
        "zip bomb (lying sizes)",
        "bomb.xlsx",
        bomb_lying,
        "invalid",
        "file.unreadable",
        "could not be opened",
        worker=True,
    ),
    Case("zip bomb (overlapping)", "bomb.xlsx", bomb_overlapping, "invalid", "file.too_large", "unpacks to"),
    Case(
        "ODS repeating a billion cells",
        "repeated.ods",
        ods_repeated,
        "invalid",
        "file.too_large",
        "more cells than the portal reads",
        worker=True,
    ),
    Case(
        "entity expansion",
        "laughs.xlsx",
        lambda f: member_replaced(f.xlsx(), "xl/worksheets/sheet1.xml", with_doctype(LAUGHS, "lol9")),
        "invalid",
        "file.unreadable",
        "could not be opened as an Excel workbook",
        worker=True,
    ),
    Case(
        "external entity",
        "xxe.xlsx",
        lambda f: member_replaced(f.xlsx(), "xl/worksheets/sheet1.xml", with_doctype(EXTERNAL, "xxe")),
        "invalid",
        "file.unreadable",
        "could not be opened as an Excel workbook",
    ),
    Case(
        "password-protected .xlsx",
        "thailand.xlsx",
        encrypted,
        "invalid",
        "file.unreadable",
        "password-protected",
        worker=True,
    ),
    Case("macro-enabled .xlsm", "thailand.xlsm", xlsm, "invalid", "file.macro", "contains macros"),
    Case(
        "old Excel .xls (LibreOffice)",
        "thailand.xls",
        lambda f: f.saved(f.xlsx(), "xlsx", "xls"),
        "invalid",
        "file.unreadable",
        "old Excel 97-2003 (.xls)",
    ),
    Case("Excel binary .xlsb", "thailand.xlsb", xlsb, "invalid", "file.unreadable", "Excel binary workbook (.xlsb)"),
    Case(
        "CSV in Latin-1",
        "latin1.csv",
        lambda f: noted(f, ACCENTED).encode("latin-1"),
        "valid",
        "file.encoding",
        "Windows-1252",
    ),
    Case(
        "CSV in Windows-1252",
        "cp1252.csv",
        lambda f: noted(f, QUOTES).encode("cp1252"),
        "valid",
        "file.encoding",
        "Windows-1252",
    ),
    Case("CSV in UTF-16 LE with BOM", "utf16le.csv", lambda f: noted(f, QUOTES).encode("utf-16"), "valid", worker=True),
    Case(
        "CSV in UTF-16 BE with BOM",
        "utf16be.csv",
        lambda f: b"\xfe\xff" + noted(f, QUOTES).encode("utf-16-be"),
        "valid",
    ),
    Case(
        "CSV in Windows-1252 (LibreOffice)",
        "lo1252.csv",
        saved_csv(1, QUOTES),
        "valid",
        "file.encoding",
        "Windows-1252",
    ),
    Case(
        "CSV in Latin-1 (LibreOffice)", "lo8859.csv", saved_csv(12, ACCENTED), "valid", "file.encoding", "Windows-1252"
    ),
    Case("CSV in UTF-16 (LibreOffice)", "lo16.csv", saved_csv(65535, QUOTES), "valid"),
    Case(
        "random bytes with NUL",
        "random.csv",
        random_bytes(nul=True),
        "invalid",
        "file.unreadable",
        "binary data",
        worker=True,
    ),
    Case(
        "random bytes without NUL", "random.csv", random_bytes(nul=False), "invalid", "file.unreadable", "binary data"
    ),
    Case(
        "10 MB single line",
        "line.csv",
        lambda f: b"ref_area;" + b"x" * 10 * MB,
        "invalid",
        "file.unreadable",
        "longer than 10,000 characters",
        1,
    ),
    Case(
        "10 MB header",
        "header.csv",
        lambda f: f.sample.replace(b"\n", b"," + b"y," * 5 * MB + b"\n", 1),
        "invalid",
        "file.unreadable",
        "longer than 10,000 characters",
        1,
        worker=True,
    ),
    Case(
        "indicator longer than its column",
        "long-indicator.csv",
        lambda f: f.with_cell(ROW, "indicator", "MST_" + "X" * 60),
        "invalid",
        "value.too_long",
        "indicator is 64 characters long; at most 60 fit",
        ROW,
    ),
    Case(
        "70-character unknown header",
        "long-header.csv",
        lambda f: f.sample.replace(b"\n", b"," + b"Y" * 70 + b"\n", 1),
        "valid",
        "header.unknown_column",
        "(70 characters) is not part of the long layout, whose column names are at most 14 characters",
        1,
    ),
    Case(
        "10 MB note in one cell",
        "note.csv",
        long_note,
        "invalid",
        "value.too_long",
        "note is 10,485,760 characters long; at most 5,000 fit",
        ROW,
        worker=True,
    ),
    Case("values with spaces around them", "spaced.csv", spaced, "valid"),
    Case(
        "NUL in a field",
        "nul.csv",
        lambda f: f.with_cell(ROW, "note", "series\x00break"),
        "invalid",
        "value.nul",
        "note holds a NUL character",
        ROW,
    ),
    Case(
        "NUL in a field past 4 KB",
        "nul.csv",
        nul_late,
        "invalid",
        "value.nul",
        "note holds a NUL character",
        151,
        worker=True,
    ),
    Case(
        "NUL in a header name",
        "nul-header.csv",
        lambda f: f.sample.replace(b",note\n", b",no\x00te\n", 1),
        "valid",
        "header.unknown_column",
        "Column 'no\ufffdte' is not part of the long layout",
        1,
    ),
    Case(
        "NaN",
        "nan.csv",
        lambda f: f.with_cell(ROW, "obs_value", "NaN"),
        "invalid",
        "obs_value.not_number",
        "'NaN' is not a number",
        ROW,
    ),
    Case(
        "Infinity",
        "inf.csv",
        lambda f: f.with_cell(ROW, "obs_value", "Infinity"),
        "invalid",
        "obs_value.not_number",
        "'Infinity' is not a number",
        ROW,
    ),
    Case(
        "1e308",
        "huge.csv",
        lambda f: f.with_cell(ROW, "obs_value", "1e308"),
        "invalid",
        "obs_value.too_large",
        "at most 18 digits before the decimal point",
        ROW,
        worker=True,
    ),
    Case(
        "negative",
        "negative.csv",
        lambda f: f.with_cell(ROW, "obs_value", "-12"),
        "invalid",
        "obs_value.negative",
        "-12 is negative",
        ROW,
    ),
    Case(
        "Excel day number in time",
        "serial.csv",
        lambda f: f.with_cell(ROW, "time", "45292"),
        "invalid",
        "time.date",
        "time '45292' holds a date (2024-01-01), not a year",
        ROW,
    ),
    Case(
        "date cell in time",
        "date.xlsx",
        lambda f: f.xlsx({ROW: dt.datetime(2024, 1, 1)}),
        "invalid",
        "time.date",
        "time '2024-01-01' holds a date, not a year",
        ROW,
    ),
    Case(
        "a year typed into a date cell",
        "year-as-date.xlsx",
        lambda f: f.xlsx({ROW: 2024}),
        "invalid",
        "time.date",
        "type the year again (2024 typed into a date cell shows as this date)",
        ROW,
    ),
    Case(
        "duplicate header column",
        "twice.csv",
        lambda f: f.sample.replace(b",note\n", b",note,time\n", 1),
        "invalid",
        "file.unreadable",
        "names time more than once (time in columns 7 and 11)",
        1,
    ),
]
