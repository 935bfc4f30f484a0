"""Validation of one submission from file to stored report: the worker's whole job for an upload."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import CharField
from django.utils import timezone

from collection.catalogue.layout import SOURCES_SHEET, TEMPLATE_VERSION
from collection.catalogue.specs import rules_effective, table_specs
from collection.lib.files import UnreadableFile
from collection.lib.published import published_around
from collection.lib.queue import BUILD_ANNOTATED_COPY, enqueue
from collection.models import (
    LAYOUT_COLUMNS,
    DataSource,
    ObservationStatus,
    Severity,
    SourceType,
    StagedObservation,
    Submission,
    ValidationIssue,
)
from collection.submissions.lease import Work, lease_takeovers, leased
from collection.submissions.machine import submission_move
from collection.submissions.sources import datasource_carry_forward
from collection.submissions.staged import staged_pairs, staged_replaced, staged_write
from collection.validation import checks, kinds
from collection.validation.checks import CheckContext, RuleDef
from collection.validation.readers.base import ROW, LongTable, SourceRow
from collection.validation.readers.upload import read_upload

logger = logging.getLogger(__name__)

MAX_ISSUES_PER_RULE = 1000
STAGED_COLUMNS = [c for c in LAYOUT_COLUMNS if c != "obs_value"]  # obs_value is staged as a number
STAGED_DECIMALS = StagedObservation._meta.get_field("obs_value").decimal_places


@dataclass
class ValidationResult:
    """What the checks found and the clean rows to stage when there is no error."""

    issues: pl.DataFrame
    rows: pl.DataFrame
    row_count: int
    observation_count: int
    indicators: list[str] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return self.issues.filter(pl.col("severity") == Severity.ERROR).height

    @property
    def warning_count(self) -> int:
        return self.issues.filter(pl.col("severity") == Severity.WARNING).height


def reported_elsewhere(submission: Submission, published: pl.DataFrame) -> set[tuple[str, str]]:
    """(indicator, year) the country already covers in this round: published, or awaiting a decision."""
    years = {str(y) for y in submission.round.reference_years}
    pairs = {p for p in published.select("indicator", "time").unique().iter_rows() if p[1] in years}
    pending = Submission.objects.filter(
        round_id=submission.round_id,
        country_id=submission.country_id,
        status__in=[Submission.Status.SUBMITTED, Submission.Status.APPROVED],
    ).exclude(pk=submission.pk)
    return pairs | staged_pairs(pending)


def check_context(submission: Submission) -> CheckContext:
    """The catalogue and round facts the checks need, read once."""
    round_ = submission.round
    published = published_around(submission.country_id, list(round_.reference_years))
    return CheckContext(
        country=submission.country_id,
        reference_years=list(round_.reference_years),
        requested=set(round_.tables.values_list("indicator", flat=True)),
        specs=table_specs(),
        source_types=set(SourceType.objects.values_list("code", flat=True)),
        flags=set(ObservationStatus.objects.values_list("code", flat=True)),
        rules=[RuleDef.from_model(r) for r in rules_effective(round_)],
        published=published,
        reported_elsewhere=reported_elsewhere(submission, published),
    )


def validate_table(table: LongTable, ctx: CheckContext) -> ValidationResult:
    """Run every check of the first rule set on a file's rows."""
    frame = table.frame
    header = checks.check_header(table)
    if table.missing_columns:
        return ValidationResult(header, frame.clear(), frame.height, 0)
    empty = frame.filter(pl.col("obs_value").is_null())
    found = [
        header,
        *(
            checks.issue(
                p["rule"], p["message"], sheet=p.get("sheet"), cell=p.get("cell"), indicator=p.get("indicator")
            )
            for p in table.problems
        ),
    ]
    if empty.height:
        example = empty[ROW][0]
        found.append(
            checks.issue(
                "value.empty",
                f"{empty.height} row(s) have no obs_value (first: row {example}) and were not read as observations; "
                "an empty cell means no value, not zero.",
                severity=Severity.WARNING,
                row=example,
                column="obs_value",
            )
        )
    obs = checks.parse_values(frame.filter(pl.col("obs_value").is_not_null()), table.decimal_comma)
    obs = obs.with_row_index(checks.ID)
    if table.sources:
        unknown = [x for x in table.sources if x["source_type"] and x["source_type"] not in ctx.source_types]
        found += [
            checks.issue(
                "sources.unknown_type",
                f"Source type '{x['source_type']}' of {x['indicator']} is "
                f"not one of {', '.join(sorted(ctx.source_types))}; choose one from the list.",
                sheet=SOURCES_SHEET,
                cell=f"C{x['_row']}",
                indicator=x["indicator"],
            )
            for x in unknown
        ]
        obs = obs.filter(~pl.col("indicator").is_in([x["indicator"] for x in unknown]))
    if obs.is_empty() and not table.problems:
        found.append(
            checks.issue("file.no_observations", "The file has no observation: no row has a value in obs_value.")
        )
    found.append(checks.check_rows(obs, ctx))
    found.append(checks.check_duplicates(obs))
    row_errors = pl.concat(found).filter((pl.col("severity") == Severity.ERROR) & pl.col(checks.ID).is_not_null())
    clean = obs.join(
        row_errors.select(pl.col(checks.ID).cast(obs.schema[checks.ID])).unique(), on=checks.ID, how="anti"
    ).with_columns(pl.col("classif2").fill_null(""))
    found.append(kinds.run_rules(clean, ctx))
    indicators = sorted(set(obs["indicator"].drop_nulls().unique()) & set(ctx.specs))
    return ValidationResult(pl.concat(found), clean, frame.height, obs.height, indicators)


