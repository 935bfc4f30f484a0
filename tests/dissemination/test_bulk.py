"""ILOSTAT's bulk downloads: the public values per table, gzipped, with and without labels, right at every
moment without anything run at a release's moment."""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import gzip
import io

import pytest
import time_machine
from django.template.defaultfilters import filesizeformat
from django_celery_beat.models import PeriodicTask

from collection.dissemination import bulk
from collection.lib.labels import code_label
from collection.models import LAYOUT_COLUMNS, Observation, ObservationStatus, Region, Release, TableDefinition
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve
from collection.tasks import build_bulk_downloads
from tests import factories
from tests.browser import needs_chromium, shot
from tests.publication.test_publication import FORP, FORP_TOTAL, edited
from tests.publication.test_vintages import TODAY, TOMORROW_9, publish_with, revise, revised

TPOP = "MST_TPOP_SEX_AGE_CBR_NB"
ROLES = ["anonymous", "fp_tha", "fp_mys", "reviewer", "admin"]
# What a spreadsheet would run if a CSV handed it over as it is.
FORMULAS = [
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3+cmd|' /C calc'!A0",
    "\tnote after a tab",
]


def download(client, name: str, **params) -> list[dict[str, str]]:
    """A bulk file as a reader gets it: gunzipped and read as CSV."""
    response = client.get(f"/downloads/{name}", params)
    assert response.status_code == 200, response
    assert response["Content-Type"] == "application/gzip"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    text = gzip.decompress(b"".join(response.streaming_content)).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def header_of(client, name: str) -> list[str]:
    text = gzip.decompress(b"".join(client.get(f"/downloads/{name}").streaming_content)).decode()
    return next(csv.reader(io.StringIO(text)))


def api_csv(client, **params) -> list[dict[str, str]]:
    response = client.get("/api/v1/observations/", {"format": "csv", **params})
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def by_key(rows: list[dict[str, str]]) -> dict[tuple[str, ...], dict[str, str]]:
    """Rows keyed by what identifies a value, with the layout's columns only."""
    return {tuple(r[c] for c in LAYOUT_COLUMNS[:7]): {c: r[c] for c in LAYOUT_COLUMNS} for r in rows}


def publish_country(focal_point, reviewer, round_, country: str, seed: int):
    content = factories.sample_csv(country=country, seed=seed)
    submission = factories.validated(focal_point, round_, content, country=country)
    factories.submit(focal_point, submission)
    submission_approve(user=reviewer, submission=submission)
    return observations_publish(submission_id=submission.pk)


@pytest.fixture
def published(focal_point, other_focal_point, reviewer, open_round):
    """Thailand's and Malaysia's two small tables for 2024 and 2025, each published in a release of its own."""
    tha = publish_with(focal_point, reviewer, open_round, factories.sample_csv())
    mys = publish_country(other_focal_point, reviewer, open_round, "MYS", seed=2)
    return tha, mys


def test_a_table_file_holds_exactly_the_public_values_of_the_api_csv(client, published):
    rows = download(client, f"{FORP}.csv.gz")
    assert list(rows[0]) == list(bulk.BULK_COLUMNS)
    assert list(rows[0])[:12] == [
        *("ref_area", "source", "indicator", "sex", "classif1", "classif2", "time", "obs_value", "obs_status"),
        *("note_classif", "note_indicator", "note_source"),
    ]
    public = by_key(api_csv(client, indicator=FORP))
    assert by_key(rows) == public  # value by value, flag by flag, note by note
    assert {r["ref_area"] for r in rows} == {"THA", "MYS"}
    assert len(rows) == Observation.objects.filter(indicator=FORP).count()


def test_the_all_tables_file_holds_every_public_value(client, published):
    rows = download(client, "ILMS_ASEAN.csv.gz")
    assert by_key(rows) == by_key(api_csv(client))
    assert {r["indicator"] for r in rows} == {FORP, TPOP}


