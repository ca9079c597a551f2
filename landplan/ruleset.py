"""The rules as typed, frozen objects: one dataclass per section of the rules file.

:class:`RuleSet` is the schema of ``landplan/rules/default.yaml``: its fields are the file's
keys (unchanged, so that every workspace ``rules.yaml`` keeps working; a key with a unit
carries it in its name: ``service_distance_m``, ``tax_per_mu_min_wan``). Each field says what
it is in ``metadata["doc"]``; its source is the comment beside the key in the default file
(:func:`rule_source`), UNCONFIRMED where no primary text confirmed it (:func:`is_unconfirmed`).
Mappings whose keys are data (industry codes, editions, voltages, indicator names) are
read-only mappings (:class:`types.MappingProxyType`) of typed values; lists are tuples.

The values are checked by :func:`landplan.rules.load_ruleset` (every problem at once, one
:class:`~landplan.errors.RuleError`); building a RuleSet refuses a key the schema does not
have (``extra="forbid"``) and a key it lacks. :func:`as_ruleset` turns the dict of
:func:`landplan.rules.load_rules` (deprecated in the analyses' signatures) into a RuleSet.

>>> rules = as_ruleset(None)
>>> rules.idle.fee_rate
0.2
>>> rules.coverage.service_distance_m["road"]
50
>>> rules.to_dict()["idle"]["fee_rate"]
0.2
>>> "UNCONFIRMED" in rule_source("coverage.unit_cost_wan_per_m.road")
True
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any, get_args, get_origin

import yaml

from .errors import RuleError
from .io.yamltext import SAFE_LOADER

__all__ = ["RuleSet", "as_ruleset", "default_ruleset", "from_dict", "plain", "RuleField", "rule_fields", "section_docs", "schema_patterns",
           "rule_sources", "rule_source", "is_unconfirmed", "DEFAULT_RULES_TEXT",
           "Indicator", "Scope", "Classes", "Efficiency", "IdleProcedure", "LowEfficiency", "Idle",
           "Revitalization", "ReadinessLevel", "Coverage", "Terrain", "Compliance", "Damages",
           "Lifecycle", "EntryThreshold", "Conflicts", "LandGrade", "Screening", "Economics"]


def _doc(text: str) -> Any:
    """A required field documented by ``text`` (``metadata["doc"]``)."""
    return field(metadata={"doc": text})


Number = int | float
Threshold = Any
"""A threshold of a compliance row: a number, null, or ``{region tier: number}``."""


# --------------------------------------------------------------------------------------------
# the sections (field order = the default file's key order)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Indicator:
    """One scored indicator: ``score = weight × min(value / benchmark, cap)``."""

    weight: Number = _doc("points of the indicator at its benchmark")
    benchmark: Number | None = _doc("value scoring the full weight; null = the park value over the graded units")
    cap: Number | None = _doc("most value / benchmark counts (the score is at most cap × weight)")


@dataclass(frozen=True)
class Scope:
    """Who is graded."""

    min_land_mu: Number | None = _doc("least land (mu) of a below-scale unit to be graded")
    include_above_scale: bool = _doc("every above-scale firm graded whatever its land")
    exclude_years_in_production_lt: Number | None = _doc("years in production under which a unit is class T")


@dataclass(frozen=True)
class Classes:
    """How units get their class A/B/C/D."""

    method: str = _doc("'share' (rank shares) or 'score' (fixed cut-offs)")
    shares: Mapping[str, Number] = _doc("share of the graded units per class, best first (sum 1)")
    cutoffs: Mapping[str, Number | None] = _doc("least score of A, B, C for method 'score'")


@dataclass(frozen=True)
class Efficiency:
    """亩均效益: efficiency per mu."""

    indicators: Mapping[str, Indicator] = _doc("the indicators of above-scale firms, by indicator name")
    below_scale: Mapping[str, Indicator] = _doc("the indicators of below-scale firms, by indicator name")
    missing: Mapping[str, str] = _doc("what a missing figure scores, by indicator ('default': the others)")
    scope: Scope = _doc("who is graded")
    classes: Classes = _doc("how classes are given")
    policies: Mapping[str, Mapping[str, str]] = _doc("what each class means for the firm, by class then language")


@dataclass(frozen=True)
class IdleProcedure:
    """Deadlines of the idle-land procedure (53号令 Chapter 2)."""

    reply_days: int = _doc("days the holder has to reply to the investigation notice")
    payment_days: int = _doc("days the holder has to pay the idle-land fee")


@dataclass(frozen=True)
class LowEfficiency:
    """低效用地: each rule switched on or off; a parcel is low-efficiency if one that is on applies."""

    completion_overdue_years: Number | None = _doc("years past the contract completion date")
    intensity_share_of_contract_min: Number | None = _doc("least investment as a share of the contract's")
    stopped_years: Number | None = _doc("years stopped or half-stopped")
    efficiency_class_on: bool = _doc("rule on: the efficiency class is one of efficiency_classes")
    efficiency_classes: tuple[str, ...] = _doc("efficiency classes that make land low-efficiency")
    far_below_control_on: bool = _doc("rule on: floor-area ratio below the control value")
    stopped_on: bool = _doc("rule on: stopped for stopped_years")
    completion_overdue_on: bool = _doc("rule on: completion overdue by completion_overdue_years")
    intensity_below_contract_on: bool = _doc("rule on: investment below the contract's share")
    tax_per_mu_min_wan: Number | None = _doc("least tax per mu (wan/mu/year); null = rule off")


@dataclass(frozen=True)
class Idle:
    """闲置土地 (闲置土地处置办法, 2012)."""

    idle_after_years: int = _doc("years after the start date without starting: idle")
    recover_after_years: int = _doc("years idle after which the land is recovered")
    fee_rate: Number = _doc("idle-land fee as a share of the land price")
    developed_share_min: Number = _doc("developed share under which stopped land is idle")
    invested_share_min: Number = _doc("invested share under which stopped land is idle")
    gov_extension_max_years: Number = _doc("longest extension of the start date (years)")
    gov_temporary_use_max_years: Number = _doc("longest temporary use (years)")
    start_date_fallback: tuple[str, ...] = _doc("columns read, in order, when a parcel has no start date")
    recover_halted_from_halt: bool = _doc("halted land counts its years from halted_since")
    procedure: IdleProcedure = _doc("deadlines of the procedure")
    low_efficiency: LowEfficiency = _doc("low-efficiency land rules")


@dataclass(frozen=True)
class Revitalization:
    """盘活: the ranking of candidate land and the yearly target."""

    priority_weights: Mapping[str, Number | None] = _doc("weight of each component of the priority")
    split_above_mu: Number | None = _doc("land above this (mu) gets a split suggestion; null = none")
    merge_below_mu: Number | None = _doc("land below this (mu) gets a merge suggestion; null = none")
    target_mu_per_year: Number | None = _doc("mu to revitalize per year; null = no target")


@dataclass(frozen=True)
class ReadinessLevel:
    """A readiness level (三通一平 …): its name and the networks it needs."""

    name: str = _doc("the level's name")
    needs: tuple[str, ...] = _doc("networks (and 'leveled') a parcel needs for the level")


@dataclass(frozen=True)
class Coverage:
    """Infrastructure coverage of the parcels."""

    service_distance_m: Mapping[str, Number] = _doc("distance (m) to a network at which it counts as there, by network")
    power_substation_radius_km: Mapping[str, Number] = _doc("supply radius (km) of a substation, by zone")
    load_kva_per_mu: Mapping[str, Number | None] = _doc("planned load (kVA/mu), by 2-digit industry code or 'default'")
    power_voltages_kv: tuple[Number, ...] = _doc("medium voltages (kV) of the distribution network")
    power_protection_zone_m: Mapping[str, Number] = _doc("protection zone (m each side), by highest voltage of the band (kV)")
    cable_protection_zone_m: Number = _doc("protection zone (m each side) of an underground cable")
    unit_cost_wan_per_m: Mapping[str, Number] = _doc("cost (wan) of extending a network by 1 m, by network")
    readiness: tuple[ReadinessLevel, ...] = _doc("readiness levels, best first")
    below: str = _doc("name of the level below the last")


@dataclass(frozen=True)
class Terrain:
    """Earthworks of levelling a parcel."""

    max_relief_m: Number = _doc("largest relief (m) levelled without large earthworks")
    design_level: str = _doc("'mean' (cut = fill) or 'balanced' (cut × swell = fill)")
    swell_factor: Number = _doc("swell of dug earth (≥ 1), for design_level 'balanced'")


@dataclass(frozen=True)
class Compliance:
    """控制指标: the land-use control indicators of industrial projects."""

    edition: int | str = _doc("edition of the tables for land without a dated edition")
    in_force_from: Mapping[str, Any] = _doc("date each edition took effect, by edition (null = never chosen by date)")
    code_standard: str | None = _doc("industry classification of the tables' codes")
    parcel_code_standard: str | None = _doc("industry classification of the parcels' codes")
    code_map_2017_to_2002: Mapping[str, str | None] = _doc("2017 code -> the 2002 code of the tables")
    region_tier: str | int | None = _doc("the county's region tier (one of the 15 classes of the 2008 Table 1)")
    thresholds: Mapping[str, Mapping[str, Threshold]] = _doc("thresholds by 2-digit code ('default': every code)")
    editions: Mapping[str, Mapping[str, Mapping[str, Threshold]]] = _doc(
        "what an edition changes over thresholds, by edition then code")


@dataclass(frozen=True)
class Damages:
    """违约金 of unmet 标准地 conditions."""

    method: str | None = _doc("'land_price_share'; null = not computed")
    combine: str = _doc("'max' (largest shortfall) or 'sum' (each condition)")


@dataclass(frozen=True)
class Lifecycle:
    """土地全生命周期: the five gaps and the 标准地 performance check."""

    approved_not_supplied_min_years: int | None = _doc("years approved and unsupplied before it counts; null = any")
    fully_developed_share: Number = _doc("developed share that counts as fully developed")
    built_not_producing_after_years: int = _doc("years built and not producing before it counts")
    contract_remedies: Mapping[str, Mapping[str, str]] = _doc("remedy named per unmet condition, by condition then language")
    damages: Damages = _doc("contract damages")
    no_transfer_years: int | None = _doc("years of the no-transfer period; null = no bar")
    no_transfer_from: str = _doc("date the no-transfer period runs from")


@dataclass(frozen=True)
class EntryThreshold:
    """An entry threshold of project screening."""

    check: bool = _doc("whether the threshold is checked")
    value: Number | None = _doc("the threshold; null = the park's own current value")


@dataclass(frozen=True)
class Conflicts:
    """What keeps a supplyable parcel from being offered."""

    overlap_min_m2: Number | None = _doc("overlap area (m2) with another parcel that counts")
    road_statuses: tuple[str, ...] = _doc("statuses of roads that split a parcel")
    powerline_min_kv: Number | None = _doc("least voltage (kV) of a conflicting power line; null = no check")
    powerline_statuses: tuple[str, ...] = _doc("statuses of power lines checked")
    powerline_corridor_m: Number | None = _doc("local corridor (m) wider than the protection zones; null = none")
    flag_columns: tuple[str, ...] = _doc("parcel columns that exclude a parcel when true")


@dataclass(frozen=True)
class LandGrade:
    """用地等级 an industry's plant needs."""

    default: int | None = _doc("grade of an industry not listed; null = not checked")
    by_industry: Mapping[str, int | None] = _doc("grade by 2-digit GB/T 4754-2017 code")


