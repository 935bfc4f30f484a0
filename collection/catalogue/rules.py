"""The starting rule catalogue (DOMAIN.md section 5) as data: seeded once, then the admins' to edit."""

from __future__ import annotations

from typing import TypedDict

from collection.catalogue.data import STANDARD_TABLES
from collection.models import RuleKind, Severity

TPOP_CBR, TPOP_CCT = "MST_TPOP_SEX_AGE_CBR_NB", "MST_TPOP_SEX_AGE_CCT_NB"
FORP, NCTP = "MST_FORP_SEX_CBR_NB", "MST_NCTP_SEX_CCT_NB"
TEAP, TEMP, TUNE = "MST_TEAP_SEX_AGE_CBR_NB", "MST_TEMP_SEX_AGE_CBR_NB", "MST_TUNE_SEX_AGE_CBR_NB"
TEMP_BY = {
    "MST_TEMP_SEX_ECO_CBR_NB": "ECO_ISIC4_TOTAL",
    "MST_TEMP_SEX_OCU_CBR_NB": "OCU_ISCO08_TOTAL",
    "MST_TEMP_SEX_STE_CBR_NB": "STE_ICSE93_TOTAL",
    "MST_TEMP_SEX_EDU_CBR_NB": "EDU_AGGREGATE_TOTAL",
}
NCIT, NEMP = "MFL_NCIT_SEX_CCT_NB", "MFL_NEMP_SEX_OCU_NB"
AGE_TABLES = [TPOP_CBR, TPOP_CCT, TEAP, TEMP, TUNE]
PARTNER_TABLES = [FORP, NCTP, NCIT, "MNA_TPOP_SEX_CRS_NB", "MNA_OEMP_SEX_CDS_NB", "MNA_XRET_SEX_CPR_NB"]
YOUTH, ADULTS_15 = "AGE_YTHADULT_Y15-24", "AGE_YTHADULT_YGE15"
ERROR, WARNING = Severity.ERROR, Severity.WARNING

# The message a starting rule of each kind gets; admins edit it (the kind lists the placeholders it may use).
DEFAULT_MESSAGES: dict[str, str] = {
    RuleKind.ADDITIVITY: "Along {dimension}, the total {total_code} is {total} but {parts} add up to {sum} "
    "(difference {difference}) for {cell}; that is more than {allowance}.",
    RuleKind.IDENTITY: "{total_table} is {total} for {cell} but {parts_tables} add up to {sum} "
    "(difference {difference}); that is more than {allowance}.",
    RuleKind.BOUND: "{part_table} is {part} for {cell}, more than {total_table} ({total}) which contains it, "
    "by {excess}; that is more than {allowance}.",
    RuleKind.EQUAL_TOTALS: "{table} gives {value} for {cell} but {reference_table} gives {reference} "
    "(difference {difference}); that is more than {allowance}.",
    RuleKind.YEAR_ON_YEAR: "{cell}: {value} against {previous} in {previous_time} ({previous_from}) is a change "
    "of {change_pct} %, beyond the {threshold} % expected for this table. Flag the value B with a note if the "
    "series breaks, or explain the change.",
    RuleKind.BREAK_WITHOUT_NOTE: "{cell} is flagged B (break in series) without a note; say in the note what changed.",
    RuleKind.OWN_COUNTRY_PARTNER: "{code} is the reporting country ({country}) itself; {table} lists other "
    "countries only.",
    RuleKind.COMPLETENESS: "{count} requested table-year(s) are missing (not in this file, not awaiting review, "
    "not published): {missing}.",
    RuleKind.SOURCE_METADATA: "{indicator}: describe its {missing} before submitting.",
}


class StartingRule(TypedDict):
    """A starting rule as the seed writes it into ValidationRule."""

    code: str
    kind: str
    table: str | None
    severity: str
    description: str
    params: dict[str, object]
    message: str


def rule(code: str, kind: str, table: str | None, severity: str, description: str, **params: object) -> StartingRule:
    """One starting rule as the seed writes it, with its kind's default message."""
    return {
        "code": code,
        "kind": kind,
        "table": table,
        "severity": severity,
        "description": description,
        "params": params,
        "message": DEFAULT_MESSAGES[kind],
    }


