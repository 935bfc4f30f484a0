"""The world's scale, simulated: 190 ISO 3166 countries x the 16 tables x 10 years (2015-2024) published, about 20
million master rows, then the public reads of one table and one country over real HTTP (gunicorn, as deployed),
and one country's publication of a real submission, each beside its same-run baseline.

The master: every country's keys (200 partner countries, two source types) in a first release a year ago, its
2023-2024 revised ten days ago (a sixth of the rows are history, as ILOSTAT's recent years are the revised ones),
and Thailand's 2023-2024 revised again in a release scheduled for tomorrow (an embargo pending). The ten ASEAN
countries are in their region with their own model's values; the other 180 are a second region.

The publication: Viet Nam's file of six years back-filled (2009-2014, new keys) and six revised (2019-2024, every
value changed), about 106,000 observations, uploaded, validated and published through the services as the worker
would; its baseline is a COPY of the same file into a table holding the master's rows with the master's key."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from unittest import mock

import httpx
import polars as pl
import pycountry
from django.core.files import File
from django.db import connection
from django.utils import timezone

from bench.data import SECOND_SOURCE, bare_table, execute
from bench.reads import bare_page, get, master_rows, p95, publications, sdmx_row, timed_repeats
from bench.report import Row, timed
from bench.server import running_server
from collection.catalogue.regions import iso_country_name
from collection.catalogue.specs import table_specs
from collection.demo.samples import sample_rows
from collection.lib.longlayout import LONG_HEADER
from collection.models import (
    KEY_COLUMNS,
    Country,
    Observation,
    Publication,
    Region,
    Release,
    Round,
    Submission,
    TableDefinition,
)
from collection.people.accounts import user_create_or_update
from collection.publication.partitions import partitions_ensure
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve
from collection.submissions.machine import submission_move
from collection.submissions.upload import submission_upload
from collection.validation.run import submission_validate

# BENCH_SCALE=10: a tenth of the countries (a quick check of a change, not the README's figures).
SCALE = int(os.environ.get("BENCH_SCALE", "1"))
ASEAN = ("BRN", "IDN", "KHM", "LAO", "MMR", "MYS", "PHL", "SGP", "THA", "VNM")
COUNTRIES = max(len(ASEAN) + 1, 190 // SCALE)
PARTNERS = 200
YEARS = range(2015, 2025)
REVISED_FROM = 2023  # every country's 2023-2024 revised ten days ago
EMBARGO = "THA"  # Thailand's 2023-2024 revised again, public tomorrow
TABLE = "MST_FORP_SEX_CBR_NB"
TYPICAL = {"indicator": TABLE, "ref_area": EMBARGO, "time_from": str(YEARS[0]), "time_to": str(YEARS[-1])}
TYPICAL_WHERE = "is_current AND indicator = %s AND ref_area = %s AND time BETWEEN %s AND %s"
PUBLISHER = "VNM"
NEW_YEARS = range(2009, 2015)  # back-filled: keys the master does not hold
REVISED_YEARS = range(2019, 2025)  # sent again with every value changed


def _progress(what: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] world: {what}", file=sys.stderr, flush=True)


def _one_year(country: str, year: int) -> pl.DataFrame:
    """A country's keys of one year with both source types, in the long layout (text columns)."""
    one = pl.DataFrame(sample_rows(table_specs().values(), country=country, years=[year], partners=PARTNERS))
    return pl.concat([one, one.with_columns(pl.col("source").replace(SECOND_SOURCE))]).select(LONG_HEADER)


def _over_years(one: pl.DataFrame, years: range) -> pl.DataFrame:
    return (
        one.join(pl.DataFrame({"year": [str(y) for y in years]}), how="cross")
        .with_columns(pl.col("year").alias("time"))
        .select(LONG_HEADER)
    )


def world_countries() -> list[str]:
    """ASEAN and the first others of ISO 3166 by code, as Country rows in two regions."""
    others = sorted(c.alpha_3 for c in pycountry.countries if c.alpha_3 not in ASEAN)[: COUNTRIES - len(ASEAN)]
    Country.objects.bulk_create(
        [Country(iso3=c, name=iso_country_name(c) or c) for c in (*ASEAN, *others)], ignore_conflicts=True
    )
    asean, _ = Region.objects.get_or_create(code="ASEAN", defaults={"name": "ASEAN"})
    asean.countries.add(*ASEAN)
    world, _ = Region.objects.get_or_create(code="WORLD", defaults={"name": "Rest of the world", "sort_order": 1})
    world.countries.add(*others)
    return [*ASEAN, *others]


