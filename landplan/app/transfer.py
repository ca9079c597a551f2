"""Data in and out of the app: uploads through ``landplan import``, downloads of the shown parcels.

Uploads are written under a fresh temporary folder by their bare file name (a name with
folders or ``..`` cannot place a file elsewhere), refused over :data:`MAX_UPLOAD_MB` (the
server's limit, :data:`landplan.app.server.MAX_UPLOAD_MB`, which Streamlit's
``maxUploadSize`` is set from), and imported with :func:`landplan.io.importer.import_layer`,
which refuses zips whose members would escape their folder. Downloads are built with
:func:`landplan.io.writers.write_layer` and :func:`landplan.evaluate.write_evaluation`, so they
are what ``landplan export`` and ``landplan evaluate`` write, and ``landplan import`` reads
them back.

Plain functions (no widgets): the data page calls them. A download takes the shown parcels by
parcel_id (:func:`shown_parcels`), never by row position.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import InputFileError, LandplanError
from ..io.atomic import atomic_path, scratch_dir
from ..io.importer import ImportReport, import_layer
from ..io.writers import _check_xlsx_text, write_layer, write_xlsx
from ..labels import column as column_label
from ..labels import t
from ..ruleset import RuleSet
from ..schema import PARCELS
from ..workspace import Workspace
from .data import MisalignedError, same_ids
from .server import MAX_UPLOAD_MB  # the server's limit: Streamlit's maxUploadSize is set from it

__all__ = ["MAX_UPLOAD_MB", "UPLOAD_TYPES", "DOWNLOADS", "UploadRefused", "check_upload",
           "import_upload", "shown_parcels", "parcels_download", "evaluation_download",
           "parcels_xlsx", "xlsx_refusal"]

#: File types the uploader offers (what ``landplan import`` reads; a Shapefile as its parts).
UPLOAD_TYPES = ["zip", "gpkg", "geojson", "json", "shp", "shx", "dbf", "prj", "cpg", "xlsx",
                "csv", "txt", "tif", "tiff"]
#: Download formats of the parcels: key -> (file suffix, MIME type).
DOWNLOADS = {
    "shp": (".zip", "application/zip"),
    "gpkg": (".gpkg", "application/geopackage+sqlite3"),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "coordtxt": (".txt", "text/plain"),
}
_MAIN_SUFFIXES = {".zip", ".gpkg", ".geojson", ".json", ".shp", ".xlsx", ".csv", ".txt", ".tif",
                  ".tiff"}


def check_upload(name: str, size: int, *, limit_mb: float = MAX_UPLOAD_MB) -> str:
    """The safe bare name of an upload; :class:`InputFileError` when it is too large or unnamed."""
    bare = Path(str(name).replace("\\", "/")).name
    if bare in {"", ".", ".."}:
        raise InputFileError(str(name), "the upload has no file name")
    if size > limit_mb * 1024 * 1024:
        raise InputFileError(bare, f"is {size / 1024 / 1024:.1f} MB; uploads are limited to "
                             f"{limit_mb:g} MB (import larger files with `landplan import`)")
    return bare


class UploadRefused(InputFileError):
    """An upload that could not be imported, said in the uploaded files' own names (not the
    server's temporary folder). ``unreadable`` names the file when no reader recognised it at
    all (the page says so in the planner's language)."""

    def __init__(self, path: str, message: str, *, where: str | None = None,
                 field: str | None = None, unreadable: str | None = None) -> None:
        super().__init__(path, message, where=where, field=field)
        self.unreadable = unreadable


#: GDAL's advice for its command line (prefix the path with a driver name): of no use for an
#: upload, whose path the planner does not type.
_GDAL_DRIVER_HINT = re.compile(r";?\s*It might help to specify the correct driver explicitly by "
                               r"prefixing the file path with '<DRIVER>:'[^)]*")


def _refused(exc: LandplanError, folder: Path) -> UploadRefused:
    """``exc`` said of the uploads: their bare names instead of paths in ``folder``, without
    GDAL's command-line advice."""
    def bare(text: str) -> str:
        for prefix in (str(folder) + "/", str(folder.resolve()) + "/", str(folder)):
            text = text.replace(prefix, "")
        return _GDAL_DRIVER_HINT.sub("", text)

    if isinstance(exc, InputFileError):
        path, message = bare(exc.path), bare(exc.message)
        unreadable = path if "not recognized as being in a supported file format" in message \
            else None
        return UploadRefused(path, message, where=exc.where, field=exc.field,
                             unreadable=unreadable)
    return UploadRefused("upload", bare(str(exc)))


def import_upload(files: Sequence[tuple[str, bytes]], layer: str, *, workspace: Path,
                  limit_mb: float = MAX_UPLOAD_MB, **options) -> ImportReport:
    """Import uploaded files (name, content) into ``layer`` of ``workspace``.

    The parts of a Shapefile (.shp, .dbf, .shx, .prj, .cpg) uploaded together are one
    source. ``options`` go to :func:`~landplan.io.importer.import_layer` (``crs``,
    ``encoding``, ``source_layer``, ``keep_extra``). Too large files are refused before
    anything is written; what is written is read as ``landplan import`` reads it, so a zip
    bomb, a .dbf announcing billions of records or a table of a million columns is refused
    the same way, in one line (zip members streamed to disk, never read whole). A refusal is
    :class:`UploadRefused`, naming the uploaded file as uploaded.
    """
    checked = [(check_upload(name, len(data), limit_mb=limit_mb), data) for name, data in files]
    if not checked:
        raise InputFileError("upload", "no file was uploaded")
    with scratch_dir("upload") as tmp:
        folder = Path(tmp)
        for name, data in checked:
            (folder / name).write_bytes(data)
        sources = [folder / name for name, _ in checked
                   if Path(name).suffix.lower() in _MAIN_SUFFIXES]
        if not sources:
            raise UploadRefused(checked[0][0], "no importable file among the uploads (a "
                                "Shapefile needs its .shp)")
        try:
            return import_layer(sources, layer, workspace=workspace, **options)
        except UploadRefused:
            raise
        except LandplanError as exc:
            raise _refused(exc, folder) from None


def shown_parcels(frame: pd.DataFrame, mask, *, workspace: Path,
                  columns: Sequence[str]) -> gpd.GeoDataFrame:
    """The shown parcels (``frame``'s rows of ``mask``) with their geometry, for a download.

    ``frame`` is what the page shows: with geometry (the parcels on a date, an evaluation)
    its own rows are taken, the parcels' ``columns``; without (the parcels layer as the page
    read it) the layer is read again and its parcels taken by parcel_id, in ``frame``'s
    order. A parcel the layer no longer has (changed meanwhile) is refused, never left out.
    """
    mask = np.asarray(mask, dtype=bool)
    if isinstance(frame, gpd.GeoDataFrame):
        keep = [c for c in columns if c in frame.columns and c != frame.geometry.name]
        return frame.loc[mask, [*keep, frame.geometry.name]].reset_index(drop=True)
    ids = frame["parcel_id"].astype(str).to_numpy(dtype=object)[mask]
    layer = Workspace(workspace).read("parcels").reset_index(drop=True)
    where = pd.Index(layer["parcel_id"].astype(str)).get_indexer(ids)
    if (where < 0).any():
        gone = ids[int(np.flatnonzero(where < 0)[0])]
        raise MisalignedError(f"parcel {gone!r} is shown but no longer in the parcels layer of "
                              f"{workspace}: the layer changed meanwhile; reload the page")
    out = layer.iloc[where].reset_index(drop=True)
    same_ids(out["parcel_id"].astype(str), ids, "the downloaded parcels and the shown ones")
    return out


def parcels_xlsx(frame: pd.DataFrame, out: Path) -> None:
    """The parcels' attributes as XLSX with Chinese headers (``landplan import`` maps them back)."""
    with atomic_path(out) as tmp:
        write_xlsx({"parcels": _parcels_sheet(frame)}, tmp, out=out.name)


def xlsx_refusal(frame: pd.DataFrame, *, name: str, evaluation: bool = False,
                 lang: str = "zh") -> str | None:
    """Why ``frame`` cannot be downloaded as the XLSX ``name`` (a text with a control
    character, or longer than a cell holds: :func:`landplan.io.writers.write_xlsx` refuses
    both), or ``None``: the parcels sheet, or the ``evaluation`` table's (its sheet named in
    ``lang``, as :func:`evaluation_download` writes it)."""
    sheet = (pd.DataFrame(frame.drop(columns=[frame.geometry.name], errors="ignore"))
             if evaluation else _parcels_sheet(frame))
    try:
        _check_xlsx_text(sheet, name, t("report.sheet.evaluation", lang) if evaluation else "parcels")
    except LandplanError as exc:
        return str(exc)
    return None


def _parcels_sheet(frame: pd.DataFrame) -> pd.DataFrame:
    """The sheet :func:`parcels_xlsx` writes."""
    plain = pd.DataFrame(frame.drop(columns=[frame.geometry.name], errors="ignore")
                         if isinstance(frame, gpd.GeoDataFrame) else frame)
    columns = [c for c in PARCELS.column_names if c in plain.columns]
    plain = plain[columns].copy()
    for column in plain.columns:
        if str(plain[column].dtype).startswith("datetime64"):
            plain[column] = plain[column].dt.date
        elif str(plain[column].dtype) == "boolean":
            plain[column] = plain[column].map({True: t("app.yes", "zh"), False: t("app.no", "zh")}).astype(object)
    plain.columns = [_header(c) for c in columns]
    return plain


def _header(column: str) -> str:
    """The Chinese label of ``column`` when import maps it back to it, else the column name."""
    from ..schema import match_column

    zh = column_label(column, "zh", layer="parcels")
    try:
        found = match_column("parcels", zh)[0]
    except Exception:  # noqa: BLE001 - a label that does not parse back: keep the name
        found = None
    return zh if found == column else column


def parcels_download(parcels: gpd.GeoDataFrame, fmt: str) -> bytes:
    """The parcels as ``fmt`` (see :data:`DOWNLOADS`): zipped GBK Shapefile, GeoPackage,
    XLSX or 界址点 txt (GBK)."""
    suffix, _mime = DOWNLOADS[fmt]
    with scratch_dir("download") as tmp:
        out = Path(tmp) / f"parcels{suffix}"
        if fmt == "xlsx":
            parcels_xlsx(parcels, out)
        else:
            write_layer(parcels, out, fmt=fmt, layer="parcels", encoding="gbk")
        return out.read_bytes()


def evaluation_download(table: gpd.GeoDataFrame, suffix: str, rules: RuleSet | None,
                        lang: str = "zh") -> bytes:
    """The evaluation table as ``.xlsx`` (with the definitions sheet) or ``.csv``, tables for
    people in ``lang`` (:func:`landplan.evaluate.write_evaluation`), or ``.gpkg`` (canonical
    columns and codes, for GIS)."""
    from ..evaluate import write_evaluation

    with scratch_dir("download") as tmp:
        out = write_evaluation(table, Path(tmp) / f"evaluation{suffix}", rules=rules, lang=lang)
        return out.read_bytes()
