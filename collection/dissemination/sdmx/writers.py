"""SDMX-CSV 2.0 and SDMX-ML 2.1 structure-specific data messages, written while they are sent.

pysdmx's data writers take the whole message as one pandas frame and return it as one string (1 M rows are
hundreds of MB in memory), and they need pandas and pyarrow besides. So pysdmx writes the parts that are not
data (the XML root with its namespaces and the header) and this module writes the rows in pysdmx's format, a
chunk at a time. Two things are done differently on purpose: an attribute value is escaped for a double-quoted
XML attribute (pysdmx 1.21 quotes with repr and turns every ' into ", which breaks a note like "workers' ..."),
and `ss:dataScope` is "DataStructure" (pysdmx writes the structure's id there, which the schema does not allow).
The header is written by pysdmx's own header writer, a private helper (the one its structure-specific writer
calls): pysdmx is pinned, and the round-trip tests read every message with pysdmx and sdmx1.
A value is written with the digits it was given (412.6, 1500), as the observations API gives it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from itertools import islice
from operator import itemgetter
from xml.sax.saxutils import escape

from pysdmx.io.format import Format
from pysdmx.io.xml import __write_aux as pysdmx_xml
from pysdmx.model import Organisation
from pysdmx.model.message import Header

from collection.dissemination.sdmx.data import ROW_COLUMNS
from collection.dissemination.sdmx.layout import AGENCY, ATTRIBUTES, FREQ_ANNUAL, TEXT_ATTRIBUTES, VERSION, FlowLayout
from collection.lib import downloads

CSV_TYPE = "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8"
XML_TYPE = "application/vnd.sdmx.structurespecificdata+xml; version=2.1; charset=utf-8"
# Rows per piece of a streamed message.
ROWS_PER_PIECE = 1000
# The long-layout columns of the text attributes, in TEXT_ATTRIBUTES order.
NOTED = ("source", "note", "note_classif", "note_indicator", "note_source")
XML_ESCAPES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def _cells(layout: FlowLayout) -> Callable[[tuple[object, ...]], list[str]]:
    """A function giving one observation's cells in the structure's order (see `columns`) from a row of
    data.ROW_COLUMNS. Built once per message: a million rows go through it."""
    read = ["ref_area", *(b.column for b in layout.breakdowns), "time", "obs_value", "obs_status", *NOTED]
    pick = itemgetter(*(ROW_COLUMNS.index(c) for c in read))
    freq, measure, unit, mult = FREQ_ANNUAL, layout.measure, layout.unit, layout.unit_mult
    dims = len(layout.breakdowns)

    def cells(row: tuple[object, ...]) -> list[str]:
        picked = pick(row)
        value = picked[dims + 2]
        return [
            picked[0],
            freq,
            measure,
            *picked[1 : dims + 2],  # the breakdowns, then TIME_PERIOD
            format(value, "f") if isinstance(value, Decimal) else str(value),
            picked[dims + 3],
            unit,
            mult,
            *picked[dims + 4 :],  # SOURCE and the notes
        ]

    return cells


def columns(layout: FlowLayout) -> list[str]:
    return [*layout.key_dimensions, "TIME_PERIOD", "OBS_VALUE", *ATTRIBUTES]


def _pieces(lines: Iterable[str]) -> Iterator[str]:
    """Lines (or chunks of lines) joined into pieces of ROWS_PER_PIECE, so that a streamed response is not one
    write per row."""
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
    cells, texts = _cells(layout), len(TEXT_ATTRIBUTES)

    def guarded(row: tuple[object, ...]) -> list[str]:
        # Only the text attributes are guarded: a negative value or a code stays as it is.
        line = cells(row)
        line[-texts:] = [downloads.formula_safe(t) if t else t for t in line[-texts:]]
        return lead + line

    plain = _plain_lines(layout, lead)

    def pieces() -> Iterator[str]:
        yield "".join(downloads.csv_lines(header, guard=False, bom=False))
        source = iter(rows)
        while batch := list(islice(source, ROWS_PER_PIECE)):
            text = plain(batch)
            if text is None:  # a cell to quote or guard in this piece: the csv module writes it
                text = "".join(downloads.csv_lines(map(guarded, batch), guard=False, bom=False))
            yield text

    return pieces()


# A cell the csv module would quote (QUOTE_MINIMAL: the delimiter, the quote, a line break), and a text attribute
# the formula guard might change (the guard itself decides: a number written as text such as -12 stays as it is).
QUOTED = re.compile('[,"\r\n]')
FORMULA = re.compile("(?:^|\x00)[" + re.escape("".join(downloads.FORMULA_START)) + "]")


def _plain_lines(layout: FlowLayout, lead: list[str]) -> Callable[[list[tuple[object, ...]]], str | None]:
    """The CSV lines of a piece of rows none of whose cells needs quoting or a formula guard (nearly every piece:
    codes, years, numbers and plain notes), as the csv module writes them, from one format string; None for any
    other piece, which the csv module writes. A list of cells per row through csv.writer was most of a message's
    time (the read bench's profile); here a piece is checked with two searches and formatted in C."""
    read = ["ref_area", *(b.column for b in layout.breakdowns), "time", "obs_value", "obs_status", *NOTED]
    pick = itemgetter(*(ROW_COLUMNS.index(c) for c in read))
    text_of = itemgetter(*(ROW_COLUMNS.index(c) for c in NOTED))
    value_of = itemgetter(ROW_COLUMNS.index("obs_value"))
    dims, texts = len(layout.breakdowns), len(TEXT_ATTRIBUTES)
    fixed = [*lead, FREQ_ANNUAL, layout.measure, layout.unit, layout.unit_mult]
    if any(QUOTED.search(c) for c in fixed) or len(NOTED) != texts:
        return lambda batch: None
    # REF_AREA, FREQ, MEASURE, the breakdowns, TIME_PERIOD, OBS_VALUE, OBS_STATUS, UNIT_MEASURE, UNIT_MULT, texts.
    cells = [*lead, "%s", FREQ_ANNUAL, layout.measure, *["%s"] * (dims + 3), layout.unit, layout.unit_mult]
    template = ",".join(c if c == "%s" else c.replace("%", "%%") for c in [*cells, *["%s"] * texts]) + "\r\n"
    value_at = dims + 2

    def exact(row: tuple[object, ...]) -> tuple[object, ...]:
        value = row[value_at]
        text = format(value, "f") if isinstance(value, Decimal) else str(value)
        return (*row[:value_at], text, *row[value_at + 1 :])

    def lines(batch: list[tuple[object, ...]]) -> str | None:
        picked: Iterable[tuple[object, ...]] = map(pick, batch)
        if set(map(type, map(value_of, batch))) != {str}:  # a Decimal (SQLite) is written with its digits
            picked = map(exact, picked)
        picked = list(picked)
        if QUOTED.search("\x00".join(map("\x00".join, picked))):  # type: ignore[arg-type]
            return None
        if FORMULA.search("\x00".join(map("\x00".join, map(text_of, batch)))):
            return None
        return "".join(map(template.__mod__, picked))

    return lines


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
    names, cells = columns(layout), _cells(layout)
    texts = len(TEXT_ATTRIBUTES)
    coded, text_names = names[:-texts], names[-texts:]
    for row in rows:
        line = cells(row)
        # Codes, periods and numbers come from the catalogue's code lists and the checks (letters, digits, _ and
        # -), so only the text attributes need escaping: escaping every value was most of a message's time.
        attrs = [f'{k}="{v}"' for k, v in zip(coded, line[:-texts], strict=True) if v]
        attrs += [f'{k}="{escape(v, XML_ESCAPES)}"' for k, v in zip(text_names, line[-texts:], strict=True) if v]
        yield f"\t\t<Obs {' '.join(attrs)} />\n"
