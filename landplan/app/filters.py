"""The shared filters: which parcels the map, the tables and the figures of every page show.

:class:`Filters` and :func:`apply_filters` are plain pandas (testable alone); the sidebar
that sets them is drawn once per run by :func:`landplan.app.context.sidebar`.

>>> frame = pd.DataFrame({"parcel_id": ["A-1", "B-2"], "holder": ["甲公司", None],
...                       "status": ["reserve", "halted"], "area_mu": [10.0, 30.0]})
>>> apply_filters(frame, Filters(text="甲")).tolist()
[True, False]
>>> apply_filters(frame, Filters(statuses=("halted",), area_mu=(20.0, 40.0))).tolist()
[False, True]
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

__all__ = ["Filters", "EVALUATION_FILTERS", "VALUE_FILTERS", "apply_filters", "NO_VALUE", "SearchIndex"]

#: The value a multiselect uses for "empty" (no industry, no class, …).
NO_VALUE = "__none__"
#: Filter fields that need evaluation columns (the others use the parcels layer alone).
EVALUATION_FILTERS = {"classes": "efficiency_class", "idle": "idle_status",
                      "readiness": "readiness"}
_PARCEL_FILTERS = {"statuses": "status", "industries": "industry_code"}
#: Every filter of a column's values: field of :class:`Filters` → the column it reads.
VALUE_FILTERS = {**_PARCEL_FILTERS, **EVALUATION_FILTERS}


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the parcels to; an empty field does not filter.

    Attributes
    ----------
    statuses, industries, classes, idle, readiness : tuple of str
        Accepted values of ``status``, ``industry_code``, ``efficiency_class``,
        ``idle_status`` and ``readiness``; :data:`NO_VALUE` accepts an empty value.
    area_mu : (float, float) or None
        Inclusive range of ``area_mu``.
    text : str
        Case-insensitive part of the parcel id or the holder.
    """

    statuses: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    idle: tuple[str, ...] = ()
    readiness: tuple[str, ...] = ()
    area_mu: tuple[float, float] | None = None
    text: str = ""

    def needs_evaluation(self) -> bool:
        """Whether a set filter reads an evaluation column."""
        return any(getattr(self, name) for name in EVALUATION_FILTERS)

    def active(self) -> bool:
        """Whether any filter is set."""
        return any(bool(getattr(self, f.name)) for f in fields(self))


def _accept(values: pd.Series, accepted: tuple[str, ...]) -> np.ndarray:
    text = values.astype(object).where(values.notna(), None)
    empty = text.isna() | text.astype(str).str.strip().eq("")
    mask = np.array(text.isin([v for v in accepted if v != NO_VALUE]), dtype=bool)
    if NO_VALUE in accepted:
        mask |= empty.to_numpy(dtype=bool)
    return mask


def apply_filters(frame: pd.DataFrame, filters: Filters) -> pd.Series:
    """Which rows of ``frame`` pass ``filters`` (a boolean Series on ``frame``'s index).

    A filter on a column ``frame`` lacks passes no row: give the evaluation table when
    :meth:`Filters.needs_evaluation` says so.
    """
    mask = np.ones(len(frame), dtype=bool)
    for name, column in VALUE_FILTERS.items():
        accepted = getattr(filters, name)
        if not accepted:
            continue
        if column not in frame.columns:
            mask[:] = False
            continue
        mask &= _accept(frame[column], accepted)
    if filters.area_mu is not None:
        lo, hi = filters.area_mu
        area = pd.to_numeric(frame.get("area_mu"), errors="coerce").to_numpy(dtype="float64")
        mask &= (area >= lo - 1e-9) & (area <= hi + 1e-9)
    text = filters.text.strip().casefold()
    if text:
        hit = frame["parcel_id"].astype(str).str.casefold().str.contains(text, regex=False)
        if "holder" in frame.columns:
            holder = frame["holder"].astype(object).where(frame["holder"].notna(), "")
            hit |= holder.astype(str).str.casefold().str.contains(text, regex=False)
        mask &= hit.to_numpy(dtype=bool)
    return pd.Series(mask, index=frame.index)


