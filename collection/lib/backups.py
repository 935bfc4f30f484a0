"""Backups: a consistent snapshot of the database and the uploaded files, with a manifest of checksums; and their
restore into an empty database and folder, checked against that manifest before and after.

The database is dumped first, the files copied after it: files are only ever added to MEDIA_ROOT, never changed
(an upload is written before its row commits), so every file the snapshot names is already there when the copy
starts. Files added during the copy are harmless extras no row names. The bulk download files (MEDIA_ROOT/bulk/)
are left out: they are built again from the restored database on the first read, and the worker builds ahead.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader

from collection.lib.errors import PortalError
from collection.models import AuditEntry, Observation, Publication, Release, Review, Submission

MANIFEST = "manifest.json"
MEDIA = "media"
DUMPS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
ENGINES = {"django.db.backends.postgresql": "postgresql", "django.db.backends.sqlite3": "sqlite"}
SPOKEN = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
# Folders of MEDIA_ROOT rebuilt from the database, so not worth keeping: the bulk downloads (dissemination.bulk).
REBUILT = ("bulk",)
CHUNK = 1024 * 1024

Say = Callable[[str], None]


class BackupRefused(PortalError):
    """A backup that cannot be made or restored as asked; the message says why and what to do."""


def _counted() -> dict[str, tuple[str, str]]:
    """The tables whose rows a manifest counts (name → table, condition): the restore must find as many."""
    observations = Observation._meta.db_table
    return {
        "submissions": (Submission._meta.db_table, ""),
        "observations_current": (observations, "WHERE is_current"),
        "observations_history": (observations, "WHERE NOT is_current"),
        "publications": (Publication._meta.db_table, ""),
        "releases": (Release._meta.db_table, ""),
        "reviews": (Review._meta.db_table, ""),
        "audit_entries": (AuditEntry._meta.db_table, ""),
        "users": (get_user_model()._meta.db_table, ""),
    }


def row_counts(cursor: Any) -> dict[str, int]:
    """The counted tables' rows, read through any DB-API cursor (the snapshot's, a copy's or the restored one's)."""
    counts = {}
    for name, (table, condition) in _counted().items():
        cursor.execute(f"SELECT COUNT(*) FROM {table} {condition}")  # noqa: S608 - names from the models
        counts[name] = int(cursor.fetchone()[0])
    return counts


def _migrations(cursor: Any) -> dict[str, str]:
    """The last migration applied, per app."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    return {app: name for app, name in cursor.fetchall()}


def _named_files(cursor: Any) -> list[tuple[int, str, str]]:
    """(submission, file, sha256 at upload) of every upload the database names."""
    cursor.execute(f"SELECT id, file, sha256 FROM {Submission._meta.db_table} ORDER BY id")  # noqa: S608
    return [(int(pk), str(name), str(digest)) for pk, name, digest in cursor.fetchall()]


@dataclass
class Snapshot:
    """What the dump holds, read in the dump's own snapshot so that the manifest describes exactly it."""

    engine: str
    server: str
    client: str
    counts: dict[str, int]
    migrations: dict[str, str]
    named: list[tuple[int, str, str]]


def engine() -> str:
    name = connection.settings_dict["ENGINE"]
    if name not in ENGINES:
        raise BackupRefused(f"Backups know PostgreSQL and SQLite; DATABASE_URL names {name}.")
    return ENGINES[name]


def database_label() -> str:
    """The database in words, never with its password."""
    db = connection.settings_dict
    if engine() == "sqlite":
        return f"the SQLite file {db['NAME']}"
    return f"the PostgreSQL database {db['NAME']} on {db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"


def _pg_env() -> dict[str, str]:
    """libpq's variables for DATABASE_URL: the password goes in the environment, never on a command line."""
    db = connection.settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    env["PGDATABASE"] = str(db["NAME"])
    if db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = str(db["OPTIONS"]["sslmode"])
    return env


def _run(command: list[str], *, what: str) -> str:
    result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupRefused(f"{what} failed ({command[0]} exited with {result.returncode}): {result.stderr.strip()}")
    return result.stdout.strip()


def _dump_postgresql(target: Path) -> Snapshot:
    """pg_dump in a snapshot this transaction exports, so that the counts and file names read here are those of
    the dump, however much the portal and its workers write meanwhile."""
    client = _run(["pg_dump", "--version"], what="Asking pg_dump its version")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot_id, server = cursor.fetchone()
        counts, migrations, named = row_counts(cursor), _migrations(cursor), _named_files(cursor)
        _run(
            ["pg_dump", "--format=custom", f"--snapshot={snapshot_id}", "--no-password", f"--file={target}"],
            what="The database dump",
        )
    return Snapshot("postgresql", f"PostgreSQL {server}", client, counts, migrations, named)