@dataclass(frozen=True)
class Screening:
    """招商选址: project screening and site selection."""

    entry_thresholds: Mapping[str, EntryThreshold] = _doc("entry thresholds by indicator")
    by_industry: Mapping[str, Mapping[str, Number | None]] = _doc("fixed thresholds by 2-digit code, replacing the park value")
    supplyable_statuses: tuple[str, ...] = _doc("parcel statuses the park can supply")
    area_tolerance_pct: Number = _doc("a parcel fits when |area - need| is at most this % of the need")
    conflicts: Conflicts = _doc("conflicts that exclude a parcel")
    land_grade: LandGrade = _doc("land grades by industry")
    score_weights: Mapping[str, Number | None] = _doc("weight of each component of the site score")


@dataclass(frozen=True)
class Economics:
    """土地投入产出: the land's cost, its local tax and the payback (issue 22)."""

    land_grade: int | None = _doc("the park's national land grade 1-15 (circular 307 of 2006, annex 2); null = not set")
    land_grade_source: str | None = _doc("where the grade came from (a document)")
    floor_prices_yuan_per_m2: Mapping[str, Number | None] = _doc("national floor price (CNY/m2) by grade; null = UNCONFIRMED")
    provincial_floor_yuan_per_m2: Number | None = _doc("a provincial or city floor (CNY/m2) raising the national one; null = none")
    provincial_floor_source: str | None = _doc("the document of the provincial floor")
    acquisition_wan_per_mu: Number | None = _doc("acquisition price of the park's zone (wan/mu); null = per parcel")
    development_wan_per_mu: Number | None = _doc("development cost of serviced land (wan/mu); null = not set")
    earthwork_yuan_per_m3: Number | None = _doc("earthworks unit cost (CNY per m3 of cut plus fill); null = not counted")
    retained_local_share: Number | None = _doc("fraction of a firm's tax the local side keeps; null = not set")
    discount_rate: Number | None = _doc("yearly rate of the discounted payback; null = not set")
    tax_lag_years: int | None = _doc("years from supply to first tax of a new project; null = not set")
    horizon_years: int = _doc("years within which land must pay back")
    illustrative: bool = _doc("the inputs are a demo's illustrative values, not a park's figures")


