"""``landplan import``: turn delivered files into canonical workspace layers, losing nothing.

For every source the importer

1. reads it raw (:func:`landplan.io.readers.open_source`);
2. recognises columns (:func:`landplan.schema.match_column`; ``fields`` adds mappings) and
   converts values, units included (:func:`landplan.schema.coerce_column`);
3. repairs what can be repaired and counts it: invalid polygons are made valid keeping their
   polygonal parts, Z values dropped, network lines without a status taken as ``built``;
4. rejects what cannot be kept — empty geometry, wrong geometry type, duplicate or missing
   id, unknown enum value, unparseable number or date, negative area — with the reason, the
   feature/row and the field, into ``<layer>.rejects.csv`` beside the layer (every source
   value kept as text, the geometry as WKT);
5. brings the geometry to the workspace CRS and writes the layer atomically.

``read == imported + rejected`` always holds; the report says which CRS, encoding and
field mapping were used.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .. import labels
from ..crs import gk_zone_of_crs, is_metric_conformal, metric_crs, parse_crs
from ..errors import InputFileError, SchemaError
from ..geometry import polygonal_part, single_part
from ..schema import (
    ENUM_CODES,
    LAYERS,
    coerce_column,
    layer_spec,
    match_column,
    normalize_header,
    unit_wanted,
)
from ..store import Workspace
from ..store.history import Change
from ..units import UNIT_FACTORS, unit_factor
from .atomic import atomic_path, scratch_dir
from .notes import Column, GeosReason, Note, note_text
from .readers import RawSource, datasets_in, open_source
from .writers import write_csv

__all__ = ["ImportReport", "import_layer", "IMPORT_LAYERS", "NothingImportedError", "REJECT_LINES"]

log = logging.getLogger(__name__)

#: Layers ``landplan import`` writes (``terrain`` takes a DEM GeoTIFF).
IMPORT_LAYERS = ("parcels", "roads", "pipelines", "powerlines", "facilities", "terrain", "ledger")
_NETWORK = {"roads", "pipelines", "powerlines", "facilities"}
_FAMILY = {
    "polygon": {"Polygon", "MultiPolygon"},
    "line": {"LineString", "MultiLineString"},
    "point": {"Point", "MultiPoint"},
}


def _family_words(family: str) -> str:
    """A geometry family as an error message names it: ``面 (polygon)``."""
    return f"{labels.t(f'geom.{family}', 'zh')} ({family})"


#: The layers that take each geometry family, as the option to give (wrong geometry refused).
_FAMILY_LAYERS = {"polygon": "`layer='parcels'`", "line": "`layer='roads'` (or pipelines, powerlines)",
                  "point": "`layer='facilities'`"}
#: Rejected features listed one per line (on stderr, on the app's Data page); the rest are
#: counted in one line naming ``<layer>.rejects.csv``, which holds them all.
REJECT_LINES = 20


class NothingImportedError(InputFileError):
    """An import that could keep no feature; nothing was written (the layer, its CRS and its
    rejects file are as they were).

    ``reject_lines`` are the rejected features, one line each (capped as
    :meth:`ImportReport.reject_lines`), empty when every feature failed for one reason and the
    message says it once.
    """

    def __init__(self, path: str, message: str, *, reject_lines: list[str],
                 field: str | None = None) -> None:
        super().__init__(path, message, field=field)
        self.reject_lines = reject_lines


@dataclass
class ImportReport:
    """What an import read, kept, repaired and rejected, and how it interpreted the source."""

    layer: str
    sources: list[str] = field(default_factory=list)
    read: int = 0
    imported: int = 0
    repaired: int = 0
    rejected: int = 0
    updated: int = 0
    crs: str = ""
    crs_source: list[str] = field(default_factory=list)
    encoding: list[str] = field(default_factory=list)
    mapping: list[tuple[str, str, str]] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    #: (source header, column): a header naming a column that needs its unit, without one
    #: (:attr:`~landplan.schema.specs.Column.unit_required`); not imported, the unit asked for
    unit_asked: list[tuple[str, str]] = field(default_factory=list)
    keep_extra: bool = False
    repairs: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    output: str = ""
    rejects_path: str = ""

    def lines(self, lang: str = "en") -> list[str]:
        """The report as printed by the command line (one fact per line), in ``lang``.

        The notes (:class:`~landplan.io.notes.Note`), where the CRS came from and the GEOS
        reason of a repair read in ``lang`` too; plain-string notes stay as written.
        """
        def w(key: str, **fields) -> str:
            return labels.t(f"import.{key}", lang, **fields)

        counts = w("counts", read=self.read, imported=self.imported, repaired=self.repaired,
                   rejected=self.rejected)
        out = [w("head", layer=labels.t(f"layer.{self.layer}", lang) if labels.has(f"layer.{self.layer}")
                 else self.layer, sources=", ".join(self.sources)),
               "  " + counts + (w("updated", n=self.updated) if self.updated else "")]
        if self.crs:
            sources = labels.t("import.note.sep", lang).join(
                dict.fromkeys(note_text(s, lang) for s in self.crs_source if s))
            # a table without geometry has no CRS of its own: the layer it updates keeps its
            crs = _crs_words(self.crs, lang)
            out.append("  " + (w("crs_from", crs=crs, sources=sources) if sources
                               else w("crs_kept", crs=crs)))
        if self.encoding:
            out.append("  " + w("encoding", encodings=", ".join(dict.fromkeys(self.encoding))))
        for src, col, note in self.mapping:
            # English keeps the canonical name, which --field takes; Chinese reads the header
            shown = col if lang == "en" else labels.column(col, lang, layer=self.layer)
            out.append("  " + w("field", source=src, column=shown) + (f" ({note})" if note else ""))
        if self.unmapped and self.keep_extra:
            out.append("  " + w("kept_extra", columns=", ".join(self.unmapped)))
        elif self.unmapped:
            out.append("  " + w("unmapped" if len(self.unmapped) > 1 else "unmapped_one",
                                n=len(self.unmapped), columns=", ".join(self.unmapped)))
        for src, col in self.unit_asked:
            spec = layer_spec(self.layer).by_name[col]
            unit = labels.t("import.unit_example", lang)  # a unit the recognition reads, in the reader's words
            out.append("  " + w("unit_asked", source=src, column=labels.column(col, lang, layer=self.layer), unit=unit,
                                fields=repr({src: f"{spec.aliases[0] if lang == 'zh' else col}({unit})"})))
        for kind, count in sorted(self.repairs.items()):
            code, _, detail = kind.partition(":")
            text = labels.t(f"import.repair.{code}", lang) if labels.has(f"import.repair.{code}") else kind
            detail = GeosReason(detail).text(lang) if code == "made_valid" else detail
            out.append("  " + w("repair", n=count, kind=text + (f" ({detail})" if detail else "")))
        out.extend("  " + w("note", note=note_text(n, lang)) for n in self.notes)
        if self.output:
            out.append("  " + w("written", path=self.output))
        if self.rejects_path:
            out.append("  " + w("rejects", path=self.rejects_path))
        return out

    def reject_lines(self, limit: int | None = REJECT_LINES) -> list[str]:
        """One line per rejected feature: file, feature/row, field, reason; past ``limit``
        lines, one more counting the rest (``… and 80 more in …/parcels.rejects.csv``)."""
        lines = [f"{r['source']}, {r['where']}, field {r['field']}: {r['reason']}"
                 for r in self.rejects[: None if limit is None else limit]]
        if limit is not None and len(self.rejects) > limit:
            where = f" in {self.rejects_path}" if self.rejects_path else ""
            lines.append(f"… and {len(self.rejects) - limit} more{where}")
        return lines


@dataclass
class _Rows:
    """Per-row bookkeeping of one source while it is being converted."""

    raw: RawSource
    reason: dict = field(default_factory=dict)  # position -> [(field, reason), ...]
    headers: dict = field(default_factory=dict)  # canonical column -> source header

    def reject(self, position: int, fieldname: str, reason: str) -> None:
        self.reason.setdefault(position, []).append((self.headers.get(fieldname, fieldname), reason))


def import_layer(
    sources,
    layer: str,
    *,
    workspace: Workspace | str | Path,
    source_layer: str | None = None,
    fields: dict[str, str] | None = None,
    crs=None,
    encoding: str | None = None,
    set_values: dict[str, str] | None = None,
    mode: str = "replace",
    effective_date=None,
    keep_extra: bool = False,
) -> ImportReport:
    """Import one or more files into layer ``layer`` of a workspace.

    Parameters
    ----------
    sources : path or list of paths
        Files (or ``.gdb`` folders, or ``.zip`` archives) to import; several are combined.
    layer : str
        ``parcels``, ``roads``, ``pipelines``, ``powerlines``, ``facilities``, ``ledger`` or
        ``terrain`` (a DEM GeoTIFF). A table without geometry imported into ``parcels``
        updates the attributes of existing parcels by ``parcel_id``.
    workspace : Workspace or path
        Target workspace; its folder is created when missing.
    source_layer : str, optional
        Layer, sheet or zip member to read from a multi-layer source.
    fields : dict, optional
        ``{source column: canonical column}`` for headers the aliases do not know.
    crs : str or CRS, optional
        CRS of the source (overrides a ``.prj``); needed when a file has none and its
        coordinates do not identify one.
    encoding : str, optional
        Text encoding of the source (overrides ``.cpg`` and detection).
    set_values : dict, optional
        ``{canonical column: value}`` given to every imported feature.
    mode : {"replace", "append"}
        Replace the layer, or add to it (ids already present are rejected).
    effective_date : date, optional
        For parcels: the date the imported state takes effect in the workspace history
        (default today; see :mod:`landplan.history`). Every import into parcels is recorded.
    keep_extra : bool
        Write the columns no canonical column recognises into the layer under their source
        names. By default they are left out (a table of 1,000 unknown columns would otherwise
        swell the layer) and the report lists them.

    Returns
    -------
    ImportReport
        Counts, the CRS/encoding/field mapping used and the rejected rows. Bad files raise
        :class:`~landplan.errors.InputFileError`; a bad option raises
        :class:`~landplan.errors.SchemaError`.
    """
    ws = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    if layer not in IMPORT_LAYERS:
        raise SchemaError(f"unknown layer {layer!r}; import into one of: {', '.join(IMPORT_LAYERS)}")
    if mode not in {"replace", "append"}:
        raise SchemaError(f"unknown mode {mode!r}; use replace or append")
    paths = _expand([Path(s) for s in ([sources] if isinstance(sources, (str, Path)) else sources)])
    user_crs = parse_crs(crs) if crs is not None else None
    report = ImportReport(layer, sources=[str(p) for p in paths], keep_extra=keep_extra)
    if layer == "terrain":
        return _import_dem(paths, ws, user_crs, report)
    spec = layer_spec(layer)
    fields, field_units = _check_fields(fields or {}, layer)
    constants = _parse_set(set_values or {}, layer)

    # a parcels import is one change of the history (passed to the write, no ambient state)
    change = Change("import", date=effective_date, summary=f"import {', '.join(report.sources)}") \
        if layer == "parcels" else None
    with scratch_dir("import") as tmp:
        raws = [open_source(p, workdir=Path(tmp) / str(i), source_layer=source_layer,
                            encoding=encoding, crs=user_crs) for i, p in enumerate(paths)]
        for raw in raws:
            report.read += len(raw.frame)
            report.notes.extend(raw.notes)
            if raw.encoding:
                report.encoding.append(raw.encoding)
            if raw.kind == "raster":
                raise InputFileError(raw.path, f"a raster can only be imported as terrain, not {layer}")
        _check_field_sources(fields, raws)
        kinds = {raw.kind for raw in raws}
        if len(kinds) > 1:
            raise InputFileError(raws[0].path, "mixes tables and layers with geometry; import them separately")
        is_table = kinds == {"table"}
        if spec.geometry is not None and is_table and layer != "parcels":
            raise InputFileError(raws[0].path, f"has no geometry; {layer} need "
                                 f"{_family_words(spec.geometry)} features", field="geometry")
        if spec.geometry is None and not is_table:
            raws = [_drop_geometry(raw) for raw in raws]
            is_table = True
        if spec.geometry is not None and not is_table:
            for raw in raws:
                _refuse_wrong_family(raw, spec)

        target_crs = None
        if not is_table and spec.geometry is not None:
            target_crs = ws.crs or _first_metric([r for r in raws])
            report.crs = _crs_name(target_crs)
        frames = []
        all_rows = []
        for raw in raws:
            rows = _Rows(raw)
            frame = _convert(raw, rows, spec, fields, constants, report, keep_extra=keep_extra,
                             field_units=field_units)
            if spec.geometry is not None and not is_table:
                frame = _geometries(raw, rows, frame, spec, target_crs, report)
                report.crs_source.append(raw.crs_source)
            frames.append(frame)
            all_rows.append(rows)

        with ws.lock():  # from reading what the layer holds to writing it: one writer at a time
            _store_import(ws, spec, mode, frames, all_rows, report, is_table=is_table,
                          target_crs=target_crs, change=change)
    assert report.read == report.imported + report.rejected
    return report


# --------------------------------------------------------------------------------------------
# steps
# --------------------------------------------------------------------------------------------
def _store_import(ws: Workspace, spec, mode: str, frames, all_rows, report: ImportReport, *,
                  is_table: bool, target_crs, change: Change | None = None) -> None:
    """Combine the converted frames with what the layer holds (attributes, a ledger's other
    years, an append) and write it; the caller holds the workspace lock."""
    if is_table and spec.geometry is not None:  # attributes joined to existing parcels
        _update_attributes(ws, spec, frames, all_rows, report, change=change)
        return
    _check_ids(spec, frames, all_rows, ws if mode == "append" else None, spec.name)
    if spec.name == "ledger":
        _check_ledger(ws, frames, all_rows)
    if all(len(rows.reason) == len(f) for f, rows in zip(frames, all_rows, strict=True)):
        _refuse_nothing_kept(all_rows, report)
    kept = [f.loc[[i for i in range(len(f)) if i not in rows.reason]] for f, rows in
            zip(frames, all_rows, strict=True)]
    combined = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame()
    if spec.geometry is not None:
        combined = gpd.GeoDataFrame(combined, geometry="geometry", crs=target_crs)
    if spec.name == "ledger" and ws.has(spec.name):  # a year's ledger replaces that year only
        existing = ws.read(spec.name)
        years = set(combined["year"].dropna()) if "year" in combined else set()
        others = existing[~existing["year"].isin(years)]
        if len(others):
            report.notes.append(Note("ledger_other_years", count=len(others),
                                     years=", ".join(str(y) for y in sorted(set(others["year"])))))
        combined = pd.concat([others, combined], ignore_index=True)
    elif mode == "append" and ws.has(spec.name):
        combined = pd.concat([ws.read(spec.name), combined], ignore_index=True)
        if spec.geometry is not None:
            combined = gpd.GeoDataFrame(combined, geometry="geometry", crs=target_crs)
    _collect_rejects(all_rows, report)
    report.imported = report.read - report.rejected
    report.output = str(ws.write(spec.name, combined.reset_index(drop=True), change=change))
    _write_rejects(ws, spec.name, all_rows, report)


def _refuse_wrong_family(raw: RawSource, spec) -> None:
    """Refuse, once, a source none of whose features has the layer's geometry type (lines
    imported as parcels), naming the layer that takes them."""
    types = _type_names(np.asarray(raw.frame.geometry.to_numpy(), dtype=object))
    found = sorted(set(types[types != ""]) - {"GeometryCollection"})
    if not found or len(found) < len(set(types[types != ""])) or set(found) & _FAMILY[spec.geometry]:
        return
    families = {fam for fam, names in _FAMILY.items() if names & set(found)}
    hint = f" — import it as {_FAMILY_LAYERS[families.pop()]}?" if len(families) == 1 else ""
    raise InputFileError(raw.path, f"holds {' and '.join(found)} features; {spec.name} need "
                         f"{_family_words(spec.geometry)} geometry{hint}", field="geometry")


def _refuse_nothing_kept(all_rows: list[_Rows], report: ImportReport) -> None:
    """Raise :class:`NothingImportedError` for an import that keeps no feature: one reason
    shared by all is said once, otherwise the first is named and every one listed."""
    _collect_rejects(all_rows, report)
    paths = list(dict.fromkeys(rows.raw.path for rows in all_rows))
    path = paths[0] + (f" (and {len(paths) - 1} more files)" if len(paths) > 1 else "")
    label = all_rows[0].raw.row_label
    if not report.rejects:
        raise NothingImportedError(path, f"holds no {label}; nothing written", reject_lines=[])
    reasons = {(r["field"], r["reason"]) for r in report.rejects}
    if len(reasons) == 1:
        fieldname, reason = reasons.pop()
        n = len(report.rejects)
        every = f"its only {label}" if n == 1 else f"all {n} {label}s"
        raise NothingImportedError(path, f"{reason} ({every}); nothing written",
                                   field=fieldname, reject_lines=[])
    first = report.rejects[0]
    raise NothingImportedError(
        path, f"none of its {len(report.rejects)} {label}s can be kept, so nothing was written; "
        f"the first: {first['where']}, field {first['field']}: {first['reason']}",
        reject_lines=report.reject_lines())


def _expand(paths: list[Path]) -> list[Path]:
    """A folder (other than a FileGDB) stands for every dataset in it, e.g. a folder of txt files."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir() and path.suffix.lower() != ".gdb":
            found = datasets_in(path)
            if not found:
                raise InputFileError(str(path), "the folder holds no file landplan reads")
            out.extend(found)
        else:
            out.append(path)
    return out


