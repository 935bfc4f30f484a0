"""Loading the catalogue, and the lookups that validation and the pages read from it."""

from __future__ import annotations

from dataclasses import dataclass, field

import pycountry
from django.db import transaction

from collection import catalogue_data as data
from collection.catalogue_rules import starting_rules
from collection.labels import labels_forget
from collection.models import Code, CodeList, Country, ObservationStatus, Round, SourceType, TableDefinition, TableDimension, ValidationRule


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
    for iso3, name in data.ASEAN_COUNTRIES.items():
        Country.objects.update_or_create(iso3=iso3, defaults={"name": name})
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
        new, changed = [], []
        for order, (suffix, code_label, is_total, optional) in enumerate(codes):
            values = {"label": code_label, "is_total": is_total, "optional": optional, "sort_order": order}
            code = existing.get(prefix + suffix)
            if code is None:
                new.append(Code(codelist=codelist, code=prefix + suffix, **values))
            elif any(getattr(code, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(code, k, v)
                changed.append(code)
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
        "countries": Country.objects.count(),
        "code lists": CodeList.objects.count(),
        "codes": Code.objects.count(),
        "tables": TableDefinition.objects.count(),
        "rules": ValidationRule.objects.count(),
    }


def rules_seed() -> int:
    """Add the starting rules that are missing; rules admins have edited or switched off stay as they are."""
    from collection.validation.kinds import KINDS

    existing = set(ValidationRule.objects.filter(round=None).values_list("code", "table_id"))
    new = [
        ValidationRule(
            code=r["code"],
            kind=r["kind"],
            table_id=r["table"],
            severity=r["severity"],
            description=r["description"],
            params=r["params"],
            message=KINDS[r["kind"]].default_message,
        )
        for r in starting_rules()
        if (r["code"], r["table"]) not in existing
    ]
    ValidationRule.objects.bulk_create(new)
    return len(new)


def rules_effective(round_: Round | None) -> list[ValidationRule]:
    """The rules that apply in a round: the catalogue's, each replaced by the round's override of the same
    code and table (an inactive override switches the rule off), plus the round's own; active ones only."""
    rules = {(r.code, r.table_id): r for r in ValidationRule.objects.filter(round=None)}
    if round_ is not None:
        rules |= {(r.code, r.table_id): r for r in ValidationRule.objects.filter(round=round_)}
    return [r for r in rules.values() if r.active]


@dataclass
class DimensionSpec:
    """The codes one dimension column of a table accepts."""

    column: str
    codelist: str
    kind: str
    codes: list[str]
    total: str | None
    optional: set[str] = field(default_factory=set)

    @property
    def parts(self) -> list[str]:
        return [c for c in self.codes if c != self.total]

    @property
    def required_parts(self) -> list[str]:
        return [c for c in self.parts if c not in self.optional]


@dataclass
class TableSpec:
    """A table definition flattened for validation: one query for the whole catalogue, then plain lookups."""

    indicator: str
    title: str
    measure: str
    dimensions: dict[str, DimensionSpec]


def table_specs(indicators: list[str] | None = None) -> dict[str, TableSpec]:
    """The specs of the given tables (all tables when None), read in three queries."""
    tables = TableDefinition.objects.all()
    if indicators is not None:
        tables = tables.filter(indicator__in=indicators)
    dims = TableDimension.objects.filter(table__in=tables).values_list("table_id", "column", "codelist_id")
    codelist_ids = {d[2] for d in dims}
    codes: dict[str, list[tuple[str, bool, bool]]] = {}
    for codelist_id, code, is_total, optional in Code.objects.filter(codelist_id__in=codelist_ids).values_list(
        "codelist_id", "code", "is_total", "optional"
    ):
        codes.setdefault(codelist_id, []).append((code, is_total, optional))
    kinds = dict(CodeList.objects.filter(id__in=codelist_ids).values_list("id", "kind"))
    specs = {t.indicator: TableSpec(t.indicator, t.title, t.measure, {}) for t in tables}
    for table_id, column, codelist_id in dims:
        entries = codes.get(codelist_id, [])
        specs[table_id].dimensions[column] = DimensionSpec(
            column=column,
            codelist=codelist_id,
            kind=kinds[codelist_id],
            codes=[c for c, _, _ in entries],
            total=next((c for c, is_total, _ in entries if is_total), None),
            optional={c for c, _, opt in entries if opt},
        )
    return specs
