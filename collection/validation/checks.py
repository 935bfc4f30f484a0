"""The first rule set, run on whole columns with polars: no Python loop per row.

Each check returns a frame of issues (severity, rule, message, row, column, indicator). Rule codes are
stable: the API, the report page and later rule-as-data work all key on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db.models import CharField

from collection.catalogue.specs import TableSpec
from collection.models import DIMENSIONS, KEY_COLUMNS, LAYOUT_COLUMNS, Severity, StagedObservation, ValidationRule
from collection.validation.readers.base import REQUIRED_COLUMNS, ROW, LongTable

ISSUE_SCHEMA = {
    "severity": pl.String,
    "rule": pl.String,
    "message": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "indicator": pl.String,
    "source": pl.String,
    "sex": pl.String,
    "classif1": pl.String,
    "classif2": pl.String,
    "time": pl.String,
    "sheet": pl.String,
    "cell": pl.String,
    "_id": pl.Int64,  # the observation an issue is about (internal: which rows stay out of later checks)
}
ID = "_id"
# The key of the value an issue is about, beside its indicator (ref_area is the submission's country); null
# for an issue about a table or the whole file.
ISSUE_KEY = tuple(c for c in KEY_COLUMNS if c not in ("indicator", "ref_area"))

# What a staged row's columns hold: its codes their varchar lengths, its notes (free text) the length of the
# portal's other notes. A longer value is an error at its row, found before anything is stored.
NOTE_MAX_LENGTH = 5000
TEXT_LIMITS: dict[str, int] = {
    f.name: f.max_length
    for f in StagedObservation._meta.fields
    if isinstance(f, CharField) and f.max_length and f.name in LAYOUT_COLUMNS
} | dict.fromkeys(("note", "note_classif", "note_indicator", "note_source"), NOTE_MAX_LENGTH)
HEADER_MAX_LENGTH = max(len(c) for c in LAYOUT_COLUMNS)  # no column name of the layout is longer
_value = StagedObservation._meta.get_field("obs_value")
VALUE_DIGITS = _value.max_digits - _value.decimal_places  # digits before the point that numeric(…) holds
QUOTED = 40  # characters of an over-long value a message quotes


@dataclass(frozen=True)
class RuleDef:
    """A rule as the worker applies it: a plain copy of the database row."""

    code: str
    kind: str
    table: str | None
    params: dict[str, Any]  # the rule's JSON parameters
    severity: str
    message: str

    @classmethod
    def from_model(cls, rule: ValidationRule) -> RuleDef:
        return cls(rule.code, rule.kind, rule.table_id, dict(rule.params or {}), rule.severity, rule.message)


@dataclass
class CheckContext:
    """What the checks compare a file against: the submission's country and round, and the catalogue."""

    country: str
    reference_years: list[int]
    requested: set[str]
    specs: dict[str, TableSpec]
    source_types: set[str]
    flags: set[str]
    rules: list[RuleDef] = field(default_factory=list)  # the round's rules as data (kinds.py applies them)
    published: pl.DataFrame | None = None  # the country's current published rows around the round's years
    reported_elsewhere: set[tuple[str, str]] = field(default_factory=set)  # (indicator, time) sent or published


def empty_issues() -> pl.DataFrame:
    return pl.DataFrame(schema=ISSUE_SCHEMA)


def issue(
    rule: str,
    message: str,
    *,
    severity: str = Severity.ERROR,
    row: int | None = None,
    column: str | None = None,
    indicator: str | None = None,
    sheet: str | None = None,
    cell: str | None = None,
) -> pl.DataFrame:
    """One issue not tied to a value (header problems, a table's or the file's problems, summaries)."""
    return pl.DataFrame(
        [
            {
                "severity": severity,
                "rule": rule,
                "message": message,
                "row": row,
                "column": column,
                "indicator": indicator,
                **dict.fromkeys(ISSUE_KEY),
                "sheet": sheet,
                "cell": cell,
                ID: None,
            }
        ],
        schema=ISSUE_SCHEMA,
    )