def _field_target(layer: str, src: str, target: str) -> tuple[str, str | None]:
    """The column and unit a ``fields`` target names: a canonical column or a header the
    recognition knows, either with a unit in brackets (``acquisition_wan_per_mu(元/亩)``,
    ``区片综合地价(元/亩)``: a Shapefile's 10-byte names leave no room for the unit)."""
    spec = layer_spec(layer)
    if target in spec.by_name:
        return target, None
    name, unit = normalize_header(target)
    if name in spec.by_name:
        col = spec.by_name[name]
        if unit is not None and (col.unit is None or unit_factor(col.unit, unit) is None):
            raise SchemaError(f"`fields={{{src!r}: {target!r}}}`: {name} cannot be given in {unit!r}"
                              + (f"; units: {', '.join(UNIT_FACTORS[col.unit])}" if col.unit else ""))
        return name, unit
    try:
        column, _factor, unit = match_column(layer, target)
    except SchemaError as exc:
        raise SchemaError(f"`fields={{{src!r}: {target!r}}}`: {exc}") from None
    if column is None:
        wanted = unit_wanted(layer, target)
        raise SchemaError(f"`fields={{{src!r}: {target!r}}}`: "
                          + (f"write the unit of {wanted}, e.g. `fields={{{src!r}: '{target}({labels.t('import.unit_example', 'zh')})'}}`"
                             if wanted else f"{layer} has no column {target!r}; columns are: "
                             f"{', '.join(spec.column_names)}"))
    return column, unit


