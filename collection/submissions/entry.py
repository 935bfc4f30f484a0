"""In-browser entry: drafts of the cross-tabulated tables, and sending them as a submission like an upload."""

from __future__ import annotations

from collections import Counter

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from collection import access
from collection.catalogue.layout import TableLayout, ValueColumn, table_layout
from collection.catalogue.specs import table_specs
from collection.lib.cells import cell_value
from collection.lib.errors import NotAllowed, PortalError
from collection.lib.labels import catalogue_labels
from collection.lib.longlayout import rows_to_csv
from collection.lib.users import User
from collection.models import Country, DraftTable, Observation, Round, Submission
from collection.rounds.lifecycle import round_upload_check
from collection.submissions.upload import submission_upload


def entry_layout(round_: Round, country: Country, indicator: str) -> TableLayout:
    """The grid of a requested table: the same layout as the workbook's sheet."""
    if not round_.tables.filter(indicator=indicator).exists():
        raise PortalError(f"{indicator} is not requested in round {round_.name}.")
    spec = table_specs([indicator])[indicator]
    return table_layout(spec, round_.reference_years, country.iso3, catalogue_labels())


def year_to_fill(layout: TableLayout, values: dict[str, str]) -> int:
    """The year the grid opens scrolled to: the first reference year without any value yet (usually the new
    year, as the grid comes pre-filled with the published ones), or the last year when every year has some."""
    filled = {key.split("|")[1] for key, text in values.items() if str(text).strip()}
    return next((year for year in layout.years if str(year) not in filled), layout.years[-1])


def cell_key(code: str, column: ValueColumn) -> str:
    return f"{code}|{column.key}"


def entry_values(round_: Round, country: Country, layout: TableLayout) -> tuple[dict[str, str], str, DraftTable | None]:
    """What the grid shows: the draft if there is one, else the published values (like the workbook)."""
    draft = DraftTable.objects.filter(round=round_, country=country, table_id=layout.indicator).first()
    if draft is not None:
        return draft.values, draft.source, draft
    published = Observation.objects.filter(
        is_current=True, ref_area=country.iso3, indicator=layout.indicator, time__in=[str(y) for y in layout.years]
    ).values_list("classif1", "time", "classif2", "sex", "obs_value", "source")
    values: dict[str, str] = {}
    sources: Counter[str] = Counter()
    for c1, time, c2, sex, value, source in published:
        values[f"{c1}|{time}|{c2}|{sex}"] = f"{value:g}"
        sources[source] += 1
    return values, max(sources, key=sources.__getitem__) if sources else "", None


def _check(user: User, round_: Round, country: Country) -> None:
    if not access.may_upload(user, country):
        raise NotAllowed(f"You cannot enter data for {country.name}.")
    round_upload_check(round_, country)


@transaction.atomic
def draft_save(
    *, user: User, round_: Round, country: Country, layout: TableLayout, values: dict[str, str], source: str
) -> DraftTable:
    """Keep what was typed (the text, as typed; empty cells dropped) for the table's known cells only."""
    _check(user, round_, country)
    known = {cell_key(code, column) for code, _ in layout.rows for column in layout.columns}
    kept = {k: str(v).strip() for k, v in values.items() if k in known and str(v or "").strip()}
    if "\x00" in source or any("\x00" in v for v in kept.values()):
        raise PortalError("A value or the source contains a NUL character, which a table cannot hold; remove it.")
    draft, _ = DraftTable.objects.update_or_create(
        round=round_,
        country=country,
        table_id=layout.indicator,
        defaults={"values": kept, "source": source.strip().upper(), "updated_by": user},
    )
    return draft


def drafts_submit(*, user: User, round_: Round, country: Country) -> Submission:
    """Every draft of the country's round as one long-layout file, uploaded and validated like any other."""
    _check(user, round_, country)
    drafts = list(DraftTable.objects.filter(round=round_, country=country).order_by("table__sort_order"))
    if not drafts:
        raise PortalError("There is no draft to send: type values in a table and save it first.")
    unsourced = [d.table_id for d in drafts if d.values and not d.source]
    if unsourced:
        raise PortalError(f"Choose the source type of {', '.join(unsourced)} before sending.")
    rows = []
    for draft in drafts:
        for key, text in draft.values.items():
            code, time, classif2, sex = key.split("|")
            value = cell_value(text)
            if value is None:
                continue
            rows.append(
                {
                    "ref_area": country.iso3,
                    "indicator": draft.table_id,
                    "source": draft.source,
                    "sex": sex,
                    "classif1": code,
                    "classif2": classif2,
                    "time": time,
                    "obs_value": value,
                }
            )
    name = f"browser-entry-{country.iso3}-{timezone.now():%Y%m%d-%H%M}.csv"
    content = rows_to_csv(rows).encode("utf-8")
    return submission_upload(
        user=user,
        round=round_,
        country=country,
        uploaded_file=SimpleUploadedFile(name, content, content_type="text/csv"),
    )