def starting_rules() -> list[StartingRule]:
    """Every rule of the starting catalogue, each with its kind's default message."""
    rules: list[StartingRule] = []
    for indicator, (_title, measure, _c1, _c2) in STANDARD_TABLES.items():
        rules.append(
            rule("additivity", "additivity", indicator, ERROR, "A total equals the sum of its parts (DOMAIN 5.1).")
        )
        rules.append(
            rule(
                "change.year_on_year",
                "year_on_year",
                indicator,
                WARNING,
                "Large swings against the published series are checked with the country (DOMAIN 5.5).",
                threshold_pct=50 if measure == "flow" else 30,
                min_value=5,
            )
        )
        rules.append(
            rule("break.no_note", "break_without_note", indicator, WARNING, "A series break needs a note (3.3b).")
        )
    for indicator in PARTNER_TABLES:
        rules.append(
            rule(
                "partner.own_country",
                "own_country_partner",
                indicator,
                ERROR,
                "Foreign-born, foreign-citizen and nationals-abroad tables list other countries only (3.9).",
            )
        )
    rules.append(
        rule(
            "identity.labour_force",
            "identity",
            TEAP,
            ERROR,
            "Labour force = employed + unemployed, cell by cell (DOMAIN 5.2).",
            total=TEAP,
            parts=[TEMP, TUNE],
        )
    )
    rules.append(
        rule(
            "bound.labour_force_population",
            "bound",
            TEAP,
            ERROR,
            "The labour force is part of the working-age population (DOMAIN 5.2, 5.4).",
            part=TEAP,
            total=TPOP_CBR,
        )
    )
    for indicator in AGE_TABLES:
        rules.append(
            rule(
                "bound.youth",
                "bound",
                indicator,
                ERROR,
                "Youth (15-24) are part of the 15+ total (DOMAIN 5.4).",
                part={"indicator": indicator, "where": {"classif1": YOUTH}},
                total={"indicator": indicator, "where": {"classif1": ADULTS_15}},
            )
        )
    rules.append(
        rule(
            "bound.employed_inflow",
            "bound",
            NEMP,
            ERROR,
            "Employed foreign citizens arriving are part of all working-age arrivals [I].",
            part={"indicator": NEMP, "where": {"classif1": "OCU_ISCO08_TOTAL"}},
            total={"indicator": NCIT, "where": {"classif1": "CCT_CTZ_TOTAL"}},
        )
    )
    rules.append(
        rule(
            "equal_totals.employment",
            "equal_totals",
            TEMP,
            ERROR,
            "Total employment is the same in the AGE, ECO, OCU, STE and EDU tables (DOMAIN 5.3).",
            reference={"indicator": TEMP, "where": {"classif1": ADULTS_15}},
            others=[{"indicator": i, "where": {"classif1": total}} for i, total in TEMP_BY.items()],
        )
    )
    rules.append(
        rule(
            "equal_totals.foreign_born",
            "equal_totals",
            FORP,
            ERROR,
            "The foreign-born total equals the foreign-born 15+ of the population table (DOMAIN 5.3).",
            reference={"indicator": TPOP_CBR, "where": {"classif1": ADULTS_15, "classif2": "CBR_BIR_FOREIGN"}},
            others=[{"indicator": FORP, "where": {"classif1": "CBR_BRT_TOTAL"}}],
        )
    )
    rules.append(
        rule(
            "equal_totals.non_citizens",
            "equal_totals",
            NCTP,
            ERROR,
            "The non-citizen total equals the non-citizen 15+ of the population table (DOMAIN 5.3).",
            reference={"indicator": TPOP_CCT, "where": {"classif1": ADULTS_15, "classif2": "CCT_CIT_NONCIT"}},
            others=[{"indicator": NCTP, "where": {"classif1": "CCT_CTZ_TOTAL"}}],
        )
    )
    rules.append(
        rule(
            "completeness",
            "completeness",
            None,
            WARNING,
            "Every requested table and reference year, or a word on why not (DOMAIN 5.6).",
        )
    )
    rules.append(
        rule(
            "sources.complete",
            "source_metadata",
            None,
            ERROR,
            "The map of national sources needs each indicator's source described (DOMAIN 1, 5.6).",
        )
    )
    return rules
