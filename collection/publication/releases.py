"""Releases as the public and the staff see them: what came out when, and what each changed."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from collection.models import Release


def releases_with_counts(releases: QuerySet[Release]) -> QuerySet[Release]:
    """Each release with what its publications changed: values, new keys, revisions, and its countries."""
    return releases.annotate(
        observation_count=Sum("publications__observation_count"),
        new_count=Sum("publications__new_count"),
        revised_count=Sum("publications__revised_count"),
        unchanged_count=Sum("publications__unchanged_count"),
        submission_count=Count("publications", distinct=True),
    ).prefetch_related("publications__submission__country")


def releases_recent() -> QuerySet[Release]:
    """The releases the public has seen, the latest first."""
    public = Release.objects.filter(Release.public_q(timezone.now()), publications__isnull=False).distinct()
    return releases_with_counts(Release.objects.filter(pk__in=public.values("pk"))).order_by("-public_at", "-id")
