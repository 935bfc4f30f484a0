"""ILOSTAT's bulk downloads: per table, and for all tables, the public values in ILOSTAT's bulk layout, gzipped,
one file with codes only and one with a `.label` column after each coded column.

A file belongs to a public state (`vintages.public_state`, which changes only when a release becomes public) and
is kept under MEDIA_ROOT/bulk/<state>/. A read serves the file of the state the clock gives now (or at an earlier
release's moment), building it first when it is missing, under a file lock so that two requests never build it
twice; the file is written to a temporary name and renamed, so a half-written file is never served. Nothing has
to run at a release's moment for a download to be right: the worker only builds ahead (after each publication,
and every minute from django-celery-beat) so that a visitor rarely waits.
"""

from __future__ import annotations

import csv
import fcntl
import gzip
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from collection.catalogue.regions import region_members
from collection.lib.downloads import formula_safe
from collection.lib.labels import catalogue_labels
from collection.models import Observation, ObservationStatus, Publication, Region, Release, TableDefinition
from collection.publication.vintages import public_state, public_versions

# ILOSTAT's bulk columns in its order, then the portal's free-text note (last, so that a reader of ILOSTAT's
# files by position still finds every column where it expects it).
BULK_COLUMNS = (
    "ref_area",
    "source",
    "indicator",
    "sex",
    "classif1",
    "classif2",
    "time",
    "obs_value",
    "obs_status",
    "note_classif",
    "note_indicator",
    "note_source",
    "note",
)
# The coded columns that get a `<column>.label` beside them, as ILOSTAT's labelled files have them.
LABELLED_COLUMNS = ("ref_area", "source", "indicator", "sex", "classif1", "classif2", "obs_status")
ROW_ORDER = ("ref_area", "source", "indicator", "sex", "classif1", "classif2", "time")
# The files of every table: of every reporting country (`ILMS`), and of one region's members (`ILMS_<region code>`,
# e.g. ILMS_ASEAN, the name the all-tables file had when ASEAN was the only region).
ALL_TABLES = "ILMS"
REGION_PREFIX = "ILMS_"
CHUNK_ROWS = 5000  # rows fetched at a time (a server-side cursor on PostgreSQL): memory stays flat
KEEP_STATES = 6  # state folders kept: the current one and those of the last releases (as_of_release downloads)
COMPRESS_LEVEL = 6  # gzip's default trade-off; 9 is ~3× slower for a few % smaller files


def bulk_header(*, labels: bool) -> list[str]:
    """The header row: every bulk column, and after each coded one its label when asked."""
    header: list[str] = []
    for column in BULK_COLUMNS:
        header.append(column)
        if labels and column in LABELLED_COLUMNS:
            header.append(f"{column}.label")
    return header


def file_name(scope: str, *, labels: bool) -> str:
    """`MST_FORP_SEX_CBR_NB.csv.gz`, `MST_FORP_SEX_CBR_NB.labels.csv.gz`; `ILMS…` for all tables, `ILMS_ASEAN…`
    for all tables of a region's members."""
    return f"{scope}{'.labels' if labels else ''}.csv.gz"


def scope_of(name: str) -> tuple[str, bool] | None:
    """The table (or ALL_TABLES, or a region's scope) and the kind a file name stands for; None for a name no file
    has."""
    if not name.endswith(".csv.gz"):
        return None
    stem = name.removesuffix(".csv.gz")
    labels = stem.endswith(".labels")
    scope = stem.removesuffix(".labels")
    if scope == ALL_TABLES or TableDefinition.objects.filter(indicator=scope).exists():
        return scope, labels
    if scope.startswith(REGION_PREFIX) and Region.objects.filter(code=scope.removeprefix(REGION_PREFIX)).exists():
        return scope, labels
    return None


def region_scope(code: str) -> str:
    return f"{REGION_PREFIX}{code}"


def _members(scope: str) -> list[str] | None:
    """The member countries a region's scope holds (sorted); None for a table's scope or every country's."""
    if scope == ALL_TABLES or not scope.startswith(REGION_PREFIX):
        return None
    code = scope.removeprefix(REGION_PREFIX)
    return region_members(code) if Region.objects.filter(code=code).exists() else None


@dataclass(frozen=True)
class BulkFile:
    """One built file and what the downloads page says of it."""

    name: str
    path: Path
    size: int
    rows: int
    built_at: datetime
    state: str
    release_id: int | None
    release_title: str


