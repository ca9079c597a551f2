"""Class limits of graduated maps (the app's map and the 专题图): quantiles or natural breaks.

>>> class_limits(np.array([1.0, 2, 3, 4]), 2).tolist()
[1.0, 2.5, 4.0]
"""

from __future__ import annotations

import numpy as np

__all__ = ["jenks_limits", "class_limits"]


def jenks_limits(values: np.ndarray, n_classes: int, *, sample: int = 500) -> np.ndarray:
    """The class limits of the natural breaks (Jenks) of ``values`` into at most
    ``n_classes``: ``[min, upper limit of class 1, …, max]``, ascending, each class holding
    the values above its lower limit up to its upper limit (the first its minimum too).

    Fisher's exact optimum (least sum of squared deviations within the classes) by dynamic
    programming over the distinct values weighted by their counts; above ``sample`` distinct
    values, over ``sample`` quantiles of the data (each an equal share of it, min and max
    included), which keeps it a few milliseconds at 100,000 parcels.

    >>> jenks_limits(np.array([1.0, 2, 3, 10, 11, 12, 30, 31]), 3).tolist()
    [1.0, 3.0, 12.0, 31.0]
    """
    data = np.sort(np.asarray(values, dtype="float64"))
    data = data[np.isfinite(data)]
    if not len(data):
        return np.array([], dtype="float64")
    if len(np.unique(data)) > sample:
        data = np.quantile(data, np.linspace(0, 1, sample))
    x, w = np.unique(data, return_counts=True)
    w = w.astype("float64")
    n = len(x)
    k = min(int(n_classes), n)
    if k <= 1 or n <= 2:
        return np.array([x[0], x[-1]]) if n > 1 else np.array([x[0], x[0]])
    zero = np.zeros(1)
    cw, cx, cxx = (np.concatenate([zero, np.cumsum(v)]) for v in (w, w * x, w * x * x))
    a, b = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")  # classes x[a:b]
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = (cxx[b] - cxx[a]) - (cx[b] - cx[a]) ** 2 / (cw[b] - cw[a])
    cost[a >= b] = np.inf
    best = cost[0].copy()  # best[i]: x[:i] in one class
    starts = []
    for _ in range(1, k):
        total = best[:, None] + cost  # the first classes up to m, then x[m:i]
        starts.append(np.argmin(total, axis=0))
        best = total[starts[-1], np.arange(n + 1)]
    ends = [n]
    for start in reversed(starts):
        ends.append(int(start[ends[-1]]))
    # a first class of the minimum alone joins the next: limits strictly ascending
    limits = [float(x[0]), *sorted({float(x[e - 1]) for e in ends if x[e - 1] > x[0]})]
    return np.array(limits)


def class_limits(values: np.ndarray, n_classes: int, method: str = "quantiles") -> np.ndarray:
    """The limits of ``n_classes`` graduated classes of ``values`` (fewer when values repeat):
    ``[min, …, max]``, ascending; ``method`` ``"quantiles"`` (equal counts) or ``"jenks"``
    (:func:`jenks_limits`). A single value gives ``[v, v]``, no value an empty array."""
    finite = np.asarray(values, dtype="float64")
    finite = finite[np.isfinite(finite)]
    if not len(finite):
        return np.array([], dtype="float64")
    if method == "jenks":
        return jenks_limits(finite, n_classes)
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, n_classes + 1)))
    return np.array([edges[0], edges[0]]) if len(edges) == 1 else edges
