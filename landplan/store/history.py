"""Parcel history: every version of every parcel, the change log, parcels as of a date.

The workspace keeps its history in ``parcels/history.gpkg`` beside the parcels layer:

- layer ``versions`` (polygons): every version of every parcel, with all its attributes and
  its geometry, plus ``version_id``, ``change_id`` (the change that made it), ``valid_from``
  and ``valid_to`` (the effective dates it was in force: ``valid_from <= D < valid_to``;
  an empty ``valid_from`` means "since always", an empty ``valid_to`` "still in force") and
  ``ended_by`` (the change that ended it);
- table ``changes``: one row per change — ``change_id``, ``kind`` (``baseline``, ``import``,
  ``write``, ``split``, ``merge``, ``update``, ``untracked``), ``effective_date``,
  ``recorded_at`` (local time with offset), ``command`` (the argv that made it), ``summary``
  and the parcel ids ``created``, ``ended`` and ``changed`` (comma-separated).

``parcels/changes.csv`` is a copy of the change log for people (Excel opens it); landplan
itself reads only ``history.gpkg``.

Rules
-----
- A workspace without history (the demo ``data/``) is valid: its parcels layer is the state
  for every date. The first recorded change first stores that layer as the ``baseline``
  (versions valid since always), then the change itself.
- Every ``Workspace.write("parcels")`` made while a change is being recorded (``landplan
  import`` into parcels, ``split``, ``merge``, ``update``) or into a workspace that already has
  a history is recorded: the parcels that differ from their version in force get a new one.
  Parcels written into a workspace without any (the first import) hold since always.
- An edit takes effect on its date (``date``, default today): the parcels it ends get
  ``valid_to = date``, the new ones ``valid_from = date``. An edit dated before a version it
  would end is refused, so the validity intervals of one id never overlap.
- ``parcels.gpkg`` holds the latest recorded state, whatever its effective date. If it was
  edited outside landplan (e.g. in QGIS) the next recorded change first records the
  difference as an ``untracked`` change effective on the file's modification date (or the
  latest date already in force, if later).
- Writes are atomic: the history goes to a temporary file, the parcels layer is written, and
  the history is then renamed into place. An update of one parcel's attributes is made in
  place instead (:func:`landplan.store.inplace.update_in_place`): the row updated in ``parcels.gpkg`` and the history
  appended in one SQLite transaction over both files, then ``changes.csv`` rewritten (a kill
  before that leaves ``parcels/.changes-pending``, and the next reader rewrites it). It needs
  both files as landplan last wrote them together (``parcels/.history-sync.json``); otherwise
  the layer and the history are rewritten, as above. A history edited by hand into an invalid state
  (overlapping intervals, a version of an unknown change, a child without its parent, an
  unreadable file) is refused with one line naming the file, the feature and the field, and
  nothing is written.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from .. import labels
from ..errors import InputFileError, LandplanError, ParameterError
from ..geometry import area_m2, single_part
from ..io.atomic import atomic_path, commit, staged
from ..schema import PARCELS
from .command import command_context, current_command
from .frames import conform, ogr_frame

__all__ = [
    "HISTORY_FILE",
    "CHANGE_KINDS",
    "KIND_LABELS",
    "has_history",
    "history_path",
    "read_history",
    "parcels_as_of",
    "parcel_history",
    "change_log",
    "changes_between",
    "Change",
    "command_context",
]

log = logging.getLogger("landplan.history")

#: Where the history lives, relative to the workspace.
HISTORY_FILE = Path("parcels") / "history.gpkg"
LOG_COPY = Path("parcels") / "changes.csv"
#: The parcels layer and the history as landplan last left them together (see :func:`mark_synced`).
SYNC_FILE = Path("parcels") / ".history-sync.json"
#: Present from just before an in-place change commits until ``changes.csv`` shows it.
PENDING_FILE = Path("parcels") / ".changes-pending"
CHANGE_KINDS = ("baseline", "import", "write", "split", "merge", "update", "untracked")
#: People's labels of the change kinds: kind -> (中文, English), read from the catalogue
#: (``val.change_kind.*``, :mod:`landplan.labels`).
KIND_LABELS = {k: (labels.value("change_kind", k, "zh"), labels.value("change_kind", k, "en")) for k in CHANGE_KINDS}
#: Kinds whose new versions name their parents in parent_ids (checked on read).
_LINEAGE_KINDS = ("split", "merge")
_META = ("version_id", "change_id", "ended_by", "valid_from", "valid_to")
#: Meta columns a history written by an older landplan may lack (read as empty).
_LATER_META = ("superseded_by",)
_CHANGE_COLUMNS = ("change_id", "kind", "effective_date", "recorded_at", "command", "summary",
                   "created", "ended", "changed")


# --------------------------------------------------------------------------------------------
# context: which command, which change
# --------------------------------------------------------------------------------------------


@dataclass
class Change:
    """A change to record: what an edit passes to ``Workspace.write("parcels", frame,
    change=…)``. After the write ``change_id`` is the id recorded (``None`` when nothing
    changed or the workspace keeps no history).

    >>> change = Change("update", date=dt.date(2026, 1, 1), summary="fix holders")  # doctest: +SKIP
    >>> ws.write("parcels", parcels, change=change); change.change_id              # doctest: +SKIP
    """

    kind: str
    date: dt.date | None = None
    summary: str = ""
    change_id: int | None = None
    correction: bool = False

    def __post_init__(self) -> None:
        if self.kind not in CHANGE_KINDS:
            raise LandplanError(f"unknown change kind {self.kind!r}; kinds are {', '.join(CHANGE_KINDS)}")

    # read and set like a dict too (``change["change_id"]``), as older callers did
    def __getitem__(self, key: str):
        return getattr(self, key)

    def __setitem__(self, key: str, value) -> None:
        setattr(self, key, value)


# --------------------------------------------------------------------------------------------
# reading and checking
# --------------------------------------------------------------------------------------------


def history_path(workspace) -> Path:
    """The history file of a workspace (it may not exist)."""
    return Path(getattr(workspace, "path", workspace)) / HISTORY_FILE


def keeps_history(workspace) -> bool:
    """Whether the workspace records a history (a folder does; a PostGIS database does not)."""
    return getattr(workspace, "keeps_history", True)


def has_history(workspace) -> bool:
    """Whether the workspace has a recorded history."""
    return keeps_history(workspace) and history_path(workspace).exists()


def _ws(workspace):
    from .folder import (
        Workspace,  # the queries take a path too; the folder store imports this module
    )

    return Workspace.open(workspace)


def read_history(workspace) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The ``versions`` and ``changes`` of a workspace's history, checked.

    Raises
    ------
    InputFileError
        When the file cannot be read or is inconsistent (the message names the file, the
        feature and the field).
    LandplanError
        When the workspace has no history.
    """
    path = history_path(workspace)
    _ws(workspace)._settle()
    if not path.exists():
        raise LandplanError(f"{path}: the workspace has no history yet")
    try:
        layers = {str(n) for n, _ in pyogrio.list_layers(path)}
        if not {"versions", "changes"} <= layers:
            missing = ", ".join(sorted({"versions", "changes"} - layers))
            raise InputFileError(str(path), f"has no layer {missing}; restore the file from a backup")
        versions = pyogrio.read_dataframe(path, layer="versions", use_arrow=True)
        changes = pd.DataFrame(pyogrio.read_dataframe(path, layer="changes", use_arrow=True))
        if "change_id" in changes and "effective_date" in changes:
            changes = _read_changes(path, changes)
    except InputFileError:
        raise
    except Exception as exc:  # GDAL's own errors: not a GeoPackage, truncated, locked …
        raise InputFileError(str(path), f"cannot be read ({exc}); restore it from a backup") from None
    for name, frame, columns in (("versions", versions, ("parcel_id", *_META)),
                                 ("changes", changes, _CHANGE_COLUMNS)):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise InputFileError(f"{path}, layer {name}", f"has no column {', '.join(missing)}",
                                 field=missing[0])
    versions = versions.reset_index(drop=True)
    changes = changes.reset_index(drop=True)
    for column in _LATER_META:
        if column not in versions.columns:
            versions[column] = pd.array([pd.NA] * len(versions), dtype="Int64")
    versions = conform("parcels", versions, source=f"{path}, layer versions")
    versions = versions.set_geometry(single_part(versions.geometry.to_numpy()), crs=versions.crs)
    versions = _typed(versions, path, "versions", ints=("version_id", "change_id", "ended_by", "superseded_by"),
                      dates=("valid_from", "valid_to"))
    check_history(versions, changes, path=path)
    return versions, changes


