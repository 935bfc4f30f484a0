"""Small factories: real rows in the real database, made the way the portal makes them."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from collection.catalogue.specs import table_specs
from collection.demo.samples import sample_rows
from collection.demo.seed import demo_describe_sources as describe_sources  # a complete description per indicator
from collection.lib.longlayout import rows_to_csv
from collection.models import Country, Round, Submission, TableDefinition
from collection.people.accounts import user_create_or_update
from collection.review.decisions import submission_submit
from collection.rounds.regions import region_save, round_region
from collection.submissions.explanations import explanation_save
from collection.submissions.upload import submission_upload
from collection.validation.run import submission_validate
from collection.workbook.annotate import annotated_copy_build

PASSWORD = "a-long-test-password"
SMALL_TABLES = ["MST_TPOP_SEX_AGE_CBR_NB", "MST_FORP_SEX_CBR_NB"]
ALL_TABLES = ["*"]


def make_user(username: str, role: str, countries: list[str] | None = None):
    return user_create_or_update(username=username, role=role, countries=countries or [], password=PASSWORD)


def make_round(
    *,
    name: str = "ILMS test round",
    years: tuple[int, ...] = (2024, 2025),
    countries: tuple[str, ...] = ("THA", "MYS"),
    tables: list[str] | None = None,
    status: str = Round.Status.OPEN,
) -> Round:
    """A round asking for `tables` (by default the two small tables `sample_csv` fills, so that its file is
    complete; pass ALL_TABLES for the whole catalogue), in the region its countries belong to."""
    round_ = Round.objects.create(
        name=name,
        reference_years=list(years),
        deadline=dt.date(2027, 1, 31),
        status=status,
        region=round_region(countries),
    )
    round_.countries.set(Country.objects.filter(iso3__in=countries))
    tables = tables or SMALL_TABLES
    round_.tables.set(
        TableDefinition.objects.all() if tables == ALL_TABLES else TableDefinition.objects.filter(indicator__in=tables)
    )
    return round_


def sample_csv(
    country: str = "THA",
    indicators: list[str] | None = None,
    years: tuple[int, ...] = (2024, 2025),
    seed: int = 1,
    delimiter: str = ",",
) -> bytes:
    """A consistent long-layout CSV (totals add up) for some tables."""
    specs = table_specs(indicators or SMALL_TABLES).values()
    return rows_to_csv(sample_rows(specs, country=country, years=years, seed=seed), delimiter=delimiter).encode("utf-8")


def upload(user, round_: Round, content: bytes, *, country: str = "THA", name: str = "data.csv") -> Submission:
    """Upload through the service (the worker is not run)."""
    return submission_upload(
        user=user,
        round=round_,
        country=Country.objects.get(iso3=country),
        uploaded_file=SimpleUploadedFile(name, content),
    )


def validated(
    user, round_: Round, content: bytes | None = None, *, country: str = "THA", described: bool = True
) -> Submission:
    """Upload and validate in this process, as the worker would (with the annotated copy, its next task);
    `described` also describes every table's source in full, as a focal point does before submitting."""
    submission = upload(user, round_, content if content is not None else sample_csv(country), country=country)
    submission_validate(submission_id=submission.pk)
    annotated_copy_build(submission_id=submission.pk)
    submission.refresh_from_db()
    if described:
        describe_sources(submission)
    return submission


def submit(user, submission: Submission) -> Submission:
    """Answer the warnings, then submit: what a focal point does once the file is valid and described."""
    explain_warnings(user, submission)
    return submission_submit(user=user, submission=submission)


def explain_warnings(user, submission: Submission, text: str = "Checked with the survey team.") -> None:
    """Answer every warning of the submission, one answer per rule (the focal point's quickest way)."""
    for rule in submission.issues.filter(severity="warning").values_list("rule", flat=True).distinct():
        explanation_save(user=user, submission=submission, text=text, rule=rule)


def named_file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


SOUTH_ASIA = ["AFG", "BGD", "BTN", "IND", "MDV", "NPL", "PAK", "LKA"]


def make_region(admin, code: str = "SOUTH_ASIA", name: str = "South Asia", countries: list[str] | None = None):
    """A second region made as an admin makes one (its countries enter the catalogue with their ISO names)."""
    return region_save(user=admin, code=code, name=name, countries=countries or SOUTH_ASIA)
