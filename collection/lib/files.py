"""What an uploaded file is, by its content: CSV text, XLSX, ODS, the portal's own workbook, or something
refused (old .xls, macros, ZIP bombs). The upload, the readers and the annotated copy all ask here."""

from __future__ import annotations

import io
import zipfile
from typing import IO

import olefile
from django.conf import settings

from collection.models import Submission

F = Submission.Format
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
HEAD_BYTES = 4096
IDENTITY_SHEET = "_ilms"  # the hidden sheet that marks a workbook the portal made
MAX_UNPACKED_BYTES: int = settings.MAX_UNPACKED_BYTES  # what a worker process reads within its memory budget


class UnreadableFile(Exception):
    """The file cannot be read (or is refused as a whole); the message tells the focal point what to do."""

    def __init__(self, message: str, rule: str = "file.unreadable", row: int | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.row = row  # the row that makes the file unreadable, when one does (the header is row 1)


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode Text" is UTF-16 LE with its byte-order mark
# Bytes no text file holds (controls other than tab, line ends and form feed): a file whose first bytes are more
# than 1 % of these is binary; a text file with a stray NUL in a field is read, and the field reported at its row.
CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32), 127])
BINARY_SHARE = 0.01
PASSWORD_PROTECTED = (
    "This workbook is password-protected, so the portal cannot open it. Remove the password (in Excel: File → Info "
    "→ Protect Workbook → Encrypt with Password, and clear it; or Save As without a password) and upload it again."
)


def decode_text(data: bytes) -> tuple[bytes, list[str]]:
    """UTF-8 with or without BOM, or UTF-16 with its BOM; a Windows-1252 file (Excel's "CSV" on Windows, which
    also reads Latin-1) is read with a note."""
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16").encode("utf-8"), []
        except UnicodeDecodeError:
            return data.decode("utf-16", errors="replace").encode("utf-8"), [
                "The file is UTF-16 but some of its characters are damaged; they were read as \ufffd. Save it as "
                '"CSV UTF-8" and upload it again if any text looks wrong.'
            ]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
        return data, []
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace").encode("utf-8"), [
            "The file is not UTF-8; it was read as Windows-1252 (Excel's default). Save as "
            '"CSV UTF-8" if any accented text looks wrong.'
        ]


def csv_delimiter(first_line: str) -> str:
    """The separator of a CSV by its header line: comma, semicolon (Excel where the decimal mark is a comma) or
    tab, whichever it holds most; a comma when it holds none."""
    return max((",", ";", "\t"), key=first_line.count)


def is_binary(head: bytes) -> bool:
    """Bytes that are not text: more than a few control characters among the first (UTF-16 has a BOM)."""
    if head.startswith(UTF16_BOMS):
        return False
    return sum(head.count(b) for b in CONTROL_BYTES) > BINARY_SHARE * len(head)


def is_encrypted(fh: IO[bytes]) -> bool:
    """A password-protected Office file is an OLE2 container holding the encrypted package (MS-OFFCRYPTO), whatever
    it was before: an .xlsx with a password is no .xls."""
    fh.seek(0)
    try:
        with olefile.OleFileIO(fh) as ole:
            return bool(ole.exists("EncryptedPackage") or ole.exists("EncryptionInfo"))
    except (OSError, ValueError, IndexError, TypeError):  # not a readable OLE2 file: called an .xls below
        return False
    finally:
        fh.seek(0)


def archive_refusal(fh: IO[bytes]) -> str:
    """Why a ZIP archive that is no XLSX or ODS cannot be read: an Excel binary workbook says so."""
    try:
        with zipfile.ZipFile(fh) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, KeyError, ValueError):
        names = set()
    finally:
        fh.seek(0)
    if "xl/workbook.bin" in names:
        return (
            "This is an Excel binary workbook (.xlsb), which the portal does not read. In Excel, save it as an Excel "
            "Workbook (.xlsx) or as CSV UTF-8 and upload it again."
        )
    return (
        "This is a ZIP archive but not a spreadsheet (.xlsx or .ods). Upload the standard workbook, or the "
        "long layout as CSV, XLSX or ODS."
    )


