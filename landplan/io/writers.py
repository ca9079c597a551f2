"""``landplan export``: give layers back in the forms land bureaus and analysts expect.

Formats:

- ``shp``: a zipped Shapefile (or the plain files when ``out`` ends in ``.shp``) with a
  ``.prj`` (ESRI WKT of the CGCS2000 zone), a ``.cpg`` and text in GBK (default) or UTF-8;
  field names within dBASE's 10 bytes, cadastral codes where the standard has one (ZDDM,
  QLR, YT, ZDMJ …), no collisions, and the full name mapping ``<stem>.fields.csv`` inside
  the zip (landplan's import reads it back). Values a Shapefile cannot hold (text longer than
  254 bytes, characters outside GBK) are refused with the feature and field, never cut.
- ``gpkg``: GeoPackage; ``parquet``: GeoParquet; ``geojson``: RFC 7946 (WGS84, 9 decimals,
  i.e. 0.1 mm); ``coordtxt``: the ministry's 界址点 text file (parcels only).

Every output is written atomically.

Tables (CSV, XLSX) are written by :func:`write_table`, through :func:`write_csv` and :func:`write_xlsx`, so that
text a spreadsheet would run as a formula (``=HYPERLINK(…)`` as a holder) stays text; see
:func:`escape_text`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from ..crs import parse_crs
from ..errors import CRSError, InputFileError, LandplanError, ParameterError, SchemaError
from ..schema import LAYERS, layer_spec
from ..store.frames import ogr_frame as _ogr_frame
from ..workspace import Workspace
from .atomic import atomic_dir, atomic_path

__all__ = ["EXPORT_FORMATS", "ExportReport", "export_layer", "write_layer", "shapefile_fields",
           "FORMULA_START", "escape_text", "unescape_text", "csv_safe", "csv_unescaped", "write_csv",
           "write_xlsx", "write_table", "TABLE_FORMATS", "write_analysis", "ANALYSIS_FORMATS", "TABLE_LANGS", "column_unit", "check_table_lang", "people_table",
           "canonical_table", "number_format", "unique_headers", "cell_text", "person_column"]

log = logging.getLogger(__name__)

EXPORT_FORMATS = ("shp", "gpkg", "geojson", "parquet", "coordtxt")
_SHP_ENCODINGS = {"gbk": "GBK", "utf-8": "UTF-8", "utf8": "UTF-8"}
_DBF_TEXT_MAX = 254


@dataclass
class ExportReport:
    layer: str
    fmt: str
    features: int
    crs: str
    output: str
    encoding: str | None = None

    def lines(self, lang: str = "zh") -> list[str]:
        """What the command line prints, in ``lang``."""
        from .. import labels

        enc = labels.t("cli.export.encoding", lang, encoding=self.encoding) if self.encoding else ""
        layer = labels.t(f"layer.{self.layer}", lang) if labels.has(f"layer.{self.layer}") else self.layer
        return [labels.t("cli.export.done", lang, layer=layer, n=self.features, fmt=self.fmt, crs=self.crs,
                         encoding=enc),
                labels.t("cli.export.written", lang, out=self.output)]


def export_layer(
    layer: str,
    *,
    workspace: Workspace | str | Path,
    fmt: str,
    out: str | Path,
    crs=None,
    encoding: str = "gbk",
) -> ExportReport:
    """Export layer ``layer`` of a workspace to ``out`` as ``fmt``.

    Parameters
    ----------
    layer : str
        ``parcels``, ``roads``, ``pipelines``, ``powerlines`` or ``facilities``.
    workspace : Workspace or path
    fmt : {"shp", "gpkg", "geojson", "parquet", "coordtxt"}
    out : path
        Output file; for ``shp`` a ``.zip`` (zipped set) or a ``.shp`` (plain files).
    crs : str or CRS, optional
        Reproject to this CRS first (GeoJSON is always WGS84).
    encoding : {"gbk", "utf-8"}
        Text encoding of Shapefile and coordinate-text exports.
    """
    ws = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    spec = layer_spec(layer)
    if spec.geometry is None:
        raise SchemaError(f"{layer} has no geometry; export a layer with geometry "
                          f"({', '.join(n for n, s in LAYERS.items() if s.geometry)})")
    if not ws.has(layer):
        raise SchemaError(f"the workspace {ws.path} has no {layer} layer")
    frame = ws.read(layer)
    if crs is not None:
        frame = frame.to_crs(parse_crs(crs))
    used = write_layer(frame, out, fmt=fmt, layer=layer, encoding=encoding)
    code = used.crs.to_epsg() if used.crs is not None else None
    return ExportReport(layer, fmt, len(frame), f"EPSG:{code}" if code else str(used.crs),
                        str(out), _SHP_ENCODINGS.get(encoding.lower()) if fmt in {"shp", "coordtxt"} else None)


def write_layer(frame: gpd.GeoDataFrame, out: str | Path, *, fmt: str, layer: str = "parcels",
                encoding: str = "gbk") -> gpd.GeoDataFrame:
    """Write a canonical layer to ``out`` as ``fmt`` (atomic); returns the frame as written."""
    out = Path(out)
    if fmt not in EXPORT_FORMATS:
        raise SchemaError(f"unknown format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    if encoding.lower() not in _SHP_ENCODINGS:
        raise SchemaError(f"unknown encoding {encoding!r}; use gbk or utf-8")
    if fmt == "shp":
        _write_shapefile(frame, out, layer=layer, encoding=_SHP_ENCODINGS[encoding.lower()])
    elif fmt == "gpkg":
        with atomic_path(out) as tmp:
            pyogrio.write_dataframe(_ogr_frame(frame), tmp, layer=layer, driver="GPKG",
                                    use_arrow=True, promote_to_multi=layer_spec(layer).geometry != "point")
    elif fmt == "parquet":
        with atomic_path(out) as tmp:
            frame.to_parquet(tmp, index=False)
    elif fmt == "geojson":
        frame = frame.to_crs(4326)
        with atomic_path(out) as tmp:
            pyogrio.write_dataframe(_ogr_frame(frame), tmp, driver="GeoJSON", use_arrow=True,
                                    layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": "9",
                                                   "WRITE_NAME": "NO"})
    else:
        from .coordtxt import write_coordtxt

        if layer != "parcels":
            raise SchemaError("the ministry's boundary-point text file holds parcels only")
        write_coordtxt(frame, out, encoding="gbk" if encoding.lower() == "gbk" else "utf-8")
    log.info("wrote %d features to %s", len(frame), out)
    return frame


# --------------------------------------------------------------------------------------------
# Shapefile
# --------------------------------------------------------------------------------------------


def _byte_len(text: str, codec: str) -> int:
    return len(text.encode(codec))


def _truncate(name: str, codec: str, limit: int = 10) -> str:
    while _byte_len(name, codec) > limit:
        name = name[:-1]
    return name


def shapefile_fields(columns: list[str], *, layer: str, encoding: str = "GBK") -> dict[str, str]:
    """Map column names to unique dBASE field names of at most 10 bytes in ``encoding``.

    Canonical columns take their ``shp`` name (cadastral codes such as ``ZDDM``); other
    columns are cut to 10 bytes and numbered when two would collide.

    >>> shapefile_fields(["parcel_id", "holder", "agreed_start_date"], layer="parcels")
    {'parcel_id': 'ZDDM', 'holder': 'QLR', 'agreed_start_date': 'agr_start'}
    """
    codec = "gbk" if encoding.upper() == "GBK" else "utf-8"
    spec = layer_spec(layer)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for column in columns:
        col = spec.by_name.get(column)
        name = col.shp_name if col is not None else _truncate(column, codec)
        candidate, n = name, 1
        while candidate.upper() in used:
            suffix = f"_{n}"
            candidate = _truncate(name, codec, 10 - len(suffix)) + suffix
            n += 1
        used.add(candidate.upper())
        mapping[column] = candidate
    return mapping


def _check_dbf_values(frame: pd.DataFrame, codec: str, label: str, fields: dict[str, str]) -> None:
    for column in frame.columns:
        if column == frame.geometry.name or frame[column].dtype.kind in "biufcmM":
            continue
        for pos, value in enumerate(frame[column].to_numpy()):
            if not isinstance(value, str):
                continue
            try:
                size = len(value.encode(codec))
            except UnicodeEncodeError as exc:
                raise InputFileError(label, f"{value!r} has characters {codec.upper()} cannot hold "
                                     f"({exc.object[exc.start:exc.end]!r}); export with "
                                     "`encoding='utf-8'` or as gpkg", where=f"feature {pos + 1}", field=column) from None
            if size > _DBF_TEXT_MAX:
                raise InputFileError(label, f"text of {size} bytes is longer than a Shapefile field "
                                     f"holds ({_DBF_TEXT_MAX}); export as gpkg instead",
                                     where=f"feature {pos + 1}", field=column)


def _write_shapefile(frame: gpd.GeoDataFrame, out: Path, *, layer: str, encoding: str) -> None:
    codec = "gbk" if encoding == "GBK" else "utf-8"
    if frame.crs is None:
        raise CRSError("the layer has no CRS; a Shapefile needs one for its .prj")
    columns = [c for c in frame.columns if c != frame.geometry.name]
    fields = shapefile_fields(columns, layer=layer, encoding=encoding)
    _check_dbf_values(frame, codec, str(out), fields)
    renamed = _ogr_frame(frame).rename(columns=fields)
    stem = out.stem
    spec = layer_spec(layer)
    table = pd.DataFrame(
        {
            "shp_field": [fields[c] for c in columns],
            "column": columns,
            "label_zh": [spec.by_name[c].zh if c in spec.by_name else c for c in columns],
            "label_en": [spec.by_name[c].en if c in spec.by_name else c for c in columns],
        }
    )

    def write_set(folder: Path) -> list[Path]:
        target = folder / f"{stem}.shp"
        pyogrio.write_dataframe(renamed, target, driver="ESRI Shapefile", encoding=encoding,
                                use_arrow=True, promote_to_multi=spec.geometry != "point")
        if encoding == "GBK":  # dBASE language driver id 0x4D = code page 936, for old readers
            dbf = folder / f"{stem}.dbf"
            with open(dbf, "r+b") as fh:
                fh.seek(29)
                fh.write(bytes([0x4D]))
        write_csv(table, folder / f"{stem}.fields.csv")
        return sorted(folder.iterdir())

    if out.suffix.lower() == ".shp":
        with atomic_dir(out) as folder:
            write_set(folder)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".~shp-", dir=out.parent) as folder, \
            atomic_path(out) as tmp:
        members = write_set(Path(folder))
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for member in members:
                archive.write(member, arcname=member.name)


# --------------------------------------------------------------------------------------------
# Tables for people: text never runs as a formula
# --------------------------------------------------------------------------------------------

#: A text cell starting with one of these is taken for a formula by Excel, WPS or LibreOffice
#: (OWASP "CSV injection"): ``=``, ``+``, ``-``, ``@``, tab, carriage return.
FORMULA_START = "=+-@\t\r"
_TRIGGER = r"[=+\-@\t\r]"
_FORMULA = "'*" + _TRIGGER  # quotes first too: one more quote is added, so reading inverts exactly
_ESCAPED = "'+" + _TRIGGER
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # XML 1.0 cannot hold these
#: Characters an XLSX cell holds (openpyxl would cut a longer text silently).
XLSX_TEXT_MAX = 32767


def escape_text(value):
    """``value`` as a CSV cell a spreadsheet shows as text: ``'`` before text starting with
    one of :data:`FORMULA_START` (or with quotes and then one). Anything else is returned as it is.

    >>> escape_text("=1+1"), escape_text("-12.5"), escape_text(-12.5), escape_text("a=1")
    ("'=1+1", "'-12.5", -12.5, 'a=1')
    >>> unescape_text(escape_text("'=1")) == "'=1"
    True
    """
    if isinstance(value, str) and re.match(_FORMULA, value):
        return "'" + value
    return value


def unescape_text(value):
    """Undo :func:`escape_text` (a text cell read back from a CSV landplan wrote)."""
    if isinstance(value, str) and re.match(_ESCAPED, value):
        return value[1:]
    return value


def _text_cells(values: pd.Series, test) -> np.ndarray:
    """Which cells are text for which ``test(values.str)`` holds (numbers, dates: never)."""
    if values.dtype.kind != "O" and not isinstance(values.dtype, pd.StringDtype):
        return np.zeros(len(values), dtype=bool)
    try:
        found = test(values.str)
    except AttributeError:  # an object column without text (dates, numbers)
        return np.zeros(len(values), dtype=bool)
    return found.to_numpy(dtype=bool, na_value=False)


def _starting(values: pd.Series, pattern: str) -> np.ndarray:
    return _text_cells(values, lambda text: text.match(pattern))


def _map_text(frame: pd.DataFrame, pattern: str, change) -> pd.DataFrame:
    """``frame`` with ``change`` applied to its text cells and headers matching ``pattern``."""
    out = frame
    for pos in range(frame.shape[1]):
        mask = _starting(frame.iloc[:, pos], pattern)
        if mask.any():
            out = frame.copy() if out is frame else out
            values = frame.iloc[:, pos].to_numpy(dtype=object, copy=True)
            values[mask] = [change(v) for v in values[mask]]
            out.isetitem(pos, values)
    names = [change(c) for c in frame.columns]
    if names != list(frame.columns):
        out = frame.copy() if out is frame else out
        out.columns = names
    return out


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell and header escaped by :func:`escape_text` (numeric
    columns untouched: ``-12.5`` in a number column stays a number). Returns ``frame`` itself
    when nothing needs escaping."""
    return _map_text(frame, _FORMULA, escape_text)


