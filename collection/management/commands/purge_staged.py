from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from collection.submissions.staged import PURGE_BATCH_ROWS, staged_leftover_ids, staged_purge


class Command(BaseCommand):
    help = (
        "Remove the staged rows that no longer serve anything (published, invalid, returned and replaced, or "
        "deleted submissions), in batches; safe to run again at any time. Portals before issue 13 left them all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=PURGE_BATCH_ROWS, help="rows per DELETE")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = staged_leftover_ids()
        total = 0
        for submission_id in ids:
            removed = staged_purge(submission_id, batch=options["batch"])
            total += removed
            self.stdout.write(f"submission {submission_id}: {removed:,} staged rows removed")
        self.stdout.write(f"{total:,} staged rows removed from {len(ids)} submission(s)")
