"""The evaluation digest: what ``tests/test_behaviour_unchanged.py`` compares today's code with.

Two parks are evaluated with the default rules (a park's own ``rules.yaml`` removed) at ``DEMO_AS_OF`` (2026-06-30), the latest ledger
year:

- ``demo``: the demo workspace shipped in ``data/`` (300 parcels, GeoPackage);
- ``demo_100000``: ``write_demo(parcels=100_000, seed=0, fmt="parquet")`` written to a
  temporary folder.

For every column of the evaluation the digest keeps its dtype, its NA count and a SHA-256 of
its values, the rows sorted by ``parcel_id``. Floats are rounded first (:func:`quantised`) to 30
binary digits (about 9 significant decimal digits) for ``sha256`` and to 20 (about 6) for
``sha256_coarse``, and their sum is kept (9 significant digits). A hash of rounded values is
not immune to noise: a value within the noise of a rounding boundary flips. So the test counts
a float column as the same when its fine hash is, or when its coarse hash and its sum (to 1e-9
relative) are: noise of 1e-12 then passes; a value moved by more than 2e-6 relative (the coarse
rounding) or a change moving the column's sum by more than 1e-9 relative does not. Geometries are hashed as
their WKT with 3 decimals (millimetres).

The committed digest ``tests/data/evaluation_digest.json`` was made by the code of the commit
written in it (the last commit before the redesign of issue 21), with::

    git worktree add /tmp/wt-before 1519300
    .venv/bin/python tests/data/make_evaluation_digest.py --source /tmp/wt-before \\
        --out tests/data/evaluation_digest.json

``--source`` is put first on ``sys.path`` before landplan is imported (the venv's editable
install points at this checkout); the script refuses to run when landplan is then imported
from anywhere else. It uses only the public API both versions share (``write_demo``,
``evaluate``, ``DEMO_AS_OF``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

#: The parks of the digest: name → parcels of ``write_demo`` (None: the shipped ``data/``).
PARKS: dict[str, int | None] = {"demo": None, "demo_100000": 100_000}
SEED = 0
SEP = "\x1f"
#: Binary digits kept of a float: 30 ≈ 9 significant decimal digits (2⁻³⁰ ≈ 9.3e-10 relative),
#: 20 ≈ 6 (the coarse hash, 9.5e-7).
FINE_BITS, COARSE_BITS = 30, 20


def quantised(numbers: np.ndarray, bits: int) -> np.ndarray:
    """Floats as (mantissa, exponent) pairs rounded to ``bits`` binary digits: x ≈ m · 2^(e - bits).

    Binary, not decimal, rounding: a value on a decimal grid (134.2310625 m², a demo parcel's
    area in mu) sits exactly on a decimal rounding boundary, where noise of 1e-12 flips it; in
    binary such a value lies inside its bucket. Zero is (0, 0), NaN (0, 1), ±inf (±1, 9999).
    """
    out = np.zeros((len(numbers), 2), dtype=np.int64)
    finite = np.isfinite(numbers) & (numbers != 0)
    mantissa, exponent = np.frexp(numbers[finite])  # 0.5 ≤ |mantissa| < 1
    mantissa = np.rint(np.ldexp(mantissa, bits)).astype(np.int64)
    exponent = exponent.astype(np.int64)
    carried = np.abs(mantissa) == 1 << bits  # rounded up to the next power of two
    mantissa[carried] >>= 1
    exponent[carried] += 1
    out[finite, 0], out[finite, 1] = mantissa, exponent
    out[np.isnan(numbers), 1] = 1
    infinite = np.isinf(numbers)
    out[infinite, 0], out[infinite, 1] = np.sign(numbers[infinite]).astype(np.int64), 9999
    return out


def _value_bytes(values: pd.Series, bits: int = FINE_BITS) -> bytes:
    """The column's values as bytes to hash: floats by :func:`quantised`, the rest as text."""
    if values.dtype.kind == "f":
        return quantised(values.to_numpy(dtype="float64", na_value=np.nan), bits).astype("<i8").tobytes()
    na = values.isna().to_numpy()
    if values.dtype.kind == "M":
        texts = np.datetime_as_string(values.to_numpy(dtype="datetime64[ns]")).astype(object)
    elif hasattr(values, "geom_type"):
        import shapely

        texts = shapely.to_wkt(values.to_numpy(), rounding_precision=3).astype(object)
    elif values.dtype.kind in "OUST" or str(values.dtype) in ("str", "string"):
        texts = values.to_numpy(dtype=object, na_value=None)
        texts = np.array([v if isinstance(v, str) else str(v) for v in texts], dtype=object)
    else:
        texts = values.astype(str).to_numpy(dtype=object)
    texts[na] = "<NA>"
    return SEP.join(texts.tolist()).encode("utf-8")


def column_digest(values: pd.Series) -> dict:
    """dtype, NA count, hash (and the sum of a float column) of one column, rows as given."""
    digest = hashlib.sha256(_value_bytes(values)).hexdigest()
    entry = {"dtype": str(values.dtype), "na": int(values.isna().sum()), "sha256": digest[:20]}
    if values.dtype.kind == "f":
        entry["sha256_coarse"] = hashlib.sha256(_value_bytes(values, COARSE_BITS)).hexdigest()[:20]
        entry["sum"] = float(f"{np.nansum(values.to_numpy(dtype='float64', na_value=np.nan)):.9g}")
    return entry


def table_digest(table: pd.DataFrame) -> dict:
    """The digest of an evaluation table: rows, and every column's :func:`column_digest`."""
    ordered = table.sort_values("parcel_id", kind="stable").reset_index(drop=True)
    return {"rows": len(ordered),
            "columns": {str(name): column_digest(ordered[name]) for name in ordered.columns}}


def evaluate_park(name: str, work: Path, data: Path) -> pd.DataFrame:
    """Build park ``name`` of :data:`PARKS` under ``work`` and evaluate it as the digest does."""
    from landplan.demo import DEMO_AS_OF, write_demo
    from landplan.evaluate import evaluate

    folder = work / name
    parcels = PARKS[name]
    if parcels is None:
        shutil.copytree(data, folder)  # a copy: the shipped folder stays untouched
    else:
        write_demo(folder, parcels=parcels, seed=SEED, fmt="parquet")
    # the default rules: since 18c4f32 the demo park carries its own rules.yaml (the land
    # economics' inputs), which the code before it refuses
    (folder / "rules.yaml").unlink(missing_ok=True)
    return evaluate(folder, as_of=DEMO_AS_OF)


def _commit(source: Path) -> str:
    done = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path(__file__).resolve().parents[2],
                        help="the checkout whose landplan is evaluated (default: this one)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--parks", nargs="+", choices=list(PARKS), default=list(PARKS))
    args = parser.parse_args(argv)
    source = args.source.resolve()
    sys.path.insert(0, str(source))
    import landplan

    if not Path(landplan.__file__).resolve().is_relative_to(source / "landplan"):
        print(f"landplan imported from {landplan.__file__}, not from {source}", file=sys.stderr)
        return 1
    parks = {}
    with tempfile.TemporaryDirectory(prefix="landplan-digest-") as tmp:
        for name in args.parks:
            start = time.perf_counter()
            parks[name] = table_digest(evaluate_park(name, Path(tmp), source / "data"))
            print(f"{name}: {parks[name]['rows']} rows, {len(parks[name]['columns'])} columns, "
                  f"{time.perf_counter() - start:.1f} s", file=sys.stderr)
    payload = {"commit": _commit(source), "as_of": "DEMO_AS_OF", "seed": SEED, "parks": parks}
    args.out.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
