from django.core.management.base import BaseCommand

from collection.demo import DEMO_ROUND, demo_seed


class Command(BaseCommand):
    help = "Create the demo accounts (admin, reviewer, a focal point per country) and the open demo round."

    def handle(self, *args, **options):
        logins = demo_seed()
        self.stdout.write(f"Demo round '{DEMO_ROUND}' is open. Logins (username / password):")
        for username, password, role in logins:
            self.stdout.write(f"  {username:<10} / {password}   {role}")
