"""Benchmark: one parcel edit (:func:`landplan.edit.update_parcel`) on 20k and 100k parcels.

For each size the demo park's parcels (``make_demo(parcels=N, seed=0)``) are written once into
``bench/_work/edit/park_N`` as a GeoPackage workspace, and a first update starts its history
(the baseline: every parcel stored once, untimed). Then, best of ``--repeat`` each:

- ``update_parcel``: the holder of one parcel set to a new name (every run a real change,
  recorded in the history);
- ``landplan update``: the same through the command line, a fresh process (its start-up
  included);
- the full rewrite, once: the same update with the workspace's sync note removed
  (``parcels/.history-sync.json``), so that the layer and its history are read, compared and
  rewritten whole: the path every update took before issue 21 (and still takes after an edit
  made outside landplan);
- the peer, in the same run: a plain ``pyogrio.read_dataframe`` of the parcels layer
  (``use_arrow=True``), what reading the park once costs.

The goal (issue 21): one update of one parcel's holder ≤ 1 s at 100,000 parcels. The table
replaces the section "## Parcel edit" of ``--out`` and keeps the others.

Usage: ``python bench/edit_bench.py [--sizes 20000 100000] [--repeat 3] [--out bench/RESULTS.md]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import pyogrio

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import produced_by, replace_section, save_figures  # noqa: E402

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work" / "edit"
TITLE = "Parcel edit"
HEADING = f"## {TITLE}"
GOAL_S = 1.0
DATE = "2026-06-01"


def _park(n: int) -> tuple[Path, str, float]:
    """The workspace of ``n`` parcels with a history started; (folder, a parcel id, build s)."""
    from landplan.demo import make_demo
    from landplan.edit import update_parcel
    from landplan.workspace import Workspace

    path = WORK / f"park_{n}"
    t0 = time.perf_counter()
    if path.exists():
        import shutil

        shutil.rmtree(path)
    park = make_demo(parcels=n, seed=0)
    ws = Workspace(path)
    ws.write("parcels", park.parcels)
    parcel = str(park.parcels["parcel_id"].iloc[n // 2])
    update_parcel(ws, parcel, {"holder": "基线前"}, date=dt.date(2026, 1, 1))  # starts the history
    return path, parcel, time.perf_counter() - t0


def _best(run, repeat: int) -> float:
    times = []
    for k in range(repeat):
        t0 = time.perf_counter()
        run(k)
        times.append(time.perf_counter() - t0)
    return min(times)


def measure(n: int, repeat: int) -> dict:
    from landplan.edit import update_parcel

    path, parcel, built = _park(n)
    layer = path / "parcels" / "parcels.gpkg"
    day = dt.date.fromisoformat(DATE)
    api = _best(lambda k: update_parcel(path, parcel, {"holder": f"合肥测试企业{k}"}, date=day), repeat)
    exe = Path(sys.executable).with_name("landplan")
    env = {**os.environ, "LANDPLAN_LANG": "zh"}

    def cli(k: int) -> None:
        subprocess.run([str(exe), "update", parcel, "--set", f"holder=命令行企业{k}", "--date", DATE,
                        "--workspace", str(path)], check=True, capture_output=True, env=env)

    command = _best(cli, repeat)

    def full(k: int) -> None:
        from landplan.history import SYNC_FILE

        (path / SYNC_FILE).unlink(missing_ok=True)
        update_parcel(path, parcel, {"holder": f"全量重写企业{k}"}, date=day)

    rewrite = _best(full, 1)
    peer = _best(lambda k: pyogrio.read_dataframe(layer, layer="parcels", use_arrow=True), repeat)
    return {"parcels": n, "built_s": built, "update_s": api, "cli_s": command, "full_s": rewrite,
            "read_s": peer,
            "size_mib": layer.stat().st_size / 2**20,
            "history_mib": (path / "parcels" / "history.gpkg").stat().st_size / 2**20}


def section(rows: list[dict], repeat: int, command: str) -> str:
    import geopandas
    import pandas
    import shapely

    lines = [
        HEADING, "",
        f"Measured {dt.date.today():%Y-%m-%d} by {command} on {os.cpu_count()} CPUs (os.cpu_count), "
        f"{platform.system()} {platform.release()}, {platform.machine()}; python "
        f"{platform.python_version()}, geopandas {geopandas.__version__}, shapely {shapely.__version__}, "
        f"pyogrio {pyogrio.__version__}, GDAL {pyogrio.__gdal_version_string__}, pandas {pandas.__version__}.",
        "",
        "Data: `make_demo(parcels=N, seed=0).parcels` written as a GeoPackage workspace, its history "
        "started by a first update (untimed). Seconds, best of "
        f"{repeat}: `update_parcel` sets one parcel's holder (a real change each run, recorded in "
        "`parcels/history.gpkg`); `landplan update` does the same in a fresh process; in brackets the "
        "ratio to the peer measured in the same run (the full rewrite: one run), a plain `pyogrio.read_dataframe` of the parcels "
        f"layer (arrow). Goal: ≤ {GOAL_S:g} s at 100,000 parcels.",
        "",
        "| parcels | update_parcel | landplan update | full rewrite (before) | peer: read the layer "
        "| parcels.gpkg | history.gpkg |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['parcels']:,} | {r['update_s']:.2f} ({r['update_s'] / r['read_s']:.2f}×) | "
            f"{r['cli_s']:.2f} ({r['cli_s'] / r['read_s']:.2f}×) | {r['full_s']:.2f} ({r['full_s'] / r['read_s']:.1f}×) | "
            f"{r['read_s']:.2f} (1.00×) | "
            f"{r['size_mib']:.1f} MiB | {r['history_mib']:.1f} MiB |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    rows = []
    for n in args.sizes:
        row = measure(n, args.repeat)
        print(f"{n:>9,} parcels: update_parcel {row['update_s']:.2f} s, landplan update "
              f"{row['cli_s']:.2f} s, full rewrite {row['full_s']:.2f} s, read {row['read_s']:.2f} s", flush=True)
        rows.append(row)
    command = produced_by(__file__, argv)
    replace_section(args.out, HEADING, section(rows, args.repeat, command))
    save_figures(args.out, "edit_bench", TITLE,
                 {"update_parcel": {r["parcels"]: {"seconds": r["update_s"], "peak_gib": None} for r in rows}},
                 command)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
