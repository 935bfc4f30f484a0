"""Public reads on a 10,000,000-row master, over real HTTP (gunicorn, one sync worker): the observations API with
a typical filter (now with an embargo pending, as of a month back, and with none pending), an SDMX data query,
a CSV of a million rows in constant memory, and a repeat answered 304. Baselines are the bare SQL of the same
rows through psycopg in the same run.

The master is ASEAN-shaped: the ten countries x 16 tables x 15 years (2010-2024) with 250 partner countries and
two source types, a first release a year ago, a revision of 2020-2024 ten days ago (so a read a month back
ranks real history) and Thailand's 2023-2024 revised again in a release scheduled for tomorrow (embargoed);
the rest of the ten million are other countries' values, as ILOSTAT's master holds them."""

from __future__ import annotations

import logging
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from unittest import mock

import httpx
import polars as pl
import pycountry
from django.db import connection
from django.utils import timezone

from bench.data import bare_table, execute
from bench.report import Row
from bench.server import Server, running_server
from collection.catalogue.specs import table_specs
from collection.demo.samples import sample_rows
from collection.lib.bulkload import bulk_load
from collection.lib.longlayout import LONG_HEADER
from collection.models import (
    KEY_COLUMNS,
    LAYOUT_COLUMNS,
    Observation,
    Publication,
    Release,
    Round,
    Submission,
    TableDimension,
)
from collection.people.accounts import user_create_or_update

SCALE = int(os.environ.get("BENCH_SCALE", "1"))
MASTER_ROWS = 10_000_000 // SCALE
ASEAN = ("BRN", "IDN", "KHM", "LAO", "MMR", "MYS", "PHL", "SGP", "THA", "VNM")
YEARS = range(2010, 2025)
REVISED_FROM = 2020  # revised ten days ago
EMBARGO = ("THA", 2023)  # Thailand's 2023-2024 revised again, public tomorrow
SECOND_SOURCE = {"BA": "AA", "FA": "EA"}
TABLE = "MST_FORP_SEX_CBR_NB"  # foreign-born population by country of birth: one of the larger tables
TYPICAL = {"indicator": TABLE, "ref_area": "THA", "time_from": "2015", "time_to": "2024"}
CSV_AREAS = ("BRN", "IDN", "KHM", "LAO", "MMR", "MYS", "THA")  # with time_from=2011: about a million rows
REPEATS = 40
ORDER = ", ".join(KEY_COLUMNS)  # the API's order


logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request


def _progress(what: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] reads: {what}", file=sys.stderr, flush=True)


def _country_frame(country: str) -> pl.DataFrame:
    """One country's keys over the years, in the long layout (text columns), totals that add up."""
    one = pl.DataFrame(sample_rows(table_specs().values(), country=country, years=[YEARS[0]], partners=250))
    both = pl.concat([one, one.with_columns(pl.col("source").replace(SECOND_SOURCE))])
    return (
        both.join(pl.DataFrame({"year": [str(y) for y in YEARS]}), how="cross")
        .with_columns(pl.col("year").alias("time"))
        .select(LONG_HEADER)
    )


def master_rows(
    frame: pl.DataFrame, publication: Publication, *, factor: float, current: bool | pl.Expr
) -> pl.DataFrame:
    """Master rows of one publication: values scaled by `factor` (each version differs), no successor yet."""
    return frame.select(
        *(c for c in LONG_HEADER if c != "obs_value"),
        ((pl.col("obs_value").cast(pl.Float64) * factor).round(1)).alias("obs_value"),
        *(pl.lit("").alias(c) for c in ("note_classif", "note_indicator", "note_source")),
        pl.lit(publication.submission_id).alias("submission_id"),
        pl.int_range(2, frame.height + 2).alias("source_row"),
        pl.lit(publication.pk).alias("publication_id"),
        (current if isinstance(current, pl.Expr) else pl.lit(current)).alias("is_current"),
        pl.lit(None, dtype=pl.Int64).alias("superseded_by_id"),
    )


