"""SDMX errors: the SDMX-ML 2.1 Error message and the HTTP status its code maps to (SDMX REST, "Errors").

pysdmx 1.21 reads Error messages but writes none, so the message (a few fixed lines) is written here."""

from __future__ import annotations

from xml.sax.saxutils import escape

NO_RESULTS = 100  # 404: a valid query that matches nothing
SYNTAX = 140  # 400: the query does not follow the SDMX REST syntax (a bad key, period or parameter)
SEMANTIC = 150  # 400 here: a code the structure does not have
NOT_FOUND = 100  # 404: an unknown flow, structure or code list (the artefact query matches nothing)
NOT_ACCEPTABLE = 406  # 406: a representation the service does not offer (HTTP's own status, no SDMX code)
STATUS = {NO_RESULTS: 404, SYNTAX: 400, SEMANTIC: 400, NOT_ACCEPTABLE: 406}
TITLES = {
    NO_RESULTS: "No Results Found",
    SYNTAX: "Syntax error",
    SEMANTIC: "Semantic error",
    NOT_ACCEPTABLE: "Not Acceptable",
}


class SdmxError(Exception):
    """A query the service answers with an SDMX error message; `text` says what was wrong in a sentence."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text

    @property
    def status(self) -> int:
        return STATUS[self.code]

    @property
    def title(self) -> str:
        return TITLES[self.code]


def error_message(error: SdmxError) -> str:
    """An SDMX-ML 2.1 Error message."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<mes:Error xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
        'xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">\n'
        f'\t<mes:ErrorMessage code="{error.code}">\n'
        f'\t\t<com:Text xml:lang="en">{escape(error.title)}: {escape(error.text)}</com:Text>\n'
        "\t</mes:ErrorMessage>\n"
        "</mes:Error>\n"
    )


def error_text(error: SdmxError) -> str:
    """The same error as plain text, for a client that asked for CSV."""
    return f"{error.code} {error.title}: {error.text}\n"