def _check_fields(fields: dict[str, str], layer: str) -> tuple[dict[str, str], dict[str, str]]:
    """``fields`` as ``{source column: canonical column}``, and the unit each target writes."""
    seen: dict[str, str] = {}
    columns: dict[str, str] = {}
    units: dict[str, str] = {}
    for src, target in fields.items():
        col, unit = _field_target(layer, src, target)
        columns[src] = col
        if unit:
            units[src] = unit
        if col in seen:
            raise SchemaError(f"`fields={{{seen[col]!r}: {col!r}}}` and `fields={{{src!r}: {col!r}}}` both map onto "
                              f"{col}; keep one")
        seen[col] = src
    return columns, units


def _check_field_sources(fields: dict[str, str], raws: list[RawSource]) -> None:
    """Refuse a ``fields`` entry naming a column no source has (a typo would be silently ignored)."""
    for src, col in fields.items():
        if not any(src in raw.frame.columns for raw in raws):
            columns = [str(c) for c in raws[0].frame.columns if c != "geometry"]
            raise InputFileError(raws[0].path, f"`fields={{{src!r}: {col!r}}}`: no column {src!r}; the "
                                 f"columns are: {', '.join(columns[:40])}"
                                 f"{', …' if len(columns) > 40 else ''}", field=src)