def _dump_sqlite(target: Path) -> Snapshot:
    """SQLite's online backup: one step under a read lock, so the copy is consistent while the portal writes."""
    source = sqlite3.connect(connection.settings_dict["NAME"])
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        cursor = copy.cursor()
        snapshot = Snapshot(
            "sqlite", f"SQLite {sqlite3.sqlite_version}", f"Python sqlite3 {sqlite3.sqlite_version}",
            row_counts(cursor), _migrations(cursor), _named_files(cursor),
        )  # fmt: skip
    finally:
        copy.close()
        source.close()
    return snapshot


def _copy(source: Path, target: Path) -> tuple[str, int]:
    """Copy a file, hashing what is written; returns (sha256, size)."""
    digest, size = hashlib.sha256(), 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as read, target.open("wb") as write:
        while chunk := read.read(CHUNK):
            digest.update(chunk)
            write.write(chunk)
            size += len(chunk)
    shutil.copystat(source, target)
    return digest.hexdigest(), size


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as read:
        while chunk := read.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def media_files(root: Path) -> Iterator[Path]:
    """The files of MEDIA_ROOT a backup keeps, relative to it, in a stable order: not the rebuilt folders, and no
    hidden file (a file still being written under a temporary `.name`)."""
    for folder, subfolders, names in os.walk(root):
        here = Path(folder).relative_to(root)
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and (here.parts or d not in REBUILT))
        for name in sorted(names):
            if not name.startswith("."):
                yield here / name