def row_issues(
    frame: pl.DataFrame,
    *,
    rule: str,
    column: str | None,
    mask: pl.Expr,
    message: pl.Expr,
    severity: str = Severity.ERROR,
) -> pl.DataFrame:
    """An issue for every row where `mask` holds, with the key of the row's value (an empty classif2 is '')."""
    return frame.filter(mask.fill_null(False)).select(
        pl.lit(severity).alias("severity"),
        pl.lit(rule).alias("rule"),
        message.cast(pl.String).alias("message"),
        pl.col(ROW).cast(pl.Int64).alias("row"),
        pl.lit(column, dtype=pl.String).alias("column"),
        pl.col("indicator").alias("indicator"),
        *(pl.col(c).cast(pl.String).fill_null("") if c == "classif2" else pl.col(c).cast(pl.String) for c in ISSUE_KEY),
        pl.col("_sheet").alias("sheet"),
        pl.col("_cell").alias("cell"),
        pl.col(ID).cast(pl.Int64),
    )


def fmt(expr: pl.Expr) -> pl.Expr:
    """A number as a statistician writes it in a sentence (rounded to 3 decimals, no trailing zeros)."""
    return expr.round(3).cast(pl.String).str.replace(r"\.0$", "")


def check_header(table: LongTable) -> pl.DataFrame:
    frames = [
        issue(
            "header.missing_column",
            f"The header has no '{name}' column; the long layout needs {', '.join(REQUIRED_COLUMNS)}.",
            row=1,
            column=name,
        )
        for name in table.missing_columns
    ]
    frames += [
        issue(
            "header.unknown_column",
            f"Column '{shown(name)}' is not part of the long layout and was ignored."
            if len(name) <= HEADER_MAX_LENGTH
            else f"Column '{shown(name)}' ({len(name):,} characters) is not part of the long layout, whose column "
            f"names are at most {HEADER_MAX_LENGTH} characters long, and was ignored.",
            severity=Severity.WARNING,
            row=1,
            column=shown(name),
        )
        for name in table.unknown_columns
    ]
    frames += [issue("file.encoding", note, severity=Severity.WARNING) for note in table.notes]
    return pl.concat(frames) if frames else empty_issues()


def shown(text: str) -> str:
    """A name or value read from a file as a message quotes it: without NUL, cut to a few words."""
    text = text.replace("\x00", "\ufffd")
    return text if len(text) <= QUOTED else text[:QUOTED] + "…"


def parse_values(frame: pl.DataFrame, decimal_comma: bool) -> pl.DataFrame:
    """Add `value`: obs_value as a number (null where it is not one: NaN and Infinity are not). −0 is 0."""
    text = pl.col("obs_value").str.replace_all(r"\s", "")
    if decimal_comma:
        text = pl.when(text.str.contains(r"^-?\d+,\d+$")).then(text.str.replace(",", ".")).otherwise(text)
    value = text.cast(pl.Float64, strict=False)
    return frame.with_columns(pl.when(value.is_finite()).then(value + 0.0).otherwise(None).alias("value"))


def check_rows(frame: pl.DataFrame, ctx: CheckContext) -> pl.DataFrame:
    """Checks of each row on its own: lengths and NUL characters first (the other checks quote the value as cut
    for a message), then required cells, indicator, ref_area, source, codes, time, value, flag."""
    text = [c for c in LAYOUT_COLUMNS if c in frame.columns and frame.schema[c] == pl.String]
    # A time is a year: its own checks say so, whatever its length.
    long = [c for c in text if c in TEXT_LIMITS and c != "time"]
    too_long = hits(frame, [pl.col(c).str.len_chars() > TEXT_LIMITS[c] for c in long])
    with_nul = hits(frame, [pl.col(c).str.contains("\x00", literal=True) for c in text])
    found = [empty_issues()]
    found += [
        row_issues(
            frame,
            rule="value.too_long",
            column=column,
            mask=pl.col(column).str.len_chars() > TEXT_LIMITS[column],
            message=pl.format(
                f"{column} is {{}} characters long; at most {TEXT_LIMITS[column]:,} fit (it begins '{{}}…').",
                pl.col(column).str.len_chars().map_elements(lambda n: f"{n:,}", return_dtype=pl.String),
                pl.col(column).str.slice(0, QUOTED).str.replace_all("\x00", "\ufffd", literal=True),
            ),
        )
        for column, hit in zip(long, too_long, strict=True)
        if hit
    ]
    found += [
        row_issues(
            frame,
            rule="value.nul",
            column=column,
            mask=pl.col(column).str.contains("\x00", literal=True),
            message=pl.lit(
                f"{column} holds a NUL character (an invisible control character, often left by a damaged export), "
                "which cannot be stored; delete it and upload again."
            ),
        )
        for column, hit in zip(text, with_nul, strict=True)
        if hit
    ]
    cut = frame.with_columns(
        pl.when(pl.col(c).str.len_chars() > max(TEXT_LIMITS.get(c, 0), QUOTED))
        .then(pl.col(c).str.slice(0, max(TEXT_LIMITS.get(c, 0), QUOTED)) + "…")
        .otherwise(pl.col(c))
        .str.replace_all("\x00", "\ufffd", literal=True)
        .alias(c)
        for c in text
    )
    coded = with_known_codes(cut, ctx)
    checks = row_checks(ctx)
    found += [
        row_issues(coded, rule=rule, column=column, mask=mask, message=message)
        for (rule, column, mask, message), hit in zip(checks, hits(coded, [c[2] for c in checks]), strict=True)
        if hit
    ]
    return pl.concat(found)


