"""Demo accounts, a published history and an open round, so that `make run` shows the whole path on a fresh
machine. Rounds are run through the round service, as an admin runs them, so they carry their history."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from collection.catalogue.specs import table_specs
from collection.demo.samples import sample_rows
from collection.lib.longlayout import rows_to_csv
from collection.lib.users import User
from collection.models import (
    Country,
    DataSource,
    Observation,
    Publication,
    Release,
    Role,
    Round,
    Submission,
    TableDefinition,
)
from collection.people.accounts import user_create_or_update
from collection.publication.publish import observations_publish
from collection.review.decisions import submission_approve, submission_submit
from collection.rounds.lifecycle import round_move, round_save
from collection.submissions.upload import submission_upload
from collection.validation.run import submission_validate

DEMO_PASSWORD = "ilms-demo-2026"
DEMO_ROUND = "ILMS 2026"
HISTORY_ROUND = "ILMS 2025"
HISTORY_YEARS = [2021, 2022, 2023, 2024]
REVISED_VALUE = ("MST_FORP_SEX_CBR_NB", "SEX_T", "CBR_BRT_TOTAL", "2024")  # the demo's embargoed revision


# Demo people have names, as real ones do: pages and e-mails greet them by name.
DEMO_NAMES = {
    "admin": "Ana Reyes",
    "reviewer": "Kenji Morita",
    "BRN": "Nurul Hasanah",
    "KHM": "Sokha Chan",
    "IDN": "Siti Rahayu",
    "LAO": "Khamla Phommachanh",
    "MYS": "Aisyah Rahman",
    "MMR": "Thandar Aung",
    "PHL": "Maria Santos",
    "SGP": "Tan Wei Ling",
    "THA": "Somchai Suksawat",
    "VNM": "Nguyen Thi Lan",
}


@transaction.atomic
def demo_users() -> list[tuple[str, str, str]]:
    """Create the demo users; returns (username, password, role) for printing."""
    logins = [("admin", DEMO_PASSWORD, "admin"), ("reviewer", DEMO_PASSWORD, "reviewer")]
    for username, role in (("admin", Role.ADMIN), ("reviewer", Role.REVIEWER)):
        user_create_or_update(
            username=username,
            role=role,
            email=f"{username}@example.org",
            password=DEMO_PASSWORD,
            name=DEMO_NAMES[username],
        )
    for country in Country.objects.order_by("iso3"):
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


def _demo_round(name: str, years: list[int], deadline: dt.date, opens_on: dt.date | None = None) -> Round:
    """A round of every country and table, created and opened by the demo admin through the round service, so
    that its page and the audit log tell its history as for a round an admin ran."""
    admin = User.objects.get(username="admin")
    round_ = Round.objects.filter(name=name).first() or round_save(
        user=admin,
        name=name,
        reference_years=years,
        deadline=deadline,
        opens_on=opens_on,
        countries=list(Country.objects.values_list("iso3", flat=True)),
        tables=list(TableDefinition.objects.values_list("indicator", flat=True)),
    )
    if round_.status == Round.Status.DRAFT:
        round_move(user=admin, round_=round_, action="open")
    return round_


def demo_open_round() -> Round:
    """The open demo round (once)."""
    return _demo_round(DEMO_ROUND, [2024, 2025], dt.date(2027, 1, 31), opens_on=dt.date(2026, 10, 1))


def demo_history() -> int:
    """Published years for every country (a closed earlier round), so that the reviewer's workspace, the
    public pages and the pre-filled workbook have a history to show. Runs once, in-process, on the real path:
    open the round, upload, validate, describe, submit, approve, publish, close the round."""
    if Observation.objects.exists():
        return 0
    round_ = _demo_round(HISTORY_ROUND, HISTORY_YEARS, dt.date(2025, 12, 31))
    specs = table_specs().values()
    users = User.objects
    ilo = users.get(username="reviewer")
    published = 0
    for country in Country.objects.order_by("iso3"):
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
    """Thailand revises one value into a release the admin scheduled for tomorrow 09:00 (Bangkok): until then
    the public sees the earlier value, while ILO staff and Thailand's focal point see the revision marked."""
    admin, ilo = User.objects.get(username="admin"), User.objects.get(username="reviewer")
    focal_point = User.objects.get(username="fp_tha")
    bangkok = zoneinfo.ZoneInfo("Asia/Bangkok")
    tomorrow = timezone.now().astimezone(bangkok).date() + dt.timedelta(days=1)
    release = Release.objects.create(
        title="Thailand: revised 2024 foreign-born population",
        note="The Labour Force Survey's 2024 weights were revised to the 2024 population projections.",
        public_at=dt.datetime.combine(tomorrow, dt.time(9, 0), tzinfo=bangkok),
        scheduled=True,
        created_by=admin,
    )
    rows = sample_rows(table_specs().values(), country="THA", years=HISTORY_YEARS)
    for row in rows:
        if (row["indicator"], row["sex"], row["classif1"], row["time"]) == REVISED_VALUE:
            row["obs_status"], row["note"] = "B", "Break in series: LFS weights revised to the 2024 projections."
    submission = submission_upload(
        user=focal_point,
        round=round_,
        country=Country.objects.get(iso3="THA"),
        uploaded_file=SimpleUploadedFile("tha_2021-2024_revised.csv", rows_to_csv(rows).encode()),
    )
    submission_validate(submission_id=submission.pk)
    submission.refresh_from_db()
    if submission.status != Submission.Status.VALID:  # the demo data are consistent: say so loudly if not
        raise RuntimeError(f"Demo revision #{submission.pk} is {submission.status}, not valid.")
    demo_describe_sources(submission)
    submission_submit(user=focal_point, submission=submission)
    submission_approve(user=ilo, submission=submission, comment="Revised weights, as announced.", release=release)
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
