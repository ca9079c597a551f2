"""What the workspace asks of a store (a folder of files, a PostGIS database).

A backend stores frames that :class:`landplan.store.Workspace` has already conformed to the
canonical schema, reprojected to the workspace CRS and validated; it knows nothing of the
schema's rules. Its interface, as :class:`Backend` lists it: locate and list layers, read a
layer or the rows of one key, store a layer whole (one atomic step), update one row in place
(one transaction), a version token per layer for lost-update checks, and whether it keeps a
parcel history (a folder does, in ``parcels/history.gpkg``; see :mod:`landplan.history`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

__all__ = ["Backend", "NotInPlace", "is_database_url"]

_SCHEMES = ("postgresql://", "postgresql+psycopg://", "postgres://")


def is_database_url(value) -> bool:
    """Whether ``value`` names a PostgreSQL database rather than a folder."""
    return isinstance(value, str) and value.startswith(_SCHEMES)


class NotInPlace(Exception):
    """An edit the store cannot make in place; the caller rewrites the layer instead (nothing
    was written)."""


class Backend(Protocol):
    """The store under a workspace (:class:`landplan.store.Workspace` for a folder,
    :class:`landplan.store.postgis.PostGISWorkspace` for a database)."""

    #: Whether a forked process may read the store (a connection pool may not be shared).
    fork_safe: bool
    #: Whether parcel writes are recorded as changes (see :mod:`landplan.history`).
    keeps_history: bool

    def has(self, name: str) -> bool: ...

    def layers(self) -> list[str]: ...

    def existing_path(self, name: str) -> Path | None: ...

    def version(self, name: str) -> str: ...

    def read(self, name: str): ...

    def read_rows(self, name: str, column: str, value: str): ...

    def _store(self, name: str, frame, fmt: str) -> Path: ...
