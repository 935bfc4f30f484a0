"""One entry for every upload: sniff the format, refuse what must be refused, hand it to its reader."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

from collection.lib.extents import check_sheet_extents
from collection.lib.files import F, check_archive, upload_format
from collection.validation.readers.base import LongTable, damaged_file
from collection.validation.readers.long import read_csv, read_xlsx
from collection.validation.readers.workbook import read_workbook


def read_upload(path: Path) -> LongTable:
    """Read an upload by what it is: the standard workbook (XLSX or ODS), a long-layout XLSX or ODS, or a
    long-layout CSV; anything else ends as one clear error."""

    with open(path, "rb") as fh:
        file_format = upload_format(fh)
        if file_format in {F.XLSX, F.ODS, F.WORKBOOK, F.WORKBOOK_ODS}:
            try:
                with zipfile.ZipFile(fh) as archive:
                    check_archive(archive)
                    check_sheet_extents(archive)
            except zipfile.BadZipFile as exc:
                raise damaged_file(exc) from exc
    readers: dict[str, Callable[[Path], LongTable]] = {
        F.WORKBOOK: read_workbook,
        F.WORKBOOK_ODS: read_workbook,
        F.XLSX: read_xlsx,
        F.ODS: read_xlsx,
    }
    table = readers.get(file_format, read_csv)(path)  # read_csv refuses the other kinds, each in its words
    table.file_format = file_format
    return table
