"""The master table (collection_observation) becomes a LIST partition of ref_area on PostgreSQL: one partition per
country that has rows or is in the catalogue, and a DEFAULT partition for any other; a publication then writes
only its country's indexes (collection/publication/partitions.py makes the partitions of countries added later).

Django's model does not change (one model, the same fields, constraint and index names); only the database does.
A partitioned table's primary key must hold the partition key, so it is (id, ref_area); id stays unique, drawn
from the same identity sequence. SQLite keeps one plain table. The rows are copied once into the new table.

The provenance foreign keys (publication, superseded_by) lose their row-by-row constraint checks, which cost as much
again as writing the rows at publication; a trigger refuses instead to delete a publication the master names."""

import django.db.models.deletion
from django.db import migrations, models

MASTER = "collection_observation"
OLD = f"{MASTER}_before_0021"


def _relkind(cursor, name):
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [name])
    row = cursor.fetchone()
    return row[0] if row else None


def _rebuild(schema_editor, *, partitioned):
    """The master made again (partitioned or plain) with its rows, indexes and constraints as they were."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if (_relkind(cursor, MASTER) == "p") == partitioned:
            return
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname <> %s",
            [MASTER, f"{MASTER}_pkey"],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = to_regclass(%s) AND contype IN ('f', 'c')",
            [MASTER],
        )
        constraints = cursor.fetchall()
        cursor.execute(f"SELECT pg_get_serial_sequence('{MASTER}', 'id')")
        (sequence,) = cursor.fetchone()
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
        last_value, is_called = cursor.fetchone()
        for name, _ in constraints:
            cursor.execute(f'ALTER TABLE {MASTER} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(f"ALTER TABLE {MASTER} RENAME TO {OLD}")
        cursor.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT {MASTER}_pkey TO {OLD}_pkey")
        like = f"CREATE TABLE {MASTER} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING STORAGE)"
        if partitioned:
            cursor.execute(f"{like} PARTITION BY LIST (ref_area)")
            cursor.execute(f"ALTER TABLE {MASTER} ADD CONSTRAINT {MASTER}_pkey PRIMARY KEY (id, ref_area)")
            cursor.execute(f"CREATE TABLE {MASTER}_default PARTITION OF {MASTER} DEFAULT")
            cursor.execute(f"SELECT DISTINCT ref_area FROM {OLD} UNION SELECT iso3 FROM collection_country ORDER BY 1")
            for (area,) in cursor.fetchall():
                if area.isalnum() and area.isascii() and area.upper() == area and len(area) <= 3:
                    cursor.execute(
                        f"CREATE TABLE {MASTER}_{area.lower()} PARTITION OF {MASTER} FOR VALUES IN ('{area}')"
                    )
        else:
            cursor.execute(like)
            cursor.execute(f"ALTER TABLE {MASTER} ADD CONSTRAINT {MASTER}_pkey PRIMARY KEY (id)")
        cursor.execute(f"INSERT INTO {MASTER} SELECT * FROM {OLD}")
        cursor.execute(f"DROP TABLE {OLD}")  # its partitions too, when going back to one table
        new_sequence = f"pg_get_serial_sequence('{MASTER}', 'id')"
        cursor.execute(f"SELECT setval({new_sequence}, %s, %s)", [last_value, is_called])
        for _, definition in indexes:
            cursor.execute(definition.replace(" ON ONLY ", " ON "))
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {MASTER} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(f"ANALYZE {MASTER}")


def forward(apps, schema_editor):
    _rebuild(schema_editor, partitioned=True)


def backward(apps, schema_editor):
    _rebuild(schema_editor, partitioned=False)


KEPT = f"""
CREATE FUNCTION publication_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM {MASTER} WHERE publication_id = OLD.id)
       OR EXISTS (SELECT 1 FROM {MASTER} WHERE superseded_by_id = OLD.id) THEN
        RAISE EXCEPTION 'publication % is the provenance of published values: it cannot be deleted', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER publication_kept BEFORE DELETE ON collection_publication
    FOR EACH ROW EXECUTE FUNCTION publication_kept();
"""
NOT_KEPT = (
    "DROP TRIGGER IF EXISTS publication_kept ON collection_publication; DROP FUNCTION IF EXISTS publication_kept();"
)


def kept(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(KEPT)  # no parameters: the % of RAISE stays as it is


def not_kept(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(NOT_KEPT)


class Migration(migrations.Migration):
    dependencies = [("collection", "0019_regions")]

    operations = [
        migrations.AlterField(
            model_name="observation",
            name="publication",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="observations",
                to="collection.publication",
            ),
        ),
        migrations.AlterField(
            model_name="observation",
            name="superseded_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="superseded",
                to="collection.publication",
            ),
        ),
        migrations.RunPython(forward, backward),
        migrations.RunPython(kept, not_kept),
    ]