def hits(frame: pl.DataFrame, masks: list[pl.Expr]) -> list[bool]:
    """Whether each mask holds for any row, in one pass over the frame: most checks find nothing in most files,
    and filtering a million rows once per check (about fifty) was most of their time."""
    if not masks:
        return []
    found = frame.select(mask.fill_null(False).any().alias(f"m{i}") for i, mask in enumerate(masks))
    return [bool(v) for v in found.row(0)]


def with_known_codes(frame: pl.DataFrame, ctx: CheckContext) -> pl.DataFrame:
    """Add `_ok_<dimension>`: true where the row's code is one of its indicator's code list for that dimension."""
    for column in DIMENSIONS:
        allowed = pl.DataFrame(
            [
                (ind, code)
                for ind, spec in ctx.specs.items()
                if column in spec.dimensions
                for code in spec.dimensions[column].codes
            ],
            schema={"indicator": pl.String, column: pl.String},
            orient="row",
        ).with_columns(pl.lit(True).alias(f"_ok_{column}"))
        frame = frame.join(allowed, on=["indicator", column], how="left", nulls_equal=False, maintain_order="left")
    return frame


def row_checks(ctx: CheckContext) -> list[tuple[str, str, pl.Expr, pl.Expr]]:
    """Every check of a row alone as (rule, column, mask, message), in the order the issues are listed."""
    known = pl.col("indicator").is_in(list(ctx.specs))
    checks = [
        (
            "value.missing",
            name,
            pl.col(name).is_null(),
            pl.lit(f"{name} is empty; every observation needs one."),
        )
        for name in REQUIRED_COLUMNS
        if name != "obs_value"
    ]
    checks += [
        (
            "indicator.unknown",
            "indicator",
            pl.col("indicator").is_not_null() & ~known,
            pl.format("Indicator '{}' is not one of the catalogue's tables.", pl.col("indicator")),
        ),
        (
            "indicator.not_requested",
            "indicator",
            known & ~pl.col("indicator").is_in(sorted(ctx.requested)),
            pl.format("Indicator '{}' is not requested in this round.", pl.col("indicator")),
        ),
        (
            "ref_area.mismatch",
            "ref_area",
            pl.col("ref_area").is_not_null() & (pl.col("ref_area") != ctx.country),
            pl.format(f"ref_area '{{}}' is not this submission's country ({ctx.country}).", pl.col("ref_area")),
        ),
        (
            "source.unknown",
            "source",
            pl.col("source").is_not_null() & ~pl.col("source").is_in(sorted(ctx.source_types)),
            pl.format(
                f"Source '{{}}' is not a known source type ({', '.join(sorted(ctx.source_types))}).", pl.col("source")
            ),
        ),
    ]
    for column in DIMENSIONS:
        lists = {ind: spec.dimensions[column].codelist for ind, spec in ctx.specs.items() if column in spec.dimensions}
        codelist = pl.col("indicator").replace_strict(lists, default=None, return_dtype=pl.String)
        has_dim = pl.col("indicator").is_in(list(lists))
        checks.append(
            (
                "code.invalid",
                column,
                has_dim & pl.col(column).is_not_null() & pl.col(f"_ok_{column}").is_null(),
                pl.format(
                    f"{column} '{{}}' is not a code of {{}}, the code list {{}} uses for {column}.",
                    pl.col(column),
                    codelist,
                    pl.col("indicator"),
                ),
            )
        )
        if column == "classif2":  # present exactly when the table has a second breakdown
            checks += [
                (
                    "code.missing",
                    column,
                    has_dim & pl.col(column).is_null(),
                    pl.format("classif2 is empty but {} needs a code of {}.", pl.col("indicator"), codelist),
                ),
                (
                    "code.unexpected",
                    column,
                    known & ~has_dim & pl.col(column).is_not_null(),
                    pl.format(
                        "{} has one breakdown only; classif2 must be empty (it reads '{}').",
                        pl.col("indicator"),
                        pl.col(column),
                    ),
                ),
            ]
    years = [str(y) for y in ctx.reference_years]
    is_year = pl.col("time").str.contains(r"^\d{4}$")
    date, serial = date_in_time()
    checks += [
        (
            "time.date",
            "time",
            date.is_not_null(),
            pl.format(
                "time '{}' holds a date{}, not a year: the time column holds the year alone (YYYY). Format the "
                "column as a number or as text, not as a date{}.",
                pl.col("time"),
                pl.when(pl.col("time") != date.dt.strftime("%Y-%m-%d"))
                .then(pl.format(" ({})", date.dt.strftime("%Y-%m-%d")))
                .otherwise(pl.lit("")),
                pl.when(serial.is_between(1900, 2100))
                .then(pl.format(", and type the year again ({} typed into a date cell shows as this date)", serial))
                .otherwise(pl.lit("")),
            ),
        ),
        (
            "time.invalid",
            "time",
            pl.col("time").is_not_null() & ~is_year & date.is_null(),
            pl.format("time '{}' is not a year (YYYY).", pl.col("time")),
        ),
        (
            "time.out_of_round",
            "time",
            is_year & ~pl.col("time").is_in(years),
            pl.format(f"time {{}} is outside the round's reference years ({', '.join(years)}).", pl.col("time")),
        ),
        (
            "obs_value.not_number",
            "obs_value",
            pl.col("value").is_null(),
            pl.format("obs_value '{}' is not a number.", pl.col("obs_value")),
        ),
        (
            "obs_value.too_large",
            "obs_value",
            pl.col("value").abs() >= 10.0**VALUE_DIGITS,
            pl.format(
                f"obs_value {{}} is too large to store: a value has at most {VALUE_DIGITS} digits before the decimal "
                "point.",
                pl.col("obs_value"),
            ),
        ),
        (
            "obs_value.negative",
            "obs_value",
            pl.col("value") < 0,
            pl.format("obs_value {} is negative; counts of persons cannot be.", pl.col("obs_value")),
        ),
        (
            "obs_status.unknown",
            "obs_status",
            pl.col("obs_status").is_not_null() & ~pl.col("obs_status").is_in(sorted(ctx.flags)),
            pl.format(
                f"obs_status '{{}}' is not a known flag ({', '.join(sorted(ctx.flags))}) "
                "and should be empty when there is none.",
                pl.col("obs_status"),
            ),
        ),
    ]
    return checks


