"""Benchmark: the full evaluation (``landplan evaluate``) at 10k, 100k and 1M parcels, both engines.

For every size the demo park (``write_demo(parcels=N, seed=0, fmt="parquet")``, with its DEM)
is written once into ``bench/_work/evaluate/``; then, each in a fresh process (its peak RSS is
its own), one run of

- ``single``: :func:`landplan.evaluate.evaluate` (every column: efficiency, compliance, idle,
  lifecycle, terrain, coverage with routed extensions, revitalization); from 50,000 parcels
  its spatial columns run in one forked worker process (:mod:`landplan.engine`);
- ``dask-1`` / ``dask-2``: the same with ``engine="dask"`` on a ``dask.distributed``
  LocalCluster of 1 and 2 worker processes (``scheduler="local:1"`` / ``"local:2"``);
- ``floor``: the bare STRtree floor of the dominant spatial step — one
  ``lines.sindex.nearest(parcels)`` per network type (8 types) — and ``read``: reading the
  workspace's layers (the I/O floor), as the peers measured in the same run.

Memory, for every run, of its whole process tree (the process, a forked worker, dask's workers):

- ``peak`` = the largest total PSS (proportional set size: a page shared by k processes counts
  1/k in each, so the total is the memory the tree holds), sampled every 0.25 s from
  ``/proc/<pid>/smaps_rollup`` by this process, outside the measured one;
- ``RSS sum`` = the process's peak RSS + the largest child's (``RUSAGE_CHILDREN``): an upper
  bound, counting the pages a forked worker shares with its parent twice.

Seconds and peak memory go to ``bench/RESULTS.md`` under "## Full evaluation", with the growth
per 10× parcels (near-linear scaling is a ratio near 10).

Usage: ``python bench/evaluate_bench.py [--sizes 10000 100000 1000000] [--engines single dask-1 dask-2]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import demo_workspace, produced_by, replace_section, save_figures  # noqa: E402

HERE = Path(__file__).resolve().parent
TITLE = "Full evaluation"
HEADING = f"## {TITLE}"
GOAL_S, GOAL_GB = 60.0, 8.0


SAMPLE_S = 0.25


def _rss_sum_gib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + kids) / 1024 / 1024


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux ``/proc``)."""
    out = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            children = [int(c) for c in fh.read().split()]
    except OSError:
        return out
    for child in children:
        out += _tree(child)
    return out


def _pss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue  # the process ended meanwhile
    return total


def worker(path: Path, what: str) -> dict:
    from landplan.demo import DEMO_AS_OF
    from landplan.evaluate import evaluate

    out: dict = {"what": what}
    if what == "read":
        from landplan.workspace import Workspace

        ws = Workspace(path)
        start = time.perf_counter()
        for name in ("parcels", "ledger", "roads", "pipelines", "powerlines", "facilities"):
            ws.read(name)
        out["seconds"] = time.perf_counter() - start
    elif what == "floor":
        from landplan.coverage import network_lines
        from landplan.rules import load_rules
        from landplan.workspace import Workspace

        ws = Workspace(path)
        parcels = ws.read("parcels")
        lines = network_lines(**{n: ws.read(n) for n in ("roads", "pipelines", "powerlines")}, rules=load_rules())
        start = time.perf_counter()
        for series in lines.values():
            if len(series):
                series.sindex.nearest(parcels.geometry, return_all=False, return_distance=True)
        out["seconds"] = time.perf_counter() - start
    else:
        kwargs = {} if what == "single" else {"engine": "dask", "scheduler": f"local:{what.split('-')[1]}"}
        start = time.perf_counter()
        table = evaluate(path, as_of=DEMO_AS_OF, **kwargs)
        out["seconds"] = time.perf_counter() - start
        out["rows"] = len(table)
        out["columns"] = table.shape[1]
    out["rss_sum_gib"] = _rss_sum_gib()
    return out


def _run(path: Path, what: str) -> dict:
    """One measured run in a fresh process, its tree's PSS sampled from here."""
    import tempfile

    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        proc = subprocess.Popen([sys.executable, __file__, "--worker", str(path), "--what", what],
                                stdout=stdout, stderr=stderr, text=True)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _pss_kib(_tree(proc.pid)))
            time.sleep(SAMPLE_S)
        stdout.seek(0)
        stderr.seek(0)
        if proc.returncode:
            sys.stderr.write(stderr.read())
            raise RuntimeError(f"evaluate_bench worker {what} on {path} failed (exit {proc.returncode})")
        out = json.loads(stdout.read().strip().splitlines()[-1])
    out["peak_gib"] = peak / 1024 / 1024
    return out


