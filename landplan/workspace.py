"""The workspace (SPEC §2) — kept for ``from landplan.workspace import Workspace``.

It lives in :mod:`landplan.store`: :class:`~landplan.store.Workspace` (open one with
:meth:`Workspace.open`, a folder or a ``postgresql://`` URL), the frame helpers in
:mod:`landplan.store.frames`. The private names below are the ones other modules imported
before the helpers were public; use the public ones.
"""

from __future__ import annotations

from .store.folder import (  # noqa: F401 - re-exported
    _READ_STAMP,
    FORMATS,
    Workspace,
    _key,
    _stamped,
)
from .store.frames import conform as _conform  # noqa: F401 - old private names, use store.frames
from .store.frames import csv_frame as _csv_frame  # noqa: F401
from .store.frames import ogr_frame as _ogr_frame  # noqa: F401
from .store.frames import parquet_crs as _parquet_crs  # noqa: F401
from .store.frames import read_table as _read_table  # noqa: F401

__all__ = ["Workspace", "FORMATS"]
