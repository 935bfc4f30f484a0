from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from collection.catalogue.load import catalogue_load


class Command(BaseCommand):
    help = "Load (or update) the ILMS catalogue: countries, code lists, source types, flags, standard tables."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = catalogue_load()
        self.stdout.write("Catalogue loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