def csv_unescaped(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`csv_safe` on a table read back from a CSV landplan wrote."""
    return _map_text(frame, _ESCAPED, unescape_text)


def write_csv(frame: pd.DataFrame, path, **options) -> None:
    """``frame`` to the CSV ``path`` (UTF-8 with BOM, CRLF as RFC 4180, no index) with its
    text escaped (:func:`csv_safe`); ``options`` go to :meth:`pandas.DataFrame.to_csv`.

    CRLF line ends make the writer quote a text holding a lone CR, which would otherwise end
    the row when read back."""
    csv_safe(frame).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n", **options)


def _check_xlsx_text(frame: pd.DataFrame, out, sheet: str) -> None:
    for pos, column in enumerate(frame.columns):
        values = frame.iloc[:, pos]
        bad = np.flatnonzero(_text_cells(values, lambda text: text.contains(_XLSX_ILLEGAL.pattern)
                                         | (text.len() > XLSX_TEXT_MAX)))
        if len(bad):
            text = values.iloc[bad[0]]
            found = _XLSX_ILLEGAL.search(text)
            what = (f"text with the control character {found.group()!r}" if found else
                    f"text of {len(text)} characters (an XLSX cell holds {XLSX_TEXT_MAX})")
            raise LandplanError(f"{out}: sheet {sheet}, row {bad[0] + 2}, field {column}: {what} "
                                "cannot be written to an XLSX; write .csv instead")


def write_xlsx(sheets: dict[str, pd.DataFrame], path, *, out=None,
               number_formats: dict[str, dict[str, str]] | None = None) -> None:
    """Write each frame (no index) as a sheet of the XLSX ``path``, text kept as text.

    openpyxl stores a text starting with ``=`` as a formula (pandas passes it on), so each
    such cell is made a text cell again, and every text cell starting with one of
    :data:`FORMULA_START` gets Excel's quote prefix (shown as typed, and editing it does not
    turn it into a formula). Reading the file gives the text back unchanged. Text an XLSX
    cannot hold (control characters, more than :data:`XLSX_TEXT_MAX` characters) is refused
    with :class:`~landplan.errors.LandplanError` naming ``out`` (default ``path``), sheet,
    row and field. ``number_formats`` (sheet → header → format, see :func:`number_format`)
    shows numbers with their unit's decimals; the cells keep the exact values.
    """
    for sheet, frame in sheets.items():
        _check_xlsx_text(frame, out or path, sheet)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for sheet, frame in sheets.items():
            frame.to_excel(writer, sheet_name=sheet, index=False)
            cells = writer.sheets[sheet]
            for pos, column in enumerate(frame.columns, start=1):
                rows = (np.flatnonzero(_starting(frame.iloc[:, pos - 1], _TRIGGER)) + 2).tolist()
                if isinstance(column, str) and re.match(_TRIGGER, column):
                    rows.insert(0, 1)  # the header
                for row in rows:
                    cell = cells.cell(row=row, column=pos)
                    cell.data_type = "s"
                    cell.quotePrefix = True
            formats = (number_formats or {}).get(sheet, {})
            for pos, column in enumerate(frame.columns, start=1):
                if column in formats and len(frame):
                    for (cell,) in cells.iter_rows(min_row=2, max_row=len(frame) + 1, min_col=pos, max_col=pos):
                        cell.number_format = formats[column]


# --------------------------------------------------------------------------------------------
# Tables for people: headers and values in the reader's language
# --------------------------------------------------------------------------------------------

#: Languages of a table written for people (CSV, XLSX); ``code`` keeps the canonical column
#: names and codes, for scripts.
TABLE_LANGS: tuple[str, ...] = ("zh", "en", "code")

#: A column's unit (a key of :data:`landplan.labels.UNIT_DIGITS`) from the end of its name
#: (units in names, as the style guide asks); the longest ending first.
_UNIT_ENDINGS: tuple[tuple[str, str], ...] = (
    ("_wan_per_mu", "wan_per_mu"), ("_per_mu_wan", "wan_per_mu"), ("_wan_per_m", "wan_per_m"),
    ("_wan_per_person", "wan_per_person"), ("_per_tce_wan", "wan_per_tce"), ("_per_emission_wan", "wan_per_t"),
    ("_per_kwh_yuan", "yuan_per_kwh"), ("_shortfall_pct", "pct"), ("_pct_declared", "pct"), ("_pct", "pct"),
    ("_wan", "wan"), ("_m2", "m2"), ("_m3", "m3"), ("_mu", "mu"), ("_kva", "kva"), ("_kv", "kv"),
    ("_kwh", "kwh"), ("_tce", "tce"), ("_km", "km"), ("_deg", "deg"), ("_mm", "mm"), ("_m", "m"),
    ("_t", "t"), ("_years", "years"), ("_days", "days"),
)
#: Columns whose name carries no unit ending: pure numbers of a kind.
_UNIT_OF_NUMBER: dict[str, str] = {
    "floor_area_ratio": "ratio", "floor_area_ratio_declared": "ratio", "contract_far_min": "ratio",
    "contract_far_max": "ratio", "efficiency_score": "score", "revitalization_priority": "score",
    "enterprises": "count", "employees": "people", "dem_cells": "count", "graves_moved": "count",
    "houses_demolished": "count", "households_resettled": "count", "share": "share",
    "years_since_approval": "years",
}


def column_unit(column: str) -> str | None:
    """The unit of the numbers of ``column``, as :func:`landplan.labels.fmt` takes it
    (``"mu"``, ``"wan"``, ``"pct"`` …), or None (a year, a text, a column of unknown unit).

    A bound of a threshold or contract takes its measure's unit (``floor_area_ratio_min`` →
    ``ratio``); a contract condition's shortfall takes the unit of its contracted figure.

    >>> column_unit("tax_per_mu_wan"), column_unit("area_mu"), column_unit("floor_area_ratio_min")
    ('wan_per_mu', 'mu', 'ratio')
    >>> column_unit("contract_far_min_shortfall"), column_unit("year")
    ('ratio', None)
    """
    name = str(column)
    if name in _UNIT_OF_NUMBER:
        return _UNIT_OF_NUMBER[name]
    for bound in ("_min", "_max"):
        if name.endswith(bound) and not name.startswith("contract_"):
            return column_unit(name.removesuffix(bound))
    if name.startswith("contract_") and name.endswith("_shortfall"):
        from ..lifecycle import CONDITIONS

        spec = CONDITIONS.get(name.removeprefix("contract_").removesuffix("_shortfall"))
        return column_unit(spec[0]) if spec else None
    return next((unit for end, unit in _UNIT_ENDINGS if name.endswith(end)), None)


def check_table_lang(lang: str) -> str:
    """``lang`` when it is one of :data:`TABLE_LANGS`, else :class:`LandplanError`."""
    if lang not in TABLE_LANGS:
        raise ParameterError("lang", lang, f"use {', '.join(TABLE_LANGS)}")
    return lang


def _boolean_cells(values: pd.Series) -> bool:
    """Whether a column holds yes/no values (bool dtypes, or objects that are all booleans)."""
    if values.dtype == bool or isinstance(values.dtype, pd.BooleanDtype):
        return True
    if values.dtype != object:
        return False
    present = values.dropna()
    return len(present) > 0 and all(isinstance(v, bool | np.bool_) for v in present.to_numpy())


def _bool_words(column: str, lang: str) -> tuple[str, str]:
    """(true, false) words of a yes/no column: a check (``*_ok``) passes or fails, as the reports say it."""
    from .. import labels

    if str(column).endswith("_ok"):
        return labels.t("report.pass", lang), labels.t("report.fail", lang)
    return labels.t("report.yes", lang), labels.t("report.no", lang)


def unique_headers(headers: list[str]) -> list[str]:
    """``headers`` with a repeated one numbered (``状态``, ``状态(2)``): spreadsheet headers must differ."""
    seen: dict[str, int] = {}
    out = []
    for header in headers:
        seen[header] = seen.get(header, 0) + 1
        out.append(header if seen[header] == 1 else f"{header}({seen[header]})")
    return out


#: Columns holding rules keys (``power_zone_key``, ``low_efficiency_rules``, "; "-joined): a
#: person reads each key's name (:func:`landplan.labels.rulekeys.label`), a script the keys.
_RULE_KEY_ENDINGS = ("_key", "_rules")


def _rule_keys_column(column: str) -> bool:
    return str(column).endswith(_RULE_KEY_ENDINGS)


def _rule_names(text: str, lang: str) -> str:
    """Rules keys (``a.b; c.d``) as their names joined the reader's way."""
    from ..labels import rulekeys
    from ..labels.text import sep

    keys = [k for k in re.split(r"\s*[;,]\s*", str(text).strip()) if k]
    return sep("list", lang).join(rulekeys.label(k, lang) for k in keys)


