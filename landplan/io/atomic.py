"""Atomic file writes: write next to the target, then rename over it.

A write killed midway leaves the old file untouched: the data goes to a temporary file in
the same folder (same file system, so :func:`os.replace` is atomic) and only a complete
file is renamed onto the target. Temporary files start with ``.~`` and are removed on error.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "atomic_dir"]


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
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".~{target.stem}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # writers such as GDAL refuse to overwrite; they get a fresh name
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"the writer produced no file at {tmp}")
        _fsync(tmp)
        os.replace(tmp, target)
    finally:
        for leftover in (tmp, *(Path(str(tmp) + s) for s in ("-wal", "-shm", "-journal"))):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success it replaces ``target``.

    For outputs that are a set of files (a plain Shapefile's .shp/.shx/.dbf/.prj/.cpg): the
    files are written into the temporary folder and moved next to ``target`` one by one only
    after all of them were written.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmpdir = Path(tempfile.mkdtemp(prefix=f".~{target.stem}.", dir=target.parent))
    try:
        yield tmpdir
        for item in sorted(tmpdir.iterdir()):
            os.replace(item, target.parent / item.name)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError), open(path, "rb") as fh:
        os.fsync(fh.fileno())
