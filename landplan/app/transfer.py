"""Data in and out of the app: uploads through ``landplan import``, downloads of the shown parcels.

Uploads are written under a fresh temporary folder by their bare file name (a name with
folders or ``..`` cannot place a file elsewhere), refused over :data:`MAX_UPLOAD_MB` (the
server's limit, :data:`landplan.app.server.MAX_UPLOAD_MB`, which Streamlit's
``maxUploadSize`` is set from), and imported with :func:`landplan.io.importer.import_layer`,
which refuses zips whose members would escape their folder. Downloads are built with
:func:`landplan.io.writers.write_layer` and :func:`landplan.evaluate.write_evaluation`, so they
are what ``landplan export`` and ``landplan evaluate`` write, and ``landplan import`` reads
them back.

Plain functions (no Streamlit): the data page calls them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..errors import InputFileError
from ..io.atomic import atomic_path, scratch_dir
from ..io.importer import ImportReport, import_layer
from ..io.writers import write_layer, write_xlsx
from ..schema import PARCELS, label
from .server import MAX_UPLOAD_MB  # the server's limit: Streamlit's maxUploadSize is set from it

__all__ = ["MAX_UPLOAD_MB", "UPLOAD_TYPES", "DOWNLOADS", "check_upload", "import_upload",
           "parcels_download", "evaluation_download", "parcels_xlsx"]

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


def import_upload(files: Sequence[tuple[str, bytes]], layer: str, *, workspace: Path,
                  limit_mb: float = MAX_UPLOAD_MB, **options) -> ImportReport:
    """Import uploaded files (name, content) into ``layer`` of ``workspace``.

    The parts of a Shapefile (.shp, .dbf, .shx, .prj, .cpg) uploaded together are one
    source. ``options`` go to :func:`~landplan.io.importer.import_layer` (``crs``,
    ``encoding``, ``source_layer``, ``keep_extra``). Too large files are refused before
    anything is written; what is written is read as ``landplan import`` reads it, so a zip
    bomb, a .dbf announcing billions of records or a table of a million columns is refused
    the same way, in one line (zip members streamed to disk, never read whole).
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
            raise InputFileError(checked[0][0], "no importable file among the uploads (a "
                                 "Shapefile needs its .shp)")
        return import_layer(sources, layer, workspace=workspace, **options)


def parcels_xlsx(frame: pd.DataFrame, out: Path) -> None:
    """The parcels' attributes as XLSX with Chinese headers (``landplan import`` maps them back)."""
    plain = pd.DataFrame(frame.drop(columns=[frame.geometry.name], errors="ignore")
                         if isinstance(frame, gpd.GeoDataFrame) else frame)
    columns = [c for c in PARCELS.column_names if c in plain.columns]
    plain = plain[columns].copy()
    for column in plain.columns:
        if str(plain[column].dtype).startswith("datetime64"):
            plain[column] = plain[column].dt.date
        elif str(plain[column].dtype) == "boolean":
            plain[column] = plain[column].map({True: "是", False: "否"}).astype(object)
    plain.columns = [_header(c) for c in columns]
    with atomic_path(out) as tmp:
        write_xlsx({"parcels": plain}, tmp, out=out.name)


def _header(column: str) -> str:
    """The Chinese label of ``column`` when import maps it back to it, else the column name."""
    from ..schema import match_column

    zh = label("parcels", column, "zh")
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


def evaluation_download(table: gpd.GeoDataFrame, suffix: str, rules: dict | None) -> bytes:
    """The evaluation table as ``.xlsx`` (with the definitions sheet), ``.csv`` or ``.gpkg``."""
    from ..evaluate import write_evaluation

    with scratch_dir("download") as tmp:
        out = write_evaluation(table, Path(tmp) / f"evaluation{suffix}", rules=rules)
        return out.read_bytes()
