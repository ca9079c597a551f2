"""An update of one parcel made in place: the row updated in ``parcels.gpkg`` and the history
appended in ``history.gpkg``, one SQLite transaction over both files.

The history's rules are those of :mod:`landplan.store.history` (which records every other
write by rewriting the layer and its history); an update made here gives the same result.
It needs both files as landplan last wrote them together (:func:`landplan.store.history.in_sync`):
otherwise :class:`~landplan.store.backend.NotInPlace` is raised, nothing is written, and the edit
takes the full path. ``changes.csv`` is rewritten after the transaction; a kill before that
leaves ``parcels/.changes-pending``, and the next reader (:func:`finish_pending`) rewrites it.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..io.atomic import atomic_path
from . import gpkg
from .backend import NotInPlace
from .command import current_command
from .history import (
    LOG_COPY,
    PENDING_FILE,
    _check_dates,
    _read_changes,
    _typed,
    _write_log_copy,
    changed_columns,
    history_path,
    in_sync,
    mark_synced,
)

__all__ = ["can_update_in_place", "update_in_place", "finish_pending"]

log = logging.getLogger("landplan.history")


def can_update_in_place(ws) -> bool:
    """Whether an update of one parcel can be made in place: a GeoPackage parcels layer (in a
    workspace writing GeoPackage) and its history as landplan last wrote them (:func:`in_sync`)."""
    layer = ws.existing_path("parcels")
    return layer is not None and layer.suffix == ".gpkg" and ws.fmt == "gpkg" and in_sync(ws)


def update_in_place(ws, fid: int, before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, *,
                    date: dt.date, summary: str) -> int | None:
    """Record ``after`` (one parcel, feature ``fid`` of ``parcels.gpkg``) as an ``update``.

    The parcel's row is updated in ``parcels.gpkg`` (only the columns that changed), its
    version in force is ended and the new one appended to ``history.gpkg``, and the change is
    added to the change log: one SQLite transaction over both files (all or nothing), then
    ``changes.csv`` is rewritten. The result is the one the full rewrite gives.

    Returns the change id, ``None`` when nothing changed. Raises :class:`NotInPlace` (nothing
    written) when the files are not as landplan left them, a new column is needed or the
    GeoPackages cannot take an in-place change; :class:`LandplanError` for an edit dated before
    the version it ends.
    """
    layer, path = ws.existing_path("parcels"), history_path(ws)
    if not can_update_in_place(ws):
        raise NotInPlace("not a GeoPackage, or the layer or its history changed since landplan wrote them")
    changed = changed_columns(before, after)
    if not changed:
        return None
    if "geometry" in changed:
        raise NotInPlace("the geometry changed")
    parcel_id = str(after["parcel_id"].iloc[0])
    day = pd.Timestamp(date).normalize()
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    pending = Path(ws.path) / PENDING_FILE
    with atomic_path(pending) as tmp:  # a kill from here on: the next reader rewrites changes.csv
        tmp.write_text(f"update {parcel_id}\n", encoding="utf-8")
    try:
        with gpkg.transaction(layer, {"h": path}) as con:
            own, kept = gpkg.columns(con, "parcels"), gpkg.columns(con, "versions", "h")
            geom, srs = gpkg.geometry_column(con, "parcels") or ("", -1)
            if gpkg.geometry_column(con, "versions", "h") != (geom, srs):
                raise NotInPlace("the layer and its history differ in geometry column or CRS")
            shared = [c for c in own if c != "fid"]
            if any(c not in own for c in changed) or any(c not in kept for c in shared):
                raise NotInPlace("a column is new to the layer or to its history")
            open_ = con.execute("SELECT valid_from, change_id FROM h.versions WHERE parcel_id = ? "
                                "AND valid_to IS NULL AND superseded_by IS NULL", (parcel_id,)).fetchall()
            if len(open_) != 1:
                raise NotInPlace("the parcel has no single version in force")
            frame = pd.DataFrame({"parcel_id": [parcel_id], "valid_from": [open_[0][0]],
                                  "valid_to": [None], "change_id": [open_[0][1]]})
            _check_dates(_typed(frame, path, "versions", ints=("change_id",),
                                dates=("valid_from", "valid_to")), day, [parcel_id], [], path)
            sets = ", ".join(f'"{c}" = ?' for c in changed)
            values = [gpkg.to_sql_value(after[c].iloc[0], own[c]) for c in changed]
            con.execute(f'UPDATE main.parcels SET {sets} WHERE fid = ?', (*values, int(fid)))
            change_id = int(con.execute("SELECT coalesce(max(change_id), 0) + 1 FROM h.changes").fetchone()[0])
            version_id = int(con.execute("SELECT coalesce(max(version_id), 0) + 1 FROM h.versions").fetchone()[0])
            con.execute("UPDATE h.versions SET valid_to = ?, ended_by = ? WHERE parcel_id = ? "
                        "AND valid_to IS NULL AND superseded_by IS NULL", (f"{day:%Y-%m-%d}", change_id, parcel_id))
            names = ", ".join(f'"{c}"' for c in shared)
            con.execute(f'INSERT INTO h.versions ({names}, version_id, change_id, ended_by, superseded_by, '
                        f'valid_from, valid_to) SELECT {names}, ?, ?, NULL, NULL, ?, NULL '
                        'FROM main.parcels WHERE fid = ?', (version_id, change_id, f"{day:%Y-%m-%d}", int(fid)))
            con.execute("INSERT INTO h.changes (change_id, kind, effective_date, recorded_at, command, summary, "
                        "created, ended, changed) VALUES (?, 'update', ?, ?, ?, ?, '', '', ?)",
                        (change_id, f"{day:%Y-%m-%d}", now, current_command(),
                         f"{summary or 'update'} (1 changed)", parcel_id))
            gpkg.touch(con, "parcels")
            gpkg.touch(con, "versions", "h")
            gpkg.touch(con, "changes", "h")
    except gpkg.GpkgBusy as exc:
        pending.unlink()
        raise NotInPlace(str(exc)) from None
    except BaseException:
        pending.unlink()
        raise
    _rewrite_log_copy(ws)
    mark_synced(ws)
    pending.unlink()
    log.info("recorded change %s (update, in place) in %s", change_id, path)
    return change_id


def _rewrite_log_copy(ws) -> None:
    """``changes.csv`` written again from the history's change log."""
    path = history_path(ws)
    with atomic_path(Path(ws.path) / LOG_COPY) as tmp:
        _write_log_copy(tmp, _read_changes(path))


def finish_pending(ws) -> None:
    """Holding the lock: after an in-place change killed before ``changes.csv`` showed it, the
    people's copy is written again from the history (which has the change or not, whole)."""
    pending = Path(ws.path) / PENDING_FILE
    if not pending.exists():
        return
    for path in (ws.existing_path("parcels"), history_path(ws)):  # a transaction killed midway
        if path is not None and path.suffix == ".gpkg" and path.exists():
            gpkg.recover(path)
    if history_path(ws).exists():
        _rewrite_log_copy(ws)
    log.warning("%s: changes.csv written again after an interrupted change", ws.path)
    pending.unlink()
