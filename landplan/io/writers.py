"""``landplan export``: give layers back in the forms land bureaus and analysts expect.

Formats:

- ``shp``: a zipped Shapefile (or the plain files when ``--out`` ends in ``.shp``) with a
  ``.prj`` (ESRI WKT of the CGCS2000 zone), a ``.cpg`` and text in GBK (default) or UTF-8;
  field names within dBASE's 10 bytes, cadastral codes where the standard has one (ZDDM,
  QLR, YT, ZDMJ …), no collisions, and the full name mapping ``<stem>.fields.csv`` inside
  the zip (landplan's import reads it back). Values a Shapefile cannot hold (text longer than
  254 bytes, characters outside GBK) are refused with the feature and field, never cut.
- ``gpkg``: GeoPackage; ``parquet``: GeoParquet; ``geojson``: RFC 7946 (WGS84, 9 decimals,
  i.e. 0.1 mm); ``coordtxt``: the ministry's 界址点 text file (parcels only).

Every output is written atomically.

Tables for people (CSV, XLSX) go through :func:`write_csv` and :func:`write_xlsx`, so that
text a spreadsheet would run as a formula (``=HYPERLINK(…)`` as a holder) stays text; see
:func:`escape_text`.
"""

from __future__ import annotations

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
from ..errors import CRSError, InputFileError, LandplanError, SchemaError
from ..schema import LAYERS, layer_spec
from ..workspace import Workspace, _ogr_frame
from .atomic import atomic_dir, atomic_path

__all__ = ["EXPORT_FORMATS", "ExportReport", "export_layer", "write_layer", "shapefile_fields",
           "FORMULA_START", "escape_text", "unescape_text", "csv_safe", "csv_unescaped", "write_csv",
           "write_xlsx"]

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

    def lines(self) -> list[str]:
        enc = f", encoding {self.encoding}" if self.encoding else ""
        return [f"export {self.layer}: {self.features} features as {self.fmt}, CRS {self.crs}{enc}",
                f"  written: {self.output}"]


def export_layer(
    layer: str,
    *,
    workspace: Workspace | str | Path = "data",
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
    ws = workspace if isinstance(workspace, Workspace) else Workspace(workspace)
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
            raise SchemaError("the coordinate text file (界址点 txt) holds parcels only")
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
                                     f"({exc.object[exc.start:exc.end]!r}); export with --encoding "
                                     "utf-8 or as gpkg", where=f"feature {pos + 1}", field=column) from None
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


def write_xlsx(sheets: dict[str, pd.DataFrame], path, *, out=None) -> None:
    """Write each frame (no index) as a sheet of the XLSX ``path``, text kept as text.

    openpyxl stores a text starting with ``=`` as a formula (pandas passes it on), so each
    such cell is made a text cell again, and every text cell starting with one of
    :data:`FORMULA_START` gets Excel's quote prefix (shown as typed, and editing it does not
    turn it into a formula). Reading the file gives the text back unchanged. Text an XLSX
    cannot hold (control characters, more than :data:`XLSX_TEXT_MAX` characters) is refused
    with :class:`~landplan.errors.LandplanError` naming ``out`` (default ``path``), sheet,
    row and field.
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
