"""Run every benchmark in a throw-away database and print one table of figures beside their baselines."""

from __future__ import annotations

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ilms_portal.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from bench import workbook  # noqa: E402
from bench.report import Row, print_table  # noqa: E402


def main() -> int:
    started = time.perf_counter()
    config = setup_databases(verbosity=0, interactive=False)
    rows: list[Row] = []
    try:
        from collection.catalogue import catalogue_load

        catalogue_load()
        rows += workbook.run()
    finally:
        teardown_databases(config, verbosity=0)
    print_table(
        rows,
        title=f"ILMS Portal benchmark on {connection.vendor} "
        f"({os.cpu_count()} cores), {time.perf_counter() - started:.0f} s in all",
    )
    return 0 if all(r.met is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
