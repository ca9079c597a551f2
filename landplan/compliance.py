"""Industrial land-use control indicators (工业项目建设用地控制指标), one row per parcel (SPEC §5).

For every parcel the five indicators of 国土资发〔2008〕24号 are computed from its geometry and
attributes (SPEC §8 "compliance ratios"), and each is checked against the threshold for the
parcel's industry, the region tier of the park and the edition in force (rules
``compliance``):

- ``floor_area_ratio`` 容积率 = floor_area_m2 / area_m2; ≥ min (and ≤ max when set);
- ``building_coverage_pct`` 建筑系数 = 100 · footprint_area_m2 / area_m2; ≥ min (and ≤ max when
  set). ``footprint_area_m2`` is 建筑物、构筑物基底及堆场面积: buildings, structures (构筑物) and
  open storage yards (堆场) together (2008 应用说明); where it is empty, the parts
  ``building_footprint_m2`` + ``structure_footprint_m2`` + ``yard_area_m2`` are summed (an empty
  part counts 0 when another part is given);
- ``investment_intensity_wan_per_mu`` 投资强度 = invested_wan / area_mu; ≥ min;
- ``green_ratio_pct`` 绿地率 = 100 · green_area_m2 / area_m2; ≤ max (and ≥ min when set);
- ``admin_ratio_pct`` 行政办公及生活服务设施用地比重 = 100 · admin_area_m2 / area_m2; ≤ max.

``area_m2``/``area_mu`` come from the geometry, measured in the metric CRS of the data
(:func:`landplan.geometry.area_m2`), never from a declared area.

What is judged
--------------
The indicators are conditions of land supply checked at completion (竣工验收): they bind the
*finished* project, and land not yet built cannot fail them (shared/domain/practice.md). The
ratios describe the current state of every parcel, but ``<indicator>_ok`` and
``compliance_failed`` are judged only where ``compliance_scope`` is ``checked``: status
``completed`` or ``in_production``, or ``halted`` with an ``actual_completion_date`` or a
``production_date`` recorded (a plant that stopped after it was built). Elsewhere
(``not_built``: planned … under construction, or halted before completion; ``no_status``) the
flags are empty and ``compliance_note`` says why. A project being screened is judged through
:func:`thresholds_for` (:mod:`landplan.screen`).

Which edition
-------------
The edition is the one in force when the land was supplied: the latest edition whose
``compliance.in_force_from`` date is on or before the parcel's ``supply_date``; without a supply
date, or before every dated edition, ``compliance.edition`` (2008 by default, the only edition
whose figures are confirmed). The shipped file dates no edition (the dates of effect are not in
the domain notes), so every parcel is judged by 2008 until a local rules file dates the 2023
edition; its figures stay marked UNCONFIRMED. The contract's own conditions win where the parcel
records them (``contract_far_min``/``_max``, ``contract_coverage_min_pct``/``_max``,
``contract_investment_intensity_wan_per_mu``: 出让合同 / 标准地), and the basis says so.

Threshold lookup
----------------
Parcels carry GB/T 4754-2017 industry codes (``compliance.parcel_code_standard``); the 2008
national tables (``compliance.thresholds``) are keyed by GB/T 4754-2002 codes
(``compliance.code_standard``). A parcel code (its first two digits: ``"3911"`` → ``"39"``) is
therefore mapped with ``compliance.code_map_2017_to_2002`` (codes not in the map are unchanged;
a code mapped to null has no 2008 row). For the parcel's edition E each threshold key is taken
from the first of these that sets it (a null value does not set it):

1. ``compliance.editions.<E>.<2017 code>``
2. ``compliance.editions.<E>.default``
3. ``compliance.thresholds.<2002 code>`` (the 2008 table row)
4. ``compliance.thresholds.default``

A value from 3 or 4 while E is not 2008 is a *fallback* to 2008 and reported as one. A value
whose source comment in the shipped ``default.yaml`` says UNCONFIRMED (or whose 2008 row was
reached through an UNCONFIRMED code mapping) is *unconfirmed*; a value that differs from the
shipped file (a workspace ``rules.yaml``) is *overridden* and shown as local. Both stay
visible in ``compliance_basis``.

``investment_intensity_wan_per_mu_min`` may be a number or a mapping ``{region tier: number}``;
a mapping is read at ``compliance.region_tier``, and a tier that is null or missing from it
leaves the key unset at that level.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from . import labels
from .errors import RuleError, SchemaError
from .geometry import area_m2
from .labels import t, text
from .labels.text import Lang
from .rules import is_unconfirmed, load_ruleset
from .ruleset import RuleSet, as_ruleset, plain
from .units import M2_PER_MU

__all__ = ["INDICATORS", "THRESHOLD_KEYS", "FOOTPRINT_PARTS", "SCOPES", "Threshold", "thresholds_for",
           "edition_for", "compliance_scope", "footprint_m2", "evaluate_compliance", "control_source"]

log = logging.getLogger(__name__)

#: The five indicators, in the order of the output columns.
INDICATORS: tuple[str, ...] = (
    "floor_area_ratio",
    "building_coverage_pct",
    "investment_intensity_wan_per_mu",
    "green_ratio_pct",
    "admin_ratio_pct",
)

#: Per indicator: the threshold keys bounding it from below and from above (None: no such key).
_BOUNDS: dict[str, tuple[str | None, str | None]] = {
    "floor_area_ratio": ("floor_area_ratio_min", "floor_area_ratio_max"),
    "building_coverage_pct": ("building_coverage_pct_min", "building_coverage_pct_max"),
    "investment_intensity_wan_per_mu": ("investment_intensity_wan_per_mu_min", None),
    "green_ratio_pct": ("green_ratio_pct_min", "green_ratio_pct_max"),
    "admin_ratio_pct": ("admin_ratio_pct_min", "admin_ratio_pct_max"),
}

#: Every threshold key :func:`thresholds_for` resolves (also the threshold columns of the output).
THRESHOLD_KEYS: tuple[str, ...] = tuple(k for pair in _BOUNDS.values() for k in pair if k)

#: Threshold columns always present in the output (others only when some parcel has a value).
_ALWAYS_SHOWN = ("floor_area_ratio_min", "floor_area_ratio_max", "building_coverage_pct_min",
                 "investment_intensity_wan_per_mu_min", "green_ratio_pct_max",
                 "green_ratio_pct_min", "admin_ratio_pct_max")

#: The number format (:data:`landplan.labels.UNIT_DIGITS`) of each indicator in a text; its label
#: is ``val.compliance_indicator.<indicator>``, its unit ``reason.basis.unit.<indicator>``.
_FORMAT = {"floor_area_ratio": "ratio", "building_coverage_pct": "pct", "investment_intensity_wan_per_mu": "wan_per_mu",
           "green_ratio_pct": "pct", "admin_ratio_pct": "pct"}


def _label(ind: str, lang: str) -> str:
    return labels.value("compliance_indicator", ind, lang)


def _unit(ind: str, lang: str) -> str:
    key = f"reason.basis.unit.{ind}"
    return t(key, lang) if labels.has(key) else ""


#: Relative tolerance of the checks: a ratio equal to its threshold up to float rounding of
#: the measured area passes (far below any survey precision: 0.01 m² in 10,000 m² is 1e-6).
_RTOL = 1e-9

#: The parts of 建筑系数's footprint (2008 应用说明), summed where ``footprint_area_m2`` is empty.
FOOTPRINT_PARTS: tuple[str, ...] = ("building_footprint_m2", "structure_footprint_m2", "yard_area_m2")

#: Threshold key -> the parcel column holding the contract's own condition (出让合同, 标准地).
_CONTRACT: dict[str, str] = {
    "floor_area_ratio_min": "contract_far_min",
    "floor_area_ratio_max": "contract_far_max",
    "building_coverage_pct_min": "contract_coverage_min_pct",
    "building_coverage_pct_max": "contract_coverage_max_pct",
    "investment_intensity_wan_per_mu_min": "contract_investment_intensity_wan_per_mu",
}

#: Statuses of a finished project, judged against the indicators (checked at 竣工验收).
_FINISHED = ("completed", "in_production")

_NEW_STANDARDS = {"2011", "2017"}  # GB/T 4754-2011 and -2017 share their 2-digit codes
_CODE = re.compile(r"^\s*[A-Za-z]?\s*(\d{2})")
_MISSING = object()


@dataclass(frozen=True)
class Threshold:
    """One threshold as resolved for one industry code.

    Attributes
    ----------
    value : float or None
        The threshold (None: no threshold, the check is empty).
    key : str or None
        The dotted rules key it came from, e.g. ``compliance.thresholds.40.floor_area_ratio_min``
        (with the region tier appended for a tiered investment intensity).
    edition : str or None
        The edition of the table it came from: the edition in force for
        ``compliance.editions.<E>``, ``"2008"`` for ``compliance.thresholds``.
    unconfirmed : bool
        Its source comment says UNCONFIRMED, or the 2008 row was reached through an
        UNCONFIRMED code mapping.
    fallback : bool
        It comes from the 2008 tables although the edition in force is another one.
    overridden : bool
        It differs from the shipped ``default.yaml`` (a workspace or local value), so the
        default file's source comment does not apply to it.
    """

    value: float | None
    key: str | None = None
    edition: str | None = None
    unconfirmed: bool = False
    fallback: bool = False
    overridden: bool = False


@dataclass(frozen=True)
class _CodeInfo:
    """How one stored industry code was read and mapped."""

    raw: Any
    code: str | None          # 2-digit code in the parcels' standard (None: no or unreadable code)
    edition_code: str | None  # code for compliance.editions.<E>.<code> (GB/T 4754-2017)
    table_code: str | None    # code for compliance.thresholds.<code> (the table's standard)
    note: tuple[str, str]     # for compliance_basis: (中文, English)
    map_unconfirmed: bool = False


# --------------------------------------------------------------------------------------------
# rules access
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _shipped() -> RuleSet:
    """The shipped default rules, to tell overridden values from defaults."""
    return load_ruleset()


def _get(tree: Any, parts: tuple[str, ...]) -> Any:
    """``tree[p0][p1]…`` with keys compared as text (YAML may give ``39`` or ``"39"``); a
    section of the rules by its field ``p``."""
    node = tree
    for part in parts:
        if dataclasses.is_dataclass(node):
            node = getattr(node, part, _MISSING)
            if node is _MISSING:
                return _MISSING
            continue
        if not isinstance(node, Mapping):
            return _MISSING
        found = _MISSING
        for key, value in node.items():
            if str(key) == part:
                found = value
                break
        if found is _MISSING:
            return _MISSING
        node = found
    return node


def _provenance(rules: RuleSet, parts: tuple[str, ...]) -> tuple[str, bool, bool]:
    """``(dotted key, unconfirmed, overridden)`` of the value at ``parts`` of ``rules``."""
    key = ".".join(parts)
    overridden = plain(_get(rules, parts)) != plain(_get(_shipped(), parts))
    return key, (not overridden) and is_unconfirmed(key), overridden


def _standard_year(value: Any, key: str, default: str) -> str:
    if value is None:
        return default
    m = re.search(r"(\d{4})\s*$", str(value))
    year = m.group(1) if m else ""
    if year not in _NEW_STANDARDS | {"2002"}:
        raise RuleError(f"compliance.{key} is {value!r}; expected GB/T 4754-2002, -2011 or -2017")
    return "2017" if year in _NEW_STANDARDS else year


def _to_2002(code: str, cmap: Mapping[str, Any]) -> str | None:
    value = cmap.get(code, code)
    return None if value is None else str(value)


def _to_2017(code: str, cmap: Mapping[str, Any]) -> str | None:
    """The one 2017 code mapping to 2002 ``code``, or None (none or several do)."""
    candidates = {k for k in cmap if _to_2002(k, cmap) == code}
    if code not in cmap:
        candidates.add(code)
    return candidates.pop() if len(candidates) == 1 else None


def _read_code(raw: Any, rules: RuleSet) -> _CodeInfo:
    """The 2-digit code of a stored industry code and the table rows it leads to."""
    comp = rules.compliance
    if raw is None or (isinstance(raw, float) and math.isnan(raw)) or raw is pd.NA:
        return _CodeInfo(raw, None, None, None, text.pair("reason.basis.no_code"))
    written = str(int(raw)) if isinstance(raw, (int, float, np.integer, np.floating)) else str(raw)
    if not written.strip():
        return _CodeInfo(raw, None, None, None, text.pair("reason.basis.no_code"))
    m = _CODE.match(written)
    if not m:
        return _CodeInfo(raw, None, None, None, text.pair("reason.basis.unreadable_code", code=repr(written)))
    code = m.group(1)
    parcel_std = _standard_year(comp.parcel_code_standard, "parcel_code_standard", "2017")
    table_std = _standard_year(comp.code_standard, "code_standard", "2002")
    cmap = {str(k): v for k, v in comp.code_map_2017_to_2002.items()}
    edition_code = code if parcel_std == "2017" else _to_2017(code, cmap)
    if parcel_std == table_std:
        return _CodeInfo(raw, code, edition_code, code, text.pair("src.industry", code=code))
    if parcel_std == "2017":  # 2017 parcels, 2002 tables
        table_code = _to_2002(code, cmap)
        unconfirmed = False
        if code in cmap:
            _, unconfirmed, _ = _provenance(rules, ("compliance", "code_map_2017_to_2002", code))
        flag = Lang(*(text.fill("reason.basis.marks", lang, marks=t("reason.basis.unconfirmed", lang))
                      if unconfirmed else "" for lang in ("zh", "en")))
        if table_code is None:
            note = text.pair("reason.basis.no_2008_row", code=code, mark=flag)
        elif table_code == code and not unconfirmed:
            note = text.pair("src.industry", code=code)
        else:
            note = text.pair("reason.basis.code_2017_to_2002", code=code, row=table_code, mark=flag)
        return _CodeInfo(raw, code, code, table_code, note, unconfirmed)
    # 2002 parcels, 2017 tables
    table_code = _to_2017(code, cmap)
    note = (text.pair("reason.basis.code_2002_to_2017", code=code, row=table_code) if table_code
            else text.pair("reason.basis.no_2017_code", code=code))
    return _CodeInfo(raw, code, table_code, table_code, note)


def _edition(rules: RuleSet) -> str:
    """``compliance.edition``: the edition for land without a supply date (or before every
    dated edition)."""
    comp = rules.compliance
    edition = str(comp.edition)
    editions = comp.editions
    if edition != "2008" and edition not in {str(k) for k in editions}:
        raise RuleError(f"compliance.edition {edition} has no block under compliance.editions "
                        f"(known: {', '.join(map(str, editions)) or 'none'})")
    return edition


def _dated_editions(rules: RuleSet) -> list[tuple[pd.Timestamp, str]]:
    """``[(in force from, edition)]`` of the editions ``compliance.in_force_from`` dates, oldest first."""
    dated = []
    for edition, when in rules.compliance.in_force_from.items():
        if when is None:
            continue
        stamp = pd.to_datetime(str(when), errors="coerce")
        if pd.isna(stamp):
            raise RuleError(f"compliance.in_force_from.{edition} is {when!r}; expected a date such as 2024-01-01")
        dated.append((stamp, str(edition)))
    return sorted(dated)


def _supply_editions(supply: pd.Series, rules: RuleSet) -> tuple[np.ndarray, np.ndarray]:
    """``(edition, by_date)`` per supply date: the edition in force at supply, and whether a
    dated edition chose it (else ``compliance.edition``)."""
    default = _edition(rules)
    dates = pd.to_datetime(supply, errors="coerce").to_numpy(dtype="datetime64[ns]")
    edition = np.full(len(dates), default, dtype=object)
    by_date = np.zeros(len(dates), dtype=bool)
    for since, name in _dated_editions(rules):  # oldest first: a later one overwrites
        hit = ~np.isnat(dates) & (dates >= since.to_datetime64())
        edition[hit] = name
        by_date |= hit
    return edition, by_date


def edition_for(supply_date: Any, rules: RuleSet | Mapping) -> str:
    """The edition of the control indicators in force when land was supplied.

    Parameters
    ----------
    supply_date : date, str or None
        The supply date (供地日期); None or unreadable: ``compliance.edition``.
    rules : RuleSet
        The rules in force (:func:`landplan.rules.load_ruleset`; a rules dict is accepted,
        deprecated); ``compliance.edition`` and ``compliance.in_force_from``.

    Returns
    -------
    str
        The latest edition whose ``in_force_from`` is on or before ``supply_date``, else
        ``compliance.edition``.

    Examples
    --------
    >>> from landplan.rules import load_rules, merge_rules
    >>> edition_for("2015-03-01", load_ruleset())
    '2008'
    >>> dated = merge_rules(load_rules(), {"compliance": {"in_force_from": {"2023": "2023-07-01"}}})
    >>> edition_for("2015-03-01", dated), edition_for("2024-03-01", dated)
    ('2008', '2023')
    """
    edition, _ = _supply_editions(pd.Series([supply_date], dtype=object), as_ruleset(rules))
    return str(edition[0])


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RuleError(f"{key} must be a number, not {type(value).__name__} ({value!r})")
    return float(value)


def _resolve(info: _CodeInfo, rules: RuleSet, edition: str) -> dict[str, Threshold]:
    """Every threshold key for one code in ``edition``, walking the four levels of the module
    docstring."""
    tier = rules.compliance.region_tier
    levels: list[tuple[tuple[str, ...], str, bool]] = []
    if info.edition_code:
        levels.append((("compliance", "editions", edition, info.edition_code), edition, False))
    levels.append((("compliance", "editions", edition, "default"), edition, False))
    if info.table_code:
        levels.append((("compliance", "thresholds", info.table_code), "2008", edition != "2008"))
    levels.append((("compliance", "thresholds", "default"), "2008", edition != "2008"))

    out: dict[str, Threshold] = {}
    for name in THRESHOLD_KEYS:
        out[name] = Threshold(None)
        for parts, level_edition, fallback in levels:
            raw = _get(rules, (*parts, name))
            if raw is _MISSING or raw is None:
                continue
            path = (*parts, name)
            if isinstance(raw, Mapping):
                if tier is None:
                    continue
                raw = _get(raw, (str(tier),))
                if raw is _MISSING or raw is None:
                    continue
                path = (*path, str(tier))
            value = _number(raw, ".".join(path))
            key, unconfirmed, overridden = _provenance(rules, path)
            row_level = parts[-1] != "default" and parts[1] == "thresholds"
            unconfirmed = unconfirmed or (row_level and info.map_unconfirmed)
            out[name] = Threshold(value, key, level_edition, unconfirmed, fallback, overridden)
            break
    return out


def thresholds_for(code: str | None, rules: RuleSet | Mapping, *, supply_date: Any = None) -> dict[str, Threshold]:
    """The thresholds that apply to one industry code, with where each came from.

    Parameters
    ----------
    code : str or None
        The industry code as stored on parcels (``compliance.parcel_code_standard``, GB/T
        4754-2017 by default); only its first two digits count (``"3911"`` → ``"39"``, a
        leading section letter as in ``"C39"`` is ignored). None or unreadable: defaults only.
    rules : RuleSet
        The rules in force (:func:`landplan.rules.load_ruleset`; a rules dict is accepted,
        deprecated).
    supply_date : date or str, optional
        When the land is (or was) supplied: the edition in force then applies
        (:func:`edition_for`); None: ``compliance.edition``.

    Returns
    -------
    dict of str to Threshold
        One entry per key of :data:`THRESHOLD_KEYS`; ``value`` None when no level sets it.

    Raises
    ------
    RuleError
        The edition in force has no block, a code standard is unknown, or a threshold is not
        a number.

    Examples
    --------
    >>> rules = load_ruleset()
    >>> far = thresholds_for("39", rules)["floor_area_ratio_min"]  # 2017 electronics -> 2002 row 40
    >>> far.value, far.key, far.fallback
    (1.0, 'compliance.thresholds.40.floor_area_ratio_min', False)
    >>> cov = thresholds_for("39", rules)["building_coverage_pct_min"]
    >>> cov.value, cov.edition, cov.unconfirmed
    (30.0, '2008', False)
    >>> from landplan.rules import merge_rules
    >>> dated = merge_rules(rules.to_dict(), {"compliance": {"in_force_from": {"2023": "2023-07-01"}}})
    >>> cov = thresholds_for("39", dated, supply_date="2024-03-01")["building_coverage_pct_min"]
    >>> cov.value, cov.edition, cov.unconfirmed
    (40.0, '2023', True)
    """
    rules = as_ruleset(rules)
    return _resolve(_read_code(code, rules), rules, edition_for(supply_date, rules))


# --------------------------------------------------------------------------------------------
# compliance_basis text
# --------------------------------------------------------------------------------------------


def _item(ind: str, sign: str, value: float, lang: str) -> str:
    """``容积率 ≥ 1.00``: one threshold as a basis lists it."""
    return t("reason.basis.item", lang, label=_label(ind, lang), sign=sign, value=labels.fmt(value, _FORMAT[ind]),
             unit=_unit(ind, lang))


def _basis(info: _CodeInfo, thr: dict[str, Threshold], edition: str,
           conflicts: list[tuple[str, str]], tier: Any, lang: str) -> str:
    """One short text in ``lang``: code mapping, thresholds by edition, gaps and conflicts."""
    groups: dict[tuple[str, bool], list[tuple[str, Threshold]]] = {}
    missing: list[str] = []
    for ind in INDICATORS:
        used = False
        for key, sign in zip(_BOUNDS[ind], ("≥", "≤"), strict=True):
            th = thr.get(key) if key else None
            if th is None or th.value is None:
                continue
            used = True
            item = _item(ind, sign, th.value, lang) + (t("reason.basis.local", lang) if th.overridden else "")
            groups.setdefault((th.edition or "", th.fallback), []).append((item, th))
        if not used:
            missing.append(_label(ind, lang) + (t("reason.basis.no_tier", lang) if ind.startswith("investment")
                                                and tier is None else ""))
    parts = [info.note[lang == "en"]]
    for (ed, fallback), items in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        all_unconfirmed = all(th.unconfirmed for _, th in items)
        marks = ([t("reason.basis.unconfirmed", lang)] if all_unconfirmed else []) + (
            [t("reason.basis.fallback", lang, edition=edition)] if fallback else [])
        body = text.sep("list", lang).join(
            item + (t("reason.basis.marks", lang, marks=t("reason.basis.unconfirmed", lang))
                    if th.unconfirmed and not all_unconfirmed else "") for item, th in items)
        parts.append(t("reason.basis.group", lang, edition=ed, items=body, marks=t(
            "reason.basis.marks", lang, marks=text.sep("clause", lang).join(marks)) if marks else ""))
    if missing:
        parts.append(t("reason.basis.no_threshold", lang, items=text.sep("list", lang).join(missing)))
    parts.extend(c[lang == "en"] for c in conflicts)
    return text.sep("clause", lang).join(parts)


def control_source(table: pd.DataFrame, rules: RuleSet | Mapping, bound: Any = "floor_area_ratio_min") -> tuple[np.ndarray, np.ndarray]:
    """Where each row's control value ``bound`` (a threshold key, or one per row) comes from,
    as a reason names it (Chinese, English): the land sale contract where the parcel records
    the condition, else the edition's table with the industry code (and the 2008 table's row
    where the code was mapped) or the local rules, marked unconfirmed where the shipped figure is.

    ``table`` holds the evaluation's rows (``industry_code``, ``compliance_edition`` or
    ``supply_date``, the ``contract_*`` columns).

    Examples
    --------
    >>> frame = pd.DataFrame({"industry_code": ["39"], "compliance_edition": ["2008"]})
    >>> [s[0] for s in control_source(frame, load_ruleset())]
    ['《工业项目建设用地控制指标》2008，行业 39（表中 40）', 'Industrial project land control indicators 2008, industry 39 (table row 40)']
    """
    rules = as_ruleset(rules)
    n = len(table)
    bounds = np.broadcast_to(np.asarray(bound, dtype=object), (n,))
    if "compliance_edition" in table.columns:
        editions = table["compliance_edition"].astype(object).where(table["compliance_edition"].notna(), None)
        editions = np.array([_edition(rules) if e is None else str(e) for e in editions], dtype=object)
    else:
        supply = table["supply_date"] if "supply_date" in table.columns else pd.Series([None] * n, dtype=object)
        editions = _supply_editions(supply, rules)[0]
    raws = table["industry_code"].to_numpy(dtype=object) if "industry_code" in table.columns else np.full(n, None)
    keys = pd.Series([f"{r}\x00{e}\x00{b}" for r, e, b in zip(raws, editions, bounds, strict=True)], dtype=object)
    codes, uniques = pd.factorize(keys)
    out: list[list[str]] = [[], []]
    for u in uniques:
        raw, ed, key = u.split("\x00")
        info = _read_code(None if raw in ("None", "nan", "<NA>") else raw, rules)
        th = _resolve(info, rules, ed)[key]
        for i, lang in enumerate(("zh", "en")):
            industry = ("" if info.code is None else
                        t("src.industry_row", lang, code=info.code, row=info.table_code)
                        if th.edition == "2008" and info.table_code and info.table_code != info.code
                        else t("src.industry", lang, code=info.code))
            head = (t("src.local_rules", lang) if th.overridden
                    else t("src.control_indicators", lang, edition=th.edition or ed))
            mark = t("reason.mark.unconfirmed", lang) if th.unconfirmed else ""
            out[i].append(text.sep("comma", lang).join(p for p in (head, industry) if p) + mark)
    zh, en = (np.asarray(o, dtype=object)[codes] for o in out)
    for key, column in _CONTRACT.items():
        given = (bounds == key) & ~np.isnan(_numeric(table, column))
        zh[given], en[given] = t("src.contract", "zh"), t("src.contract", "en")
    return zh, en


# --------------------------------------------------------------------------------------------
# evaluation
# --------------------------------------------------------------------------------------------


def _numeric(parcels: pd.DataFrame, column: str) -> np.ndarray:
    """A float column (NaN = empty), all NaN when the column is absent; never fails."""
    if column not in parcels.columns:
        return np.full(len(parcels), np.nan)
    values = pd.to_numeric(parcels[column], errors="coerce")
    return np.asarray(values.to_numpy(dtype="float64", na_value=np.nan), dtype="float64")


def _present(parcels: pd.DataFrame, column: str) -> np.ndarray:
    """Where a column has a value (all False when it is absent)."""
    if column not in parcels.columns:
        return np.zeros(len(parcels), dtype=bool)
    return parcels[column].notna().to_numpy(dtype=bool)


def _check(value: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(ok, empty)``: value within [lo, hi] where set; empty if no value, no bound or lo > hi."""
    has_lo, has_hi = ~np.isnan(lo), ~np.isnan(hi)
    conflict = has_lo & has_hi & (lo > hi)
    empty = np.isnan(value) | ~(has_lo | has_hi) | conflict
    with np.errstate(invalid="ignore"):
        ok = np.where(has_lo, value >= lo - _RTOL * np.abs(lo), True)
        ok &= np.where(has_hi, value <= hi + _RTOL * np.abs(hi), True)
    return ok & ~empty, empty


