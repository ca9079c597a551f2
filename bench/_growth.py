"""Growth table: time per 10× parcels of every bench, from the figures the benches saved.

Every bench that measures several park sizes saves landplan's own figures (seconds and peak
RSS per size; not its peers') with ``_results.save_figures`` into ``bench/_work/results/``.
This script, run by ``make bench`` after all the benches, reads them and writes the section
"## Growth (time per 10× parcels)" of ``bench/RESULTS.md``: for each bench and step between
sizes, time(b) / time(a) — near 10 for a 10× step is linear scaling — and the peak memory per
size.

Usage: ``python bench/_growth.py [--out bench/RESULTS.md]`` (the figures of a trial run with
``--out /tmp/x.md`` are read from ``/tmp/x.results/``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import HERE, figures_dir, produced_by, replace_section  # noqa: E402

TITLE = "Growth (time per 10× parcels)"
HEADING = f"## {TITLE}"
#: Below this, a time is mostly timer and scheduling noise: its ratios are marked.
NOISY_S = 0.05


def load_figures(folder: Path) -> list[dict]:
    """The benches' figure files in ``folder``, by bench name."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def growth(t_a: float, t_b: float, a: int, b: int) -> float:
    """time(b) / time(a) scaled to a 10× step: ``(t_b / t_a) ** (1 / log10(b / a))``.

    For a 10× step this is the plain ratio; 10 means time grows linearly with parcels.
    """
    if not (t_a > 0 and t_b > 0 and b > a):
        return math.nan
    return (t_b / t_a) ** (1 / math.log10(b / a))


def _rows(figures: list[dict]):
    for fig in figures:
        for name, sizes in fig["series"].items():
            yield f"{fig['section']}: {name}", {int(n): v for n, v in sizes.items()}


def section(figures: list[dict], command: str) -> str:
    """The Markdown section built from the benches' figures."""
    rows = list(_rows(figures))
    sizes = sorted({n for _label, by_size in rows for n in by_size})
    steps = list(zip(sizes, sizes[1:], strict=False))
    scaled = any(b != 10 * a for a, b in steps)
    lines = [
        HEADING, "",
        f"Built by {command} from the figures each bench saved (landplan's own run of "
        "each bench, not its peer; the date and command of each bench are listed below). Time "
        "ratio = time at the larger size / time at the smaller one: 10 for a 10× step is linear "
        "scaling, below 10 the fixed costs still weigh, above 10 super-linear. "
        + ("Steps that are not 10× are scaled to a 10× step, (t_b / t_a)^(1 / log10(b / a)). "
           if scaled else "")
        + f"† = the smaller time is under {NOISY_S:g} s, so its ratio is mostly noise. The "
        "reports and app benches run at fixed sizes (1,000 parcels; 300 and 100,000) and are "
        "not in this table.", "",
        "| bench: what was measured | " + " | ".join(f"{n:,}" for n in sizes) + " | "
        + " | ".join(f"{a:,} → {b:,}" for a, b in steps) + " |",
        "|---|" + "---:|" * (len(sizes) + len(steps)),
    ]
    for label, by_size in rows:
        times = [f"{by_size[n]['seconds']:.2f} s" if n in by_size else "—" for n in sizes]
        ratios = []
        for a, b in steps:
            if a in by_size and b in by_size:
                t_a, t_b = by_size[a]["seconds"], by_size[b]["seconds"]
                mark = "†" if t_a < NOISY_S else ""
                ratios.append(f"{growth(t_a, t_b, a, b):.1f}{mark}")
            else:
                ratios.append("—")
        lines.append(f"| {label} | " + " | ".join(times + ratios) + " |")
    lines += ["", "Peak memory (peak RSS of the process that measured it, data included; see each "
              "bench's section for what its process holds):", "",
              "| bench: what was measured | " + " | ".join(f"{n:,}" for n in sizes) + " |",
              "|---|" + "---:|" * len(sizes)]
    for label, by_size in rows:
        peaks = [f"{by_size[n]['peak_gib']:.2f} GiB" if by_size.get(n, {}).get("peak_gib") is not None
                 else "—" for n in sizes]
        lines.append(f"| {label} | " + " | ".join(peaks) + " |")
    lines += ["", "Sources:"]
    lines += [f"- {fig['section']}: {fig['measured']}, {fig['command']}" for fig in figures]
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    figures = load_figures(figures_dir(args.out))
    if not figures:
        print(f"_growth: no figures in {figures_dir(args.out)}; run the benches first",
              file=sys.stderr)
        return 1
    replace_section(args.out, HEADING, section(figures, produced_by(__file__, argv)))
    print(f"wrote {HEADING} in {args.out} from {len(figures)} benches")
    return 0


if __name__ == "__main__":
    sys.exit(main())
