"""Kinds about the whole submission: the requested tables and years (completeness, by the worker) and the
description of each indicator's source (source metadata, when the focal point submits)."""

from __future__ import annotations

import polars as pl

from collection.catalogue.specs import rules_effective
from collection.models import DataSource, RuleKind, Submission
from collection.validation.checks import RuleDef, empty_issues, issue
from collection.validation.kinds.base import Kind, Params, RuleInput, render


def run_completeness(rule: RuleDef, params: Params, data: RuleInput) -> pl.DataFrame:
    """Requested tables and years that neither this file, the country's other submissions of the round
    awaiting review, nor the published data carry: one warning listing them."""
    have = set(data.rows.select("indicator", "time").unique().iter_rows()) | data.ctx.reported_elsewhere
    years = [str(y) for y in data.ctx.reference_years]
    missing: dict[str, list[str]] = {}
    for indicator in [i for i in data.ctx.specs if i in data.ctx.requested]:  # the catalogue's order
        gaps = [y for y in years if (indicator, y) not in have]
        if gaps:
            missing[indicator] = gaps
    if not missing:
        return empty_issues()
    listed = "; ".join(
        indicator if len(gaps) == len(years) else f"{indicator} ({', '.join(gaps)})"
        for indicator, gaps in missing.items()
    )
    count = sum(len(g) for g in missing.values())
    message = pl.select(render(rule.message, {"missing": pl.lit(listed), "count": pl.lit(str(count))})).item()
    return issue(rule.code, message, severity=rule.severity)


def source_gaps(submission: Submission) -> list[str]:
    """What the source metadata rules still ask of this submission: a sentence per set of fields missing."""
    rules = [r for r in rules_effective(submission.round) if r.kind == RuleKind.SOURCE_METADATA]
    if not rules:
        return []
    described = {s.indicator: s for s in submission.sources.all()}
    labels = {f.name: str(f.verbose_name) for f in DataSource._meta.fields}
    gaps = []
    for rule in rules:
        fields = SOURCE_METADATA.resolve(rule.params or {})["fields"]
        by_missing: dict[tuple[str, ...], list[str]] = {}  # one sentence for the tables that lack the same
        for indicator in submission.indicators or []:
            source = described.get(indicator)
            missing = tuple(f for f in fields if source is None or not source.serializable_value(f))
            if missing:
                by_missing.setdefault(missing, []).append(indicator)
        for missing, indicators in by_missing.items():
            said = ", ".join(labels.get(f, f) for f in missing)
            gaps.append(rule.message.format(indicator=", ".join(indicators), missing=said))
    return gaps


COMPLETENESS = Kind(run_completeness, {}, ("missing", "count"), whole_submission=True)
SOURCE_METADATA = Kind(
    None,  # checked when the focal point submits (source_gaps), not by the worker
    {"fields": ["source_type", "name", "reference_period", "coverage", "migrant_definition"]},
    ("indicator", "missing"),
    whole_submission=True,
    help="fields: the source metadata every indicator of a submission needs.",
)