def footprint_m2(parcels: pd.DataFrame) -> np.ndarray:
    """建筑物、构筑物基底及堆场面积 of every parcel in m² (NaN = unknown).

    ``footprint_area_m2`` where it is given; else the sum of the parts of
    :data:`FOOTPRINT_PARTS` (buildings, structures, open storage yards) that are given, an empty
    part counting 0 when another is given (2008 应用说明: 建筑系数 counts all three).

    Examples
    --------
    >>> frame = pd.DataFrame({"footprint_area_m2": [3000.0, None, None],
    ...                       "building_footprint_m2": [1.0, 2000.0, None],
    ...                       "yard_area_m2": [None, 1500.0, None]})
    >>> footprint_m2(frame).tolist()
    [3000.0, 3500.0, nan]
    """
    total = _numeric(parcels, "footprint_area_m2")
    parts = np.vstack([_numeric(parcels, c) for c in FOOTPRINT_PARTS])
    given = ~np.isnan(parts).all(axis=0)
    summed = np.where(given, np.nansum(np.where(np.isnan(parts), 0.0, parts), axis=0), np.nan)
    return np.where(np.isnan(total), summed, total)


#: ``compliance_scope`` codes: the indicators are judged (``checked``) or not, and why (labels:
#: ``val.compliance_scope.*`` in :mod:`landplan.labels`).
SCOPES: tuple[str, ...] = ("checked", "not_built", "no_status")

