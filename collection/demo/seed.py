"""Demo accounts, a second region, a published history and an open round per region, so that `make run` shows
the whole path on a fresh machine. Rounds are run through the round service, as an admin runs them, so they
carry their history. The countries, names and the second region are data (demo_data.json)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from collection.catalogue.regions import region_members
from collection.catalogue.specs import table_specs
from collection.demo.samples import demo_data, sample_rows
from collection.lib.longlayout import rows_to_csv
from collection.lib.users import User
from collection.models import (
    Country,
    DataSource,
    Observation,
    Publication,
    Region,
    Role,
    Round,
    Submission,
    TableDefinition,
)
from collection.people.accounts import user_create_or_update
from collection.publication.publish import observations_publish
from collection.publication.releases import release_create
from collection.review.decisions import submission_approve, submission_submit
from collection.rounds.lifecycle import round_move, round_save
from collection.rounds.regions import region_save
from collection.submissions.upload import submission_upload
from collection.validation.run import submission_validate

DEMO_PASSWORD = "ilms-demo-2026"
DEMO_ROUND = "ILMS 2026"
HISTORY_ROUND = "ILMS 2025"
HISTORY_YEARS = [2021, 2022, 2023, 2024]
# Demo people have names, as real ones do: pages and e-mails greet them by name (demo_data.json, "people").
DEMO_NAMES: dict[str, str] = demo_data()["people"]


@transaction.atomic
def demo_users() -> list[tuple[str, str, str]]:
    """Create the demo users (the admin, the reviewer, a focal point per country of every region, the second
    region added by the admin first); returns (username, password, role) for printing."""
    logins = [("admin", DEMO_PASSWORD, "admin"), ("reviewer", DEMO_PASSWORD, "reviewer")]
    for username, role in (("admin", Role.ADMIN), ("reviewer", Role.REVIEWER)):
        user_create_or_update(
            username=username,
            role=role,
            email=f"{username}@example.org",
            password=DEMO_PASSWORD,
            name=DEMO_NAMES[username],
        )
    demo_regions()
    for country in Country.objects.filter(regions__isnull=False).distinct().order_by("iso3"):
        username = f"fp_{country.iso3.lower()}"
        user_create_or_update(
            username=username,
            role=Role.FOCAL_POINT,
            countries=[country.iso3],
            email=f"{username}@example.org",
            password=DEMO_PASSWORD,
            name=DEMO_NAMES.get(country.iso3, ""),
        )
        logins.append((username, DEMO_PASSWORD, f"focal point, {country.name}"))
    return logins


def demo_regions() -> list[Region]:
    """The regions beyond the starting one, added by the demo admin through the region service (so the audit
    log tells it), with countries the catalogue did not have: no code names them (demo_data.json)."""
    admin = User.objects.get(username="admin")
    added = []
    for entry in demo_data()["regions"]:
        region = Region.objects.filter(code=entry["code"]).first() or region_save(
            user=admin, code=entry["code"], name=entry["name"], countries=entry["countries"]
        )
        added.append(region)
    return added


def _demo_round(
    name: str, years: list[int], deadline: dt.date, region: Region, opens_on: dt.date | None = None
) -> Round:
    """A round of every country of the region and every table, created and opened by the demo admin through
    the round service, so that its page and the audit log tell its history as for a round an admin ran."""
    admin = User.objects.get(username="admin")
    round_ = Round.objects.filter(name=name).first() or round_save(
        user=admin,
        name=name,
        region=region,
        reference_years=years,
        deadline=deadline,
        opens_on=opens_on,
        countries=region_members(region),
        tables=list(TableDefinition.objects.values_list("indicator", flat=True)),
    )
    if round_.status == Round.Status.DRAFT:
        round_move(user=admin, round_=round_, action="open")
    return round_


def _first_region() -> Region:
    """The starting region (the catalogue's first): the demo's published history is its countries'."""
    region = Region.objects.first()
    if region is None:
        raise RuntimeError("No region: run load_catalogue first.")
    return region


def demo_open_round() -> Round:
    """The open demo round of the starting region (once)."""
    return _demo_round(DEMO_ROUND, [2024, 2025], dt.date(2027, 1, 31), _first_region(), opens_on=dt.date(2026, 10, 1))


def demo_open_rounds() -> list[Round]:
    """The open demo round of every region: the starting region's, and one per region the demo admin added."""
    rounds = [demo_open_round()]
    for entry in demo_data()["regions"]:
        region = Region.objects.get(code=entry["code"])
        rounds.append(_demo_round(entry["round"], [2024, 2025], dt.date(2027, 1, 31), region, dt.date(2026, 10, 1)))
    return rounds


def demo_history() -> int:
    """Published years for every country of the starting region (a closed earlier round), so that the reviewer's
    workspace, the public pages and the pre-filled workbook have a history to show. Runs once, in-process, on the
    real path: open the round, upload, validate, describe, submit, approve, publish, close the round."""
    if Observation.objects.exists():
        return 0
    round_ = _demo_round(HISTORY_ROUND, HISTORY_YEARS, dt.date(2025, 12, 31), _first_region())
    specs = table_specs().values()
    users = User.objects
    ilo = users.get(username="reviewer")
    published = 0
    for country in round_.countries.order_by("iso3"):
        focal_point = users.get(username=f"fp_{country.iso3.lower()}")
        content = rows_to_csv(sample_rows(specs, country=country.iso3, years=HISTORY_YEARS)).encode()
        submission = submission_upload(
            user=focal_point,
            round=round_,
            country=country,
            uploaded_file=SimpleUploadedFile(f"{country.iso3.lower()}_2021-2024.csv", content),
        )
        submission_validate(submission_id=submission.pk)
        submission.refresh_from_db()
        demo_describe_sources(submission)
        submission_submit(user=focal_point, submission=submission)
        submission_approve(user=ilo, submission=submission, comment="Consistent with last year's series.")
        release = observations_publish(submission_id=submission.pk)
        if release is None:  # cannot happen: approved just above
            raise RuntimeError(f"Demo submission #{submission.pk} was approved but not published.")
        published += release.observation_count
    demo_embargoed_revision(round_)
    round_move(user=users.get(username="admin"), round_=round_, action="close")
    return published


def demo_embargoed_revision(round_: Round) -> Publication | None:
    """One country (demo_data.json, "embargoed_revision") revises one value into a release the admin scheduled
    for tomorrow 09:00 in its time zone: until then the public sees the earlier value, while ILO staff and the
    country's focal point see the revision marked."""
    revision = demo_data()["embargoed_revision"]
    iso3 = revision["country"]
    admin, ilo = User.objects.get(username="admin"), User.objects.get(username="reviewer")
    focal_point = User.objects.get(username=f"fp_{iso3.lower()}")
    zone = zoneinfo.ZoneInfo(revision["time_zone"])
    tomorrow = timezone.now().astimezone(zone).date() + dt.timedelta(days=1)
    release = release_create(  # as an admin schedules one, so that its page and the audit log tell its history
        user=admin,
        title=revision["title"],
        note=revision["note"],
        public_at=dt.datetime.combine(tomorrow, dt.time(9, 0), tzinfo=zone),
    )
    rows = sample_rows(table_specs().values(), country=iso3, years=HISTORY_YEARS)
    for row in rows:
        if [row["indicator"], row["sex"], row["classif1"], row["time"]] == revision["value"]:
            row["obs_status"], row["note"] = "B", revision["row_note"]
    submission = submission_upload(
        user=focal_point,
        round=round_,
        country=Country.objects.get(iso3=iso3),
        uploaded_file=SimpleUploadedFile(f"{iso3.lower()}_2021-2024_revised.csv", rows_to_csv(rows).encode()),
    )
    submission_validate(submission_id=submission.pk)
    submission.refresh_from_db()
    if submission.status != Submission.Status.VALID:  # the demo data are consistent: say so loudly if not
        raise RuntimeError(f"Demo revision #{submission.pk} is {submission.status}, not valid.")
    demo_describe_sources(submission)
    submission_submit(user=focal_point, submission=submission)
    submission_approve(user=ilo, submission=submission, comment=revision["comment"], release=release)
    return observations_publish(submission_id=submission.pk)


def demo_describe_sources(submission: Submission) -> None:
    """A complete source description for every indicator of a submission: a labour force survey for the stock
    tables, the labour ministry's register for the flows and nationals abroad."""
    for indicator in submission.indicators:
        survey = indicator.startswith("MST")
        DataSource.objects.update_or_create(
            submission=submission,
            indicator=indicator,
            defaults={
                "source_type_id": "BA" if survey else "FA",
                "name": "Labour Force Survey" if survey else "Overseas employment register",
                "agency": "National statistics office" if survey else "Ministry of Labour",
                "reference_period": "annual average" if survey else "calendar year",
                "coverage": "whole country, population aged 15+",
                "migrant_definition": "place_of_birth" if "CBR" in indicator else "citizenship",
            },
        )