@dataclass(frozen=True)
class Vintage:
    """The public state a set of files reflects: its tag (the folder), the moment it is read at (None: now) and
    its latest release."""

    tag: str
    at: datetime | None
    release: Release | None


def bulk_vintage(*, at: datetime | None = None) -> Vintage:
    """The state the public sees at `at` (now when None) and the release that made it."""
    moment = at or timezone.now()
    release = (
        Release.objects.filter(Release.public_q(moment), publications__isnull=False)
        .order_by("-public_at", "-id")
        .first()
    )
    # The publications count too: one published late into a release already public changes the values
    # without changing the count or the moment of the public releases.
    publications = Publication.objects.filter(Release.public_q(moment, "release__")).count()
    return Vintage(tag=f"{public_state(moment).tag}-{publications}", at=at, release=release)


def bulk_files_build() -> int | None:
    """Every file of the current state, built where missing (the worker's call, ahead of any visitor); returns
    how many files there are, or None when another worker is building them already. Each publication asks for a
    build: in a busy hour they came one behind the other (2,130 s of worker time in the load test), each reading
    the whole master; the one running and the beat's next minute build the newest state anyway."""
    root = bulk_root()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".build.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        return 2 * len(bulk_listing()[1])


def bulk_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "bulk"


def bulk_file(*, scope: str, labels: bool, at: datetime | None = None) -> BulkFile:
    """The file of `scope` (a table's indicator or ALL_TABLES) for the public state at `at` (now when None),
    built first if that state has none yet."""
    for _ in range(3):  # a release that becomes public during a build: build again for the new state
        vintage = bulk_vintage(at=at)
        built = _built(vintage, scope, labels)
        if built is None and _build(vintage, scope):
            built = _built(vintage, scope, labels)
        if built is not None:
            return built
    raise RuntimeError("releases kept becoming public while the bulk file was built")


def _folder(vintage: Vintage) -> Path:
    return bulk_root() / vintage.tag


def _built(vintage: Vintage, scope: str, labels: bool) -> BulkFile | None:
    """The file already built for this state, read from its description beside it; None when there is none."""
    path = _folder(vintage) / file_name(scope, labels=labels)
    about = path.with_name(path.name + ".json")
    if not (path.exists() and about.exists()):
        return None
    facts = json.loads(about.read_text())
    if facts.get("members") != _members(scope):
        return None  # the region's members changed since: its file is built again for them
    return BulkFile(
        name=path.name,
        path=path,
        size=path.stat().st_size,
        rows=facts["rows"],
        built_at=datetime.fromisoformat(facts["built_at"]),
        state=vintage.tag,
        release_id=facts["release_id"],
        release_title=facts["release_title"],
    )


def _build(vintage: Vintage, scope: str) -> bool:
    """Build both files of `scope` for the state (one read of the database for the two); False when a release
    became public meanwhile, so the rows read may belong to the next state and the caller tries again."""
    folder = _folder(vintage)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f".{scope}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another request building the same files: wait, then use theirs
        if all(_built(vintage, scope, labels) for labels in (False, True)):
            return True
        members = _members(scope)
        rows = _write_pair(folder, scope, _public_rows(scope, vintage.at, members))
        if vintage.at is None and bulk_vintage().tag != vintage.tag:
            _discard(folder, scope)
            return False
        release = vintage.release
        for labels in (False, True):
            about = {
                "rows": rows,
                "built_at": timezone.now().isoformat(),
                "release_id": release.pk if release else None,
                "release_title": release.title if release else "",
                "members": members,
            }
            _replace_text(folder / (file_name(scope, labels=labels) + ".json"), json.dumps(about))
            os.replace(folder / f".{file_name(scope, labels=labels)}.part", folder / file_name(scope, labels=labels))
    _prune(keep=folder)
    return True


def _public_rows(scope: str, at: datetime | None, members: list[str] | None) -> Iterator[tuple[Any, ...]]:
    """The public values of the scope (a table, or all tables of every country or of a region's `members`) as
    tuples of BULK_COLUMNS, in ILOSTAT's order, read in chunks."""
    base: QuerySet[Observation] = Observation.objects.all()
    every_table = scope == ALL_TABLES or members is not None
    if members is not None:
        base = base.filter(ref_area__in=members)
    elif scope != ALL_TABLES:
        base = base.filter(indicator=scope)
    order = ("indicator", *(c for c in ROW_ORDER if c != "indicator")) if every_table else ROW_ORDER
    chosen = public_versions(base, at).order_by(*order)
    return chosen.values_list(*BULK_COLUMNS).iterator(chunk_size=CHUNK_ROWS)


