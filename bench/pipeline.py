"""Validation and publication at scale: a 1,000,000-observation CSV and a 200,000-observation XLSX from upload to
report, and publication of the CSV into a 10,000,000-row master table; baselines are bare COPYs of the same file
and django-import-export on a cut of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import polars as pl
import tablib
from django.conf import settings
from django.core.files import File
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from import_export import resources
from python_calamine import CalamineWorkbook

from bench.data import bare_table, execute, long_frame, write_xlsx
from bench.report import Row, timed
from collection.lib.bulkload import bulk_load
from collection.lib.longlayout import LONG_HEADER
from collection.models import (
    KEY_COLUMNS,
    Country,
    Observation,
    Publication,
    Release,
    Round,
    StagedObservation,
    Submission,
    TableDefinition,
)
from collection.people.accounts import user_create_or_update
from collection.publication.partitions import partitions_ensure
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve
from collection.submissions.machine import submission_move
from collection.submissions.upload import submission_upload

COUNTRY = "THA"
# BENCH_SCALE=10 runs everything at a tenth of the size (100,000 observations into a master of 1 million): a quick
# check of a change, not the figures the README quotes.
SCALE = int(os.environ.get("BENCH_SCALE", "1"))
CSV_ROWS = 1_000_000 // SCALE
XLSX_ROWS = 200_000 // SCALE
MASTER_ROWS = 10_000_000 // SCALE
IMPORT_EXPORT_ROWS = 20_000 // SCALE
# Master rows of other countries: non-ASEAN ISO3 codes, each holding a copy of the submission's keys.
OTHER_AREAS = ("AUS", "BGD", "CHN", "DEU", "FRA", "GBR", "IND", "JPN", "KOR", "USA", "NPL", "PAK")
MEMORY_LIMIT_MB = 1536
# BENCH_SKIP_IMPORT_EXPORT=1 leaves out the slowest baseline (about 40 s) in a run checking publication alone;
# BENCH_EXPLAIN=1 prints the plan (EXPLAIN ANALYZE, BUFFERS) of every statement of the publication over 100 ms.
SKIP_IMPORT_EXPORT = os.environ.get("BENCH_SKIP_IMPORT_EXPORT") == "1"
EXPLAIN = os.environ.get("BENCH_EXPLAIN") == "1"
# BENCH_THA_HISTORY=5000000: the country's partition itself big (5 M rows of its history), the master's size kept.
THA_HISTORY = int(os.environ.get("BENCH_THA_HISTORY", "0")) // SCALE

# The worker's job in a child process of its own, so that its peak memory is measured alone.
CHILD = """
import json, resource, sys, time
import django
django.setup()
from collection.validation.run import submission_validate
start = time.perf_counter()
submission = submission_validate(submission_id=int(sys.argv[1]))
print(json.dumps({"seconds": time.perf_counter() - start, "status": submission.status,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _progress(what: str) -> None:
    """A line on stderr per stage: the run takes minutes and the table comes at the end."""
    print(f"[{time.strftime('%H:%M:%S')}] pipeline: {what}", file=sys.stderr, flush=True)


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _upload_and_validate(path: Path, round_: Round, user) -> tuple[float, float, Submission]:
    """Upload through the service, then validate in a worker-like child process: (seconds, peak MB, submission)."""
    with open(path, "rb") as fh:
        upload_seconds, submission = timed(
            lambda: submission_upload(
                user=user, round=round_, country=Country.objects.get(pk=COUNTRY), uploaded_file=File(fh, path.name)
            )
        )
    env = {**os.environ, "DATABASE_URL": _database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(submission.pk)], env=env, capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    submission.refresh_from_db()
    assert submission.status == Submission.Status.VALID, (result, list(submission.issues.values_list("message")[:5]))
    return upload_seconds + result["seconds"], result["peak_mb"], submission


def _copy_file(table: str, path: Path) -> None:
    """The floor: the file's bytes straight into COPY, 1 MB at a time."""
    sql = f"COPY {table} ({', '.join(LONG_HEADER)}) FROM STDIN (FORMAT csv, HEADER true)"
    with connection.cursor() as cursor, open(path, "rb") as fh, cursor.cursor.copy(sql) as copy:
        while chunk := fh.read(1 << 20):
            copy.write(chunk)


def _fill_master(frame: pl.DataFrame, years: list[int], publication: Publication) -> int:
    """10 million published rows: the first half of the submission's years (to be revised) and copies of its keys
    for other countries, loaded with COPY into the bare table (data.bare_table). With BENCH_THA_HISTORY, that many
    earlier versions of the revised keys too (history of the country), the other countries holding as many fewer."""
    revised = frame.filter(pl.col("time").cast(pl.Int64) < years[len(years) // 2])
    history = (
        pl.concat([revised] * -(-THA_HISTORY // revised.height)).head(THA_HISTORY) if THA_HISTORY else revised.head(0)
    )
    per_area, extra = divmod(MASTER_ROWS - revised.height - history.height, len(OTHER_AREAS))
    parts = [(revised, True), (history, False)] + [
        (frame.head(per_area + (i < extra)).with_columns(pl.lit(area).alias("ref_area")), True)
        for i, area in enumerate(OTHER_AREAS)
    ]
    partitions_ensure([COUNTRY, *OTHER_AREAS])
    loaded = 0
    with bare_table(Observation._meta.db_table):
        for part, current in parts:
            loaded += bulk_load(
                Observation,
                part.select(
                    *(c for c in LONG_HEADER if c != "obs_value"),
                    # Two decimals where the file has one: every published value differs, so every key is revised.
                    ((pl.col("obs_value").cast(pl.Float64) * 0.9).round(1) + 0.01).alias("obs_value"),
                    *(pl.lit("").alias(c) for c in ("note_classif", "note_indicator", "note_source")),
                    pl.lit(publication.submission_id).alias("submission_id"),
                    pl.int_range(2, part.height + 2).alias("source_row"),
                    pl.lit(publication.pk).alias("publication_id"),
                    pl.lit(current).alias("is_current"),
                    pl.lit(None if current else publication.pk, dtype=pl.Int64).alias("superseded_by_id"),
                ),
            )
    return loaded


class StagedObservationResource(resources.ModelResource):
    """django-import-export as one would declare it for the long layout: new rows (an empty `id`), so the only
    lookup per row is by primary key; the fastest ordinary import, whatever the table's other indexes."""

    class Meta:
        model = StagedObservation
        import_id_fields = ("id",)
        fields = ("id", *LONG_HEADER, "submission", "row")


def _import_export(frame: pl.DataFrame, submission: Submission) -> float:
    cut = frame.head(IMPORT_EXPORT_ROWS).with_columns(
        pl.lit(None, dtype=pl.Int64).alias("id"),
        pl.lit(submission.pk).alias("submission"),
        pl.int_range(2, IMPORT_EXPORT_ROWS + 2).alias("row"),
    )
    dataset = tablib.Dataset(*cut.rows(), headers=cut.columns)
    seconds, result = timed(lambda: StagedObservationResource().import_data(dataset, raise_errors=True))
    assert result.totals["new"] == IMPORT_EXPORT_ROWS, result.totals
    StagedObservation.objects.filter(submission=submission).delete()
    return seconds


def _explained() -> None:
    """auto_explain for this session, its plans sent to the client as notices and printed on stderr."""
    execute(
        "LOAD 'auto_explain'",
        "SET auto_explain.log_min_duration = 100",
        "SET auto_explain.log_analyze = on",
        "SET auto_explain.log_buffers = on",
        "SET auto_explain.log_nested_statements = on",
        "SET auto_explain.log_level = notice",
    )
    connection.connection.add_notice_handler(lambda d: print(d.message_primary, file=sys.stderr, flush=True))


def run() -> list[Row]:
    media = tempfile.TemporaryDirectory()
    # The services enqueue the worker's next task on commit; here the bench is the worker.
    with (
        media,
        override_settings(MEDIA_ROOT=media.name),
        mock.patch("collection.submissions.machine.enqueue"),
    ):
        return _run(Path(media.name))


def _run(folder: Path) -> list[Row]:
    focal_point = user_create_or_update(username="bench_fp", role="focal_point", countries=[COUNTRY])
    reviewer = user_create_or_update(username="bench_reviewer", role="reviewer")
    frame, years = long_frame(country=COUNTRY, observations=CSV_ROWS)
    round_ = Round.objects.create(
        name="bench back-fill", reference_years=years, deadline=timezone.localdate(), status=Round.Status.OPEN
    )
    round_.countries.set([COUNTRY])
    round_.tables.set(TableDefinition.objects.all())
    csv_path, xlsx_path = folder / "tha-long.csv", folder / "tha-long.xlsx"
    frame.write_csv(csv_path)
    per_year = frame.height // len(years)
    xlsx_frame = frame.filter(pl.col("time").cast(pl.Int64) < years[0] + -(-XLSX_ROWS // per_year))
    write_xlsx(xlsx_frame, xlsx_path)

    _progress("filling the master table")
    previous = Round.objects.create(
        name="bench previous", reference_years=years, deadline=timezone.localdate(), status=Round.Status.CLOSED
    )
    old = Submission.objects.create(
        round=previous,
        country_id=COUNTRY,
        original_filename="published.csv",
        sha256="0" * 64,
        file_format="csv",
        uploaded_by=focal_point,
        status=Submission.Status.PUBLISHED,
    )
    release = Release.objects.create(title="bench previous", public_at=timezone.now())
    publication = Publication.objects.create(submission=old, release=release, approved_by=reviewer)
    already = Observation.objects.count()  # what other benchmarks published (the workbook's THA years)
    loaded = _fill_master(frame, years, publication)
    master_rows = already + loaded

    # Validation runs against that master: the year-on-year rules read the country's published values.
    _progress("validating the CSV")
    csv_seconds, csv_peak, submission = _upload_and_validate(csv_path, round_, focal_point)
    _progress("validating the XLSX")
    xlsx_seconds, _, _ = _upload_and_validate(xlsx_path, round_, focal_point)
    calamine_seconds, _ = timed(lambda: CalamineWorkbook.from_path(str(xlsx_path)).get_sheet_by_index(0).to_python())

    _progress("baselines")
    typed = ", ".join(f"{c} {'double precision' if c == 'obs_value' else 'text'}" for c in LONG_HEADER)
    key = ", ".join(KEY_COLUMNS)
    execute(f"CREATE TABLE bench_plain ({typed})", f"CREATE TABLE bench_keyed ({typed})")
    copy_seconds, _ = timed(lambda: _copy_file("bench_plain", csv_path))
    others = f"SELECT {', '.join(LONG_HEADER)} FROM {Observation._meta.db_table} WHERE ref_area <> %s"
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO bench_keyed {others}", [COUNTRY])
        keyed_rows = cursor.rowcount
    execute(f"CREATE UNIQUE INDEX bench_keyed_key ON bench_keyed ({key})", "ANALYZE bench_keyed")
    keyed_seconds, _ = timed(lambda: _copy_file("bench_keyed", csv_path))
    execute("DROP TABLE bench_plain", "DROP TABLE bench_keyed")

    _progress("publishing")
    # Straight to review: source metadata and warning explanations are the focal point's work, not measured here.
    submission_move(submission=submission, move="submit", actor=focal_point)
    submission_approve(user=reviewer, submission=submission)
    revised = Observation.objects.filter(ref_area=COUNTRY, is_current=True).count()  # all of them are revised
    own_rows = Observation.objects.filter(ref_area=COUNTRY).count()  # what the country's partition holds
    if EXPLAIN:
        _explained()
    publish_seconds, published = timed(lambda: observations_publish(submission_id=submission.pk))
    assert published.observation_count == frame.height, published.observation_count
    assert published.revised_count == revised, (published.revised_count, revised)

    n, m, x = f"{frame.height:,}", f"{master_rows:,}", f"{xlsx_frame.height:,}"
    rows = [
        Row(
            f"CSV of {n} obs.: upload, checks, issues, staging",
            csv_seconds,
            "bare COPY of the file, no index",
            copy_seconds,
            "< 3x the bare COPY",
            csv_seconds < 3 * copy_seconds,
        ),
        Row(f"XLSX of {x} obs.: upload to report", xlsx_seconds, "calamine read of the sheet alone", calamine_seconds),
        Row(
            f"publish the {n} into {m} ({published.revised_count:,} revised; {COUNTRY} had {own_rows:,})",
            publish_seconds,
            f"COPY of the file, unique key, {keyed_rows:,} rows",
            keyed_seconds,
            "< 2x that COPY",
            publish_seconds < 2 * keyed_seconds,
        ),
        Row(
            f"worker peak memory validating the {n} CSV",
            csv_peak,
            "limit",
            MEMORY_LIMIT_MB,
            f"< {MEMORY_LIMIT_MB / 1024:.1f} GB",
            csv_peak < MEMORY_LIMIT_MB,
            unit="MB",
        ),
    ]
    if SKIP_IMPORT_EXPORT:
        return rows
    _progress("django-import-export")
    import_export_seconds = _import_export(frame, old) * frame.height / IMPORT_EXPORT_ROWS
    rows.insert(
        3,
        Row(
            f"django-import-export, {IMPORT_EXPORT_ROWS:,} rows x{frame.height / IMPORT_EXPORT_ROWS:.0f}",
            import_export_seconds,
            f"the portal on the {n} CSV",
            csv_seconds,
            ">= 100x the portal",
            import_export_seconds >= 100 * csv_seconds,
        ),
    )
    return rows