def unsupported_format(head: bytes, fh: IO[bytes] | None = None) -> str | None:
    """Why a file that is neither CSV, XLSX nor ODS cannot be read, saying what to save it as instead (`fh`, the
    whole file, tells a password-protected workbook from an .xls and an .xlsb from other archives)."""
    whole = fh if fh is not None else io.BytesIO(head)
    if head.startswith(OLE2_MAGIC):
        if is_encrypted(whole):
            return PASSWORD_PROTECTED
        return "This is an old Excel 97-2003 (.xls) workbook. Save it as .xlsx or as CSV UTF-8 and upload it again."
    if head.startswith(ZIP_MAGIC):
        return archive_refusal(whole)
    if b"<office:document" in head and ODS_MIMETYPE in head:
        return (
            "This is a flat OpenDocument spreadsheet (.fods), which the portal does not read. In LibreOffice, "
            "save it as ODF Spreadsheet (.ods) or Excel 2007-365 (.xlsx) and upload it again."
        )
    if is_binary(head):
        return "The file is not a CSV text file (it contains binary data). Upload the long layout as CSV, XLSX or ODS."
    return None


def is_ods(archive: zipfile.ZipFile) -> bool:
    """An OpenDocument spreadsheet says so in its `mimetype` member (read no further than that text)."""
    if "mimetype" not in archive.namelist():
        return False
    with archive.open("mimetype") as member:
        return member.read(len(ODS_MIMETYPE) + 2).strip() == ODS_MIMETYPE


def archive_format(archive: zipfile.ZipFile) -> str:
    """An archive's format by its members: ODS by its `mimetype`, XLSX by its `xl/` parts."""
    if is_ods(archive):
        spreadsheet = (F.ODS, F.WORKBOOK_ODS)
    elif "xl/workbook.bin" in archive.namelist():
        return F.OTHER  # an .xlsb: refused, by name, when read
    elif any(n.startswith("xl/") for n in archive.namelist()):
        spreadsheet = (F.XLSX, F.WORKBOOK)
    else:
        return F.OTHER
    if sum(item.file_size for item in archive.infolist()) > MAX_UNPACKED_BYTES:
        return spreadsheet[0]  # not searched: reading refuses it for its size
    return spreadsheet[1] if is_standard_workbook(archive) else spreadsheet[0]


def upload_format(fh: IO[bytes]) -> str:
    """What an upload is by its content (a Submission.Format value): the name may say anything. A ZIP that
    cannot be opened counts as XLSX, so that reading it says it is damaged."""
    fh.seek(0)
    head = fh.read(HEAD_BYTES)
    try:
        if not head.startswith(ZIP_MAGIC):
            return F.OTHER if unsupported_format(head) else F.CSV
        try:
            with zipfile.ZipFile(fh) as archive:
                return archive_format(archive)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, KeyError, ValueError):
            return F.XLSX
    finally:
        fh.seek(0)


def is_macro(name: str) -> bool:
    """An XLSX's VBA project, or an ODS's Basic module or script (not the empty library indexes it may keep)."""
    if name.lower().endswith("vbaproject.bin"):
        return True
    return name.startswith(("Basic/", "Scripts/")) and not name.endswith(("/", "script-lc.xml", "script-lb.xml"))


def check_archive(archive: zipfile.ZipFile) -> None:
    """Refuse, before reading, a workbook with macros or one that unpacks to more than any honest file."""
    if any(is_macro(n) for n in archive.namelist()):
        raise UnreadableFile(
            "This workbook contains macros (.xlsm, or an .ods with macros). For security the portal does not "
            "accept macro-enabled files: save it as an Excel Workbook (.xlsx) or an .ods without macros and "
            "upload it again.",
            rule="file.macro",
        )
    unpacked = sum(item.file_size for item in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise UnreadableFile(
            f"This workbook unpacks to {unpacked // 2**20:,} MB, more than the portal reads "
            f"({MAX_UNPACKED_BYTES // 2**20:,} MB). Split it, or upload the long layout as CSV.",
            rule="file.too_large",
        )


def is_standard_workbook(archive: zipfile.ZipFile) -> bool:
    """True when the archive (XLSX or ODS) is a workbook the portal made: it carries the hidden identity sheet.

    An XLSX names its sheets in `xl/workbook.xml`; an ODS only in `content.xml`, sheets and cells together,
    so that one is searched as a stream (the identity sheet comes last) rather than read whole."""
    marker = f'name="{IDENTITY_SHEET}"'.encode()  # also matches the ODS's table:name="_ilms"
    names = archive.namelist()
    member = next((n for n in ("xl/workbook.xml", "content.xml") if n in names), None)
    if member is None:
        return False
    with archive.open(member) as fh:
        tail = b""
        while chunk := fh.read(1 << 20):
            if marker in tail + chunk:
                return True
            tail = chunk[-len(marker) :]
    return False
