from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "collection"
    verbose_name = "ILMS collection"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the audit of user and role changes
