"""A workspace in a PostgreSQL/PostGIS database — kept for ``from landplan.pgworkspace import …``.

It lives in :mod:`landplan.store.postgis`; open one with
``landplan.store.Workspace.open("postgresql://…")``.
"""

from __future__ import annotations

from .store.backend import is_database_url
from .store.postgis import PostGISWorkspace

__all__ = ["PostGISWorkspace", "is_database_url"]
