from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from collection.lib.errors import PortalError
from collection.models import Role
from collection.people.accounts import user_create_or_update


class Command(BaseCommand):
    help = "Create or update a portal user: a focal point for one or more countries, a reviewer or an admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--country", nargs="+", default=[], metavar="ISO3", help="focal point's countries")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = user_create_or_update(
                username=options["username"],
                role=options["role"],
                countries=options["country"],
                email=options["email"],
                password=options["password"],
            )
        except PortalError as exc:
            raise CommandError(exc.message) from exc
        countries = " ".join(options["country"]).upper()
        self.stdout.write(f"{user.username}: {options['role']}{' for ' + countries if countries else ''}")