def test_the_labelled_file_puts_each_label_after_its_code(client, published):
    rows = download(client, f"{TPOP}.labels.csv.gz")
    assert header_of(client, f"{TPOP}.labels.csv.gz") == [
        *("ref_area", "ref_area.label", "source", "source.label", "indicator", "indicator.label"),
        *("sex", "sex.label", "classif1", "classif1.label", "classif2", "classif2.label", "time", "obs_value"),
        *("obs_status", "obs_status.label", "note_classif", "note_indicator", "note_source", "note"),
    ]
    row = next(r for r in rows if r["ref_area"] == "THA" and r["classif2"] == "CBR_BIR_FOREIGN")
    assert row["ref_area.label"] == "Thailand"
    assert row["indicator.label"] == TableDefinition.objects.get(indicator=TPOP).title
    assert row["source.label"] == code_label(row["source"]) != row["source"]
    assert row["sex.label"] == code_label(row["sex"]) and row["sex.label"] in {"Total", "Male", "Female"}
    assert row["classif1.label"] == code_label(row["classif1"]) != row["classif1"]
    assert row["classif2.label"] == code_label("CBR_BIR_FOREIGN") != "CBR_BIR_FOREIGN"
    # Without the label columns it is the codes-only file, row for row.
    plain = download(client, f"{TPOP}.csv.gz")
    assert [{c: r[c] for c in bulk.BULK_COLUMNS} for r in rows] == plain


def test_a_flag_has_its_label_and_an_empty_code_an_empty_label(client, focal_point, reviewer, open_round):
    content = edited(factories.sample_csv(indicators=[FORP]), revise)  # the 2024 total flagged B with a note
    publish_with(focal_point, reviewer, open_round, content)
    rows = download(client, f"{FORP}.labels.csv.gz")
    [flagged] = [r for r in rows if r["obs_status"] == "B"]
    assert flagged["obs_status.label"] == ObservationStatus.objects.get(code="B").label
    assert flagged["note"] == "revised with the 2024 census weights"
    assert all(r["classif2"] == r["classif2.label"] == "" for r in rows)
    assert {r["obs_status.label"] for r in rows if r["obs_status"] == ""} == {""}


@time_machine.travel(TODAY, tick=False)
def test_an_embargoed_release_reaches_the_files_at_its_moment_with_nothing_run(
    client, focal_point, reviewer, open_round
):
    content = factories.sample_csv(indicators=[FORP])
    first = publish_with(focal_point, reviewer, open_round, content)
    scheduled = Release.objects.create(title="Thailand 2026 annual return", public_at=TOMORROW_9, scheduled=True)
    publish_with(focal_point, reviewer, open_round, edited(content, revise), release=scheduled)
    key = tuple({**FORP_TOTAL, "ref_area": "THA", "source": "BA"}[c] for c in LAYOUT_COLUMNS[:7])

    before = by_key(download(client, f"{FORP}.csv.gz"))
    assert not revised(before[key]) and before == by_key(api_csv(client, indicator=FORP))
    with time_machine.travel(TOMORROW_9 - dt.timedelta(seconds=1), tick=False):
        assert not revised(by_key(download(client, f"{FORP}.csv.gz"))[key])
    with time_machine.travel(TOMORROW_9, tick=False):  # no task, no command: only the clock moved
        after = by_key(download(client, f"{FORP}.csv.gz"))
        assert revised(after[key]) and after == by_key(api_csv(client, indicator=FORP))
        # The files of the day before stay as they were public then.
        earlier = by_key(download(client, f"{FORP}.csv.gz", as_of_release=str(first.release_id)))
        assert earlier == before
        page = client.get("/downloads/").content.decode()
        assert "Thailand 2026 annual return" in page


def test_files_are_built_once_per_public_state_and_anew_when_a_release_becomes_public(
    client, focal_point, reviewer, open_round
):
    publish_with(focal_point, reviewer, open_round, factories.sample_csv(indicators=[FORP]))
    built = bulk.bulk_file(scope=FORP, labels=False)
    again = bulk.bulk_file(scope=FORP, labels=False)
    assert again.path == built.path and again.built_at == built.built_at
    assert built.path.stat().st_ino == again.path.stat().st_ino
    publish_with(focal_point, reviewer, open_round, factories.sample_csv(indicators=[FORP], seed=3))
    rebuilt = bulk.bulk_file(scope=FORP, labels=False)
    assert rebuilt.path != built.path and rebuilt.release_id == Release.objects.order_by("-public_at").first().pk
    assert by_key(download(client, f"{FORP}.csv.gz")) == by_key(api_csv(client, indicator=FORP))


