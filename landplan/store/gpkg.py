"""Changing rows of GeoPackages in place, in one SQLite transaction.

A GeoPackage is an SQLite database (OGC 12-128r18): a feature table per layer, its spatial
index an R*Tree kept by triggers, ``gpkg_contents.last_change`` the time of its last change, and
GDAL's ``gpkg_ogr_contents`` feature count kept by triggers too. Python's own :mod:`sqlite3`
can therefore change a row without rewriting the file, provided that

- the SQL functions the R*Tree triggers call (``ST_IsEmpty``, ``ST_MinX`` …, which GDAL
  registers in its own connections) are registered here (:func:`_register`, read from the
  envelope of the GeoPackage geometry blob, or from its WKB when the blob has none);
- ``last_change`` is set by the change (:func:`touch`);
- the databases are not in WAL mode: a transaction over ``ATTACH``-ed databases is atomic
  across the files only in rollback-journal mode (SQLite's super-journal), which is GDAL's
  default for GeoPackages. :func:`transaction` refuses a WAL database (the caller rewrites
  the files instead).
"""

from __future__ import annotations

import contextlib
import sqlite3
import struct
from collections.abc import Iterator
from pathlib import Path

__all__ = ["GpkgBusy", "recover", "transaction", "columns", "geometry_column", "touch", "to_sql_value"]

#: Bytes of the envelope after the 8-byte header, by the envelope indicator (bits 1-3 of flags).
_ENVELOPE = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


class GpkgBusy(Exception):
    """The GeoPackage cannot be changed in place (WAL mode, or locked): rewrite it instead."""


def _header(blob: bytes) -> tuple[int, bool, int, str]:
    """(envelope kind, empty flag, header length, byte order of the envelope) of a GPKG blob."""
    flags = blob[3]
    kind = (flags >> 1) & 0b111
    return kind, bool(flags & 0b10000), 8 + _ENVELOPE.get(kind, 0), "<" if flags & 1 else ">"


def _bounds(blob) -> tuple[float, float, float, float] | None:
    if blob is None:
        return None
    blob = bytes(blob)
    kind, empty, size, order = _header(blob)
    if empty:
        return None
    if kind:
        minx, maxx, miny, maxy = struct.unpack(order + "4d", blob[8:40])
        return minx, miny, maxx, maxy
    import shapely

    geom = shapely.from_wkb(blob[size:])
    return None if geom.is_empty else tuple(geom.bounds)


def _register(con: sqlite3.Connection) -> None:
    """The geometry functions GDAL's R*Tree triggers call (GeoPackage §F.3)."""

    def pick(i):
        return lambda blob: None if (b := _bounds(blob)) is None else b[i]

    con.create_function("ST_IsEmpty", 1, lambda blob: 1 if blob is None or _bounds(blob) is None else 0,
                        deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MinY", "ST_MaxX", "ST_MaxY")):
        con.create_function(name, 1, pick(i), deterministic=True)


@contextlib.contextmanager
def transaction(main: Path, attached: dict[str, Path] | None = None) -> Iterator[sqlite3.Connection]:
    """One write transaction over ``main`` and the ``attached`` GeoPackages (alias → file).

    Commits when the block ends, rolls back when it raises. Raises :class:`GpkgBusy`, nothing
    changed, when a file is in WAL mode, another connection holds it or SQLite refuses a
    statement (the caller rewrites the files instead, which names what is wrong with them).
    """
    try:
        con = sqlite3.connect(main, isolation_level=None, timeout=5.0)
    except sqlite3.Error as exc:
        raise GpkgBusy(f"{main}: {exc}") from None
    try:
        try:
            _register(con)
            for alias, path in (attached or {}).items():
                con.execute(f"ATTACH DATABASE ? AS {alias}", (str(path),))
            for alias in ("main", *(attached or {})):
                mode = con.execute(f"PRAGMA {alias}.journal_mode").fetchone()[0]
                if str(mode).lower() == "wal":
                    raise GpkgBusy(f"{alias} is in WAL mode")
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:  # locked by another program, not a database …
            raise GpkgBusy(f"{main}: {exc}") from None
        try:
            yield con
            con.execute("COMMIT")
        except BaseException as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):  # nothing was changed: the caller rewrites instead
                raise GpkgBusy(f"{main}: {exc}") from None
            raise
    finally:
        con.close()


def recover(path: Path) -> bool:
    """Roll back what a killed :func:`transaction` left in ``path`` (its hot ``-journal``).

    SQLite undoes an interrupted transaction the next time a connection that may write opens
    the file; GDAL's readers open GeoPackages read-only and fail on a hot journal ("attempt to
    write a readonly database"). Over attached files the super-journal decides: present, the
    transaction is undone in every file; gone, it had committed and the journals are stale.
    Returns whether there was a journal.
    """
    path = Path(path)
    if not Path(f"{path}-journal").exists():
        return False
    con = sqlite3.connect(path, isolation_level=None, timeout=5.0)
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        con.close()
    return True


def columns(con: sqlite3.Connection, table: str, schema: str = "main") -> dict[str, str]:
    """Column name → declared type of ``schema.table`` (in table order)."""
    return {row[1]: str(row[2]).upper() for row in con.execute(f'PRAGMA {schema}.table_info("{table}")')}


def geometry_column(con: sqlite3.Connection, table: str, schema: str = "main") -> tuple[str, int] | None:
    """(geometry column, srs_id) of a feature table, ``None`` for an attribute table."""
    row = con.execute(f"SELECT column_name, srs_id FROM {schema}.gpkg_geometry_columns "
                      "WHERE lower(table_name) = lower(?)", (table,)).fetchone()
    return None if row is None else (str(row[0]), int(row[1]))


def touch(con: sqlite3.Connection, table: str, schema: str = "main") -> None:
    """Set ``gpkg_contents.last_change`` of ``table`` to now (GeoPackage requirement 15)."""
    con.execute(f"UPDATE {schema}.gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                "WHERE lower(table_name) = lower(?)", (table,))


def to_sql_value(value, declared: str):
    """A pandas/numpy value as GDAL stores it in a column of ``declared`` type.

    Missing values are NULL; dates and datetimes are ISO text (a DATE column holds
    ``YYYY-MM-DD``); booleans 0/1; numpy scalars their Python values.
    """
    import datetime as dt

    import pandas as pd

    if value is None or (not isinstance(value, (str, bytes)) and pd.isna(value)):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        stamp = pd.Timestamp(value)
        if declared in ("DATE", "TEXT") and stamp == stamp.normalize():
            return f"{stamp:%Y-%m-%d}"
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, bool):
        return int(value)
    if declared in ("REAL", "DOUBLE", "FLOAT") and isinstance(value, int):
        return float(value)
    return value
