"""Frame helpers of the store, public: what every writer of a layer or a table needs.

- :func:`conform`: canonical dtypes for the canonical columns of a layer read from a store
  (stores lose some: a GeoPackage gives dates as text when a column is all empty, a CSV gives
  everything as text);
- :func:`ogr_frame`: a copy GDAL writes with proper field types (dates as Date);
- :func:`csv_frame`: a copy with dates as ``YYYY-MM-DD`` text, for CSV;
- :func:`read_table`: a stored CSV table, every value as text;
- :func:`parquet_crs`: the CRS a GeoParquet file's metadata names, without reading the file.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..errors import SchemaError
from ..schema import canonical_dtype, coerce_column, layer_spec

__all__ = ["conform", "ogr_frame", "csv_frame", "read_table", "parquet_crs"]


def read_table(path: Path) -> pd.DataFrame:
    """A stored CSV table, every value as text (pyarrow's reader, 4× pandas' here; pandas' own
    when pyarrow refuses the file, e.g. a row with an extra value written by hand)."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", engine="pyarrow")
    except Exception:  # noqa: BLE001 - pyarrow's errors vary; pandas' reader names the problem
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def parquet_crs(path: Path):
    import json

    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    geo = json.loads(meta.get(b"geo", b"{}") or b"{}")
    col = geo.get("primary_column", "geometry")
    return geo.get("columns", {}).get(col, {}).get("crs")


def conform(name: str, frame, *, source) -> gpd.GeoDataFrame | pd.DataFrame:
    """Canonical dtypes for the canonical columns of a stored layer (stores lose some)."""
    spec = layer_spec(name)
    frame = frame.copy()
    for col in spec.columns:
        if col.name not in frame.columns:
            continue
        if str(frame[col.name].dtype) == canonical_dtype(col):
            continue
        series, errors = coerce_column(frame[col.name], col)
        if errors:
            idx, msg = next(iter(errors.items()))
            raise SchemaError(f"{source}: row {idx}, field {col.name}: {msg}")
        frame[col.name] = series
    return frame


def _date_objects(series: pd.Series) -> pd.Series:
    return pd.Series(
        [None if pd.isna(v) else v.date() for v in series], index=series.index, dtype=object
    )


def ogr_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy GDAL writes with proper field types: dates as Date (not DateTime)."""
    out = frame.copy()
    for column in out.columns:
        if column != out.geometry.name and str(out[column].dtype).startswith("datetime64"):
            out[column] = _date_objects(out[column])
    return out


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if str(out[column].dtype).startswith("datetime64"):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return out
