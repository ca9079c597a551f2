"""Parcel editing: split, merge and update parcels, each recorded in the history.

Every edit reads the current parcels layer, builds the new one and writes it through
:meth:`landplan.store.Workspace.write` with its :class:`landplan.history.Change`, so the
change goes to ``parcels/history.gpkg`` with its effective date and command. An update of
one parcel is made in place when the store can (:func:`landplan.store.inplace.update_in_place`; a
PostGIS table: one UPDATE): the same result without rewriting the park. A refused edit
raises :class:`EditError` before anything is written.

Attribute rules
---------------
*Extensive* columns are amounts that belong to the land: a name ending in ``_m2``, ``_mu``,
``_wan`` or ``_kva`` that is not a rate (no ``_per_`` in it, so ``contract_tax_per_mu_wan`` is
not one), and the counts :data:`COUNT_COLUMNS` (graves moved, houses demolished, households
resettled). Everything else (codes, text, dates, booleans, rates, ratios, percentages) is
*intensive*.

- **split**: each child gets the parent's extensive values times its share of the parent's
  area (the last child takes the remainder, so children sum to the parent exactly); counts
  are apportioned by largest remainder so they stay whole and sum to the parent's; intensive
  values are copied. ``parent_ids`` is the parent's id.
- **merge**: extensive values are summed (empty when empty in every parcel); an intensive
  value the parcels share is kept; when they differ the merge is refused, naming the columns,
  unless ``keep`` names the parcel whose values win. ``parent_ids`` lists the merged ids.
- New ids never collide with an id the workspace has or ever had (its history included).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon
from shapely.ops import split as _split

from . import labels
from .crs import metric_crs
from .errors import LandplanError, ParameterError
from .labels import text
from .schema import PARCELS, coerce_column, validate_layer
from .store import NotInPlace, Workspace, history, inplace
from .store.history import keeps_history, used_ids
from .units import M2_PER_MU

__all__ = [
    "EditError",
    "EditParameterError",
    "EditResult",
    "split_parcel",
    "merge_parcels",
    "update_parcel",
    "is_extensive",
    "COUNT_COLUMNS",
    "AREA_TOLERANCE_M2",
    "ADJACENCY_TOLERANCE_M",
]

log = logging.getLogger(__name__)

#: Whole-number counts apportioned by area on a split and summed on a merge.
COUNT_COLUMNS = ("graves_moved", "houses_demolished", "households_resettled")
#: How close a split into a target area gets (m²), and the largest area error accepted.
AREA_TOLERANCE_M2 = 0.01
#: Parcels closer than this (m) are snapped together before their shared boundary is measured.
ADJACENCY_TOLERANCE_M = 0.01
_EXTENSIVE_SUFFIXES = ("_m2", "_mu", "_wan", "_kva")


class EditError(LandplanError):
    """An edit of the parcels that cannot be made as asked (nothing was written)."""


class EditParameterError(ParameterError, EditError):
    """An edit refused for the value of one of its parameters ("`keep`='X': …"); both an
    :class:`EditError` and a :class:`~landplan.errors.ParameterError`."""


@dataclass
class EditResult:
    """What an edit did: the change recorded, the parcels it ended and the ones it made."""

    kind: str
    change_id: int | None
    date: dt.date
    before: gpd.GeoDataFrame
    after: gpd.GeoDataFrame
    #: The parcel whose values a merge kept where the parcels differ (None: no such choice).
    kept: str | None = None
    #: Whether the workspace records a history (a PostGIS workspace does not).
    recorded: bool = True

    def lines(self, lang: str = "zh") -> list[str]:
        """The result as the command line prints it, in ``lang`` (areas in m² to the split's
        0.01 m² and in 亩)."""
        lang = labels.check_lang(lang)

        def parcels(frame):
            areas = frame.geometry.area.to_numpy(dtype=float)
            return text.sep("list", lang).join(
                labels.t("summary.edit.parcel", lang, parcel=str(pid), m2=labels.fmt(a, "m2", digits=2),
                         mu=labels.fmt(a / M2_PER_MU, "mu"))
                for pid, a in zip(frame["parcel_id"], areas, strict=True))

        out = [labels.t("summary.edit.head", lang, kind=labels.value("change_kind", self.kind, lang),
                        date=f"{self.date:%Y-%m-%d}", before=parcels(self.before), after=parcels(self.after))]
        if self.kept is not None:
            out.append("  " + labels.t("summary.edit.kept", lang, parcel=self.kept))
        if not self.recorded:
            out.append("  " + labels.t("summary.edit.no_history", lang))
        elif self.change_id is not None:
            out.append("  " + labels.t("summary.edit.recorded", lang, change=str(self.change_id)))
        else:
            out.append("  " + labels.t("summary.edit.unchanged", lang))
        return out


def is_extensive(column: str) -> bool:
    """Whether a column is an amount of the land (split by area, summed on merge)."""
    if column in COUNT_COLUMNS:
        return True
    return column.endswith(_EXTENSIVE_SUFFIXES) and "_per_" not in column


def _ws(workspace):
    return Workspace.open(workspace)


def _locked(edit):
    """Run an edit under the workspace's writer lock, from the read it is based on to its write
    (two clerks editing at once: the second waits, then edits the first one's result)."""

    @functools.wraps(edit)
    def run(workspace, *args, **kwargs):
        ws = _ws(workspace)
        with ws.lock():
            return edit(ws, *args, **kwargs)

    return run


def _day(date) -> dt.date:
    return date if date is not None else dt.date.today()


def _parcels(ws) -> gpd.GeoDataFrame:
    if not ws.has("parcels"):
        raise EditError(f"the workspace {ws.path} has no parcels layer; import parcels first")
    parcels = ws.read("parcels")
    if "parent_ids" not in parcels.columns:  # lineage is written by every edit
        parcels["parent_ids"] = pd.Series([None] * len(parcels), index=parcels.index, dtype="str")
    return parcels


def _row(parcels: gpd.GeoDataFrame, parcel_id: str) -> int:
    hits = np.flatnonzero((parcels["parcel_id"] == parcel_id).to_numpy())
    if not len(hits):
        raise EditError(f"parcel {parcel_id!r} is not in the parcels layer "
                        f"({len(parcels)} parcels; ids such as {', '.join(parcels['parcel_id'].head(3))})")
    return int(hits[0])


def _planar_ok(parcels: gpd.GeoDataFrame) -> None:
    target = metric_crs(parcels.crs, parcels.total_bounds)
    if not parcels.crs.equals(target):
        raise EditError(f"the workspace CRS ({parcels.crs.name}) is not the metric CRS to measure "
                        f"these parcels in ({target.name}); edits need a workspace in a metric CRS")


def _commit(ws, kind: str, new: gpd.GeoDataFrame, before, after, date, summary, kept=None) -> EditResult:
    change = history.Change(kind, date=date, summary=summary)
    ws.write("parcels", new.reset_index(drop=True), change=change)
    return EditResult(kind, change.change_id, date, before.reset_index(drop=True),
                      after.reset_index(drop=True), kept, recorded=keeps_history(ws))


def _new_ids(base: str, count: int, taken: set[str]) -> list[str]:
    out, n = [], 1
    for _ in range(count):
        while f"{base}-{n}" in taken:
            n += 1
        out.append(f"{base}-{n}")
        n += 1
    return out


def _given_ids(ids, count: int, taken: set[str], what: str) -> list[str]:
    ids = [str(i).strip() for i in ids]
    if len(ids) != count:
        raise EditError(f"{what}: {count} new ids needed, {len(ids)} given ({', '.join(ids)})")
    if any(not i for i in ids) or len(set(ids)) != len(ids):
        raise EditError(f"{what}: the new ids must be distinct and non-empty ({', '.join(ids)})")
    clash = [i for i in ids if i in taken]
    if clash:
        raise EditError(f"{what}: id {clash[0]} is already used in the workspace or its history")
    return ids


# --------------------------------------------------------------------------------------------
# split
# --------------------------------------------------------------------------------------------


def read_line(line, crs) -> shapely.Geometry:
    """A cut line from a shapely line, WKT text, a WKT file or a vector file with one line.

    A vector file with a CRS is reprojected to ``crs``; WKT is taken to be in ``crs``.
    """
    if isinstance(line, shapely.Geometry):
        geom, source = line, "the line"
    else:
        text = str(line).strip()
        source = text
        if text.upper().startswith(("LINESTRING", "MULTILINESTRING")):
            geom = _wkt(text, "the line")
        else:
            path = Path(text)
            if not path.exists():
                raise EditParameterError("line", text, "neither WKT (LINESTRING (…)) nor an existing file",
                                         shown=text)
            if path.suffix.lower() in {".wkt", ".txt"}:
                geom = _wkt(path.read_text(encoding="utf-8-sig").strip(), str(path))
            else:
                import pyogrio

                try:
                    frame = pyogrio.read_dataframe(path)
                except Exception as exc:
                    raise EditError(f"{path}: cannot be read ({exc})") from None
                if len(frame) != 1:
                    raise EditError(f"{path}: holds {len(frame)} features; give a file with one line")
                if frame.crs is not None and crs is not None and not frame.crs.equals(crs):
                    frame = frame.to_crs(crs)
                geom = frame.geometry.iloc[0]
    if geom is None or geom.is_empty or geom.geom_type not in {"LineString", "MultiLineString"}:
        kind = "an empty geometry" if geom is None or geom.is_empty else f"a {geom.geom_type}"
        raise EditError(f"{source}: a cut line must be a LineString, found {kind}")
    return geom


def _wkt(text: str, source: str):
    try:
        return shapely.from_wkt(text)
    except shapely.errors.GEOSException as exc:
        raise EditError(f"{source}: not valid WKT ({exc})") from None


def _cut_by_line(geom, line, parcel_id: str) -> list:
    if not shapely.intersects(geom, line):
        raise EditError(f"the line misses parcel {parcel_id} (nearest distance "
                        f"{shapely.distance(geom, line):.2f} m)")
    parts = [p for p in shapely.get_parts(_split(geom, line)) if p.geom_type == "Polygon"]
    if len(parts) < 2:
        raise EditError(f"the line does not cut parcel {parcel_id} into two or more parts; it must "
                        "cross the parcel from boundary to boundary")
    small = [p.area for p in parts if p.area < AREA_TOLERANCE_M2]
    if small:
        raise EditError(f"the line cuts a piece of {small[0]:.4f} m² off parcel {parcel_id} "
                        f"(under {AREA_TOLERANCE_M2} m²); move the line")
    parts.sort(key=lambda p: (round(p.centroid.x, 3), round(p.centroid.y, 3)))
    return parts


def _axis(geom) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Origin, unit vector along the longest side of the minimum rotated rectangle, normal."""
    ring = np.asarray(shapely.minimum_rotated_rectangle(geom).exterior.coords)[:4]
    e0, e1 = ring[1] - ring[0], ring[2] - ring[1]
    u = e0 if np.hypot(*e0) >= np.hypot(*e1) else e1
    u = u / np.hypot(*u)
    if u[0] < 0 or (u[0] == 0 and u[1] < 0):  # measured from the west (or south) end
        u = -u
    v = np.array([-u[1], u[0]])
    return ring[0], u, v


def _cut_to_area(geom, target_m2: float, parcel_id: str) -> tuple[list, float]:
    total = geom.area
    if not 0 < target_m2 < total:
        raise EditError(f"target area {target_m2:.2f} m² must lie between 0 and the area of parcel "
                        f"{parcel_id} ({total:.2f} m², {total / M2_PER_MU:.4f} mu)")
    if target_m2 < AREA_TOLERANCE_M2 or total - target_m2 < AREA_TOLERANCE_M2:
        raise EditError(f"target area {target_m2:.4f} m² leaves a piece under {AREA_TOLERANCE_M2} m²")
    origin, u, v = _axis(geom)
    coords = np.asarray(shapely.get_coordinates(geom)) - origin
    s, w = coords @ u, coords @ v
    pad = 1.0 + 0.01 * (s.max() - s.min() + w.max() - w.min())
    s0, w0, w1 = s.min() - pad, w.min() - pad, w.max() + pad

    def half(t: float) -> Polygon:
        pts = [origin + a * u + b * v for a, b in ((s0, w0), (t, w0), (t, w1), (s0, w1))]
        return Polygon(pts)

    lo, hi = float(s.min()), float(s.max())
    t, piece = lo, None
    for _ in range(200):
        t = 0.5 * (lo + hi)
        piece = shapely.intersection(geom, half(t))
        area = piece.area
        if abs(area - target_m2) <= AREA_TOLERANCE_M2 / 10:
            break
        lo, hi = (t, hi) if area < target_m2 else (lo, t)
    rest = shapely.difference(geom, half(t))
    parts = [_polygonal(piece), _polygonal(rest)]
    if abs(parts[0].area - target_m2) > AREA_TOLERANCE_M2:
        raise EditError(f"parcel {parcel_id}: no cut perpendicular to its long axis gives "
                        f"{target_m2:.2f} m² within {AREA_TOLERANCE_M2} m²")
    return parts, t


def _polygonal(geom):
    polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 0]
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _apportion(value, shares: np.ndarray, count: bool):
    if pd.isna(value):
        return [value] * len(shares)
    if count:
        exact = float(value) * shares
        whole = np.floor(exact).astype(int)
        left = int(round(float(value))) - int(whole.sum())
        order = np.argsort(-(exact - whole), kind="stable")
        whole[order[:left]] += 1
        return [int(x) for x in whole]
    parts = [float(value) * s for s in shares[:-1]]
    return [*parts, float(value) - sum(parts)]


@_locked
def split_parcel(
    workspace,
    parcel_id: str,
    *,
    line=None,
    area_m2: float | None = None,
    area_mu: float | None = None,
    ids: list[str] | None = None,
    date: dt.date | None = None,
) -> EditResult:
    """Split a parcel by a line or into a target area; the children replace it.

    Parameters
    ----------
    workspace : Workspace or path
    parcel_id : str
    line : shapely line, WKT text or path, optional
        The cut (workspace CRS). It must cross the parcel so that it falls into ≥ 2 parts;
        children are numbered west to east (then south to north) by centroid.
    area_m2, area_mu : float, optional
        Instead of a line: the area of the first child. The cut is perpendicular to the
        longest side of the parcel's minimum rotated rectangle, placed by bisection to within
        :data:`AREA_TOLERANCE_M2`; the first child lies at the west (or south) end.
    ids : list of str, optional
        Ids of the children (default ``<parent>-1``, ``<parent>-2`` …, skipping used ids).
    date : date, optional
        Effective date (default today).

    Returns
    -------
    EditResult
        ``before`` is the parent, ``after`` the children (areas summing to the parent's).
    """
    ws = _ws(workspace)
    date = _day(date)
    given = [x is not None for x in (line, area_m2, area_mu)]
    if sum(given) != 1:
        raise EditError("split: give exactly one of `line`, `area_m2` or `area_mu`")
    parcels = _parcels(ws)
    pos = _row(parcels, parcel_id)
    _planar_ok(parcels)
    parent = parcels.iloc[[pos]]
    geom = parent.geometry.iloc[0]
    if line is not None:
        parts = _cut_by_line(geom, read_line(line, parcels.crs), parcel_id)
        how = "by a line"
    else:
        target = float(area_m2) if area_m2 is not None else float(area_mu) * M2_PER_MU
        parts, _t = _cut_to_area(geom, target, parcel_id)
        how = f"into {target:.2f} m² + the rest"
    areas = np.array([p.area for p in parts])
    if abs(areas.sum() - geom.area) > AREA_TOLERANCE_M2:
        raise EditError(f"parcel {parcel_id}: the pieces cover {areas.sum():.4f} m² of "
                        f"{geom.area:.4f} m²; is the parcel valid?")
    taken = used_ids(ws)
    child_ids = (_given_ids(ids, len(parts), taken, f"split {parcel_id}") if ids
                 else _new_ids(parcel_id, len(parts), taken))
    shares = areas / areas.sum()
    children = pd.DataFrame({c: [parent[c].iloc[0]] * len(parts) for c in parent.columns
                             if c != parent.geometry.name})
    for column in children.columns:
        if is_extensive(column) and pd.api.types.is_numeric_dtype(parent[column]):
            children[column] = _apportion(parent[column].iloc[0], shares, column in COUNT_COLUMNS)
        children[column] = children[column].astype(parent[column].dtype)
    children["parcel_id"] = child_ids
    children["parent_ids"] = pd.Series([parcel_id] * len(parts), dtype="str")
    children = gpd.GeoDataFrame(children, geometry=list(parts), crs=parcels.crs)
    new = pd.concat([parcels.iloc[:pos], children, parcels.iloc[pos + 1:]], ignore_index=True)
    new = gpd.GeoDataFrame(new, geometry=parcels.geometry.name, crs=parcels.crs)
    summary = f"split {parcel_id} {how} into {', '.join(child_ids)}"
    return _commit(ws, "split", new, parent, children, date, summary)


# --------------------------------------------------------------------------------------------
# merge
# --------------------------------------------------------------------------------------------


def _shared_length(a, b) -> float:
    """Length of boundary ``a`` and ``b`` share, after snapping ``a`` onto ``b`` within tolerance."""
    a = shapely.snap(a, b, ADJACENCY_TOLERANCE_M)
    union = shapely.union(a, b)
    return max(0.0, (a.boundary.length + b.boundary.length - union.boundary.length) / 2)


@_locked
def merge_parcels(
    workspace,
    parcel_ids: list[str],
    *,
    new_id: str | None = None,
    keep: str | None = None,
    date: dt.date | None = None,
) -> EditResult:
    """Merge adjacent parcels into one; it replaces them (at the first one's place).

    Parameters
    ----------
    workspace : Workspace or path
    parcel_ids : list of str
        Two or more distinct ids; together they must be connected by shared boundaries longer
        than 0 (after snapping within :data:`ADJACENCY_TOLERANCE_M`), and must not overlap.
    new_id : str, optional
        Id of the merged parcel (default the ids joined by ``+``); never an id already used.
    keep : str, optional
        The parcel whose intensive values (codes, text, dates) win where the parcels differ.
    date : date, optional
        Effective date (default today).
    """
    ws = _ws(workspace)
    date = _day(date)
    ids = [str(p) for p in parcel_ids]
    if len(ids) < 2:
        raise EditError("merge: give two or more parcel ids")
    dup = sorted({p for p in ids if ids.count(p) > 1})
    if dup:
        raise EditError(f"merge: parcel {dup[0]} is given more than once; a parcel cannot be merged with itself")
    parcels = _parcels(ws)
    rows = [_row(parcels, p) for p in ids]
    if keep is not None and keep not in ids:
        raise EditParameterError("keep", keep, f"not one of the merged parcels ({', '.join(ids)})",
                                 shown=str(keep))
    parts = parcels.iloc[rows]
    geoms = list(parts.geometry)
    n = len(geoms)
    links = {i: set() for i in range(n)}
    for i in range(n):
        for j in range(i + 1, n):
            overlap = shapely.intersection(geoms[i], geoms[j]).area
            if overlap > AREA_TOLERANCE_M2:
                raise EditError(f"merge: parcels {ids[i]} and {ids[j]} overlap by {overlap:.2f} m²; "
                                "fix the boundaries first")
            if _shared_length(geoms[i], geoms[j]) > ADJACENCY_TOLERANCE_M:
                links[i].add(j)
                links[j].add(i)
    seen, todo = {0}, [0]
    while todo:
        for nxt in links[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    if len(seen) < n:
        apart = [ids[k] for k in range(n) if k not in seen]
        raise EditError(f"merge: parcel {apart[0]} shares no boundary with {', '.join(ids[k] for k in sorted(seen))}; "
                        "only adjacent parcels can be merged")
    merged_geom = geoms[0]
    for g in geoms[1:]:
        merged_geom = shapely.union(merged_geom, shapely.snap(g, merged_geom, ADJACENCY_TOLERANCE_M))
    merged_geom = _polygonal(merged_geom)
    total = float(sum(g.area for g in geoms))
    if abs(merged_geom.area - total) > AREA_TOLERANCE_M2:
        raise EditError(f"merge: the merged parcel has {merged_geom.area:.2f} m² but the parcels "
                        f"{total:.2f} m²; they leave gaps or overlap; fix the boundaries first")
    values, conflicts = {}, []
    winner = parts.iloc[ids.index(keep)] if keep else None
    for column in parts.columns:
        if column in (parts.geometry.name, "parcel_id", "parent_ids"):
            continue
        series = parts[column]
        if is_extensive(column) and pd.api.types.is_numeric_dtype(series):
            values[column] = series.sum(min_count=1)
            continue
        distinct = series.astype(object).where(series.notna(), None).tolist()
        if all(_same(distinct[0], x) for x in distinct[1:]):
            values[column] = series.iloc[0]
        elif winner is not None:
            values[column] = winner[column]
        else:
            conflicts.append(column)
    if conflicts:
        raise EditError(f"merge {', '.join(ids)}: they differ in {', '.join(conflicts)}; give "
                        "`keep=ID` to keep one parcel's values for them")
    taken = used_ids(ws)
    merged_id = _given_ids([new_id], 1, taken, "merge")[0] if new_id else _free("+".join(ids), taken)
    values["parcel_id"] = merged_id
    values["parent_ids"] = ",".join(ids)
    merged = pd.DataFrame({c: [values.get(c)] for c in parcels.columns if c != parcels.geometry.name})
    for column in merged.columns:
        merged[column] = merged[column].astype(parcels[column].dtype)
    merged = gpd.GeoDataFrame(merged, geometry=[merged_geom], crs=parcels.crs)
    first = min(rows)
    rest = parcels.drop(index=parcels.index[rows])
    before_first = rest[rest.index < parcels.index[first]]
    after_first = rest[rest.index > parcels.index[first]]
    new = gpd.GeoDataFrame(pd.concat([before_first, merged, after_first], ignore_index=True),
                           geometry=parcels.geometry.name, crs=parcels.crs)
    summary = f"merge {', '.join(ids)} into {merged_id}"
    return _commit(ws, "merge", new, parts, merged, date, summary, str(keep) if keep else None)


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(a == b)


def _free(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    return _new_ids(base, 1, taken)[0]


# --------------------------------------------------------------------------------------------
# update
# --------------------------------------------------------------------------------------------


@_locked
def update_parcel(
    workspace,
    parcel_id: str,
    values: dict[str, object],
    *,
    date: dt.date | None = None,
) -> EditResult:
    """Set attributes of one parcel (``{"status": "在建", "invested_wan": "5200"}``).

    Values are read as on import (Chinese enum names, ``2021年3月1日`` dates, ``是/否``); an
    empty string clears a value. ``parcel_id`` and the geometry cannot be set here (split,
    merge or re-import instead); a column the parcels layer does not know is refused.
    """
    ws = _ws(workspace)
    date = _day(date)
    if not values:
        raise EditError(f"update {parcel_id}: nothing to set; give `values={{'COLUMN': 'VALUE'}}`")
    summary = f"update {parcel_id}: " + ", ".join(f"{k}={v}" for k, v in values.items())
    fast = _update_in_place(ws, parcel_id, values, date, summary)
    if fast is not None:
        return fast
    parcels = _parcels(ws)
    pos = _row(parcels, parcel_id)
    before = parcels.iloc[[pos]].copy()
    new = _set_values(parcels.copy(), pos, values, parcel_id)
    after = new.iloc[[pos]]
    return _commit(ws, "update", new, before, after, date, summary)


def _set_values(new: gpd.GeoDataFrame, pos: int, values: dict[str, object], parcel_id: str) -> gpd.GeoDataFrame:
    """``new`` with ``values`` set in row ``pos`` (read as on import); refused columns raise."""
    for column, value in values.items():
        if column in ("parcel_id", "geometry", new.geometry.name):
            raise EditError(f"update {parcel_id}: {column} cannot be set; split, merge or re-import instead")
        spec = PARCELS.by_name.get(column)
        if spec is None and column not in new.columns:
            raise EditError(f"update {parcel_id}: parcels have no column {column!r}; columns are: "
                            f"{', '.join(PARCELS.column_names)}")
        if spec is not None:
            series, errors = coerce_column(pd.Series([value], dtype=object), spec)
            if errors:
                raise EditError(f"update {parcel_id}, field {column}: {errors[0]}")
            if column not in new.columns:
                new[column] = pd.Series([None] * len(new), index=new.index).astype(series.dtype)
            new[column] = new[column].astype(series.dtype)
            new.iloc[pos, new.columns.get_loc(column)] = series.iloc[0]
        else:
            new.iloc[pos, new.columns.get_loc(column)] = None if str(value) == "" else value
    return new


def _update_in_place(ws, parcel_id: str, values, date: dt.date, summary: str) -> EditResult | None:
    """The update made in place (:func:`landplan.store.inplace.update_in_place`): the parcel's row
    read alone, changed, validated and written with its history in one transaction. ``None``
    when it cannot be (no history yet, files changed outside landplan, a new column, a
    parcel id found other than once): the caller then rewrites the layer and its history."""
    recorded = keeps_history(ws)
    if not (inplace.can_update_in_place(ws) if recorded else hasattr(ws, "update_row")):
        return None
    row = ws.read_rows("parcels", "parcel_id", parcel_id)
    if len(row) != 1 or "parent_ids" not in row.columns:
        return None
    fid = int(row.index[0])
    before = row.reset_index(drop=True)
    after = _set_values(before.copy(), 0, values, parcel_id)
    validate_layer("parcels", after)
    try:
        if recorded:
            change_id = inplace.update_in_place(ws, fid, before, after, date=date, summary=summary)
        else:  # a database keeps no history: the row alone
            change_id = None
            changed = history.changed_columns(before, after)
            if changed:
                ws.update_row("parcels", fid, after, changed)
    except NotInPlace as exc:
        log.info("update %s: rewriting the layer (%s)", parcel_id, exc)
        return None
    return EditResult("update", change_id, date, before, after, None, recorded=recorded)


def parse_date(text: str | None, param: str = "date") -> dt.date | None:
    """``YYYY-MM-DD`` as a date (``None`` stays ``None``); else an :class:`EditParameterError`
    naming ``param``, the parameter the text was given for."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise EditParameterError(param, text, "write the date as YYYY-MM-DD") from None