def _read_changes(path: Path, changes: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``changes`` layer of a history file (or its frame as read), typed, text as text."""
    if changes is None:
        changes = pd.DataFrame(pyogrio.read_dataframe(path, layer="changes", use_arrow=True))
    changes = _typed(changes, path, "changes", ints=("change_id",), dates=("effective_date",))
    for column in ("kind", "recorded_at", "command", "summary", "created", "ended", "changed"):
        if column in changes:
            changes[column] = changes[column].astype(object).where(changes[column].notna(), "").astype(str)
    return changes


def _typed(frame, path, layer, *, ints=(), dates=()):
    frame = frame.copy()
    for column in ints:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = (values.isna() & frame[column].notna()) | (values.notna() & (values % 1 != 0))
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputFileError(f"{path}, layer {layer}", f"{frame[column].iloc[pos]!r} is not a "
                                 "whole number", where=f"feature {pos + 1}", field=column)
        frame[column] = values.astype("Int64")
    for column in dates:
        values = pd.to_datetime(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna()
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputFileError(f"{path}, layer {layer}", f"{frame[column].iloc[pos]!r} is not a "
                                 "date", where=f"feature {pos + 1}", field=column)
        frame[column] = values.dt.normalize().astype("datetime64[ms]")
    return frame


def check_history(versions: pd.DataFrame, changes: pd.DataFrame, *, path="history") -> None:
    """Raise :class:`InputFileError` at the first inconsistency of a history.

    Checks: change ids present and unique; version ids present and unique; every version's
    ``change_id`` and ``ended_by`` name a change; ``valid_to`` set exactly when ``ended_by``
    is; ``valid_from <= valid_to``; no two versions of one parcel in force on the same day;
    the parcels a split or merge made name parents whose versions that change ended.
    """
    vpath, cpath = f"{path}, layer versions", f"{path}, layer changes"

    def bad(rows: np.ndarray | pd.Series, where_path: str, fieldname: str, message) -> None:
        rows = np.asarray(rows, dtype=bool)
        if rows.any():
            pos = int(np.flatnonzero(rows)[0])
            text = message(pos) if callable(message) else message
            raise InputFileError(where_path, text, where=f"feature {pos + 1}", field=fieldname)

    cid = changes["change_id"]
    bad(cid.isna(), cpath, "change_id", "empty change_id")
    bad(cid.duplicated(), cpath, "change_id", lambda p: f"change {cid.iloc[p]} appears twice")
    kinds = changes["kind"]
    bad(~kinds.isin(CHANGE_KINDS), cpath, "kind",
        lambda p: f"unknown kind {kinds.iloc[p]!r} (kinds: {', '.join(CHANGE_KINDS)})")
    vid = versions["version_id"]
    bad(vid.isna(), vpath, "version_id", "empty version_id")
    bad(vid.duplicated(), vpath, "version_id", lambda p: f"version {vid.iloc[p]} appears twice")
    bad(versions["parcel_id"].isna(), vpath, "parcel_id", "empty parcel_id")
    known = set(cid.dropna())
    for column in ("change_id", "ended_by", "superseded_by"):
        values = versions[column]
        required = column == "change_id"
        missing = (values.isna() & required) | (values.notna() & ~values.isin(known))
        bad(missing, vpath, column, lambda p, c=column, v=values: (
            f"version {vid.iloc[p]} points to change {v.iloc[p]}, which is not in the changes layer"
            if pd.notna(v.iloc[p]) else f"version {vid.iloc[p]} names no change"))
    start, end = versions["valid_from"], versions["valid_to"]
    bad(end.isna() != versions["ended_by"].isna(), vpath, "valid_to",
        lambda p: f"version {vid.iloc[p]}: valid_to and ended_by must be both set or both empty")
    bad(start.notna() & end.notna() & (start > end), vpath, "valid_to",
        lambda p: f"version {vid.iloc[p]} ends ({end.iloc[p]:%Y-%m-%d}) before it starts "
                  f"({start.iloc[p]:%Y-%m-%d})")
    # no overlap: per parcel, sorted by start, each version starts at or after the previous end
    # (a version a correction superseded is in force on no day)
    lo = start.fillna(pd.Timestamp("1000-01-01")).astype("datetime64[ms]")  # since always
    hi = end.fillna(pd.Timestamp("9999-12-31")).astype("datetime64[ms]")  # still in force
    order = pd.DataFrame({"id": versions["parcel_id"], "lo": lo, "hi": hi, "pos": np.arange(len(versions))})
    order = order[_live(versions)]
    order = order.sort_values(["id", "lo", "hi", "pos"], kind="stable")
    same = order["id"].eq(order["id"].shift())
    previous_end = order["hi"].shift()
    overlap = same & (order["lo"] < previous_end) & (order["hi"] > order["lo"])
    if overlap.any():
        first = order[overlap].iloc[0]
        prior = order.loc[order.index[order.index.get_loc(first.name) - 1]]
        rows = np.zeros(len(versions), dtype=bool)
        rows[int(first["pos"])] = True
        bad(rows, vpath, "valid_from", f"parcel {first['id']}: versions {vid.iloc[int(prior['pos'])]} "
            f"and {vid.iloc[int(first['pos'])]} are in force on the same days")
    # children of splits and merges have parents ended by the same change
    kind_of = dict(zip(cid, kinds, strict=True))
    made_by = versions["change_id"].map(kind_of)
    lineage = made_by.isin(_LINEAGE_KINDS).to_numpy()
    ended = set(zip(versions["parcel_id"], versions["ended_by"], strict=True))
    for pos in np.flatnonzero(lineage):
        parents = _ids(versions["parent_ids"].iloc[pos]) if "parent_ids" in versions else []
        change = versions["change_id"].iloc[pos]
        lost = [p for p in parents if (p, change) not in ended]
        if not parents or lost:
            rows = np.zeros(len(versions), dtype=bool)
            rows[pos] = True
            what = f"parent {lost[0]} has no version ended by change {change}" if lost else "names no parent"
            bad(rows, vpath, "parent_ids", f"parcel {versions['parcel_id'].iloc[pos]} (made by "
                f"{made_by.iloc[pos]} change {change}): {what}")


def _ids(text) -> list[str]:
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return []
    return [p.strip() for p in str(text).split(",") if p.strip()]


# --------------------------------------------------------------------------------------------
# as of a date
# --------------------------------------------------------------------------------------------


def _live(versions: pd.DataFrame) -> np.ndarray:
    """Versions a correction has not superseded (those are kept, in force on no day)."""
    if "superseded_by" not in versions:
        return np.ones(len(versions), dtype=bool)
    return versions["superseded_by"].isna().to_numpy()


def _in_force(versions: pd.DataFrame, date) -> np.ndarray:
    day = pd.Timestamp(date).normalize()
    start, end = versions["valid_from"], versions["valid_to"]
    return ((start.isna() | (start <= day)) & (end.isna() | (end > day))).to_numpy() & _live(versions)


def _as_parcels(versions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Versions as a parcels layer: meta columns dropped, empty extra columns dropped."""
    out = versions.drop(columns=[c for c in (*_META, *_LATER_META) if c in versions.columns])
    empty = [c for c in out.columns if c != out.geometry.name and c not in PARCELS.by_name
             and out[c].isna().all()]
    return out.drop(columns=empty).reset_index(drop=True)


def parcels_as_of(workspace, date: dt.date | None = None) -> gpd.GeoDataFrame:
    """The parcels as they were on ``date`` (geometry and attributes), canonical dtypes.

    Without a history, or without a date, this is the parcels layer itself.

    Parameters
    ----------
    workspace : Workspace or path
    date : date, optional
        A change effective on ``date`` is in force on it (children on the day of their split).
    """
    ws = _ws(workspace)
    if date is not None and not keeps_history(ws):
        log.warning("%s keeps no history (a PostGIS workspace): the parcels as they are now stand "
                    "for %s", getattr(ws, "display", ws.path), f"{date:%Y-%m-%d}")
    if date is None or not has_history(ws):
        return ws.read("parcels")
    versions, changes = read_history(ws)
    _say_left_out(history_path(ws), versions, changes, date)
    if ws.has("parcels") and len(_untracked(ws, versions)[0]):
        log.warning("%s differs from the versions in force in %s (edited outside landplan); "
                    "the next recorded change records the difference",
                    ws.existing_path("parcels"), history_path(ws))
    return _as_parcels(versions[_in_force(versions, date)])


#: (history file, day, last change) already said by :func:`_say_left_out` in this process.
_SAID: set[tuple] = set()


def _say_left_out(path, versions: pd.DataFrame, changes: pd.DataFrame, date) -> None:
    """One warning line naming the changes whose effect comes after ``date`` (so the state as
    of that date leaves them out): versions they made start later, or versions they ended
    end later. Said once per history, date and last change."""
    day = pd.Timestamp(date).normalize()
    live = _live(versions)
    starts_later = live & (versions["valid_from"] > day).fillna(False).to_numpy()
    ends_later = (versions["valid_to"] > day).fillna(False).to_numpy()
    ids = set(versions.loc[starts_later, "change_id"].dropna()) | set(
        versions.loc[ends_later, "ended_by"].dropna())
    key = (str(path), day, int(changes["change_id"].max()) if len(changes) else 0)
    if not ids or key in _SAID:
        return
    _SAID.add(key)
    parcels = set(versions.loc[starts_later | ends_later, "parcel_id"])
    later = changes[changes["change_id"].isin(ids)].sort_values("change_id")
    named = [f"{c.change_id} {c.kind} {c.effective_date:%Y-%m-%d}" if pd.notna(c.effective_date)
             else f"{c.change_id} {c.kind}" for c in later.head(3).itertuples()]
    more = f" and {len(later) - 3} more" if len(later) > 3 else ""
    log.warning("as of %s: %d later change(s) left out, %d parcel(s) differ today (change %s%s)",
                f"{day:%Y-%m-%d}", len(later), len(parcels), ", ".join(named), more)


# --------------------------------------------------------------------------------------------
# comparing states
# --------------------------------------------------------------------------------------------


def _equal_columns(a: pd.DataFrame, b: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per column, whether aligned rows of ``a`` and ``b`` hold the same value (NA = NA)."""
    out: dict[str, np.ndarray] = {}
    geom_a, geom_b = a.geometry.name, b.geometry.name
    columns = [c for c in dict.fromkeys([*a.columns, *b.columns]) if c not in (geom_a, geom_b)]
    n = len(a)
    for column in columns:
        x = a[column] if column in a else pd.Series([None] * n, index=a.index, dtype=object)
        y = b[column] if column in b else pd.Series([None] * n, index=b.index, dtype=object)
        nx, ny = x.isna().to_numpy(), y.isna().to_numpy()
        xo = np.asarray(x.astype(object).where(~x.isna(), None), dtype=object)
        yo = np.asarray(y.astype(object).where(~y.isna(), None), dtype=object)
        same = np.asarray(xo == yo, dtype=bool) if n else np.zeros(0, dtype=bool)
        out[column] = (nx & ny) | (~nx & ~ny & same)
    ga = np.asarray(a.geometry.to_numpy(), dtype=object)
    gb = np.asarray(b.geometry.to_numpy(), dtype=object)
    out["geometry"] = shapely.equals_exact(ga, gb, tolerance=0.0) & (
        shapely.get_type_id(ga) == shapely.get_type_id(gb))
    return out


def changed_columns(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> list[str]:
    """The columns (``geometry`` included) whose value differs between two one-row frames
    (a missing value equals a missing value)."""
    equal = _equal_columns(before.reset_index(drop=True), after.reset_index(drop=True))
    return [c for c, same in equal.items() if not bool(same[0])]


def _diff(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame) -> tuple[list, list, list]:
    """(created, ended, changed) parcel ids from state ``old`` to state ``new``."""
    old_ids, new_ids = pd.Index(old["parcel_id"]), pd.Index(new["parcel_id"])
    created = [p for p in new_ids if p not in old_ids]
    ended = [p for p in old_ids if p not in new_ids]
    both = [p for p in new_ids if p in old_ids]
    changed: list = []
    if both:
        a = old.set_index("parcel_id", drop=False).loc[both]
        b = new.set_index("parcel_id", drop=False).loc[both]
        equal = np.logical_and.reduce(list(_equal_columns(a, b).values()))
        changed = [p for p, same in zip(both, equal, strict=True) if not same]
    return created, ended, changed


def _current(versions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return _as_parcels(versions[versions["valid_to"].isna().to_numpy() & _live(versions)])


def _untracked(ws, versions) -> tuple[list, list, list]:
    return _diff(_current(versions), ws.read("parcels"))


# --------------------------------------------------------------------------------------------
# recording a write (the hook of Workspace.write)
# --------------------------------------------------------------------------------------------


def record_write(ws, frame: gpd.GeoDataFrame, fmt: str, *, change: Change | None = None) -> Path:
    """Write the parcels layer (format ``fmt``), recording the change when one is due.

    Called by :meth:`landplan.workspace.Workspace.write` for the parcels layer with the
    validated frame, holding the workspace lock. Records when ``change`` is given (an edit's
    or an import's, explicitly) or the workspace already has a history; otherwise just
    stores. The
    layer, the history and ``changes.csv`` are written as one commit
    (:func:`landplan.io.atomic.commit`): a process killed at any moment leaves all three old
    or all three new.
    """
    meta = change
    path = history_path(ws)
    if not keeps_history(ws) or (meta is None and not path.exists()):
        return ws._store("parcels", frame, fmt)
    meta = meta or Change("write")
    frame = frame.set_geometry(single_part(frame.geometry.to_numpy()), crs=frame.crs)
    today = dt.date.today()
    date = pd.Timestamp(meta["date"] or today).normalize()
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    command = current_command()
    if path.exists():
        versions, changes = read_history(ws)
    else:
        versions, changes = _empty_versions(frame), pd.DataFrame(columns=list(_CHANGE_COLUMNS))
        if ws.has("parcels") and len(existing := ws.read("parcels")):
            versions, changes = _append(versions, changes, existing, kind="baseline", date=None,
                                        recorded_at=now, command=command, since_always=True,
                                        summary=f"history started from {ws.existing_path('parcels')} "
                                                "as it was: in force for every earlier date")
    if len(changes) and ws.has("parcels"):
        created, ended, changed = _untracked(ws, versions)
        if created or ended or changed:
            source = ws.existing_path("parcels")
            mtime = pd.Timestamp(dt.datetime.fromtimestamp(source.stat().st_mtime).date())
            latest = versions["valid_from"].max()
            when = max(mtime, latest) if pd.notna(latest) else mtime
            versions, changes = _append(versions, changes, ws.read("parcels"), kind="untracked",
                                        date=when, recorded_at=now, command="(outside landplan)",
                                        summary=f"{source} was edited outside landplan; found by: {command}")
    first_state = len(changes) == 0
    created, ended, changed = _diff(_current(versions), frame) if not first_state else (
        list(frame["parcel_id"]), [], [])
    if not (created or ended or changed) and meta["kind"] in ("write", "update"):
        return ws._store("parcels", frame, fmt)  # a write or update that changes nothing is not a change
    # an import without a date corrects the record: what is known about the parcels as they are
    correction = meta["kind"] == "import" and meta["date"] is None and not first_state
    meta["correction"] = correction
    _check_dates(versions, date, ended if correction else ended + changed,
                 [] if correction else created, path, "effective_date" if meta["kind"] == "import" else "date")
    summary = meta["summary"] or meta["kind"]
    if correction:
        summary = f"correction of the record (no effective date; validity unchanged): {summary}"
    versions, changes = _append(versions, changes, frame, kind=meta["kind"], date=date,
                                recorded_at=now, command=command, since_always=first_state,
                                summary=summary, diff=(created, ended, changed),
                                correction=correction)
    meta["change_id"] = int(changes["change_id"].iloc[-1])
    check_history(versions, changes, path=path)
    target, log_copy = ws.layer_path("parcels", fmt), Path(ws.path) / LOG_COPY
    with staged(target) as tmp_layer, staged(path) as tmp_history, staged(log_copy) as tmp_log:
        ws._write_file("parcels", frame, fmt, tmp_layer)
        _write_history(tmp_history, versions, changes)
        _write_log_copy(tmp_log, changes)
    commit(ws.path, [(tmp_layer, target), (tmp_history, path), (tmp_log, log_copy)])
    ws._stored("parcels", fmt, len(frame))
    mark_synced(ws)
    log.info("recorded change %s (%s) in %s", meta["change_id"], meta["kind"], path)
    return target


def _empty_versions(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame.iloc[0:0].copy()
    for column in ("version_id", "change_id", "ended_by", *_LATER_META):
        out[column] = pd.Series(dtype="Int64")
    for column in ("valid_from", "valid_to"):
        out[column] = pd.Series(dtype="datetime64[ms]")
    return out


def _check_dates(versions, date: pd.Timestamp, ending: list, created: list, path, param: str = "date") -> None:
    """Refuse an edit effective before a version it would end or overlap: a
    :class:`ParameterError` of ``param``, the parameter that gave the effective date."""
    if not len(versions):
        return
    versions = versions[_live(versions)]
    ids = versions["parcel_id"]
    open_ = versions["valid_to"].isna()
    late = ids.isin(ending) & open_ & versions["valid_from"].notna() & (versions["valid_from"] > date)
    late |= ids.isin(created) & versions["valid_to"].notna() & (versions["valid_to"] > date)
    if late.any():
        row = versions[late.to_numpy()].iloc[0]
        since = row["valid_from"] if row["valid_from"] > date else row["valid_to"]
        raise ParameterError(
            param, date, f"{path}: parcel {row['parcel_id']} has a version in force from {since:%Y-%m-%d} "
            f"(change {row['change_id']}); an edit cannot come before it: give "
            f"`{param}='{since:%Y-%m-%d}'` or later", shown=f"{date:%Y-%m-%d}")


def _append(versions, changes, state, *, kind, date, recorded_at, command, summary,
            since_always=False, diff=None, correction=False):
    """The history with ``state`` recorded as one change of ``kind`` effective ``date``.

    A ``correction`` changes the record instead of the world: the versions in force of the
    changed parcels are superseded (kept, in force on no day) by versions with the new values
    and the same validity; new parcels hold since always (or since their id's last version
    ended); parcels the state no longer has end on ``date``. Its effective date is empty.
    """
    if diff is None:
        diff = _diff(_current(versions), state) if len(changes) else (list(state["parcel_id"]), [], [])
    created, ended, changed = diff
    change_id = int(changes["change_id"].max()) + 1 if len(changes) else 1
    versions = versions.copy()
    open_ = (versions["valid_to"].isna().to_numpy() & _live(versions)) if len(versions) else \
        np.zeros(0, dtype=bool)
    closing = versions["parcel_id"].isin(ended if correction else ended + changed).to_numpy() & open_
    versions.loc[closing, "valid_to"] = date
    versions.loc[closing, "ended_by"] = change_id
    new = state[state["parcel_id"].isin(created + changed).to_numpy()].copy()
    first = int(versions["version_id"].max()) + 1 if len(versions) else 1
    new["version_id"] = pd.array(range(first, first + len(new)), dtype="Int64")
    new["change_id"] = pd.array([change_id] * len(new), dtype="Int64")
    new["ended_by"] = pd.array([pd.NA] * len(new), dtype="Int64")
    new["superseded_by"] = pd.array([pd.NA] * len(new), dtype="Int64")
    starts = [pd.NaT if since_always else date] * len(new)
    if correction:
        superseded = versions["parcel_id"].isin(changed).to_numpy() & open_
        versions.loc[superseded, "superseded_by"] = change_id
        kept_from = dict(zip(versions.loc[superseded, "parcel_id"], versions.loc[superseded, "valid_from"],
                             strict=True))
        live = versions[_live(versions)]
        last_end = live.groupby("parcel_id")["valid_to"].max() if len(live) else pd.Series(dtype=object)
        starts = [kept_from[pid] if pid in kept_from else last_end.get(pid, pd.NaT)
                  for pid in new["parcel_id"]]
    new["valid_from"] = pd.Series(starts, index=new.index, dtype="datetime64[ms]")
    new["valid_to"] = pd.Series([pd.NaT] * len(new), index=new.index, dtype="datetime64[ms]")
    if "superseded_by" not in versions:
        versions["superseded_by"] = pd.array([pd.NA] * len(versions), dtype="Int64")
    if len(versions):
        combined = pd.concat([versions, new], ignore_index=True)
    else:
        combined = new.reset_index(drop=True)
    combined = gpd.GeoDataFrame(combined, geometry=state.geometry.name, crs=state.crs)
    counts = ", ".join(f"{n} {w}" for n, w in ((len(created), "created"), (len(ended), "ended"),
                                               (len(changed), "changed")) if n) or "no parcel changed"
    if kind == "baseline":
        counts = f"{len(created)} parcels"
    row = {"change_id": change_id, "kind": kind,
           "effective_date": pd.NaT if date is None or correction else pd.Timestamp(date),
           "recorded_at": recorded_at, "command": command, "summary": f"{summary} ({counts})",
           "created": "" if kind == "baseline" else ",".join(created),  # baseline: every parcel
           "ended": ",".join(ended), "changed": ",".join(changed)}
    changes = pd.concat([changes, pd.DataFrame([row])], ignore_index=True) if len(changes) else \
        pd.DataFrame([row])
    changes["change_id"] = changes["change_id"].astype("Int64")
    changes["effective_date"] = pd.to_datetime(changes["effective_date"]).astype("datetime64[ms]")
    return combined, changes


def _write_history(target: Path, versions: gpd.GeoDataFrame, changes: pd.DataFrame) -> None:
    pyogrio.write_dataframe(ogr_frame(versions), target, layer="versions", driver="GPKG",
                            use_arrow=True, promote_to_multi=True)
    table = changes.copy()
    table["effective_date"] = [None if pd.isna(v) else v.date() for v in table["effective_date"]]
    pyogrio.write_dataframe(table, target, layer="changes", driver="GPKG")


def _write_log_copy(target: Path, changes: pd.DataFrame) -> None:
    from ..io.writers import write_csv  # it imports the Workspace: see tests/test_import_graph.py

    write_csv(change_table(changes), target)


def change_table(changes: pd.DataFrame) -> pd.DataFrame:
    """The change log as people read it: dates as text, one row per change."""
    out = changes.loc[:, list(_CHANGE_COLUMNS)].copy()
    out["effective_date"] = out["effective_date"].dt.strftime("%Y-%m-%d").fillna("")
    return out


# --------------------------------------------------------------------------------------------
# queries
# --------------------------------------------------------------------------------------------


def change_log(workspace) -> pd.DataFrame:
    """Every recorded change, oldest first (empty without a history)."""
    ws = _ws(workspace)
    if not has_history(ws):
        return pd.DataFrame(columns=list(_CHANGE_COLUMNS))
    return read_history(ws)[1]


def _lineage(versions: pd.DataFrame, parcel_id: str) -> dict[str, str]:
    """parcel id -> relation (``self``, ``ancestor``, ``descendant``) through parent_ids."""
    parents: dict[str, set[str]] = {}
    if "parent_ids" in versions:
        for pid, text in zip(versions["parcel_id"], versions["parent_ids"], strict=True):
            parents.setdefault(pid, set()).update(_ids(text))
    children: dict[str, set[str]] = {}
    for child, ps in parents.items():
        for p in ps:
            children.setdefault(p, set()).add(child)
    relation = {parcel_id: "self"}
    for table, name in ((parents, "ancestor"), (children, "descendant")):
        todo = [parcel_id]
        while todo:
            for nxt in table.get(todo.pop(), ()):
                if nxt not in relation:
                    relation[nxt] = name
                    todo.append(nxt)
    return relation


_HISTORY_COLUMNS = ["relation", "parcel_id", "version_id", "valid_from", "valid_to", "change_id",
                    "kind", "effective_date", "recorded_at", "command", "ended_by", "parent_ids",
                    "area_m2", "summary", "superseded_by"]


def parcel_history(workspace, parcel_id: str) -> pd.DataFrame:
    """Every version of a parcel, its ancestors and its descendants (its lineage).

    Returns
    -------
    DataFrame
        One row per version: relation (self, ancestor, descendant), parcel_id, version_id,
        valid_from, valid_to, change_id, kind, effective_date, recorded_at, command (of the
        change that made the version), ended_by, parent_ids, area_m2 and the change summary;
        ordered by valid_from then version. Without a history the parcel's one version from
        the parcels layer (valid always).
    """
    ws = _ws(workspace)
    if has_history(ws):
        versions, changes = read_history(ws)
    else:
        parcels = ws.read("parcels")
        versions = _empty_versions(parcels)
        versions = pd.concat([versions, parcels], ignore_index=True) if len(parcels) else versions
        versions = gpd.GeoDataFrame(versions, geometry=parcels.geometry.name, crs=parcels.crs)
        changes = pd.DataFrame(columns=list(_CHANGE_COLUMNS))
    if parcel_id not in set(versions["parcel_id"]):
        raise LandplanError(f"parcel {parcel_id!r} is not in the workspace {ws.path} nor in its history")
    relation = _lineage(versions, parcel_id)
    rows = versions[versions["parcel_id"].isin(list(relation)).to_numpy()].copy()
    rows["relation"] = rows["parcel_id"].map(relation)
    rows["area_m2"] = area_m2(rows).to_numpy()
    info = changes.set_index("change_id") if len(changes) else None
    for column in ("kind", "effective_date", "recorded_at", "command", "summary"):
        rows[column] = rows["change_id"].map(info[column]) if info is not None else None
    if "parent_ids" not in rows:
        rows["parent_ids"] = None
    rows = rows.sort_values(["valid_from", "version_id"], na_position="first", kind="stable")
    return pd.DataFrame(rows[_HISTORY_COLUMNS]).reset_index(drop=True)


def changes_between(workspace, start: dt.date, end: dt.date) -> pd.DataFrame:
    """What changed with an effective date in ``[start, end]``, one row per change × parcel.

    For revitalization target tracking (``changes_between(ws, date(2026, 1, 1),
    date(2026, 12, 31))``): which parcels were split, merged, updated or imported that year.

    Returns
    -------
    DataFrame
        change_id, kind, effective_date, recorded_at, command, parcel_id, action
        (``created``, ``ended`` or ``changed``), changed_columns (for ``changed``: the columns
        whose value differs, ``geometry`` included), area_m2_before, area_m2_after.
        Empty without a history.
    """
    columns = ["change_id", "kind", "effective_date", "recorded_at", "command", "parcel_id",
               "action", "changed_columns", "area_m2_before", "area_m2_after"]
    ws = _ws(workspace)
    if not has_history(ws):
        return pd.DataFrame(columns=columns)
    versions, changes = read_history(ws)
    lo, hi = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    eff = changes["effective_date"]
    picked = changes[(eff >= lo) & (eff <= hi)]
    versions = versions.copy()
    versions["area_m2"] = area_m2(versions).to_numpy() if len(versions) else []
    rows = []
    for change in picked.itertuples(index=False):
        made = versions[_is(versions["change_id"], change.change_id)].set_index("parcel_id", drop=False)
        gone = versions[_is(versions["ended_by"], change.change_id)
                        | _is(versions["superseded_by"], change.change_id)].set_index("parcel_id", drop=False)
        changed = _ids(change.changed)
        differs: dict[str, str] = {}
        if changed:
            meta = [*_META, *_LATER_META]
            equal = _equal_columns(gone.loc[changed].drop(columns=meta, errors="ignore"),
                                   made.loc[changed].drop(columns=meta, errors="ignore"))
            for k, pid in enumerate(changed):
                differs[pid] = ",".join(c for c, same in equal.items() if not same[k] and c != "area_m2")
        for action, ids in (("created", _ids(change.created)), ("ended", _ids(change.ended)),
                            ("changed", changed)):
            for pid in ids:
                rows.append({
                    "change_id": change.change_id, "kind": change.kind,
                    "effective_date": change.effective_date, "recorded_at": change.recorded_at,
                    "command": change.command, "parcel_id": pid, "action": action,
                    "changed_columns": differs.get(pid, ""),
                    "area_m2_before": float(gone.loc[pid, "area_m2"]) if pid in gone.index else np.nan,
                    "area_m2_after": float(made.loc[pid, "area_m2"]) if pid in made.index else np.nan,
                })
    return pd.DataFrame(rows, columns=columns)


def _is(series: pd.Series, value) -> np.ndarray:
    return series.eq(value).fillna(False).to_numpy(dtype=bool)


def used_ids(workspace) -> set[str]:
    """Every parcel id the workspace has or ever had (new ids must not collide with them)."""
    ws = _ws(workspace)
    ids = set(ws.read("parcels")["parcel_id"]) if ws.has("parcels") else set()
    if has_history(ws):
        ids |= set(read_history(ws)[0]["parcel_id"])
    return ids


# --------------------------------------------------------------------------------------------
# an update in place (one parcel's attributes: the row updated, the history appended)
# --------------------------------------------------------------------------------------------


def _stamp(path: Path) -> str | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return f"{st.st_mtime_ns}:{st.st_size}"  # no inode: a copy of the workspace (copy2) stays in sync


def _sync_state(ws) -> dict:
    layer = ws.existing_path("parcels")
    return {"parcels": None if layer is None else f"{layer.name}:{_stamp(layer)}",
            "history": _stamp(history_path(ws))}


def mark_synced(ws) -> None:
    """Note that the parcels layer and the history, as they are now, were written together.

    An edit made in place (:func:`landplan.store.inplace.update_in_place`) relies on it: while both files are as
    noted, the versions in force are the parcels layer (nothing was edited outside landplan)
    and the history was checked when written, so neither needs reading. A file changed since
    (QGIS, a copy, a killed writer) makes the next edit take the full path, which finds and
    records the difference. The note is a cache: losing it costs one full edit.
    """
    import json

    target = Path(ws.path) / SYNC_FILE
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(_sync_state(ws)), encoding="utf-8")


def in_sync(ws) -> bool:
    """Whether the parcels layer and the history are as landplan last wrote them together."""
    import json

    if not keeps_history(ws) or not history_path(ws).exists():
        return False
    try:
        noted = json.loads((Path(ws.path) / SYNC_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return noted == _sync_state(ws)
