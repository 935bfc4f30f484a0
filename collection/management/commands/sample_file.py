from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from collection.catalogue.specs import table_specs
from collection.demo.samples import sample_rows
from collection.lib.longlayout import rows_to_csv
from collection.models import Round


class Command(BaseCommand):
    help = "Write a consistent long-layout CSV for a country and round (every requested table) to stdout or a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("country", help="ISO3, e.g. THA")
        parser.add_argument("--round", dest="round_name", default=None, help="round name (default: newest open)")
        parser.add_argument("--output", "-o", default=None)
        parser.add_argument("--seed", type=int, default=1)

    def handle(
        self, *args: Any, country: str, round_name: str | None, output: str | None, seed: int, **options: Any
    ) -> None:
        rounds = Round.objects.all()
        round_ = rounds.filter(name=round_name).first() if round_name else rounds.filter(status="open").first()
        if round_ is None:
            raise CommandError("No such round; give --round NAME.")
        specs = table_specs(list(round_.tables.values_list("indicator", flat=True))).values()
        text = rows_to_csv(sample_rows(specs, country=country.upper(), years=round_.reference_years, seed=seed))
        if output:
            with open(output, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        else:
            sys.stdout.write(text)