def _write(results: dict, out: Path, engines: list[str], command: str) -> None:
    import dask
    import geopandas
    import shapely

    sizes = sorted(results)
    lines = [
        HEADING, "",
        f"Measured {dt.date.today()} by {command} on {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.machine()}; python {platform.python_version()}, "
        f"geopandas {geopandas.__version__}, shapely {shapely.__version__}, dask {dask.__version__}.", "",
        "Demo parks (`write_demo(parcels=N, seed=0, fmt=\"parquet\")`, DEM included) evaluated at "
        "`DEMO_AS_OF` with every column (efficiency, compliance, idle, lifecycle, terrain, coverage "
        "with routed extensions, revitalization); one run each, each in its own process. `dask-k` = "
        "`engine=\"dask\"` on a LocalCluster of k worker processes; `single` computes its spatial "
        "columns in one forked worker process from 50,000 parcels. `peak` = the largest total PSS of "
        "the run's process tree (sampled every 0.25 s); `RSS sum` = the process's peak RSS + its "
        "largest child's (an upper bound: pages a forked worker shares count twice). "
        "Peers in the same run: `read` = reading the layers, `floor` = one bare `sindex.nearest` per "
        "network type.", "",
        "| parcels | read | floor | " + " | ".join(engines) + " | " + " | ".join(f"{e} peak" for e in engines)
        + " | " + " | ".join(f"{e} RSS sum" for e in engines) + " | single / floor |",
        "|---:|---:|---:|" + "---:|" * (3 * len(engines)) + "---:|",
    ]
    for n in sizes:
        r = results[n]
        times = " | ".join(f"{r[e]['seconds']:.1f} s" for e in engines)
        peaks = " | ".join(f"{r[e]['peak_gib']:.2f} GiB" for e in engines)
        sums = " | ".join(f"{r[e]['rss_sum_gib']:.2f} GiB" for e in engines)
        ratio = r["single"]["seconds"] / r["floor"]["seconds"] if "single" in r else float("nan")
        lines.append(f"| {n:,} | {r['read']['seconds']:.1f} s | {r['floor']['seconds']:.1f} s | {times} | "
                     f"{peaks} | {sums} | {ratio:.2f}× |")
    lines += ["", "Growth per 10× parcels (time at 10 N / time at N; 10 = linear):", "",
              "| from → to | " + " | ".join(engines) + " |", "|---|" + "---:|" * len(engines)]
    for a, b in zip(sizes, sizes[1:], strict=False):
        if b == 10 * a:
            growth = " | ".join(f"{results[b][e]['seconds'] / results[a][e]['seconds']:.1f}" for e in engines)
            lines.append(f"| {a:,} → {b:,} | {growth} |")
    big = results.get(1_000_000)
    if big:
        best = min(engines, key=lambda e: big[e]["seconds"])
        ok = big[best]["seconds"] <= GOAL_S and big[best]["peak_gib"] <= GOAL_GB
        lines += ["", f"Goal (1M parcels, full evaluation ≤ {GOAL_S:.0f} s and ≤ {GOAL_GB:.0f} GB, either "
                  f"engine): {'met' if ok else 'NOT met'} ({best}: {big[best]['seconds']:.1f} s, "
                  f"{big[best]['peak_gib']:.2f} GiB)."]
        if "dask-1" in big and "dask-2" in big:
            lines.append(f"Dask scaling at 1M: 2 workers take {big['dask-2']['seconds'] / big['dask-1']['seconds']:.2f}× "
                         "the time of 1 worker.")
    lines.append("")
    replace_section(out, HEADING, "\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--engines", nargs="+", default=["single", "dask-1", "dask-2"])
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--what", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.what)))
        return 0
    command = produced_by(__file__)
    results: dict = {}
    for n in args.sizes:
        path = demo_workspace(n)
        results[n] = {what: _run(path, what) for what in ("read", "floor", *args.engines)}
        print(n, {k: round(v["seconds"], 2) for k, v in results[n].items()}, flush=True)
    _write(results, args.out, args.engines, command)
    save_figures(args.out, "evaluate_bench", TITLE,
                 {f"evaluate ({e})": {n: {"seconds": r[e]["seconds"], "peak_gib": r[e]["peak_gib"]}
                                      for n, r in results.items()} for e in args.engines},
                 command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
