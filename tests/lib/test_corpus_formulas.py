"""The formula sweep: text that looks like a formula, typed wherever a person types text that reaches a file (notes
of published values, a source's name and notes, a table's title, a code's label, a round's name, the audit log),
never becomes a formula in any CSV or XLSX the portal writes, while numbers stay numbers."""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import re

from django.contrib import admin
from django.test import RequestFactory
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, TSV, XLSX
from openpyxl import load_workbook

from collection.audit.record import audit_record
from collection.lib.downloads import FORMULA_START, NUMBER, csv_lines, formula_safe, formula_unguarded
from collection.lib.labels import labels_forget
from collection.models import AuditAction, Code, DataSource, Observation, TableDefinition
from collection.workbook.annotate import annotated_copy_build, annotated_copy_open
from tests import factories
from tests.lib.test_formula_safe import FORMULAS
from tests.publication.test_publication import FORP, edited
from tests.publication.test_vintages import publish_with

TYPED = FORMULAS[:4]  # =HYPERLINK(…), +cmd|…, @SUM(…), -2+3+cmd|…


def runnable(text: str) -> bool:
    """Text a spreadsheet would run when it opens the file."""
    return text.startswith(FORMULA_START) and not NUMBER.fullmatch(text)


def csv_fields(content: bytes, delimiter: str = ",") -> list[str]:
    return [
        f for row in csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=delimiter) for f in row
    ]


def xlsx_cells(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))  # formulas kept as formulas, not their results
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]


def body(response) -> bytes:
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return b"".join(response.streaming_content) if response.streaming else response.content


# Files that hold text by design: the audit log's XLSX writes every cell as text (its ids name objects), so that
# nothing in the log is ever read as a formula or a number; the availability register is a grid of source codes;
# the annotated copy of a CSV shows each cell as the focal point wrote it (" 12 ", "1,5"), to mark it there.
ALL_TEXT = {"audit XLSX", "availability XLSX", "annotated copy"}


def problems_of(name: str, content: bytes, kind: str) -> list[str]:
    """What is wrong with one file: a field or cell that runs, no formula-looking text at all (nothing was fed
    through), a number guarded as if it were a formula, or numbers that are no longer numbers."""
    found = []
    if kind == "xlsx":  # a text cell is never run, whatever it starts with: only a formula cell is
        cells = xlsx_cells(content)
        found += [f"formula {c.parent.title}!{c.coordinate}: {c.value}" for c in cells if c.data_type == "f"]
        texts = [c.value for c in cells if isinstance(c.value, str)]
        numbers = [c.value for c in cells if isinstance(c.value, int | float) and not isinstance(c.value, bool)]
    else:
        texts = csv_fields(gzip.decompress(content) if kind == "gz" else content, "\t" if kind == "tsv" else ",")
        numbers = [t for t in texts if NUMBER.fullmatch(t)]
        found += [f"runs: {t}" for t in texts if runnable(t)][:3]
    if not any(any(formula in t for formula in TYPED) for t in texts):
        found.append("no formula-looking text reached it")
    found += [f"guarded number: {t}" for t in texts if t.startswith("'") and NUMBER.fullmatch(t[1:])][:3]
    if not numbers and name not in ALL_TEXT:
        found.append("its numbers are no longer numbers")
    return [f"{name}: {problem}" for problem in found]