def publications(
    titles: tuple[str, str, str] = ("ASEAN annual returns", "ASEAN revisions 2020-2024", "Thailand 2026 annual return"),
    years: range = YEARS,
) -> tuple[Publication, Publication, Publication]:
    """A year-old first release, a revision ten days ago and one scheduled for tomorrow (approved an hour ago)."""
    reviewer = user_create_or_update(username="bench_reads_reviewer", role="reviewer")
    now = timezone.now()
    round_ = Round.objects.create(
        name=f"bench {titles[0]}", reference_years=list(years), deadline=now.date(), status=Round.Status.CLOSED
    )
    made = []
    for title, public_at, approved_at in (
        (titles[0], now - timedelta(days=400), now - timedelta(days=401)),
        (titles[1], now - timedelta(days=10), now - timedelta(days=11)),
        (titles[2], now + timedelta(days=1), now - timedelta(hours=1)),
    ):
        submission = Submission.objects.create(
            round=round_,
            country_id="THA",
            original_filename=f"{title}.csv",
            sha256="0" * 64,
            file_format="csv",
            uploaded_by=reviewer,
            status=Submission.Status.PUBLISHED,
        )
        release = Release.objects.create(title=title, public_at=public_at, scheduled=public_at > now)
        made.append(
            Publication.objects.create(
                submission=submission, release=release, approved_by=reviewer, approved_at=approved_at
            )
        )
    return made[0], made[1], made[2]


def _parts(first: Publication, revision: Publication, embargoed: Publication) -> Iterator[pl.DataFrame]:
    """The master, country by country: ASEAN with its history and embargo, then other countries' values."""
    year = pl.col("time").cast(pl.Int64)
    loaded = 0
    for country in ASEAN:
        frame = _country_frame(country)
        revised = frame.filter(year >= REVISED_FROM)
        held = frame.filter(year >= EMBARGO[1]) if country == EMBARGO[0] else frame.clear()
        first_rows = master_rows(frame, first, factor=1.0, current=year < REVISED_FROM)
        yield first_rows.with_columns(
            pl.when(year >= REVISED_FROM).then(pl.lit(revision.pk)).otherwise(None).alias("superseded_by_id")
        )
        held_back = year >= EMBARGO[1] if country == EMBARGO[0] else pl.lit(False)
        yield master_rows(revised, revision, factor=1.02, current=~held_back).with_columns(
            pl.when(held_back).then(pl.lit(embargoed.pk)).otherwise(None).alias("superseded_by_id")
        )
        yield master_rows(held, embargoed, factor=1.03, current=True)
        loaded += frame.height + revised.height + held.height
    others = sorted(c.alpha_3 for c in pycountry.countries if c.alpha_3 not in ASEAN)
    template = _country_frame("THA")
    for area in others:
        if loaded >= MASTER_ROWS:
            break
        part = template.head(MASTER_ROWS - loaded).with_columns(pl.lit(area).alias("ref_area"))
        yield master_rows(part, first, factor=0.9, current=True)
        loaded += part.height


def _fill_master() -> int:
    """COPY into the bare table, then the indexes and VACUUM ANALYZE, as a restore would (see data.bare_table)."""
    table = Observation._meta.db_table
    execute(f"TRUNCATE {table}")
    # One VACUUM ANALYZE at the end, not an ANALYZE after each part's COPY (what bulk_load does for a
    # submission's rows).
    with bare_table(table, then="VACUUM ANALYZE"), mock.patch("collection.lib.bulkload.analyze_after_commit"):
        return sum(bulk_load(Observation, part) for part in _parts(*publications()))


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] * 1000


def timed_repeats(work: Callable[[], object]) -> list[float]:
    for _ in range(3):  # warm: the first reads pull pages into the cache and open the connection
        work()
    samples = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return samples


def get(client: httpx.Client, path: str, params: dict[str, str], expect: int = 200, **headers: str) -> httpx.Response:
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == expect, (path, params, response.status_code, response.text[:300])
    return response


def bare_page(where: str, params: list[object]) -> None:
    """The floor of a page: the same 100 current rows and their count, straight through psycopg."""
    table = Observation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE {where}", params)
        cursor.fetchall()
        cursor.execute(f"SELECT * FROM {table} WHERE {where} ORDER BY {ORDER} LIMIT 100", params)
        cursor.fetchall()


TYPICAL_WHERE = "is_current AND indicator = %s AND ref_area = %s AND time BETWEEN %s AND %s"
TYPICAL_PARAMS = [TABLE, "THA", "2015", "2024"]


def copy_out(where: str, params: list[object]) -> int:
    """The floor of a download: COPY (SELECT the same columns) TO STDOUT, every byte read."""
    sql = (
        f"COPY (SELECT {', '.join(LAYOUT_COLUMNS)} FROM {Observation._meta.db_table} WHERE {where} "
        f"ORDER BY {ORDER}) TO STDOUT (FORMAT csv, HEADER true)"
    )
    size = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql, params) as copy:
        for chunk in copy:
            size += len(chunk)
    return size


