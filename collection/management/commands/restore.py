"""`make restore BACKUP=<folder>`: a backup back into DATABASE_URL and MEDIA_ROOT, checked before and after."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from collection.lib.backups import BackupRefused, backup_restore, database_label


class Command(BaseCommand):
    help = (
        "Restore a backup (its folder or .tar) into the database of DATABASE_URL and MEDIA_ROOT: every checksum is "
        "verified first, a database or folder that is not empty is left alone unless --force, and the restored "
        "rows are counted against the manifest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", help="the backup's folder (var/backups/<UTC timestamp>) or its .tar")
        parser.add_argument("--force", action="store_true", help="overwrite a database or MEDIA_ROOT that is not empty")

    def handle(self, *args: Any, backup: str, force: bool, **options: Any) -> None:
        started = time.monotonic()
        try:
            report = backup_restore(source=Path(backup), force=force, say=self.stdout.write)
        except BackupRefused as error:
            raise CommandError(error.message) from error
        counts = report.counts
        self.stdout.write(
            f"Restored the backup of {report.manifest['created_at']} into {database_label()} in "
            f"{time.monotonic() - started:.1f} s: {counts['observations_current']:,} current and "
            f"{counts['observations_history']:,} earlier values of the master table, {counts['submissions']:,} "
            f"submissions and {counts['audit_entries']:,} audit entries, as the manifest counts them; "
            f"{report.files:,} files ({report.bytes:,} bytes), each matching its sha256. Bulk download files are "
            "built again on their first read."
        )
        for note in report.notes:
            self.stdout.write(note)
