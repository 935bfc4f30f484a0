"""SDMX-ML 2.1 structure messages built from the catalogue: dataflows, data structures, code lists, concepts,
and the regions (a code list CL_REGION and a hierarchical code list HCL_REGION: region → member areas).

pysdmx writes them; this module only says what they hold. Codes keep ILOSTAT's values (SEX_T,
AGE_YTHADULT_YGE15); pysdmx's 2.1 codes carry no parent, so a code's total (`IS_TOTAL`) and, for the other codes
of a closed list, the total they add up to (`PARENT`) travel as annotations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pysdmx.io import write_sdmx
from pysdmx.io.format import Format
from pysdmx.model import (
    Annotation,
    Code,
    Codelist,
    Component,
    Components,
    Concept,
    ConceptScheme,
    Dataflow,
    DataStructureDefinition,
    DataType,
    HierarchicalCode,
    Hierarchy,
    Role,
)
from pysdmx.model.__base import MaintainableArtefact

from collection.dissemination.sdmx.layout import (
    AGENCY,
    CODED_ATTRIBUTES,
    CONCEPT_SCHEME,
    FREQ_ANNUAL,
    REGION_CODELIST,
    REGION_HIERARCHY,
    TEXT_ATTRIBUTES,
    UNIT_LABELS,
    UNIT_MULT_LABELS,
    VERSION,
    FlowLayout,
    codelist_sdmx_id,
    flow_layouts,
    measure_label,
)
from collection.models import Code as CatalogueCode
from collection.models import CodeList, Country, ObservationStatus, Region

CONCEPT_NAMES = {
    "REF_AREA": "Reference area",
    "FREQ": "Frequency",
    "MEASURE": "Measure",
    "SEX": "Sex",
    "AGE": "Age",
    "ECO": "Economic activity",
    "OCU": "Occupation",
    "STE": "Status in employment",
    "EDU": "Education",
    "CBR": "Country or place of birth",
    "CCT": "Citizenship",
    "CRS": "Country of residence",
    "CDS": "Country of destination",
    "CPR": "Country of previous residence",
    "TIME_PERIOD": "Time",
    "OBS_VALUE": "Observation value",
    "OBS_STATUS": "Observation status",
    "UNIT_MEASURE": "Unit of measure",
    "UNIT_MULT": "Unit multiplier",
    "SOURCE": "Source",
    "NOTE": "Note",
    "NOTE_CLASSIF": "Note on the classification",
    "NOTE_INDICATOR": "Note on the indicator",
    "NOTE_SOURCE": "Note on the source",
}


def _concept(concept_id: str) -> Concept:
    urn = f"urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept={AGENCY}:{CONCEPT_SCHEME}({VERSION}).{concept_id}"
    return Concept(id=concept_id, name=CONCEPT_NAMES.get(concept_id, concept_id), urn=urn)


def concept_scheme() -> ConceptScheme:
    return ConceptScheme(
        id=CONCEPT_SCHEME,
        agency=AGENCY,
        version=VERSION,
        name="ILOSTAT concepts",
        items=[_concept(c) for c in CONCEPT_NAMES],
    )


def _codelist(sdmx_id: str, name: str, codes: Iterable[Code]) -> Codelist:
    return Codelist(id=sdmx_id, agency=AGENCY, version=VERSION, name=name, items=list(codes))


def _catalogue_codes(codelist: CodeList, codes: Sequence[CatalogueCode]) -> list[Code]:
    total = next((c.code for c in codes if c.is_total), None)
    out = []
    for c in codes:
        notes = [Annotation(type="IS_TOTAL", title="true")] if c.is_total else []
        if total and not c.is_total and codelist.kind == CodeList.Kind.CLOSED:
            notes.append(Annotation(type="PARENT", title=total))
        out.append(Code(id=c.code, name=c.label, annotations=notes))
    return out


def codelists(layouts: Iterable[FlowLayout] | None = None) -> dict[str, Codelist]:
    """Every code list, by SDMX id (or those the given flows use)."""
    layouts = list(layouts if layouts is not None else flow_layouts().values())
    lists = {
        "CL_AREA": _codelist(
            "CL_AREA", "Reference area", (Code(id=c.iso3, name=c.name) for c in Country.objects.all())
        ),
        REGION_CODELIST: _codelist(
            REGION_CODELIST, "Region", (Code(id=r.code, name=r.name) for r in Region.objects.all())
        ),
        "CL_FREQ": _codelist("CL_FREQ", "Frequency", [Code(id=FREQ_ANNUAL, name="Annual")]),
        "CL_MEASURE": _codelist(
            "CL_MEASURE",
            "Measure",
            {f.measure: Code(id=f.measure, name=measure_label(f.title)) for f in layouts}.values(),
        ),
        "CL_OBS_STATUS": _codelist(
            "CL_OBS_STATUS",
            "Observation status",
            (Code(id=s.code, name=s.label) for s in ObservationStatus.objects.all()),
        ),
        "CL_UNIT_MEASURE": _codelist(
            "CL_UNIT_MEASURE",
            "Unit of measure",
            (Code(id=u, name=UNIT_LABELS.get(u, u)) for u in sorted({f.unit for f in layouts})),
        ),
        "CL_UNIT_MULT": _codelist(
            "CL_UNIT_MULT", "Unit multiplier", (Code(id=k, name=v) for k, v in UNIT_MULT_LABELS.items())
        ),
    }
    wanted = {b.codelist for f in layouts for b in f.breakdowns}
    by_list: dict[str, list[CatalogueCode]] = {}
    for code in CatalogueCode.objects.filter(codelist_id__in=wanted):
        by_list.setdefault(code.codelist_id, []).append(code)
    for codelist in CodeList.objects.filter(id__in=wanted):
        sdmx_id = codelist_sdmx_id(codelist.id)
        lists[sdmx_id] = _codelist(sdmx_id, codelist.label, _catalogue_codes(codelist, by_list.get(codelist.id, [])))
    return lists


def data_structure(layout: FlowLayout, lists: dict[str, Codelist]) -> DataStructureDefinition:
    """The structure of a table: REF_AREA, FREQ, MEASURE, SEX, one dimension per breakdown, TIME_PERIOD."""
    coded = [("REF_AREA", "CL_AREA"), ("FREQ", "CL_FREQ"), ("MEASURE", "CL_MEASURE")]
    coded += [(b.id, codelist_sdmx_id(b.codelist)) for b in layout.breakdowns]
    parts = [
        Component(id=d, required=True, role=Role.DIMENSION, concept=_concept(d), local_codes=lists[cl])
        for d, cl in coded
    ]
    parts.append(
        Component(
            id="TIME_PERIOD",
            required=True,
            role=Role.DIMENSION,
            concept=_concept("TIME_PERIOD"),
            local_dtype=DataType.PERIOD,
        )
    )
    parts.append(
        Component(
            id="OBS_VALUE",
            required=False,
            role=Role.MEASURE,
            concept=_concept("OBS_VALUE"),
            local_dtype=DataType.DOUBLE,
        )
    )
    parts += [
        Component(
            id=a, required=False, role=Role.ATTRIBUTE, concept=_concept(a), local_codes=lists[cl], attachment_level="O"
        )
        for a, cl in CODED_ATTRIBUTES.items()
    ]
    parts += [
        Component(
            id=a,
            required=False,
            role=Role.ATTRIBUTE,
            concept=_concept(a),
            local_dtype=DataType.STRING,
            attachment_level="O",
        )
        for a in TEXT_ATTRIBUTES
    ]
    return DataStructureDefinition(
        id=layout.indicator,
        agency=AGENCY,
        version=VERSION,
        name=layout.title,
        components=Components(parts),
    )


def dataflow(layout: FlowLayout, structure: DataStructureDefinition | None = None) -> Dataflow:
    ref = structure or f"urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure={AGENCY}:{layout.indicator}({VERSION})"
    return Dataflow(id=layout.flow, agency=AGENCY, version=VERSION, name=layout.title, structure=ref)


def structure_message(artefacts: Sequence[MaintainableArtefact]) -> str:
    """An SDMX-ML 2.1 structure message holding the artefacts, written by pysdmx."""
    return write_sdmx(list(artefacts), Format.STRUCTURE_SDMX_ML_2_1) or ""


def dataflows_message(flow: str | None = None) -> str | None:
    """Every dataflow (or the one named); None when there is no such flow."""
    layouts = [f for f in flow_layouts().values() if flow in (None, f.flow)]
    return structure_message([dataflow(f) for f in layouts]) if layouts else None


def datastructures_message(indicator: str | None = None, *, children: bool = False) -> str | None:
    """Every data structure (or the one named), with its code lists and concepts when `children`."""
    layouts = list(flow_layouts(indicator).values())
    if not layouts:
        return None
    lists = codelists(layouts)
    structures = [data_structure(f, lists) for f in layouts]
    if not children:
        return structure_message(structures)
    used = {c.local_codes.id for s in structures for c in s.components if c.local_codes is not None}
    return structure_message([*structures, *(lists[u] for u in sorted(used)), concept_scheme()])


def codelists_message(sdmx_id: str | None = None) -> str | None:
    """Every code list (or the one named); None when there is no such list."""
    lists = codelists()
    chosen = [v for k, v in lists.items() if sdmx_id in (None, k)]
    return structure_message(chosen) if chosen else None


def _code_urn(codelist: str, code: str) -> str:
    return f"urn:sdmx:org.sdmx.infomodel.codelist.Code={AGENCY}:{codelist}({VERSION}).{code}"


def region_hierarchy() -> Hierarchy:
    """Each region (a code of CL_REGION) with its reporting countries (codes of CL_AREA) below it. A country in
    two regions is under both; SDMX-ML 2.1 wants the ids of hierarchical codes unique, so a member's id is
    `<region>_<area>` and the code it stands for is named by its reference."""
    codes = [
        HierarchicalCode(
            id=region.code,
            name=region.name,
            urn=_code_urn(REGION_CODELIST, region.code),
            codes=[
                HierarchicalCode(id=f"{region.code}_{c.iso3}", name=c.name, urn=_code_urn("CL_AREA", c.iso3))
                for c in region.countries.all()
            ],
        )
        for region in Region.objects.prefetch_related("countries")
    ]
    return Hierarchy(
        id=REGION_HIERARCHY,
        agency=AGENCY,
        version=VERSION,
        name="Regions and their reporting countries",
        codes=codes,
    )


def hierarchies_message(sdmx_id: str | None = None, *, children: bool = False) -> str | None:
    """The regions' hierarchical code list (with the code lists it names when `children`); None for another id."""
    if sdmx_id not in (None, REGION_HIERARCHY):
        return None
    artefacts: list[MaintainableArtefact] = [region_hierarchy()]
    if children:
        lists = codelists([])
        artefacts = [lists["CL_AREA"], lists[REGION_CODELIST], *artefacts]
    return structure_message(artefacts)


def concept_scheme_message() -> str:
    return structure_message([concept_scheme()])