def sdmx_row(client: httpx.Client, table: str = TABLE, country: str = "THA") -> Row:
    """SDMX-CSV of one table and one country beside a COPY of the same current rows."""
    breakdowns = TableDimension.objects.filter(table_id=table, column__in=("classif1", "classif2")).count()
    key = country + "." * (3 + breakdowns)  # REF_AREA.FREQ.MEASURE.SEX.<one per breakdown>, all but the area open
    path = f"/sdmx/data/ILO,DF_{table},1.0/{key}"
    bare = p95(timed_repeats(lambda: copy_out("is_current AND indicator = %s AND ref_area = %s", [table, country])))
    probe = client.get(path, params={"format": "sdmx-csv"})
    what = f"SDMX-CSV {path}"
    if probe.status_code == 404:
        return Row(f"{what}: not available (404)", 0, "COPY of the same rows", bare, "p95 <= 100 ms", None, "ms")
    samples = timed_repeats(lambda: get(client, path, {"format": "sdmx-csv"}))
    return Row(f"{what}, p95", p95(samples), "COPY of the same rows", bare, "p95 <= 100 ms", p95(samples) <= 100, "ms")


def _csv_rows(client: httpx.Client, server: Server) -> list[Row]:
    params = {"format": "csv", "ref_area": ",".join(CSV_AREAS), "time_from": "2011"}
    where, args = "is_current AND ref_area = ANY(%s) AND time >= %s", [list(CSV_AREAS), "2011"]
    copy_start = time.perf_counter()
    copy_out(where, args)
    copy_seconds = time.perf_counter() - copy_start
    before = server.rss_mb()
    server.reset_peak()
    lines, start = 0, time.perf_counter()
    with client.stream("GET", "/api/v1/observations/", params=params) as response:
        assert response.status_code == 200, response.status_code
        for chunk in response.iter_bytes():
            lines += chunk.count(b"\n")
    seconds = time.perf_counter() - start
    peak = server.peak_mb()
    rows = lines - 1
    return [
        Row(f"observations CSV of {rows:,} rows, streamed", seconds, "COPY ... TO STDOUT, same rows", copy_seconds),
        Row(
            f"server peak RSS over that CSV (idle {before:.0f} MB)",
            peak,
            "RSS before it",
            before,
            "constant: < idle + 100 MB",
            peak < before + 100,
            "MB",
        ),
    ]


def run() -> list[Row]:
    if connection.vendor != "postgresql":
        print("reads skipped: they measure a 10-million-row master and need DATABASE_URL=postgres://...")
        return []
    _progress(f"filling a master of {MASTER_ROWS:,} rows")
    master = _fill_master()
    _progress(f"{master:,} rows; starting gunicorn")
    rows: list[Row] = []
    with running_server() as server, httpx.Client(base_url=server.url, timeout=600) as client:
        found = get(client, "/api/v1/observations/", TYPICAL).json()["count"]
        label = f"observations {TABLE} THA 2015-2024 ({found:,} values, page of 100)"
        bare = p95(timed_repeats(lambda: bare_page(TYPICAL_WHERE, TYPICAL_PARAMS)))

        _progress("typical read, an embargo pending")
        held = p95(timed_repeats(lambda: get(client, "/api/v1/observations/", TYPICAL)))
        rows.append(
            Row(f"{label}, embargo pending, p95", held, "bare SQL page + count", bare, "p95 <= 50 ms", held <= 50, "ms")
        )

        _progress("typical read as of a month back")
        month_back = {**TYPICAL, "as_of": (timezone.now() - timedelta(days=30)).date().isoformat()}
        past = p95(timed_repeats(lambda: get(client, "/api/v1/observations/", month_back)))
        rows.append(Row("the same as_of a month back, p95", past, "bare SQL page + count", bare, "", None, "ms"))

        _progress("the 304 of a repeat")
        etag = get(client, "/api/v1/observations/", TYPICAL).headers["ETag"]
        repeat = p95(
            timed_repeats(lambda: get(client, "/api/v1/observations/", TYPICAL, 304, **{"If-None-Match": etag}))
        )
        rows.append(Row("the same repeated with its ETag: 304, p95", repeat, "its 200", held, "304", True, "ms"))

        _progress("SDMX")
        rows.append(sdmx_row(client))
        _progress("a CSV of a million rows")
        rows += _csv_rows(client, server)

        _progress("typical read, no embargo pending")
        Release.objects.filter(scheduled=True).update(public_at=timezone.now() - timedelta(seconds=1))
        free = p95(timed_repeats(lambda: get(client, "/api/v1/observations/", TYPICAL)))
        rows.append(
            Row(f"{label}, no embargo, p95", free, "bare SQL page + count", bare, "p95 <= 50 ms", free <= 50, "ms")
        )
    return rows
