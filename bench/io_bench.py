"""Vector I/O benchmark: write and read demo parcels as Shapefile, GeoPackage and GeoParquet.

Engines, all measured in one run on the same frame (``make_demo(parcels=N).parcels``, its
polygons promoted to MultiPolygon so that every engine writes the same layer):

- ``pyogrio`` (``use_arrow=False``) and ``pyogrio + arrow`` (``use_arrow=True``):
  :func:`pyogrio.write_dataframe` / :func:`pyogrio.read_dataframe`;
- ``fiona``: :func:`fiona.open` writing records (``writerecords``) and reading them back into a
  GeoDataFrame (``GeoDataFrame.from_features``), the work geopandas' fiona engine does;
- ``geopandas + pyarrow``: :meth:`GeoDataFrame.to_parquet` / :func:`geopandas.read_parquet`,
  GeoParquet's own path. GDAL's Parquet driver is used by pyogrio and fiona when their GDAL
  has it; the wheels installed here do not, and the table says so.

Each figure is the best of ``--repeat`` runs (fiona: best of ``--fiona-repeat``). Ratios
compare with pyogrio + arrow for the same format and operation (for GeoParquet, with pyogrio
+ arrow on GeoPackage). The Markdown table replaces the section ``## I/O: N parcels`` of
``--out`` and keeps the other sections.

Run::

    .venv/bin/python bench/io_bench.py [--parcels 100000] [--out bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import platform
import re
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import fiona
import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow
import pyogrio
import shapely
from shapely.geometry import mapping

from landplan.demo import make_demo

log = logging.getLogger("io_bench")

HERE = Path(__file__).resolve().parent
FORMATS = {  # name: (GDAL driver, suffix)
    "Shapefile": ("ESRI Shapefile", ".shp"),
    "GeoPackage": ("GPKG", ".gpkg"),
    "GeoParquet": ("Parquet", ".parquet"),
}
ENGINES = ("pyogrio", "pyogrio + arrow", "fiona", "geopandas + pyarrow")
REFERENCE = "pyogrio + arrow"
_FIONA_TYPES = {"str": "str", "float64": "float", "boolean": "bool", "Int64": "int",
                "datetime64[ms]": "date"}


# ------------------------------------------------------------------------------ engines
def _fiona_write(frame: gpd.GeoDataFrame, path: Path, driver: str) -> None:
    props = frame.drop(columns=frame.geometry.name)
    schema = {"geometry": "MultiPolygon",
              "properties": {c: _FIONA_TYPES[str(props[c].dtype)] for c in props.columns}}
    columns = []
    for name in props.columns:
        series = props[name]
        if str(series.dtype).startswith("datetime64"):
            values = [None if pd.isna(v) else v.date().isoformat() for v in series]
        else:
            values = series.astype(object).where(series.notna(), None).tolist()
        columns.append(values)
    names = list(props.columns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Shapefile: long field names are truncated
        with fiona.open(path, "w", driver=driver, schema=schema, crs_wkt=frame.crs.to_wkt()) as dst:
            dst.writerecords(
                {"geometry": mapping(geom), "properties": dict(zip(names, values, strict=True))}
                for geom, *values in zip(frame.geometry, *columns, strict=True)
            )


def _fiona_read(path: Path) -> gpd.GeoDataFrame:
    with fiona.open(path) as src:
        crs = src.crs_wkt
        features = list(src)
    return gpd.GeoDataFrame.from_features(features, crs=crs)


def _has_gdal_parquet() -> dict[str, bool]:
    return {"pyogrio": "Parquet" in pyogrio.list_drivers(),
            "fiona": "Parquet" in fiona.supported_drivers}


def _operations(fmt: str, path: Path, frame: gpd.GeoDataFrame
                ) -> dict[str, tuple[Callable, Callable] | str]:
    """engine → (write, read) callables, or the reason the engine cannot do the format."""
    driver, _suffix = FORMATS[fmt]
    parquet_ok = _has_gdal_parquet()
    ops: dict[str, tuple[Callable, Callable] | str] = {}
    for engine, arrow in (("pyogrio", False), ("pyogrio + arrow", True)):
        if fmt == "GeoParquet" and not parquet_ok["pyogrio"]:
            ops[engine] = f"pyogrio's GDAL {pyogrio.__gdal_version_string__} has no Parquet driver"
            continue
        ops[engine] = (
            lambda arrow=arrow: pyogrio.write_dataframe(frame, path, driver=driver,
                                                        use_arrow=arrow),
            lambda arrow=arrow: pyogrio.read_dataframe(path, use_arrow=arrow),
        )
    if fmt == "GeoParquet" and not parquet_ok["fiona"]:
        ops["fiona"] = f"fiona's GDAL {fiona.__gdal_version__} has no Parquet driver"
    else:
        ops["fiona"] = (lambda: _fiona_write(frame, path, driver), lambda: _fiona_read(path))
    if fmt == "GeoParquet":
        ops["geopandas + pyarrow"] = (lambda: frame.to_parquet(path),
                                      lambda: gpd.read_parquet(path))
    else:
        ops["geopandas + pyarrow"] = "geopandas' own (pyarrow) path is for GeoParquet only"
    return ops


def _remove(path: Path) -> None:
    for sibling in path.parent.glob(path.stem + ".*"):
        sibling.unlink()


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.stem + ".*"))


def _best(func: Callable[[], object], repeat: int, before: Callable[[], None] | None = None
          ) -> tuple[float, object]:
    """Best time of ``repeat`` calls of ``func`` (``before`` runs untimed before each)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        if before is not None:
            before()
        t0 = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - t0)
    return best, result


