"""The store: where a park's layers live, behind one :class:`Workspace`.

:meth:`Workspace.open` takes a folder (GeoPackage or GeoParquet files, :mod:`.folder`) or a
``postgresql://`` URL (PostGIS tables, :mod:`.postgis`); either way the workspace owns the
canonical schema (:func:`.frames.conform`, :func:`landplan.schema.validate_layer`), the CRS
rule (one metric CRS per workspace) and the lost-update check, over the small backend
interface of :mod:`.backend`. The parcel history (:mod:`landplan.history`) is a capability of
the folder store, called explicitly: an edit passes its :class:`landplan.history.Change` to
:meth:`Workspace.write`, an update of one parcel goes through
:func:`landplan.history.update_in_place` (the row updated in place, the history appended, one
SQLite transaction: :mod:`.gpkg`).

Modules: :mod:`.backend` (the interface), :mod:`.frames` (public frame helpers),
:mod:`.folder` (the folder workspace), :mod:`.postgis` (the database one), :mod:`.gpkg`
(GeoPackage rows changed in place).
"""

from __future__ import annotations

from .backend import NotInPlace, is_database_url
from .folder import DEFAULT_WORKSPACE, FORMATS, Workspace

__all__ = ["Workspace", "DEFAULT_WORKSPACE", "FORMATS", "NotInPlace", "is_database_url"]