def compliance_scope(parcels: pd.DataFrame) -> pd.Series:
    """Whether each parcel's indicators are judged: a :data:`SCOPES` code, same index.

    ``checked`` for a finished project: status ``completed`` or ``in_production``, or
    ``halted`` with an ``actual_completion_date`` or ``production_date`` recorded;
    ``no_status`` without a status; ``not_built`` otherwise (planned … under construction, or
    halted before completion).

    Examples
    --------
    >>> frame = pd.DataFrame({"status": ["in_production", "under_construction", "halted", None],
    ...                       "production_date": [None, None, "2020-05-01", None]})
    >>> compliance_scope(frame).tolist()
    ['checked', 'not_built', 'checked', 'no_status']
    """
    if "status" in parcels.columns:
        status = parcels["status"].astype(object).where(parcels["status"].notna(), None)
        status = status.to_numpy(dtype=object)
    else:
        status = np.full(len(parcels), None, dtype=object)
    finished = np.isin(status, _FINISHED) | (
        (status == "halted") & (_present(parcels, "actual_completion_date") | _present(parcels, "production_date")))
    missing = np.array([s is None or str(s).strip() == "" for s in status], dtype=bool)
    codes = np.where(finished, "checked", np.where(missing, "no_status", "not_built"))
    return pd.Series(codes.astype(object), index=parcels.index, dtype="str")