class SearchIndex:
    """The parcel ids and holders of a frame, prepared once for the search box.

    Built once per frame (the page caches it): the ids and holders case-folded into one text,
    a line per parcel, with the start of every line; the ids case-folded and sorted. A
    search then looks up an id (a dict), the ids starting with the query (a binary search
    in the sorted ids) and the lines holding it (``str.find`` from one hit to the next
    line), stopping at ``limit`` parcels: no pass over every parcel per keystroke.

    >>> index = SearchIndex(["A-1", "B-2", "AB-3"], ["甲公司", None, "乙公司"])
    >>> index.find("a")  # ids starting with it first, then the others holding it
    ([0, 2], False)
    >>> index.find("公司")
    ([0, 2], False)
    >>> index.find("b-2")  # the id itself comes first
    ([1], False)
    """

    def __init__(self, ids, holders=None) -> None:
        ids = pd.Series(ids, dtype=object).astype(str).to_numpy(dtype=object)
        if holders is None:
            holders = np.full(len(ids), "", dtype=object)
        holders = pd.Series(holders, dtype=object)
        holders = holders.where(holders.notna(), "").astype(str).to_numpy(dtype=object)
        folded = pd.Series(ids, dtype=object).str.casefold().to_numpy(dtype=object)
        # one line per parcel; line breaks and tabs inside a value cannot join two parcels
        holder_text = pd.Series(holders, dtype=object).str.casefold().str.replace(
            r"[\n\t]", " ", regex=True).to_numpy(dtype=object)
        lines = [f"{i.replace(chr(10), ' ')}\t{h}" for i, h in zip(folded, holder_text, strict=True)]
        self._text = "\n".join(lines) + "\n"
        lengths = np.fromiter((len(line) + 1 for line in lines), dtype=np.int64, count=len(lines))
        self._starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(lines) else \
            np.zeros(0, dtype=np.int64)
        self._order = np.argsort(folded.astype(str), kind="stable")
        self._sorted = folded.astype(str)[self._order]
        self._exact: dict[str, int] = {}
        for pos, key in enumerate(folded):
            self._exact.setdefault(key, pos)
        self.size = len(ids)

    def find(self, query: str, *, among: np.ndarray | None = None, limit: int = 50
             ) -> tuple[list[int], bool]:
        """Rows whose id or holder holds ``query`` (case-insensitive), at most ``limit``:
        the id equal to it, then ids starting with it (in id order), then the other rows
        holding it (in row order). ``among`` (a mask of the rows) keeps only those rows.
        Returns ``(rows, more)``; ``more`` says whether rows beyond ``limit`` hold it."""
        q = " ".join(query.replace("\t", " ").split("\n")).strip().casefold()
        if not q or self.size == 0:
            return [], False
        found: dict[int, None] = {}

        def take(pos: int) -> bool:  # False when the limit is passed
            if among is not None and not among[pos]:
                return True
            if pos not in found:
                if len(found) == limit:
                    return False
                found[pos] = None
            return True

        exact = self._exact.get(q)
        if exact is not None:
            take(exact)
        lo = int(np.searchsorted(self._sorted, q, side="left"))
        hi = int(np.searchsorted(self._sorted, q + "\U0010ffff", side="left"))
        for pos in self._order[lo:hi]:
            if not take(int(pos)):
                return list(found), True
        text, at = self._text, 0
        while True:
            hit = text.find(q, at)
            if hit < 0:
                return list(found), False
            line = int(np.searchsorted(self._starts, hit, side="right")) - 1
            if not take(line):
                return list(found), True
            end = text.find("\n", hit)
            at = len(text) if end < 0 else end + 1
