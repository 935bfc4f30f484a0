"""Run every benchmark in a throw-away database and print one table of figures beside their baselines.

`python -m bench` runs them all; `python -m bench pipeline` only the named ones. The pipeline needs PostgreSQL."""

from __future__ import annotations

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ilms_portal.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from bench import load, pipeline, reads, workbook, world  # noqa: E402
from bench.report import Row, print_table  # noqa: E402

BENCHMARKS = {
    "workbook": workbook.run,
    "pipeline": pipeline.run,
    "reads": reads.run,
    "world": world.run,
    "load": load.run,
}


def main(names: list[str]) -> int:
    started = time.perf_counter()
    config = setup_databases(verbosity=0, interactive=False)
    rows: list[Row] = []
    try:
        from collection.catalogue.load import catalogue_load

        catalogue_load()
        for name, run in BENCHMARKS.items():
            if names and name not in names:
                continue
            if name == "pipeline" and connection.vendor != "postgresql":
                print("pipeline skipped: it measures COPY and needs DATABASE_URL=postgres://...")
                continue
            rows += run()
    finally:
        teardown_databases(config, verbosity=0)
    print_table(
        rows,
        title=f"ILMS Portal benchmark on {connection.vendor} "
        f"({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end), "
        f"{time.perf_counter() - started:.0f} s in all",
    )
    return 0 if all(r.met is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