class _Memo(dict[str, str]):
    """A function's answer for each distinct key, computed once: a code repeats on most rows, so its guarded
    text and label are looked up, not worked out a million times (measured: the guard was half the build)."""

    def __init__(self, answer: Callable[[str], str]) -> None:
        super().__init__()
        self.answer = answer

    def __missing__(self, key: str) -> str:
        value = self[key] = self.answer(key)
        return value


def _write_pair(folder: Path, scope: str, rows: Iterator[tuple[Any, ...]]) -> int:
    """Write the rows into both files' temporary names (`.<name>.part`) at once; returns the row count. Every
    text cell is formula-safe; the value stays a number."""
    names = catalogue_labels() | dict(ObservationStatus.objects.values_list("code", "label"))
    codes = _Memo(formula_safe)
    labels = _Memo(lambda code: formula_safe(names.get(code, code)) if code else "")
    free_text = [i for i, column in enumerate(BULK_COLUMNS) if column.startswith("note")]
    coded = [i for i, column in enumerate(BULK_COLUMNS) if column != "obs_value" and i not in free_text]
    # Each cell of a labelled row: (position in the row, whether it is that position's label).
    plan = [
        (i, kind) for i, column in enumerate(BULK_COLUMNS) for kind in (False, True)[: 1 + (column in LABELLED_COLUMNS)]
    ]
    count = 0
    with ExitStack() as stack:
        plain, labelled = (
            csv.writer(stack.enter_context(_gzip_text(folder / f".{file_name(scope, labels=kind)}.part")))
            for kind in (False, True)
        )
        plain.writerow(bulk_header(labels=False))
        labelled.writerow(bulk_header(labels=True))
        for row in rows:
            cells = list(row)
            for i in coded:
                cells[i] = codes[cells[i]]
            for i in free_text:
                if cells[i]:
                    cells[i] = formula_safe(cells[i])
            plain.writerow(cells)
            labelled.writerow([labels[row[i]] if is_label else cells[i] for i, is_label in plan])
            count += 1
    return count


@contextmanager
def _gzip_text(path: Path) -> Iterator[io.TextIOWrapper]:
    """A UTF-8 text stream into a new gzip file (no name or time inside, so equal content gives equal bytes),
    on disk before the caller renames it."""
    with open(path, "wb") as raw:
        with (
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=COMPRESS_LEVEL, mtime=0) as zipped,
            io.TextIOWrapper(zipped, encoding="utf-8", newline="") as text,
        ):
            yield text
        raw.flush()
        os.fsync(raw.fileno())


def _replace_text(path: Path, text: str) -> None:
    """Write a small file whole, under a temporary name first."""
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as out:
        out.write(text)
    os.replace(out.name, path)


def _discard(folder: Path, scope: str) -> None:
    for labels in (False, True):
        (folder / f".{file_name(scope, labels=labels)}.part").unlink(missing_ok=True)


def _prune(*, keep: Path) -> None:
    """Keep the newest KEEP_STATES state folders (by when they were last built into), and `keep` itself."""
    folders = sorted((p for p in bulk_root().iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for folder in folders[KEEP_STATES:]:
        if folder != keep:
            shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class BulkTable:
    """A line of the downloads page: a table (or all of them, of everyone or of a region) and its two files."""

    scope: str
    title: str
    plain: BulkFile
    labelled: BulkFile

    @property
    def region(self) -> bool:
        """All tables of one region's members."""
        return self.scope.startswith(REGION_PREFIX)


def bulk_listing(*, at: datetime | None = None) -> tuple[Vintage, list[BulkTable]]:
    """The state at `at` (now when None) and every table's files for it, built where missing; then the
    all-tables files of each region, and those of every country last."""
    vintage = bulk_vintage(at=at)
    titles = [
        *TableDefinition.objects.values_list("indicator", "title"),
        *((region_scope(code), f"All tables, {name}") for code, name in Region.objects.values_list("code", "name")),
        (ALL_TABLES, "All tables, every country"),
    ]
    lines = [
        BulkTable(
            scope=scope,
            title=title,
            plain=bulk_file(scope=scope, labels=False, at=at),
            labelled=bulk_file(scope=scope, labels=True, at=at),
        )
        for scope, title in titles
    ]
    return vintage, lines
