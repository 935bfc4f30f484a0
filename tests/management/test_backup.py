"""`make backup` and `make restore`: a backup restored into a fresh database and folder holds every row and every
file exactly as they were; a backup that does not match its manifest, or a target that is not empty, is refused.

On PostgreSQL the fresh database is created for the test (and dropped after it); on SQLite it is a fresh file.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from collection.models import Observation, Submission
from collection.review.decisions import submission_return
from tests import factories
from tests.conftest import ROOT, database_url
from tests.publication.test_publication import edited, publish

pytestmark = pytest.mark.django_db(transaction=True)  # the dump and the restore run outside the test's transaction


def doubled_2025(row: dict) -> None:
    """A revision of every 2025 value: still consistent, and each earlier value stays in the master's history."""
    if row["time"] == "2025":
        row["obs_value"] = str(round(float(row["obs_value"]) * 2, 1))


@pytest.fixture
def portal_state(focal_point, other_focal_point, reviewer, open_round) -> None:
    """A round as it runs: Thailand published, then revised; Malaysia's file returned; a third upload waiting."""
    publish(focal_point, reviewer, open_round, factories.sample_csv())
    publish(focal_point, reviewer, open_round, edited(factories.sample_csv(), doubled_2025))
    returned = factories.validated(other_focal_point, open_round, factories.sample_csv("MYS"), country="MYS")
    factories.submit(other_focal_point, returned)
    submission_return(user=reviewer, submission=returned, comment="Please add the 2025 source.")
    factories.upload(focal_point, open_round, factories.sample_csv(seed=7), name="tha-draft.csv")
    assert Observation.objects.filter(is_current=False).count() > 0  # the master has a history to restore


@pytest.fixture
def fresh_database(tmp_path) -> Iterator[str]:
    """An empty database of the suite's engine, as DATABASE_URL names it."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"ilms_backup_restore_{uuid.uuid4().hex[:8]}"
    server = database_url().rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def manage(*args: str, database: str, media: Path) -> subprocess.CompletedProcess:
    """A management command in a process of its own, so that it reads DATABASE_URL and MEDIA_ROOT afresh."""
    env = {**os.environ, "DATABASE_URL": database, "MEDIA_ROOT": str(media)}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def every_row(url: str) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table of a database: its columns and all its rows (in a stable order), read with the engine's driver."""
    if url.startswith("sqlite"):
        db: sqlite3.Connection | psycopg.Connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        listing = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    else:
        db = psycopg.connect(url)
        listing = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    try:
        tables = {}
        for (table,) in db.execute(listing).fetchall():
            cursor = db.execute(f'SELECT * FROM "{table}"')
            tables[table] = ([c[0] for c in cursor.description], sorted(cursor.fetchall(), key=repr))
    finally:
        db.close()
    return tables


def every_file(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def test_a_restore_into_a_fresh_database_and_folder_finds_everything_as_it_was(
    portal_state, media_root, fresh_database, tmp_path
):
    call_command("backup", "--dir", str(tmp_path / "backups"))
    (backup,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["engine"] == connection.vendor
    assert manifest["database"]["last_migration"].startswith("collection.")
    assert manifest["row_counts"]["observations_history"] == Observation.objects.filter(is_current=False).count()
    assert manifest["row_counts"]["submissions"] == 4 and manifest["problems"] == []

    restored_media = tmp_path / "restored-media"
    result = manage("restore", str(backup), database=fresh_database, media=restored_media)
    assert result.returncode == 0, result.stderr
    assert "as the manifest counts them" in result.stdout

    before, after = every_row(database_url()), every_row(fresh_database)
    assert before.keys() == after.keys()
    for table in before:
        assert after[table] == before[table], table  # every column of every row
    master = before[Observation._meta.db_table]
    current = master[0].index("is_current")
    assert {bool(row[current]) for row in master[1]} == {True, False}  # current values and their history
    uploaded = every_file(Path(media_root))
    copies = Submission.objects.exclude(annotated="").count()  # the worker's annotated copies sit beside the uploads
    # The returned file's checked rows too (a published submission's went once it was published).
    staged = list(Submission.objects.exclude(staged_file="").exclude(status="published").values_list("staged_file"))
    assert len(staged) == 1 and staged[0][0] in uploaded
    assert Submission.objects.count() == 4 and len(uploaded) == 4 + copies + len(staged)
    assert every_file(restored_media) == uploaded  # byte for byte
    for name, digest in Submission.objects.values_list("file", "sha256"):
        assert uploaded[name] == digest
    assert all(
        name in uploaded for name in Submission.objects.exclude(annotated="").values_list("annotated", flat=True)
    )


@pytest.mark.parametrize("damage", ["changed", "missing"])
def test_a_backup_that_does_not_match_its_manifest_is_refused(focal_point, open_round, tmp_path, damage):
    factories.upload(focal_point, open_round, factories.sample_csv())
    call_command("backup", "--dir", str(tmp_path))
    (backup,) = tmp_path.glob("2*")
    (kept,) = (backup / "media").rglob("*.csv")
    if damage == "changed":
        kept.write_bytes(kept.read_bytes().replace(b"2024", b"2023", 1))
    else:
        kept.unlink()
    with pytest.raises(CommandError, match=f"does not match its manifest: of its 2 files, 1 {damage}") as refused:
        call_command("restore", str(backup), "--force")
    assert kept.name in str(refused.value) and "Nothing was restored" in str(refused.value)
    assert Submission.objects.count() == 1  # the database it would have replaced is as it was


def test_a_restore_over_a_database_that_is_not_empty_needs_force(focal_point, open_round, tmp_path, media_root):
    factories.upload(focal_point, open_round, factories.sample_csv())
    call_command("backup", "--dir", str(tmp_path), "--tar")
    (archive,) = tmp_path.glob("2*.tar")
    with pytest.raises(CommandError, match="already holds .* tables and MEDIA_ROOT .* holds 1 file:") as refused:
        call_command("restore", str(archive))
    assert "run again with FORCE=1 (--force)" in str(refused.value)
    factories.upload(focal_point, open_round, factories.sample_csv(seed=3), name="later.csv")
    call_command("restore", str(archive), "--force")
    assert Submission.objects.count() == 1  # the database is the backup's again


def test_a_backup_says_when_an_uploaded_file_is_missing(focal_point, open_round, tmp_path):
    submission = factories.upload(focal_point, open_round, factories.sample_csv())
    Path(submission.file.path).unlink()
    with pytest.raises(CommandError, match=f"written but incomplete: Submission #{submission.pk} names the file"):
        call_command("backup", "--dir", str(tmp_path))
    (backup,) = tmp_path.glob("2*")
    assert json.loads((backup / "manifest.json").read_text())["problems"][0].startswith(f"Submission #{submission.pk}")
