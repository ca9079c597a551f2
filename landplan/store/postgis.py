"""A workspace in a PostgreSQL/PostGIS database: the same layers, one table each.

``Workspace.open("postgresql://user@host/db")`` (or ``--workspace postgresql://…`` on the command
line) gives a :class:`PostGISWorkspace`: the vector layers are PostGIS tables (``parcels``,
``roads``, ``pipelines``, ``powerlines``, ``facilities``) with a GiST index on their geometry,
the enterprise ledger is the table ``enterprises``. Reading and writing go through GeoPandas
(``read_postgis`` / ``to_postgis``, SQLAlchemy 2 + psycopg 3) and apply the same canonical
schema, validation and CRS rules as a folder workspace.

Every write is **one transaction**: the old table is dropped, the new one created, filled and
indexed inside it, so a failed write (a refused row, a lost connection, a killed session)
leaves the table exactly as it was — PostgreSQL's DDL is transactional.

What a folder has and a database does not: a DEM (terrain is evaluated from a folder
workspace), a ``rules.yaml`` (the defaults apply; give rules explicitly to
:func:`landplan.evaluate.evaluate`) and the parcel history (``parcels/history.gpkg``): writes
to a PostGIS workspace are not recorded as changes.

``?schema=NAME`` at the end of the URL picks a schema other than ``public``.
"""

from __future__ import annotations

import logging
import re
import uuid
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, urlsplit, urlunsplit

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from ..errors import WorkspaceError
from ..geometry import single_part
from ..schema import LAYERS, VECTOR_LAYERS, layer_spec
from .backend import NotInPlace, is_database_url
from .folder import Workspace
from .frames import conform

__all__ = ["PostGISWorkspace", "is_database_url"]

log = logging.getLogger(__name__)

_ROW = "landplan_row"
"""Column keeping the rows' order (SQL tables have none)."""


