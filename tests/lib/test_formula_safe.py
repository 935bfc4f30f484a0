"""Every CSV the portal writes is formula-safe: a text cell a spreadsheet would run gets a leading apostrophe,
numbers stay numbers. One test per CSV the portal hands out (the bulk files: tests/dissemination)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from collection.audit.record import audit_record
from collection.lib.downloads import formula_safe
from collection.models import AuditAction, Observation, TableDefinition
from tests import factories
from tests.publication.test_publication import FORP, edited
from tests.publication.test_vintages import publish_with

FORMULAS = [
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
RUNNABLE = ("=", "+", "-", "@", "\t", "\r")


def read(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("text", FORMULAS)
def test_text_that_starts_a_formula_gets_an_apostrophe(text):
    assert formula_safe(text) == "'" + text


@pytest.mark.parametrize("value", [Decimal("-2.5"), -3, 412.6, None, "", "THA", "a=b", "note: -2 on 2024"])
def test_numbers_and_plain_text_are_left_as_they_are(value):
    assert formula_safe(value) is value


def test_the_observations_csv_guards_notes_and_keeps_values_numbers(client, focal_point, reviewer, open_round):
    notes = iter(FORMULAS[:4])

    def note_formulas(row: dict) -> None:
        if row["sex"] == "SEX_F" and row["time"] == "2025":
            row["note"] = next(notes, row["note"])

    publish_with(focal_point, reviewer, open_round, edited(factories.sample_csv(indicators=[FORP]), note_formulas))
    assert set(Observation.objects.exclude(note="").values_list("note", flat=True)) == set(FORMULAS[:4])
    rows = read(client.get("/api/v1/observations/", {"format": "csv", "indicator": FORP}))
    assert {r["note"] for r in rows} - {""} == {"'" + text for text in FORMULAS[:4]}
    assert not any(cell.startswith(RUNNABLE) for r in rows for cell in r.values())
    assert all(Decimal(r["obs_value"]) >= 0 for r in rows)


def test_the_audit_log_csv_guards_every_text_cell(client, admin_user):
    for text in FORMULAS:
        audit_record(AuditAction.ROUND_CHANGED, object_type="round", object_id=7, round_name=text, summary=text)
    client.force_login(admin_user)
    rows = read(client.get("/audit/export/csv/", {"object": "round 7"}))
    assert sorted(r["summary"] for r in rows) == sorted("'" + text for text in FORMULAS)
    assert {r["object_id"] for r in rows} == {"7"}
    assert not any(cell.startswith(RUNNABLE) for r in rows for cell in r.values())


def test_the_dashboard_csv_guards_titles_and_keeps_counts_numbers(client, reviewer, catalogue):
    round_ = factories.make_round(countries=("THA",))
    for indicator, text in zip(factories.SMALL_TABLES, FORMULAS, strict=False):
        TableDefinition.objects.filter(indicator=indicator).update(title=text)  # an admin's edit of the catalogue
    client.force_login(reviewer)
    rows = read(client.get(f"/rounds/{round_.pk}/dashboard/csv/"))
    assert sorted(r["Table title"] for r in rows) == sorted("'" + text for text in FORMULAS[:2])
    assert {r["Days overdue"] for r in rows} == {"0"} and {r["Country name"] for r in rows} == {"Thailand"}
    assert not any(cell.startswith(RUNNABLE) for r in rows for cell in r.values())
