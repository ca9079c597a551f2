"""Shared by the benchmarks: write one section of ``bench/RESULTS.md``, keeping the others.

Besides its Markdown section, every bench that measures several park sizes saves its figures
(seconds and peak memory of landplan's own run, per size) as JSON with :func:`save_figures`;
``bench/_growth.py`` builds the growth table from those files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
#: Set by ``make bench`` so that a section can say which command produced it.
MAKE_ENV = "LANDPLAN_MAKE_BENCH"


def replace_section(out: Path, heading: str, section: str, *, replaces: tuple[str, ...] = ()) -> None:
    """Put ``section`` (starting with ``heading``) into ``out``, replacing that heading's old section.

    A section runs from its ``## `` heading line to the next ``## `` heading. Sections whose
    heading line starts with one of ``replaces`` (older names of the same section, e.g.
    ``"## I/O:"``) are replaced too: the new section takes the place of the first old one.
    """
    text = out.read_text(encoding="utf-8") if out.exists() else "# Benchmark results\n"
    head, *blocks = re.split(r"(?m)^(?=## )", text)

    def ours(block: str) -> bool:
        title = block.split("\n", 1)[0].rstrip()
        return title == heading or any(title.startswith(old) for old in replaces)

    kept, placed = [], False
    for block in blocks:
        if ours(block):
            if not placed:
                kept.append(section.strip())
                placed = True
            continue
        kept.append(block.strip())
    if not placed:
        kept.append(section.strip())
    out.write_text("\n\n".join([head.strip(), *kept]) + "\n", encoding="utf-8")


def produced_by(script: str, argv: list[str] | None = None) -> str:
    """How this run was started, for a section's header line.

    ``make bench (`bench/x.py --sizes …`)`` under ``make bench``, else ``python bench/x.py …``.
    """
    args = sys.argv[1:] if argv is None else argv
    command = " ".join(["bench/" + Path(script).name, *map(shlex.quote, args)])
    return f"`make bench` (`{command}`)" if os.environ.get(MAKE_ENV) else f"`python {command}`"


def figures_dir(out: Path) -> Path:
    """Where the JSON figures of a run writing ``out`` go.

    ``bench/_work/results/`` for ``bench/RESULTS.md``; for any other ``--out`` (a trial run),
    a folder next to it named after it (``/tmp/x.md`` → ``/tmp/x.results/``), so that trial
    runs never mix with the real figures.
    """
    out = Path(out).resolve()
    if out == RESULTS.resolve():
        return HERE / "_work" / "results"
    return out.with_name(out.stem + ".results")


def save_figures(out: Path, bench: str, section: str, series: dict[str, dict[int, dict]],
                 command: str) -> Path:
    """Save one bench's figures for the growth table.

    Parameters
    ----------
    out : Path
        The Markdown file the bench wrote (decides the folder, :func:`figures_dir`).
    bench : str
        The bench's name (file stem), e.g. ``"terrain_bench"``.
    section : str
        Its section's title (without ``## ``).
    series : dict
        What was measured → parcels → ``{"seconds": float, "peak_gib": float | None}``:
        landplan's own runs only (not the peers).
    command : str
        The command line (:func:`produced_by`).
    """
    folder = figures_dir(out)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{bench}.json"
    payload = {
        "bench": bench, "section": section, "measured": dt.date.today().isoformat(),
        "command": command,
        "series": {name: {str(n): fig for n, fig in sorted(sizes.items())}
                   for name, sizes in series.items()},
    }
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
    return path


def run_worker(script: str, data: Path | int, repeat: int, *extra: str) -> dict:
    """Run ``script --worker DATA --repeat N [extra…]`` in a fresh process (its peak RSS is its own).

    The worker prints one JSON object as its last line; that object is returned. A failing
    worker raises (its stderr is shown), so that ``make bench`` stops.
    """
    import subprocess

    done = subprocess.run([sys.executable, script, "--worker", str(data), "--repeat", str(repeat),
                           *extra], capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise RuntimeError(f"{Path(script).name} worker on {data} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def demo_workspace(n: int) -> Path:
    """``bench/_work/evaluate/park_N``: ``write_demo(parcels=N, seed=0, fmt="parquet")``, DEM included.

    Written once and kept (shared by ``evaluate_bench.py`` and ``terrain_bench.py``; ``make
    clean`` removes it); rewritten when its parcels or its DEM are missing.
    """
    from landplan.demo import write_demo

    path = HERE / "_work" / "evaluate" / f"park_{n}"
    if not ((path / "parcels" / "parcels.parquet").exists() and (path / "terrain" / "dem.tif").exists()):
        write_demo(path, parcels=n, seed=0, fmt="parquet")
    return path