def test_a_half_written_file_is_never_served(client, focal_point, reviewer, open_round):
    """A build that died leaves only its temporary file: the next read builds the file whole."""
    publish_with(focal_point, reviewer, open_round, factories.sample_csv(indicators=[FORP]))
    folder = bulk.bulk_root() / bulk.bulk_vintage().tag
    folder.mkdir(parents=True)
    (folder / f".{FORP}.csv.gz.part").write_bytes(gzip.compress(b"ref_area,source\nTHA,"))
    rows = download(client, f"{FORP}.csv.gz")
    assert by_key(rows) == by_key(api_csv(client, indicator=FORP))
    assert not list(folder.glob("*.part"))


def test_a_build_that_died_between_its_two_files_is_finished_on_the_next_read(
    client, focal_point, reviewer, open_round
):
    publish_with(focal_point, reviewer, open_round, factories.sample_csv(indicators=[FORP]))
    labelled = bulk.bulk_file(scope=FORP, labels=True)
    labelled.path.unlink()  # as if the process died after renaming the codes-only file
    rows = download(client, f"{FORP}.labels.csv.gz")
    assert len(rows) == labelled.rows > 0 and labelled.path.exists()


def test_the_page_lists_every_file_with_its_size_rows_release_and_date(client, published):
    tha, mys = published
    response = client.get("/downloads/")
    assert response.status_code == 200
    page = response.content.decode()
    for scope in (FORP, TPOP, bulk.ALL_TABLES):
        for labels in (False, True):
            built = bulk.bulk_file(scope=scope, labels=labels)
            assert f'href="/downloads/{built.name}"' in page
            assert str(filesizeformat(built.size)) in page
        assert f"{bulk.bulk_file(scope=scope, labels=False).rows}</td>" in page
    assert mys.release.title in page  # the latest release the files reflect
    assert f"{built.built_at:%Y-%m-%d %H:%M}" in page
    assert "No values released yet" in page  # the tables nobody has published
    assert f"?as_of_release={tha.release_id}" in page  # the files of the release before


@pytest.mark.parametrize("role", ROLES)
@time_machine.travel(TODAY, tick=False)
def test_page_and_files_are_public_and_show_only_public_values(as_role, role, focal_point, reviewer, open_round):
    content = factories.sample_csv(indicators=[FORP])
    publish_with(focal_point, reviewer, open_round, content)
    scheduled = Release.objects.create(title="Embargoed return", public_at=TOMORROW_9, scheduled=True)
    publish_with(focal_point, reviewer, open_round, edited(content, revise), release=scheduled)
    client = as_role(role)
    page = client.get("/downloads/")
    assert page.status_code == 200 and "Embargoed return" not in page.content.decode()
    rows = download(client, f"{FORP}.labels.csv.gz")  # staff and Thailand's focal point too: public only
    assert rows and not any(revised(r) for r in rows)
    assert not any(revised(r) for r in download(client, "ILMS_ASEAN.csv.gz"))


@pytest.mark.parametrize(
    "path", ["/downloads/NOT_A_TABLE.csv.gz", "/downloads/ILMS_ASEAN.csv", "/downloads/..%2Fsecret", "/downloads/x"]
)
def test_an_unknown_file_is_a_404(client, catalogue, path):
    assert client.get(path).status_code == 404


def test_an_unknown_release_is_a_clear_400_not_a_500(client, catalogue):
    response = client.get("/downloads/", {"as_of_release": "999"})
    assert response.status_code == 400
    assert "as_of_release=999: no such release has been made public." in response.content.decode()
    assert client.get(f"/downloads/{FORP}.csv.gz", {"as_of_release": "999"}).status_code == 404
    assert client.get("/downloads/", {"as_of": "yesterday"}).status_code == 400


def test_nothing_released_yet_gives_files_with_the_header_only(client, catalogue):
    assert download(client, f"{FORP}.csv.gz") == []
    assert header_of(client, f"{FORP}.csv.gz") == list(bulk.BULK_COLUMNS)
    assert "Nothing has been released yet" in client.get("/downloads/").content.decode()