def test_formula_looking_text_never_becomes_a_formula_in_any_file_the_portal_writes(
    client, focal_point, reviewer, admin_user, open_round
):
    notes = itertools.cycle(TYPED)

    def note_formulas(row: dict) -> None:
        if row["sex"] == "SEX_F" and row["time"] == "2025":
            row["note"] = next(notes)

    published = publish_with(
        focal_point, reviewer, open_round, edited(factories.sample_csv(indicators=[FORP]), note_formulas)
    )
    assert set(Observation.objects.exclude(note="").values_list("note", flat=True)) == set(TYPED)
    DataSource.objects.filter(indicator=FORP).update(name=TYPED[3], notes=TYPED[0])
    TableDefinition.objects.filter(indicator=FORP).update(title=TYPED[1])  # an admin's edit of the catalogue
    Code.objects.filter(code="CBR_BRT_X").update(label=TYPED[2])
    labels_forget()
    open_round.name = TYPED[0]
    open_round.save()
    audit_record(AuditAction.ROUND_CHANGED, object_type="round", object_id=open_round.pk, summary=TYPED[3])
    invalid = factories.upload(
        focal_point, open_round, edited(factories.sample_csv(), lambda r: r.update(note=TYPED[0], time="=1+1"))
    )
    factories.submission_validate(submission_id=invalid.pk)
    invalid.refresh_from_db()

    client.force_login(admin_user)
    sdmx = f"/sdmx/data/ILO,DF_{FORP},1.0/THA...."
    files = {
        "observations CSV (API)": ("csv", client.get("/api/v1/observations/", {"format": "csv", "indicator": FORP})),
        "SDMX-CSV": ("csv", client.get(sdmx, {"format": "sdmx-csv"})),
        "explorer CSV": (
            "csv",
            client.get("/explore/download/csv/", {"indicator": FORP, "ref_area": "THA", "sex": "SEX_F"}),
        ),
        "explorer XLSX": (
            "xlsx",
            client.get("/explore/download/xlsx/", {"indicator": FORP, "ref_area": "THA", "sex": "SEX_F"}),
        ),
        "audit CSV": ("csv", client.get("/audit/export/csv/")),
        "audit XLSX": ("xlsx", client.get("/audit/export/xlsx/")),
        "dashboard CSV": ("csv", client.get(f"/rounds/{open_round.pk}/dashboard/csv/")),
        "dashboard XLSX": ("xlsx", client.get(f"/rounds/{open_round.pk}/dashboard/xlsx/")),
        "availability XLSX": ("xlsx", client.get("/countries/THA/availability/xlsx/")),
        **{
            f"bulk {name}": ("gz", client.get(f"/downloads/{name}"))
            for name in (f"{FORP}.csv.gz", f"{FORP}.labels.csv.gz", "ILMS_ASEAN.csv.gz")
        },
    }
    client.force_login(focal_point)
    files["workbook template"] = ("xlsx", client.get(f"/rounds/{open_round.pk}/THA/workbook/"))
    contents = {name: (kind, body(response)) for name, (kind, response) in files.items()}
    built = annotated_copy_build(submission_id=invalid.pk)  # as the worker does once the report is stored
    assert built is not None
    with annotated_copy_open(built) as copy:
        contents["annotated copy"] = ("xlsx", copy.read())
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, ImportExportModelAdmin) and model in (Code, TableDefinition):
            for file_format, kind in ((CSV(), "csv"), (TSV(), "tsv"), (XLSX(), "xlsx")):
                exported = model_admin.get_export_data(file_format, request, model.objects.all())
                contents[f"admin export of {model.__name__} ({kind})"] = (
                    kind,
                    exported if isinstance(exported, bytes) else exported.encode(),
                )
    assert [p for name, (kind, content) in contents.items() for p in problems_of(name, content, kind)] == []
    assert published is not None and len(contents) == 20


def test_a_guarded_admin_export_imports_back_as_it_was_typed_and_negative_numbers_stay_numbers():
    for text in TYPED:
        assert formula_unguarded(formula_safe(text)) == text
    assert formula_unguarded("'plain") == "'plain" and formula_unguarded("'-12") == "'-12"
    assert "".join(csv_lines([["-12", -12, "-2.5", "+3", "=1+1", "-2+3+cmd|' /C calc'!A0"]], bom=False)) == (
        "-12,-12,-2.5,+3,'=1+1,'-2+3+cmd|' /C calc'!A0\r\n"
    )
    assert re.fullmatch(NUMBER, "-1e3")