def _parse_set(values: dict[str, str], layer: str) -> dict[str, object]:
    spec = layer_spec(layer)
    out = {}
    for col, value in values.items():
        if col not in spec.by_name:
            raise SchemaError(f"`set_values={{{col!r}: {value!r}}}`: {layer} has no column {col!r}")
        series, errors = coerce_column(pd.Series([value], dtype=object), spec.by_name[col])
        if errors:
            raise SchemaError(f"`set_values={{{col!r}: {value!r}}}`: {errors[0]}")
        out[col] = series
    return out


def _drop_geometry(raw: RawSource) -> RawSource:
    if "geometry" in raw.frame.columns:
        raw.frame = pd.DataFrame(raw.frame.drop(columns=["geometry"]))
    raw.kind = "table"
    return raw


def _first_metric(raws: list[RawSource]) -> CRS:
    first = raws[0]
    frame = first.frame
    if is_metric_conformal(first.crs):
        return first.crs
    valid = frame.geometry[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if valid.empty:
        raise InputFileError(first.path, "no feature has a geometry", field="geometry")
    return metric_crs(first.crs, valid.total_bounds)


def _crs_name(crs: CRS) -> str:
    code = crs.to_epsg()
    return f"EPSG:{code} {crs.name}" if code else crs.name


def _crs_words(name: str, lang: str) -> str:
    """A CRS named by :func:`_crs_name` as the report reads it in ``lang``: a CGCS2000
    Gauss-Krüger zone as the maps name it (``thematic.crs.gk``), another CRS by its name."""
    m = re.match(r"EPSG:(\d+) ", name)
    zone = gk_zone_of_crs(CRS.from_epsg(int(m.group(1)))) if m else None
    return name if zone is None else labels.t("thematic.crs.gk", lang, zone=zone, epsg=m.group(1))


def _convert(raw: RawSource, rows: _Rows, spec, fields, constants, report, *,
             keep_extra: bool, field_units: dict[str, str] | None = None) -> pd.DataFrame:
    """Recognise the columns of ``raw`` and convert their values; bad values reject rows.

    Unrecognised columns are listed in ``report.unmapped`` and copied unchanged only with
    ``keep_extra``; a header naming a column that needs its unit without one is listed in
    ``report.unit_asked`` too. ``field_units``: the unit a ``fields`` target writes (it wins
    over the source header's)."""
    frame = raw.frame
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    taken: dict[str, str] = {}
    chosen = {fields[h]: h for h in frame.columns if h in fields}  # ``fields`` win over aliases
    for header in frame.columns:
        if header == "geometry":
            continue
        if header in fields:
            column = fields[header]
            unit = (field_units or {}).get(header) or normalize_header(header)[1]
            target_unit = spec.by_name[column].unit
            factor = unit_factor(target_unit, unit) if unit and target_unit else 1.0
            if factor is None:
                raise InputFileError(raw.path, f"unit {unit!r} cannot be converted to "
                                     f"{column}", field=str(header))
            note = "`fields`"
        else:
            try:
                column, factor, unit = match_column(spec.name, header)
            except SchemaError as exc:
                raise InputFileError(raw.path, str(exc), field=str(header)) from None
            note = ""
            if column in chosen:  # an alias would have taken it: kept under its own name
                kept = str(header) if str(header) not in spec.by_name else f"{header}_source"
                report.notes.append(Note(
                    "fields_win", file=raw.path, header=header, column=Column(column, spec.name),
                    option=f"{{{chosen[column]!r}: {column!r}}}",
                    kept=Note("kept_own_name") if kept == header else Note("kept_as", name=kept)))
                out[kept] = frame[header].to_numpy()
                continue
        if column is None or column in taken:
            fate = Note("fate_kept" if keep_extra else "fate_dropped")
            name, unit = normalize_header(header)
            if column is None and unit == "" and match_column(spec.name, name)[0]:
                report.notes.append(Note("unit_cut_off", file=raw.path, header=header, fate=fate,
                                         column=Column(match_column(spec.name, name)[0], spec.name)))
            asked = unit_wanted(spec.name, header) if column is None else None
            if asked and (str(header), asked) not in report.unit_asked:
                report.unit_asked.append((str(header), asked))
            if column in taken:
                report.notes.append(Note("column_taken", file=raw.path, header=header, fate=fate,
                                         column=Column(column, spec.name), taken=taken[column]))
            if keep_extra:
                out[str(header)] = frame[header].to_numpy()
            if str(header) not in report.unmapped:
                report.unmapped.append(str(header))
            continue
        taken[column] = str(header)
        rows.headers[column] = str(header)
        if unit and factor != 1.0:
            note = ", ".join(x for x in (note, f"{unit} × {factor:g}") if x)
        entry = (str(header), column, note)
        if entry not in report.mapping:
            report.mapping.append(entry)
        values = pd.Series(frame[header].to_numpy(), index=out.index, dtype=object)
        series, errors = coerce_column(values, spec.by_name[column], factor=factor)
        for pos, message in errors.items():
            rows.reject(pos, str(header), message)
        out[column] = series
    for column, value in constants.items():
        if column in out.columns:
            report.notes.append(Note("set_values_override", column=Column(column, spec.name)))
        out[column] = pd.Series(np.repeat(value.to_numpy(), len(out)), index=out.index,
                                dtype=value.dtype)
    for col in spec.columns:
        if col.required and col.name not in out.columns and not (
            spec.geometry is not None and raw.kind == "table" and col.name != spec.id_column
        ):
            raise InputFileError(
                raw.path, f"no column is recognised as {col.name} ({col.zh}); rename it or map it "
                f"with `fields={{'SOURCE_COLUMN': {col.name!r}}}`", field=col.name,
            )
        if col.required and col.name in out.columns:
            for pos in np.flatnonzero(out[col.name].isna().to_numpy()):
                if pos not in rows.reason:
                    rows.reject(int(pos), taken.get(col.name, col.name), f"empty {col.name} ({col.zh})")
    if spec.name == "pipelines" and "kind" not in out.columns:
        raise InputFileError(
            raw.path, f"no column is recognised as kind ({labels.column('kind', 'zh', layer='pipelines')}: "
            f"{', '.join(labels.value('pipe_kind', k, 'zh') for k in ENUM_CODES['pipe_kind'])}); "
            "map one with `fields={'SOURCE': 'kind'}`, or give every line one kind with `set_values={'kind': 'water'}`",
            field="kind")
    if spec.name in _NETWORK:
        if "status" not in out.columns:
            out["status"] = pd.Series(["built"] * len(out), index=out.index, dtype="str")
            report.repairs["status_built"] += len(out)
        else:
            missing = out["status"].isna() & ~out.index.isin(list(rows.reason))
            if missing.any():
                out.loc[missing, "status"] = "built"
                report.repairs["status_built"] += int(missing.sum())
    return out


def _geometries(raw: RawSource, rows: _Rows, frame: pd.DataFrame, spec, target_crs, report) -> pd.DataFrame:
    """Check, repair and reproject the geometry of ``raw``; add it to ``frame``."""
    geoms = np.asarray(raw.frame.geometry.to_numpy(), dtype=object)
    family = _FAMILY[spec.geometry]
    repaired = np.zeros(len(geoms), dtype=bool)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for pos in np.flatnonzero(missing):
        rows.reject(int(pos), "geometry", "empty geometry")
    has_z = ~missing & shapely.has_z(geoms)
    if has_z.any() and spec.geometry == "line":
        first = int(np.flatnonzero(has_z)[0])
        raise InputFileError(
            raw.path, f"{int(has_z.sum())} lines carry Z values (elevations or depths) that a 2-D "
            f"{spec.name} layer cannot keep; export them without Z (ogr2ogr -dim XY) and import "
            "again", where=raw.where(first), field="geometry")
    if has_z.any():
        geoms[has_z] = shapely.force_2d(geoms[has_z])
        repaired |= has_z
        report.repairs["z_dropped"] += int(has_z.sum())
    ok = ~missing
    types = _type_names(geoms)
    if spec.geometry == "polygon":
        collection = ok & (types == "GeometryCollection")
        for pos in np.flatnonzero(collection):
            geoms[pos] = polygonal_part(geoms[pos])
            repaired[pos] = True
            types[pos] = geoms[pos].geom_type
        invalid = ok & np.isin(types, list(family)) & ~shapely.is_valid(geoms)
        for pos in np.flatnonzero(invalid):
            reason = shapely.is_valid_reason(geoms[pos])
            fixed = polygonal_part(shapely.make_valid(geoms[pos]))
            if fixed.is_empty or fixed.area == 0:
                rows.reject(int(pos), "geometry", f"invalid polygon with no area left after repair ({reason})")
                continue
            geoms[pos] = fixed
            repaired[pos] = True
            report.repairs[f"made_valid:{reason.split('[')[0].strip()}"] += 1
    elif spec.geometry == "line":
        invalid = ok & np.isin(types, list(family)) & ~shapely.is_valid(geoms)
        for pos in np.flatnonzero(invalid):
            rows.reject(int(pos), "geometry", f"invalid line ({shapely.is_valid_reason(geoms[pos])})")
    wrong = ok & ~np.isin(_type_names(geoms), list(family))
    for pos in np.flatnonzero(wrong):
        rows.reject(int(pos), "geometry", f"{geoms[pos].geom_type} where {spec.name} need "
                    f"{_family_words(spec.geometry)} geometry")
    report.repaired += int((repaired & ~np.isin(np.arange(len(geoms)), list(rows.reason))).sum())
    geoms = single_part(geoms)
    series = gpd.GeoSeries(geoms, crs=raw.crs)
    if not CRS.from_user_input(raw.crs).equals(target_crs):
        good = ~series.isna() & ~series.is_empty
        projected = series.copy()
        projected[good] = series[good].to_crs(target_crs)
        series = projected.set_crs(target_crs, allow_override=True)
        bad = good & ~np.isfinite(series.bounds.to_numpy()).all(axis=1)
        for pos in np.flatnonzero(bad.to_numpy()):
            rows.reject(int(pos), "geometry", "coordinates cannot be projected to the workspace CRS")
    frame = frame.copy()
    frame["geometry"] = series.to_numpy()
    return frame


_TYPE_NAMES = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                        "MultiLineString", "MultiPolygon", "GeometryCollection", ""], dtype=object)