def _parts(
    countries: list[str], first: Publication, revision: Publication, held: Publication
) -> Iterator[pl.DataFrame]:
    """The master, country by country: the first release, the revision of 2023-2024 (the first's rows of those
    years superseded by it) and Thailand's embargoed third version. Two decimals where a file has one, so that
    the publisher's file changes every value it sends again."""
    year = pl.col("time").cast(pl.Int64)
    template = _over_years(_one_year("THA", YEARS[0]), YEARS)
    for country in countries:
        frame = (
            _over_years(_one_year(country, YEARS[0]), YEARS)
            if country in ASEAN
            else template.with_columns(pl.lit(country).alias("ref_area"))
        )
        revised = frame.filter(year >= REVISED_FROM)
        embargoed = country == EMBARGO
        yield master_rows(frame, first, factor=0.9, current=year < REVISED_FROM).with_columns(
            pl.col("obs_value") + 0.01,
            pl.when(year >= REVISED_FROM).then(pl.lit(revision.pk)).otherwise(None).alias("superseded_by_id"),
        )
        yield master_rows(revised, revision, factor=0.92, current=not embargoed).with_columns(
            pl.col("obs_value") + 0.01,
            pl.lit(held.pk if embargoed else None, dtype=pl.Int64).alias("superseded_by_id"),
        )
        if embargoed:
            yield master_rows(revised, held, factor=0.95, current=True).with_columns(pl.col("obs_value") + 0.01)


def world_fill() -> tuple[int, float]:
    """COPY every country's rows into the bare master, then its indexes and VACUUM ANALYZE: (rows, seconds)."""
    from collection.lib.bulkload import bulk_load

    start = time.perf_counter()
    countries = world_countries()
    made = publications(
        ("World annual returns", "World revisions 2023-2024", "Thailand 2026 annual return"), years=YEARS
    )
    table = Observation._meta.db_table
    execute(f"TRUNCATE {table}")
    partitions_ensure(countries)  # each country's rows straight into its partition (else moved once more at the end)
    loaded = 0
    # One VACUUM ANALYZE at the end, not an ANALYZE after each country's COPY (what bulk_load does for a
    # submission's rows): 380 of them on a growing table were half of the build.
    with bare_table(table, then="VACUUM ANALYZE"), mock.patch("collection.lib.bulkload.analyze_after_commit"):
        for i, part in enumerate(_parts(countries, *made)):
            loaded += bulk_load(Observation, part)
            if i % 60 == 0:
                _progress(f"{loaded:,} rows")
    return loaded, time.perf_counter() - start


def _copy_file(table: str, path: Path) -> None:
    """The floor of a publication: the file's bytes straight into COPY."""
    sql = f"COPY {table} ({', '.join(LONG_HEADER)}) FROM STDIN (FORMAT csv, HEADER true)"
    with connection.cursor() as cursor, open(path, "rb") as fh, cursor.cursor.copy(sql) as copy:
        while chunk := fh.read(1 << 20):
            copy.write(chunk)


def _keyed_copy(path: Path) -> tuple[float, int]:
    """COPY of the file into a table holding the master's other rows (current and history) under the master's
    key (unique per key among current rows): (seconds, rows the table held)."""
    typed = ", ".join(f"{c} {'double precision' if c == 'obs_value' else 'text'}" for c in LONG_HEADER)
    execute(f"CREATE TABLE bench_world_keyed ({typed}, is_current boolean NOT NULL DEFAULT true)")
    columns = ", ".join(LONG_HEADER)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO bench_world_keyed SELECT {columns}, is_current FROM {Observation._meta.db_table} "
            "WHERE ref_area <> %s",
            [PUBLISHER],
        )
        held = cursor.rowcount
    execute(
        "SET maintenance_work_mem = '512MB'",
        f"CREATE UNIQUE INDEX bench_world_keyed_key ON bench_world_keyed ({', '.join(KEY_COLUMNS)}) WHERE is_current",
        "ANALYZE bench_world_keyed",
    )
    try:
        seconds, _ = timed(lambda: _copy_file("bench_world_keyed", path))
    finally:
        execute("DROP TABLE bench_world_keyed")
    return seconds, held


