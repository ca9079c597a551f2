"""Atomic file writes: write next to the target, then rename over it.

A write killed midway leaves the old file untouched: the data goes to a temporary file in
the same folder (same file system, so :func:`os.replace` is atomic) and only a complete
file is renamed onto the target. Temporary files are named ``.~<stem>.<pid>.<random><suffix>``
and are removed on error; those of a process that was killed are removed by
:func:`recover` (the workspace lock calls it), which knows them by their dead pid.

A change made of several files (the parcels layer and its history) is one commit:
:func:`staged` writes each file beside its target without renaming it, then :func:`commit`
writes a journal naming every rename, does the renames and removes the journal. A process
killed before the journal leaves the old files (its temporary files are removed later); one
killed after it leaves a journal that :func:`recover` rolls forward. Either way the files
are all old or all new.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "atomic_dir", "staged", "commit", "recover", "scratch_dir", "JOURNAL"]

log = logging.getLogger(__name__)

#: The journal of a multi-file commit, in the folder given to :func:`commit`.
JOURNAL = ".~commit.json"
#: A temporary name of this module: ``.~<stem>.<pid>.<8 random>`` + suffix (files or folders).
_TEMP = re.compile(r"^\.~.*\.(?P<pid>\d+)\.[a-z0-9_]{8}")
_SIDECARS = ("-wal", "-shm", "-journal")
#: A scratch folder of :func:`scratch_dir` in the system's temporary folder.
_SCRATCH = re.compile(r"^landplan-[a-z]+-(?P<pid>\d+)-")


def _temp_name(target: Path, *, folder: bool = False) -> Path:
    prefix = f".~{target.stem}.{os.getpid()}."
    if folder:
        return Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # writers such as GDAL refuse to overwrite; they get a fresh name
    return tmp


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    for leftover in (path, *(Path(str(path) + s) for s in _SIDECARS)):
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            leftover.unlink()


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it onto ``target``.

    The temporary name keeps the target's suffix so that drivers choosing the format by
    extension (GDAL) still do. Sidecar files a writer may leave next to the temporary file
    (``-wal``, ``-shm``, ``-journal``) are removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("hello")
    >>> out.read_text()
    'hello'
    """
    target = Path(target)
    with staged(target) as tmp:
        yield tmp
    try:
        os.replace(tmp, target)
    except BaseException:
        _remove(tmp)
        raise


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success it replaces ``target``.

    For outputs that are a set of files (a plain Shapefile's .shp/.shx/.dbf/.prj/.cpg): the
    files are written into the temporary folder and moved next to ``target`` one by one only
    after all of them were written.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmpdir = _temp_name(target, folder=True)
    try:
        yield tmpdir
        for item in sorted(tmpdir.iterdir()):
            os.replace(item, target.parent / item.name)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


@contextlib.contextmanager
def staged(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target`` for a writer; the complete file is synced to
    disk at the end of the block but **not** renamed (see :func:`commit`). On an error the
    temporary file and its sidecars are removed; after a successful :func:`commit` nothing
    is left to remove."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(target)
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"the writer produced no file at {tmp}")
        _fsync(tmp)
    except BaseException:
        _remove(tmp)
        raise
    finally:
        for sidecar in _SIDECARS:
            with contextlib.suppress(FileNotFoundError):
                Path(str(tmp) + sidecar).unlink()


def commit(root: str | os.PathLike, renames: list[tuple[Path, Path]]) -> None:
    """Rename staged files onto their targets as one change.

    The journal (``root/.~commit.json``, paths relative to ``root``) is written and synced
    first: from then on the change is made, and :func:`recover` finishes it if this process
    dies before the last rename.
    """
    root = Path(os.path.abspath(root))  # mkstemp names are absolute; a workspace may be relative
    journal = root / JOURNAL
    try:
        entries = [[os.path.relpath(os.path.abspath(tmp), root),
                    os.path.relpath(os.path.abspath(target), root)] for tmp, target in renames]
        scratch = _temp_name(journal)
        try:
            scratch.write_text(json.dumps({"pid": os.getpid(), "renames": entries}), encoding="utf-8")
            _fsync(scratch)
            os.replace(scratch, journal)
        finally:
            _remove(scratch)
    except BaseException:  # before the commit point: the change is not made, its files go
        for tmp, _target in renames:
            _remove(Path(tmp))
        raise
    _fsync_dir(root)
    _roll_forward(root, entries)
    journal.unlink()
    _fsync_dir(root)


def _roll_forward(root: Path, entries: list) -> None:
    for tmp, target in entries:
        source = root / tmp
        if source.exists():
            os.replace(source, root / target)
            _fsync_dir((root / target).parent)


def recover(root: str | os.PathLike, folders: tuple[str, ...] = ()) -> list[str]:
    """Finish an interrupted :func:`commit` and remove temporary files of dead processes.

    Call it holding the lock of ``root`` (no writer is active). ``folders`` are subfolders
    of ``root`` scanned for temporary files besides ``root`` itself. Returns what was done,
    one line each (also logged).
    """
    root = Path(root)
    done: list[str] = []
    journal = root / JOURNAL
    if journal.exists():
        try:
            entries = json.loads(journal.read_text(encoding="utf-8"))["renames"]
            _roll_forward(root, entries)
            done.append(f"finished an interrupted change: {', '.join(t for _, t in entries)}")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            done.append(f"could not finish the interrupted change in {journal} ({exc})")
            log.warning("%s", done[-1])
            return done
        journal.unlink()
    for folder in (root, *(root / f for f in folders)):
        if not folder.is_dir():
            continue
        for item in folder.iterdir():
            m = _TEMP.match(item.name)
            if m and not _alive(int(m["pid"])):
                _remove(item)
                done.append(f"removed {item.relative_to(root)}, left by process {m['pid']}")
    for line in done:
        log.info("%s: %s", root, line)
    return done


@contextlib.contextmanager
def scratch_dir(kind: str) -> Iterator[Path]:
    """A temporary folder for a command's scratch files (an unpacked archive, an upload),
    removed at the end of the block.

    Its name carries this process's pid (``landplan-<kind>-<pid>-…``), so that the folders a
    killed process could not remove (86 MB for an unpacked Shapefile archive) are found by
    the next command, which removes those of dead processes first.
    """
    base = Path(tempfile.gettempdir())
    for item in base.glob("landplan-*"):
        m = _SCRATCH.match(item.name)
        if m and item.is_dir() and not item.is_symlink() and not _alive(int(m["pid"])):
            shutil.rmtree(item, ignore_errors=True)
            log.info("removed %s, left by process %s", item, m["pid"])
    with tempfile.TemporaryDirectory(prefix=f"landplan-{kind}-{os.getpid()}-") as tmp:
        yield Path(tmp)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError), open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