INTERNAL_ERROR = (
    "The portal could not finish checking this file. The ILO team has been notified; you may upload it again later."
)


def capped(issues: pl.DataFrame) -> pl.DataFrame:
    """At most MAX_ISSUES_PER_RULE issues per rule and indicator, plus one line saying how many more there are."""
    issues = issues.with_columns(pl.col("indicator").fill_null("")).sort("rule", "indicator", "row", nulls_last=False)
    keep = issues.filter(pl.int_range(pl.len()).over("rule", "indicator") < MAX_ISSUES_PER_RULE)
    over = (
        issues.group_by("severity", "rule", "indicator")
        .agg(pl.len().alias("n"))
        .filter(pl.col("n") > MAX_ISSUES_PER_RULE)
    )
    summaries = over.select(
        "severity",
        "rule",
        pl.format(
            "… and {} more of the same kind ({}); the first {} are listed.",
            pl.col("n") - MAX_ISSUES_PER_RULE,
            pl.col("rule"),
            pl.lit(MAX_ISSUES_PER_RULE),
        ).alias("message"),
        pl.lit(None, dtype=pl.Int64).alias("row"),
        pl.lit(None, dtype=pl.String).alias("column"),
        "indicator",
        *(pl.lit(None, dtype=pl.String).alias(c) for c in checks.ISSUE_KEY),
        pl.lit(None, dtype=pl.String).alias("sheet"),
        pl.lit(None, dtype=pl.String).alias("cell"),
    )
    stored = [c for c in checks.ISSUE_SCHEMA if c != checks.ID]
    out = pl.concat([keep.select(stored), summaries.select(stored)])
    return out.with_columns(
        pl.when(pl.col("indicator") == "").then(None).otherwise(pl.col("indicator")).alias("indicator")
    )


# What each text column of an issue can hold: a code, header or sheet name read from a file can be longer (an
# indicator of 64 characters, a 70-character header) and must not make the report fail to store.
ISSUE_LIMITS: dict[str, int] = {
    f.name: f.max_length for f in ValidationIssue._meta.fields if isinstance(f, CharField) and f.max_length
}


def issue_fitted(row: dict[str, object]) -> dict[str, object]:
    """An issue's text cut to its columns' lengths, marked with an ellipsis (the message quotes what was read)."""
    for name, limit in ISSUE_LIMITS.items():
        value = row.get(name)
        if isinstance(value, str) and len(value) > limit:
            row[name] = value[: limit - 1] + "…"
    return row


def _store_issues(submission: Submission, issues: pl.DataFrame) -> None:
    ValidationIssue.objects.filter(submission=submission).delete()
    ValidationIssue.objects.bulk_create(
        (ValidationIssue(submission=submission, **issue_fitted(row)) for row in capped(issues).iter_rows(named=True)),
        batch_size=2000,
    )


def _settle(submission: Submission, result: ValidationResult, table: LongTable | None) -> None:
    """Store the report (and, for a clean file, the staged rows) and move the submission, in one transaction."""
    valid = result.error_count == 0
    with transaction.atomic():
        _store_issues(submission, result.issues)
        if table is not None and table.kind == "workbook":
            _store_sources(submission, table.sources)
        staged = {}
        if valid:
            staged["staged_file"] = staged_write(submission, _staged_rows(result.rows))
            submission.indicators = result.indicators
            datasource_carry_forward(submission)
        submission_move(
            submission=submission,
            move="pass" if valid else "fail",
            extra={
                **staged,
                "file_format": table.file_format if table is not None else submission.file_format,
                "indicators": result.indicators,
                "row_count": result.row_count,
                "observation_count": result.observation_count,
                "error_count": result.error_count,
                "warning_count": result.warning_count,
                "validated_at": timezone.now(),
            },
        )
        enqueue(BUILD_ANNOTATED_COPY, submission.pk)  # the file with its problems marked, once the report is kept
        if valid:  # the corrected file is in: a returned one's staged rows have served
            staged_replaced(submission)


def _store_sources(submission: Submission, sources: list[SourceRow]) -> None:
    """A workbook's Sources sheet becomes the submission's source metadata (lines with a known type)."""
    known = set(SourceType.objects.values_list("code", flat=True))
    for source in sources:
        if source["source_type"] in known:
            fields = {k: v for k, v in source.items() if k not in ("indicator", "source_type", "_row")}
            DataSource.objects.update_or_create(
                submission=submission,
                indicator=source["indicator"],
                defaults={"source_type_id": source["source_type"], **fields},
            )