def _type_names(geoms: np.ndarray) -> np.ndarray:
    """Geometry type names, vectorised ("" for a missing geometry)."""
    return _TYPE_NAMES[shapely.get_type_id(geoms)]  # id -1 (missing) picks the last entry


def _check_ids(spec, frames, all_rows, ws_for_append, layer) -> None:
    if not spec.id_column or spec.name == "ledger":
        return
    first_seen: dict[str, str] = {}
    if ws_for_append is not None and ws_for_append.has(layer):
        for value in ws_for_append.read(layer)[spec.id_column].dropna():
            first_seen[value] = "the existing layer"
    for frame, rows in zip(frames, all_rows, strict=True):
        if spec.id_column not in frame.columns:
            continue
        header = next((m for m in frame.columns if m == spec.id_column), spec.id_column)
        for pos, value in enumerate(frame[spec.id_column].to_numpy()):
            if pos in rows.reason or pd.isna(value):
                continue
            if value in first_seen:
                rows.reject(pos, header, f"duplicate {spec.id_column} {value!r} (first at {first_seen[value]})")
            else:
                first_seen[value] = f"{rows.raw.path} {rows.raw.where(pos)}"


#: Ledger years outside this range are rejected as typing errors (经济普查 data start in the 1990s).
LEDGER_FIRST_YEAR = 1990


