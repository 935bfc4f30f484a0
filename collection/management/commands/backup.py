"""`make backup`: one backup of the database and the uploaded files, with a manifest of checksums."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from collection.lib.backups import BackupRefused, backup_make


class Command(BaseCommand):
    help = (
        "Back up the database (a consistent snapshot, while the portal runs) and MEDIA_ROOT into "
        "<dir>/<UTC timestamp>/ with a manifest.json of row counts and sha256 checksums."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", default=None, help="where backups are kept (default: var/backups in the checkout)")
        parser.add_argument("--tar", action="store_true", help="write one <UTC timestamp>.tar instead of a folder")

    def handle(self, *args: Any, dir: str | None, tar: bool, **options: Any) -> None:
        into = Path(dir) if dir else Path(settings.BASE_DIR) / "var" / "backups"
        started = time.monotonic()
        try:
            report = backup_make(into=into.resolve(), tar=tar, say=self.stdout.write)
        except BackupRefused as error:
            raise CommandError(error.message) from error
        counts, media = report.manifest["row_counts"], report.manifest["media"]
        self.stdout.write(
            f"Backup written to {report.folder} in {time.monotonic() - started:.1f} s: "
            f"{counts['observations_current']:,} current and {counts['observations_history']:,} earlier values of "
            f"the master table, {counts['submissions']:,} submissions, {counts['audit_entries']:,} audit entries; "
            f"{media['files']:,} files ({media['bytes']:,} bytes). Keep SECRET_KEY and .env safe separately: "
            "they are not in it."
        )
        if report.problems:
            raise CommandError(
                "The backup is written but incomplete: " + " ".join(report.problems) + " (listed in its manifest)."
            )
