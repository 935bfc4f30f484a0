from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from collection.demo.seed import DEMO_ROUND, HISTORY_ROUND, demo_history, demo_open_round, demo_users


class Command(BaseCommand):
    help = (
        "Create the demo accounts (admin, reviewer, a focal point per country), the open demo round and, once, "
        "a published history (an earlier, closed round)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # The history runs the real flows, which e-mail the demo focal points; nobody needs those ~30 mails.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            logins = demo_users()
            published = demo_history()  # before the open round, so the audit log reads in the order of events
            demo_open_round()
        if published:
            self.stdout.write(f"Published {published} observations for every country in round '{HISTORY_ROUND}'.")
        self.stdout.write(f"Demo round '{DEMO_ROUND}' is open. Logins (username / password):")
        for username, password, role in logins:
            self.stdout.write(f"  {username:<10} / {password}   {role}")