def _check_ledger(ws: Workspace, frames, all_rows) -> None:
    """Ledger rows kept aside: unknown parcel, unknown year, duplicate key, shares over 1."""
    import datetime as dt

    parcels = set(ws.read("parcels")["parcel_id"].dropna()) if ws.has("parcels") else set()
    last_year = dt.date.today().year
    seen: dict[tuple, str] = {}
    groups: dict[tuple, list[tuple[_Rows, int, float]]] = {}
    for frame, rows in zip(frames, all_rows, strict=True):
        share = frame["share"] if "share" in frame else pd.Series(np.nan, index=frame.index)
        for pos, (ent, pid, year, value) in enumerate(zip(frame["enterprise_id"], frame["parcel_id"],
                                                          frame["year"], share, strict=True)):
            if pos in rows.reason:
                continue
            if not ws.has("parcels"):
                rows.reject(pos, "parcel_id", "the workspace has no parcels layer to join the ledger to")
            elif pid not in parcels:
                rows.reject(pos, "parcel_id", f"parcel_id {pid!r} is not in the parcels layer")
            if not LEDGER_FIRST_YEAR <= int(year) <= last_year:
                rows.reject(pos, "year", f"unknown year {year} (expected {LEDGER_FIRST_YEAR}–{last_year})")
            key = (ent, pid, int(year))
            if key in seen:
                rows.reject(pos, "enterprise_id", f"duplicate enterprise × parcel × year {ent} / {pid} / "
                            f"{year} (first at {seen[key]})")
            else:
                seen[key] = rows.raw.where(pos)
            if pos not in rows.reason:
                groups.setdefault((pid, int(year)), []).append((rows, pos, value))
    for (pid, year), members in groups.items():
        total = sum(v for _, _, v in members if not pd.isna(v))
        if total > 1 + 1e-9:
            for rows, pos, _ in members:
                rows.reject(pos, "share", f"the shares of parcel {pid} in {year} sum to {total:g} (> 1)")