def _engine_url(url: str) -> tuple[str, str, str]:
    """(SQLAlchemy URL with the psycopg 3 driver, schema, URL without password for messages)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    schema = (query.pop("schema", ["public"]) or ["public"])[0]
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", schema):
        raise WorkspaceError(f"{url}: schema {schema!r} is not a plain SQL name")
    rest = "&".join(f"{k}={v}" for k, vs in query.items() for v in vs)
    scheme = "postgresql+psycopg"
    sa = urlunsplit((scheme, parts.netloc, parts.path, rest, ""))
    shown_netloc = parts.netloc.split("@")[-1] if "@" in parts.netloc else parts.netloc
    user = parts.username + "@" if parts.username else ""
    shown = urlunsplit(("postgresql", user + shown_netloc, parts.path, "", ""))
    return sa, schema, shown


class PostGISWorkspace(Workspace):
    """A workspace whose layers are tables of a PostgreSQL/PostGIS database.

    Parameters
    ----------
    url : str
        ``postgresql://user[:password]@host[:port]/dbname[?schema=NAME]``; the socket folder of a
        local server works as ``host`` (``postgresql://user@/db?host=/run/postgresql``).
    """

    fork_safe = False  # its connection pool stays in the process that opened it
    keeps_history = False  # parcels/history.gpkg is a folder's; see the module docstring

    def __init__(self, url: str, *, fmt: str = "gpkg") -> None:  # fmt: for the Workspace signature
        from sqlalchemy import create_engine

        self.url = url
        sa_url, self.schema, self.display = _engine_url(url)
        self.path = PurePosixPath(self.display)  # for messages; no files live here
        self.fmt = "postgis"
        try:
            self.engine = create_engine(sa_url, pool_pre_ping=True)
        except Exception as exc:  # a malformed URL
            raise WorkspaceError(f"{self.display}: {exc}") from None

    def __repr__(self) -> str:
        return f"PostGISWorkspace({self.display!r})"

    # ---------------------------------------------------------------- tables
    def table(self, name: str) -> str:
        """The table holding layer ``name``."""
        return layer_spec(name).stem

    def _qualified(self, name: str) -> str:
        return f'"{self.schema}"."{self.table(name)}"'

    def _connect(self):
        from sqlalchemy.exc import OperationalError

        try:
            return self.engine.connect()
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise WorkspaceError(f"{self.display}: cannot connect ({reason})") from None

    def layer_path(self, name: str, fmt: str | None = None) -> Path:
        return Path(str(self.path)) / self.table(name) if name not in {"terrain", "rules"} else Path(str(self.path)) / name

    def existing_path(self, name: str) -> Path | None:
        return self.layer_path(name) if self.has(name) else None

    def has(self, name: str) -> bool:
        if name in {"terrain", "rules"}:
            return False
        from sqlalchemy import inspect

        with self._connect() as con:
            return inspect(con).has_table(self.table(name), schema=self.schema)

    def layers(self) -> list[str]:
        return [n for n in LAYERS if self.has(n)]

    @property
    def dem_path(self) -> Path | None:
        return None

    @property
    def crs(self) -> CRS | None:
        from sqlalchemy import text

        with self._connect() as con:
            for name in VECTOR_LAYERS:
                srid = con.execute(text(
                    "SELECT srid FROM geometry_columns WHERE f_table_schema = :s AND f_table_name = :t"),
                    {"s": self.schema, "t": self.table(name)}).scalar()
                if srid:
                    return CRS.from_epsg(int(srid))
        return None

    def _settle(self) -> None:
        """A database write is one transaction: nothing is ever left half-done."""

    def version(self, name: str) -> str:
        """The table's OID and comment: every write drops and creates the table, every update
        in place (:meth:`update_row`) comments it anew, so either changes it."""
        from sqlalchemy import text

        with self._connect() as con:
            oid, note = con.execute(text("SELECT to_regclass(:t)::oid, obj_description(to_regclass(:t), 'pg_class')"),
                                    {"t": self._qualified(name)}).one()
        return "none" if oid is None else f"{self.table(name)}:{oid}:{note or ''}"

    def read_rows(self, name: str, column: str, value: str) -> gpd.GeoDataFrame | pd.DataFrame:
        """The rows of table ``name`` whose ``column`` is ``value`` (canonical dtypes), indexed by
        their row number; only those rows are read."""
        from sqlalchemy import text

        spec = layer_spec(name)
        with self._connect() as con:
            columns = _table_columns(con, self.schema, self.table(name))
        if not self.has(name) or column not in columns:
            return self.read(name).iloc[0:0]
        query = text(f'SELECT * FROM {self._qualified(name)} WHERE "{column}" = :v ORDER BY "{_ROW}"')
        with self._connect() as con:
            if spec.geometry is None:
                frame = pd.read_sql(query, con, params={"v": value}, dtype=str).fillna("")
            else:
                frame = gpd.read_postgis(query, con, geom_col="geometry", params={"v": value})
        frame = frame.set_index(_ROW).rename_axis(None)
        frame = conform(name, frame, source=f"{self.display} table {self.table(name)}")
        if spec.geometry is not None:
            frame = frame.set_geometry(single_part(frame.geometry.to_numpy()), crs=frame.crs)
        return frame

    def update_row(self, name: str, row: int, after, columns: list[str]) -> None:
        """Set ``columns`` of row ``row`` (its index in :meth:`read_rows`) to the values of the
        one-row frame ``after``: one UPDATE in one transaction, the table commented anew (its
        :meth:`version` changes). Raises :class:`NotInPlace` (nothing written) for a column the
        table lacks."""
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        table = self.table(name)
        try:
            with self._connect() as con, con.begin():
                known = _table_columns(con, self.schema, table)
                if any(c not in known for c in columns):
                    raise NotInPlace("a column is new to the table")
                sets = ", ".join(f'"{c}" = :v{k}' for k, c in enumerate(columns))
                values = {f"v{k}": _db_value(after[c].iloc[0]) for k, c in enumerate(columns)}
                done = con.execute(text(f'UPDATE {self._qualified(name)} SET {sets} WHERE "{_ROW}" = :row'),
                                   {**values, "row": int(row)})
                if done.rowcount != 1:
                    raise NotInPlace(f"row {row} is not in the table")
                con.execute(text(f"COMMENT ON TABLE {self._qualified(name)} IS "
                                 f"'landplan update {uuid.uuid4().hex}'"))
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise WorkspaceError(f"{self.display}: updating table {table} failed, nothing changed ({reason})") from None
        log.info("updated row %s of %s table %s", row, self.display, table)

    # ---------------------------------------------------------------- read and write
    def read(self, name: str) -> gpd.GeoDataFrame | pd.DataFrame:
        """Read layer ``name`` with canonical dtypes (an empty layer when the table is missing)."""
        from sqlalchemy import text

        from ..schema import empty_layer

        spec = layer_spec(name)
        if not self.has(name):
            frame = empty_layer(name)
            if spec.geometry is not None and self.crs is not None:
                frame = frame.set_crs(self.crs, allow_override=True)
            return frame
        query = text(f'SELECT * FROM {self._qualified(name)} ORDER BY "{_ROW}"')
        with self._connect() as con:
            if spec.geometry is None:
                frame = pd.read_sql(query, con, dtype=str).fillna("")
            else:
                frame = gpd.read_postgis(query, con, geom_col="geometry")
        frame = frame.drop(columns=[_ROW]).reset_index(drop=True)
        frame = conform(name, frame, source=f"{self.display} table {self.table(name)}")
        if spec.geometry is not None:
            frame = frame.set_geometry(single_part(frame.geometry.to_numpy()), crs=frame.crs)
        return frame

    def _store(self, name: str, frame, fmt: str) -> Path:
        """Replace table ``name`` with ``frame`` in one transaction (with its GiST index, which
        GeoAlchemy2 creates with the table)."""
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        spec = layer_spec(name)
        table = self.table(name)
        try:
            with self._connect() as con, con.begin():
                con.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
                con.execute(text(f"DROP TABLE IF EXISTS {self._qualified(name)}"))
                frame = frame.reset_index(drop=True).rename_axis(_ROW)  # row order, kept on read
                if spec.geometry is None:
                    pd.DataFrame(frame).to_sql(table, con, schema=self.schema, index=True)
                else:
                    frame.to_postgis(table, con, schema=self.schema, index=True)  # GeoAlchemy2 adds the GiST index
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise WorkspaceError(f"{self.display}: writing table {table} failed, nothing changed ({reason})") from None
        log.info("wrote %s (%d rows) to %s table %s", name, len(frame), self.display, table)
        return self.layer_path(name)

    def write_dem(self, array, transform, crs, *, nodata=None) -> Path:
        raise WorkspaceError(f"{self.display}: a PostGIS workspace holds no DEM; keep terrain in a folder workspace")


def _table_columns(con, schema: str, table: str) -> set[str]:
    from sqlalchemy import text

    return set(con.execute(text("SELECT column_name FROM information_schema.columns "
                                "WHERE table_schema = :s AND table_name = :t"), {"s": schema, "t": table}).scalars())


def _db_value(value):
    """A pandas/numpy value as psycopg takes it (missing: NULL)."""
    if value is None or (not isinstance(value, (str, bytes)) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value