@functools.cache
def _rule_keys_by_name() -> dict[str, str]:
    """A rules key's name (Chinese or English) → the key, for every key of the default rules."""
    from ..labels import rulekeys
    from ..rules import load_rules

    def keys(tree, prefix=""):
        for k, v in tree.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            yield key
            if isinstance(v, dict):
                yield from keys(v, key)

    back: dict[str, str] = {}
    for key in keys(load_rules()):
        for lang in ("zh", "en"):
            with contextlib.suppress(KeyError):  # a key without words of its own
                back.setdefault(rulekeys.label(key, lang), key)
    return back


def _rule_keys_of(text):
    """Rules keys' names read back as the keys (``a.b; c.d``)."""
    if not isinstance(text, str):
        return text
    items = [i for i in re.split(r"\s*[、;；]\s*|,\s(?=\D)", text.strip()) if i]
    return "; ".join(_rule_keys_by_name().get(i, i) for i in items)


def _list_kind(column: str) -> str | None:
    """The coded kind of the items of a code-list column (``missing`` = ``sewer,heat``), or None."""
    from ..labels.text import LIST_KINDS

    return LIST_KINDS.get(str(column))


def person_column(column: str, lang: str) -> str:
    """The column holding ``column``'s text in ``lang`` when it is one of a person-text's pair
    (:data:`landplan.columns.PERSON_TEXT`: the English column of a Chinese reason …), else
    ``column`` itself."""
    from ..columns import PERSON_TEXT, text_column

    for text, pair in PERSON_TEXT.items():
        if column == text or column in pair:
            return text_column(text, lang)
    return column