def run(parcels: int, *, repeat: int = 3, fiona_repeat: int = 2, workdir: Path) -> dict:
    """Time every engine × format; returns the measurements and the context."""
    t0 = time.perf_counter()
    park = make_demo(parcels=parcels, seed=0)
    built = time.perf_counter() - t0
    frame = park.parcels
    parts, index = shapely.get_parts(frame.geometry.values, return_index=True)
    multi = shapely.multipolygons(parts, indices=index)
    frame = frame.set_geometry(gpd.GeoSeries(multi, crs=frame.crs))
    results: dict[tuple[str, str], dict] = {}
    for fmt, (_driver, suffix) in FORMATS.items():
        for engine, op in _operations(fmt, workdir / f"{fmt.lower()}{suffix}", frame).items():
            path = workdir / f"{fmt.lower()}{suffix}"
            if isinstance(op, str):
                results[(fmt, engine)] = {"note": op}
                continue
            write, read = op
            n = fiona_repeat if engine == "fiona" else repeat
            log.info("%s, %s: writing", fmt, engine)
            t_write, _ = _best(write, n, before=lambda path=path: _remove(path))
            size = _size(path)
            log.info("%s, %s: reading", fmt, engine)
            t_read, back = _best(read, n)
            if len(back) != len(frame):
                raise RuntimeError(f"{fmt}/{engine}: read {len(back)} rows, wrote {len(frame)}")
            results[(fmt, engine)] = {"write": t_write, "read": t_read, "bytes": size}
            _remove(path)
            log.info("%s, %s: write %.2f s, read %.2f s", fmt, engine, t_write, t_read)
    return {"parcels": parcels, "columns": frame.shape[1] - 1, "built": built, "results": results,
            "repeat": repeat, "fiona_repeat": fiona_repeat}


# ------------------------------------------------------------------------------ report
def _machine() -> str:
    versions = {
        "python": platform.python_version(), "geopandas": gpd.__version__,
        "shapely": shapely.__version__, "pyogrio": pyogrio.__version__,
        "GDAL (pyogrio)": pyogrio.__gdal_version_string__, "fiona": fiona.__version__,
        "GDAL (fiona)": fiona.__gdal_version__, "pyarrow": pyarrow.__version__,
        "pandas": pd.__version__, "numpy": np.__version__,
    }
    return (f"{os.cpu_count()} CPUs (nproc), {platform.system()} {platform.release()}, "
            f"{platform.machine()}; " + ", ".join(f"{k} {v}" for k, v in versions.items()))


