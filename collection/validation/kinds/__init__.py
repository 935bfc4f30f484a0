"""The rule kinds: each implemented once, on whole columns (polars), driven by a rule's parameters.

A rule (collection.models.ValidationRule) names its kind, its parameters, a severity and a message template;
`run_rules` applies every rule of a round to a submission's clean rows. Each kind declares itself in its own
module (`Kind`: parameters and defaults, sides, placeholders, its check, its implementation); this registry
treats them all alike. Cross-table kinds compare the submission with itself and, for cells it does not carry,
with the country's published values, so a table sent alone is still checked against the others.
"""

from __future__ import annotations

import string

import polars as pl
from django.core.exceptions import ValidationError

from collection.models import RuleKind, ValidationRule
from collection.validation.checks import CheckContext, empty_issues
from collection.validation.kinds.additivity import ADDITIVITY
from collection.validation.kinds.base import Kind, RuleInput
from collection.validation.kinds.comparisons import BOUND, EQUAL_TOTALS, IDENTITY
from collection.validation.kinds.rows import BREAK_WITHOUT_NOTE, OWN_COUNTRY_PARTNER
from collection.validation.kinds.submission import COMPLETENESS, SOURCE_METADATA
from collection.validation.kinds.year_on_year import YEAR_ON_YEAR

KINDS: dict[str, Kind] = {
    RuleKind.ADDITIVITY: ADDITIVITY,
    RuleKind.IDENTITY: IDENTITY,
    RuleKind.BOUND: BOUND,
    RuleKind.EQUAL_TOTALS: EQUAL_TOTALS,
    RuleKind.YEAR_ON_YEAR: YEAR_ON_YEAR,
    RuleKind.BREAK_WITHOUT_NOTE: BREAK_WITHOUT_NOTE,
    RuleKind.OWN_COUNTRY_PARTNER: OWN_COUNTRY_PARTNER,
    RuleKind.COMPLETENESS: COMPLETENESS,
    RuleKind.SOURCE_METADATA: SOURCE_METADATA,
}


def rule_problems(rule: ValidationRule) -> None:
    """Raise a ValidationError naming what is wrong with a rule's kind, parameters, message or table; the
    interfaces that edit rules (the admin's form, the import) ask it before saving."""
    kind = KINDS.get(rule.kind)
    if kind is None:
        raise ValidationError({"kind": f"Unknown kind {rule.kind!r}."})
    errors = {}
    params = rule.params or {}
    if not isinstance(params, dict):
        raise ValidationError({"params": "Parameters are a JSON object."})
    unknown = sorted(set(params) - set(kind.params))
    missing = sorted(
        n for n, default in kind.params.items() if default is None and n not in kind.optional and params.get(n) is None
    )
    said = [f"unknown parameter(s) {', '.join(unknown)}"] if unknown else []
    said += [f"missing parameter(s) {', '.join(missing)}"] if missing else []
    said += kind.check(params)
    if said:
        text = "; ".join(said)
        errors["params"] = f"{text[0].upper()}{text[1:]}. {kind.help}".strip()
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(rule.message or "") if name is not None}
    except ValueError as exc:
        errors["message"] = f"The message template is malformed: {exc}."
    else:
        wrong = sorted(names - set(kind.placeholders))
        if wrong:
            errors["message"] = (
                f"Unknown placeholder(s) {', '.join('{' + w + '}' for w in wrong)}; this kind offers "
                f"{', '.join('{' + p + '}' for p in kind.placeholders)}."
            )
    if not kind.whole_submission and not rule.table_id:
        errors["table"] = "This kind applies to one table: choose it."
    if errors:
        raise ValidationError(errors)


def run_rules(rows: pl.DataFrame, ctx: CheckContext) -> pl.DataFrame:
    """Every rule of the round that the worker applies and that touches the file, on the clean rows; one frame
    of issues."""
    data = RuleInput(rows, ctx)
    present = set(rows["indicator"].unique()) if rows.height else set()
    out = [empty_issues()]
    for rule in ctx.rules:
        kind = KINDS.get(rule.kind)
        if kind is not None and kind.run is not None and kind.touches(rule, present):
            out.append(kind.run(rule, kind.resolve(rule.params), data))
    return pl.concat(out)
