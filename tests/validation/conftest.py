"""Fixtures of the validation tests that need no database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from collection.lib.labels import CACHE_KEY, labels_forget
from tests.validation.kind_frames import LABELS


@pytest.fixture
def labels() -> Iterator[dict[str, str]]:
    """The labels the messages put in words, kept where `catalogue_labels` keeps the catalogue's; forgotten
    afterwards so that no other test reads them."""
    cache.set(CACHE_KEY, LABELS)
    yield LABELS
    labels_forget()