def markdown(run_result: dict) -> str:
    """The ``## I/O: N parcels`` section."""
    n, res = run_result["parcels"], run_result["results"]
    lines = [
        f"## I/O: {n:,} parcels",
        "",
        f"Measured {dt.date.today().isoformat()} by `bench/io_bench.py --parcels {n}` on "
        f"{_machine()}.",
        "",
        f"Data: `make_demo(parcels={n})` parcels ({run_result['columns']} attribute columns: text, "
        f"numbers, dates, a boolean; polygons promoted to MultiPolygon), EPSG:4527; built in "
        f"{run_result['built']:.1f} s. Seconds, best of {run_result['repeat']} "
        f"(fiona best of {run_result['fiona_repeat']}); in brackets the ratio to "
        f"{REFERENCE} for the same format and operation (GeoParquet: to {REFERENCE} on "
        f"GeoPackage). fiona writes and reads records with `fiona.open` and builds the "
        f"GeoDataFrame with `GeoDataFrame.from_features`.",
        "",
        "| format | operation | " + " | ".join(ENGINES) + " | file size |",
        "|---|---|" + "---:|" * len(ENGINES) + "---:|",
    ]
    notes: dict[str, int] = {}
    for fmt in FORMATS:
        ref_fmt = "GeoPackage" if "write" not in res[(fmt, REFERENCE)] else fmt
        for op in ("write", "read"):
            ref = res[(ref_fmt, REFERENCE)][op]
            cells, size = [], None
            for engine in ENGINES:
                r = res[(fmt, engine)]
                if op in r:
                    cells.append(f"{r[op]:.2f} ({r[op] / ref:.1f}×)")
                    size = size or r["bytes"]
                else:
                    mark = notes.setdefault(r["note"], len(notes) + 1)
                    cells.append(f"n/a [{mark}]")
            size_text = f"{size / 2**20:.1f} MiB" if op == "write" and size else ""
            lines.append(f"| {fmt} | {op} | " + " | ".join(cells) + f" | {size_text} |")
    lines.append("")
    lines += [f"[{k}] {note}." for note, k in notes.items()]
    fiona = [res[(f, "fiona")][op] / res[(f, REFERENCE)][op]
             for f in FORMATS for op in ("write", "read") if op in res[(f, "fiona")]]
    gpkg, parquet = res[("GeoPackage", REFERENCE)], res[("GeoParquet", "geopandas + pyarrow")]
    lines += [""]
    if fiona:
        lines.append(f"fiona takes {min(fiona):.0f}-{max(fiona):.0f} times as long as "
                     f"{REFERENCE}.")
    if "bytes" in gpkg and "bytes" in parquet:
        lines.append(f"GeoParquet is {gpkg['bytes'] / parquet['bytes']:.1f} times smaller than "
                     f"GeoPackage; written in {parquet['write'] / gpkg['write']:.1f}× and read in "
                     f"{parquet['read'] / gpkg['read']:.1f}× the time of {REFERENCE} on "
                     f"GeoPackage.")
    lines.append("")
    return "\n".join(lines)


def update_results(path: Path, section: str) -> None:
    """Replace the section with the same ``## `` heading in ``path`` (or append it)."""
    heading = section.splitlines()[0]
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section.rstrip("\n") + "\n\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=100_000, help="parcels (default 100000)")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md",
                        help="Markdown file to update (default bench/RESULTS.md)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    parser.add_argument("--fiona-repeat", type=int, default=2, help="runs per fiona measurement")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    work_root = HERE / "_work"
    work_root.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="io_", dir=work_root))
    try:
        result = run(args.parcels, repeat=args.repeat, fiona_repeat=args.fiona_repeat,
                     workdir=workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if work_root.exists() and not any(work_root.iterdir()):
            work_root.rmdir()
    section = markdown(result)
    update_results(args.out, section)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