def test_every_text_cell_is_formula_safe_and_numbers_stay_numbers(client, focal_point, reviewer, open_round):
    notes = iter(FORMULAS)

    def note_formulas(row: dict) -> None:
        if row["sex"] == "SEX_F" and row["time"] == "2025" and row["classif1"] in {"CBR_BRT_TOTAL", "CBR_BRT_X"}:
            row["note"] = next(notes, row["note"])

    content = edited(factories.sample_csv(indicators=[FORP]), note_formulas)
    publish_with(focal_point, reviewer, open_round, content)
    typed = {r["note"] for r in Observation.objects.filter(indicator=FORP).values("note")} - {""}
    assert typed and typed <= set(FORMULAS)
    for name in (f"{FORP}.csv.gz", f"{FORP}.labels.csv.gz", "ILMS_ASEAN.csv.gz"):
        rows = download(client, name)
        assert {r["note"] for r in rows} - {""} == {"'" + note for note in typed}
        assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r.values())
        assert all(float(r["obs_value"]) >= 0 and not r["obs_value"].startswith("'") for r in rows)


def test_the_worker_builds_the_current_files_ahead_and_beat_runs_it_every_minute(focal_point, reviewer, open_round):
    publish_with(focal_point, reviewer, open_round, factories.sample_csv(indicators=[FORP]))
    build_bulk_downloads()
    folder = bulk.bulk_root() / bulk.bulk_vintage().tag
    tables = TableDefinition.objects.count() + Region.objects.count() + 1  # per table, per region, everyone
    assert len(list(folder.glob("*.csv.gz"))) == 2 * tables
    schedule = PeriodicTask.objects.get(task="collection.build_bulk_downloads")
    assert schedule.enabled and (schedule.interval.every, schedule.interval.period) == (1, "minutes")


@needs_chromium
@pytest.mark.django_db(transaction=True)
def test_a_visitor_finds_and_downloads_a_table_in_the_browser(page, live_server, published):
    page.goto(f"{live_server.url}/downloads/")
    assert page.title().startswith("Bulk downloads")
    row = page.locator("tr", has_text="Foreign-born working-age population")
    assert row.locator("td.num").inner_text() == str(Observation.objects.filter(indicator=FORP).count())
    shot(page, "bulk_downloads")
    with page.expect_download() as event:
        row.get_by_role("link", name=f"{FORP}.labels.csv.gz").click()
    saved = event.value
    assert saved.suggested_filename == f"{FORP}.labels.csv.gz"
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(saved.path().read_bytes()).decode())))
    assert len(rows) == Observation.objects.filter(indicator=FORP).count()
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "bulk_downloads_phone")


@time_machine.travel(TODAY, tick=False)
def test_a_submission_published_late_into_a_public_release_reaches_the_files(
    client, focal_point, other_focal_point, reviewer, open_round
):
    """Approved into tomorrow's release, but the worker publishes it only after 09:00: the release was already
    public, so the count and moment of the public releases stay the same while the values change."""
    scheduled = Release.objects.create(title="ASEAN annual returns", public_at=TOMORROW_9, scheduled=True)
    publish_with(focal_point, reviewer, open_round, factories.sample_csv(indicators=[FORP]), release=scheduled)
    content = factories.sample_csv(country="MYS", indicators=[FORP], seed=2)
    late = factories.submit(
        other_focal_point, factories.validated(other_focal_point, open_round, content, country="MYS")
    )
    submission_approve(user=reviewer, submission=late, release=scheduled)
    with time_machine.travel(TOMORROW_9 + dt.timedelta(minutes=1), tick=False):
        assert {r["ref_area"] for r in download(client, f"{FORP}.csv.gz")} == {"THA"}
    with time_machine.travel(TOMORROW_9 + dt.timedelta(minutes=5), tick=False):
        observations_publish(submission_id=late.pk)
        rows = download(client, f"{FORP}.csv.gz")
        assert {r["ref_area"] for r in rows} == {"THA", "MYS"}
        assert by_key(rows) == by_key(api_csv(client, indicator=FORP))


def test_a_worker_asked_to_build_while_another_builds_leaves_it_to_that_one(focal_point, reviewer, open_round):
    """Each publication asks for a build: one already running (here: its lock held) covers the request, and
    the next build, free again, makes the newest state's files."""
    publish_with(focal_point, reviewer, open_round, factories.sample_csv(indicators=[FORP]))
    bulk.bulk_root().mkdir(parents=True, exist_ok=True)
    with open(bulk.bulk_root() / ".build.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert bulk.bulk_files_build() is None
        assert not (bulk.bulk_root() / bulk.bulk_vintage().tag).exists()
    built = bulk.bulk_files_build()
    assert built is not None and built > 0
    assert (bulk.bulk_root() / bulk.bulk_vintage().tag / bulk.file_name(FORP, labels=False)).exists()