def cell_text(column: str, value, lang: str, *, layer: str | None = None) -> str:
    """``value`` of ``column`` as a person reads it in ``lang``: a code as its label, a list
    of codes as labels joined the reader's way, yes/no as 是/否 (a check ``*_ok`` as
    达标/未达标), a date as YYYY-MM-DD, a number by :func:`landplan.labels.fmt` in the
    column's unit (:func:`column_unit`; a whole number without unit as it is, e.g. a year);
    missing as ``—``. Every face (reports, tables for people) shows a value through this.
    """
    from .. import labels
    from ..labels.text import value_list

    if value is None or value is pd.NA or value is pd.NaT or (
            isinstance(value, float | np.floating) and np.isnan(value)):
        return "—"
    if _rule_keys_column(column) and isinstance(value, str):
        return _rule_names(value, lang) or "—"
    items = _list_kind(column)
    if items is not None:
        return value_list(items, value, lang) or "—"
    kind = labels.kind_of(str(column), layer=layer)
    if kind is not None:
        return labels.value(kind, value, lang) or "—"
    if isinstance(value, bool | np.bool_):
        yes, no = _bool_words(str(column), lang)
        return yes if value else no
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | np.integer) and column_unit(str(column)) is None:
        return str(int(value))
    if isinstance(value, int | float | np.integer | np.floating):
        return labels.fmt(value, column_unit(str(column)) or "", lang)
    text = str(value)
    return text if text else "—"


