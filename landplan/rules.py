"""The rules file: every threshold, weight and rate, with its source (SPEC §8).

The package ships ``landplan/rules/default.yaml``; every value there carries a ``# source:``
comment, and values no primary text confirmed say ``UNCONFIRMED``. A workspace ``rules.yaml``
overrides any key of it (deep merge). Every key and value is checked on load against one
table, :data:`RULE_KINDS` (the kind of each value by key path: a number ≥ 0, a fraction, a
percentage, whole years, an enumeration …) with :data:`OPEN_MAPS` (the keys of the mappings
whose keys are data, such as industry codes); a bad file is one
:class:`~landplan.errors.RuleError` listing every problem, one line each, naming the key path,
the value and what is allowed.

:func:`load_ruleset` gives the checked rules typed (:class:`~landplan.ruleset.RuleSet`, one
frozen, documented dataclass per section: the schema), which the analyses take;
:func:`load_rules` gives the same as a plain dict (for writing a rules file; passing it to an
analysis is deprecated).

>>> rules = load_ruleset()
>>> rules.idle.fee_rate
0.2
>>> load_rules()["idle"]["fee_rate"]
0.2
>>> "UNCONFIRMED" in rule_source("coverage.unit_cost_wan_per_m.road")
True
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from . import labels
from .coverage import READINESS_NEEDS
from .efficiency import BELOW_SCALE_INDICATORS, INDICATORS, MISSING_POLICIES
from .errors import InputFileError, RuleError, shown
from .io.yamltext import load_yaml_file, load_yaml_text
from .lifecycle import CONDITIONS
from .ruleset import (
    DEFAULT_RULES_TEXT,
    RuleSet,
    default_dict,
    default_ruleset,
    from_dict,
    is_unconfirmed,
    rule_fields,
    rule_source,
    rule_sources,
    section_docs,
)
from .schema import ENUMS

__all__ = ["load_rules", "load_ruleset", "RuleSet", "rule_source", "rule_sources", "is_unconfirmed", "DEFAULT_RULES_TEXT",
           "merge_rules", "parse_rule_value", "render_rules", "Kind", "RULE_KINDS", "OPEN_MAPS",
           "THRESHOLD_KINDS"]

_MAX_PROBLEMS = 50
"""At most this many problems are listed in one RuleError (then how many more there are)."""


#: The shipped defaults as a dict, cached (:func:`landplan.ruleset.default_dict`).
_defaults = default_dict


# --------------------------------------------------------------------------------------------
# the kinds of values: one table, checked on load
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kind:
    """What a rules value may be.

    ``what`` names it in a message (``"a fraction from 0 to 1"``), ``ok`` tests a value,
    ``null`` allows null (a rule switched off, or the park's own value), ``allowed`` lists the
    names of an enumeration; with ``plural`` the value is a list of such values
    (``"parcel statuses"`` names the list).
    """

    what: str
    ok: Callable[[Any], bool]
    null: bool = False
    allowed: tuple[str, ...] = ()
    plural: str = ""

    def or_null(self) -> Kind:
        return replace(self, null=True)

    def many(self, plural: str) -> Kind:
        """A list of values of this kind."""
        return replace(self, plural=plural)

    def allowed_text(self) -> str:
        """`` (allowed: a, b, c)`` for an enumeration, else ``""``."""
        return f" (allowed: {', '.join(self.allowed)})" if self.allowed else ""

    def _bad(self, value: Any, what: str) -> str:
        return f"{shown(value)} is not {what}{self.allowed_text()}"

    def problems(self, value: Any) -> list[tuple[str, str]]:
        """``[(path suffix, message)]`` for ``value``; empty when it is of this kind."""
        if value is None and self.null:
            return []
        if not self.plural:
            return [] if self.ok(value) else [("", self._bad(value, self.what + (" or null" if self.null else "")))]
        if not isinstance(value, list):
            return [("", f"{shown(value)} is not a list of {self.plural}")]
        return [("", self._bad(item, self.what)) for item in value if not self.ok(item)]


def _is_date(value: Any) -> bool:
    if isinstance(value, dt.date):
        return True
    try:
        dt.date.fromisoformat(value.strip())
    except ValueError:
        return False
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number(what: str, lo: float | None = 0.0, hi: float | None = None, *, above: bool = False,
            whole: bool = False) -> Kind:
    def ok(v: Any) -> bool:
        return (_is_number(v) and (not whole or float(v).is_integer())
                and (lo is None or (v > lo if above else v >= lo)) and (hi is None or v <= hi))
    return Kind(what, ok)


def _one_of(what: str, names: Iterable[str]) -> Kind:
    names = tuple(str(n) for n in names)
    return Kind(what, lambda v: isinstance(v, str) and v in names, allowed=names)


def _pattern(what: str, regex: str, *, types: tuple[type, ...] = (str,)) -> Kind:
    compiled = re.compile(regex)
    return Kind(what, lambda v: isinstance(v, types) and not isinstance(v, bool)
                and compiled.fullmatch(str(v)) is not None)


NUMBER = _number("a number ≥ 0")
POSITIVE = _number("a number > 0", above=True)
FRACTION = _number("a fraction from 0 to 1", 0.0, 1.0)
PERCENT = _number("a percentage from 0 to 100", 0.0, 100.0)
YEARS = _number("a whole number of years ≥ 0", whole=True)
DAYS = _number("a whole number of days ≥ 0", whole=True)
BOOL = Kind("true or false", lambda v: isinstance(v, bool))
TEXT = Kind("text", lambda v: isinstance(v, str) and v.strip() != "")
LABEL = Kind("text or a whole number", lambda v: (isinstance(v, str) and v.strip() != "")
             or (isinstance(v, int) and not isinstance(v, bool)))
CODE = _pattern("a 2-digit industry code such as '39' (quoted: 07 unquoted is the number 7)", r"\d{2}",
                types=(str, int))
CODE_OR_DEFAULT = _pattern("default or a 2-digit industry code such as '39' (quoted)", r"default|\d{2}",
                           types=(str, int))
YEAR = _pattern("an edition year such as 2023", r"\d{4}", types=(str, int))
STANDARD = replace(_pattern("an industry classification", r"GB/T\s*4754-(2002|2011|2017)"),
                   allowed=("GB/T 4754-2002", "GB/T 4754-2011", "GB/T 4754-2017"))
TIERED = Kind("a number ≥ 0 or a mapping {region tier: number ≥ 0}",
              lambda v: NUMBER.ok(v) or (isinstance(v, dict) and all(x is None or NUMBER.ok(x) for x in v.values())))
NEED = _one_of("a network", (*READINESS_NEEDS,))
VOLTAGE = _pattern("a voltage in kV such as '10' (quoted)", r"\d+(\.\d+)?", types=(str, int, float))
GRADE = _number("an industrial-land grade 1, 2 or 3 ("
                + ", ".join(labels.t(f"val.land_use.10010{g}", "zh") for g in (1, 2, 3)) + ")", 1, 3, whole=True)
LAND_GRADE = _number("a national land grade, a whole number from 1 to 15 (circular 307 of 2006)", 1, 15, whole=True)
DATE = Kind("a date such as 2023-07-01", lambda v: isinstance(v, (dt.date, str)) and not isinstance(v, bool)
            and _is_date(v))

#: Kind of each threshold of a compliance row (``compliance.thresholds.<code>`` and the
#: edition blocks); the keys a row may hold.
THRESHOLD_KINDS: dict[str, Kind] = {
    "floor_area_ratio_min": NUMBER.or_null(), "floor_area_ratio_max": NUMBER.or_null(),
    "building_coverage_pct_min": PERCENT.or_null(), "building_coverage_pct_max": PERCENT.or_null(),
    "investment_intensity_wan_per_mu_min": TIERED.or_null(),
    "green_ratio_pct_min": PERCENT.or_null(), "green_ratio_pct_max": PERCENT.or_null(),
    "admin_ratio_pct_min": PERCENT.or_null(), "admin_ratio_pct_max": PERCENT.or_null(),
    "far_double_count_storey_height_m": POSITIVE.or_null(),
}

_READINESS = Kind("a list of levels such as [{name: <the level's name>, needs: [water, power, road, leveled]}]",
                  lambda v: False)  # checked by _readiness_problems

#: The kind of every value of the rules, by dotted key (``*``: any key of that mapping). The
#: one place the kinds are written: :func:`load_rules` checks every value against it.
RULE_KINDS: dict[str, Kind] = {
    "efficiency.indicators.*.weight": NUMBER,
    "efficiency.indicators.*.benchmark": POSITIVE.or_null(),
    "efficiency.indicators.*.cap": POSITIVE.or_null(),
    "efficiency.below_scale.*.weight": NUMBER,
    "efficiency.below_scale.*.benchmark": POSITIVE.or_null(),
    "efficiency.below_scale.*.cap": POSITIVE.or_null(),
    "efficiency.missing.*": _one_of("a way to score a missing figure", MISSING_POLICIES),
    "efficiency.scope.min_land_mu": NUMBER.or_null(),
    "efficiency.scope.include_above_scale": BOOL,
    "efficiency.scope.exclude_years_in_production_lt": NUMBER.or_null(),
    "efficiency.classes.method": _one_of("a class method", ("score", "share")),
    "efficiency.classes.shares.*": FRACTION,
    "efficiency.classes.cutoffs.*": NUMBER.or_null(),
    "efficiency.policies.*.*": TEXT,
    "idle.idle_after_years": YEARS,
    "idle.recover_after_years": YEARS,
    "idle.fee_rate": FRACTION,
    "idle.developed_share_min": FRACTION,
    "idle.invested_share_min": FRACTION,
    "idle.gov_extension_max_years": NUMBER,
    "idle.gov_temporary_use_max_years": NUMBER,
    "idle.start_date_fallback": _one_of("a start-date column", ("delivery_date", "supply_date")).many(
        "start-date columns"),
    "idle.recover_halted_from_halt": BOOL,
    "idle.procedure.reply_days": DAYS,
    "idle.procedure.payment_days": DAYS,
    "idle.low_efficiency.completion_overdue_years": NUMBER.or_null(),
    "idle.low_efficiency.intensity_share_of_contract_min": FRACTION.or_null(),
    "idle.low_efficiency.stopped_years": NUMBER.or_null(),
    "idle.low_efficiency.efficiency_class_on": BOOL,
    "idle.low_efficiency.efficiency_classes": _one_of("an efficiency class", "ABCD").many("efficiency classes"),
    "idle.low_efficiency.far_below_control_on": BOOL,
    "idle.low_efficiency.stopped_on": BOOL,
    "idle.low_efficiency.completion_overdue_on": BOOL,
    "idle.low_efficiency.intensity_below_contract_on": BOOL,
    "idle.low_efficiency.tax_per_mu_min_wan": NUMBER.or_null(),
    "revitalization.priority_weights.*": NUMBER.or_null(),
    "revitalization.split_above_mu": NUMBER.or_null(),
    "revitalization.merge_below_mu": NUMBER.or_null(),
    "revitalization.target_mu_per_year": NUMBER.or_null(),
    "coverage.service_distance_m.*": NUMBER,
    "coverage.power_substation_radius_km.*": POSITIVE,
    "coverage.load_kva_per_mu.*": NUMBER.or_null(),
    "coverage.power_voltages_kv": POSITIVE.many("voltages in kV"),
    "coverage.power_protection_zone_m.*": NUMBER,
    "coverage.cable_protection_zone_m": NUMBER,
    "coverage.unit_cost_wan_per_m.*": NUMBER,
    "coverage.readiness": _READINESS,
    "coverage.below": TEXT,
    "terrain.max_relief_m": NUMBER,
    "terrain.design_level": _one_of("a design-level method", ("mean", "balanced")),
    "terrain.swell_factor": _number("a swell factor ≥ 1 (" + labels.t("rule.terrain.swell_factor", "zh") + ")", 1.0),
    "compliance.edition": YEAR,
    "compliance.code_standard": STANDARD.or_null(),
    "compliance.parcel_code_standard": STANDARD.or_null(),
    "compliance.code_map_2017_to_2002.*": CODE.or_null(),
    "compliance.region_tier": LABEL.or_null(),
    "compliance.in_force_from.*": DATE.or_null(),
    **{f"compliance.thresholds.*.{k}": kind for k, kind in THRESHOLD_KINDS.items()},
    **{f"compliance.editions.*.*.{k}": kind for k, kind in THRESHOLD_KINDS.items()},
    "lifecycle.approved_not_supplied_min_years": YEARS.or_null(),
    "lifecycle.fully_developed_share": FRACTION,
    "lifecycle.built_not_producing_after_years": YEARS,
    "lifecycle.contract_remedies.*.*": TEXT,
    "lifecycle.damages.method": _one_of("a damages method", ("land_price_share",)).or_null(),
    "lifecycle.damages.combine": _one_of("a way to combine the conditions' damages", ("sum", "max")),
    "lifecycle.no_transfer_years": YEARS.or_null(),
    "lifecycle.no_transfer_from": _one_of("the date the no-transfer period runs from",
                                          ("supply_date", "full_production_due_date")),
    "screening.entry_thresholds.*.check": BOOL,
    "screening.entry_thresholds.*.value": NUMBER.or_null(),
    "screening.by_industry.*.*": NUMBER.or_null(),
    "screening.supplyable_statuses": _one_of("a parcel status", ENUMS["parcel_status"]).many("parcel statuses"),
    "screening.area_tolerance_pct": PERCENT,
    "screening.conflicts.overlap_min_m2": NUMBER.or_null(),
    "screening.conflicts.road_statuses": _one_of("a road status", ENUMS["line_status"]).many("road statuses"),
    "screening.conflicts.powerline_min_kv": NUMBER.or_null(),
    "screening.conflicts.powerline_statuses": _one_of("a line status", ENUMS["line_status"]).many("line statuses"),
    "screening.conflicts.powerline_corridor_m": NUMBER.or_null(),
    "screening.conflicts.flag_columns": TEXT.many("column names"),
    "screening.land_grade.default": GRADE.or_null(),
    "screening.land_grade.by_industry.*": GRADE.or_null(),
    "screening.score_weights.*": NUMBER.or_null(),
    "economics.land_grade": LAND_GRADE.or_null(),
    "economics.land_grade_source": TEXT.or_null(),
    "economics.floor_prices_yuan_per_m2.*": POSITIVE.or_null(),
    "economics.provincial_floor_yuan_per_m2": POSITIVE.or_null(),
    "economics.provincial_floor_source": TEXT.or_null(),
    "economics.acquisition_wan_per_mu": NUMBER.or_null(),
    "economics.development_wan_per_mu": NUMBER.or_null(),
    "economics.earthwork_yuan_per_m3": NUMBER.or_null(),
    "economics.retained_local_share": FRACTION.or_null(),
    "economics.discount_rate": FRACTION.or_null(),
    "economics.tax_lag_years": _number("a whole number of years from 0 to 50", 0, 50, whole=True).or_null(),
    "economics.horizon_years": _number("a whole number of years from 1 to 1000", 1, 1000, whole=True),
    "economics.illustrative": BOOL,
}

#: Mappings whose keys are data (industry codes, editions, conditions), not a fixed
#: vocabulary: the kind of their keys. Other mappings take the keys of the defaults only.
OPEN_MAPS: dict[str, Kind] = {
    "efficiency.missing": _one_of("default or an indicator", dict.fromkeys(("default", *INDICATORS, *BELOW_SCALE_INDICATORS))),
    "compliance.thresholds": CODE_OR_DEFAULT,
    "compliance.thresholds.*": _one_of("a threshold", THRESHOLD_KINDS),
    "compliance.editions": YEAR,
    "compliance.in_force_from": YEAR,
    "compliance.editions.*": CODE_OR_DEFAULT,
    "compliance.editions.*.*": _one_of("a threshold", THRESHOLD_KINDS),
    "compliance.code_map_2017_to_2002": CODE,
    "coverage.load_kva_per_mu": CODE_OR_DEFAULT,
    "coverage.power_protection_zone_m": VOLTAGE,
    "lifecycle.contract_remedies": _one_of("a contract condition", ("default", "no_transfer", *CONDITIONS)),
    "lifecycle.contract_remedies.*": _one_of("a language", ("zh", "en")),
    "screening.by_industry": CODE,
    "screening.land_grade.by_industry": CODE,
    "screening.by_industry.*": _one_of("an entry threshold", _defaults()["screening"]["entry_thresholds"]),
}


_END = "\0"  # a trie node's key for the pattern ending there


def _trie(patterns: Iterable[str]) -> dict:
    root: dict = {}
    for pattern in patterns:
        node = root
        for part in pattern.split("."):
            node = node.setdefault(part, {})
        node[_END] = pattern
    return root


_KIND_TRIE = _trie(RULE_KINDS)
_OPEN_TRIE = _trie(OPEN_MAPS)


def _step(live: list[dict], key: str) -> list[dict]:
    """The trie nodes after ``key``: a pattern naming the key before one with ``*`` (so the
    most specific pattern wins)."""
    return [n[key] for n in live if key in n] + [n["*"] for n in live if "*" in n]


def _ending(live: list[dict]) -> str | None:
    return next((n[_END] for n in live if _END in n), None)


def _dotted(parts: Iterable[str]) -> str:
    return ".".join(p if len(p) <= 40 else shown(p, 40) for p in parts)


def _readiness_problems(levels: Any) -> list[tuple[str, str]]:
    """Problems of ``coverage.readiness``: a list of levels, each a name and its needs."""
    if not isinstance(levels, list) or not levels:
        return [("", f"{shown(levels)} is not {_READINESS.what}")]
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, level in enumerate(levels, start=1):
        name = level.get("name") if isinstance(level, dict) else None
        at = f".{_dotted([name])}" if TEXT.ok(name) else f"[{i}]"
        if not isinstance(level, dict):
            out.append((at, f"{shown(level)} is not a level (allowed: a mapping with name and needs)"))
            continue
        out += [(f"{at}.{_dotted([str(k)])}", "unknown key (allowed: name, needs)")
                for k in level if k not in ("name", "needs")]
        if not TEXT.ok(name):
            out.append((f"{at}.name", f"{shown(name)} is not text"))
        elif name in seen:
            out.append((f"{at}.name", f"{shown(name)} names two levels"))
        seen.add(name)
        needs = level.get("needs")
        if not isinstance(needs, list) or not needs:
            out.append((f"{at}.needs", f"{shown(needs)} is not a list of needs (allowed: "
                                        f"{', '.join(READINESS_NEEDS)})"))
            continue
        out += [(f"{at}.needs", p) for _, p in NEED.many("needs").problems(needs)]
    return out


def _value_problems(node: Any, parts: tuple[str, ...], kinds: list[dict], maps: list[dict],
                    out: list[tuple[str, str]]) -> None:
    """Every value under ``node`` checked against :data:`RULE_KINDS` (keys of open maps
    against :data:`OPEN_MAPS`); ``kinds`` and ``maps`` are the nodes of their tries at ``parts``."""
    pattern = _ending(kinds)
    if pattern is not None:
        kind = RULE_KINDS[pattern]
        found = _readiness_problems(node) if kind is _READINESS else kind.problems(node)
        out.extend((_dotted(parts) + suffix, message) for suffix, message in found)
        return
    open_map = _ending(maps)
    if not isinstance(node, dict):
        what = "a mapping" if open_map or not parts else "a known rules value"
        out.append((_dotted(parts), f"{shown(node)} is not {what}"))
        return
    keys = OPEN_MAPS[open_map] if open_map is not None else None
    for key, value in node.items():
        key = str(key)
        if keys is not None and not keys.ok(key):
            out.append((_dotted((*parts, key)), f"unknown key, not {keys.what}{keys.allowed_text()}"))
            continue
        _value_problems(value, (*parts, key), _step(kinds, key), _step(maps, key), out)


def _weights_problem(weights: Any, where: str, out: list[tuple[str, str]]) -> None:
    values = [w for w in (weights or {}).values() if w is not None]
    if values and all(NUMBER.ok(w) for w in values) and sum(values) == 0:
        out.append((where, "every weight is 0 or null: at least one must be > 0"))


def _cross_problems(rules: dict) -> list[tuple[str, str]]:
    """Rules that hold between values; a value not of its kind (a problem already) is not
    looked at. The structure is the defaults' (:func:`_merge` keeps it)."""
    out: list[tuple[str, str]] = []
    eff = rules["efficiency"]
    classes = eff["classes"]
    if classes["method"] == "share":
        shares = classes["shares"]
        if set(shares) == set("ABCD") and all(FRACTION.ok(v) for v in shares.values()) \
                and abs(sum(shares.values()) - 1.0) > 1e-9:
            out.append(("efficiency.classes.shares", f"A, B, C, D must sum to 1 (they sum to "
                                                     f"{sum(shares.values()):g})"))
    elif classes["method"] == "score":
        cut = classes["cutoffs"]
        if any(cut.get(k) is None for k in "ABC"):
            out.append(("efficiency.classes.cutoffs", "method is score but A, B, C are not all set (no "
                                                      "default is given: no source confirmed one)"))
        elif all(NUMBER.ok(cut[k]) for k in "ABC") and not cut["A"] >= cut["B"] >= cut["C"]:
            out.append(("efficiency.classes.cutoffs", f"must satisfy A ≥ B ≥ C (they are {cut['A']:g}, "
                                                      f"{cut['B']:g}, {cut['C']:g})"))
    _weights_problem({k: v.get("weight") for k, v in eff["indicators"].items() if isinstance(v, dict)},
                     "efficiency.indicators", out)
    _weights_problem(rules["screening"]["score_weights"], "screening.score_weights", out)
    _weights_problem(rules["revitalization"]["priority_weights"], "revitalization.priority_weights", out)
    comp = rules["compliance"]
    if YEAR.ok(comp["edition"]) and str(comp["edition"]) not in {str(k) for k in comp["editions"]}:
        out.append(("compliance.edition", f"{shown(comp['edition'])} has no block under compliance.editions "
                                          f"(known: {', '.join(map(str, comp['editions']))})"))
    out += [(f"compliance.in_force_from.{k}", f"names no block under compliance.editions (known: "
                                             f"{', '.join(map(str, comp['editions']))})")
            for k in comp["in_force_from"] if str(k) not in {str(e) for e in comp["editions"]}]
    out += _economics_problems(rules["economics"])
    cov = rules["coverage"]
    levels = cov["readiness"] if isinstance(cov["readiness"], list) else []
    names = {lvl.get("name") for lvl in levels if isinstance(lvl, dict) and TEXT.ok(lvl.get("name"))}
    if TEXT.ok(cov["below"]) and cov["below"] in names:
        out.append(("coverage.below", f"{shown(cov['below'])} is also the name of a readiness level"))
    return out


def _economics_problems(econ: dict) -> list[tuple[str, str]]:
    """A provincial floor below the national floor of the park's grade: it can only raise it
    (land-economics.md §1.3). (A value left empty is no problem of the file: the economics
    names every missing one, :func:`landplan.economics_workspace.economics_inputs`.)"""
    out: list[tuple[str, str]] = []
    grade, prov = econ["land_grade"], econ["provincial_floor_yuan_per_m2"]
    if POSITIVE.ok(prov) and LAND_GRADE.ok(grade):
        national = (econ["floor_prices_yuan_per_m2"] or {}).get(str(int(grade)))
        if POSITIVE.ok(national) and prov < national:
            out.append(("economics.provincial_floor_yuan_per_m2",
                        f"{shown(prov)} is below the national floor of grade {int(grade)} ({national:g} CNY/m², "
                        "circular 307 of 2006): a provincial floor can only raise it"))
    return out


def _merge(base: dict, override: Any, parts: tuple[str, ...], maps: list[dict],
           out: list[tuple[str, str]]) -> dict:
    """``override`` deep-merged into a copy of ``base``; a key ``base`` does not have (outside
    the open maps) or a mapping given something else is a problem, and the base value stays."""
    merged = copy.deepcopy(base)
    if not isinstance(override, dict):
        out.append((_dotted(parts) or "the file", f"{shown(override)} is not a mapping"))
        return merged
    open_map = _ending(maps) is not None
    for key, value in override.items():
        key = str(key)
        here = (*parts, key)
        if key not in merged:
            if open_map:
                merged[key] = copy.deepcopy(value)
            else:
                known = ", ".join(map(str, merged)) or "(none)"
                out.append((_dotted(here), f"unknown key (allowed: {known})"))
            continue
        if isinstance(merged[key], dict):
            merged[key] = _merge(merged[key], value, here, _step(maps, key), out)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _raise(problems: list[tuple[str, str]], origin: str) -> None:
    if not problems:
        return
    lines = [f"{origin}: {where}: {message}" for where, message in problems[:_MAX_PROBLEMS]]
    if len(problems) > _MAX_PROBLEMS:
        lines.append(f"{origin}: … and {len(problems) - _MAX_PROBLEMS} more problems")
    raise RuleError("\n".join(lines))


def merge_rules(base: dict, override: Any, *, origin: str = "rules.yaml") -> dict:
    """``override`` (a rules file's mapping) deep-merged into a copy of ``base`` (full rules,
    e.g. the defaults), then every value checked against :data:`RULE_KINDS`.

    Raises
    ------
    RuleError
        Naming every problem at once, one line each: ``<origin>: <key path>: <value> is not
        <kind> (allowed: …)``; unknown keys, mappings given something else, values of the
        wrong kind and rules between values (class shares sum to 1, cutoffs A ≥ B ≥ C, the
        edition has a block, some weight > 0, readiness level names distinct).
    """
    problems: list[tuple[str, str]] = []
    merged = _merge(base, override, (), [_OPEN_TRIE], problems)
    _value_problems(merged, (), [_KIND_TRIE], [_OPEN_TRIE], problems)
    problems += _cross_problems(merged)
    _raise(problems, origin)
    return merged


def load_rules(workspace=None, *, path: str | Path | None = None) -> dict:
    """The rules in force: the shipped defaults, deep-merged with a workspace ``rules.yaml``.

    Every key and value is checked (:func:`merge_rules`): a bad file is one
    :class:`~landplan.errors.RuleError` listing every problem, one line each.

    Parameters
    ----------
    workspace : Workspace or path, optional
        Its ``rules.yaml`` (when present) overrides the defaults.
    path : path, optional
        An explicit rules file to merge instead.
    """
    source = None
    if path is not None:
        source = Path(path)
    elif workspace is not None:
        folder = getattr(workspace, "path", workspace)
        candidate = Path(folder) / "rules.yaml"
        source = candidate if candidate.exists() else None
    if source is None:
        return merge_rules(_defaults(), {}, origin="default.yaml")
    if not source.exists():
        raise RuleError(f"{source}: no such rules file")
    try:
        override = load_yaml_file(source)
    except InputFileError as exc:
        raise RuleError(str(exc)) from None
    return merge_rules(_defaults(), {} if override is None else override, origin=str(source))


def load_ruleset(workspace=None, *, path: str | Path | None = None) -> RuleSet:
    """The rules in force as a typed :class:`~landplan.ruleset.RuleSet`.

    Checked as :func:`load_rules` checks them (every problem at once, one
    :class:`~landplan.errors.RuleError`; unknown keys refused), then built section by section.

    >>> load_ruleset().idle.fee_rate
    0.2
    """
    return from_dict(load_rules(workspace, path=path))


def parse_rule_value(path: str, text: str) -> Any:
    """A value typed for rules key ``path`` (a form field): YAML plain data, aliases refused.

    Empty text is ``None``. Raises :class:`RuleError` naming the key.
    """
    if not text.strip():
        return None
    try:
        return load_yaml_text(text, path)
    except InputFileError:
        raise RuleError(f"{path}: {shown(text)} is not a value (write a number, text, true/false "
                        "or null)") from None


def _flow(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip()
    return text.removesuffix("...").strip()


def render_rules(workspace=None) -> str:
    """The rules in force as commented YAML, listed from the schema
    (:func:`landplan.ruleset.rule_fields`): each section with its doc, each value with its
    source, overrides marked.

    Values taken from a workspace ``rules.yaml`` say so and show the default they replace;
    UNCONFIRMED marks of the defaults stay visible.
    """
    rules = load_ruleset(workspace)
    defaults = {f.parts: f.value for f in rule_fields(default_ruleset())}
    docs = section_docs()
    folder = getattr(workspace, "path", workspace)
    override = Path(folder) / "rules.yaml" if folder is not None else None
    head = "# rules in force: landplan/rules/default.yaml"
    if override is not None and override.exists():
        head += f" + {override}"
    lines = [head]

    def label(key: str) -> str:
        return f'"{key}"' if key.isdigit() else key

    opened: tuple[str, ...] = ()
    for field in rule_fields(rules):
        *parents, key = field.parts
        same = 0
        while same < min(len(opened), len(parents)) and opened[same] == parents[same]:
            same += 1
        for depth in range(same, len(parents)):
            doc = docs.get(".".join(parents[:depth + 1]))
            lines.append(f"{'  ' * depth}{label(parents[depth])}:" + (f"  # {doc}" if doc else ""))
        opened = tuple(parents)
        text = f"{'  ' * len(parents)}{label(key)}: {_flow(field.value)}"
        if field.parts in defaults and defaults[field.parts] == field.value:
            comment = field.source
        else:
            shown = _flow(defaults[field.parts]) if field.parts in defaults else "none"
            comment = f"workspace rules.yaml (default: {shown}; {field.source or 'no source'})"
        lines.append(f"{text}  # {comment}" if comment else text)
    return "\n".join(lines)
