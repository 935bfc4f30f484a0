"""Loading the catalogue of DOMAIN.md into the database: countries, code lists, tables and starting rules."""

from __future__ import annotations

import json
from pathlib import Path

import pycountry
from django.db import transaction

from collection.catalogue import data
from collection.catalogue.rules import starting_rules
from collection.lib.labels import labels_forget
from collection.models import (
    Code,
    CodeList,
    Country,
    ObservationStatus,
    Region,
    SourceType,
    TableDefinition,
    TableDimension,
    ValidationRule,
)


def _partner_codes(prefix: str) -> list[tuple[str, str, bool, bool]]:
    """TOTAL, every ISO 3166 country (pycountry), and X for other or unknown countries."""
    countries = sorted(pycountry.countries, key=lambda c: c.alpha_3)
    codes = [("TOTAL", "Total", True, False)]
    codes += [(c.alpha_3, getattr(c, "common_name", None) or c.name, False, False) for c in countries]
    codes.append(("X", "Other or unknown countries", False, False))
    return codes


@transaction.atomic
def catalogue_load() -> dict[str, int]:
    """Create or update the catalogue of DOMAIN.md; running it twice changes nothing."""
    regions_seed()
    for code, label in data.SOURCE_TYPES.items():
        SourceType.objects.update_or_create(code=code, defaults={"label": label})
    for code, label in data.OBSERVATION_STATUSES.items():
        ObservationStatus.objects.update_or_create(code=code, defaults={"label": label})

    lists = {
        key: (label, prefix, CodeList.Kind.CLOSED, codes)
        for key, (label, prefix, codes) in data.CLOSED_CODELISTS.items()
    }
    lists |= {
        key: (label, prefix, CodeList.Kind.PARTNER, _partner_codes(prefix))
        for key, (label, prefix) in data.PARTNER_CODELISTS.items()
    }
    for key, (label, prefix, kind, codes) in lists.items():
        codelist, _ = CodeList.objects.update_or_create(
            id=key, defaults={"label": label, "prefix": prefix, "kind": kind}
        )
        existing = {c.code: c for c in codelist.codes.all()}
        new: list[Code] = []
        changed: list[Code] = []
        for order, (suffix, code_label, is_total, optional) in enumerate(codes):
            values = {"label": code_label, "is_total": is_total, "optional": optional, "sort_order": order}
            stored = existing.get(prefix + suffix)
            if stored is None:
                new.append(Code(codelist=codelist, code=prefix + suffix, **values))
            elif any(getattr(stored, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(stored, k, v)
                changed.append(stored)
        Code.objects.bulk_create(new)
        Code.objects.bulk_update(changed, ["label", "is_total", "optional", "sort_order"])

    for order, (indicator, (title, measure, classif1, classif2)) in enumerate(data.STANDARD_TABLES.items()):
        table, _ = TableDefinition.objects.update_or_create(
            indicator=indicator, defaults={"title": title, "unit": "NB", "measure": measure, "sort_order": order}
        )
        dims = {"sex": "SEX", "classif1": classif1, "classif2": classif2}
        for column, codelist_id in dims.items():
            if codelist_id is None:
                TableDimension.objects.filter(table=table, column=column).delete()
            else:
                TableDimension.objects.update_or_create(
                    table=table, column=column, defaults={"codelist_id": codelist_id}
                )
    rules_seed()
    labels_forget()  # the bulk writes above send no signal
    return {
        "regions": Region.objects.count(),
        "countries": Country.objects.count(),
        "code lists": CodeList.objects.count(),
        "codes": Code.objects.count(),
        "tables": TableDefinition.objects.count(),
        "rules": ValidationRule.objects.count(),
    }


STARTING_REGIONS = Path(__file__).with_name("starting_regions.json")


def starting_regions() -> list[dict]:
    """The regions of starting_regions.json: code, name and countries (alpha-3 → name)."""
    return list(json.loads(STARTING_REGIONS.read_text(encoding="utf-8"))["regions"])


def regions_seed() -> None:
    """The starting regions and their member countries (starting_regions.json): a missing one is added, a
    country's name kept as the file says it; members an admin added or regions they made stay as they are."""
    for order, entry in enumerate(starting_regions()):
        region, _ = Region.objects.get_or_create(
            code=entry["code"], defaults={"name": entry["name"], "sort_order": order}
        )
        for iso3, name in entry["countries"].items():
            country, _ = Country.objects.update_or_create(iso3=iso3, defaults={"name": name})
            region.countries.add(country)


def rules_seed() -> int:
    """Add the starting rules that are missing; rules admins have edited or switched off stay as they are."""
    existing = set(ValidationRule.objects.filter(round=None).values_list("code", "table_id"))
    new = [
        ValidationRule(
            code=r["code"],
            kind=r["kind"],
            table_id=r["table"],
            severity=r["severity"],
            description=r["description"],
            params=r["params"],
            message=r["message"],
        )
        for r in starting_rules()
        if (r["code"], r["table"]) not in existing
    ]
    ValidationRule.objects.bulk_create(new)
    return len(new)
