"""Demo accounts and an open round, so that `make run` shows the whole path on a fresh machine."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from .accounts import user_create_or_update
from .models import Country, Role, Round, TableDefinition

DEMO_PASSWORD = "ilms-demo-2026"
DEMO_ROUND = "ILMS 2026"


@transaction.atomic
def demo_seed() -> list[tuple[str, str, str]]:
    """Create the demo users and the open demo round; returns (username, password, role) for printing."""
    logins = [("admin", DEMO_PASSWORD, "admin"), ("reviewer", DEMO_PASSWORD, "reviewer")]
    user_create_or_update(username="admin", role=Role.ADMIN, email="admin@example.org", password=DEMO_PASSWORD)
    user_create_or_update(username="reviewer", role=Role.REVIEWER, email="reviewer@example.org", password=DEMO_PASSWORD)
    for country in Country.objects.order_by("iso3"):
        username = f"fp_{country.iso3.lower()}"
        user_create_or_update(
            username=username,
            role=Role.FOCAL_POINT,
            countries=[country.iso3],
            email=f"{username}@example.org",
            password=DEMO_PASSWORD,
        )
        logins.append((username, DEMO_PASSWORD, f"focal point, {country.name}"))
    round_, created = Round.objects.get_or_create(
        name=DEMO_ROUND,
        defaults={"reference_years": [2024, 2025], "deadline": dt.date(2027, 1, 31), "status": Round.Status.OPEN},
    )
    if created:
        round_.countries.set(Country.objects.all())
        round_.tables.set(TableDefinition.objects.all())
    return logins
