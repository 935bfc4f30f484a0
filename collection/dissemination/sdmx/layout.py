"""The names of ILOSTAT's SDMX layout, derived from a table definition: ids, dimensions, attributes, units."""

from __future__ import annotations

from dataclasses import dataclass

from collection.models import TableDefinition, TableDimension

AGENCY = "ILO"
VERSION = "1.0"
CONCEPT_SCHEME = "CS_ILOSTAT"
# The regions, as data: a code list of them and a hierarchical code list of each region's reporting countries
# (codes of CL_AREA), so that a reader learns a region's members and asks for REF_AREA=THA+MYS+…
REGION_CODELIST = "CL_REGION"
REGION_HIERARCHY = "HCL_REGION"
FREQ_ANNUAL = "A"
# The attributes of every observation: the long layout's flag and notes, the unit and its multiplier, the source.
TEXT_ATTRIBUTES = ("SOURCE", "NOTE", "NOTE_CLASSIF", "NOTE_INDICATOR", "NOTE_SOURCE")
CODED_ATTRIBUTES = {"OBS_STATUS": "CL_OBS_STATUS", "UNIT_MEASURE": "CL_UNIT_MEASURE", "UNIT_MULT": "CL_UNIT_MULT"}
ATTRIBUTES = ("OBS_STATUS", "UNIT_MEASURE", "UNIT_MULT", *TEXT_ATTRIBUTES)
# ILOSTAT's unit codes: NB counts persons in thousands (UNIT_MULT 3 = 10^3).
UNIT_MULT = {"NB": "3"}
UNIT_MULT_LABELS = {"0": "Units", "3": "Thousands"}
UNIT_LABELS = {"NB": "Number of persons"}


def flow_id(indicator: str) -> str:
    return f"DF_{indicator}"


def flow_indicator(flow: str) -> str | None:
    """The indicator a dataflow id names (DF_MST_TEMP_SEX_ECO_CBR_NB -> MST_TEMP_SEX_ECO_CBR_NB), None if none."""
    return flow[3:] if flow.startswith("DF_") and len(flow) > 3 else None


def codelist_sdmx_id(codelist: str) -> str:
    """The SDMX id of a catalogue code list: SEX -> CL_SEX, AGE_YTHADULT -> CL_AGE_YTHADULT."""
    return f"CL_{codelist}"


def breakdown_type(codelist: str) -> str:
    """A breakdown's dimension is named by its type, the code list id's first part (ECO_ISIC4 -> ECO)."""
    return codelist.split("_", 1)[0]


def measure_of(indicator: str, codelists: list[str]) -> str:
    """The indicator without its breakdowns, as ILOSTAT's MEASURE: MST_TEMP_SEX_ECO_CBR_NB -> MST_TEMP_NB."""
    dropped = {"SEX", *(breakdown_type(c) for c in codelists)}
    parts = indicator.split("_")
    return "_".join(parts[:2] + [p for p in parts[2:-1] if p not in dropped] + parts[-1:])


def measure_label(title: str) -> str:
    """A measure's name: the table title before its breakdowns ("Employment by sex, ..." -> "Employment")."""
    return title.split(" by ", 1)[0]


@dataclass(frozen=True)
class Breakdown:
    """One dimension of a table's structure and the long-layout column it reads."""

    id: str  # the SDMX dimension id (SEX, AGE, CBR, ...)
    column: str  # sex, classif1, classif2
    codelist: str  # the catalogue code list (SEX, AGE_YTHADULT, ...)


@dataclass(frozen=True)
class FlowLayout:
    """A table as an SDMX dataflow: its key positions, in order, and what each reads."""

    indicator: str
    title: str
    unit: str
    measure: str
    breakdowns: tuple[Breakdown, ...]

    @property
    def flow(self) -> str:
        return flow_id(self.indicator)

    @property
    def key_dimensions(self) -> tuple[str, ...]:
        """The positions of a data query's key: REF_AREA.FREQ.MEASURE.SEX.<breakdowns>."""
        return ("REF_AREA", "FREQ", "MEASURE", *(b.id for b in self.breakdowns))

    @property
    def unit_mult(self) -> str:
        return UNIT_MULT.get(self.unit, "0")


def flow_layout(table: TableDefinition, dimensions: list[TableDimension]) -> FlowLayout:
    """The layout of a table from its dimensions (sex first, then classif1, classif2)."""
    order = {"sex": 0, "classif1": 1, "classif2": 2}
    dims = sorted(dimensions, key=lambda d: order[d.column])
    breakdowns = tuple(
        Breakdown(
            id="SEX" if d.column == "sex" else breakdown_type(d.codelist_id), column=d.column, codelist=d.codelist_id
        )
        for d in dims
    )
    return FlowLayout(
        indicator=table.indicator,
        title=table.title,
        unit=table.unit,
        measure=measure_of(table.indicator, [b.codelist for b in breakdowns if b.column != "sex"]),
        breakdowns=breakdowns,
    )


def flow_layouts(indicator: str | None = None) -> dict[str, FlowLayout]:
    """The layout of every table (or of one), in catalogue order: two queries."""
    tables = TableDefinition.objects.all()
    if indicator is not None:
        tables = tables.filter(indicator=indicator)
    dims: dict[str, list[TableDimension]] = {}
    for d in TableDimension.objects.filter(table__in=tables):
        dims.setdefault(d.table_id, []).append(d)
    return {t.indicator: flow_layout(t, dims.get(t.indicator, [])) for t in tables}
