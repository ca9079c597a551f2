"""Redesign check (issue 21): the benches of two commits run alternately, their figures side by side.

Each commit is a git worktree (``git worktree add /tmp/wt-before 1519300``; ``git worktree add
--detach /tmp/wt-after HEAD``): its own ``bench/*.py`` runs with this venv's Python and the
worktree first on ``PYTHONPATH`` (the venv's editable install points at the main checkout; a
path on ``PYTHONPATH`` is found before it, checked by importing landplan once per worktree), and
writes its figures beside a ``--out`` file under ``--work`` — never into ``bench/RESULTS.md``.

For every bench the two worktrees run back to back, ``--rounds`` times, the order swapped each
round (before-after, after-before, …), so that other work on the machine weighs on both alike;
every figure is the best (smallest) of the rounds. A check run again with more ``--rounds``
for some ``--benches`` adds rounds to those; a later check uses every round found in ``--work``. The load average before each run is kept.
The figures are the ones each bench saves (:func:`_results.save_figures`: landplan's own runs,
not the peers); the reports bench saves none, its Markdown table's rows are read instead.
A run already in ``--work`` is not run again (a stopped check resumes).

Its name starts with ``_``: ``make bench`` runs every ``bench/[!_]*.py`` without arguments, and
this check needs two worktrees and takes about half an hour; it is run by hand.

The section "## Redesign check (issue 21)" of ``--out`` (default ``bench/RESULTS.md``) gets the
table: bench, measured, parcels, before s, after s, after/before; a ratio over 1.10 is marked.

Usage::

    python bench/_redesign_check.py /tmp/wt-before /tmp/wt-after [--rounds 3] [--sizes 10000 100000]
        [--benches evaluate efficiency idle coverage io terrain report] [--work /tmp/redesign]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import replace_section  # noqa: E402

HERE = Path(__file__).resolve().parent
TITLE = "Redesign check (issue 21)"
HEADING = f"## {TITLE}"
LIMIT = 1.10
#: bench → extra arguments (beyond ``--sizes``/``--out``); the reports bench takes ``--parcels``.
EXTRA = {
    "evaluate": ["--engines", "single"],
    "io": ["--fiona-repeat", "1"],  # fiona is a peer: its figures are not compared
}
SCALED = ("evaluate", "efficiency", "idle", "coverage", "io", "terrain")


def _commit(tree: Path) -> str:
    return subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=True).stdout.strip()


def _env(tree: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    env.pop("LANDPLAN_MAKE_BENCH", None)
    return env


def check_import(tree: Path) -> None:
    """Refuse a worktree whose landplan would not be the one imported."""
    done = subprocess.run([sys.executable, "-c", "import landplan; print(landplan.__file__)"],
                          capture_output=True, text=True, env=_env(tree), cwd=tree, check=True)
    found = Path(done.stdout.strip()).resolve()
    if not found.is_relative_to(tree.resolve() / "landplan"):
        raise SystemExit(f"{tree}: landplan imported from {found}, not from the worktree")


def _report_figures(out: Path) -> dict[str, dict[int, float]]:
    """The reports bench's rows (``| run | seconds | …``) from its Markdown, as figures."""
    parcels = int(re.search(r"\(([\d,]+) parcels", out.read_text(encoding="utf-8")).group(1).replace(",", ""))
    figures = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 5 and cells[0].startswith("landplan report"):
            figures[cells[0].replace("landplan ", "")] = {parcels: float(cells[1])}
    return figures


