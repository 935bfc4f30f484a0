"""SDMX-CSV 2.0 and SDMX-ML 2.1 structure-specific data messages, written while they are sent.

pysdmx's data writers take the whole message as one pandas frame and return it as one string (1 M rows are
hundreds of MB in memory), and they need pandas and pyarrow besides. So pysdmx writes the parts that are not
data (the XML root with its namespaces and the header) and this module writes the rows in pysdmx's format, a
chunk at a time. Two things are done differently on purpose: an attribute value is escaped for a double-quoted
XML attribute (pysdmx 1.21 quotes with repr and turns every ' into ", which breaks a note like "workers' ..."),
and `ss:dataScope` is "DataStructure" (pysdmx writes the structure's id there, which the schema does not allow).
A value is written with the digits it was given (412.6, 1500), as the observations API gives it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import chain
from xml.sax.saxutils import escape

from pysdmx.io.format import Format
from pysdmx.io.xml import __write_aux as pysdmx_xml
from pysdmx.model import Organisation
from pysdmx.model.message import Header

from collection.dissemination.sdmx.layout import AGENCY, ATTRIBUTES, FREQ_ANNUAL, TEXT_ATTRIBUTES, VERSION, FlowLayout
from collection.lib import downloads

CSV_TYPE = "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8"
XML_TYPE = "application/vnd.sdmx.structurespecificdata+xml; version=2.1; charset=utf-8"
# Rows per piece of a streamed message.
ROWS_PER_PIECE = 1000
XML_ESCAPES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def _cells(layout: FlowLayout, row: tuple[object, ...]) -> list[tuple[str, str]]:
    """One observation as (component, text) pairs in the structure's order; `row` is data.ROW_COLUMNS."""
    ref_area, sex, classif1, classif2, time, value, status, source, *notes = row
    by_column = {"sex": sex, "classif1": classif1, "classif2": classif2}
    cells = [("REF_AREA", ref_area), ("FREQ", FREQ_ANNUAL), ("MEASURE", layout.measure)]
    cells += [(b.id, by_column[b.column]) for b in layout.breakdowns]
    cells += [("TIME_PERIOD", time), ("OBS_VALUE", format(value, "f") if isinstance(value, Decimal) else value)]
    cells += [("OBS_STATUS", status), ("UNIT_MEASURE", layout.unit), ("UNIT_MULT", layout.unit_mult)]
    cells += [("SOURCE", source), *zip(TEXT_ATTRIBUTES[1:], notes, strict=True)]
    return [(k, "" if v is None else str(v)) for k, v in cells]


def columns(layout: FlowLayout) -> list[str]:
    return [*layout.key_dimensions, "TIME_PERIOD", "OBS_VALUE", *ATTRIBUTES]


def _pieces(lines: Iterable[str]) -> Iterator[str]:
    """Lines joined into pieces of ROWS_PER_PIECE, so that a streamed response is not one write per row."""
    piece: list[str] = []
    for line in lines:
        piece.append(line)
        if len(piece) >= ROWS_PER_PIECE:
            yield "".join(piece)
            piece = []
    yield "".join(piece)


def csv_message(layout: FlowLayout, rows: Iterable[tuple[object, ...]]) -> Iterator[str]:
    """SDMX-CSV 2.0 as pysdmx writes it (STRUCTURE,STRUCTURE_ID,ACTION then the components; `dataflow`,
    `ILO:DF_…(1.0)`, `I`), with every text attribute (source, notes) guarded against spreadsheet formulas."""
    lead = ["dataflow", f"{AGENCY}:{layout.flow}({VERSION})", "I"]
    header = [["STRUCTURE", "STRUCTURE_ID", "ACTION", *columns(layout)]]
    # Only the text attributes are guarded: a negative value or a code stays as it is.
    body = (
        [*lead, *(downloads.formula_safe(v) if k in TEXT_ATTRIBUTES else v for k, v in _cells(layout, row))]
        for row in rows
    )
    return _pieces(downloads.csv_lines(chain(header, body), guard=False, bom=False))


def xml_message(layout: FlowLayout, rows: Iterable[tuple[object, ...]]) -> Iterator[str]:
    """SDMX-ML 2.1 structure-specific data, one flat Obs per value (dimension at observation: all dimensions),
    referring to the table's data structure (its id is the indicator)."""
    short_urn = f"DataStructure={AGENCY}:{layout.indicator}({VERSION})"
    namespace = f'xmlns:ns1="urn:sdmx:org.sdmx.infomodel.datastructure.{short_urn}:ObsLevelDim:AllDimensions" '
    header = Header(sender=Organisation(id=AGENCY), structure={short_urn: "AllDimensions"})
    fmt = Format.DATA_SDMX_ML_2_1_STR
    yield (
        pysdmx_xml.create_namespaces(fmt, namespace, True)
        + pysdmx_xml.__write_header(header, True, True, data_message=True)
        + f'\n\t<mes:DataSet ss:structureRef="{layout.indicator}" xsi:type="ns1:DataSetType" '
        'ss:dataScope="DataStructure" action="Information">\n'
    )
    yield from _pieces(_obs(layout, rows))
    yield "\t</mes:DataSet>" + pysdmx_xml.get_end_message(fmt, True)


def _obs(layout: FlowLayout, rows: Iterable[tuple[object, ...]]) -> Iterator[str]:
    for row in rows:
        attrs = " ".join(f'{k}="{escape(v, XML_ESCAPES)}"' for k, v in _cells(layout, row) if v != "")
        yield f"\t\t<Obs {attrs} />\n"
