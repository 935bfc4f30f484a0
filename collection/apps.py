from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "collection"
    verbose_name = "ILMS collection"

    def ready(self) -> None:
        from collection import notifications  # noqa: F401 - mails the people concerned by a move
        from collection.lib import labels  # noqa: F401 - forgets the cached labels when the catalogue changes
        from collection.people import signals  # noqa: F401 - connects the audit of user and role changes