def check_identity(table: LongTable, submission: Submission) -> None:
    """A workbook must be the current template, made for this submission's country and round."""
    if table.kind != "workbook":
        return
    identity = table.identity
    download = "Download the current workbook from your country's page and copy your values into it."
    if str(identity.get("template_version")) != str(TEMPLATE_VERSION):
        raise UnreadableFile(
            f"This workbook is template version {identity.get('template_version') or '?'}; the portal now uses "
            f"version {TEMPLATE_VERSION}. {download}",
            rule="workbook.old_version",
        )
    if identity.get("country") != submission.country_id:
        raise UnreadableFile(
            f"This workbook was made for {identity.get('country') or 'another country'}, not for "
            f"{submission.country.name}. {download}",
            rule="workbook.other_country",
        )
    if str(identity.get("round_id")) != str(submission.round_id):
        raise UnreadableFile(
            f"This workbook was made for round '{identity.get('round_name')}', not for '{submission.round.name}'. "
            f"{download}",
            rule="workbook.other_round",
        )


def _staged_rows(rows: pl.DataFrame) -> pl.DataFrame:
    """The clean rows as they are kept for publication: their row in the file, the layout's columns as text
    ('' for an empty one), obs_value a number."""
    return rows.select(
        pl.col(ROW).cast(pl.Int64).alias("row"),
        *(pl.col(c).fill_null("") for c in STAGED_COLUMNS),
        # To the stored precision here, not only by PostgreSQL's numeric: SQLite would keep 706.6000000000001,
        # and publication would call it a revision of the 706.6 published.
        pl.col("value").round(STAGED_DECIMALS).alias("obs_value"),
    )


def too_slow() -> str:
    """The sentence of a validation stopped at its soft time limit."""
    limit = settings.VALIDATION_SOFT_TIME_LIMIT
    took = f"{limit // 60} minutes" if limit >= 120 else f"{limit} second{'s' if limit != 1 else ''}"
    return (
        f"Checking this file took longer than {took}, the portal's limit, so it was stopped. Split it into "
        "smaller files (for example one per table) and upload them, or write to the ILO team."
    )


def worker_lost(times: int) -> str:
    """The sentence of a validation given up after its worker died `times` times doing it."""
    return (
        f"The portal's worker stopped {times} times while checking this file (it may need more memory or time "
        "than the portal has), so it was not checked. Split it into smaller files and upload them, or write "
        "to the ILO team."
    )


def failed(exc: BaseException) -> ValidationResult:
    """What an unexpected end of the work says: too slow, or an internal error (traced in the log)."""
    if isinstance(exc, SoftTimeLimitExceeded):
        return ValidationResult(checks.issue("file.too_slow", too_slow()), pl.DataFrame(), 0, 0)
    return ValidationResult(checks.issue("file.internal_error", INTERNAL_ERROR), pl.DataFrame(), 0, 0)


@leased(Work.VALIDATION)  # one worker at a time (submissions/lease.py); a duplicate message is dropped
def submission_validate(*, submission_id: int) -> Submission | None:
    """Validate an uploaded submission: received → validating → valid | invalid. Never raises on bad input."""
    submission = Submission.objects.select_related("round", "country").filter(pk=submission_id).first()
    if submission is None:
        logger.warning("submission %s no longer exists; nothing to validate", submission_id)
        return None
    if submission.status == Submission.Status.RECEIVED:
        submission_move(submission=submission, move="validate")
    elif submission.status != Submission.Status.VALIDATING:  # a repeated message: the work is done already
        logger.info("submission %s is %s; validation skipped", submission_id, submission.status)
        return submission

    table: LongTable | None = None
    try:
        if (times := lease_takeovers(submission_id)) >= settings.LEASE_TAKEOVER_LIMIT:
            logger.error("validation of submission %s given up: its worker died %s times", submission_id, times)
            raise UnreadableFile(worker_lost(times), rule="file.worker_lost")
        table = read_upload(Path(submission.file.path))
        check_identity(table, submission)
        result = validate_table(table, check_context(submission))
    except UnreadableFile as exc:
        result = ValidationResult(checks.issue(exc.rule, str(exc), row=exc.row), pl.DataFrame(), 0, 0)
    except (Exception, pl.exceptions.PanicException) as exc:  # the worker never dies on input: it ends invalid
        logger.exception("validation of submission %s failed", submission_id)
        result = failed(exc)  # the soft time limit (SoftTimeLimitExceeded) is one of these

    try:
        _settle(submission, result, table)
    except Exception as exc:  # storing the report failed (or ran out of time): it still ends, with a sentence
        logger.exception("storing the report of submission %s failed", submission_id)
        submission.refresh_from_db()
        result = failed(exc)
        _settle(submission, result, None)
    logger.info(
        "submission %s validated: %s errors, %s warnings", submission_id, result.error_count, result.warning_count
    )
    return submission
