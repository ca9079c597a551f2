"""Benchmark: terrain (场平) statistics of every parcel over the DEM, at 10k, 100k and 1M parcels.

For every size the demo park (``write_demo(parcels=N, seed=0, fmt="parquet")``, DEM in
``terrain/dem.tif``) is written once into ``bench/_work/evaluate/park_N`` (shared with
``evaluate_bench.py``); then, each in a fresh process (its peak RSS is its own), best of N:

- ``landplan``: :func:`landplan.terrain.evaluate_terrain` (count, mean, relief, slope, cut and
  fill, leveled; every parcel gets all its cells, nodata ignored);
- the peer, the GDAL floor: ``rasterio.features.rasterize`` of all parcels as ``(geometry, k)``
  pairs into one int32 label raster of the DEM's shape (``all_touched=False``, GDAL's
  cell-centre rule, later parcels overwrite earlier ones where they overlap), then
  ``np.bincount`` of the labels for the count and the sum of elevation. Two variants, each in
  its own process: shapely geometries passed directly (``floor-shapely``, rasterio reads their
  ``__geo_interface__``) and GeoJSON dicts (``floor-geojson``, ``shapely.to_geojson`` +
  ``json.loads``); the faster is the floor. Both include reading the DEM band.

The floor does less work than landplan: it ignores overlapping parcels (a cell goes to one
parcel), nodata, slope and cut/fill. The bench checks that both give the same cell count per
parcel and says how many parcels differ (and how many of those overlap another parcel).

Seconds, peak memory and the ratio landplan / floor go to ``bench/RESULTS.md`` under
"## Terrain (场平)"; the figures also go to ``bench/_work/results/terrain_bench.json`` for the
growth table (``bench/_growth.py``).

Usage: ``python bench/terrain_bench.py [--sizes 10000 100000 1000000] [--repeat 3] [--out FILE]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import (  # noqa: E402
    demo_workspace,
    produced_by,
    replace_section,
    run_worker,
    save_figures,
)

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work" / "terrain"
TITLE = "Terrain (场平)"
HEADING = f"## {TITLE}"
WHATS = ("landplan", "floor-shapely", "floor-geojson")
#: Parcels whose counts differ that are re-checked one by one (evenly spaced when more).
ALONE_MAX = 20_000


def _parcels(park: Path):
    import geopandas as gpd

    return gpd.read_parquet(park / "parcels" / "parcels.parquet", columns=["parcel_id", "geometry"])


def _best(fn, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def _floor(parcels, dem: Path, variant: str) -> tuple[object, object]:
    """Cell count and elevation sum per parcel (in the parcels' order) by one GDAL rasterize."""
    import numpy as np
    import rasterio
    import rasterio.features
    import shapely

    with rasterio.open(dem) as src:
        z = src.read(1)
        transform = src.transform
    geoms = np.asarray(parcels.geometry.values, dtype=object)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    labels = np.flatnonzero(keep).astype("int32") + 1  # 0 = no parcel
    if variant == "geojson":
        shapes = zip(map(json.loads, shapely.to_geojson(geoms[keep])), labels.tolist(), strict=True)
    else:
        shapes = zip(geoms[keep], labels.tolist(), strict=True)
    raster = rasterio.features.rasterize(shapes, out_shape=z.shape, transform=transform, fill=0,
                                         all_touched=False, dtype="int32")
    flat = raster.ravel()
    count = np.bincount(flat, minlength=len(geoms) + 1)[1:]
    total = np.bincount(flat, weights=z.ravel().astype("float64"), minlength=len(geoms) + 1)[1:]
    return count, total


def worker(park: Path, what: str, repeat: int, save: Path) -> dict:
    import numpy as np
    from pyproj import CRS

    from landplan.rules import load_rules
    from landplan.terrain import evaluate_terrain

    parcels = _parcels(park)
    dem = park / "terrain" / "dem.tif"
    if what == "landplan":
        rules = load_rules()
        seconds, frame = _best(lambda: evaluate_terrain(parcels, dem, rules), repeat)
        count = frame["dem_cells"].fillna(0).to_numpy("int64")
        mean = frame["elev_mean_m"].to_numpy("float64")
    else:
        import rasterio

        with rasterio.open(dem) as src:
            dem_crs = CRS.from_user_input(src.crs.to_wkt())
        if not CRS.from_user_input(parcels.crs).equals(dem_crs, ignore_axis_order=True):
            parcels = parcels.to_crs(dem_crs)  # untimed: the demo's layers share one CRS
        seconds, (count, total) = _best(lambda: _floor(parcels, dem, what.split("-")[1]), repeat)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    save.parent.mkdir(parents=True, exist_ok=True)
    np.savez(save, count=count, mean=mean)
    return {"what": what, "parcels": len(parcels), "seconds": seconds, "cells": int(count.sum()),
            "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}


def _overlapping(park: Path, which) -> tuple[int, int]:
    """(parcels whose interior meets another parcel's, how many of ``which`` do)."""
    import numpy as np
    import shapely

    geoms = np.asarray(_parcels(park).geometry.values, dtype=object)
    tree = shapely.STRtree(geoms)
    hit = np.zeros(len(geoms), dtype=bool)
    for predicate in ("overlaps", "contains"):  # contains: a parcel inside (or equal to) another
        a, b = tree.query(geoms, predicate=predicate)
        other = a != b
        hit[a[other]] = True
        hit[b[other]] = True
    return int(hit.sum()), int(hit[which].sum())


def _alone(park: Path, which) -> tuple[int, tuple]:
    """Cell counts of the parcels ``which``, each rasterized alone by GDAL in its own window.

    At most :data:`ALONE_MAX` parcels (evenly spaced) are checked; returns (checked, counts).
    """
    import numpy as np
    import rasterio
    import rasterio.features
    from rasterio.windows import Window
    from rasterio.windows import transform as window_transform

    which = np.asarray(which)
    if len(which) > ALONE_MAX:
        which = which[np.linspace(0, len(which) - 1, ALONE_MAX).astype(int)]
    geoms = _parcels(park).geometry.to_numpy()[which]
    counts = np.zeros(len(which), dtype="int64")
    with rasterio.open(park / "terrain" / "dem.tif") as src:
        inverse = ~src.transform
        for k, geom in enumerate(geoms):  # a check, not a hot path: one small window per parcel
            if geom is None or geom.is_empty:
                continue
            x0, y0, x1, y1 = geom.bounds
            cols, rows = zip(*(inverse * xy for xy in ((x0, y0), (x0, y1), (x1, y0), (x1, y1))),
                             strict=True)
            c0, r0 = max(int(np.floor(min(cols))) - 1, 0), max(int(np.floor(min(rows))) - 1, 0)
            c1 = min(int(np.ceil(max(cols))) + 1, src.width)
            r1 = min(int(np.ceil(max(rows))) + 1, src.height)
            if c1 <= c0 or r1 <= r0:
                continue
            window = Window(c0, r0, c1 - c0, r1 - r0)
            counts[k] = rasterio.features.rasterize(
                [(geom, 1)], out_shape=(r1 - r0, c1 - c0), transform=window_transform(window, src.transform),
                fill=0, all_touched=False, dtype="uint8").sum()
    return len(which), (which, counts)


def _check(park: Path, n: int, floor_what: str) -> dict:
    import numpy as np

    ours = np.load(WORK / f"landplan_{n}.npz")
    floors = {w: np.load(WORK / f"{w}_{n}.npz") for w in WHATS[1:]}
    floor = floors[floor_what]
    differ = ours["count"] != floor["count"]
    same = ~differ & (ours["count"] > 0)
    overlapping, overlapping_differ = _overlapping(park, np.flatnonzero(differ))
    checked, (which, alone) = _alone(park, np.flatnonzero(differ))
    mean_diff = float(np.max(np.abs(ours["mean"][same] - floor["mean"][same]))) if same.any() else float("nan")
    return {
        "agree": int((~differ).sum()), "differ": int(differ.sum()),
        "alone_checked": checked, "alone_equal": int((alone == ours["count"][which]).sum()),
        "overlapping": overlapping, "overlapping_differ": overlapping_differ,
        "mean_max_diff_m": mean_diff,
        "floors_agree": bool(np.array_equal(floors["floor-shapely"]["count"],
                                            floors["floor-geojson"]["count"])),
        "outside": int((ours["count"] == 0).sum()),
    }


def _versions() -> str:
    import geopandas
    import numpy
    import rasterio
    import shapely

    return (f"python {platform.python_version()}, numpy {numpy.__version__}, geopandas "
            f"{geopandas.__version__}, shapely {shapely.__version__}, rasterio {rasterio.__version__}, "
            f"GDAL (rasterio) {rasterio.__gdal_version__}")


def _dem_shape(park: Path) -> str:
    import rasterio

    with rasterio.open(park / "terrain" / "dem.tif") as src:
        return f"{src.width:,} × {src.height:,} cells of {src.res[0]:g} m"


def _write(results: dict, out: Path, repeat: int, command: str) -> None:
    lines = [
        HEADING, "",
        f"Measured {dt.date.today()} by {command} on {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.machine()}; {_versions()}.", "",
        "Demo parks (`write_demo(parcels=N, seed=0, fmt=\"parquet\")`): parcel_id + geometry read "
        "from GeoParquet (untimed) and the park's float32 DEM (`terrain/dem.tif`). "
        f"Seconds, best of {repeat}; each measurement in its own process, peak RSS of that "
        "process (parcels included). `landplan` = `evaluate_terrain` (cell-centre rule; count, "
        "mean, relief, slope, cut and fill, leveled; every parcel gets all its cells, nodata "
        "ignored). The peer, measured in the same run, is the GDAL floor: reading the DEM band, "
        "one `rasterio.features.rasterize` of all parcels as (geometry, k) pairs into an int32 "
        "label raster of the DEM's shape (`all_touched=False`), then `np.bincount` of the labels "
        "for the count and the sum of elevation; with shapely geometries passed directly "
        "(`shapely`) and as `shapely.to_geojson` + `json.loads` dicts (`geojson`), the faster "
        "taken as the floor. The floor does less work than landplan: it ignores overlapping "
        "parcels (a cell goes to the last parcel drawn), nodata, slope and cut/fill.", "",
        "| parcels | DEM | floor (shapely) | floor (geojson) | landplan | landplan / floor | "
        "floor peak | landplan peak |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for n in sorted(results):
        r = results[n]
        floor = min(r["floor-shapely"]["seconds"], r["floor-geojson"]["seconds"])
        floor_what = r["check"]["floor"]
        lines.append(
            f"| {n:,} | {r['dem']} | {r['floor-shapely']['seconds']:.2f} s | "
            f"{r['floor-geojson']['seconds']:.2f} s | {r['landplan']['seconds']:.2f} s | "
            f"{r['landplan']['seconds'] / floor:.2f}× | {r[floor_what]['peak_gib']:.2f} GiB | "
            f"{r['landplan']['peak_gib']:.2f} GiB |")
    lines += ["", "Check: cells per parcel, landplan's `dem_cells` against the floor's count; the "
              "parcels whose counts differ rasterized again one by one with GDAL (each alone, in its "
              f"own window; at most {ALONE_MAX:,} of them, evenly spaced):", "",
              "| parcels | same count | different | of the different, checked alone | "
              "alone = landplan | parcels overlapping another | max \\|Δ mean elevation\\| where "
              "the counts agree | the two floors agree |",
              "|---:|---:|---:|---:|---:|---:|---:|---|"]
    for n in sorted(results):
        c = results[n]["check"]
        lines.append(f"| {n:,} | {c['agree']:,} | {c['differ']:,} | {c['alone_checked']:,} | "
                     f"{c['alone_equal']:,} | {c['overlapping']:,} | {c['mean_max_diff_m']:.1e} m | "
                     f"{'yes' if c['floors_agree'] else 'NO'} |")
    lines += ["", "A count differs where one label raster cannot give a cell to two parcels: where "
              "parcels overlap, and where a cell centre lies exactly on an edge two parcels share "
              "(GDAL's tie rule gives such a cell to each parcel rasterized alone; in one raster "
              "the parcel drawn last keeps it). landplan counts such a cell for every parcel, as "
              "GDAL does for each parcel alone."]
    wrong = {n: r["check"] for n, r in results.items()
             if r["check"]["alone_equal"] < r["check"]["alone_checked"]}
    if wrong:
        lines.append("NOT explained: parcels whose landplan count differs from GDAL's for the "
                     "parcel alone: " + ", ".join(
                         f"{c['alone_checked'] - c['alone_equal']:,} at {n:,} parcels"
                         for n, c in sorted(wrong.items())) + ".")
    else:
        lines.append("Every parcel checked alone has landplan's count.")
    lines.append("")
    replace_section(out, HEADING, "\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--what", choices=WHATS, help=argparse.SUPPRESS)
    parser.add_argument("--save", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep bench/_work/terrain (counts)")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.what, args.repeat, args.save)))
        return 0
    command = produced_by(__file__)
    results: dict = {}
    try:
        for n in args.sizes:
            park = demo_workspace(n)
            r = {what: run_worker(__file__, park, args.repeat, "--what", what,
                                  "--save", str(WORK / f"{what}_{n}.npz"))
                 for what in WHATS}
            floor_what = min(WHATS[1:], key=lambda w: r[w]["seconds"])
            r["check"] = {"floor": floor_what, **_check(park, n, floor_what)}
            r["dem"] = _dem_shape(park)
            print(n, {w: round(r[w]["seconds"], 3) for w in WHATS}, r["check"], flush=True)
            results[n] = r
    finally:
        if not args.keep:
            shutil.rmtree(WORK, ignore_errors=True)
    _write(results, args.out, args.repeat, command)
    save_figures(args.out, "terrain_bench", TITLE,
                 {"evaluate_terrain": {n: {"seconds": r["landplan"]["seconds"],
                                           "peak_gib": r["landplan"]["peak_gib"]}
                                       for n, r in results.items()}},
                 command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