@dataclass(frozen=True)
class RuleSet:
    """The rules in force, every section typed (the schema of ``rules/default.yaml``).

    Hashable and compared by value: :meth:`key` is its stable text (cache keys).
    """

    efficiency: Efficiency = _doc("efficiency per mu")
    idle: Idle = _doc("idle land")
    revitalization: Revitalization = _doc("revitalization ranking")
    coverage: Coverage = _doc("infrastructure coverage")
    terrain: Terrain = _doc("terrain and earthworks")
    compliance: Compliance = _doc("control indicators")
    lifecycle: Lifecycle = _doc("land lifecycle")
    screening: Screening = _doc("project screening")
    economics: Economics = _doc("land economics")

    def to_dict(self) -> dict:
        """The rules as the plain merged dict (as :func:`landplan.rules.load_rules` gives)."""
        return _thaw(self)

    def key(self) -> str:
        """A stable text of every value (sorted keys): equal rules, equal keys."""
        return json.dumps(self.to_dict(), sort_keys=True, default=str, ensure_ascii=False)

    def __hash__(self) -> int:
        return hash(self.key())

    def __reduce__(self) -> tuple:
        # read-only mappings do not pickle: a worker process (landplan.engine) gets the dict
        return from_dict, (self.to_dict(),)


# --------------------------------------------------------------------------------------------
# building (dict -> RuleSet) and back
# --------------------------------------------------------------------------------------------

