"""The key figures' trend as a sparkline drawn on the server: inline SVG, no script, with a title and a
description that a screen reader reads in full (every year and value)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from collection.dissemination.overviews import KeyFigure, Point
from collection.templatetags.portal_tags import exact

register = template.Library()

WIDTH, HEIGHT, PAD = 160, 44, 5


def _dot_class(embargoed: bool, latest: bool) -> str:
    return " embargoed" if embargoed else " latest" if latest else ""


def _radius(point: Point, points: list[Point]) -> str:
    """The latest point and embargoed ones stand out; the others are small."""
    return "3" if point.embargoed or point is points[-1] else "1.6"


@register.simple_tag
def sparkline(figure: KeyFigure, country_name: str) -> SafeString:
    """The series as a line over its years (a gap where a year is missing), the latest point marked; a single
    value is a dot. An embargoed point is drawn hollow."""
    points = [p for p in figure.points if p.time.isdigit()]
    if not points:
        return format_html("")
    years = [int(p.time) for p in points]
    values = [float(p.value) for p in points]
    lo, hi = min(values), max(values)
    first, last = min(years), max(years)

    def x(year: int) -> float:
        return PAD + (year - first) / (last - first) * (WIDTH - 2 * PAD) if last > first else WIDTH / 2

    def y(value: float) -> float:
        return HEIGHT / 2 if hi == lo else HEIGHT - PAD - (value - lo) / (hi - lo) * (HEIGHT - 2 * PAD)

    # Consecutive years are joined; a missing year breaks the line rather than being drawn through.
    runs: list[list[tuple[int, float]]] = []
    for year, value in zip(years, values, strict=True):
        if runs and runs[-1][-1][0] == year - 1:
            runs[-1].append((year, value))
        else:
            runs.append([(year, value)])
    lines = format_html_join(
        "",
        '<polyline class="spark-line" points="{}"/>',
        ((" ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in run),) for run in runs if len(run) > 1),
    )
    dots = format_html_join(
        "",
        '<circle class="spark-dot{}" cx="{}" cy="{}" r="{}"/>',
        (
            (_dot_class(p.embargoed, i == len(points) - 1), f"{x(t):.1f}", f"{y(v):.1f}", _radius(p, points))
            for i, (p, t, v) in enumerate(zip(points, years, values, strict=True))
        ),
    )
    chart_id = f"spark-{figure.spec.slug}"
    title = f"{figure.spec.label}, {country_name}, {points[0].time}–{points[-1].time}"
    description = "Thousands of persons: " + "; ".join(f"{p.time} {exact(p.value, 'g')}" for p in points) + "."
    return format_html(
        '<svg class="sparkline" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>'
        "{lines}{dots}</svg>",
        w=WIDTH,
        h=HEIGHT,
        id=chart_id,
        title=title,
        desc=description,
        lines=lines,
        dots=dots,
    )