def _collect_rejects(all_rows: list[_Rows], report: ImportReport) -> None:
    for rows in all_rows:
        for pos in sorted(rows.reason):
            problems = rows.reason[pos]
            fieldname, reason = problems[0]
            if len(problems) > 1:
                reason += f" (and {len(problems) - 1} more: " + "; ".join(
                    f"field {f}: {r}" for f, r in problems[1:]) + ")"
            report.rejects.append({"source": rows.raw.path, "where": rows.raw.where(pos),
                                   "field": fieldname, "reason": reason, "_pos": pos, "_rows": rows})
    report.rejected = len(report.rejects)


def _write_rejects(ws: Workspace, layer: str, all_rows: list[_Rows], report: ImportReport) -> None:
    """Write every rejected source row, all values as text and the geometry as WKT."""
    spec = LAYERS[layer]
    base = ws.layer_path(layer)
    target = base.parent / f"{spec.stem}.rejects.csv"
    if not report.rejects:
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        return
    records = []
    for item in report.rejects:
        raw = item["_rows"].raw
        values = raw.frame.iloc[item["_pos"]]
        record = {"reject_source": item["source"], "reject_where": item["where"],
                  "reject_field": item["field"], "reject_reason": item["reason"]}
        for key, value in values.items():
            if key == "geometry":
                record["geometry_wkt"] = None if value is None else shapely.to_wkt(value)
                record["geometry_crs"] = raw.crs.to_string() if raw.crs else ""
            else:
                record[str(key)] = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
        records.append(record)
    with atomic_path(target) as tmp:
        write_csv(pd.DataFrame.from_records(records), tmp)
    report.rejects_path = str(target)
    for item in report.rejects:
        item.pop("_rows", None)
        item.pop("_pos", None)