@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _freeze(value: Any) -> Any:
    """A plain value made read-only: mappings as MappingProxyType, lists as tuples."""
    if isinstance(value, Mapping):
        return types.MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _build(tp: Any, value: Any, path: str, out: list[str]) -> Any:
    """``value`` as type ``tp`` (a section, a typed mapping or tuple); problems to ``out``."""
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            out.append(f"{path}: {value!r} is not a mapping")
            return None
        names = [f.name for f in dataclasses.fields(tp)]
        out.extend(f"{path}.{k}: unknown key (allowed: {', '.join(names)})" for k in value if k not in names)
        out.extend(f"{path}.{n}: missing" for n in names if n not in value)
        hints = _hints(tp)
        return tp(**{n: _build(hints[n], value.get(n), f"{path}.{n}".lstrip("."), out) for n in names})
    origin = get_origin(tp)
    if origin is Mapping or origin is dict:
        if not isinstance(value, Mapping):
            out.append(f"{path}: {value!r} is not a mapping")
            return types.MappingProxyType({})
        inner = get_args(tp)[1]
        return types.MappingProxyType({k: _build(inner, v, f"{path}.{k}", out) for k, v in value.items()})
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            out.append(f"{path}: {value!r} is not a list")
            return ()
        inner = get_args(tp)[0]
        return tuple(_build(inner, v, f"{path}[{i}]", out) for i, v in enumerate(value))
    return _freeze(value)


