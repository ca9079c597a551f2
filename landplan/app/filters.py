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

__all__ = ["Filters", "EVALUATION_FILTERS", "apply_filters", "NO_VALUE"]

#: The value a multiselect uses for "empty" (no industry, no class, …).
NO_VALUE = "__none__"
#: Filter fields that need evaluation columns (the others use the parcels layer alone).
EVALUATION_FILTERS = {"classes": "efficiency_class", "idle": "idle_status",
                      "readiness": "readiness"}
_PARCEL_FILTERS = {"statuses": "status", "industries": "industry_code"}


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
    for name, column in (*_PARCEL_FILTERS.items(), *EVALUATION_FILTERS.items()):
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