def _labels_empty(column: str, layer: str | None) -> bool:
    """Whether the catalogue labels the empty code of ``column``'s kind (``val.idle_stage.`` → —)."""
    from .. import labels

    kind = labels.kind_of(str(column), layer=layer)
    return _list_kind(column) is None and kind is not None and labels.has(f"val.{kind}.")


def people_table(frame: pd.DataFrame, lang: str, *, header=None,
                 layer: str | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """``frame`` as a person reads it in ``lang`` (``zh`` or ``en``), and each numeric header's unit.

    Headers are the catalogue's labels (``header(column, lang)``, default
    :func:`landplan.labels.column`), numbered where two are the same; values of coded and
    code-list columns, yes/no and dates read as :func:`cell_text` shows them (empty stays
    empty); numbers keep their exact value (a spreadsheet shows them with the unit's decimals,
    see :func:`write_xlsx`'s ``number_formats``); the geometry column is dropped.
    ``lang="code"`` returns the frame as it is (canonical names and codes), without geometry.
    """
    from .. import labels

    plain = pd.DataFrame(frame.drop(columns=[c for c in frame.columns if c == "geometry"
                                             or str(frame[c].dtype) == "geometry"]))
    if lang == "code":
        return plain, {}
    header = header or (lambda c, lg: labels.column(str(c), lg, layer=layer))
    out = {}
    units = {}
    for column in plain.columns:
        values = plain[column]
        worded = (labels.kind_of(str(column), layer=layer) is not None or _list_kind(column) is not None
                  or _rule_keys_column(column) or _boolean_cells(values))
        if worded:  # once per distinct value: a million rows hold a few codes
            present = values.notna()
            codes = pd.unique(values[present])
            words = {code: "" if code == "" and not _labels_empty(column, layer) else
                     cell_text(column, code, lang, layer=layer) for code in codes}
            values = values.astype(object).map(words).where(present, None)
        elif pd.api.types.is_numeric_dtype(values.dtype):
            unit = column_unit(str(column))
            if unit is not None:
                units[column] = unit
        out[column] = values
    table = pd.DataFrame(out, index=plain.index)
    headers = unique_headers([header(c, lang) for c in plain.columns])
    units = {headers[list(plain.columns).index(c)]: u for c, u in units.items()}
    return table.set_axis(headers, axis=1), units


@functools.cache
def _codes_by_label(kind: str) -> dict[str, str]:
    """Label (Chinese or English) → code, for the coded kind ``kind``."""
    from .. import labels

    back: dict[str, str] = {}
    for code in labels.value_kinds().get(kind, {}):
        for lang in ("zh", "en"):
            back.setdefault(labels.value(kind, code, lang), code)
    return back


def _code_of(kind: str, value):
    """A label read back as its code (a code, or a value no label has, stays as it is; a
    numbered kind's ``34 通用设备制造业`` is ``34``)."""
    from .. import labels

    if not isinstance(value, str):
        return value
    if value in _codes_by_label(kind):
        return _codes_by_label(kind)[value]
    return value.split(" ", 1)[0] if kind in labels.NUMBERED_KINDS else value


def _codes_of(kind: str, text):
    """A list of labels (``污水、热力``, ``sewer, heat``) or codes back to its codes (``sewer,heat``)."""
    if not isinstance(text, str):
        return text
    items = [i for i in re.split(r"\s*[、,;，；]\s*", text.strip()) if i]
    return ",".join(_codes_by_label(kind).get(i, i) for i in items)


#: The formats :func:`write_analysis` writes, by suffix: GIS forms, then tables.
ANALYSIS_FORMATS: tuple[str, ...] = (".gpkg", ".geojson", ".parquet", ".csv", ".xlsx")


def write_analysis(frame: gpd.GeoDataFrame, out: str | Path, *, labels: str = "zh", header=None) -> Path:
    """Write an analysis layer (not a canonical one, e.g. extension routes) to ``out``,
    atomically: .gpkg (layer named after the file), .geojson (WGS84) or .parquet with the
    canonical names and codes, for GIS and scripts; .csv or .xlsx as :func:`write_table`
    writes them (a table for people in ``labels``, or ``"code"``)."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in ANALYSIS_FORMATS:
        raise ParameterError("out", out, f"write {', '.join(ANALYSIS_FORMATS[:-1])} or {ANALYSIS_FORMATS[-1]}")
    if suffix in TABLE_FORMATS:
        return write_table(frame, out, labels=labels, header=header)
    with atomic_path(out) as tmp:
        if suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            pyogrio.write_dataframe(frame if suffix == ".gpkg" else frame.to_crs(4326), tmp,
                                    layer=out.stem if suffix == ".gpkg" else None,
                                    driver="GPKG" if suffix == ".gpkg" else "GeoJSON")
    return out


#: The formats :func:`write_table` writes, by suffix.
TABLE_FORMATS: tuple[str, ...] = (".csv", ".xlsx")


def write_table(frame: pd.DataFrame, out: str | Path, *, labels: str = "zh", sheet: str | None = None,
                header=None, layer: str | None = None) -> Path:
    """Write ``frame`` as a table to ``out`` (.csv or .xlsx, by its suffix), atomically; the
    one writer of landplan's tables.

    ``labels`` is ``"zh"`` or ``"en"`` for a table for people (:func:`people_table`: the
    catalogue's headers, or ``header(column, lang)``, coded values as their words, yes/no and
    dates as :func:`cell_text` shows them; the XLSX shows numbers with their unit's decimals),
    or ``"code"`` for the frame's own columns and values (canonical names and codes, for
    scripts; a table its caller has already worded is written so too). Geometry is dropped.
    Text a spreadsheet would run as a formula stays text (:func:`write_csv`, :func:`write_xlsx`);
    dates are written YYYY-MM-DD. ``sheet`` names the XLSX sheet (default ``Sheet1``).

    >>> import tempfile
    >>> frame = pd.DataFrame({"parcel_id": ["A"], "status": ["idle"], "area_mu": [12.345]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     out = write_table(frame, Path(folder) / "t.csv", labels="en")
    ...     out.read_text(encoding="utf-8-sig").splitlines()
    ['parcel id,status,area (mu)', 'A,idle,12.345']
    """
    out = Path(out)
    if out.suffix.lower() not in TABLE_FORMATS:
        raise ParameterError("out", out, f"write {' or '.join(TABLE_FORMATS)}")
    if labels not in TABLE_LANGS:
        raise ParameterError("labels", labels, f"use {', '.join(TABLE_LANGS)}")
    table, units = people_table(frame, labels, header=header, layer=layer)
    with atomic_path(out) as tmp:
        if out.suffix.lower() == ".csv":
            write_csv(table, tmp, date_format="%Y-%m-%d")
        else:
            name = sheet or "Sheet1"
            write_xlsx({name: table}, tmp, out=out,
                       number_formats={name: {h: number_format(u) for h, u in units.items()}})
    return out


def number_format(unit: str) -> str:
    """The spreadsheet number format showing ``unit``'s decimals (as :func:`landplan.labels.fmt`)."""
    from .. import labels

    digits = labels.UNIT_DIGITS.get(unit, 2)
    return "#,##0" + ("." + "0" * digits if digits else "")


def canonical_table(frame: pd.DataFrame, columns, *, header=None, layer: str | None = None) -> pd.DataFrame:
    """A table written by :func:`people_table` (in any language, or canonical) read back to
    canonical names and codes: the inverse of headers, value labels and yes/no words.

    ``columns`` are the canonical names the table may hold, in their table order (a numbered
    header ``X(2)`` is the second of them labelled ``X``); a header none of them has stays as
    it is, and so does a value no label of its column's kind has (it is data).
    """
    from .. import labels

    header = header or (lambda c, lg: labels.column(str(c), lg, layer=layer))
    by_header: dict[str, list[str]] = {}
    for column in columns:
        for name in (str(column), header(column, "zh"), header(column, "en")):
            names = by_header.setdefault(name, [])
            if column not in names:
                names.append(column)
    renamed = []
    for h in frame.columns:
        text = str(h)
        m = re.fullmatch(r"(.*)\((\d+)\)", text)
        if text in by_header:
            renamed.append(by_header[text][0])
        elif m and m.group(1) in by_header and int(m.group(2)) <= len(by_header[m.group(1)]):
            renamed.append(by_header[m.group(1)][int(m.group(2)) - 1])
        else:
            renamed.append(text)
    out = frame.set_axis(renamed, axis=1)
    words = {"True": True, "False": False}
    for lang in ("zh", "en"):
        for yes_no in (("report.yes", "report.no"), ("report.pass", "report.fail")):
            words[labels.t(yes_no[0], lang)] = True
            words[labels.t(yes_no[1], lang)] = False
    for pos, column in enumerate(out.columns):
        values = out.iloc[:, pos]
        if values.dtype != object and not isinstance(values.dtype, pd.StringDtype):
            continue
        if _rule_keys_column(column):
            out.isetitem(pos, values.map(_rule_keys_of))
            continue
        items = _list_kind(column)
        if items is not None:
            out.isetitem(pos, values.map(functools.partial(_codes_of, items)))
            continue
        kind = labels.kind_of(str(column), layer=layer)
        if kind is not None:
            out.isetitem(pos, values.map(functools.partial(_code_of, kind)))
            continue
        present = values.dropna()
        if len(present) and present.map(lambda v: isinstance(v, str) and v in words).all():
            flags = values.map(lambda v: words.get(v) if isinstance(v, str) else None)
            out.isetitem(pos, flags.astype(bool) if values.notna().all() else flags.astype("boolean"))
    return out
