"""The benchmark's table: each figure beside the baseline measured in the same run, and the goal."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Row:
    what: str
    seconds: float
    baseline: str
    baseline_seconds: float
    goal: str = ""
    met: bool | None = None
    unit: str = "s"

    @property
    def ratio(self) -> str:
        return f"{self.seconds / self.baseline_seconds:.1f}x" if self.baseline_seconds else "-"


def timed(work: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def print_table(rows: list[Row], *, title: str) -> None:
    headers = ["measured", "figure", "baseline (same run)", "figure", "ratio", "goal", "met"]
    lines = [
        [
            r.what,
            f"{r.seconds:.2f} {r.unit}",
            r.baseline,
            f"{r.baseline_seconds:.2f} {r.unit}",
            r.ratio,
            r.goal,
            {True: "yes", False: "NO", None: "-"}[r.met],
        ]
        for r in rows
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *lines, strict=False)]
    print(title)
    print(" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for line in lines:
        print(" | ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)))
