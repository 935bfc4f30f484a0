"""Year on year alone on a few rows: a change beyond the table's threshold is asked about, against this file's
year before or the published one."""

from __future__ import annotations

from collection.catalogue.rules import DEFAULT_MESSAGES
from collection.validation.checks import RuleDef
from tests.validation.kind_frames import SEX, apply, context, published, rows, spec

FORP = "MST_FORP_SEX_CBR_NB"
CTX = (spec(FORP, SEX),)


def change(**params: object) -> RuleDef:
    return RuleDef("change.year_on_year", "year_on_year", FORP, params, "warning", DEFAULT_MESSAGES["year_on_year"])


def series(*values: tuple[str, str], **fields: str) -> list[dict]:
    return [{"indicator": FORP, "time": time, "obs_value": value, **fields} for time, value in values]


def test_a_change_beyond_the_threshold_is_a_warning_on_the_new_value(labels):
    [found] = apply(change(), rows(*series(("2024", "40.2"), ("2025", "60.3"))), context(*CTX))
    assert (found["severity"], found["row"], found["time"]) == ("warning", 3, "2025")
    assert found["message"] == (
        "Total (SEX_T): 60.3 against 40.2 in 2024 (this file) is a change of +50 %, beyond the 30 % "
        "expected for this table. Flag the value B with a note if the series breaks, or explain the change."
    )


def test_a_change_within_the_threshold_or_of_tiny_cells_passes(labels):
    assert apply(change(), rows(*series(("2024", "40.2"), ("2025", "48.1"))), context(*CTX)) == []
    assert apply(change(), rows(*series(("2024", "1.2"), ("2025", "3.9"))), context(*CTX)) == []  # below 5
    assert apply(change(threshold_pct=10), rows(*series(("2024", "40.2"), ("2025", "48.1"))), context(*CTX))


def test_the_year_before_comes_from_the_published_values_when_the_file_has_none(labels):
    ctx = context(*CTX, published=published(*series(("2024", "40.2"))))
    [found] = apply(change(), rows(*series(("2025", "20.1"))), ctx)
    assert "20.1 against 40.2 in 2024 (published) is a change of -50 %" in found["message"]


def test_a_break_declared_with_a_note_is_not_asked_about(labels):
    broken = series(("2024", "40.2"), ("2025", "60.3"))
    broken[1] |= {"obs_status": "B", "note": "New census frame from 2025"}
    assert apply(change(), rows(*broken), context(*CTX)) == []


def test_both_years_sent_again_as_published_are_not_asked_about_again(labels):
    values = series(("2024", "40.2"), ("2025", "60.3"))
    ctx = context(*CTX, published=published(*values))
    assert apply(change(), rows(*values), ctx) == []