def _scope_notes(parcels: pd.DataFrame, scope: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``compliance_note`` (zh, en): why a parcel is not judged (its status and the source),
    ``""`` if judged."""
    n = len(scope)
    status = (parcels["status"].to_numpy(dtype=object) if "status" in parcels.columns
              else np.full(n, None, dtype=object))
    why = Lang(*text.pair("reason.compliance.why", source=Lang(*text.pair("src.control_indicators", edition="2008"))))
    label = Lang(*(text.values("parcel_status", status, lang) for lang in ("zh", "en")))
    fields = {"status": label, "why": why}
    return text.pair_cases(n, (scope == "no_status", "reason.compliance.no_status", fields),
                           ((scope == "not_built") & (status == "halted"), "reason.compliance.halted_unfinished", fields),
                           (scope == "not_built", "reason.compliance.not_built", fields))


def evaluate_compliance(parcels: gpd.GeoDataFrame, rules: RuleSet | Mapping) -> pd.DataFrame:
    """The five land-use control indicators of every parcel, judged where the project is built.

    Parameters
    ----------
    parcels : GeoDataFrame
        The parcels layer (SPEC §3) with ``parcel_id`` and a geometry in any CRS with a
        known definition (areas are measured in the metric CRS of the data). Optional columns
        used: ``status``, ``actual_completion_date``, ``production_date``, ``supply_date``,
        ``industry_code``, ``floor_area_m2``, ``footprint_area_m2`` (or its parts
        :data:`FOOTPRINT_PARTS`), ``green_area_m2``, ``admin_area_m2``, ``invested_wan`` and
        the contract conditions (``contract_far_min`` …). A missing column or value, or a
        parcel without area, gives empty values for what needs it, never an error. Not
        modified.

        ``floor_area_m2`` is taken as given: the 2008 rule counts a storey higher than 8 m
        twice (``compliance.thresholds.default.far_double_count_storey_height_m``), so the
        input must already count such storeys twice. ``invested_wan`` is, per SPEC §3, the
        investment made (已完成投资); the 2008 rule divides the project's fixed-asset investment
        including the land price, so give that figure for a strict 投资强度.
    rules : RuleSet
        The rules in force (:func:`landplan.rules.load_ruleset`; a rules dict is accepted,
        deprecated), block ``compliance``.

    Returns
    -------
    DataFrame
        Indexed by ``parcel_id``, every parcel in input order. For each indicator of
        :data:`INDICATORS`: its value (float, NaN = empty; computed for every parcel), the
        thresholds used (``floor_area_ratio_min``, ``floor_area_ratio_max``,
        ``building_coverage_pct_min``, ``investment_intensity_wan_per_mu_min``,
        ``green_ratio_pct_max``, ``green_ratio_pct_min``, ``admin_ratio_pct_max``, others when
        some parcel has one; NaN = none) and ``<indicator>_ok`` (nullable ``boolean``: NA when
        the parcel is not judged, the value or every threshold is missing, or a minimum
        exceeds the maximum). Then ``compliance_edition`` (the edition applied),
        ``compliance_basis`` (edition, code mapping, contract conditions and thresholds used,
        UNCONFIRMED and 2008 fallbacks shown), ``compliance_scope`` (a :data:`SCOPES` code),
        ``compliance_note`` (why a parcel is not judged, ``""`` when it is) and
        ``compliance_failed`` (comma-separated names of the indicators whose flag is False,
        ``""`` when none or not judged).

    Raises
    ------
    SchemaError
        ``parcel_id`` is missing.
    RuleError
        See :func:`thresholds_for`.
    CRSError
        The parcels have no CRS (their areas cannot be measured).

    See Also
    --------
    thresholds_for : the thresholds of one industry code and where each came from.
    compliance_scope : which parcels are judged.

    Notes
    -----
    A value equal to its threshold passes (up to a relative 1e-9 for float rounding of the
    measured area). Work is vectorised over parcels; thresholds are resolved once per distinct
    stored industry code and edition.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> p = gpd.GeoDataFrame({"parcel_id": ["A", "B"], "industry_code": ["39", "39"],
    ...                       "status": ["in_production", "under_construction"],
    ...                       "floor_area_m2": [10000.0, 2000.0]},
    ...                      geometry=[box(39_500_000, 3_500_000, 39_500_100, 3_500_100),
    ...                                box(39_500_200, 3_500_000, 39_500_300, 3_500_100)],
    ...                      crs="EPSG:4527")
    >>> out = evaluate_compliance(p, load_ruleset())
    >>> float(out.loc["A", "floor_area_ratio"]), bool(out.loc["A", "floor_area_ratio_ok"])
    (1.0, True)
    >>> float(out.loc["B", "floor_area_ratio"]), out.loc["B", "floor_area_ratio_ok"] is pd.NA
    (0.2, True)
    >>> out.loc["B", "compliance_scope"], out.loc["B", "compliance_failed"]
    ('not_built', '')
    """
    if "parcel_id" not in parcels.columns:
        raise SchemaError("parcels have no parcel_id column; it is required (SPEC §3)")
    rules = as_ruleset(rules)
    n = len(parcels)
    tier = rules.compliance.region_tier

    if n:
        area = np.asarray(area_m2(parcels).to_numpy(dtype="float64", na_value=np.nan))
    else:
        area = np.zeros(0)
    area = np.where(area > 0, area, np.nan)
    footprint = footprint_m2(parcels)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = {
            "floor_area_ratio": _numeric(parcels, "floor_area_m2") / area,
            "building_coverage_pct": 100.0 * footprint / area,
            "investment_intensity_wan_per_mu": _numeric(parcels, "invested_wan") / (area / M2_PER_MU),
            "green_ratio_pct": 100.0 * _numeric(parcels, "green_area_m2") / area,
            "admin_ratio_pct": 100.0 * _numeric(parcels, "admin_area_m2") / area,
        }

    # the edition in force at supply, per parcel
    supply = parcels["supply_date"] if "supply_date" in parcels.columns else pd.Series([None] * n, dtype=object)
    edition, by_date = _supply_editions(supply, rules)

    # thresholds once per distinct (stored code, edition, chosen by date); the last code slot is "no code"
    if "industry_code" in parcels.columns:
        codes, uniques = pd.factorize(parcels["industry_code"], use_na_sentinel=True)
        uniques = list(uniques)
    else:
        codes, uniques = np.full(n, -1, dtype=np.intp), []
    codes = np.where(codes < 0, len(uniques), codes)
    ed_codes, ed_names = pd.factorize(edition) if n else (np.zeros(0, dtype=np.intp), [])
    n_ed = max(len(ed_names), 1)
    groups, keys = pd.factorize((codes * n_ed + ed_codes) * 2 + by_date) if n else (np.zeros(0, dtype=np.intp), [])
    raws = [*uniques, None]
    infos: dict[int, _CodeInfo] = {}
    per_group: list[dict[str, Threshold]] = []
    basis: tuple[list[str], list[str]] = ([], [])
    for key in keys:
        code_i, rest = divmod(int(key), 2 * n_ed)
        ed, dated = str(ed_names[rest // 2]), bool(rest % 2)
        info = infos.setdefault(code_i, _read_code(raws[code_i], rules))
        thr = _resolve(info, rules, ed)
        conflicts = []
        for ind in INDICATORS:
            lo_key, hi_key = _BOUNDS[ind]
            lo = thr[lo_key].value if lo_key else None
            hi = thr[hi_key].value if hi_key else None
            if lo is not None and hi is not None and lo > hi:
                conflicts.append(tuple(t("reason.basis.conflict", lang, label=_label(ind, lang),
                                         low=labels.fmt(lo, _FORMAT[ind]), high=labels.fmt(hi, _FORMAT[ind]),
                                         unit=_unit(ind, lang)) for lang in ("zh", "en")))
        per_group.append(thr)
        for i, lang in enumerate(("zh", "en")):
            which = t("reason.basis.edition_dated" if dated else "reason.basis.edition_default", lang, edition=ed)
            basis[i].append(text.sep("clause", lang).join([which, _basis(info, thr, ed, conflicts, tier, lang)]))
    unreadable = sum(int((codes == i).sum()) for i, info in infos.items()
                     if raws[i] is not None and info.code is None)
    if unreadable:
        log.warning("%d parcels have an unreadable industry_code; only default thresholds apply",
                     unreadable)

    table = {key: np.array([np.nan if t[key].value is None else t[key].value for t in per_group],
                           dtype="float64")[groups] for key in THRESHOLD_KEYS}
    basis_text = [np.array(b, dtype=object)[groups] if n else np.zeros(0, dtype=object) for b in basis]

    # the contract's own conditions win where the parcel records them
    contract_items: list[list[np.ndarray]] = [[], []]
    for key, column in _CONTRACT.items():
        given = _numeric(parcels, column)
        hit = ~np.isnan(given)
        if not hit.any():
            continue
        table[key] = np.where(hit, given, table[key])
        ind = next(i for i, bounds in _BOUNDS.items() if key in bounds)
        figures = text.numbers(given, _FORMAT[ind])
        for i, lang in enumerate(("zh", "en")):
            item = text.fill("reason.basis.item", lang, label=_label(ind, lang), value=figures,
                             sign="≥" if key.endswith("_min") else "≤", unit=_unit(ind, lang))
            contract_items[i].append(np.where(hit, item, ""))
    from_parts = np.isnan(_numeric(parcels, "footprint_area_m2")) & ~np.isnan(footprint)
    for i, lang in enumerate(("zh", "en")):
        items = text.clauses(contract_items[i], lang, kind="list") if contract_items[i] else np.full(n, "")
        contract = np.where(items != "", text.fill("reason.basis.contract", lang, items=items), "")
        basis_text[i] = text.clauses([basis_text[i], contract, np.where(from_parts, t("reason.basis.from_parts", lang), "")],
                                     lang) if n else basis_text[i]

    scope = compliance_scope(parcels).to_numpy(dtype=object)
    judged = scope == "checked"
    nan = np.full(n, np.nan)
    columns: dict[str, Any] = {}
    failed_bits = np.zeros(n, dtype=np.int64)
    for bit, ind in enumerate(INDICATORS):
        lo_key, hi_key = _BOUNDS[ind]
        lo = table[lo_key] if lo_key else nan
        hi = table[hi_key] if hi_key else nan
        ok, empty = _check(values[ind], lo, hi)
        empty |= ~judged
        ok &= judged
        columns[ind] = values[ind]
        for key in (lo_key, hi_key):
            if key and (key in _ALWAYS_SHOWN or not np.isnan(table[key]).all()):
                columns[key] = table[key]
        columns[f"{ind}_ok"] = pd.arrays.BooleanArray(ok, empty)
        failed_bits |= (~ok & ~empty).astype(np.int64) << bit
    names = np.array([", ".join(ind for b, ind in enumerate(INDICATORS) if mask >> b & 1)
                      for mask in range(1 << len(INDICATORS))], dtype=object)
    columns["compliance_edition"] = pd.array(edition.astype(object), dtype="str")
    columns["compliance_basis"] = pd.array(basis_text[0], dtype="str")
    columns["compliance_basis_en"] = pd.array(basis_text[1], dtype="str")
    columns["compliance_scope"] = pd.array(scope, dtype="str")
    note_zh, note_en = _scope_notes(parcels, scope)
    columns["compliance_note"] = pd.array(note_zh, dtype="str")
    columns["compliance_note_en"] = pd.array(note_en, dtype="str")
    columns["compliance_failed"] = pd.array(names[failed_bits], dtype="str")

    index = pd.Index(parcels["parcel_id"].to_numpy(copy=True), name="parcel_id")
    out = pd.DataFrame(columns, index=index)
    log.info("compliance: %d parcels, %d judged, %d with a failed indicator",
             n, int(judged.sum()), int((failed_bits > 0).sum()))
    return out