def run_bench(tree: Path, bench: str, args, label: str, round_: int) -> dict:
    """One run of ``bench`` in ``tree``: its figures {measured: {parcels: seconds}} and the load."""
    out = args.work / f"{label}-{bench}-{round_}.md"
    done_file = out.with_suffix(".json")
    if done_file.exists():
        return json.loads(done_file.read_text(encoding="utf-8"))
    command = [sys.executable, str(tree / "bench" / f"{bench}_bench.py"), "--out", str(out), *EXTRA.get(bench, [])]
    command += ["--sizes", *map(str, args.sizes)] if bench in SCALED else ["--parcels", str(args.report_parcels)]
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    start = time.perf_counter()
    print(f"{label} {bench} round {round_} (load {load})", file=sys.stderr, flush=True)
    subprocess.run(command, env=_env(tree), cwd=tree, check=True, stdout=subprocess.DEVNULL)
    if bench == "report":
        figures = _report_figures(out)
    else:
        saved = json.loads((out.with_name(out.stem + ".results") / f"{bench}_bench.json").read_text(encoding="utf-8"))
        figures = {name: {int(n): fig["seconds"] for n, fig in sizes.items()} for name, sizes in saved["series"].items()}
    result = {"figures": figures, "load": load, "wall_s": time.perf_counter() - start}
    done_file.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


def best(runs: list[dict]) -> dict[tuple[str, int], float]:
    """The smallest seconds over the runs, per (measured, parcels)."""
    found: dict[tuple[str, int], float] = {}
    for run in runs:
        for name, sizes in run["figures"].items():
            for n, seconds in sizes.items():
                key = (name, int(n))
                found[key] = min(found.get(key, float("inf")), seconds)
    return found


def _first(load: str) -> float:
    return float(load.split("/")[0])


def section(rows: list[tuple], *, before: str, after: str, rounds: int, loads: list[str], args) -> str:
    slower = [r for r in rows if r[-1] > LIMIT]
    lines = [
        HEADING, "",
        f"Measured {dt.date.today()} by `python bench/_redesign_check.py` (at least {rounds} rounds, sizes "
        f"{', '.join(f'{n:,}' for n in args.sizes)}; reports at {args.report_parcels:,} parcels) on "
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, python {platform.python_version()}.", "",
        f"Before = commit {before} (the last before the redesign), after = commit {after}. Each bench of "
        "each commit ran in its own git worktree, the two back to back and the order swapped each round; "
        "a figure is the best of the rounds (the figures each bench saves: landplan's own runs, not the "
        "peers). `evaluate` is the single engine only; `io` ran fiona (a peer) once. The machine is "
        f"shared with other engineers' tests: load average (1/5/15 min) before the runs from {min(loads, key=_first)} to "
        f"{max(loads, key=_first)}.", "",
        "| bench | measured | parcels | rounds | before s | after s | after / before |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for bench, name, n, done, b, a, ratio in rows:
        mark = " **slower**" if ratio > LIMIT else ""
        lines.append(f"| {bench} | {name} | {n:,} | {done} | {b:.2f} | {a:.2f} | {ratio:.2f}×{mark} |")
    lines += ["", f"Within {LIMIT - 1:.0%}: " + ("every figure." if not slower else
              f"all but {len(slower)} (marked; see the note below).")]
    if args.note:
        lines += ["", args.note]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--report-parcels", type=int, default=200)
    parser.add_argument("--benches", nargs="+", default=["evaluate", "efficiency", "idle", "coverage", "io",
                                                          "terrain", "report"])
    parser.add_argument("--work", type=Path, default=Path("/tmp/redesign"))
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--note", default="", help="a paragraph for the end of the section (what a marked row is)")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    for tree in trees.values():
        check_import(tree)
    rows, loads = [], []
    for bench in args.benches:
        runs: dict[str, list[dict]] = {"before": [], "after": []}
        round_ = 0
        # the rounds asked for, then any further ones an earlier check with more rounds left
        while round_ < args.rounds or all((args.work / f"{label}-{bench}-{round_}.json").exists()
                                          for label in trees):
            order = ("before", "after") if round_ % 2 == 0 else ("after", "before")
            for label in order:
                run = run_bench(trees[label], bench, args, label, round_)
                runs[label].append(run)
                loads.append(run["load"])
            round_ += 1
        old, new = best(runs["before"]), best(runs["after"])
        for key in sorted(old, key=lambda k: (k[0], k[1])):
            if key in new:
                rows.append((bench, key[0], key[1], round_, old[key], new[key], new[key] / old[key]))
    text = section(rows, before=_commit(trees["before"]), after=_commit(trees["after"]), rounds=args.rounds,
                   loads=loads, args=args)
    replace_section(args.out, HEADING, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