def _commit() -> str | None:
    """The portal's git commit, when it runs from a checkout."""
    try:
        result = subprocess.run(
            ["git", "-C", str(settings.BASE_DIR), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return result.stdout.strip() or None


@dataclass
class BackupReport:
    folder: Path
    manifest: dict[str, Any]
    problems: list[str]


def backup_make(*, into: Path, tar: bool = False, say: Say = print) -> BackupReport:
    """One backup in `into`/<UTC timestamp>/ (or a .tar of it): the dump, then MEDIA_ROOT, then the manifest.

    It is written under a `.partial` name and renamed when complete, so an interrupted backup is never taken for
    one. Files the database names but MEDIA_ROOT lacks (or holds changed) are listed as problems."""
    kind = engine()
    media = Path(settings.MEDIA_ROOT).resolve()
    if into.resolve().is_relative_to(media):
        raise BackupRefused(f"Keep backups outside MEDIA_ROOT ({media}): each would copy the ones before it.")
    created = datetime.now(UTC).replace(microsecond=0)
    name = created.strftime("%Y%m%dT%H%M%SZ")
    final = into / name
    if final.exists() or final.with_suffix(".tar").exists():
        raise BackupRefused(f"A backup {final} already exists; wait a second or choose another BACKUP_DIR.")
    partial = into / f".{name}.partial"
    partial.mkdir(parents=True)
    try:
        return _write(partial, final, kind=kind, created=created, media=media, tar=tar, say=say)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)  # an interrupted backup leaves nothing that looks like one
        partial.with_suffix(".tar-partial").unlink(missing_ok=True)
        raise


def _write(
    partial: Path, final: Path, *, kind: str, created: datetime, media: Path, tar: bool, say: Say
) -> BackupReport:
    say(f"Dumping {database_label()}…")
    snapshot = (_dump_postgresql if kind == "postgresql" else _dump_sqlite)(partial / DUMPS[kind])
    dump = partial / DUMPS[kind]
    files: dict[str, dict[str, Any]] = {DUMPS[kind]: {"sha256": file_sha256(dump), "size": dump.stat().st_size}}

    say(f"Copying the files of {media}…")
    if media.is_dir():
        for relative in media_files(media):
            try:
                digest, size = _copy(media / relative, partial / MEDIA / relative)
            except FileNotFoundError:
                # A staged file removed by a publication that committed after the dump (the only file that goes):
                # in this backup that submission is approved without its rows, and publishing it says so.
                continue
            files[f"{MEDIA}/{relative.as_posix()}"] = {"sha256": digest, "size": size}

    problems = []
    for pk, file_name, uploaded_sha in snapshot.named:
        kept = files.get(f"{MEDIA}/{file_name}")
        if kept is None:
            problems.append(f"Submission #{pk} names the file {file_name}, which is not in {media}.")
        elif kept["sha256"] != uploaded_sha:
            problems.append(f"The file {file_name} of submission #{pk} is not the file uploaded (its sha256 differs).")

    manifest = {
        "format": 1,
        "created_at": created.isoformat(),
        "portal": {"commit": _commit()},
        "database": {
            "engine": kind,
            "server": snapshot.server,
            "client": snapshot.client,
            "name": str(connection.settings_dict["NAME"]),
            "dump": DUMPS[kind],
            "last_migration": _last(snapshot.migrations),
            "migrations": snapshot.migrations,
        },
        "row_counts": snapshot.counts,
        "media": {
            "root": str(media),
            "files": len(files) - 1,
            "bytes": sum(f["size"] for f in files.values()) - files[DUMPS[kind]]["size"],
            "left_out": [f"{folder}/" for folder in REBUILT],
            "why_left_out": "bulk download files are built again from the database on their first read",
        },
        "problems": problems,
        "files": files,
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")

    if tar:
        final = final.with_suffix(".tar")
        packing = partial.with_suffix(".tar-partial")
        with tarfile.open(packing, "w") as archive:
            archive.add(partial, arcname=final.stem)
        packing.rename(final)
        shutil.rmtree(partial)
    else:
        partial.rename(final)
    return BackupReport(final, manifest, problems)


def _last(migrations: dict[str, str]) -> str | None:
    return f"collection.{migrations['collection']}" if "collection" in migrations else None


@contextmanager
def _opened(source: Path) -> Iterator[Path]:
    """The backup's folder: `source` itself, or a .tar unpacked into a temporary folder for the restore."""
    if source.is_dir():
        yield source
        return
    if not (source.is_file() and tarfile.is_tarfile(source)):
        raise BackupRefused(f"{source} is neither a backup folder nor a .tar of one.")
    with tempfile.TemporaryDirectory(prefix="ilms-restore-") as unpacked:
        with tarfile.open(source) as archive:
            archive.extractall(unpacked, filter="data")  # no absolute paths, links out or devices
        folders = [p for p in Path(unpacked).iterdir() if (p / MANIFEST).is_file()]
        if len(folders) != 1:
            raise BackupRefused(f"{source} does not hold one backup folder with a {MANIFEST}.")
        yield folders[0]


def backup_verify(folder: Path) -> dict[str, Any]:
    """The manifest, once every file it lists is there with its size and sha256; refuses, naming them, if any
    is missing or changed."""
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupRefused(f"{folder} is not a backup: it has no {MANIFEST}.")
    try:
        manifest = json.loads(path.read_text())
        files = manifest["files"]
        engine_name = manifest["database"]["engine"]
        dump = manifest["database"]["dump"]
    except (ValueError, KeyError, TypeError) as error:
        raise BackupRefused(f"The {MANIFEST} of {folder} cannot be read ({error}); nothing was restored.") from error
    if dump not in files or engine_name not in DUMPS:
        raise BackupRefused(f"The {MANIFEST} of {folder} names no database dump; nothing was restored.")
    missing, changed = [], []
    for relative, expected in files.items():
        file = folder / relative
        if ".." in Path(relative).parts or Path(relative).is_absolute():
            raise BackupRefused(f"The {MANIFEST} of {folder} names a file outside it ({relative}); nothing restored.")
        if not file.is_file():
            missing.append(relative)
        elif file.stat().st_size != expected["size"] or file_sha256(file) != expected["sha256"]:
            changed.append(relative)
    if missing or changed:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing ({', '.join(missing[:5])}{', …' if len(missing) > 5 else ''})")
        if changed:
            parts.append(f"{len(changed)} changed ({', '.join(changed[:5])}{', …' if len(changed) > 5 else ''})")
        raise BackupRefused(
            f"The backup {folder} does not match its manifest: of its {len(files)} files, {' and '.join(parts)}. "
            "Nothing was restored; use another backup."
        )
    return manifest


def _occupied() -> list[str]:
    """What a restore would overwrite: tables in the database, files in MEDIA_ROOT."""
    found = []
    try:
        tables = connection.introspection.table_names()
    except DatabaseError as error:
        raise BackupRefused(
            f"Cannot open {database_label()} ({str(error).strip()}): create it first (createdb) and run again."
        ) from error
    if tables:
        found.append(f"{database_label()} already holds {len(tables)} tables")
    media = Path(settings.MEDIA_ROOT)
    count = sum(1 for _ in media_files(media)) if media.is_dir() else 0
    if count:
        found.append(f"MEDIA_ROOT ({media}) already holds {count} file{'s' if count != 1 else ''}")
    return found


def _restore_postgresql(dump: Path) -> None:
    connection.close()
    # --no-owner/--no-acl: the dump's roles are those of the server it came from; the restoring user owns all.
    # The dump becomes a script, run after emptying the schema, all in one transaction: a restore that fails
    # midway leaves the database as it was. (pg_restore --clean cannot drop a partitioned master's partitions'
    # inherited keys one by one, so the schema is dropped whole instead.)
    with tempfile.TemporaryDirectory() as work:
        script = Path(work) / "restore.sql"
        _run(["pg_restore", "--no-owner", "--no-acl", f"--file={script}", str(dump)], what="pg_restore")
        _run(
            ["psql", "--single-transaction", "--set=ON_ERROR_STOP=1", "--quiet", "--no-psqlrc", "--no-password",
             f"--dbname={connection.settings_dict['NAME']}",
             "--command=DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;", f"--file={script}"],
            what="the restore",
        )  # fmt: skip


def _restore_sqlite(dump: Path) -> None:
    """The online backup API the other way round: it replaces the whole file and its write-ahead log safely."""
    connection.close()
    target = Path(connection.settings_dict["NAME"])
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"{dump.resolve().as_uri()}?mode=ro", uri=True)  # the backup is only read
    copy = sqlite3.connect(target)
    try:
        copy.execute("PRAGMA journal_mode=DELETE")  # a page size differing from the backup's is refused in WAL
        source.backup(copy)
    except sqlite3.Error as error:
        raise BackupRefused(
            f"SQLite could not write {target} ({error}): stop the portal and its workers, then run again."
        ) from error
    finally:
        copy.close()
        source.close()


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    counts: dict[str, int]
    files: int
    bytes: int
    notes: list[str]


def backup_restore(*, source: Path, force: bool = False, say: Say = print) -> RestoreReport:
    """Restore a backup into DATABASE_URL and MEDIA_ROOT: checksums first, an empty target unless `force`, then
    the database and the files, then the counted rows compared with the manifest."""
    with _opened(source) as folder:
        manifest = backup_verify(folder)
        say(f"All {len(manifest['files'])} files of the backup match their sha256 in the manifest.")
        kind = manifest["database"]["engine"]
        if kind != engine():
            raise BackupRefused(
                f"This backup is of a {SPOKEN[kind]} database and DATABASE_URL names {database_label()}: restore "
                f"it into a {SPOKEN[kind]} database."
            )
        occupied = _occupied()
        if occupied and not force:
            found = " and ".join(occupied)
            raise BackupRefused(
                f"{found[0].upper()}{found[1:]}: a restore replaces the database "
                "and writes the backup's files over those of the same name. Nothing was restored; run again with "
                "FORCE=1 (--force) to overwrite them, or point DATABASE_URL and MEDIA_ROOT at empty ones."
            )
        say(f"Restoring the database into {database_label()}…")
        dump = folder / manifest["database"]["dump"]
        (_restore_postgresql if kind == "postgresql" else _restore_sqlite)(dump)

        media = Path(settings.MEDIA_ROOT)
        say(f"Copying the files into {media}…")
        copied = total = 0
        prefix = f"{MEDIA}/"
        for relative, expected in manifest["files"].items():
            if not relative.startswith(prefix):
                continue
            digest, size = _copy(folder / relative, media / relative[len(prefix) :])
            if digest != expected["sha256"]:
                raise BackupRefused(f"The copy of {relative} into {media} differs from the backup's; check the disk.")
            copied, total = copied + 1, total + size

    with connection.cursor() as cursor:
        counts = row_counts(cursor)
    expected_counts = manifest["row_counts"]
    differing = [f"{k}: {counts.get(k)} instead of {v}" for k, v in expected_counts.items() if counts.get(k) != v]
    if differing:
        raise BackupRefused(f"The restored database does not hold the rows of the backup ({'; '.join(differing)}).")
    return RestoreReport(manifest, counts, copied, total, _migration_notes(manifest))


def _migration_notes(manifest: dict[str, Any]) -> list[str]:
    """Whether this code's migrations are ahead of, or behind, the restored database's."""
    kept = manifest["database"].get("migrations", {}).get("collection")
    if kept is None:
        return []
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    known = {name for app, name in graph.nodes if app == "collection"}
    leaves = sorted(name for app, name in graph.leaf_nodes() if app == "collection")
    if kept not in known:
        return [f"The backup comes from a newer portal (migration collection.{kept} is unknown to this code): run "
                "that version of the portal on it."]  # fmt: skip
    if kept not in leaves:
        return [f"This code has migrations newer than the backup's collection.{kept}: run `make db` to apply them."]
    return []
