from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from collection.demo.seed import HISTORY_ROUND, demo_history, demo_open_rounds, demo_users


class Command(BaseCommand):
    help = (
        "Create the demo accounts (admin, reviewer, a focal point per country), a second region added by the "
        "admin, an open demo round per region and, once, a published history of the first region (an earlier, "
        "closed round)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # The history runs the real flows, which e-mail the demo focal points; nobody needs those ~30 mails.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            logins = demo_users()
            published = demo_history()  # before the open round, so the audit log reads in the order of events
            rounds = demo_open_rounds()
        if published:
            self.stdout.write(f"Published {published} observations for every country in round '{HISTORY_ROUND}'.")
        for round_ in rounds:
            region = round_.region.name if round_.region else "no region"
            self.stdout.write(f"Demo round '{round_.name}' ({region}) is open.")
        self.stdout.write("Logins (username / password):")
        for username, password, role in logins:
            self.stdout.write(f"  {username:<10} / {password}   {role}")
