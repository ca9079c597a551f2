"""The store: where a park's layers live, behind one :class:`Workspace`.

:meth:`Workspace.open` takes a folder (GeoPackage or GeoParquet files, :mod:`.folder`) or a
``postgresql://`` URL (PostGIS tables, :mod:`.postgis`); either way the workspace owns the
canonical schema (:func:`.frames.conform`, :func:`landplan.schema.validate_layer`), the CRS
rule (one metric CRS per workspace) and the lost-update check, over the small backend
interface of :mod:`.backend`. The parcel history (:mod:`.history`) is a capability of
the folder store, called explicitly: an edit passes its :class:`.history.Change` to
:meth:`Workspace.write`, an update of one parcel goes through
:func:`.inplace.update_in_place` (the row updated in place, the history appended, one
SQLite transaction: :mod:`.gpkg`). No workspace is opened by default: the caller names it
(the command line's ``--workspace`` defaults to ``./data``).

Modules: :mod:`.backend` (the interface), :mod:`.frames` (public frame helpers),
:mod:`.folder` (the folder workspace), :mod:`.postgis` (the database one), :mod:`.history`
(every version of every parcel, the change log, parcels as of a date), :mod:`.inplace` (one
parcel's update made in place), :mod:`.gpkg` (GeoPackage rows changed in place),
:mod:`.lock` (one writer at a time), :mod:`.command` (the command a change records).
"""

from __future__ import annotations

from .backend import NotInPlace, is_database_url
from .folder import FORMATS, Workspace

__all__ = ["Workspace", "FORMATS", "NotInPlace", "is_database_url"]
