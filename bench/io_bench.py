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

Each size (``--sizes``, default 10k, 100k and 1M parcels) runs in its own process, which reads
the frame from GeoParquet first; its peak RSS is read after landplan's own paths (pyogrio +
arrow, geopandas + pyarrow, run first) and at the end. Each figure is the best of ``--repeat``
runs (fiona: best of ``--fiona-repeat``; from 1M parcels one run, and only on the formats
whose fiona run, projected from the smaller size, stays within 5 minutes; GeoPackage always).
Ratios compare with pyogrio + arrow for the same size, format and operation (for GeoParquet,
with pyogrio + arrow on GeoPackage). The Markdown table replaces the section ``## I/O`` of
``--out`` (and an older ``## I/O: N parcels`` one) and keeps the other sections; the figures of
landplan's paths go to ``bench/_work/results/io_bench.json`` for the growth table.

Run::

    .venv/bin/python bench/io_bench.py [--sizes 10000 100000 1000000] [--out bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import resource
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import produced_by, replace_section, run_worker, save_figures  # noqa: E402

log = logging.getLogger("io_bench")

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work" / "io"
TITLE = "I/O"
HEADING = f"## {TITLE}"
FORMATS = {  # name: (GDAL driver, suffix)
    "Shapefile": ("ESRI Shapefile", ".shp"),
    "GeoPackage": ("GPKG", ".gpkg"),
    "GeoParquet": ("Parquet", ".parquet"),
}
ENGINES = ("pyogrio", "pyogrio + arrow", "fiona", "geopandas + pyarrow")
REFERENCE = "pyogrio + arrow"
#: Order of the runs in a size's process: landplan's own paths first (their peak RSS is read
#: before the others run).
RUN_ORDER = ("pyogrio + arrow", "geopandas + pyarrow", "pyogrio", "fiona")
#: From this size fiona runs once per format, and only where it fits in FIONA_BUDGET_S.
FIONA_ONE_RUN = 1_000_000
FIONA_BUDGET_S = 300.0
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


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def prepare(parcels: int, path: Path) -> dict:
    """Build ``make_demo(parcels=N).parcels`` (promoted to MultiPolygon) and save it as GeoParquet."""
    t0 = time.perf_counter()
    park = make_demo(parcels=parcels, seed=0)
    built = time.perf_counter() - t0
    frame = park.parcels
    del park
    parts, index = shapely.get_parts(frame.geometry.values, return_index=True)
    multi = shapely.multipolygons(parts, indices=index)
    frame = frame.set_geometry(gpd.GeoSeries(multi, crs=frame.crs))
    frame.to_parquet(path)
    return {"built": built, "columns": frame.shape[1] - 1}


def run(source: Path, *, repeat: int = 3, fiona_repeat: int = 2,
        fiona_formats: tuple[str, ...] = tuple(FORMATS), workdir: Path) -> dict:
    """Time every engine × format on the frame saved in ``source``; measurements and peaks.

    landplan's own paths (pyogrio + arrow, geopandas + pyarrow) run first, so that the peak
    RSS after them is theirs; then plain pyogrio and fiona (only on ``fiona_formats``).
    """
    frame = gpd.read_parquet(source)
    peaks = {"frame": _peak_gib()}
    results: dict[str, dict[str, dict]] = {fmt: {} for fmt in FORMATS}
    for engine in RUN_ORDER:
        if engine == "pyogrio":
            peaks["landplan"] = _peak_gib()
        for fmt, (_driver, suffix) in FORMATS.items():
            path = workdir / f"{fmt.lower()}{suffix}"
            op = _operations(fmt, path, frame)[engine]
            if isinstance(op, str):
                results[fmt][engine] = {"note": op}
                continue
            if engine == "fiona" and fmt not in fiona_formats:
                results[fmt][engine] = {"note": "skipped"}
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
            del back
            results[fmt][engine] = {"write": t_write, "read": t_read, "bytes": size, "runs": n}
            _remove(path)
            log.info("%s, %s: write %.2f s, read %.2f s", fmt, engine, t_write, t_read)
    peaks["all"] = _peak_gib()
    return {"parcels": len(frame), "results": results, "peaks": peaks}


def fiona_plan(n: int, earlier: dict[int, dict]) -> tuple[tuple[str, ...], int, str]:
    """Which formats fiona writes and reads at ``n`` parcels, its runs, and why.

    Below :data:`FIONA_ONE_RUN` parcels: every format, ``--fiona-repeat`` runs. From there, one
    run, and only the formats whose fiona write + read, projected linearly from the largest
    smaller size of this run, stays within :data:`FIONA_BUDGET_S`; GeoPackage always (without
    a smaller size to project from: GeoPackage only).
    """
    formats = tuple(FORMATS)  # where fiona's GDAL lacks a driver, the note wins anyway
    if n < FIONA_ONE_RUN:
        return formats, 0, ""
    smaller = [m for m in earlier if m < n]
    if not smaller:
        return ("GeoPackage",), 1, (f"at {n:,} parcels fiona was measured on GeoPackage only "
                                    "(one run; no smaller size in this run to project from)")
    m = max(smaller)
    keep, dropped, no_driver = [], [], []
    for fmt in formats:
        r = earlier[m]["results"][fmt].get("fiona", {})
        if "write" in r:
            projected = (r["write"] + r["read"]) * n / m
        elif r.get("note", "skipped") != "skipped":
            keep.append(fmt)  # no driver: nothing runs
            no_driver.append(fmt)
            continue
        else:
            projected = float("inf")
        if fmt == "GeoPackage" or projected <= FIONA_BUDGET_S:
            keep.append(fmt)
        elif projected == float("inf"):
            dropped.append(f"{fmt} (not run at {m:,} parcels either)")
        else:
            dropped.append(f"{fmt} (projected {projected / 60:.1f} min from {m:,} parcels)")
    why = f"at {n:,} parcels fiona ran once per format"
    if dropped:
        ran = [f for f in keep if f not in no_driver]
        why += (f" and only on {', '.join(ran)}: a run takes more than "
                f"{FIONA_BUDGET_S / 60:.0f} minutes on " + ", ".join(dropped))
    return tuple(keep), 1, why


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


def markdown(runs: dict[int, dict], *, built: dict[int, float], columns: int, repeat: int,
             fiona_repeat: int, plans: dict[int, str], command: str) -> str:
    """The ``## I/O`` section: one table over every size, peaks, and the fiona notes."""
    sizes = sorted(runs)
    lines = [
        HEADING,
        "",
        f"Measured {dt.date.today().isoformat()} by {command} on {_machine()}.",
        "",
        f"Data: `make_demo(parcels=N)` parcels ({columns} attribute columns: text, numbers, dates, a "
        "boolean; polygons promoted to MultiPolygon), EPSG:4527; built in "
        + ", ".join(f"{built[n]:.1f} s ({n:,})" for n in sizes)
        + ". Each size runs in its own process, which first reads the frame from GeoParquet "
        f"(untimed). Seconds, best of {repeat} (fiona best of {fiona_repeat}, one run from "
        f"{FIONA_ONE_RUN:,} parcels); in brackets the ratio to {REFERENCE} for the same size, "
        f"format and operation (GeoParquet: to {REFERENCE} on GeoPackage). fiona writes and reads "
        "records with `fiona.open` and builds the GeoDataFrame with `GeoDataFrame.from_features`. "
        f"landplan's own paths are {REFERENCE} (GeoPackage, Shapefile) and geopandas + pyarrow "
        "(GeoParquet).",
        "",
        "| parcels | format | operation | " + " | ".join(ENGINES) + " | file size |",
        "|---:|---|---|" + "---:|" * len(ENGINES) + "---:|",
    ]
    notes: dict[str, int] = {}
    for n in sizes:
        res = runs[n]["results"]
        for fmt in FORMATS:
            ref_fmt = "GeoPackage" if "write" not in res[fmt][REFERENCE] else fmt
            for op in ("write", "read"):
                ref = res[ref_fmt][REFERENCE][op]
                cells, size = [], None
                for engine in ENGINES:
                    r = res[fmt][engine]
                    if op in r:
                        cells.append(f"{r[op]:.2f} ({r[op] / ref:.1f}×)")
                        size = size or r["bytes"]
                    elif r["note"] == "skipped":
                        cells.append("not run [*]")
                    else:
                        mark = notes.setdefault(r["note"], len(notes) + 1)
                        cells.append(f"n/a [{mark}]")
                size_text = f"{size / 2**20:.1f} MiB" if op == "write" and size else ""
                lines.append(f"| {n:,} | {fmt} | {op} | " + " | ".join(cells) + f" | {size_text} |")
    lines.append("")
    lines += [f"[{k}] {note}." for note, k in notes.items()]
    if any(r[e].get("note") == "skipped" for run in runs.values()
           for r in run["results"].values() for e in r):
        lines.append("[*] fiona not run on this format at this size (see below).")
    lines += ["", "Peak RSS of each size's process: after reading the frame; after landplan's paths "
              f"({REFERENCE} on Shapefile and GeoPackage, GeoParquet); at the end (plain pyogrio "
              "and fiona included: fiona holds every record as Python objects).", "",
              "| parcels | frame read | landplan's paths | all engines |", "|---:|---:|---:|---:|"]
    for n in sizes:
        pk = runs[n]["peaks"]
        lines.append(f"| {n:,} | {pk['frame']:.2f} GiB | {pk['landplan']:.2f} GiB | {pk['all']:.2f} GiB |")
    lines.append("")
    for n in sizes:
        res = runs[n]["results"]
        fiona = [res[f]["fiona"][op] / res[f][REFERENCE][op]
                 for f in FORMATS for op in ("write", "read") if op in res[f]["fiona"]]
        gpkg, parquet = res["GeoPackage"][REFERENCE], res["GeoParquet"]["geopandas + pyarrow"]
        said = []
        if fiona:
            said.append(f"fiona takes {min(fiona):.0f}-{max(fiona):.0f} times as long as {REFERENCE}")
        if "bytes" in gpkg and "bytes" in parquet:
            said.append(f"GeoParquet is {gpkg['bytes'] / parquet['bytes']:.1f} times smaller than "
                        f"GeoPackage, written in {parquet['write'] / gpkg['write']:.1f}× and read in "
                        f"{parquet['read'] / gpkg['read']:.1f}× the time of {REFERENCE} on GeoPackage")
        if said:
            lines.append(f"At {n:,} parcels: " + "; ".join(said) + ".")
    notes_fiona = [plans[n] for n in sizes if plans.get(n)]
    if notes_fiona:
        lines += ["", "fiona at the largest sizes: " + "; ".join(notes_fiona) + "."]
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000],
                        help="parcels (default 10000 100000 1000000)")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md",
                        help="Markdown file to update (default bench/RESULTS.md)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    parser.add_argument("--fiona-repeat", type=int, default=2,
                        help=f"runs per fiona measurement (1 from {FIONA_ONE_RUN:,} parcels)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--fiona-formats", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    if args.worker:  # one size, in its own process: --worker FRAME.parquet
        workdir = Path(tempfile.mkdtemp(prefix="io_", dir=args.worker.parent))
        try:
            result = run(args.worker, repeat=args.repeat, fiona_repeat=args.fiona_repeat,
                         fiona_formats=tuple(f for f in args.fiona_formats.split(",") if f),
                         workdir=workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        print(json.dumps(result))
        return 0
    command = produced_by(__file__, argv)
    WORK.mkdir(parents=True, exist_ok=True)
    runs: dict[int, dict] = {}
    built: dict[int, float] = {}
    plans: dict[int, str] = {}
    columns = 0
    try:
        for n in args.sizes:
            source = WORK / f"parcels_{n}.parquet"
            made = prepare(n, source)
            built[n], columns = made["built"], made["columns"]
            formats, runs_1m, plans[n] = fiona_plan(n, runs)
            repeat_fiona = runs_1m or args.fiona_repeat
            log.info("%d parcels: fiona on %s, %d run(s)", n, ", ".join(formats), repeat_fiona)
            runs[n] = run_worker(__file__, source, args.repeat, "--fiona-repeat", str(repeat_fiona),
                                 "--fiona-formats", ",".join(formats))
            source.unlink()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
        if WORK.parent.exists() and not any(WORK.parent.iterdir()):
            WORK.parent.rmdir()
    section = markdown(runs, built=built, columns=columns, repeat=args.repeat,
                       fiona_repeat=args.fiona_repeat, plans=plans, command=command)
    replace_section(args.out, HEADING, section, replaces=("## I/O:",))
    series = {}
    for fmt in ("GeoPackage", "GeoParquet"):
        engine = REFERENCE if fmt == "GeoPackage" else "geopandas + pyarrow"
        for op in ("write", "read"):
            series[f"{fmt} {op} ({engine})"] = {
                n: {"seconds": r["results"][fmt][engine][op], "peak_gib": r["peaks"]["landplan"]}
                for n, r in runs.items()}
    save_figures(args.out, "io_bench", TITLE, series, command)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