SPREADSHEET_EPOCH = pl.date(1899, 12, 30)  # day 0 of a spreadsheet's dates (Excel's and LibreOffice's alike)


def date_in_time() -> tuple[pl.Expr, pl.Expr]:
    """The date a `time` cell holds where a year was meant, and its spreadsheet day number: a day number as text
    (45292 is 2024-01-01) or a date cell read as ISO (2024-01-01, or 1905-07-16 for 2024 typed into a date cell)."""
    time = pl.col("time")
    days = time.str.extract(r"^(\d{5})(?:\.0+)?$").cast(pl.Int64, strict=False)
    iso = time.str.extract(r"^(\d{4}-\d{2}-\d{2})(?:[T ][\d:.]*)?$").str.to_date("%Y-%m-%d", strict=False)
    date = pl.coalesce(SPREADSHEET_EPOCH + pl.duration(days=days), iso)
    return date, (date - SPREADSHEET_EPOCH).dt.total_days()


def check_duplicates(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per key: every repeat is an error that names the first row.

    A hash of the key finds the few candidate rows first; the exact comparison runs on those only."""
    keyed = frame.with_columns(pl.col("classif2").fill_null(""))
    hashed = keyed.select(pl.struct(list(KEY_COLUMNS)).hash().is_duplicated()).to_series()
    if not hashed.any():
        return empty_issues()
    keyed = keyed.filter(hashed)
    first_where = pl.coalesce(pl.format("cell {}", pl.col("_cell")), pl.format("row {}", pl.col(ROW)))
    return row_issues(
        keyed.with_columns(
            first_where.first().over(list(KEY_COLUMNS)).alias("_first"),
            pl.col(ID).min().over(list(KEY_COLUMNS)).alias("_first_id"),
        ),
        rule="key.duplicate",
        column=None,
        mask=pl.col(ID) != pl.col("_first_id"),
        message=pl.format(
            "Same indicator, ref_area, source, sex, classif1, classif2 and time as {}: one value per key.",
            pl.col("_first"),
        ),
    )
