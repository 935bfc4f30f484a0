"""The master by country (PostgreSQL): a country's first publication gives it a partition of its own, rows of it
left in the DEFAULT partition move there, and one current value per key still holds in the database."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from collection.models import Observation
from collection.publication.partitions import DEFAULT_PARTITION, partition_name, partition_of
from tests import factories
from tests.publication.test_publication import edited, flag_break, publish

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps one plain table")


def where(area: str) -> set[str]:
    """The tables holding the country's rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT tableoid::regclass::text FROM {Observation._meta.db_table} WHERE ref_area = %s", [area]
        )
        return {name for (name,) in cursor.fetchall()}


def test_a_countrys_first_publication_gives_it_a_partition(focal_point, reviewer, open_round):
    assert partition_of("THA") is None
    submission, _ = publish(focal_point, reviewer, open_round, factories.sample_csv())
    assert partition_of("THA") == partition_name("THA")
    assert where("THA") == {partition_name("THA")}
    assert Observation.objects.filter(ref_area="THA", is_current=True).count() == submission.observation_count


def test_rows_in_the_default_partition_move_into_the_new_one(focal_point, reviewer, open_round):
    first, _ = publish(focal_point, reviewer, open_round, factories.sample_csv())
    # As if loaded before THA had a partition: its rows back in the DEFAULT one.
    table = Observation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the publication's deferred checks, done before the DROP
        cursor.execute(f"CREATE TEMPORARY TABLE moved AS SELECT * FROM {table} WHERE ref_area = 'THA'")
        cursor.execute(f"ALTER TABLE {table} DETACH PARTITION {partition_name('THA')}")
        cursor.execute(f"DROP TABLE {partition_name('THA')}")
        cursor.execute(f"INSERT INTO {table} SELECT * FROM moved")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    assert where("THA") == {DEFAULT_PARTITION}
    second, publication = publish(focal_point, reviewer, open_round, edited(factories.sample_csv(), flag_break))
    assert where("THA") == {partition_name("THA")}
    assert (publication.revised_count, publication.unchanged_count) == (1, first.observation_count - 1)
    # Every key still has one current value, and the first file's values are all still there (one as history).
    assert Observation.objects.filter(ref_area="THA", is_current=True).count() == second.observation_count
    assert Observation.objects.filter(submission=first).count() == first.observation_count
    assert Observation.objects.filter(submission=first, is_current=False).count() == 1


def test_the_partitioned_master_allows_one_current_value_per_key(focal_point, reviewer, open_round):
    publish(focal_point, reviewer, open_round, factories.sample_csv())
    current = Observation.objects.filter(ref_area="THA", is_current=True).first()
    current.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        current.save()
    current.is_current = False
    current.save()  # history of the same key is fine
    assert Observation.objects.filter(pk=current.pk).get().ref_area == "THA"  # ids stay unique across partitions


def test_a_publication_the_master_names_cannot_be_deleted(focal_point, reviewer, open_round):
    _, publication = publish(focal_point, reviewer, open_round, factories.sample_csv())
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM collection_publication WHERE id = %s", [publication.pk])  # no row check: a trigger