def _update_attributes(ws, spec, frames, all_rows, report, *, change: Change | None = None
                       ) -> ImportReport:
    """Join attribute tables to existing parcels by ``parcel_id`` and write the parcels."""
    if not ws.has(spec.name):
        raise InputFileError(all_rows[0].raw.path, f"is a table without geometry and the "
                             f"workspace has no {spec.name} yet; import the {spec.name} first")
    parcels = ws.read(spec.name)
    index = {pid: i for i, pid in enumerate(parcels[spec.id_column])}
    seen: dict[str, str] = {}
    updates: list[tuple[int, pd.Series]] = []
    for frame, rows in zip(frames, all_rows, strict=True):
        if spec.id_column not in frame.columns:
            raise InputFileError(rows.raw.path, f"no column is recognised as {spec.id_column}; "
                                 f"map it with `fields={{'SOURCE': {spec.id_column!r}}}`", field=spec.id_column)
        for pos, pid in enumerate(frame[spec.id_column].to_numpy()):
            if pos in rows.reason:
                continue
            if pid not in index:
                rows.reject(pos, spec.id_column, f"{spec.id_column} {pid!r} is not in the {spec.name} layer")
            elif pid in seen:
                rows.reject(pos, spec.id_column, f"duplicate {spec.id_column} {pid!r} (first at {seen[pid]})")
            else:
                seen[pid] = rows.raw.where(pos)
                updates.append((index[pid], frame.iloc[pos]))
    if not updates:
        _refuse_nothing_kept(all_rows, report)
    for target, values in updates:
        for column, value in values.items():
            if column == spec.id_column or pd.isna(value):
                continue
            if column not in parcels.columns:
                parcels[column] = pd.Series([None] * len(parcels), dtype=object if not isinstance(
                    value, (float, np.floating)) else "float64")
                if column in spec.by_name:
                    parcels[column] = parcels[column].astype(frames[0][column].dtype)
            parcels.iloc[target, parcels.columns.get_loc(column)] = value
    report.updated = len(updates)
    _collect_rejects(all_rows, report)
    report.imported = report.read - report.rejected
    report.crs = _crs_name(parcels.crs) if parcels.crs else ""
    report.output = str(ws.write(spec.name, parcels, change=change))
    _write_rejects(ws, spec.name, all_rows, report)
    return report


def _import_dem(paths: list[Path], ws: Workspace, user_crs, report: ImportReport) -> ImportReport:
    import rasterio

    if len(paths) != 1:
        raise SchemaError("terrain takes exactly one DEM GeoTIFF")
    with scratch_dir("import") as tmp:
        raw = open_source(paths[0], workdir=Path(tmp), crs=user_crs)
        if raw.kind != "raster":
            raise InputFileError(raw.path, "terrain needs a DEM GeoTIFF (.tif)")
        source = Path(paths[0])
        if source.suffix.lower() == ".zip":
            source = next(Path(tmp).rglob("*.tif*"))
        import rasterio.shutil

        target = ws.layer_path("terrain")
        with atomic_path(target) as out:  # block-wise copy: a DEM larger than memory is fine
            rasterio.shutil.copy(source, out, driver="GTiff", compress="deflate", tiled=True,
                                 blockxsize=256, blockysize=256, BIGTIFF="IF_SAFER")
            with rasterio.open(out, "r+") as dst:
                if dst.crs is None or user_crs is not None:
                    dst.crs = rasterio.crs.CRS.from_wkt(raw.crs.to_wkt())
                width, height, transform = dst.width, dst.height, dst.transform
        report.read = report.imported = 1
        report.crs = _crs_name(raw.crs)
        report.crs_source.append(raw.crs_source)
        report.notes.append(Note("dem", width=width, height=height, cell_x=f"{abs(transform.a):g}",
                                 cell_y=f"{abs(transform.e):g}"))
        report.output = str(target)
    return report
