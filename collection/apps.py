from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "collection"
    verbose_name = "ILMS collection"

    def ready(self) -> None:
        from collection import labels, signals
