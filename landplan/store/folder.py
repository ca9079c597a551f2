"""The folder store: a workspace as a folder of canonical layers in one metric CRS (SPEC §2).

::

    data/
      parcels/parcels.gpkg        layer "parcels"
      parcels/enterprises.csv     enterprise ledger
      networks/roads.gpkg         layer "roads"   (pipelines, powerlines, facilities likewise)
      terrain/dem.tif             optional DEM
      rules.yaml                  optional rule overrides

GeoPackage is the default store; GeoParquet (``fmt="parquet"``) suits large parks. Every
write is atomic (see :mod:`landplan.io.atomic`). The workspace CRS is the CRS of its layers;
a layer written in another CRS is reprojected to it, and the first layer written into an
empty workspace fixes it (a metric CRS chosen by :func:`landplan.crs.metric_crs`).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyproj import CRS

from ..crs import is_metric_conformal, metric_crs
from ..errors import LandplanError, SchemaError, WorkspaceError
from ..geometry import area_m2, single_part
from ..io.atomic import atomic_path
from ..schema import LAYERS, VECTOR_LAYERS, layer_spec, validate_layer
from ..units import M2_PER_MU
from . import history, inplace
from .backend import is_database_url
from .frames import conform, csv_frame, ogr_frame, parquet_crs, read_table
from .lock import WorkspaceChangedError, lock_key, workspace_lock

__all__ = ["Workspace", "FORMATS"]

log = logging.getLogger("landplan.workspace")

#: Vector storage formats: name → file suffix.
FORMATS = {"gpkg": ".gpkg", "parquet": ".parquet"}


class Workspace:
    """A park's data folder.

    Parameters
    ----------
    path : str or Path
        The folder. It is created on the first write. A ``postgresql://`` URL gives a
        :class:`landplan.store.postgis.PostGISWorkspace` (the layers as PostGIS tables).
    fmt : {"gpkg", "parquet"}
        Format for vector layers written from now on. Reading finds either.

    Examples
    --------
    >>> ws = Workspace("data")                         # doctest: +SKIP
    >>> parcels = ws.read("parcels")                   # doctest: +SKIP
    >>> ws.write("parcels", parcels)                   # doctest: +SKIP
    """

    #: Whether a forked process may read this workspace (files: yes; a database connection
    #: pool must not be shared with a child process).
    fork_safe: bool = True
    #: Whether parcel writes are recorded in ``parcels/history.gpkg`` (see :mod:`landplan.store.history`).
    keeps_history: bool = True

    @classmethod
    def open(cls, path_or_url: str | os.PathLike, *, fmt: str = "gpkg") -> Workspace:
        """The workspace at ``path_or_url``: a folder, or a ``postgresql://`` URL (a
        :class:`landplan.store.postgis.PostGISWorkspace`). A workspace given is returned as is.

        >>> Workspace.open("data")                                   # doctest: +SKIP
        >>> Workspace.open("postgresql://clerk@/park?host=/run/postgresql")  # doctest: +SKIP
        """
        if isinstance(path_or_url, Workspace):
            return path_or_url
        if is_database_url(path_or_url):
            from .postgis import PostGISWorkspace  # SQLAlchemy is loaded for a database only

            return PostGISWorkspace(path_or_url)
        return cls(path_or_url, fmt=fmt)

    def __new__(cls, path: str | os.PathLike, *, fmt: str = "gpkg"):
        if cls is Workspace and is_database_url(path):
            import warnings

            from .postgis import PostGISWorkspace  # SQLAlchemy is loaded for a database only

            warnings.warn("Workspace(url) for a database is deprecated: use Workspace.open(url)",
                          DeprecationWarning, stacklevel=2)
            return super().__new__(PostGISWorkspace)
        return super().__new__(cls)

    def __init__(self, path: str | os.PathLike, *, fmt: str = "gpkg") -> None:
        if fmt not in FORMATS:
            raise WorkspaceError(f"unknown workspace format {fmt!r}; use one of {', '.join(FORMATS)}")
        self.path = Path(path)
        self.fmt = fmt
        if self.path.exists() and not self.path.is_dir():
            raise WorkspaceError(f"{self.path}: a workspace is a folder, this is a file")

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r}, layers={self.layers()})"

    # ---------------------------------------------------------------- writers
    def lock(self, *, wait_s: float | None = None):
        """The writer lock, as a context manager: hold it from the read a change is based on
        to its last write (see :mod:`landplan.store.lock`; :meth:`write` takes it by itself).

        >>> with ws.lock():                                 # doctest: +SKIP
        ...     parcels = ws.read("parcels")
        ...     parcels.loc[0, "holder"] = "X"
        ...     ws.write("parcels", parcels)
        """
        return workspace_lock(self, wait_s=wait_s)

    def _settle(self) -> None:
        """Before reading: a change a killed writer left half-done is finished first (taking
        the lock does it, see :mod:`landplan.lock`); one stat when there is none."""
        from ..io.atomic import JOURNAL

        if (self.path / JOURNAL).exists() or (self.path / history.PENDING_FILE).exists():
            with self.lock():
                inplace.finish_pending(self)

    def version(self, name: str) -> str:
        """A token that changes whenever layer ``name`` is written (``"none"`` while absent).

        :meth:`read` stamps the frame it returns with it; :meth:`write` refuses a frame
        stamped with an older token (someone wrote the layer after it was read).
        """
        path = self.existing_path(name)
        if path is None:
            return "none"
        st = path.stat()  # an atomic write is a rename: a new inode every time
        return f"{path.name}:{st.st_ino}:{st.st_mtime_ns}:{st.st_size}"

    # ---------------------------------------------------------------- paths
    def layer_path(self, name: str, fmt: str | None = None) -> Path:
        """Where layer ``name`` is (or would be) stored."""
        if name == "terrain":
            return self.path / "terrain" / "dem.tif"
        if name == "rules":
            return self.path / "rules.yaml"
        spec = layer_spec(name)
        if spec.geometry is None:
            return self.path / spec.folder / f"{spec.stem}.csv"
        return self.path / spec.folder / f"{spec.stem}{FORMATS[fmt or self.fmt]}"

    def existing_path(self, name: str) -> Path | None:
        """The file holding layer ``name`` now (newest if both formats exist), or ``None``."""
        if name in {"terrain", "rules"} or layer_spec(name).geometry is None:
            path = self.layer_path(name)
            return path if path.exists() else None
        found = [p for p in (self.layer_path(name, f) for f in FORMATS) if p.exists()]
        return max(found, key=lambda p: p.stat().st_mtime_ns) if found else None

    def has(self, name: str) -> bool:
        """Whether layer ``name`` exists in the workspace."""
        return self.existing_path(name) is not None

    def layers(self) -> list[str]:
        """Names of the layers present."""
        return [n for n in (*LAYERS, "terrain") if self.has(n)]

    @property
    def dem_path(self) -> Path | None:
        """The DEM GeoTIFF, or ``None`` when the workspace has none."""
        return self.existing_path("terrain")

    # ---------------------------------------------------------------- CRS
    @property
    def crs(self) -> CRS | None:
        """The workspace CRS: that of its first vector layer, ``None`` while it has none."""
        for name in VECTOR_LAYERS:
            path = self.existing_path(name)
            if path is None:
                continue
            if path.suffix == ".parquet":
                crs = parquet_crs(path)
            else:
                crs = pyogrio.read_info(path, layer=name)["crs"]
            if crs:
                return CRS.from_user_input(crs)
        return None

    # ---------------------------------------------------------------- read
    def read(self, name: str) -> gpd.GeoDataFrame | pd.DataFrame:
        """Read layer ``name`` with canonical dtypes (an empty layer when it does not exist)."""
        from ..schema import empty_layer

        self._settle()
        version = self.version(name)  # before reading: a write meanwhile is then a conflict
        path = self.existing_path(name)
        spec = layer_spec(name)
        if path is None:
            frame = empty_layer(name)
            if spec.geometry is not None:
                frame = frame.set_crs(self.crs, allow_override=True) if self.crs else frame
            return _stamped(frame, self, name, version)
        if spec.geometry is None:
            frame = read_table(path)
        elif path.suffix == ".parquet":
            frame = gpd.read_parquet(path)
        else:
            frame = pyogrio.read_dataframe(path, layer=name, use_arrow=True)
        frame = conform(name, frame, source=path)
        if spec.geometry is not None:
            frame = frame.set_geometry(single_part(frame.geometry.to_numpy()), crs=frame.crs)
        return _stamped(frame, self, name, version)

    def read_rows(self, name: str, column: str, value: str) -> gpd.GeoDataFrame | pd.DataFrame:
        """The rows of layer ``name`` whose ``column`` is ``value``, canonical dtypes, indexed by
        their feature id in the store (a GeoPackage's ``fid``, else the row's position).

        In a GeoPackage only those rows are read (an SQL filter), not the layer.
        """
        self._settle()
        path = self.existing_path(name)
        spec = layer_spec(name)
        if path is None or spec.geometry is None or path.suffix != ".gpkg":
            frame = self.read(name)
            frame.attrs.pop(_READ_STAMP, None)
            return frame[(frame[column] == value).to_numpy()] if column in frame else frame.iloc[0:0]
        quoted = str(value).replace("'", "''")
        frame = pyogrio.read_dataframe(path, layer=name, where=f"\"{column}\" = '{quoted}'",
                                       use_arrow=True, fid_as_index=True)
        frame = conform(name, frame, source=path)
        return frame.set_geometry(single_part(frame.geometry.to_numpy()), crs=frame.crs)

    # ---------------------------------------------------------------- write
    def write(self, name: str, frame: gpd.GeoDataFrame | pd.DataFrame, *, fmt: str | None = None,
              change=None) -> Path:
        """Validate and atomically write layer ``name``; returns the file written.

        Vector layers are reprojected to the workspace CRS (or, in an empty workspace, to
        the metric CRS of the data). The other format's file of the same layer is removed
        after the write, so a layer lives in one file. ``change`` (a
        :class:`landplan.history.Change`) records a parcels write as that change in the
        history (its ``change_id`` is set); without it a write into a workspace with a history
        is recorded as a ``write``.
        """
        spec = layer_spec(name)
        fmt = fmt or self.fmt
        given = frame
        if spec.geometry is not None:
            frame = self._to_workspace_crs(name, frame)
        frame = conform(name, frame, source=f"layer {name}")
        validate_layer(name, frame)
        with workspace_lock(self):
            self._check_version(name, given)
            if name == "parcels":  # recorded in parcels/history.gpkg when a change is due
                target = history.record_write(self, frame, fmt, change=change)
            else:
                target = self._store(name, frame, fmt)
            if _READ_STAMP in given.attrs:  # the caller's frame is now the version in force
                given.attrs[_READ_STAMP] = (_key(self), name, self.version(name))
        return target

    def _check_version(self, name: str, frame) -> None:
        """Refuse a frame read from this layer before its last write (a lost update)."""
        stamp = frame.attrs.get(_READ_STAMP)
        if not (isinstance(stamp, tuple) and len(stamp) == 3):
            return  # none, or one a GeoParquet file gave back (as a list): not this session's read
        key, layer, version = stamp
        if key != _key(self) or layer != name:
            return  # read from another workspace or layer: nothing to compare
        now = self.version(name)
        if version != now:
            raise WorkspaceChangedError(
                f"{self.path}: layer {name} was changed by another writer after it was read here "
                f"({_changed_by(self, name)}); nothing was written: read it again and redo the change")

    def _store(self, name: str, frame, fmt: str) -> Path:
        """Write a validated layer atomically (no history); returns the file written."""
        target = self.layer_path(name, fmt)
        with atomic_path(target) as tmp:
            self._write_file(name, frame, fmt, tmp)
        self._stored(name, fmt, len(frame))
        return target

    def _write_file(self, name: str, frame, fmt: str, path: Path) -> None:
        """Write a validated layer to ``path`` (a temporary file: see :mod:`landplan.io.atomic`).

        ``frame`` is the conformed copy :meth:`write` made: its read stamp is dropped here, so
        that a GeoParquet store does not keep it in its metadata.
        """
        frame.attrs.pop(_READ_STAMP, None)
        spec = layer_spec(name)
        if spec.geometry is None:
            csv_frame(frame).to_csv(path, index=False, encoding="utf-8-sig")
        elif fmt == "parquet":
            frame.to_parquet(path, index=False)
        else:
            pyogrio.write_dataframe(
                ogr_frame(frame), path, layer=name, driver="GPKG", use_arrow=True,
                promote_to_multi=spec.geometry != "point",
            )

    def _stored(self, name: str, fmt: str, rows: int) -> None:
        """After layer ``name`` was written in ``fmt``: the other format's file goes."""
        if layer_spec(name).geometry is not None:
            for other in FORMATS:
                stale = self.layer_path(name, other)
                if other != fmt and stale.exists():
                    stale.unlink()
        log.info("wrote %s (%d rows) to %s", name, rows, self.layer_path(name, fmt))


    def _to_workspace_crs(self, name: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        if frame.crs is None:
            raise SchemaError(f"{name}: the layer has no CRS")
        crs = self.crs
        if crs is None:
            if is_metric_conformal(frame.crs) or len(frame) == 0:
                return frame
            crs = metric_crs(frame.crs, frame.total_bounds)
        return frame if frame.crs.equals(crs) else frame.to_crs(crs)

    def write_dem(self, array: np.ndarray, transform, crs, *, nodata: float | None = None) -> Path:
        """Write a single-band float32 DEM (metres) to ``terrain/dem.tif``, tiled and compressed."""
        import rasterio

        target = self.layer_path("terrain")
        profile = {
            "driver": "GTiff", "height": array.shape[0], "width": array.shape[1], "count": 1,
            "dtype": "float32", "crs": CRS.from_user_input(crs).to_wkt(), "transform": transform,
            "nodata": nodata, "compress": "deflate", "predictor": 3, "tiled": True,
            "blockxsize": 256, "blockysize": 256,
        }
        with atomic_path(target) as tmp, rasterio.open(tmp, "w", **profile) as dst:
            dst.write(array.astype("float32"), 1)
        return target

    # ---------------------------------------------------------------- helpers
    def parcels_with_area(self) -> gpd.GeoDataFrame:
        """The parcels with ``area_m2`` and ``area_mu`` measured in the metric CRS."""
        parcels = self.read("parcels")
        parcels["area_m2"] = area_m2(parcels).to_numpy() if len(parcels) else np.array([])
        parcels["area_mu"] = parcels["area_m2"] / M2_PER_MU
        return parcels


#: The ``DataFrame.attrs`` key of the (workspace, layer, version) a frame was read as.
_READ_STAMP = "landplan_read_as"


def _key(ws) -> str:
    """The workspace in a read stamp: a digest of its lock key (a frame written to GeoParquet
    keeps its ``attrs``; the stamp must not carry the workspace's path into a file)."""
    import hashlib

    return hashlib.sha1(lock_key(ws).encode("utf-8")).hexdigest()[:16]


def _stamped(frame, ws, name: str, version: str):
    frame.attrs[_READ_STAMP] = (_key(ws), name, version)
    return frame


def _changed_by(ws, name: str) -> str:
    """The last recorded change, for the conflict message (or just 'written meanwhile')."""
    if name == "parcels":
        try:
            log_ = history.change_log(ws)
        except LandplanError:
            log_ = None
        if log_ is not None and len(log_):
            last = log_.iloc[-1]
            return f"last change {last['change_id']}: {last['command']} at {last['recorded_at']}"
    return "written meanwhile"


