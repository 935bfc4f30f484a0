"""A small time-series chart drawn on the server as inline SVG (no script, no library, read by screen readers),
and the signed numbers of the reviewer's comparison."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from collection.models import value_exact
from collection.review.workspace import Series
from collection.templatetags.portal_tags import exact

register = template.Library()

WIDTH, HEIGHT = 320, 150
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 28  # room for the value labels on the left and the years below


def _scale(values: Sequence[float], low: float, high: float) -> Callable[[float], float]:
    lo, hi = float(min(values)), float(max(values))
    if hi == lo:
        return lambda v: (low + high) / 2
    return lambda v: low + (float(v) - lo) / (hi - lo) * (high - low)


@register.filter
def signed(value: Decimal | float | None, decimals: int = 1) -> str:
    """A change with its sign, or a dash when there is nothing to compare with: an exact change of values with
    the digits they were given (+0.064, -3), a float such as a percentage to `decimals` (+12.5)."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value_exact(value):+,f}" if value else "0"
    return f"{value:+,.{decimals}f}"


@register.simple_tag
def series_chart(series: Series, number_on_page: int) -> SafeString:
    """Published points joined by a solid line, the submission's points as orange squares joined by a dashed
    line from the last published one; the first and last years and the min and max values label the axes."""
    chart_id = f"chart-{number_on_page}"
    published = [(int(t), v) for t, v in series.published if t.isdigit()]
    new = [(int(t), v) for t, v in series.new if t.isdigit()]
    points = published + new
    if not points:
        return format_html('<p class="empty">No values for this series.</p>')
    years = [t for t, _ in points]
    values = [v for _, v in points]
    x = _scale(years, LEFT, WIDTH - RIGHT)
    y = _scale(values, HEIGHT - BOTTOM, TOP)
    # The new line starts at the last published year before the first new point, so the step is visible.
    anchor = [p for p in published if new and p[0] < new[0][0]][-1:]
    published_line = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in published)
    new_line = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in anchor + new)
    description = "Published: " + (", ".join(f"{t} {exact(v, 'g')}" for t, v in published) or "none") + ". New: "
    description += (", ".join(f"{t} {exact(v, 'g')}" for t, v in new) or "none") + "."
    grid = format_html(
        '<line class="axis" x1="{l}" y1="{b}" x2="{r}" y2="{b}"/>'
        '<line class="axis" x1="{l}" y1="{t}" x2="{l}" y2="{b}"/>'
        '<text class="tick" x="{tx}" y="{ymax}" text-anchor="end" dominant-baseline="middle">{vmax}</text>'
        '<text class="tick" x="{tx}" y="{ymin}" text-anchor="end" dominant-baseline="middle">{vmin}</text>',
        l=LEFT,
        r=WIDTH - RIGHT,
        t=TOP,
        b=HEIGHT - BOTTOM,
        tx=LEFT - 6,
        ymax=f"{y(max(values)):.1f}",
        ymin=f"{y(min(values)):.1f}",
        vmax=exact(max(values), "g"),
        vmin=exact(min(values), "g"),
    )
    labelled_years = sorted({min(years), max(years)} | {t for t, _ in new})
    year_labels = format_html_join(
        "",
        '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
        ((f"{x(t):.1f}", HEIGHT - 8, t) for t in labelled_years),
    )
    lines = format_html(
        "{}{}",
        format_html('<polyline class="published" points="{}"/>', published_line) if len(published) > 1 else "",
        format_html('<polyline class="new" points="{}"/>', new_line) if len(anchor + new) > 1 else "",
    )
    dots = format_html_join(
        "", '<circle class="published" cx="{}" cy="{}" r="3"/>', ((f"{x(t):.1f}", f"{y(v):.1f}") for t, v in published)
    )
    squares = format_html_join(
        "",
        '<rect class="new" x="{}" y="{}" width="7" height="7"/>',
        ((f"{x(t) - 3.5:.1f}", f"{y(v) - 3.5:.1f}") for t, v in new),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{label}</title>'
        '<desc id="{id}-desc">{description}</desc>{grid}{years}{lines}{dots}{squares}</svg>',
        w=WIDTH,
        h=HEIGHT,
        id=chart_id,
        label=series.label,
        description=description,
        grid=grid,
        years=year_labels,
        lines=lines,
        dots=dots,
        squares=squares,
    )
