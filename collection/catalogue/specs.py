"""The catalogue as validation and the pages read it: table specs, and the rules in force in a round."""

from __future__ import annotations

from dataclasses import dataclass, field

from collection.models import (
    Code,
    CodeList,
    Round,
    TableDefinition,
    TableDimension,
    ValidationRule,
)


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
