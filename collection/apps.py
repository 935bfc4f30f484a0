from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "collection"
    verbose_name = "ILMS collection"

    def ready(self) -> None:
        from . import (
            labels,  # noqa: F401 - forgets the cached labels when the catalogue changes
            signals,  # noqa: F401 - connects the audit of user and role changes
        )