def _publication_row(folder: Path, master: int) -> Row:
    """Viet Nam's file through upload, validation, approval and publication; its COPY beside it."""
    # The master's keys of the country, a year's values copied across the years (the totals still add up).
    one = _one_year(PUBLISHER, YEARS[0])
    frame = pl.concat([_over_years(one, NEW_YEARS), _over_years(one, REVISED_YEARS)])
    path = folder / f"{PUBLISHER.lower()}-long.csv"
    frame.write_csv(path)
    focal_point = user_create_or_update(username="bench_world_fp", role="focal_point", countries=[PUBLISHER])
    reviewer = user_create_or_update(username="bench_world_reviewer", role="reviewer")
    round_ = Round.objects.create(
        name="bench world back-fill",
        reference_years=[*NEW_YEARS, *REVISED_YEARS],
        deadline=timezone.localdate(),
        status=Round.Status.OPEN,
    )
    round_.countries.set([PUBLISHER])
    round_.tables.set(TableDefinition.objects.all())
    _progress(f"validating {PUBLISHER}'s file of {frame.height:,} observations")
    with open(path, "rb") as fh:
        submission = submission_upload(
            user=focal_point,
            round=round_,
            country=Country.objects.get(pk=PUBLISHER),
            uploaded_file=File(fh, path.name),
        )
    submission = submission_validate(submission_id=submission.pk)
    assert submission is not None and submission.status == Submission.Status.VALID, (
        list(submission.issues.filter(severity="error").values_list("message", flat=True)[:5]) if submission else None
    )
    _progress("the COPY into a table with the master key")
    keyed_seconds, keyed_rows = _keyed_copy(path)
    submission_move(submission=submission, move="submit", actor=focal_point)
    submission_approve(user=reviewer, submission=submission)
    revised = Observation.objects.filter(ref_area=PUBLISHER, is_current=True, time__gte=str(REVISED_YEARS[0])).count()
    _progress("publishing")
    seconds, published = timed(lambda: observations_publish(submission_id=submission.pk))
    assert published is not None and published.observation_count == frame.height, published
    assert published.revised_count == revised, (published.revised_count, revised)
    return Row(
        f"world: publish {PUBLISHER}'s {frame.height:,} obs. into {master:,} "
        f"({published.revised_count:,} revised, {published.new_count:,} new)",
        seconds,
        f"COPY of the file, master key, {keyed_rows:,} rows",
        keyed_seconds,
        "< 2x that COPY",
        seconds < 2 * keyed_seconds,
    )


def run() -> list[Row]:
    if connection.vendor != "postgresql":
        print("world skipped: it measures a 20-million-row master and needs DATABASE_URL=postgres://...")
        return []
    _progress(f"filling the master: {COUNTRIES} countries x 16 tables x {len(YEARS)} years")
    loaded, build_seconds = world_fill()
    _progress(f"{loaded:,} rows in {build_seconds:.0f} s; starting gunicorn")
    rows = [Row(f"build the world master: {loaded:,} rows (COPY, indexes, VACUUM ANALYZE)", build_seconds, "-", 0)]
    params = [TABLE, EMBARGO, str(YEARS[0]), str(YEARS[-1])]
    with running_server() as server, httpx.Client(base_url=server.url, timeout=600) as client:
        found = get(client, "/api/v1/observations/", TYPICAL).json()["count"]
        label = f"world: observations {TABLE} {EMBARGO} {YEARS[0]}-{YEARS[-1]} ({found:,} values, page of 100)"
        bare = p95(timed_repeats(lambda: bare_page(TYPICAL_WHERE, params)))
        _progress("typical read, an embargo pending")
        held = p95(timed_repeats(lambda: get(client, "/api/v1/observations/", TYPICAL)))
        rows.append(
            Row(f"{label}, embargo pending, p95", held, "bare SQL page + count", bare, "p95 <= 50 ms", held <= 50, "ms")
        )
        _progress("SDMX")
        sdmx = sdmx_row(client, TABLE, EMBARGO)
        sdmx.what = f"world: {sdmx.what}"
        rows.append(sdmx)
        _progress("typical read, no embargo pending")
        Release.objects.filter(scheduled=True).update(public_at=timezone.now() - timedelta(seconds=1))
        free = p95(timed_repeats(lambda: get(client, "/api/v1/observations/", TYPICAL)))
        rows.append(
            Row(f"{label}, no embargo, p95", free, "bare SQL page + count", bare, "p95 <= 50 ms", free <= 50, "ms")
        )
    # The services hand the worker its next task after commit; here the bench is the worker.
    with tempfile.TemporaryDirectory() as folder, mock.patch("collection.lib.queue.send", return_value=True):
        from django.test import override_settings

        with override_settings(MEDIA_ROOT=folder):
            rows.append(_publication_row(Path(folder), loaded))
    return rows