def plain(value: Any) -> Any:
    """A rules value as plain data (sections and mappings as dicts, tuples as lists): as the
    rules file and :func:`landplan.rules.load_rules` give it, e.g. to compare with a default."""
    return _thaw(value)


def _thaw(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {f.name: _thaw(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


def from_dict(rules: Mapping) -> RuleSet:
    """A :class:`RuleSet` from a full rules mapping (every section, every key; nothing else).

    The values are not checked here (:func:`landplan.rules.load_ruleset` does): the mapping is
    one that :func:`landplan.rules.load_rules` or :func:`landplan.rules.merge_rules` gave.
    Raises :class:`~landplan.errors.RuleError` naming every unknown or missing key.
    """
    problems: list[str] = []
    built = _build(RuleSet, rules, "", problems)
    if problems:
        raise RuleError("\n".join(f"rules: {p}" for p in problems))
    return built


def as_ruleset(rules: RuleSet | Mapping | None) -> RuleSet:
    """``rules`` as a :class:`RuleSet`: itself, the defaults for ``None``, or built from a full
    rules dict (:func:`landplan.rules.load_rules`; passing a dict is deprecated, pass
    :func:`landplan.rules.load_ruleset`)."""
    if isinstance(rules, RuleSet):
        return rules
    if rules is None:
        return default_ruleset()
    return from_dict(rules)


# --------------------------------------------------------------------------------------------
# the default file: its text, its values, the source comment beside each key
# --------------------------------------------------------------------------------------------

#: The shipped default rules, as text (with every source comment).
DEFAULT_RULES_TEXT = resources.files("landplan").joinpath("rules/default.yaml").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def default_dict() -> dict:
    """The shipped defaults as a plain dict (cached: copy before changing it)."""
    # libyaml's safe loader: the 24 KB defaults in 5 ms, a sixth of the pure-Python loader's time
    return yaml.load(DEFAULT_RULES_TEXT, Loader=SAFE_LOADER)


@lru_cache(maxsize=1)
def default_ruleset() -> RuleSet:
    """The shipped defaults as a :class:`RuleSet` (checked by the tests of ``landplan.rules``)."""
    return from_dict(default_dict())


_KEY_LINE = re.compile(r"^(?P<indent>\s*)(?:- )?(?P<key>\"[^\"]+\"|[^\s:#\"]+)\s*:(?P<rest>.*)$")


@lru_cache(maxsize=1)
def rule_sources() -> dict[str, str]:
    """``{dotted key: comment}`` for every key of the default file that has a comment.

    A flow mapping on one line (``A: {weight: 50, benchmark: null}  # source: …``) gives its
    comment to each of its keys too.
    """
    sources: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in DEFAULT_RULES_TEXT.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _KEY_LINE.match(line)
        if not m:
            continue
        indent = len(m.group("indent"))
        key = m.group("key").strip('"')
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = ".".join([k for _, k in stack] + [key])
        rest = m.group("rest")
        comment = ""
        if "#" in rest:
            value, comment = rest.split("#", 1)
            comment = comment.strip()
        else:
            value = rest
        if comment:
            sources[path] = comment
            flow = value.strip()
            if flow.startswith("{") and flow.endswith("}"):
                for inner in re.findall(r"([A-Za-z_]\w*)\s*:", flow):
                    sources.setdefault(f"{path}.{inner}", comment)
        if not value.strip():
            stack.append((indent, key))
    return sources


def rule_source(path: str) -> str:
    """The source comment of a dotted rules key (the nearest commented parent if it has none)."""
    sources = rule_sources()
    parts = path.split(".")
    while parts:
        found = sources.get(".".join(parts))
        if found:
            return found
        parts.pop()
    return ""


def is_unconfirmed(path: str) -> bool:
    """Whether the default value of ``path`` is marked UNCONFIRMED in its source comment."""
    return "UNCONFIRMED" in rule_source(path).upper()


# --------------------------------------------------------------------------------------------
# the schema as a list: what `landplan rules` and the settings page show
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleField:
    """One value of the rules: its key (``parts``; ``path`` dotted), its value as plain data,
    the schema's doc, the source comment of the default file and its UNCONFIRMED mark."""

    parts: tuple[str, ...]
    value: Any
    doc: str
    source: str
    unconfirmed: bool

    @property
    def path(self) -> str:
        return ".".join(self.parts)


def _field(parts: tuple[str, ...], value: Any, doc: str) -> RuleField:
    path = ".".join(parts)
    return RuleField(parts, _thaw(value), doc, rule_source(path), is_unconfirmed(path))


def _leaves(tp: Any, value: Any, parts: tuple[str, ...], doc: str) -> Iterator[RuleField]:
    if dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        for f in dataclasses.fields(tp):
            yield from _leaves(hints[f.name], getattr(value, f.name), (*parts, f.name), f.metadata.get("doc", ""))
        return
    if get_origin(tp) is Mapping and value:
        inner = get_args(tp)[1]
        if dataclasses.is_dataclass(inner) or get_origin(inner) is Mapping:
            for k, v in value.items():
                yield from _leaves(inner, v, (*parts, str(k)), doc)
            return
        for k, v in value.items():
            yield _field((*parts, str(k)), v, doc)
        return
    yield _field(parts, value, doc)


def rule_fields(rules: RuleSet | None = None, section: str | None = None) -> list[RuleField]:
    """Every value of ``rules`` (default: the shipped ones) walked through the schema, in the
    file's order: dotted key, value (a list of a section's levels is one value), doc, source.

    ``section`` keeps the keys under that dotted prefix.
    """
    rules = as_ruleset(rules)
    out = list(_leaves(RuleSet, rules, (), ""))
    if section:
        out = [f for f in out if f.path == section or f.path.startswith(section + ".")]
    return out


@cache
def section_docs() -> dict[str, str]:
    """``{dotted key: doc}`` of every section of the schema (a field holding a section)."""
    out: dict[str, str] = {}

    def walk(cls: type, path: str) -> None:
        hints = _hints(cls)
        for f in dataclasses.fields(cls):
            if dataclasses.is_dataclass(hints[f.name]):
                where = f"{path}.{f.name}" if path else f.name
                out[where] = f.metadata.get("doc", "")
                walk(hints[f.name], where)

    walk(RuleSet, "")
    return out


def schema_patterns() -> list[str]:
    """The dotted patterns of the schema's values (``*``: a key of a data mapping)."""

    def walk(tp: Any, path: str) -> Iterator[str]:
        if dataclasses.is_dataclass(tp):
            hints = _hints(tp)
            for f in dataclasses.fields(tp):
                yield from walk(hints[f.name], f"{path}.{f.name}" if path else f.name)
        elif get_origin(tp) is Mapping:
            yield from walk(get_args(tp)[1], f"{path}.*")
        else:
            yield path

    return list(walk(RuleSet, ""))
