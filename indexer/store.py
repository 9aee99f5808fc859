"""Index generations on disk: build beside the serving one, then switch atomically.

INDEX_DIR/
  CURRENT                  name of the generation that serves (replaced with os.replace)
  build.lock               one build at a time (flock)
  generations/<name>/      whoosh/, vectors.npy, chunks.json, catalog.json, manifest.json
  generations/<name>.partial   a build in progress, or one that was killed (removed next build)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import secrets
import shutil
from pathlib import Path

KEEP_GENERATIONS = 3  # workers may still read the previous one for a moment after a switch
PARTIAL = ".partial"


class IndexMissingError(Exception):
    """No complete generation exists yet: run `casebase index`."""


class IndexCorruptError(Exception):
    """The serving generation is unreadable: run `casebase index --rebuild`."""


class BuildLockedError(Exception):
    """Another build holds the lock."""


def generations_dir(index_dir: Path) -> Path:
    return Path(index_dir) / "generations"


def current_name(index_dir: Path) -> str | None:
    try:
        name = (Path(index_dir) / "CURRENT").read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    return name or None


def current_path(index_dir: Path) -> Path:
    """The serving generation's folder.

    :raise IndexMissingError: when no build has completed.
    :raise IndexCorruptError: when CURRENT names a folder that is gone or incomplete.
    """
    name = current_name(index_dir)
    if name is None:
        raise IndexMissingError(f"no index in {index_dir}")
    path = generations_dir(index_dir) / name
    if not (path / "manifest.json").exists():
        raise IndexCorruptError(f"generation {name} in {index_dir} is missing or incomplete")
    return path


def new_generation(index_dir: Path) -> tuple[str, Path]:
    """Name and create a `.partial` folder for a build."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    name = f"g{stamp}-{secrets.token_hex(3)}"
    path = generations_dir(index_dir) / (name + PARTIAL)
    path.mkdir(parents=True)
    return name, path


def publish(index_dir: Path, name: str, partial: Path) -> Path:
    """Complete a build: rename the folder, then point CURRENT at it in one atomic step."""
    final = generations_dir(index_dir) / name
    os.replace(partial, final)
    _fsync_dir(final.parent)
    tmp = Path(index_dir) / f"CURRENT.{secrets.token_hex(4)}.tmp"
    tmp.write_text(name + "\n", encoding="ascii")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, Path(index_dir) / "CURRENT")
    _fsync_dir(Path(index_dir))
    return final


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def link_tree(source: Path, target: Path) -> None:
    """Give `target` the files of `source` without copying them (hard links, copies where the
    file system has none). Only for stores that never rewrite a file in place, like Whoosh's
    segments: a writer in `target` adds new files and removes names, never touching inodes
    the serving generation still reads."""
    target.mkdir(parents=True)
    for path in source.iterdir():
        if not path.is_file() or path.name.endswith("LOCK"):
            continue
        try:
            os.link(path, target / path.name)
        except OSError:
            shutil.copy2(path, target / path.name)


def discard(partial: Path) -> None:
    shutil.rmtree(partial, ignore_errors=True)


def clean_up(index_dir: Path) -> list[str]:
    """Remove leftovers of killed builds and generations older than the last few."""
    gens = generations_dir(index_dir)
    if not gens.exists():
        return []
    removed = []
    for path in gens.iterdir():
        if path.name.endswith(PARTIAL):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    keep = current_name(index_dir)
    complete = sorted(p for p in gens.iterdir() if p.is_dir() and p.name != keep)
    for path in complete[: max(0, len(complete) - (KEEP_GENERATIONS - 1))]:
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    return removed


@contextlib.contextmanager
def build_lock(index_dir: Path):
    """Hold the build lock for the `with` block.

    :raise BuildLockedError: if another process is building.
    """
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(index_dir) / "build.lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BuildLockedError(f"another build is running in {index_dir}") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))
