"""The worker reads within its memory budget: a file near the unpacked limit reads correctly in a process whose
address space is capped at what it had plus WORKER_MEMORY_BUDGET, and a bomb is refused before anything is
allocated for it. Each read runs in a fresh process (as a worker's child does), under its own RLIMIT_AS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

BUDGET_MB = 512  # the child's WORKER_MEMORY_BUDGET: it reads workbooks up to 512 / 8 = 64 MB unpacked
CHILD = """
import json, resource, sys
import django
django.setup()
from pathlib import Path
from collection.lib.files import UnreadableFile
from collection.validation.readers.upload import read_upload

def status(key):
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith(key))

import polars as pl
pl.DataFrame({"a": ["1", "2"]}).with_columns(pl.col("a").cast(pl.Float64)).sort("a")  # its threads, started
budget = int(sys.argv[2]) * 2**20
resource.setrlimit(resource.RLIMIT_AS, (status("VmSize:") + budget,) * 2)  # what it has, plus the budget
try:
    table = read_upload(Path(sys.argv[1]))
    answer = {"rows": table.frame.height, "indicators": table.frame["indicator"].unique().to_list()}
except UnreadableFile as exc:
    answer = {"refused": str(exc)}
print(json.dumps({**answer, "peak_mb": status("VmHWM:") // 2**20}))
"""
HEADER = ["ref_area", "indicator", "source", "sex", "classif1", "classif2", "time", "obs_value"]
TEXTS = ["THA", "MST_TPOP_SEX_AGE_CBR_NB", "BA", "SEX_F", "AGE_5YRBANDS_Y00-04", "CBR_COUNTRY_MMR"]
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def long_xlsx(path: Path, rows: bytes | None = None, sheet_mb: int = 0) -> int:
    """A long-layout XLSX shaped as Excel saves it (shared strings, numbers), its sheet XML written straight
    so that a large one is made in seconds: `sheet_mb` of rows, or the `rows` given. Returns the data rows."""
    strings = HEADER + TEXTS
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'xmlns:r="{RELS}"><sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
        z.writestr(
            "xl/sharedStrings.xml",
            '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + "".join(f"<si><t>{s}</t></si>" for s in strings)
            + "</sst>",
        )
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<sheetData><row r="1">'
                + "".join(f'<c r="{"ABCDEFGH"[i]}1" t="s"><v>{i}</v></c>' for i in range(len(HEADER))).encode()
                + b"</row>"
            )
            count, written = 0, 0
            if rows is not None:
                sheet.write(rows)
            while written < sheet_mb * 2**20:
                lines = []
                for _ in range(2000):
                    r = count + 2
                    text = "".join(f'<c r="{"ABCDEF"[j]}{r}" t="s"><v>{len(HEADER) + j}</v></c>' for j in range(6))
                    lines.append(
                        f'<row r="{r}">{text}<c r="G{r}"><v>2024</v></c><c r="H{r}"><v>{r % 997}</v></c></row>'
                    )
                    count += 1
                data = "".join(lines).encode()
                sheet.write(data)
                written += len(data)
            sheet.write(b"</sheetData></worksheet>")
    return count


def read_capped(path: Path) -> dict:
    """Read an upload in a fresh process whose address space is capped at the budget on top of what it has."""
    env = {
        **os.environ,
        "WORKER_MEMORY_BUDGET": str(BUDGET_MB * 2**20),
        "DJANGO_SETTINGS_MODULE": "ilms_portal.settings",
    }
    env.pop("MAX_UNPACKED_MB", None)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(BUDGET_MB)], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]  # an abort or a MemoryError is a failure, not an answer
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_workbook_near_the_unpacked_limit_reads_within_the_budget(tmp_path):
    path = tmp_path / "near-the-limit.xlsx"
    rows = long_xlsx(path, sheet_mb=56)  # of the 64 MB the budget reads
    answer = read_capped(path)
    assert answer.get("rows") == rows and answer["indicators"] == ["MST_TPOP_SEX_AGE_CBR_NB"], answer
    assert rows > 200_000


def test_a_zip_bomb_is_refused_with_the_limit_before_it_is_unpacked(tmp_path):
    path = tmp_path / "bomb.xlsx"
    long_xlsx(path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z, z.open("xl/media/padding.bin", "w") as member:
        for _ in range(200):
            member.write(bytes(2**20))  # 200 MB of zeros, a few hundred KB packed
    assert path.stat().st_size < 2 * 2**20
    answer = read_capped(path)
    assert answer["refused"] == (
        "This workbook unpacks to 200 MB, more than the portal reads (64 MB). Split it, or upload the long layout "
        "as CSV."
    )
    assert answer["peak_mb"] < 200  # the process never held what it would unpack to


def test_a_tiny_sheet_that_spans_every_cell_is_refused_before_it_is_laid_out(tmp_path):
    path = tmp_path / "far-away-cell.xlsx"
    long_xlsx(path, rows=b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')  # calamine asked for 550 GB
    assert path.stat().st_size < 4096
    answer = read_capped(path)
    assert answer["refused"].startswith(
        "A sheet of this workbook reaches row 1,048,576 and column 16,384 (17,179,869,184 cells from A1), more than "
        "the portal reads (8,388,608 cells)."
    )
